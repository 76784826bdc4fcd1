//! The words of notifications. Messages go out in Chinese, the language of
//! the units that receive them; each names what happened, the system, the
//! deadline and where to act.

use super::Rung;
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
    /// The network center's name (`[institution] center`).
    pub center: &'a str,
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

/// What happened to a rectification, that someone is told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    Assigned,
    /// A rung of the escalation ladder was reached.
    Rung(Rung),
    ReportSubmitted,
    Approved,
    Accepted,
    Rejected,
    Lifted,
    /// The grace period passed: the center is asked to issue a shutdown order (mode `confirm`).
    ShutdownProposed,
    /// The proposal still waits for the center (daily).
    ShutdownPending,
    /// An officer issued the order.
    ShutdownIssued,
    /// An officer extended the deadline instead.
    Extended,
    /// The unit took the system offline itself and has not finished (daily).
    OfflineReminder,
}

impl Event {
    /// The word stored with the message in the outbox (`assigned`, `reminder_50`, ...).
    pub fn code(self) -> String {
        match self {
            Event::Assigned => "assigned".into(),
            Event::Rung(r) => r.code(),
            Event::ReportSubmitted => "report_submitted".into(),
            Event::Approved => "approved".into(),
            Event::Accepted => "accepted".into(),
            Event::Rejected => "rejected".into(),
            Event::Lifted => "lifted".into(),
            Event::ShutdownProposed => "shutdown_proposed".into(),
            Event::ShutdownPending => "shutdown_pending".into(),
            Event::ShutdownIssued => "shutdown_issued".into(),
            Event::Extended => "extended".into(),
            Event::OfflineReminder => "offline_reminder".into(),
        }
    }
}

/// The message of `event` about the rectification `s`.
pub fn message(event: Event, s: &Subject<'_>, tz: Tz, extra: &str) -> Message {
    let deadline = when(s.deadline, tz);
    let head = match event {
        Event::Assigned => format!("【整改通知】{}：{}", s.system_name, s.notice_title),
        Event::Rung(Rung::Reminder(pct)) => format!("【整改提醒】已过整改时限的 {pct}%：{}", s.system_name),
        Event::Rung(Rung::Overdue) => format!("【整改逾期】{} 已超过整改期限", s.system_name),
        Event::Rung(Rung::Shutdown) => format!("【关停通知】{} 逾期未整改，责令下线", s.system_name),
        Event::ReportSubmitted => format!("【待审批】{} 的风险整改报告待单位负责人审批", s.system_name),
        Event::Approved => format!("【待审核】{} 的风险整改报告已由单位审批，请{}审核", s.system_name, s.center),
        Event::Accepted => format!("【整改通过】{} 的风险整改报告已通过审核", s.system_name),
        Event::Rejected => format!("【整改退回】{} 的风险整改报告未通过审核", s.system_name),
        Event::Lifted => format!("【解除关停】{} 的关停令已解除", s.system_name),
        Event::ShutdownProposed => format!("【待决定】{} 逾期未整改，请决定是否责令关停", s.system_name),
        Event::ShutdownPending => format!("【待决定】{} 的关停建议仍待{}决定", s.system_name, s.center),
        Event::ShutdownIssued => format!("【关停通知】{} 逾期未整改，责令关停", s.system_name),
        Event::Extended => format!("【整改延期】{} 的整改期限已延长", s.system_name),
        Event::OfflineReminder => format!("【整改提醒】{} 已下线修复，请尽快完成整改并提交报告", s.system_name),
    };
    let mut body = format!(
        "单位：{}\n系统：{}\n通报：{}{}\n危害等级：{}\n整改期限：{}",
        s.unit_name,
        s.system_name,
        s.notice_title,
        // No empty "（）" when the notice has no reference.
        if s.notice_reference.is_empty() { String::new() } else { format!("（{}）", s.notice_reference) },
        s.severity.zh(),
        deadline
    );
    if !extra.is_empty() {
        body.push('\n');
        body.push_str(extra);
    }
    Message { event: event.code(), subject: head, body, link: format!("/rectifications/{}", s.rectification_id) }
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
            center: "信息化建设与管理处",
        };
        let m = message(Event::Rung(Rung::Reminder(80)), &s, chrono_tz::Asia::Shanghai, "");
        assert!(m.subject.contains("80%"), "{}", m.subject);
        assert!(m.body.contains("2026-11-03 00:00"), "{}", m.body);
        assert!(m.body.contains("高危"));
        assert_eq!(m.link, "/rectifications/7");
        let m = message(Event::Rejected, &s, chrono_tz::Asia::Shanghai, "审核意见：缺少复测截图");
        assert!(m.body.ends_with("审核意见：缺少复测截图"));
        assert!(message(Event::Rung(Rung::Shutdown), &s, chrono_tz::UTC, "").subject.contains("关停"));
        assert!(m.body.contains("SQL 注入漏洞（EDU-2026-001）"));
        assert!(message(Event::Approved, &s, chrono_tz::UTC, "").subject.contains("请信息化建设与管理处审核"));
        let bare = Subject { notice_reference: "", ..s };
        assert!(!message(Event::Assigned, &bare, chrono_tz::UTC, "").body.contains("（）"), "no empty brackets");
    }
}
