//! Office files as university offices exchange them: read the first sheet of
//! an `.xlsx` workbook or a `.csv` file (UTF-8, or GB18030 as Excel saves it
//! on Chinese Windows) into a grid of cells; write a list as `.xlsx`.
//! Knows nothing of the domain.
#![forbid(unsafe_code)]

pub mod form;
pub use form::{FormDocument, FormRow, write_form_docx};

use chrono::NaiveDate;
use std::io::{Cursor, Read};
use std::time::{Duration, Instant};

/// Largest file accepted for reading.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// How much reading one file may cost. A spreadsheet is a zip of XML that
/// can expand a thousandfold (a "zip bomb"), so the expanded size is bounded
/// before anything is inflated, and rows, columns, cells and time while the
/// sheet is read; the first limit reached ends the reading.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Rows of the sheet (counting from row 1, blank rows included).
    pub max_rows: usize,
    /// Columns of the sheet.
    pub max_columns: usize,
    /// Bytes of one cell's text (UTF-8).
    pub max_cell_bytes: usize,
    /// Bytes of one CSV line.
    pub max_line_bytes: usize,
    /// Sum of the workbook's entries once inflated.
    pub max_expanded_bytes: u64,
    /// How many times larger than stored an entry may inflate (entries over 1 MiB).
    pub max_ratio: u64,
    /// Entries in the workbook's zip.
    pub max_entries: usize,
    /// Wall time for reading the file.
    pub max_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_rows: 100_000,
            max_columns: 1_000,
            max_cell_bytes: 32 * 1024,
            max_line_bytes: 1024 * 1024,
            max_expanded_bytes: 100 * 1024 * 1024,
            max_ratio: 200,
            max_entries: 1_000,
            max_time: Duration::from_secs(10),
        }
    }
}

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

/// Which bound a file went past (see [`Limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Bytes of the file itself.
    FileBytes(usize),
    Rows(usize),
    Columns(usize),
    /// Bytes of one cell, with the cell's place (0-based row, column).
    CellBytes {
        limit: usize,
        row: usize,
        column: usize,
    },
    /// Bytes of one CSV line, with its 1-based line number.
    LineBytes {
        limit: usize,
        line: usize,
    },
    ExpandedBytes(u64),
    Ratio(u64),
    Entries(usize),
    /// Seconds.
    Time(u64),
}

impl Limit {
    /// Whether the bound is on size (413) rather than on content (422).
    pub fn is_size(&self) -> bool {
        matches!(self, Limit::FileBytes(_) | Limit::ExpandedBytes(_) | Limit::Ratio(_) | Limit::Entries(_))
    }
}

impl Limit {
    /// A stable machine word for the bound.
    pub fn code(&self) -> &'static str {
        match self {
            Limit::FileBytes(_) => "file_too_large",
            Limit::Rows(_) => "too_many_rows",
            Limit::Columns(_) => "too_many_columns",
            Limit::CellBytes { .. } => "cell_too_long",
            Limit::LineBytes { .. } => "line_too_long",
            Limit::ExpandedBytes(_) => "expands_too_far",
            Limit::Ratio(_) => "compressed_too_far",
            Limit::Entries(_) => "too_many_parts",
            Limit::Time(_) => "took_too_long",
        }
    }
}

impl std::fmt::Display for Limit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Limit::FileBytes(n) => write!(f, "the file is larger than {n} bytes"),
            Limit::Rows(n) => write!(f, "the sheet has more than {n} rows"),
            Limit::Columns(n) => write!(f, "the sheet has more than {n} columns"),
            Limit::CellBytes { limit, row, column } => {
                write!(f, "cell {} holds more than {limit} bytes", cell_name(*row, *column))
            }
            Limit::LineBytes { limit, line } => write!(f, "line {line} is longer than {limit} bytes"),
            Limit::ExpandedBytes(n) => write!(f, "the workbook expands to more than {n} bytes"),
            Limit::Ratio(n) => write!(f, "the workbook is compressed more than {n} to 1"),
            Limit::Entries(n) => write!(f, "the workbook has more than {n} parts"),
            Limit::Time(s) => write!(f, "reading took longer than {s} s"),
        }
    }
}

