//! The agency catalogue and the resolution of the plan's free-text agency
//! columns ("Sở Y tế; Sở giáo dục và Đào tạo") into catalogue references,
//! and into the communes a task names ("UBND xã Phú Bình": `unit:<code>`).

use serde::{Deserialize, Serialize};

use crate::plan::{Plan, Task};
use crate::units::{Level, Unit, Units};

pub type AgencyId = String;

/// The prefix of an agency id that names one commune of the plan's unit
/// dataset by its GSO code: "UBND xã Phú Bình" is `unit:05908` in Thái
/// Nguyên's 2025 dataset. Such ids stand only in a task's cells
/// (`AgencyCell::agencies`), never in the catalogue; the commune named acts
/// as it (`Plan::agencies_of`), no other does.
pub const UNIT_PREFIX: &str = "unit:";

/// The agency id of the commune `code` (`UNIT_PREFIX`).
pub fn unit_id(code: &str) -> AgencyId {
    format!("{UNIT_PREFIX}{code}")
}

/// The commune code a `unit:` id names, when it is well formed (a
/// commune's code has five digits).
pub fn unit_code(id: &str) -> Option<&str> {
    id.strip_prefix(UNIT_PREFIX)
        .filter(|c| c.len() == 5 && c.bytes().all(|b| b.is_ascii_digit()))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    pub id: AgencyId,
    /// Display name (canonical spelling).
    pub name: String,
    /// Government level the agency sits at.
    pub level: Level,
    /// people_committee, department, press, fatherland_front, ...
    pub kind: String,
    /// Other spellings the plan uses for the same body. Matching is also
    /// case-insensitive, so "Việt nam" and "Việt Nam" need no alias.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Collective agencies this one belongs to (every department is one of
    /// "Các sở, ban, ngành").
    #[serde(default)]
    pub member_of: Vec<AgencyId>,
}

/// A phrase that names several agencies at once
/// ("Hội đồng nhân dân và Ủy ban MTTQ Việt Nam cấp tỉnh, cấp huyện").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyGroup {
    pub text: String,
    pub agencies: Vec<AgencyId>,
}

/// What an agency cell names, in order of mention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mention {
    /// A catalogue agency.
    Agency(AgencyId),
    /// A commune by name, as written without "UBND" or "Ủy ban nhân dân"
    /// ("Xã Phú Bình"), for the plan's unit dataset to resolve.
    Commune(String),
}

/// Why an agency cell does not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// Text that names no agency, from there to the end of the cell.
    Leftover(String),
    /// A commune the dataset does not have, by the name written.
    UnknownCommune(String),
    /// A name that several communes of the dataset bear, with their codes.
    AmbiguousCommune { name: String, codes: Vec<String> },
    /// A commune named where no unit dataset was given to find it in.
    NoUnits(String),
}

impl Unresolved {
    /// The text in question: what is left over, or the commune's name.
    pub fn text(&self) -> &str {
        match self {
            Unresolved::Leftover(t) | Unresolved::UnknownCommune(t) | Unresolved::NoUnits(t) => t,
            Unresolved::AmbiguousCommune { name, .. } => name,
        }
    }
}

