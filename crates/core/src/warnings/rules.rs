//! Early warnings' words and rules: sources, targeting, where a unit's
//! acknowledgement stands, how long it has to acknowledge and when it is
//! reminded and escalated, tag matching, and reading a pasted bulletin. Pure.

use chrono::{DateTime, Duration, Utc};

crate::closed_set! {
    /// Where a warning comes from.
    pub enum WarningSource {
        Moe = "moe",
        ProvincialEdu = "provincial_edu",
        Cnvd = "cnvd",
        Edusrc = "edusrc",
        Cncert = "cncert",
        Vendor = "vendor",
        Other = "other",
    }
}

crate::closed_set! {
    /// Whom a warning goes to.
    pub enum Targeting {
        All = "all",
        Units = "units",
        /// The units whose systems carry one of the warning's tech-stack tags.
        Tags = "tags",
    }
}

crate::closed_set! {
    /// Where a targeted unit stands.
    pub enum AckState {
        /// Not acknowledged yet: reminded, then escalated.
        Pending = "pending",
        /// Acknowledged; the assessment is not in yet.
        Acknowledged = "acknowledged",
        /// Answered: affected or not, and what was done.
        Answered = "answered",
    }
}

impl WarningSource {
    /// The notice source a rectification opened from the warning carries.
    pub fn notice_source(self) -> crate::notices::NoticeSource {
        use crate::notices::NoticeSource as N;
        match self {
            WarningSource::Moe => N::Moe,
            WarningSource::ProvincialEdu => N::ProvincialEdu,
            WarningSource::Edusrc => N::Edusrc,
            _ => N::Other,
        }
    }
}

/// Hours a unit has to acknowledge a warning, by severity.
pub fn ack_hours(severity: crate::notices::Severity) -> i64 {
    use crate::notices::Severity as S;
    match severity {
        S::Critical => 12,
        S::High => 24,
        S::Medium => 48,
        S::Low => 72,
    }
}

/// A rung of the acknowledgement ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningRung {
    /// Half the time gone: the unit's network admin and channels.
    Reminder,
    /// Due: the unit's responsible persons too.
    Overdue,
    /// A day past due: the first responsible person and the center.
    Escalated,
}

impl WarningRung {
    pub fn audiences(self) -> &'static [crate::notify::Audience] {
        use crate::notify::Audience as A;
        match self {
            WarningRung::Reminder => &[A::Direct, A::Unit],
            WarningRung::Overdue => &[A::Direct, A::Main, A::First, A::Unit],
            WarningRung::Escalated => &[A::First, A::Center],
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            WarningRung::Reminder => "warning_reminder",
            WarningRung::Overdue => "warning_overdue",
            WarningRung::Escalated => "warning_escalated",
        }
    }
}

/// The rung at `step` (0-based) and when it falls due; `None` after the last.
pub fn rung(step: i32, published: DateTime<Utc>, due: DateTime<Utc>) -> Option<(WarningRung, DateTime<Utc>)> {
    match step {
        0 => Some((WarningRung::Reminder, published + (due - published) / 2)),
        1 => Some((WarningRung::Overdue, due)),
        2 => Some((WarningRung::Escalated, due + Duration::hours(24))),
        _ => None,
    }
}

/// The tags of a text list, lower case, trimmed, non-empty.
pub fn tag_list(text: &str) -> Vec<String> {
    text.split(['\n', ',', '，', ';', '；']).map(|t| t.trim().to_lowercase()).filter(|t| !t.is_empty()).collect()
}

/// A system carrying one of the warning's tags (whole tags, any case).
pub fn matches(system_tags: &str, warning_tags: &[String]) -> bool {
    let have = tag_list(system_tags);
    warning_tags.iter().any(|t| have.contains(t))
}

/// What a pasted bulletin gives (the officer checks it before publishing).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct BulletinDraft {
    pub title: String,
    pub severity: crate::notices::Severity,
    pub reference: String,
    pub products: Vec<String>,
    pub description: String,
    pub advice: String,
}