/// A cell's name as Excel shows it: (0, 0) is `A1`, (11, 27) is `AB12`.
pub fn cell_name(row: usize, column: usize) -> String {
    let mut letters = Vec::new();
    let mut c = column + 1;
    while c > 0 {
        let r = (c - 1) % 26;
        letters.push(b'A' + r as u8);
        c = (c - 1) / 26;
    }
    letters.reverse();
    format!("{}{}", String::from_utf8_lossy(&letters), row + 1)
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OfficeError {
    #[error("{0}")]
    Limit(Limit),
    #[error("the file is empty")]
    Empty,
    #[error("old .xls workbooks are not read; save the file as .xlsx")]
    OldXls,
    #[error("not a readable workbook: {0}")]
    Unreadable(String),
    #[error("cannot write the workbook: {0}")]
    Write(String),
}

/// Read the first sheet of an `.xlsx` file, or a `.csv` file, within the default [`Limits`].
pub fn read(bytes: &[u8]) -> Result<Sheet, OfficeError> {
    read_within(bytes, &Limits::default())
}

/// Read the first sheet of an `.xlsx` file, or a `.csv` file, within `limits`.
pub fn read_within(bytes: &[u8], limits: &Limits) -> Result<Sheet, OfficeError> {
    if bytes.len() > MAX_BYTES {
        return Err(OfficeError::Limit(Limit::FileBytes(MAX_BYTES)));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(OfficeError::Empty);
    }
    let budget = Budget::new(limits);
    if bytes.starts_with(b"PK\x03\x04") {
        check_zip(bytes, limits, &budget)?;
        read_xlsx(bytes, &budget)
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Err(OfficeError::OldXls)
    } else {
        read_csv(bytes, &budget)
    }
}

/// The limits of one reading, with its start.
struct Budget<'a> {
    limits: &'a Limits,
    started: Instant,
}

impl<'a> Budget<'a> {
    fn new(limits: &'a Limits) -> Self {
        Budget { limits, started: Instant::now() }
    }

    fn time(&self) -> Result<(), OfficeError> {
        if self.started.elapsed() > self.limits.max_time {
            return Err(OfficeError::Limit(Limit::Time(self.limits.max_time.as_secs())));
        }
        Ok(())
    }

    fn place(&self, row: usize, column: usize) -> Result<(), OfficeError> {
        if row >= self.limits.max_rows {
            return Err(OfficeError::Limit(Limit::Rows(self.limits.max_rows)));
        }
        if column >= self.limits.max_columns {
            return Err(OfficeError::Limit(Limit::Columns(self.limits.max_columns)));
        }
        Ok(())
    }

    fn text(&self, s: &str, row: usize, column: usize) -> Result<(), OfficeError> {
        if s.len() > self.limits.max_cell_bytes {
            return Err(OfficeError::Limit(Limit::CellBytes { limit: self.limits.max_cell_bytes, row, column }));
        }
        Ok(())
    }
}

