//! The inventory spreadsheet (信息系统台账): its Chinese column headers, and
//! how a sheet's rows become systems. Pure: every problem is reported by row
//! and column, nothing is written here.

use chrono::{Duration, NaiveDate};
use wangan_office::{Cell, Sheet};

/// Columns of the template, in order. `*` marks the required ones in the template's notes.
pub const HEADERS: [&str; 23] = [
    "系统名称",
    "类型",
    "主管单位",
    "网址",
    "IP地址",
    "面向互联网",
    "重要信息系统",
    "状态",
    "运维单位",
    "运维厂商",
    "运维联系人",
    "使用单位",
    "托管方式",
    "技术栈标签",
    "备案状态",
    "公安备案号",
    "ICP备案号",
    "备案日期",
    "等保级别",
    "定级日期",
    "等保备案号",
    "等保备案日期",
    "备注",
];

pub const REQUIRED: [&str; 3] = ["系统名称", "类型", "主管单位"];

/// One parsed row, values already in the platform's words.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryRow {
    /// 1-based row number in the sheet.
    pub line: usize,
    pub name: String,
    pub kind: String,
    /// Unit code or Chinese name, as written.
    pub unit: String,
    pub urls: Vec<String>,
    pub ips: Vec<String>,
    pub internet_facing: bool,
    pub important: bool,
    pub stage: String,
    pub operator_unit: String,
    pub operator_vendor: String,
    pub operator_contact: String,
    pub users: String,
    pub hosting: String,
    pub tags: Vec<String>,
    pub filing_status: String,
    pub public_security_no: String,
    pub icp_no: String,
    pub filed_on: Option<NaiveDate>,
    pub mlps_level: Option<i32>,
    pub mlps_graded_on: Option<NaiveDate>,
    pub mlps_filing_no: String,
    pub mlps_filed_on: Option<NaiveDate>,
    pub notes: String,
}

/// A problem with one cell (or one row, when `column` is empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: String,
    /// A stable code, localized by the caller (`import.<code>`).
    pub code: String,
    /// The value as written, for the message.
    pub value: String,
}

impl Problem {
    pub fn new(line: usize, column: &str, code: &str, value: &str) -> Problem {
        Problem { line, column: column.to_owned(), code: code.to_owned(), value: value.chars().take(100).collect() }
    }
}

/// Why a whole sheet cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetProblem {
    /// No header row with the template's columns; lists the missing required ones.
    MissingColumns(Vec<String>),
    /// Headers but no data.
    NoRows,
    /// Merged cells in the data (row, column as Excel shows them, e.g. "C12").
    MergedCells(String),
}

pub(crate) fn text(cell: &Cell) -> String {
    match cell {
        Cell::Empty | Cell::Error => String::new(),
        Cell::Text(s) => s.trim().to_owned(),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::Bool(b) => {
            if *b {
                "是".into()
            } else {
                "否".into()
            }
        }
        Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
    }
}

/// Excel's column letters for a 0-based index.
pub fn column_letters(mut col: u32) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (col % 26) as u8) as char);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s
}

pub(crate) fn pick<'a>(word: &str, table: &[(&[&str], &'a str)]) -> Option<&'a str> {
    let w = word.trim().to_lowercase();
    table.iter().find(|(names, _)| names.iter().any(|n| n.to_lowercase() == w)).map(|(_, code)| *code)
}

