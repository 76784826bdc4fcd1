//! What notifications about rectifications say: each names what happened,
//! the system, the deadline and where to act. The words come from the
//! notification catalog (`notify::texts`), in every language; each recipient
//! gets theirs.

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

pub use crate::notify::texts::Message;
use crate::notify::texts::{line, t};

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

/// A labelled extra line of a message (`审核意见：…`); an empty label is a plain line.
pub type Extra<'a> = (&'static str, &'a str);

impl Event {
    /// The catalog key of the subject line.
    fn key(self) -> &'static str {
        match self {
            Event::Assigned => "rect.assigned",
            Event::Rung(Rung::Reminder(_)) => "rect.reminder",
            Event::Rung(Rung::Overdue) => "rect.overdue",
            Event::Rung(Rung::Shutdown) => "rect.shutdown",
            Event::ReportSubmitted => "rect.report_submitted",
            Event::Approved => "rect.approved",
            Event::Accepted => "rect.accepted",
            Event::Rejected => "rect.rejected",
            Event::Lifted => "rect.lifted",
            Event::ShutdownProposed => "rect.shutdown_proposed",
            Event::ShutdownPending => "rect.shutdown_pending",
            Event::ShutdownIssued => "rect.shutdown_issued",
            Event::Extended => "rect.extended",
            Event::OfflineReminder => "rect.offline_reminder",
        }
    }
}

/// The message of `event` about the rectification `s`, in every language.
pub fn message(event: Event, s: &Subject<'_>, tz: Tz, extra: &[Extra<'_>]) -> Message {
    let deadline = when(s.deadline, tz);
    let percent = match event {
        Event::Rung(Rung::Reminder(pct)) => pct.to_string(),
        _ => String::new(),
    };
    Message::new(event.code(), format!("/rectifications/{}", s.rectification_id), |l| {
        let args =
            [("system", s.system_name), ("title", s.notice_title), ("center", s.center), ("percent", percent.as_str())];
        let subject = t(l, event.key(), &args);
        // No empty "（）" when the notice has no reference.
        let notice = if s.notice_reference.is_empty() {
            s.notice_title.to_owned()
        } else {
            t(l, "notice_with_reference", &[("title", s.notice_title), ("reference", s.notice_reference)])
        };
        let severity = t(l, &format!("severity.{}", s.severity.as_str()), &[]);
        let mut body = [
            line(l, "unit", s.unit_name),
            line(l, "system", s.system_name),
            line(l, "notice", &notice),
            line(l, "severity", &severity),
            line(l, "deadline", &deadline),
        ]
        .join("\n");
        for (label, value) in extra {
            body.push('\n');
            if label.is_empty() {
                body.push_str(value);
            } else {
                body.push_str(&line(l, label, value));
            }
        }
        (subject, body)
    })
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
        let zh = "zh-CN";
        let m = message(Event::Rung(Rung::Reminder(80)), &s, chrono_tz::Asia::Shanghai, &[]);
        assert!(m.subject(zh).contains("80%"), "{}", m.subject(zh));
        assert!(m.body(zh).contains("2026-11-03 00:00"), "{}", m.body(zh));
        assert!(m.body(zh).contains("危害等级：高危"));
        assert_eq!(m.link, "/rectifications/7");
        let m = message(Event::Rejected, &s, chrono_tz::Asia::Shanghai, &[("review_comment", "缺少复测截图")]);
        assert!(m.body(zh).ends_with("审核意见：缺少复测截图"));
        assert!(m.body("en").ends_with("Review comment: 缺少复测截图"), "{}", m.body("en"));
        assert!(m.body("en").contains("Severity: high"));
        assert!(message(Event::Rung(Rung::Shutdown), &s, chrono_tz::UTC, &[]).subject(zh).contains("关停"));
        assert!(m.body(zh).contains("SQL 注入漏洞（EDU-2026-001）"));
        assert!(message(Event::Approved, &s, chrono_tz::UTC, &[]).subject(zh).contains("请信息化建设与管理处审核"));
        let bare = Subject { notice_reference: "", ..s };
        assert!(!message(Event::Assigned, &bare, chrono_tz::UTC, &[]).body(zh).contains("（）"), "no empty brackets");
    }
}