/// The zip's central directory, checked before anything is inflated: the
/// declared sizes and ratios first, then each entry inflated into nothing
/// and counted, so a directory that understates its sizes is caught too.
fn check_zip(bytes: &[u8], limits: &Limits, budget: &Budget) -> Result<(), OfficeError> {
    let bad = |e: zip::result::ZipError| OfficeError::Unreadable(e.to_string());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    if zip.len() > limits.max_entries {
        return Err(OfficeError::Limit(Limit::Entries(limits.max_entries)));
    }
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(bad)?;
        let (size, stored) = (entry.size(), entry.compressed_size().max(1));
        declared = declared.saturating_add(size);
        if declared > limits.max_expanded_bytes {
            return Err(OfficeError::Limit(Limit::ExpandedBytes(limits.max_expanded_bytes)));
        }
        if size > 1024 * 1024 && size / stored > limits.max_ratio {
            return Err(OfficeError::Limit(Limit::Ratio(limits.max_ratio)));
        }
    }
    let mut inflated: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(bad)?;
        let room = limits.max_expanded_bytes - inflated;
        let n = std::io::copy(&mut entry.take(room + 1), &mut std::io::sink())
            .map_err(|e| OfficeError::Unreadable(e.to_string()))?;
        inflated += n;
        if inflated > limits.max_expanded_bytes {
            return Err(OfficeError::Limit(Limit::ExpandedBytes(limits.max_expanded_bytes)));
        }
        budget.time()?;
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], budget: &Budget) -> Result<Sheet, OfficeError> {
    use calamine::{DataRef, Reader, Xlsx};
    let bad = |e: calamine::XlsxError| OfficeError::Unreadable(e.to_string());
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(bad)?;
    budget.time()?;
    let name = book.sheet_names().first().cloned().ok_or(OfficeError::Empty)?;
    let merged = book
        .merge_cells_by_sheet_name(&name)
        .map_err(bad)?
        .into_iter()
        .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
        .collect();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut cells = book.worksheet_cells_reader(&name).map_err(bad)?;
    let mut seen: usize = 0;
    while let Some(c) = cells.next_cell().map_err(bad)? {
        let (r, col) = c.get_position();
        let (r, col) = (r as usize, col as usize);
        budget.place(r, col)?;
        seen += 1;
        if seen.is_multiple_of(4096) {
            budget.time()?;
        }
        let cell = match c.get_value() {
            DataRef::Empty => continue,
            DataRef::String(s) => {
                budget.text(s, r, col)?;
                Cell::Text(s.clone())
            }
            DataRef::DateTimeIso(s) => s
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(Cell::Date)
                .unwrap_or(Cell::Error),
            DataRef::DurationIso(_) => Cell::Error,
            DataRef::SharedString(s) => {
                budget.text(s, r, col)?;
                Cell::Text((*s).to_owned())
            }
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::Bool(b) => Cell::Bool(*b),
            DataRef::DateTime(dt) => dt.as_datetime().map(|d| Cell::Date(d.date())).unwrap_or(Cell::Error),
            DataRef::Error(_) => Cell::Error,
        };
        if rows.len() <= r {
            rows.resize_with(r + 1, Vec::new);
        }
        let row = &mut rows[r];
        if row.len() <= col {
            row.resize(col + 1, Cell::Empty);
        }
        row[col] = cell;
    }
    budget.time()?;
    Ok(Sheet { rows, merged })
}

fn read_csv(bytes: &[u8], budget: &Budget) -> Result<Sheet, OfficeError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(OfficeError::Unreadable("neither UTF-8 nor GB18030 text".into()));
            }
            decoded
        }
    };
    let limits = budget.limits;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut start: u64 = 0;
    loop {
        let more = reader.read_record(&mut record).map_err(|e| OfficeError::Unreadable(e.to_string()))?;
        if !more {
            break;
        }
        let r = rows.len();
        let end = reader.position().byte();
        if (end - start) as usize > limits.max_line_bytes {
            let line = record.position().map(|p| p.line() as usize).unwrap_or(r + 1);
            return Err(OfficeError::Limit(Limit::LineBytes { limit: limits.max_line_bytes, line }));
        }
        start = end;
        budget.place(r, record.len().saturating_sub(1))?;
        let mut row = Vec::with_capacity(record.len());
        for (c, v) in record.iter().enumerate() {
            budget.text(v, r, c)?;
            row.push(if v.trim().is_empty() { Cell::Empty } else { Cell::Text(v.to_owned()) });
        }
        rows.push(row);
        if r.is_multiple_of(4096) {
            budget.time()?;
        }
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
        assert_eq!(read(&vec![b'a'; MAX_BYTES + 1]).unwrap_err(), OfficeError::Limit(Limit::FileBytes(MAX_BYTES)));
        assert!(matches!(read(b"PK\x03\x04 broken zip"), Err(OfficeError::Unreadable(_))));
    }
}