/// Identifiers a bulletin names: CVE, CNVD, CNNVD numbers (first one wins as the reference).
fn identifiers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for prefix in ["CVE-", "CNVD-", "CNNVD-"] {
        let upper = text.to_uppercase();
        let mut from = 0;
        while let Some(i) = upper[from..].find(prefix) {
            let start = from + i;
            let rest = &upper[start + prefix.len()..];
            let tail: String = rest.chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
            let tail = tail.trim_end_matches('-');
            if tail.len() >= 6 && tail.contains('-') {
                out.push(format!("{prefix}{tail}"));
            }
            from = start + prefix.len();
        }
    }
    out
}

/// Read a bulletin pasted from a web page or a WeChat article: the first
/// line is the title; the severity, the identifiers, the affected versions
/// and the advice are found by their usual headings.
pub fn parse_bulletin(text: &str) -> BulletinDraft {
    use crate::notices::Severity as S;
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    // A leading 【高危】-style tag is not part of the title.
    let title = lines
        .first()
        .map(|l| match (l.starts_with('【'), l.find('】')) {
            (true, Some(i)) if i + '】'.len_utf8() < l.len() => &l[i + '】'.len_utf8()..],
            _ => l,
        })
        .map(|l| l.trim().chars().take(200).collect())
        .unwrap_or_default();
    let severity = if text.contains("超危") || text.contains("严重") {
        S::Critical
    } else if text.contains("高危") {
        S::High
    } else if text.contains("低危") {
        S::Low
    } else {
        S::Medium
    };
    let reference = identifiers(text).into_iter().next().unwrap_or_default();
    enum Part {
        Description,
        Products,
        Advice,
    }
    let mut part = Part::Description;
    let (mut description, mut products, mut advice) = (Vec::new(), Vec::new(), Vec::new());
    for line in lines.iter().skip(1) {
        let heading =
            line.trim_start_matches(|c: char| c.is_ascii_digit() || "、.．()（）一二三四五六七八九十 ".contains(c));
        let (switch, rest) = if let Some(r) = ["影响版本", "影响范围", "受影响版本", "影响产品", "受影响产品"]
            .iter()
            .find_map(|h| heading.strip_prefix(h))
        {
            (Some(Part::Products), r)
        } else if let Some(r) = ["处置建议", "修复建议", "解决方案", "解决办法", "缓解措施", "修复方案"]
            .iter()
            .find_map(|h| heading.strip_prefix(h))
        {
            (Some(Part::Advice), r)
        } else if let Some(r) =
            ["漏洞描述", "漏洞详情", "漏洞概述", "概述"].iter().find_map(|h| heading.strip_prefix(h))
        {
            (Some(Part::Description), r)
        } else {
            (None, *line)
        };
        if let Some(p) = switch {
            part = p;
        }
        let rest = rest.trim_start_matches(['：', ':', ' ']).trim();
        if rest.is_empty() {
            continue;
        }
        match part {
            Part::Description => description.push(rest.to_owned()),
            Part::Products => products.push(rest.to_owned()),
            Part::Advice => advice.push(rest.to_owned()),
        }
    }
    BulletinDraft {
        title,
        severity,
        reference,
        products,
        description: description.join("\n"),
        advice: advice.join("\n"),
    }
}

/// The warnings sheet (预警导入): its Chinese headers, one warning per row.
pub mod sheet {
    use super::{Targeting, WarningSource, tag_list};
    use crate::notices::Severity;
    use crate::registry::rules::inventory::{Problem, SheetProblem, choice, header_index, text};
    use wangan_office::{Cell, Sheet};

    pub const HEADERS: [&str; 10] =
        ["标题", "危害等级", "来源", "编号", "影响产品", "预警内容", "处置建议", "发送范围", "技术栈标签", "发送单位"];
    pub const REQUIRED: [&str; 3] = ["标题", "危害等级", "来源"];

