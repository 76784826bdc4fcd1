//! A form as a Word document: a centred title, then a bordered table of
//! labels and values on A4, in the fonts Chinese official forms use
//! (宋体 body, 黑体 title), so it prints cleanly and can be signed.

use crate::OfficeError;
use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Table, TableCell, TableRow, VAlignType,
    WidthType,
};

/// One row of the form's table.
#[derive(Debug, Clone)]
pub enum FormRow {
    /// One or two label–value pairs side by side.
    Pairs(Vec<(String, String)>),
    /// A label and a long text over the rest of the row (kept at least `min_lines` high).
    Block { label: String, text: String, min_lines: usize },
}

#[derive(Debug, Clone, Default)]
pub struct FormDocument {
    pub title: String,
    /// A line under the title (e.g. the document number), right-aligned.
    pub subtitle: String,
    pub rows: Vec<FormRow>,
    /// Lines under the table (notes, signatures).
    pub after: Vec<String>,
}

// A4 in twentieths of a point, with 2.54 cm margins (left 2.8 cm, as for binding).
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const GRID: [usize; 4] = [1700, 2800, 1700, 2800];

fn fonts() -> RunFonts {
    RunFonts::new().east_asia("宋体").ascii("Times New Roman").hi_ansi("Times New Roman")
}

fn text_run(text: &str) -> Run {
    Run::new().add_text(xml_safe(text)).fonts(fonts()).size(24)
}

/// `text` with what XML 1.0 cannot hold dropped (control characters other
/// than tab and line breaks, U+FFFE, U+FFFF): input is checked when it comes
/// in, but a document may be built from text stored before that.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let bad =
        |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if text.chars().any(bad) { text.chars().filter(|c| !bad(*c)).collect::<String>().into() } else { text.into() }
}

fn cell(lines: &str, span: usize) -> TableCell {
    let width: usize = GRID.iter().take(span).sum();
    let mut c = TableCell::new().width(width, WidthType::Dxa).vertical_align(VAlignType::Center);
    if span > 1 {
        c = c.grid_span(span);
    }
    let mut any = false;
    for line in lines.lines() {
        c = c.add_paragraph(
            Paragraph::new().add_run(text_run(line)).line_spacing(LineSpacing::new().before(40).after(40)),
        );
        any = true;
    }
    if !any {
        c = c.add_paragraph(Paragraph::new().add_run(text_run("")));
    }
    c
}

fn label(text: &str) -> TableCell {
    TableCell::new()
        .width(GRID[0], WidthType::Dxa)
        .vertical_align(VAlignType::Center)
        .add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(text_run(text).bold()))
}

/// The form as `.docx` bytes.
pub fn write_form_docx(form: &FormDocument) -> Result<Vec<u8>, OfficeError> {
    let mut doc = Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(PageMargin::new().top(1440).bottom(1440).left(1588).right(1304))
        .default_fonts(fonts())
        .default_size(24);
    doc = doc.add_paragraph(
        Paragraph::new().align(AlignmentType::Center).line_spacing(LineSpacing::new().after(240)).add_run(
            Run::new()
                .add_text(xml_safe(&form.title))
                .fonts(RunFonts::new().east_asia("黑体").ascii("Arial"))
                .size(36)
                .bold(),
        ),
    );
    if !form.subtitle.is_empty() {
        doc = doc.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Right)
                .line_spacing(LineSpacing::new().after(120))
                .add_run(text_run(&form.subtitle)),
        );
    }
    let mut rows = Vec::new();
    for row in &form.rows {
        match row {
            FormRow::Pairs(pairs) => {
                let mut cells = Vec::new();
                match pairs.as_slice() {
                    [(l, v)] => {
                        cells.push(label(l));
                        cells.push(cell(v, 3));
                    }
                    _ => {
                        for (l, v) in pairs.iter().take(2) {
                            cells.push(label(l));
                            cells.push(cell(v, 1));
                        }
                    }
                }
                rows.push(TableRow::new(cells).cant_split());
            }
            FormRow::Block { label: l, text, min_lines } => {
                let mut body = text.clone();
                let have = text.lines().count();
                for _ in have..*min_lines {
                    body.push('\n');
                    body.push(' ');
                }
                rows.push(TableRow::new(vec![label(l), cell(&body, 3)]));
            }
        }
    }
    let total: usize = GRID.iter().sum();
    doc = doc.add_table(Table::new(rows).set_grid(GRID.to_vec()).width(total, WidthType::Dxa));
    for line in &form.after {
        doc = doc.add_paragraph(Paragraph::new().line_spacing(LineSpacing::new().before(360)).add_run(text_run(line)));
    }
    let mut out = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut out).map_err(|e| OfficeError::Write(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_form_is_a_word_document_with_its_text() {
        let form = FormDocument {
            title: "网站（信息系统）风险整改报告".into(),
            subtitle: "编号：EDU-2026-001".into(),
            rows: vec![
                FormRow::Pairs(vec![("单位".into(), "化学学院".into()), ("系统".into(), "化学学院网站".into())]),
                FormRow::Pairs(vec![("网址".into(), "https://chem.university.example/".into())]),
                FormRow::Block {
                    label: "整改措施".into(), text: "升级 CMS\n关闭后台外网访问".into(), min_lines: 4
                },
            ],
            after: vec!["单位负责人（签字）：".into()],
        };
        let bytes = write_form_docx(&form).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
        for text in
            ["网站（信息系统）风险整改报告", "化学学院网站", "关闭后台外网访问", "单位负责人（签字）：", "w:gridSpan"]
        {
            assert!(xml.contains(text), "{text} missing");
        }
        assert!(xml.contains("w:w=\"11906\"") && xml.contains("w:h=\"16838\""), "A4 page size");
    }

    /// Every part of the document is well-formed XML whatever the text held.
    #[test]
    fn hostile_text_still_makes_well_formed_xml() {
        let hostile = "a\u{0}b\u{b}c\u{c}d\u{1b}[31m\u{7f}\u{85}\u{202e}exe.jpg\u{ffff}<&>\"'\u{10ffff}";
        let form = FormDocument {
            title: hostile.into(),
            subtitle: hostile.into(),
            rows: vec![
                FormRow::Pairs(vec![(hostile.into(), hostile.into()), (hostile.into(), hostile.into())]),
                FormRow::Block { label: hostile.into(), text: format!("{hostile}\n{hostile}"), min_lines: 2 },
            ],
            after: vec![hostile.into()],
        };
        let bytes = write_form_docx(&form).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let name = part.name().unwrap().into_owned();
            if name.ends_with(".xml") || name.ends_with(".rels") {
                let mut xml = String::new();
                part.read_to_string(&mut xml).unwrap();
                if let Err(e) = roxmltree::Document::parse(&xml) {
                    panic!("{name} is not well-formed XML: {e}");
                }
            }
        }
        assert_eq!(xml_safe(hostile), "abcd[31m\u{7f}\u{85}\u{202e}exe.jpg<&>\"'\u{10ffff}");
    }
}
