//! The inventory import report in words, for pages and the command line.

use crate::platform::i18n::Msg;
use wangan_core::platform::sheet_import::Unreadable;
use wangan_core::registry::rules::inventory::SheetProblem;
use wangan_core::registry::service::inventory::{ImportLine, ImportReport, ReportProblem};
use wangan_office::{Limit, OfficeError};

pub fn problem(m: &Msg, p: &ReportProblem) -> String {
    let key = format!("import.{}", p.code);
    let text = m.fmt(&key, &[("column", &p.column), ("value", &p.value)]);
    if text == crate::platform::i18n::MISSING { format!("{}：{}", p.column, m.code("invalid", &p.code)) } else { text }
}

/// "第 12 行：主管单位“化学学院”不存在；…"
pub fn line(m: &Msg, l: &ImportLine) -> String {
    let head = m.fmt("import.line", &[("line", &l.line.to_string())]);
    if l.problems.is_empty() {
        format!("{head}：{} {}", m.code("import.action", l.action), l.name)
    } else {
        let list: Vec<String> = l.problems.iter().map(|p| problem(m, p)).collect();
        format!("{head}：{}", list.join("；"))
    }
}

pub fn summary(m: &Msg, r: &ImportReport) -> String {
    m.fmt(
        "import.summary",
        &[
            ("created", &r.created.to_string()),
            ("updated", &r.updated.to_string()),
            ("unchanged", &r.unchanged.to_string()),
            ("failed", &r.failed.to_string()),
        ],
    )
}

pub fn sheet_problem(m: &Msg, p: &SheetProblem) -> String {
    match p {
        SheetProblem::MissingColumns(cols) => m.fmt("import.missing_columns", &[("value", &cols.join("、"))]),
        SheetProblem::NoRows => m.t("import.no_rows").to_owned(),
        SheetProblem::MergedCells(at) => m.fmt("import.merged_cells", &[("value", at)]),
        SheetProblem::HiddenCharacters(at, p) => {
            format!("{}{}", m.fmt("import.cell", &[("cell", at)]), m.code("invalid", p.code()))
        }
    }
}

/// Why a file gave no rows, in words.
pub fn unreadable(m: &Msg, u: &Unreadable) -> String {
    match u {
        Unreadable::File(e) => office_problem(m, e),
        Unreadable::Sheet(p) => sheet_problem(m, p),
    }
}

pub fn office_problem(m: &Msg, e: &OfficeError) -> String {
    match e {
        OfficeError::Limit(limit) => limit_text(m, limit),
        OfficeError::Empty => m.t("import.empty").to_owned(),
        OfficeError::OldXls => m.t("import.old_xls").to_owned(),
        OfficeError::Unreadable(why) | OfficeError::Write(why) => m.fmt("import.unreadable", &[("value", why)]),
    }
}

/// A bound a file went past, in words that name it.
pub fn limit_text(m: &Msg, limit: &Limit) -> String {
    let kib = |n: usize| (n / 1024).max(1).to_string();
    let mib = |n: u64| (n >> 20).max(1).to_string();
    let key = format!("import.limit.{}", limit.code());
    match limit {
        Limit::FileBytes(n) => m.fmt(&key, &[("value", &mib(*n as u64))]),
        Limit::Rows(n) | Limit::Columns(n) | Limit::Entries(n) => m.fmt(&key, &[("value", &n.to_string())]),
        Limit::CellBytes { limit, row, column } => {
            m.fmt(&key, &[("value", &kib(*limit)), ("cell", &wangan_office::cell_name(*row, *column))])
        }
        Limit::LineBytes { limit, line } => m.fmt(&key, &[("value", &kib(*limit)), ("line", &line.to_string())]),
        Limit::ExpandedBytes(n) => m.fmt(&key, &[("value", &mib(*n))]),
        Limit::Ratio(n) | Limit::Time(n) => m.fmt(&key, &[("value", &n.to_string())]),
    }
}

/// The HTTP status and machine word for a file that gave no rows: 413 when
/// it is too big (as stored or once inflated), else 422.
pub fn unreadable_status(u: &Unreadable) -> (axum::http::StatusCode, String) {
    use axum::http::StatusCode;
    match u {
        Unreadable::File(OfficeError::Limit(l)) if l.is_size() => (StatusCode::PAYLOAD_TOO_LARGE, l.code().to_owned()),
        Unreadable::File(OfficeError::Limit(l)) => (StatusCode::UNPROCESSABLE_ENTITY, l.code().to_owned()),
        Unreadable::File(OfficeError::Empty) => (StatusCode::UNPROCESSABLE_ENTITY, "empty_file".into()),
        Unreadable::File(OfficeError::OldXls) => (StatusCode::UNPROCESSABLE_ENTITY, "old_xls".into()),
        Unreadable::File(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unreadable_file".into()),
        Unreadable::Sheet(SheetProblem::MissingColumns(_)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "missing_columns".into())
        }
        Unreadable::Sheet(SheetProblem::NoRows) => (StatusCode::UNPROCESSABLE_ENTITY, "no_rows".into()),
        Unreadable::Sheet(SheetProblem::MergedCells(_)) => (StatusCode::UNPROCESSABLE_ENTITY, "merged_cells".into()),
        Unreadable::Sheet(SheetProblem::HiddenCharacters(_, p)) => (StatusCode::UNPROCESSABLE_ENTITY, p.code().into()),
    }
}

/// Lines a page shows of a report or an error list; the rest are counted.
pub const SHOWN_LINES: usize = 200;