const KIND: &[(&[&str], &str)] = &[
    (&["网站", "website"], "website"),
    (&["应用系统", "应用", "信息系统", "application"], "application"),
    (&["平台", "platform"], "platform"),
    (&["其他", "other"], "other"),
];
const HOSTING: &[(&[&str], &str)] = &[
    (&["校内数据中心", "校内", "数据中心", "campus"], "campus"),
    (&["云服务", "云", "cloud"], "cloud"),
    (&["厂商托管", "厂商", "vendor"], "vendor"),
];
const FILING: &[(&[&str], &str)] = &[
    (&["未备案", "无", "none"], "none"),
    (&["已备案", "filed"], "filed"),
    (&["待变更", "需变更", "needs_update"], "needs_update"),
    (&["已注销", "注销", "cancelled"], "cancelled"),
];
const STAGE: &[(&[&str], &str)] = &[
    (&["规划中", "规划", "planned"], "planned"),
    (&["建设中", "在建", "building"], "building"),
    (&["已上线", "运行", "运行中", "在用", "online"], "online"),
    (&["已下线", "下线", "offline"], "offline"),
    (&["已关闭", "关闭", "closed"], "closed"),
];
const YES: &[&str] = &["是", "y", "yes", "true", "1", "√", "✓"];
const NO: &[&str] = &["否", "n", "no", "false", "0", "×"];

fn yes_no(v: &str) -> Option<bool> {
    let w = v.trim().to_lowercase();
    if w.is_empty() || NO.contains(&w.as_str()) {
        Some(false)
    } else if YES.contains(&w.as_str()) {
        Some(true)
    } else {
        None
    }
}

/// A cell that should hold a date but does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotADate;

/// A date written as a date cell, an Excel serial number or text.
pub fn date_of(cell: &Cell) -> Result<Option<NaiveDate>, NotADate> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(d) => Ok(Some(*d)),
        // Excel's 1900 date system: day 1 is 1900-01-01, counted from 1899-12-30 to absorb its leap-year bug.
        Cell::Number(n) if *n >= 1.0 && *n < 2_958_466.0 => {
            let base = NaiveDate::from_ymd_opt(1899, 12, 30).ok_or(NotADate)?;
            Ok(base.checked_add_signed(Duration::days(n.trunc() as i64)))
        }
        Cell::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            let normalized = t.replace(['年', '月', '/', '.'], "-").replace('日', "");
            for fmt in ["%Y-%m-%d", "%Y%m%d"] {
                if let Ok(d) = NaiveDate::parse_from_str(&normalized, fmt) {
                    return Ok(Some(d));
                }
            }
            Err(NotADate)
        }
        _ => Err(NotADate),
    }
}

fn level_of(v: &str) -> Result<Option<i32>, ()> {
    let w = v.trim().replace(['第', '级'], "");
    if w.is_empty() || w == "未定级" {
        return Ok(None);
    }
    let n = match w.as_str() {
        "一" => 1,
        "二" => 2,
        "三" => 3,
        "四" => 4,
        "五" => 5,
        other => other.parse::<i32>().map_err(|_| ())?,
    };
    if (1..=5).contains(&n) { Ok(Some(n)) } else { Err(()) }
}

