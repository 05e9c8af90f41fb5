//! The province's PAPI results by year, the score the plan aims to raise:
//! the total, the 8 dimension scores and the rank, each year with the source
//! it was taken from (the PAPI report). The app ships no figure: the Sở Nội
//! vụ types them or imports a small spreadsheet (`from_sheet`), and every
//! year must name its source.
//!
//! The PAPI survey scores each dimension from 1 to 10; the total is their
//! sum (8 to 80), as the survey's reports print it (to two decimals).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::plan_sheet::Sheet;

/// The eight dimensions, in the PAPI report's order (the plan's dimension
/// codes 1 to 8).
pub const DIMENSIONS: usize = 8;

/// One year's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearScore {
    pub year: i32,
    pub total: f64,
    /// Dimension 1 to 8.
    pub dimensions: [f64; DIMENSIONS],
    /// The province's rank that year, and among how many provinces.
    pub rank: Option<u32>,
    pub of: Option<u32>,
    /// Where the figures come from ("Báo cáo PAPI 2024, tr. 12").
    pub source: String,
}

/// The columns of the spreadsheet, in order.
pub const COLUMNS: [&str; 13] = [
    "Năm",
    "Tổng điểm",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "Xếp hạng",
    "Trên tổng số tỉnh",
    "Nguồn",
];

/// How far the total may be from the sum of the dimensions (the report
/// rounds each figure to two decimals).
const ROUNDING: f64 = 0.06;

impl YearScore {
    /// What is wrong with the figures, in Vietnamese; `None` when they hold.
    pub fn problem(&self) -> Option<String> {
        if !(2009..=2100).contains(&self.year) {
            return Some(format!(
                "năm {} không hợp lệ (PAPI có từ năm 2009)",
                self.year
            ));
        }
        if let Some(d) = self
            .dimensions
            .iter()
            .position(|d| !(1.0..=10.0).contains(d))
        {
            return Some(format!(
                "điểm nội dung {} là {}, phải từ 1 đến 10",
                d + 1,
                self.dimensions[d]
            ));
        }
        let sum: f64 = self.dimensions.iter().sum();
        if (self.total - sum).abs() > ROUNDING {
            return Some(format!(
                "tổng điểm {} khác tổng 8 nội dung ({:.2})",
                self.total, sum
            ));
        }
        match (self.rank, self.of) {
            (Some(r), Some(n)) if r == 0 || r > n || n > 63 => {
                return Some(format!("xếp hạng {r}/{n} không hợp lệ"));
            }
            (Some(_), None) | (None, Some(_)) => {
                return Some("xếp hạng cần cả thứ hạng và số tỉnh, thành phố".into());
            }
            _ => {}
        }
        if self.source.trim().is_empty() {
            return Some("chưa ghi nguồn số liệu (báo cáo PAPI nào, trang nào)".into());
        }
        if self.source.chars().count() > 300 {
            return Some("nguồn số liệu dài quá 300 ký tự".into());
        }
        None
    }
}

/// A score as the report writes it: two decimals, a decimal comma ("42,51").
pub fn format_score(x: f64) -> String {
    format!("{x:.2}").replace('.', ",")
}

/// The sentence the report's assessment quotes: the year's total, its rank
/// if known, and its source ("Theo kết quả Chỉ số PAPI năm 2024 (Báo cáo
/// PAPI 2024, tr. 12), tỉnh Thái Nguyên đạt 42,51 điểm, xếp thứ 12/63
/// tỉnh, thành phố.").
pub fn quote_vi(s: &YearScore, province: &str) -> String {
    let rank = match (s.rank, s.of) {
        (Some(r), Some(n)) => format!(", xếp thứ {r}/{n} tỉnh, thành phố"),
        _ => String::new(),
    };
    format!(
        "Theo kết quả Chỉ số PAPI năm {} ({}), {province} đạt {} điểm{rank}.",
        s.year,
        s.source.trim(),
        format_score(s.total)
    )
}

/// The results kept, one per year.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores(pub BTreeMap<i32, YearScore>);

impl Scores {
    /// Keep `s` (replacing its year's), if its figures hold.
    pub fn put(&mut self, s: YearScore) -> Result<(), String> {
        if let Some(p) = s.problem() {
            return Err(p);
        }
        self.0.insert(s.year, s);
        Ok(())
    }
}

/// A number as a spreadsheet or a person writes it: "18,52" or "18.52".
fn number(s: &str) -> Option<f64> {
    s.trim()
        .replace(',', ".")
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite())
}

