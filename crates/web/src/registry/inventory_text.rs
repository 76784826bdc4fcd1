//! The inventory import report in words, for pages and the command line.

use crate::platform::i18n::Msg;
use wangan_core::registry::rules::inventory::SheetProblem;
use wangan_core::registry::service::inventory::{ImportLine, ImportReport, ReportProblem};
use wangan_office::OfficeError;

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
    }
}

/// Why a file gave no rows, in words.
pub fn unreadable(m: &Msg, u: &wangan_core::platform::sheet_import::Unreadable) -> String {
    match u {
        wangan_core::platform::sheet_import::Unreadable::File(e) => office_problem(m, e),
        wangan_core::platform::sheet_import::Unreadable::Sheet(p) => sheet_problem(m, p),
    }
}

pub fn office_problem(m: &Msg, e: &OfficeError) -> String {
    match e {
        OfficeError::TooLarge => m.t("import.too_large").to_owned(),
        OfficeError::Empty => m.t("import.empty").to_owned(),
        OfficeError::OldXls => m.t("import.old_xls").to_owned(),
        OfficeError::Unreadable(why) | OfficeError::Write(why) => m.fmt("import.unreadable", &[("value", why)]),
    }
}
