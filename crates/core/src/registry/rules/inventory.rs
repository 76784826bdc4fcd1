//! The inventory spreadsheet (信息系统台账): its Chinese column headers, and
//! how a sheet's rows become systems. Pure: every problem is reported by row
//! and column, nothing is written here.

use super::gates::{FilingStatus, Hosting, Stage, SystemKind};
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
    pub kind: SystemKind,
    /// Unit code or Chinese name, as written.
    pub unit: String,
    pub urls: Vec<String>,
    pub ips: Vec<String>,
    pub internet_facing: bool,
    pub important: bool,
    pub stage: Stage,
    pub operator_unit: String,
    pub operator_vendor: String,
    pub operator_contact: String,
    pub users: String,
    pub hosting: Hosting,
    pub tags: Vec<String>,
    pub filing_status: FilingStatus,
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
    /// A cell holds what text may not (control characters, direction
    /// overrides): the cell as Excel names it, and why.
    HiddenCharacters(String, crate::platform::text::TextProblem),
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

/// The value a spreadsheet word names in `table` (any of its spellings, any case).
pub(crate) fn pick<T: Copy>(word: &str, table: &[(&[&str], T)]) -> Option<T> {
    let w = word.trim().to_lowercase();
    table.iter().find(|(names, _)| names.iter().any(|n| n.to_lowercase() == w)).map(|(_, code)| *code)
}

/// The value a cell names in `table`; `None` when the cell is empty, and a
/// problem besides when it names none.
pub(crate) fn choice<T: Copy>(
    problems: &mut Vec<Problem>,
    line: usize,
    column: &str,
    value: &str,
    table: &[(&[&str], T)],
) -> Option<T> {
    if value.is_empty() {
        return None;
    }
    let found = pick(value, table);
    if found.is_none() {
        problems.push(Problem::new(line, column, "unknown_value", value));
    }
    found
}

/// The first spelling of `value` in `table` (how an export writes it).
fn first_word<T: PartialEq>(table: &[(&[&'static str], T)], value: &T) -> &'static str {
    table.iter().find(|(_, v)| v == value).and_then(|(names, _)| names.first().copied()).unwrap_or("")
}

const KIND: &[(&[&str], SystemKind)] = &[
    (&["网站", "website"], SystemKind::Website),
    (&["应用系统", "应用", "信息系统", "application"], SystemKind::Application),
    (&["平台", "platform"], SystemKind::Platform),
    (&["其他", "other"], SystemKind::Other),
];
const HOSTING: &[(&[&str], Hosting)] = &[
    (&["校内数据中心", "校内", "数据中心", "campus"], Hosting::Campus),
    (&["云服务", "云", "cloud"], Hosting::Cloud),
    (&["厂商托管", "厂商", "vendor"], Hosting::Vendor),
];
const FILING: &[(&[&str], FilingStatus)] = &[
    (&["未备案", "无", "none"], FilingStatus::NotFiled),
    (&["已备案", "filed"], FilingStatus::Filed),
    (&["待变更", "需变更", "needs_update"], FilingStatus::NeedsUpdate),
    (&["已注销", "注销", "cancelled"], FilingStatus::Cancelled),
];
/// A sheet cannot set `shutdown`: only a shutdown order does.
const STAGE: &[(&[&str], Stage)] = &[
    (&["规划中", "规划", "planned"], Stage::Planned),
    (&["建设中", "在建", "building"], Stage::Building),
    (&["已上线", "运行", "运行中", "在用", "online"], Stage::Online),
    (&["已下线", "下线", "offline"], Stage::Offline),
    (&["已关闭", "关闭", "closed"], Stage::Closed),
];

/// How the inventory sheet writes a value (the export's words, which the import reads back).
pub trait SheetWord {
    fn sheet_word(&self) -> &'static str;
}

impl SheetWord for SystemKind {
    fn sheet_word(&self) -> &'static str {
        first_word(KIND, self)
    }
}

impl SheetWord for Hosting {
    fn sheet_word(&self) -> &'static str {
        first_word(HOSTING, self)
    }
}

impl SheetWord for FilingStatus {
    fn sheet_word(&self) -> &'static str {
        first_word(FILING, self)
    }
}

impl SheetWord for Stage {
    fn sheet_word(&self) -> &'static str {
        match self {
            Stage::Shutdown => "已关停",
            other => first_word(STAGE, other),
        }
    }
}
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
    // Earlier templates' names for a column still read (危险等级 → 危害等级).
    const ALIASES: &[(&str, &str)] = &[("危害等级", "危险等级")];
    let named = |c: &Cell, h: &str| {
        let t = text(c);
        let t = t.trim_start_matches('*');
        t == h || ALIASES.iter().any(|(name, old)| *name == h && *old == t)
    };
    let header_row = sheet.rows.iter().take(10).position(|r| required.iter().all(|h| r.iter().any(|c| named(c, h))));
    let Some(header_row) = header_row else {
        let first: Vec<String> = sheet.rows.first().map(|r| r.iter().map(text).collect()).unwrap_or_default();
        let missing = required
            .iter()
            .filter(|h| {
                !first.iter().any(|c| {
                    c.trim_start_matches('*') == **h || (**h == "危害等级" && c.trim_start_matches('*') == "危险等级")
                })
            })
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
    let p = &mut problems;
    let kind = choice(p, line, "类型", &get("类型"), KIND).unwrap_or(SystemKind::Other);
    let hosting = choice(p, line, "托管方式", &get("托管方式"), HOSTING).unwrap_or(Hosting::Campus);
    let filing_status = choice(p, line, "备案状态", &get("备案状态"), FILING).unwrap_or(FilingStatus::NotFiled);
    let stage = choice(p, line, "状态", &get("状态"), STAGE).unwrap_or(Stage::Planned);
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
        assert_eq!((r.line, r.kind, r.unit.as_str()), (2, SystemKind::Website, "化学学院"));
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
    }

    #[test]
    fn every_value_has_a_sheet_word_that_reads_back() {
        for k in SystemKind::ALL {
            assert_eq!(pick(k.sheet_word(), KIND), Some(*k));
        }
        for h in Hosting::ALL {
            assert_eq!(pick(h.sheet_word(), HOSTING), Some(*h));
        }
        for f in FilingStatus::ALL {
            assert_eq!(pick(f.sheet_word(), FILING), Some(*f));
        }
        for s in Stage::ALL.iter().filter(|s| **s != Stage::Shutdown) {
            assert_eq!(pick(s.sheet_word(), STAGE), Some(*s));
        }
        assert_eq!(Stage::Shutdown.sheet_word(), "已关停");
        assert_eq!(pick("已关停", STAGE), None, "a sheet cannot shut a system down");
    }
}