fn list_of(v: &str) -> Vec<String> {
    v.split(['\n', ';', '；', ',', '，', ' ', '、'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Find a sheet's header row: the first of ten that names every `required`
/// column. Returns its row and, for each of `headers`, its column; refuses
/// merged cells below it.
pub(crate) fn header_index(
    sheet: &Sheet,
    required: &[&str],
    headers: &[&str],
) -> Result<(usize, Vec<Option<usize>>), SheetProblem> {
    let named = |c: &Cell, h: &str| text(c).trim_start_matches('*') == h;
    let header_row = sheet.rows.iter().take(10).position(|r| required.iter().all(|h| r.iter().any(|c| named(c, h))));
    let Some(header_row) = header_row else {
        let first: Vec<String> = sheet.rows.first().map(|r| r.iter().map(text).collect()).unwrap_or_default();
        let missing = required
            .iter()
            .filter(|h| !first.iter().any(|c| c.trim_start_matches('*') == **h))
            .map(|h| (*h).to_owned())
            .collect();
        return Err(SheetProblem::MissingColumns(missing));
    };
    let index = headers.iter().map(|h| sheet.rows[header_row].iter().position(|c| named(c, h))).collect();
    if let Some(&(r, c, _, _)) = sheet.merged.iter().find(|(r, _, _, _)| *r as usize > header_row) {
        return Err(SheetProblem::MergedCells(format!("{}{}", column_letters(c), r + 1)));
    }
    Ok((header_row, index))
}

/// Read a sheet: the header row is the first row that names the required columns.
pub fn parse(sheet: &Sheet) -> Result<Vec<(InventoryRow, Vec<Problem>)>, SheetProblem> {
    let (header_row, index) = header_index(sheet, &REQUIRED, &HEADERS)?;
    let mut out = Vec::new();
    for (i, row) in sheet.rows.iter().enumerate().skip(header_row + 1) {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        out.push(parse_row(i + 1, row, &index));
    }
    if out.is_empty() {
        return Err(SheetProblem::NoRows);
    }
    Ok(out)
}

/// A row and its problems; the row is filled as far as it could be read, so
/// that later checks (units, duplicates) can report on it too.
fn parse_row(line: usize, row: &[Cell], index: &[Option<usize>]) -> (InventoryRow, Vec<Problem>) {
    let empty = Cell::Empty;
    let cell = |h: &str| -> &Cell {
        HEADERS.iter().position(|x| *x == h).and_then(|i| index[i]).and_then(|c| row.get(c)).unwrap_or(&empty)
    };
    let get = |h: &str| text(cell(h));
    let mut problems = Vec::new();
    let mut choice = |h: &str, table: &[(&[&str], &'static str)], default: &'static str| -> String {
        let v = get(h);
        if v.is_empty() {
            return default.to_owned();
        }
        match pick(&v, table) {
            Some(code) => code.to_owned(),
            None => {
                problems.push(Problem::new(line, h, "unknown_value", &v));
                default.to_owned()
            }
        }
    };
    let kind = choice("类型", KIND, "other");
    let hosting = choice("托管方式", HOSTING, "campus");
    let filing_status = choice("备案状态", FILING, "none");
    let stage = choice("状态", STAGE, "planned");
    let mut flag = |h: &str| match yes_no(&get(h)) {
        Some(b) => b,
        None => {
            problems.push(Problem::new(line, h, "yes_no", &get(h)));
            false
        }
    };
    let internet_facing = flag("面向互联网");
    let important = flag("重要信息系统");
    let mut date = |h: &str| match date_of(cell(h)) {
        Ok(d) => d,
        Err(NotADate) => {
            problems.push(Problem::new(line, h, "date", &get(h)));
            None
        }
    };
    let filed_on = date("备案日期");
    let mlps_graded_on = date("定级日期");
    let mlps_filed_on = date("等保备案日期");
    let mlps_level = match level_of(&get("等保级别")) {
        Ok(l) => l,
        Err(()) => {
            problems.push(Problem::new(line, "等保级别", "level", &get("等保级别")));
            None
        }
    };
    for h in REQUIRED {
        if get(h).is_empty() {
            problems.push(Problem::new(line, h, "required", ""));
        }
    }
    let parsed = InventoryRow {
        line,
        name: get("系统名称"),
        kind,
        unit: get("主管单位"),
        urls: list_of(&get("网址")),
        ips: list_of(&get("IP地址")),
        internet_facing,
        important,
        stage,
        operator_unit: get("运维单位"),
        operator_vendor: get("运维厂商"),
        operator_contact: get("运维联系人"),
        users: get("使用单位"),
        hosting,
        tags: list_of(&get("技术栈标签")),
        filing_status,
        public_security_no: get("公安备案号"),
        icp_no: get("ICP备案号"),
        filed_on,
        mlps_level,
        mlps_graded_on,
        mlps_filing_no: get("等保备案号"),
        mlps_filed_on,
        notes: get("备注"),
    };
    (parsed, problems)
}

/// The words a code is written with in the spreadsheet (the first of each table).
pub fn word_for(column: &str, code: &str) -> String {
    let table = match column {
        "类型" => KIND,
        "托管方式" => HOSTING,
        "备案状态" => FILING,
        "状态" => STAGE,
        _ => return code.to_owned(),
    };
    table.iter().find(|(_, c)| *c == code).map(|(names, _)| names[0].to_owned()).unwrap_or_else(|| code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        if s.is_empty() { Cell::Empty } else { Cell::Text(s.into()) }
    }

    fn sheet(rows: &[&[&str]]) -> Sheet {
        Sheet { rows: rows.iter().map(|r| r.iter().map(|c| t(c)).collect()).collect(), merged: vec![] }
    }

    #[test]
    fn dates_in_every_form() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 31);
        assert_eq!(date_of(&Cell::Number(46053.0)), Ok(d), "Excel serial");
        assert_eq!(date_of(&t("2026-01-31")), Ok(d));
        assert_eq!(date_of(&t("2026/1/31")), Ok(d));
        assert_eq!(date_of(&t("2026年1月31日")), Ok(d));
        assert_eq!(date_of(&t("20260131")), Ok(d));
        assert_eq!(date_of(&Cell::Date(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap())), Ok(d));
        assert_eq!(date_of(&Cell::Empty), Ok(None));
        assert_eq!(date_of(&t("上个月")), Err(NotADate));
        assert_eq!(date_of(&Cell::Number(-3.0)), Err(NotADate));
    }

    #[test]
    fn levels_and_flags() {
        assert_eq!(level_of("第三级"), Ok(Some(3)));
        assert_eq!(level_of("2"), Ok(Some(2)));
        assert_eq!(level_of("第2级"), Ok(Some(2)));
        assert_eq!(level_of(""), Ok(None));
        assert_eq!(level_of("6"), Err(()));
        assert_eq!(yes_no("是"), Some(true));
        assert_eq!(yes_no(""), Some(false));
        assert_eq!(yes_no("也许"), None);
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(27), "AB");
    }

    #[test]
    fn rows_are_read_by_header_name_in_any_order() {
        let s = sheet(&[
            &["主管单位", "类型", "系统名称", "网址", "面向互联网", "等保级别", "备案日期"],
            &[
                "化学学院",
                "网站",
                "化学学院网站",
                "https://chem.example/；https://www.chem.example/",
                "是",
                "第二级",
                "2025-05-01",
            ],
            &[],
            &["cs", "平台", "评测平台", "", "", "", ""],
        ]);
        let rows = parse(&s).unwrap();
        assert_eq!(rows.len(), 2, "blank rows are skipped");
        assert!(rows[0].1.is_empty() && rows[1].1.is_empty());
        let r = &rows[0].0;
        assert_eq!((r.line, r.kind.as_str(), r.unit.as_str()), (2, "website", "化学学院"));
        assert_eq!(r.urls.len(), 2);
        assert!(r.internet_facing);
        assert_eq!(r.mlps_level, Some(2));
        assert_eq!(rows[1].0.line, 4);
    }

    #[test]
    fn every_bad_cell_is_named() {
        let s = sheet(&[
            &["系统名称", "类型", "主管单位", "面向互联网", "备案日期", "等保级别"],
            &["", "飞船", "cs", "也许", "上个月", "七"],
        ]);
        let problems = parse(&s).unwrap().remove(0).1;
        let cols: Vec<&str> = problems.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(cols, ["类型", "面向互联网", "备案日期", "等保级别", "系统名称"]);
        assert_eq!(problems[0].value, "飞船");
        assert_eq!(problems[0].line, 2);
    }

    #[test]
    fn whole_sheet_problems() {
        assert_eq!(
            parse(&sheet(&[&["名称", "单位"]])),
            Err(SheetProblem::MissingColumns(vec!["系统名称".into(), "类型".into(), "主管单位".into()]))
        );
        assert_eq!(parse(&sheet(&[&["系统名称", "类型", "主管单位"]])), Err(SheetProblem::NoRows));
        let mut s = sheet(&[&["系统名称", "类型", "主管单位"], &["a", "网站", "cs"]]);
        s.merged.push((1, 2, 2, 2));
        assert_eq!(parse(&s), Err(SheetProblem::MergedCells("C2".into())));
        assert_eq!(word_for("类型", "website"), "网站");
    }
}
