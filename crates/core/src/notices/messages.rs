//! The words of notifications. Messages go out in Chinese, the language of
//! the units that receive them; each names what happened, the system, the
//! deadline and where to act.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The facts a message about a rectification speaks of.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    pub rectification_id: i64,
    pub notice_title: &'a str,
    pub notice_reference: &'a str,
    pub severity: super::Severity,
    pub system_name: &'a str,
    pub unit_name: &'a str,
    pub deadline: DateTime<Utc>,
}

/// A message: the event word, a subject line and a body of a few lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub event: String,
    pub subject: String,
    pub body: String,
    pub link: String,
}

fn when(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// The message for `event` (`assigned`, `reminder_50`, `overdue`, `shutdown`,
/// `report_submitted`, `approved`, `accepted`, `rejected`, `lifted`).
pub fn message(event: &str, s: &Subject<'_>, tz: Tz, extra: &str) -> Message {
    let deadline = when(s.deadline, tz);
    let head = match event {
        "assigned" => format!("【整改通知】{}：{}", s.system_name, s.notice_title),
        e if e.starts_with("reminder_") => {
            let pct = e.trim_start_matches("reminder_");
            format!("【整改提醒】已过整改时限的 {pct}%：{}", s.system_name)
        }
        "overdue" => format!("【整改逾期】{} 已超过整改期限", s.system_name),
        "shutdown" => format!("【关停通知】{} 逾期未整改，责令下线", s.system_name),
        "report_submitted" => format!("【待审批】{} 的风险整改报告待单位负责人审批", s.system_name),
        "approved" => format!("【待审核】{} 的风险整改报告已由单位审批，请网络信息中心审核", s.system_name),
        "accepted" => format!("【整改通过】{} 的风险整改报告已通过审核", s.system_name),
        "rejected" => format!("【整改退回】{} 的风险整改报告未通过审核", s.system_name),
        "lifted" => format!("【解除关停】{} 的关停令已解除", s.system_name),
        other => format!("【网安】{other}：{}", s.system_name),
    };
    let mut body = format!(
        "单位：{}\n系统：{}\n通报：{}（{}）\n危险等级：{}\n整改期限：{}",
        s.unit_name,
        s.system_name,
        s.notice_title,
        s.notice_reference,
        s.severity.zh(),
        deadline
    );
    if !extra.is_empty() {
        body.push('\n');
        body.push_str(extra);
    }
    Message { event: event.to_owned(), subject: head, body, link: format!("/rectifications/{}", s.rectification_id) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn messages_name_the_system_and_the_local_deadline() {
        let s = Subject {
            rectification_id: 7,
            notice_title: "SQL 注入漏洞",
            notice_reference: "EDU-2026-001",
            severity: super::super::Severity::High,
            system_name: "化学学院网站",
            unit_name: "化学学院",
            deadline: Utc.with_ymd_and_hms(2026, 11, 2, 16, 0, 0).unwrap(),
        };
        let m = message("reminder_80", &s, chrono_tz::Asia::Shanghai, "");
        assert!(m.subject.contains("80%"), "{}", m.subject);
        assert!(m.body.contains("2026-11-03 00:00"), "{}", m.body);
        assert!(m.body.contains("高危"));
        assert_eq!(m.link, "/rectifications/7");
        let m = message("rejected", &s, chrono_tz::Asia::Shanghai, "审核意见：缺少复测截图");
        assert!(m.body.ends_with("审核意见：缺少复测截图"));
        assert!(message("shutdown", &s, chrono_tz::UTC, "").subject.contains("关停"));
    }
}
