//! Vulnerability notices (通报) and their rectification (整改): the words,
//! the default deadlines, the rectification state machine and the
//! escalation ladder. Everything here is pure; storage is in
//! `service::notices`, `service::rectifications` and `service::escalation`.

pub mod ladder;
pub mod messages;
pub mod sheet;
pub mod workflow;

use crate::platform::calendar::{Allowed, WorkCalendar};
use chrono::{DateTime, Utc};

pub use crate::enforcement::rules::{
    ShutdownMode, ShutdownOrderState, ShutdownStep, ViolationCategory, ViolationState, shutdown_step,
    violation_decidable,
};
pub use ladder::{LadderPolicy, Rung};

crate::closed_set! {
    /// Who sent a notice (通报来源).
    pub enum NoticeSource {
        Moe = "moe",
        ProvincialEdu = "provincial_edu",
        CityCac = "city_cac",
        Edusrc = "edusrc",
        Police = "police",
        Monitoring = "monitoring",
        Inspection = "inspection",
        Other = "other",
    }
}

crate::closed_set! {
    /// How dangerous a notice's vulnerability is (危害等级); sets the deadline.
    pub enum Severity { Critical = "critical", High = "high", Medium = "medium", Low = "low" }
}

impl NoticeSource {
    /// The Chinese name, for documents and sheets.
    pub fn zh(self) -> &'static str {
        match self {
            NoticeSource::Moe => "教育部",
            NoticeSource::ProvincialEdu => "省教育厅",
            NoticeSource::CityCac => "市网信办",
            NoticeSource::Edusrc => "教育行业漏洞报告平台（EDUSRC）",
            NoticeSource::Police => "公安机关",
            NoticeSource::Monitoring => "平台监测",
            NoticeSource::Inspection => "安全检查",
            NoticeSource::Other => "其他",
        }
    }
}

impl Severity {
    /// The Chinese name, for messages, documents and sheets.
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Critical => "严重",
            Severity::High => "高危",
            Severity::Medium => "中危",
            Severity::Low => "低危",
        }
    }
}

crate::closed_set! {
    /// Where a rectification stands (`workflow` moves it).
    pub enum RectificationStatus {
        /// Sent to the unit; nothing done yet.
        Assigned = "assigned",
        /// The unit works on it (or the center sent the report back).
        InProgress = "in_progress",
        /// The report waits for the unit's leader.
        ReportSubmitted = "report_submitted",
        /// The leader approved; the report waits for the center.
        Approved = "approved",
        /// The center accepted the report.
        Closed = "closed",
    }
}

crate::closed_set! {
    /// A notice is open while any of its rectifications is.
    pub enum NoticeStatus {
        Open = "open",
        Closed = "closed",
    }
}

impl RectificationStatus {
    pub fn is_closed(self) -> bool {
        self == RectificationStatus::Closed
    }

    /// The Chinese name, for documents and sheets.
    pub fn zh(self) -> &'static str {
        match self {
            RectificationStatus::Assigned => "已下发",
            RectificationStatus::InProgress => "整改中",
            RectificationStatus::ReportSubmitted => "待单位审批",
            RectificationStatus::Approved => "待中心审核",
            RectificationStatus::Closed => "已完成",
        }
    }
}

/// Allowed time by severity (configurable in `[notices]` of `wangan.toml`),
/// in clock hours or working days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlinePolicy {
    pub critical: Allowed,
    pub high: Allowed,
    pub medium: Allowed,
    pub low: Allowed,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            critical: Allowed::Hours(24),
            high: Allowed::Workdays(3),
            medium: Allowed::Workdays(5),
            low: Allowed::Workdays(10),
        }
    }
}

impl DeadlinePolicy {
    /// The time allowed for a severity.
    pub fn allowed(&self, severity: Severity) -> Allowed {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }
}

/// The configurable rules of notices.
#[derive(Debug, Clone)]
pub struct NoticePolicy {
    pub deadlines: DeadlinePolicy,
    pub ladder: LadderPolicy,
    /// The zone deadlines are written in, in messages and reports.
    pub time_zone: chrono_tz::Tz,
    /// Which days count as working days.
    pub calendar: WorkCalendar,
    /// Who takes a system offline after a missed deadline and its grace.
    pub shutdown: ShutdownMode,
}

impl Default for NoticePolicy {
    fn default() -> Self {
        NoticePolicy {
            deadlines: DeadlinePolicy::default(),
            ladder: LadderPolicy::default(),
            time_zone: chrono_tz::Asia::Shanghai,
            calendar: WorkCalendar::default(),
            shutdown: ShutdownMode::Confirm,
        }
    }
}

impl NoticePolicy {
    /// The deadline of a rectification of `severity` issued (下发) to its unit at `issued_at`.
    pub fn deadline(&self, severity: Severity, issued_at: DateTime<Utc>) -> DateTime<Utc> {
        self.deadlines.allowed(severity).deadline(issued_at, &self.time_zone, &self.calendar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    /// Defaults: critical within 24 hours of issue; the others in working days.
    #[test]
    fn deadlines_follow_severity() {
        let p = NoticePolicy::default();
        let tz = chrono_tz::Asia::Shanghai;
        // Issued Thursday 3 December 2026, 09:00.
        let t = tz.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap().with_timezone(&Utc);
        let end_of = |m: u32, d: u32| tz.with_ymd_and_hms(2026, m, d, 23, 59, 0).unwrap().with_timezone(&Utc);
        assert_eq!(p.deadline(Severity::Critical, t), t + Duration::hours(24));
        assert_eq!(p.deadline(Severity::High, t), end_of(12, 8), "Fri, Mon, Tue");
        assert_eq!(p.deadline(Severity::Medium, t), end_of(12, 10));
        assert_eq!(p.deadline(Severity::Low, t), end_of(12, 17));
        assert_eq!(Severity::parse("urgent"), None);
    }
}
