//! The year-end report as a Word file (docx-rs), from the core's
//! `report_doc::Doc`: the same words as the printed page, in Nghị định
//! 30/2020/NĐ-CP's layout (Phụ lục I): A4, margins 20/15/20/30 mm, Times New
//! Roman 13 pt, the quốc hiệu on one line, real headings (Heading 1–3) and
//! tables, page numbers at the top from page 2, the annex on a page of its
//! own. Offices finish, number and sign it in their document system.

use docx_rs::{
    AlignmentType, BreakType, Docx, Header, PageMargin, PageNum, Paragraph, Run, RunFonts,
    SpecialIndentType, Style, StyleType, Table, TableCell, TableRow, WidthType,
};
use papi_core::report_doc::{Block, Doc, Table as DocTable, ANNEX_SUBTITLE, ANNEX_TITLE};

/// A4 in twentieths of a point, and the text's width between the margins.
const A4: (u32, u32) = (11906, 16838);
const TEXT_WIDTH: usize = 11906 - 1701 - 850;
/// Sizes in half-points.
const BODY: usize = 26;
const TITLE: usize = 28;
const NATIONAL: usize = 25;
const SMALL: usize = 22;
/// The first line's indent of a paragraph (1.27 cm).
const FIRST_LINE: i32 = 720;

/// The .docx bytes of `doc`.
pub fn build(doc: &Doc) -> Result<Vec<u8>, String> {
    let mut d = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(1134)
                .bottom(1134)
                .left(1701)
                .right(850)
                .header(567),
        )
        .default_fonts(times())
        .default_size(BODY)
        .add_style(heading_style(1, false))
        .add_style(heading_style(2, false))
        .add_style(heading_style(3, true))
        // No number on page 1; from page 2, at the top, centred.
        .first_header(Header::new())
        .header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_page_num(PageNum::new()),
            ),
        )
        .add_table(head(doc))
        .add_paragraph(centred("", BODY, false))
        .add_paragraph(centred(&doc.title, TITLE, true));
    for s in &doc.subtitles {
        d = d.add_paragraph(centred(s, BODY, true));
    }
    d = add_blocks(d, &doc.body);
    d = d.add_table(foot(doc));
    if !doc.annex.is_empty() {
        d = d
            .add_paragraph(centred(ANNEX_TITLE, TITLE, true).page_break_before(true))
            .add_paragraph(centred(ANNEX_SUBTITLE, BODY, true));
        d = add_blocks(d, &doc.annex);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    d.build().pack(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

fn times() -> RunFonts {
    RunFonts::new()
        .ascii("Times New Roman")
        .hi_ansi("Times New Roman")
        .cs("Times New Roman")
        .east_asia("Times New Roman")
}

fn heading_style(level: usize, italic: bool) -> Style {
    let mut s = Style::new(format!("Heading{level}"), StyleType::Paragraph)
        .name(format!("heading {level}"))
        .fonts(times())
        .size(BODY)
        .bold()
        .outline_lvl(level - 1);
    if italic {
        s = s.italic();
    }
    s
}

fn run(text: &str, size: usize) -> Run {
    Run::new().add_text(text).size(size)
}

fn centred(text: &str, size: usize, bold: bool) -> Paragraph {
    let r = run(text, size);
    Paragraph::new()
        .align(AlignmentType::Center)
        .add_run(if bold { r.bold() } else { r })
}

fn add_blocks(mut d: Docx, blocks: &[Block]) -> Docx {
    for b in blocks {
        d = match b {
            Block::Heading { level, text } => d.add_paragraph(
                Paragraph::new()
                    .style(&format!("Heading{}", level.clamp(&1, &3)))
                    .keep_next(true)
                    .add_run(Run::new().add_text(text)),
            ),
            Block::Para { lead, text, italic } => {
                let mut p = Paragraph::new().align(AlignmentType::Both).indent(
                    None,
                    Some(SpecialIndentType::FirstLine(FIRST_LINE)),
                    None,
                    None,
                );
                if !lead.is_empty() {
                    p = p.add_run(run(lead, BODY).bold());
                }
                let r = run(text, BODY);
                d.add_paragraph(p.add_run(if *italic { r.italic() } else { r }))
            }
            Block::Item { text } => d.add_paragraph(
                Paragraph::new()
                    .indent(
                        Some(FIRST_LINE),
                        Some(SpecialIndentType::Hanging(283)),
                        None,
                        None,
                    )
                    .add_run(run(&format!("– {text}"), BODY)),
            ),
            Block::Table(t) => d.add_table(table(t)),
        };
    }
    d
}

/// A bordered table, its columns in the shares the document gives.
fn table(t: &DocTable) -> Table {
    let widths: Vec<usize> = t
        .widths
        .iter()
        .map(|w| TEXT_WIDTH * *w as usize / 100)
        .collect();
    let row = |cells: &[String], bold: bool| {
        TableRow::new(
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| {
                    let r = run(c, SMALL + 2);
                    TableCell::new()
                        .width(*w, WidthType::Dxa)
                        .add_paragraph(Paragraph::new().add_run(if bold { r.bold() } else { r }))
                })
                .collect(),
        )
    };
    let mut rows = vec![row(&t.header, true)];
    let last = t.rows.len().saturating_sub(1);
    rows.extend(
        t.rows
            .iter()
            .enumerate()
            .map(|(i, r)| row(r, t.total_row && i == last)),
    );
    Table::new(rows).set_grid(widths.clone())
}

/// A table with no borders: two columns side by side.
fn two_columns(left: Vec<Paragraph>, right: Vec<Paragraph>, split: usize) -> Table {
    let w = [TEXT_WIDTH * split / 100, TEXT_WIDTH * (100 - split) / 100];
    let cell = |ps: Vec<Paragraph>, w: usize| {
        ps.into_iter().fold(
            TableCell::new().width(w, WidthType::Dxa).clear_all_border(),
            TableCell::add_paragraph,
        )
    };
    Table::without_borders(vec![TableRow::new(vec![
        cell(left, w[0]),
        cell(right, w[1]),
    ])])
    .set_grid(w.to_vec())
}

/// Issuing body and number; quốc hiệu, tiêu ngữ, place and date.
fn head(doc: &Doc) -> Table {
    let mut left = vec![centred(&doc.parent_line, BODY - 1, false)];
    if !doc.unit_line.is_empty() {
        left.push(centred(&doc.unit_line, BODY - 1, true));
    }
    left.push(centred("", BODY, false));
    left.push(centred(&doc.number, BODY, false));
    let right = vec![
        centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", NATIONAL, true),
        centred("Độc lập - Tự do - Hạnh phúc", TITLE - 1, true),
        centred("", BODY, false),
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run(&doc.dated, BODY).italic()),
    ];
    two_columns(left, right, 38)
}

/// Recipients and the signature.
fn foot(doc: &Doc) -> Table {
    let mut left = vec![Paragraph::new()
        .add_run(run("", BODY).add_break(BreakType::TextWrapping))
        .add_run(run("Nơi nhận:", SMALL + 2).bold().italic())];
    left.extend(
        doc.recipients
            .iter()
            .map(|r| Paragraph::new().add_run(run(&format!("- {r}"), SMALL))),
    );
    let mut right = vec![centred("", BODY, false)];
    right.extend(doc.signer.iter().map(|l| centred(l, BODY, true)));
    right.push(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run("(Ký, ghi rõ họ tên, đóng dấu)", BODY).italic()),
    );
    for _ in 0..4 {
        right.push(centred("", BODY, false));
    }
    right.push(centred(&doc.official_name, BODY, true));
    two_columns(left, right, 50)
}