    const SOURCE: &[(&[&str], WarningSource)] = &[
        (&["教育部", "moe"], WarningSource::Moe),
        (&["省教育厅", "教育厅", "provincial_edu"], WarningSource::ProvincialEdu),
        (&["cnvd", "国家信息安全漏洞共享平台"], WarningSource::Cnvd),
        (&["edusrc", "教育行业漏洞报告平台"], WarningSource::Edusrc),
        (&["cncert", "国家互联网应急中心"], WarningSource::Cncert),
        (&["厂商", "vendor"], WarningSource::Vendor),
        (&["其他", "other"], WarningSource::Other),
    ];
    const SEVERITY: &[(&[&str], Severity)] = &[
        (&["严重", "超危", "紧急", "critical"], Severity::Critical),
        (&["高危", "高", "high"], Severity::High),
        (&["中危", "中", "medium"], Severity::Medium),
        (&["低危", "低", "low"], Severity::Low),
    ];
    const TARGETING: &[(&[&str], Targeting)] = &[
        (&["全部单位", "全部", "all"], Targeting::All),
        (&["指定单位", "units"], Targeting::Units),
        (&["按标签", "标签", "按技术栈标签", "tags"], Targeting::Tags),
    ];

    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct WarningRow {
        pub line: usize,
        pub title: String,
        pub severity: Option<Severity>,
        pub source: Option<WarningSource>,
        pub reference: String,
        pub products: Vec<String>,
        pub description: String,
        pub advice: String,
        /// As written, or from what the row names: tags, units, else every unit.
        pub targeting: Option<Targeting>,
        pub tags: Vec<String>,
        pub units: Vec<String>,
    }