/// Resolve an agency column into catalogue ids and the `unit:` ids of the
/// communes it names, in order of mention, without duplicates (`mentions`).
/// A commune is found by its name in `units` (case-insensitive); without a
/// dataset, naming one is an error.
pub fn resolve_agencies(
    text: &str,
    agencies: &[Agency],
    groups: &[AgencyGroup],
    units: Option<&Units>,
) -> Result<Vec<AgencyId>, Unresolved> {
    let mut out: Vec<AgencyId> = Vec::new();
    for m in mentions(text, agencies, groups).map_err(Unresolved::Leftover)? {
        let id = match m {
            Mention::Agency(id) => id,
            Mention::Commune(name) => commune_id(&name, units)?,
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// The `unit:` id of the one commune of `units` named `name`.
fn commune_id(name: &str, units: Option<&Units>) -> Result<AgencyId, Unresolved> {
    let units = units.ok_or_else(|| Unresolved::NoUnits(name.to_string()))?;
    let want = name_key(name);
    let found: Vec<&Unit> = units
        .communes()
        .filter(|u| name_key(&u.name) == want)
        .collect();
    match found[..] {
        [one] => Ok(unit_id(&one.code)),
        [] => Err(Unresolved::UnknownCommune(name.to_string())),
        _ => Err(Unresolved::AmbiguousCommune {
            name: name.to_string(),
            codes: found.iter().map(|u| u.code.clone()).collect(),
        }),
    }
}

/// A commune's name for comparison: lower case, single spaces.
fn name_key(name: &str) -> String {
    name.split_whitespace()
        .map(|w| w.chars().map(lower).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

/// One char in lower case (one for one, so texts stay char-aligned).
fn lower(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

fn lower_chars(s: &str) -> Vec<char> {
    s.chars().map(lower).collect()
}

/// What an agency column names, in order of mention, without repeats. The
/// text is consumed left to right by the longest known name, alias or
/// group phrase (case-insensitive), or by a commune: "UBND xã Phú Bình",
/// "Ủy ban nhân dân phường …", "UBND đặc khu …" or simply "Xã Phú Bình",
/// its name running to the next `,` `;` or " và "; between names only
/// separators (`,` `;` whitespace and the word "và") may stand. Returns
/// the text that could not be consumed as the error.
pub fn mentions(
    text: &str,
    agencies: &[Agency],
    groups: &[AgencyGroup],
) -> Result<Vec<Mention>, String> {
    let phrases = phrases(agencies, groups);
    // Work on the lowercased text but report from the original, so keep a
    // char-aligned view of both.
    let orig: Vec<char> = text.chars().collect();
    let low: Vec<char> = orig.iter().copied().map(lower).collect();
    let mut out: Vec<Mention> = Vec::new();
    let mut i = 0;
    while i < low.len() {
        if let Some(n) = separator(&low[i..]) {
            i += n;
            continue;
        }
        let agency = phrases
            .iter()
            .filter(|(p, _)| low[i..].starts_with(p))
            .filter(|(p, _)| low.get(i + p.len()).is_none_or(|c| !c.is_alphanumeric()))
            .max_by_key(|(p, _)| p.len());
        let agency_len = agency.map_or(0, |(p, _)| p.len());
        // A commune's name wins only when longer than any agency's there.
        match (agency, commune_at(&low[i..])) {
            (_, Some((name, end))) if end > agency_len => {
                add_commune(&mut out, &orig[i + name..i + end]);
                i += end;
            }
            (Some((_, ids)), _) => {
                for id in ids {
                    let m = Mention::Agency(id.to_string());
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
                i += agency_len;
            }
            (None, _) => return Err(orig[i..].iter().collect::<String>().trim().to_string()),
        }
    }
    Ok(out)
}

/// Every name, alias and group phrase, lowercased, with what it names.
fn phrases<'a>(
    agencies: &'a [Agency],
    groups: &'a [AgencyGroup],
) -> Vec<(Vec<char>, Vec<&'a str>)> {
    let names = agencies.iter().flat_map(|a| {
        std::iter::once(&a.name)
            .chain(&a.aliases)
            .map(|n| (lower_chars(n), vec![a.id.as_str()]))
    });
    let groups = groups.iter().map(|g| {
        (
            lower_chars(&g.text),
            g.agencies.iter().map(String::as_str).collect(),
        )
    });
    names.chain(groups).collect()
}

/// How many chars of separator `s` starts with.
fn separator(s: &[char]) -> Option<usize> {
    match s {
        [',' | ';', ..] => Some(1),
        [c, ..] if c.is_whitespace() => Some(1),
        ['v', 'à', ' ', ..] => Some(3),
        _ => None,
    }
}

/// The words that may stand before a commune's kind.
const COMMITTEE: [&str; 3] = ["ubnd ", "ủy ban nhân dân ", "uỷ ban nhân dân "];
/// The kinds a commune's name begins with (its dataset's spelling), lower
/// case.
pub(crate) const COMMUNE_KINDS: [&str; 4] = ["xã ", "phường ", "đặc khu ", "thị trấn "];

/// A commune named at the start of `s` (lowercased): where its name
/// begins (after "ubnd ", at its kind) and ends.
fn commune_at(s: &[char]) -> Option<(usize, usize)> {
    let name = COMMITTEE.iter().find_map(|w| words_at(s, w)).unwrap_or(0);
    let kind = name + COMMUNE_KINDS.iter().find_map(|k| words_at(&s[name..], k))?;
    let end = kind + name_len(&s[kind..]);
    (end > kind).then_some((name, end))
}

/// The length of the words `w` (lower case, single spaces) at the start of
/// `s`, a space matching any run of whitespace; `None` when `s` does not
/// start so.
fn words_at(s: &[char], w: &str) -> Option<usize> {
    let mut n = 0;
    for c in w.chars() {
        let step = if c == ' ' {
            s[n..].iter().take_while(|c| c.is_whitespace()).count()
        } else {
            usize::from(s.get(n) == Some(&c))
        };
        if step == 0 {
            return None;
        }
        n += step;
    }
    Some(n)
}

/// The length of a name at the start of `s`: up to a `,` `;` line break
/// or " và ", trailing whitespace left out.
fn name_len(s: &[char]) -> usize {
    let stop = (0..s.len())
        .find(|&j| {
            matches!(s[j], ',' | ';' | '\n' | '\r')
                || (s[j].is_whitespace()
                    && s[j + 1..].starts_with(&['v', 'à'])
                    && s.get(j + 3).is_some_and(|c| c.is_whitespace()))
        })
        .unwrap_or(s.len());
    s[..stop]
        .iter()
        .rposition(|c| !c.is_whitespace())
        .map_or(0, |k| k + 1)
}

/// Add a commune's mention unless the cell named it already.
fn add_commune(out: &mut Vec<Mention>, name: &[char]) {
    let name: String = name.iter().collect();
    let key = name_key(&name);
    let named = |m: &Mention| matches!(m, Mention::Commune(n) if name_key(n) == key);
    if !out.iter().any(named) {
        out.push(Mention::Commune(name));
    }
}

/// A unit's part in a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Chủ trì.
    Lead,
    /// Phối hợp.
    Coordinating,
    /// Neither: the plan does not assign the task to the unit (serialised
    /// as `none`, its earlier name).
    #[serde(rename = "none")]
    Unassigned,
}

impl Role {
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Lead => "Chủ trì",
            Role::Coordinating => "Phối hợp",
            Role::Unassigned => "Không được giao",
        }
    }
}

impl Plan {
    /// The agencies a unit acts as: its own People's Committee (or Sở Nội
    /// vụ for the province office) and the collectives it belongs to; a
    /// commune also as itself by name (`unit:<code>`, `UNIT_PREFIX`).
    pub fn agencies_of(&self, unit: &Unit) -> Vec<String> {
        let key = match unit.level {
            Level::Commune => "commune",
            Level::District => "district",
            Level::Province => "province",
        };
        let own: Vec<&str> = match &unit.agency {
            // A provincial body acts as itself (and the groups it belongs to).
            Some(a) => self
                .agency(a)
                .map(|x| vec![x.id.as_str()])
                .unwrap_or_default(),
            None => self
                .role_agencies
                .get(key)
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect(),
        };
        let mut ids: Vec<String> = Vec::new();
        for id in own {
            let mut stack = vec![id];
            while let Some(id) = stack.pop() {
                if ids.iter().any(|i| i == id) {
                    continue;
                }
                ids.push(id.to_string());
                if let Some(a) = self.agency(id) {
                    stack.extend(a.member_of.iter().map(String::as_str));
                }
            }
        }
        if unit.level == Level::Commune && unit.agency.is_none() {
            ids.push(unit_id(&unit.code));
        }
        ids
    }

    /// This unit's role in a task: lead wins over coordinating.
    pub fn role_of(&self, unit: &Unit, task: &Task) -> Role {
        let mine = self.agencies_of(unit);
        let hit = |ids: &[AgencyId]| ids.iter().any(|id| mine.contains(id));
        if hit(&task.lead.agencies) {
            Role::Lead
        } else if hit(&task.coordinating.agencies) {
            Role::Coordinating
        } else {
            Role::Unassigned
        }
    }

    /// The tasks a unit leads and those it coordinates, in plan order.
    pub fn tasks_by_role<'a>(&'a self, unit: &Unit) -> (Vec<&'a Task>, Vec<&'a Task>) {
        let mut lead = Vec::new();
        let mut coord = Vec::new();
        for t in self.tasks() {
            match self.role_of(unit, t) {
                Role::Lead => lead.push(t),
                Role::Coordinating => coord.push(t),
                Role::Unassigned => {}
            }
        }
        (lead, coord)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan::from_json(crate::BAC_KAN_124_2020).unwrap()
    }

    #[test]
    fn every_agency_text_of_all_42_rows_resolves_with_nothing_left_over() {
        let p = plan();
        let mut n = 0;
        for t in p.tasks() {
            for cell in [&t.lead, &t.coordinating] {
                let ids = resolve_agencies(&cell.text, &p.agencies, &p.agency_groups, None)
                    .unwrap_or_else(|left| panic!("task {}: left over {left:?}", t.id));
                assert!(!ids.is_empty(), "task {} resolves to nothing", t.id);
                assert_eq!(ids, cell.agencies, "task {}", t.id);
            }
            n += 1;
        }
        assert_eq!(n, 42);
    }

    #[test]
    fn variant_spellings_resolve_to_one_agency() {
        let p = plan();
        let r = |s: &str| resolve_agencies(s, &p.agencies, &p.agency_groups, None).unwrap();
        assert_eq!(
            r("Sở Tài nguyên môi trường"),
            r("Sở Tài nguyên và Môi trường")
        );
        assert_eq!(r("Sở Tài nguyên môi trường"), vec!["so-tnmt"]);
        assert_eq!(r("Các sở, ngành"), r("Các sở, ban, ngành"));
        assert_eq!(
            r("Ủy ban Mặt trận Tổ quốc Việt nam các cấp thuộc tỉnh"),
            r("Ủy ban Mặt trận Tổ quốc Việt Nam các cấp thuộc tỉnh")
        );
        assert_eq!(r("Sở giáo dục và Đào tạo"), vec!["so-gddt"]);
        assert_eq!(
            r("Sở Y tế; Sở giáo dục và Đào tạo"),
            vec!["so-y-te".to_string(), "so-gddt".to_string()]
        );
    }

    #[test]
    fn a_name_inside_a_longer_word_does_not_match() {
        let p = plan();
        // "Sở Y tếx" must not resolve as "Sở Y tế" followed by garbage.
        assert_eq!(
            resolve_agencies("Sở Y tếx", &p.agencies, &p.agency_groups, None),
            Err(Unresolved::Leftover("Sở Y tếx".to_string()))
        );
        assert_eq!(
            resolve_agencies(
                "Sở Y tế và Bộ Quốc phòng",
                &p.agencies,
                &p.agency_groups,
                None
            ),
            Err(Unresolved::Leftover("Bộ Quốc phòng".to_string()))
        );
    }

    #[test]
    fn named_bodies_are_in_the_catalogue() {
        let p = plan();
        for name in [
            "Thanh tra tỉnh",
            "Sở Tài nguyên và Môi trường",
            "Sở Y tế",
            "Sở Giáo dục và Đào tạo",
            "Sở Nội vụ",
            "Sở Xây dựng",
            "Sở Công thương",
            "Sở Nông nghiệp và Phát triển nông thôn",
            "Sở Thông tin và Truyền thông",
            "Trung tâm trợ giúp pháp lý (Sở Tư pháp)",
            "Bảo hiểm xã hội tỉnh",
            "Công an tỉnh",
            "Báo Bắc Kạn",
            "Ban thanh tra nhân dân cấp xã",
            "Đài Phát thanh và Truyền hình tỉnh",
            "UBND các xã, phường, thị trấn",
            "UBND các huyện, thành phố",
            "Các sở, ban, ngành",
        ] {
            assert!(p.agencies.iter().any(|a| a.name == name), "{name} missing");
        }
        for kind in ["fatherland_front", "peoples_council", "press"] {
            assert!(
                p.agencies.iter().filter(|a| a.kind == kind).count() >= 2,
                "{kind}"
            );
        }
    }

    fn dataset(id: &str) -> Units {
        Units::from_json(crate::provinces::dataset_2025_text(id).unwrap()).unwrap()
    }

    /// Resolve against Thái Nguyên's 2026 template catalogue.
    fn in_thai_nguyen(text: &str, units: Option<&Units>) -> Result<Vec<AgencyId>, Unresolved> {
        let tn = dataset("thai-nguyen-2025");
        let plan = crate::plan_sheet::template_2025(&tn, 2026);
        resolve_agencies(text, &plan.agencies, &plan.agency_groups, units)
    }

    fn ids(list: &[&str]) -> Vec<AgencyId> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_commune_is_named_in_every_spelling() {
        let tn = dataset("thai-nguyen-2025");
        for text in [
            "UBND xã Phú Bình",
            "Ủy ban nhân dân xã Phú Bình",
            "Uỷ ban nhân dân xã Phú Bình",
            "Xã Phú Bình",
            "xã phú bình",
            "UBND XÃ PHÚ BÌNH",
            "  UBND  xã\u{a0}Phú   Bình ",
        ] {
            assert_eq!(
                in_thai_nguyen(text, Some(&tn)),
                Ok(ids(&["unit:05908"])),
                "{text}"
            );
        }
        assert_eq!(
            in_thai_nguyen("Ủy ban nhân dân phường Phan Đình Phùng", Some(&tn)),
            Ok(ids(&["unit:05443"]))
        );
        let qn = dataset("quang-ninh-2025");
        let plan = crate::plan_sheet::template_2025(&qn, 2026);
        let r = |text| resolve_agencies(text, &plan.agencies, &[], Some(&qn));
        assert_eq!(r("UBND đặc khu Vân Đồn"), Ok(ids(&["unit:06994"])));
        assert_eq!(r("Đặc khu Cô Tô"), Ok(ids(&["unit:07192"])));
        // Accents are exact, as in agency names.
        assert_eq!(
            in_thai_nguyen("UBND xã Phu Binh", Some(&tn)),
            Err(Unresolved::UnknownCommune("xã Phu Binh".into()))
        );
    }

    #[test]
    fn a_cell_mixes_departments_all_communes_and_named_ones() {
        let tn = dataset("thai-nguyen-2025");
        let r = |text| in_thai_nguyen(text, Some(&tn));
        assert_eq!(
            r("Sở Tư pháp; UBND xã Phú Bình, UBND phường Phan Đình Phùng"),
            Ok(ids(&["so-tu-phap", "unit:05908", "unit:05443"]))
        );
        assert_eq!(
            r("UBND các xã, phường; UBND xã Phú Bình và Sở Y tế"),
            Ok(ids(&["ubnd-xa", "unit:05908", "so-y-te"]))
        );
        // Named twice, in two spellings: once.
        assert_eq!(
            r("UBND xã Phú Bình\nXã Phú Bình; Sở Tư pháp và xã phú bình"),
            Ok(ids(&["unit:05908", "so-tu-phap"]))
        );
        // "UBND các xã, phường, đặc khu" is every commune, not one.
        assert_eq!(r("UBND các xã, phường, đặc khu"), Ok(ids(&["ubnd-xa"])));
        // What the catalogue does not know is still left over.
        assert_eq!(
            r("UBND xã Phú Bình; Sở Ngoại vụ"),
            Err(Unresolved::Leftover("Sở Ngoại vụ".into()))
        );
    }

    #[test]
    fn an_unknown_ambiguous_or_dataset_less_commune_is_an_error() {
        let tn = dataset("thai-nguyen-2025");
        assert_eq!(
            in_thai_nguyen("Sở Tư pháp; UBND xã Phú Bìnhh", Some(&tn)),
            Err(Unresolved::UnknownCommune("xã Phú Bìnhh".into()))
        );
        // Đặc khu Vân Đồn is Quảng Ninh's.
        assert_eq!(
            in_thai_nguyen("UBND đặc khu Vân Đồn", Some(&tn)),
            Err(Unresolved::UnknownCommune("đặc khu Vân Đồn".into()))
        );
        assert_eq!(
            in_thai_nguyen("UBND xã Phú Bình", None),
            Err(Unresolved::NoUnits("xã Phú Bình".into()))
        );
        // No dataset has two communes of one name; one that did could not
        // say which is meant.
        let mut twice = tn.clone();
        let other = twice.units.iter_mut().find(|u| u.code == "05443").unwrap();
        other.name = "Xã Phú Bình".into();
        assert_eq!(
            in_thai_nguyen("UBND xã Phú Bình", Some(&twice)),
            Err(Unresolved::AmbiguousCommune {
                name: "xã Phú Bình".into(),
                codes: ids(&["05443", "05908"]),
            })
        );
    }

    #[test]
    fn every_commune_of_the_34_provinces_is_named_by_its_dataset_name_alone() {
        for id in crate::provinces::DATASET_IDS_2025 {
            let units = dataset(id);
            let plan = crate::plan_sheet::template_2025(&units, 2026);
            for c in units.communes() {
                let text = format!("UBND {}", c.name.to_lowercase());
                assert_eq!(
                    resolve_agencies(&text, &plan.agencies, &[], Some(&units)),
                    Ok(vec![unit_id(&c.code)]),
                    "{id}: {text}"
                );
            }
        }
    }

    #[test]
    fn only_the_named_communes_have_the_task() {
        use crate::fixtures::{HA_LONG, NAMED_COMMUNES, QUANG_NINH, VAN_DON};
        let plan = &*NAMED_COMMUNES;
        let units = QUANG_NINH.clone().with_bodies(plan);
        let task = plan.task("1.1-1").unwrap();
        assert_eq!(task.lead.agencies, ids(&["unit:06688", "unit:06994"]));
        assert_eq!(task.coordinating.agencies, ids(&["so-tu-phap"]));
        let role = |code: &str| plan.role_of(units.get(code).unwrap(), task);
        assert_eq!(role(HA_LONG), Role::Lead);
        assert_eq!(role(VAN_DON), Role::Lead);
        let others = units
            .communes()
            .filter(|c| ![HA_LONG, VAN_DON].contains(&c.code.as_str()));
        for c in others {
            assert_eq!(plan.role_of(c, task), Role::Unassigned, "{}", c.name);
        }
        assert_eq!(role("22"), Role::Unassigned, "the province office");
        assert_eq!(role("22.so-tu-phap"), Role::Coordinating);
        // A task of every commune is Hạ Long's too.
        let every = plan.task("1.2-1").unwrap();
        assert_eq!(plan.role_of(units.get(HA_LONG).unwrap(), every), Role::Lead);
        assert!(plan
            .agencies_of(units.get(HA_LONG).unwrap())
            .contains(&unit_id(HA_LONG)));
        assert!(!plan
            .agencies_of(units.get("22").unwrap())
            .iter()
            .any(|id| id.starts_with(UNIT_PREFIX)));
    }
}