/// The results in a sheet (CSV or XLSX) whose first row is `COLUMNS`:
/// every year, or every problem, each saying its row and column.
pub fn from_sheet(sheet: &Sheet) -> Result<Vec<YearScore>, Vec<String>> {
    let Some((head, rows)) = sheet.rows.split_first() else {
        return Err(vec!["tệp trống".into()]);
    };
    let head: Vec<&str> = head.iter().map(|h| h.trim()).collect();
    if head.len() < COLUMNS.len() || head[..COLUMNS.len()] != COLUMNS {
        return Err(vec![format!(
            "dòng 1 phải là các cột: {}",
            COLUMNS.join(", ")
        )]);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match year_of(row) {
            Ok(s) => match s.problem() {
                None => out.push(s),
                Some(p) => problems.push(format!("dòng {}: {p}", i + 2)),
            },
            Err(p) => problems.push(format!("dòng {}: {p}", i + 2)),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn year_of(row: &[String]) -> Result<YearScore, String> {
    let cell = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
    let num = |c: usize| {
        number(cell(c))
            .ok_or_else(|| format!("cột \"{}\": \"{}\" không phải số", COLUMNS[c], cell(c)))
    };
    let whole = |c: usize| -> Result<Option<u32>, String> {
        if cell(c).is_empty() {
            return Ok(None);
        }
        cell(c).parse().map(Some).map_err(|_| {
            format!(
                "cột \"{}\": \"{}\" không phải số nguyên",
                COLUMNS[c],
                cell(c)
            )
        })
    };
    let year = cell(0)
        .parse()
        .map_err(|_| format!("cột \"Năm\": \"{}\" không phải năm", cell(0)))?;
    let mut dimensions = [0.0; DIMENSIONS];
    for (d, v) in dimensions.iter_mut().enumerate() {
        *v = num(2 + d)?;
    }
    Ok(YearScore {
        year,
        total: num(1)?,
        dimensions,
        rank: whole(10)?,
        of: whole(11)?,
        source: cell(12).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&str]) -> Sheet {
        Sheet {
            name: "PAPI".into(),
            rows: rows
                .iter()
                .map(|r| r.split(';').map(str::to_string).collect())
                .collect(),
        }
    }

    fn head() -> String {
        COLUMNS.join(";")
    }

    const GOOD: &str = "2024;44,00;5,5;5,5;5,5;5,5;5,5;5,5;5,5;5,5;12;63;Báo cáo PAPI 2024, tr. 20";

    #[test]
    fn a_sheet_of_years_reads_with_commas_or_points() {
        let s = sheet(&[
            &head(),
            GOOD,
            "",
            "2023;43.2;5.4;5.4;5.4;5.4;5.4;5.4;5.4;5.4;;;Báo cáo PAPI 2023",
        ]);
        let years = from_sheet(&s).unwrap();
        assert_eq!(years.len(), 2);
        assert_eq!(
            (years[0].year, years[0].total, years[0].rank),
            (2024, 44.0, Some(12))
        );
        assert_eq!(years[1].rank, None);
        let mut kept = Scores::default();
        for y in years {
            kept.put(y).unwrap();
        }
        assert_eq!(kept.0.keys().copied().collect::<Vec<_>>(), [2023, 2024]);
    }

    #[test]
    fn every_problem_says_its_row_and_what_is_wrong() {
        let s = sheet(&[
            &head(),
            "2024;44;5,5;5,5;5,5;5,5;5,5;5,5;5,5;11;12;63;nguồn",
            "2024;50;5,5;5,5;5,5;5,5;5,5;5,5;5,5;5,5;12;63;nguồn",
            "2024;44;5,5;5,5;5,5;5,5;5,5;5,5;5,5;5,5;12;63;",
            "2024;44;5,5;5,5;5,5;năm;5,5;5,5;5,5;5,5;12;63;nguồn",
            "2008;44;5,5;5,5;5,5;5,5;5,5;5,5;5,5;5,5;12;63;nguồn",
            "2024;44;5,5;5,5;5,5;5,5;5,5;5,5;5,5;5,5;70;63;nguồn",
            "2024;44;5,5;5,5;5,5;5,5;5,5;5,5;5,5;5,5;12;;nguồn",
        ]);
        let problems = from_sheet(&s).unwrap_err();
        assert_eq!(
            problems,
            [
                "dòng 2: điểm nội dung 8 là 11, phải từ 1 đến 10",
                "dòng 3: tổng điểm 50 khác tổng 8 nội dung (44.00)",
                "dòng 4: chưa ghi nguồn số liệu (báo cáo PAPI nào, trang nào)",
                "dòng 5: cột \"4\": \"năm\" không phải số",
                "dòng 6: năm 2008 không hợp lệ (PAPI có từ năm 2009)",
                "dòng 7: xếp hạng 70/63 không hợp lệ",
                "dòng 8: xếp hạng cần cả thứ hạng và số tỉnh, thành phố",
            ]
        );
        let wrong_head = sheet(&["Năm;Tổng", GOOD]);
        assert!(from_sheet(&wrong_head).unwrap_err()[0]
            .starts_with("dòng 1 phải là các cột: Năm, Tổng điểm"));
        assert_eq!(from_sheet(&sheet(&[])).unwrap_err(), ["tệp trống"]);
    }

    #[test]
    fn nothing_is_kept_that_does_not_hold() {
        let mut kept = Scores::default();
        let mut y = from_sheet(&sheet(&[&head(), GOOD])).unwrap().remove(0);
        kept.put(y.clone()).unwrap();
        y.total = 70.0;
        assert!(kept.put(y).is_err());
        assert_eq!(kept.0[&2024].total, 44.0, "the kept year is unchanged");
    }

    #[test]
    fn a_year_is_quoted_with_its_source_and_rank() {
        let mut s = YearScore {
            year: 2024,
            total: 42.505,
            dimensions: [5.3; DIMENSIONS],
            rank: Some(12),
            of: Some(63),
            source: " Báo cáo PAPI 2024, tr. 12 ".into(),
        };
        assert_eq!(
            quote_vi(&s, "tỉnh Thái Nguyên"),
            "Theo kết quả Chỉ số PAPI năm 2024 (Báo cáo PAPI 2024, tr. 12), tỉnh Thái Nguyên đạt 42,51 điểm, xếp thứ 12/63 tỉnh, thành phố."
        );
        s.rank = None;
        assert!(quote_vi(&s, "tỉnh Thái Nguyên").ends_with("đạt 42,51 điểm."));
    }
}