    fn list_of(v: &str) -> Vec<String> {
        v.split(['\n', ';', '；', ',', '，', '、'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }

    pub fn parse(sheet: &Sheet) -> Result<Vec<(WarningRow, Vec<Problem>)>, SheetProblem> {
        let (header_row, index) = header_index(sheet, &REQUIRED, &HEADERS)?;
        let mut out = Vec::new();
        for (i, row) in sheet.rows.iter().enumerate().skip(header_row + 1) {
            if row.iter().all(Cell::is_empty) {
                continue;
            }
            let line = i + 1;
            let empty = Cell::Empty;
            let get = |h: &str| {
                text(
                    HEADERS
                        .iter()
                        .position(|x| *x == h)
                        .and_then(|i| index[i])
                        .and_then(|c| row.get(c))
                        .unwrap_or(&empty),
                )
            };
            let mut problems = Vec::new();
            let title = get("标题");
            if title.is_empty() {
                problems.push(Problem::new(line, "标题", "required", ""));
            }
            let severity = get("危害等级");
            let severity = if severity.is_empty() {
                problems.push(Problem::new(line, "危害等级", "required", ""));
                None
            } else {
                choice(&mut problems, line, "危害等级", &severity, SEVERITY)
            };
            let source = get("来源");
            let source = if source.is_empty() {
                problems.push(Problem::new(line, "来源", "required", ""));
                None
            } else {
                choice(&mut problems, line, "来源", &source, SOURCE)
            };
            let tags = tag_list(&get("技术栈标签"));
            let units = list_of(&get("发送单位"));
            let written = get("发送范围");
            let targeting = if written.is_empty() {
                Some(if !tags.is_empty() {
                    Targeting::Tags
                } else if !units.is_empty() {
                    Targeting::Units
                } else {
                    Targeting::All
                })
            } else {
                choice(&mut problems, line, "发送范围", &written, TARGETING)
            };
            out.push((
                WarningRow {
                    line,
                    title,
                    severity,
                    source,
                    reference: get("编号"),
                    products: list_of(&get("影响产品")).into_iter().filter(|p| !p.is_empty()).collect(),
                    description: get("预警内容"),
                    advice: get("处置建议"),
                    targeting,
                    tags,
                    units,
                },
                problems,
            ));
        }
        if out.is_empty() {
            return Err(SheetProblem::NoRows);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notices::Severity;

    #[test]
    fn the_ladder_reminds_at_half_time_then_due_then_a_day_later() {
        let p = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let due = p + Duration::hours(ack_hours(Severity::High));
        assert_eq!(rung(0, p, due), Some((WarningRung::Reminder, p + Duration::hours(12))));
        assert_eq!(rung(1, p, due), Some((WarningRung::Overdue, due)));
        assert_eq!(rung(2, p, due), Some((WarningRung::Escalated, due + Duration::hours(24))));
        assert_eq!(rung(3, p, due), None);
        assert!(ack_hours(Severity::Critical) < ack_hours(Severity::Low));
        assert!(WarningRung::Escalated.audiences().contains(&crate::notify::Audience::Center));
    }

    #[test]
    fn tags_match_whole_and_in_any_case() {
        let w = tag_list("Struts2, nginx");
        assert!(matches("java\nstruts2", &w));
        assert!(matches("NGINX", &w));
        assert!(!matches("struts", &w), "whole tags only");
        assert!(!matches("", &w));
    }

    #[test]
    fn a_sheet_row_is_a_warning_in_the_platforms_words() {
        use wangan_office::{Cell, Sheet};
        let cells = |r: Vec<&str>| {
            r.into_iter().map(|c| if c.is_empty() { Cell::Empty } else { Cell::Text(c.into()) }).collect()
        };
        let s = Sheet {
            rows: vec![
                cells(sheet::HEADERS.to_vec()),
                cells(vec![
                    "Struts2 漏洞",
                    "高危",
                    "CNVD",
                    "CNVD-2026-1",
                    "Struts 2.5",
                    "",
                    "升级",
                    "",
                    "Struts2；java",
                    "",
                ]),
                cells(vec!["弱口令排查", "中危", "教育部", "", "", "", "", "", "", "cs、ee"]),
                cells(vec!["", "很高", "网友", "", "", "", "", "部分", "", ""]),
            ],
            merged: Vec::new(),
        };
        let rows = sheet::parse(&s).unwrap();
        let (r, p) = &rows[0];
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            (r.severity, r.source, r.targeting),
            (Some(Severity::High), Some(WarningSource::Cnvd), Some(Targeting::Tags))
        );
        assert_eq!(r.tags, ["struts2", "java"]);
        assert_eq!(
            (rows[1].0.targeting, rows[1].0.units.clone()),
            (Some(Targeting::Units), vec!["cs".to_owned(), "ee".to_owned()])
        );
        let columns: Vec<&str> = rows[2].1.iter().map(|p| p.column.as_str()).collect();
        assert_eq!(columns, ["标题", "危害等级", "来源", "发送范围"]);
    }

    #[test]
    fn a_pasted_bulletin_gives_its_parts() {
        let text = "【高危】关于Apache Struts2远程代码执行漏洞的预警通报\n\
            一、漏洞描述\nApache Struts2 文件上传逻辑存在缺陷（CVE-2023-50164），攻击者可上传恶意文件。\n\
            二、影响版本\nStruts 2.0.0 - 2.3.37\nStruts 2.5.0 - 2.5.32\n\
            三、处置建议：升级至 2.5.33 或 6.3.0.2 以上版本。\n另见 CNVD-2023-95312。";
        let d = parse_bulletin(text);
        assert_eq!(d.title, "关于Apache Struts2远程代码执行漏洞的预警通报");
        assert_eq!(d.severity, Severity::High);
        assert_eq!(d.reference, "CVE-2023-50164");
        assert_eq!(d.products, ["Struts 2.0.0 - 2.3.37", "Struts 2.5.0 - 2.5.32"]);
        assert!(d.description.contains("文件上传逻辑存在缺陷"));
        assert!(d.advice.starts_with("升级至 2.5.33"), "{}", d.advice);
        let plain = parse_bulletin("某系统存在信息泄露\n请尽快检查。");
        assert_eq!((plain.severity, plain.reference.as_str()), (Severity::Medium, ""));
        assert_eq!(parse_bulletin("").title, "");
    }
}
