//! Notices in bulk from a spreadsheet (通报导入): the Chinese column headers
//! and how a row becomes a notice. Pure: problems by row and column.

use super::{NoticeSource, Severity};
use crate::registry::rules::inventory::{NotADate, Problem, SheetProblem, choice, date_of, header_index, text};
use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeZone, Utc};
use wangan_office::{Cell, Sheet};

pub const HEADERS: [&str; 9] =
    ["来源", "来源编号", "接收时间", "标题", "漏洞类型", "危害等级", "漏洞描述", "受影响系统", "整改期限"];
pub const REQUIRED: [&str; 4] = ["来源", "标题", "危害等级", "受影响系统"];

const SOURCE: &[(&[&str], NoticeSource)] = &[
    (&["教育部", "moe"], NoticeSource::Moe),
    (&["省教育厅", "教育厅", "provincial_edu"], NoticeSource::ProvincialEdu),
    (&["市网信办", "网信办", "city_cac"], NoticeSource::CityCac),
    (&["edusrc", "教育行业漏洞报告平台"], NoticeSource::Edusrc),
    (&["公安机关", "公安", "网警", "police"], NoticeSource::Police),
    (&["平台监测", "监测", "monitoring"], NoticeSource::Monitoring),
    (&["安全检查", "检查", "自查", "inspection"], NoticeSource::Inspection),
    (&["其他", "other"], NoticeSource::Other),
];
const SEVERITY: &[(&[&str], Severity)] = &[
    (&["严重", "紧急", "critical"], Severity::Critical),
    (&["高危", "高", "high"], Severity::High),
    (&["中危", "中", "medium"], Severity::Medium),
    (&["低危", "低", "low"], Severity::Low),
];

#[derive(Debug, Clone, PartialEq)]
pub struct NoticeRow {
    pub line: usize,
    /// `None` when the cell is empty or unreadable (the row then has a problem).
    pub source: Option<NoticeSource>,
    pub reference: String,
    pub received_at: Option<DateTime<Utc>>,
    pub title: String,
    pub vuln_type: String,
    pub severity: Option<Severity>,
    pub description: String,
    /// URLs or names, as written.
    pub systems: Vec<String>,
    pub deadline: Option<DateTime<Utc>>,
}

/// A time written as a date cell (midnight), an Excel serial (with its
/// fraction of a day) or text such as `2026-11-20 09:30`, in zone `tz`.
pub fn time_of(cell: &Cell, tz: chrono_tz::Tz) -> Result<Option<DateTime<Utc>>, NotADate> {
    let local = |t: NaiveDateTime| tz.from_local_datetime(&t).earliest().map(|t| t.with_timezone(&Utc)).ok_or(NotADate);
    match cell {
        Cell::Number(n) if *n >= 1.0 && *n < 2_958_466.0 => {
            let day = date_of(&Cell::Number(n.trunc()))?.ok_or(NotADate)?;
            let secs = ((n.fract() * 86_400.0).round() as u32).min(86_399);
            let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).ok_or(NotADate)?;
            local(day.and_time(t)).map(Some)
        }
        Cell::Text(t) if t.trim().contains(':') => {
            let norm = t.trim().replace(['年', '月', '/', '.'], "-").replace(['日', 'T'], " ");
            let norm = norm.split_whitespace().collect::<Vec<_>>().join(" ");
            for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
                if let Ok(t) = NaiveDateTime::parse_from_str(&norm, fmt) {
                    return local(t).map(Some);
                }
            }
            Err(NotADate)
        }
        other => match date_of(other)? {
            Some(d) => local(d.and_time(NaiveTime::MIN)).map(Some),
            None => Ok(None),
        },
    }
}

