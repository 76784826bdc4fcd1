//! Vulnerability notices (通报) and their rectification (整改): the words,
//! the default deadlines, the rectification state machine and the
//! escalation ladder. Everything here is pure; storage is in
//! `service::notices`, `service::rectifications` and `service::escalation`.

pub mod ladder;
pub mod messages;
pub mod sheet;
pub mod workflow;

use chrono::{DateTime, Duration, Utc};

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
    /// How dangerous a notice's vulnerability is (危险等级); sets the deadline.
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

crate::closed_set! {
    /// The six accountable behaviours of §三(四); the escalation raises `RefusedRectification`.
    pub enum ViolationCategory {
        /// 瞒报、谎报.
        FalseReport = "false_report",
        /// 未备案.
        UnfiledSystem = "unfiled_system",
        /// 未落实防护措施.
        NoProtection = "no_protection",
        /// 未按时报告事件.
        LateIncidentReport = "late_incident_report",
        /// 拒不整改或逾期未整改.
        RefusedRectification = "refused_rectification",
        /// 其他失职.
        OtherNegligence = "other_negligence",
    }
}

/// Allowed time by severity (configurable in `[notices]` of `wangan.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlinePolicy {
    pub critical: Duration,
    pub high: Duration,
    pub medium: Duration,
    pub low: Duration,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        DeadlinePolicy {
            critical: Duration::hours(24),
            high: Duration::days(3),
            medium: Duration::days(7),
            low: Duration::days(15),
        }
    }
}

impl DeadlinePolicy {
    /// The time allowed for a severity.
    pub fn allowed(&self, severity: Severity) -> Duration {
        match severity {
            Severity::Critical => self.critical,
            Severity::High => self.high,
            Severity::Medium => self.medium,
            Severity::Low => self.low,
        }
    }

    /// The default deadline of a notice received at `received_at`.
    pub fn deadline(&self, severity: Severity, received_at: DateTime<Utc>) -> DateTime<Utc> {
        received_at + self.allowed(severity)
    }
}

/// The configurable rules of notices.
#[derive(Debug, Clone)]
pub struct NoticePolicy {
    pub deadlines: DeadlinePolicy,
    pub ladder: LadderPolicy,
    /// The zone deadlines are written in, in messages and reports.
    pub time_zone: chrono_tz::Tz,
}

impl Default for NoticePolicy {
    fn default() -> Self {
        NoticePolicy {
            deadlines: DeadlinePolicy::default(),
            ladder: LadderPolicy::default(),
            time_zone: chrono_tz::Asia::Shanghai,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deadlines_follow_severity() {
        let p = DeadlinePolicy::default();
        let t = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
        assert_eq!(p.deadline(Severity::Critical, t), t + Duration::hours(24));
        assert_eq!(p.deadline(Severity::High, t), t + Duration::days(3));
        assert_eq!(p.deadline(Severity::Medium, t), t + Duration::days(7));
        assert_eq!(p.deadline(Severity::Low, t), t + Duration::days(15));
        assert_eq!(Severity::parse("urgent"), None);
    }
}
