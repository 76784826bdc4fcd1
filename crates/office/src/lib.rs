//! Office files as university offices exchange them: read the first sheet of
//! an `.xlsx` workbook or a `.csv` file (UTF-8, or GB18030 as Excel saves it
//! on Chinese Windows) into a grid of cells; write a list as `.xlsx`.
//! Knows nothing of the domain.

pub mod form;
pub use form::{FormDocument, FormRow, write_form_docx};

use chrono::NaiveDate;
use std::io::Cursor;

/// Largest file accepted for reading.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Bool(bool),
    Date(NaiveDate),
    /// An Excel error value such as `#N/A`.
    Error,
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// The first sheet: `rows[0]` is the sheet's first row (row 1 in Excel).
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub rows: Vec<Vec<Cell>>,
    /// Merged regions as (first row, first column, last row, last column), 0-based.
    pub merged: Vec<(u32, u32, u32, u32)>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OfficeError {
    #[error("the file is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("the file is empty")]
    Empty,
    #[error("old .xls workbooks are not read; save the file as .xlsx")]
    OldXls,
    #[error("not a readable workbook: {0}")]
    Unreadable(String),
    #[error("cannot write the workbook: {0}")]
    Write(String),
}

/// Read the first sheet of an `.xlsx` file, or a `.csv` file.
pub fn read(bytes: &[u8]) -> Result<Sheet, OfficeError> {
    if bytes.len() > MAX_BYTES {
        return Err(OfficeError::TooLarge);
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(OfficeError::Empty);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Err(OfficeError::OldXls)
    } else {
        read_csv(bytes)
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, OfficeError> {
    use calamine::{Data, Reader, Xlsx};
    let bad = |e: calamine::XlsxError| OfficeError::Unreadable(e.to_string());
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(bad)?;
    let name = book.sheet_names().first().cloned().ok_or(OfficeError::Empty)?;
    let range = book.worksheet_range(&name).map_err(bad)?;
    let merged = book
        .merge_cells_by_sheet_name(&name)
        .map_err(bad)?
        .into_iter()
        .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
        .collect();
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); row0 as usize];
    for r in range.rows() {
        let mut row: Vec<Cell> = vec![Cell::Empty; col0 as usize];
        row.extend(r.iter().map(|c| {
            match c {
                Data::Empty => Cell::Empty,
                Data::String(s) => Cell::Text(s.clone()),
                Data::Int(i) => Cell::Number(*i as f64),
                Data::Float(f) => Cell::Number(*f),
                Data::Bool(b) => Cell::Bool(*b),
                Data::DateTime(dt) => dt.as_datetime().map(|d| Cell::Date(d.date())).unwrap_or(Cell::Error),
                Data::DateTimeIso(s) => s
                    .get(..10)
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .map(Cell::Date)
                    .unwrap_or(Cell::Error),
                Data::DurationIso(_) | Data::Error(_) => Cell::Error,
            }
        }));
        rows.push(row);
    }
    Ok(Sheet { rows, merged })
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, OfficeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(OfficeError::Unreadable("neither UTF-8 nor GB18030 text".into()));
            }
            decoded.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| OfficeError::Unreadable(e.to_string()))?;
        rows.push(
            record.iter().map(|v| if v.trim().is_empty() { Cell::Empty } else { Cell::Text(v.to_owned()) }).collect(),
        );
    }
    Ok(Sheet { rows, merged: Vec::new() })
}

/// A list as an `.xlsx` workbook: bold headers, a frozen header row, readable widths.
pub fn write_xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, OfficeError> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| OfficeError::Write(e.to_string());
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).map_err(err)?;
    let bold = Format::new().set_bold();
    for (c, h) in headers.iter().enumerate() {
        let col = c as u16;
        ws.write_string_with_format(0, col, *h, &bold).map_err(err)?;
        ws.set_column_width(col, 8.0 + 1.6 * h.chars().count() as f64).map_err(err)?;
    }
    ws.set_freeze_panes(1, 0).map_err(err)?;
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 1, c as u16, v).map_err(err)?;
            }
        }
    }
    book.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xlsx_round_trip() {
        let bytes = write_xlsx(
            "系统",
            &["名称", "日期"],
            &[vec!["门户网站".into(), "2026-01-31".into()], vec![String::new(), "x".into()]],
        )
        .unwrap();
        let sheet = read(&bytes).unwrap();
        assert_eq!(sheet.rows[0], vec![Cell::Text("名称".into()), Cell::Text("日期".into())]);
        assert_eq!(sheet.rows[1][0], Cell::Text("门户网站".into()));
        assert!(sheet.rows[2][0].is_empty());
        assert!(sheet.merged.is_empty());
    }

    #[test]
    fn csv_in_utf8_with_bom_and_in_gb18030() {
        let sheet = read("\u{feff}名称,单位\n门户,\"化学, 学院\"\n".as_bytes()).unwrap();
        assert_eq!(sheet.rows[1], vec![Cell::Text("门户".into()), Cell::Text("化学, 学院".into())]);
        let (gbk, _, _) = encoding_rs::GB18030.encode("名称,单位\n门户,化学学院\n");
        let sheet = read(&gbk).unwrap();
        assert_eq!(sheet.rows[1][1], Cell::Text("化学学院".into()));
    }

    #[test]
    fn refusals() {
        assert_eq!(read(b"").unwrap_err(), OfficeError::Empty);
        assert_eq!(read(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]).unwrap_err(), OfficeError::OldXls);
        assert_eq!(read(&vec![b'a'; MAX_BYTES + 1]).unwrap_err(), OfficeError::TooLarge);
        assert!(matches!(read(b"PK\x03\x04 broken zip"), Err(OfficeError::Unreadable(_))));
    }
}