/// Systems one per line or separated by semicolons; names may hold spaces ("VPN 远程接入").
fn list_of(v: &str) -> Vec<String> {
    v.split(['\n', ';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// Read the sheet: the header row is the first (of ten) naming the required columns.
pub fn parse(sheet: &Sheet, tz: chrono_tz::Tz) -> Result<Vec<(NoticeRow, Vec<Problem>)>, SheetProblem> {
    let (header_row, index) = header_index(sheet, &REQUIRED, &HEADERS)?;
    let mut out = Vec::new();
    for (i, row) in sheet.rows.iter().enumerate().skip(header_row + 1) {
        if row.iter().all(Cell::is_empty) {
            continue;
        }
        let line = i + 1;
        let empty = Cell::Empty;
        let cell = |h: &str| -> &Cell {
            HEADERS.iter().position(|x| *x == h).and_then(|i| index[i]).and_then(|c| row.get(c)).unwrap_or(&empty)
        };
        let get = |h: &str| text(cell(h));
        let mut problems = Vec::new();
        let required = |problems: &mut Vec<Problem>, h: &str| {
            let v = get(h);
            if v.is_empty() {
                problems.push(Problem::new(line, h, "required", ""));
            }
            v
        };
        let source = required(&mut problems, "来源");
        let source = choice(&mut problems, line, "来源", &source, SOURCE);
        let severity = required(&mut problems, "危害等级");
        let severity = choice(&mut problems, line, "危害等级", &severity, SEVERITY);
        let mut time = |h: &str| match time_of(cell(h), tz) {
            Ok(t) => t,
            Err(NotADate) => {
                problems.push(Problem::new(line, h, "time", &get(h)));
                None
            }
        };
        let received_at = time("接收时间");
        let deadline = time("整改期限");
        let title = get("标题");
        if title.is_empty() {
            problems.push(Problem::new(line, "标题", "required", ""));
        }
        let systems = list_of(&get("受影响系统"));
        if systems.is_empty() {
            problems.push(Problem::new(line, "受影响系统", "required", ""));
        }
        out.push((
            NoticeRow {
                line,
                source,
                reference: get("来源编号"),
                received_at,
                title,
                vuln_type: get("漏洞类型"),
                severity,
                description: get("漏洞描述"),
                systems,
                deadline,
            },
            problems,
        ));
    }
    if out.is_empty() {
        return Err(SheetProblem::NoRows);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Asia::Shanghai;

    fn sheet(rows: Vec<Vec<&str>>) -> Sheet {
        Sheet {
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text(c.into()) }).collect())
                .collect(),
            merged: Vec::new(),
        }
    }

    #[test]
    fn rows_become_notices_in_the_platforms_words() {
        let s = sheet(vec![
            HEADERS.to_vec(),
            vec![
                "教育部",
                "教技〔2026〕1号",
                "2026-11-20 09:30",
                "SQL 注入",
                "注入",
                "高危",
                "说明",
                "https://a.example/；门户",
                "2026/11/23 18:00",
            ],
            vec!["网友", "", "昨天", "", "", "很高", "", "", ""],
        ]);
        let rows = parse(&s, Shanghai).unwrap();
        let (r, p) = &rows[0];
        assert!(p.is_empty(), "{p:?}");
        assert_eq!((r.source, r.severity), (Some(NoticeSource::Moe), Some(Severity::High)));
        assert_eq!(r.received_at, Some(Utc.with_ymd_and_hms(2026, 11, 20, 1, 30, 0).unwrap()));
        assert_eq!(r.deadline, Some(Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()));
        assert_eq!(r.systems, ["https://a.example/", "门户"]);
        let codes: Vec<(&str, &str)> = rows[1].1.iter().map(|p| (p.column.as_str(), p.code.as_str())).collect();
        assert_eq!(
            codes,
            [
                ("来源", "unknown_value"),
                ("危害等级", "unknown_value"),
                ("接收时间", "time"),
                ("标题", "required"),
                ("受影响系统", "required")
            ]
        );
        assert_eq!(rows[1].0.line, 3);
    }

    #[test]
    fn times_as_serials_and_dates() {
        // 46346.5 is 2026-11-20 12:00 in Excel's 1900 system.
        assert_eq!(
            time_of(&Cell::Number(46346.5), Shanghai),
            Ok(Some(Utc.with_ymd_and_hms(2026, 11, 20, 4, 0, 0).unwrap()))
        );
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(time_of(&Cell::Date(d), Shanghai), Ok(Some(Utc.with_ymd_and_hms(2026, 11, 19, 16, 0, 0).unwrap())));
        assert_eq!(time_of(&Cell::Empty, Shanghai), Ok(None));
        assert_eq!(time_of(&Cell::Text("25:99".into()), Shanghai), Err(NotADate));
    }

    #[test]
    fn a_sheet_without_the_columns_says_which() {
        let s = sheet(vec![vec!["标题", "来源"], vec!["x", "教育部"]]);
        assert_eq!(
            parse(&s, Shanghai),
            Err(SheetProblem::MissingColumns(vec!["危害等级".into(), "受影响系统".into()]))
        );
    }
}
