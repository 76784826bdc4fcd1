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

crate::closed_set! {
    /// The six accountable behaviours of §三(四) of the notice, in its words.
    pub enum ViolationCategory {
        /// 未按规定备案、审批.
        NotFiled = "not_filed",
        /// 未落实安全管理制度、措施.
        MeasuresMissing = "measures_missing",
        /// 未开展系统安全状况检查.
        NoInspection = "no_inspection",
        /// 未开展信息安全等级评定.
        NotGraded = "not_graded",
        /// 拒不整改.
        RefusedRectification = "refused_rectification",
        /// 弄虚作假.
        FalseData = "false_data",
    }
}

impl ViolationCategory {
    /// The behaviour as §三(四) words it, for documents and sheets.
    pub fn zh(self) -> &'static str {
        match self {
            ViolationCategory::NotFiled => "未按规定备案、审批",
            ViolationCategory::MeasuresMissing => "未落实安全管理制度、措施",
            ViolationCategory::NoInspection => "未开展系统安全状况检查",
            ViolationCategory::NotGraded => "未开展信息安全等级评定",
            ViolationCategory::RefusedRectification => "拒不整改",
            ViolationCategory::FalseData => "弄虚作假",
        }
    }

    /// The category an earlier release stored under another word (the
    /// migration maps stored rows with this; the old word is kept beside).
    pub fn from_legacy(word: &str) -> Option<ViolationCategory> {
        Some(match word {
            "false_report" => ViolationCategory::FalseData,
            "unfiled_system" => ViolationCategory::NotFiled,
            "no_protection" | "late_incident_report" | "other_negligence" => ViolationCategory::MeasuresMissing,
            "refused_rectification" => ViolationCategory::RefusedRectification,
            _ => return None,
        })
    }
}

crate::closed_set! {
    /// Where a violation stands: a rule proposes, a person decides; only
    /// confirmed violations count against a unit.
    pub enum ViolationState {
        Proposed = "proposed",
        Confirmed = "confirmed",
        Dismissed = "dismissed",
    }
}

/// What a person may do with a violation in this state.
pub fn violation_decidable(state: ViolationState) -> bool {
    state == ViolationState::Proposed
}

crate::closed_set! {
    /// Who takes a system offline when the grace period after a missed
    /// deadline has passed (`[notices] shutdown`).
    pub enum ShutdownMode {
        /// The ladder proposes the order; an officer issues it or extends the deadline.
        Confirm = "confirm",
        /// The ladder issues the order itself (the behaviour of earlier releases).
        Automatic = "automatic",
    }
}

crate::closed_set! {
    /// Where a shutdown order (责令关停) stands.
    pub enum ShutdownOrderState {
        /// Proposed by the ladder; waits for an officer.
        Proposed = "proposed",
        /// Issued: the system's stage is `shutdown`.
        Issued = "issued",
        /// The rectification was accepted (or the deadline extended) and the order lifted.
        Lifted = "lifted",
        /// The officer extended the deadline instead of issuing it.
        Withdrawn = "withdrawn",
    }
}

/// What the ladder does when its shutdown rung is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownStep {
    /// Propose the order to the center (mode `confirm`).
    Propose,
    /// Issue it at once (mode `automatic`).
    Issue,
    /// The unit took the system offline itself (关停、线下修复, §三(三)): no
    /// order and no violation, the reminders go on.
    AlreadyOffline,
}

/// The shutdown rung for a system in `stage` under `mode`.
pub fn shutdown_step(mode: ShutdownMode, stage: crate::registry::Stage) -> ShutdownStep {
    use crate::registry::Stage;
    match (mode, stage) {
        (_, Stage::Offline | Stage::Closed | Stage::Planned) => ShutdownStep::AlreadyOffline,
        (ShutdownMode::Confirm, _) => ShutdownStep::Propose,
        (ShutdownMode::Automatic, _) => ShutdownStep::Issue,
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

    /// §三(四): the six behaviours, and the rows of earlier releases mapped onto them.
    #[test]
    fn the_six_accountable_behaviours() {
        assert_eq!(ViolationCategory::ALL.len(), 6);
        let words: Vec<&str> = ViolationCategory::ALL.iter().map(|c| c.zh()).collect();
        assert_eq!(
            words,
            [
                "未按规定备案、审批",
                "未落实安全管理制度、措施",
                "未开展系统安全状况检查",
                "未开展信息安全等级评定",
                "拒不整改",
                "弄虚作假"
            ]
        );
        assert_eq!(ViolationCategory::from_legacy("false_report"), Some(ViolationCategory::FalseData));
        assert_eq!(ViolationCategory::from_legacy("unfiled_system"), Some(ViolationCategory::NotFiled));
        assert_eq!(ViolationCategory::from_legacy("other_negligence"), Some(ViolationCategory::MeasuresMissing));
        assert_eq!(ViolationCategory::from_legacy("nonsense"), None);
        assert!(violation_decidable(ViolationState::Proposed));
        assert!(!violation_decidable(ViolationState::Confirmed));
        assert!(!violation_decidable(ViolationState::Dismissed));
    }

    /// §三(三): a unit that took its system offline to repair it gets no order.
    #[test]
    fn the_shutdown_rung_by_mode_and_stage() {
        use crate::registry::Stage;
        assert_eq!(shutdown_step(ShutdownMode::Confirm, Stage::Online), ShutdownStep::Propose);
        assert_eq!(shutdown_step(ShutdownMode::Automatic, Stage::Online), ShutdownStep::Issue);
        assert_eq!(shutdown_step(ShutdownMode::Confirm, Stage::Offline), ShutdownStep::AlreadyOffline);
        assert_eq!(shutdown_step(ShutdownMode::Automatic, Stage::Offline), ShutdownStep::AlreadyOffline);
        assert_eq!(shutdown_step(ShutdownMode::Automatic, Stage::Building), ShutdownStep::Issue);
        assert_eq!(shutdown_step(ShutdownMode::Confirm, Stage::Shutdown), ShutdownStep::Propose);
    }
}
