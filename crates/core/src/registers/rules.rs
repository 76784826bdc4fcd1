//! The unit registers' words and rules: the kinds of management rules
//! (§二), when a plan is due for review, whether a unit has drilled in the
//! last twelve months, improvement actions, personal-data requests' two
//! approvals, budget amounts and certificates' expiry. Pure.

use chrono::{Datelike, NaiveDate};

crate::closed_set! {
    /// The management rules §二(二) asks of every unit, and the overall
    /// security plan of §二(一).
    pub enum PolicyKind {
        /// 人员管理.
        People = "people",
        /// 账号管理.
        Accounts = "accounts",
        /// 计算机软硬件管理.
        Computers = "computers",
        /// 系统建设与运维.
        SystemOperation = "system_operation",
        /// 信息发布审核.
        Publishing = "publishing",
        /// 机房管理.
        MachineRoom = "machine_room",
        /// 数据安全与使用.
        DataSecurity = "data_security",
        /// 数据备份.
        DataBackup = "data_backup",
        /// 应急预案.
        EmergencyPlan = "emergency_plan",
        /// 应急演练.
        EmergencyDrill = "emergency_drill",
        /// 总体安全规划 (§二(一)).
        OverallPlan = "overall_plan",
    }
}

impl PolicyKind {
    /// Every kind a unit must keep: the ten rules and the overall plan.
    pub fn required() -> &'static [PolicyKind] {
        PolicyKind::ALL
    }
}

/// The kinds a unit has not got, in the order of §二.
pub fn missing_kinds(have: &[PolicyKind]) -> Vec<PolicyKind> {
    PolicyKind::required().iter().copied().filter(|k| !have.contains(k)).collect()
}

/// The date one year after `d` (29 February → 28 February).
pub fn one_year_after(d: NaiveDate) -> NaiveDate {
    d.with_year(d.year() + 1).or_else(|| NaiveDate::from_ymd_opt(d.year() + 1, 2, 28)).unwrap_or(d)
}

/// The date one year before `d`.
pub fn one_year_before(d: NaiveDate) -> NaiveDate {
    d.with_year(d.year() - 1).or_else(|| NaiveDate::from_ymd_opt(d.year() - 1, 2, 28)).unwrap_or(d)
}

/// A plan (or a rule) last reviewed on `reviewed_on` is overdue once a
/// year has passed since.
pub fn review_overdue(reviewed_on: NaiveDate, today: NaiveDate) -> bool {
    one_year_after(reviewed_on) < today
}

/// A rule whose next review date has passed.
pub fn review_date_passed(review_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    review_on.is_some_and(|d| d < today)
}

/// A unit whose latest drill is older than twelve months (or that never drilled).
pub fn drill_due(latest: Option<NaiveDate>, today: NaiveDate) -> bool {
    latest.is_none_or(|d| d < one_year_before(today))
}

crate::closed_set! {
    /// An improvement action found by a drill.
    pub enum ActionState {
        Open = "open",
        /// Past its due date, not done.
        Overdue = "overdue",
        Done = "done",
    }
}

pub fn action_state(due_on: NaiveDate, done: bool, today: NaiveDate) -> ActionState {
    if done {
        ActionState::Done
    } else if due_on < today {
        ActionState::Overdue
    } else {
        ActionState::Open
    }
}

crate::closed_set! {
    /// A request to provide personal data outside the university: the unit's
    /// head approves first, then the center.
    pub enum RequestState {
        /// Waiting for the unit's head.
        PendingLeader = "pending_leader",
        /// The head approved; waiting for the center.
        PendingCenter = "pending_center",
        Approved = "approved",
        Refused = "refused",
    }
}

/// Who decides a request in `state`, if anyone still does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approver {
    UnitLeader,
    Center,
}

pub fn approver(state: RequestState) -> Option<Approver> {
    match state {
        RequestState::PendingLeader => Some(Approver::UnitLeader),
        RequestState::PendingCenter => Some(Approver::Center),
        RequestState::Approved | RequestState::Refused => None,
    }
}

/// The state after a decision: a refusal ends the request at either step;
/// the head's approval passes it to the center; the center's approves it.
pub fn after_decision(state: RequestState, approve: bool) -> Option<RequestState> {
    match (approver(state)?, approve) {
        (_, false) => Some(RequestState::Refused),
        (Approver::UnitLeader, true) => Some(RequestState::PendingCenter),
        (Approver::Center, true) => Some(RequestState::Approved),
    }
}

crate::closed_set! {
    /// What a security budget line pays for.
    pub enum BudgetCategory {
        /// 安全设备.
        Equipment = "equipment",
        /// 安全软件与服务订阅.
        Software = "software",
        /// 等级测评、渗透测试等服务.
        Services = "services",
        /// 培训与认证.
        Training = "training",
        /// 应急与演练.
        Emergency = "emergency",
        Other = "other",
    }
}

/// Largest amount a line takes: 99,999,999,999.99 yuan.
const MAX_CENTS: i64 = 9_999_999_999_999;

/// `"12000"`, `"12000.5"`, `"12,000.50"` (yuan) → cents; `None` when it is
/// not a non-negative amount with at most two decimals.
pub fn parse_amount(s: &str) -> Option<i64> {
    let t: String = s.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
    let (whole, frac) = match t.split_once('.') {
        Some((_, "")) => return None,
        Some((w, f)) => (w, f),
        None => (t.as_str(), ""),
    };
    if whole.is_empty() || whole.len() > 11 || frac.len() > 2 {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().ok()? };
    let cents = w.checked_mul(100)?.checked_add(f)?;
    (cents <= MAX_CENTS).then_some(cents)
}

/// Cents → `"12000.50"`.
pub fn format_amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

crate::closed_set! {
    /// A training session: for everyone, or for the security staff.
    pub enum TrainingKind {
        /// 全员安全意识培训.
        Awareness = "awareness",
        /// 专业技术培训.
        Professional = "professional",
    }
}

crate::closed_set! {
    /// A professional certificate.
    pub enum CertificateKind {
        Cisp = "cisp",
        CispPte = "cisp_pte",
        Cissp = "cissp",
        Cisa = "cisa",
        /// 网络安全等级测评师.
        MlpsAssessor = "mlps_assessor",
        /// 软考：信息安全工程师.
        SoftExam = "soft_exam",
        Other = "other",
    }
}

crate::closed_set! {
    /// Where a certificate stands.
    pub enum CertificateState {
        Valid = "valid",
        /// Expires within the reminder window.
        Expiring = "expiring",
        Expired = "expired",
    }
}

/// Days before expiry a certificate's holder and unit are reminded.
pub const CERTIFICATE_REMINDER_DAYS: i64 = 60;

pub fn certificate_state(expires_on: Option<NaiveDate>, today: NaiveDate) -> CertificateState {
    match expires_on {
        Some(d) if d < today => CertificateState::Expired,
        Some(d) if (d - today).num_days() <= CERTIFICATE_REMINDER_DAYS => CertificateState::Expiring,
        _ => CertificateState::Valid,
    }
}

/// Training hours as tenths: `"2"`, `"1.5"` → 20, 15; between 0.5 and 200 hours.
pub fn parse_hours(s: &str) -> Option<i32> {
    let t = s.trim();
    let (w, f) = t.split_once('.').unwrap_or((t, "0"));
    if w.is_empty() || w.len() > 3 || f.len() != 1 || !w.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let tenths = w.parse::<i32>().ok()? * 10 + f.parse::<i32>().ok()?;
    (5..=2000).contains(&tenths).then_some(tenths)
}

pub fn format_hours(tenths: i32) -> String {
    if tenths % 10 == 0 { format!("{}", tenths / 10) } else { format!("{}.{}", tenths / 10, tenths % 10) }
}

crate::closed_set! {
    /// The kind of record a kept file belongs to.
    pub enum RecordKind {
        Plan = "plan",
        Drill = "drill",
        Policy = "policy",
    }
}

crate::closed_set! {
    /// Where a unit's emergency plan stands.
    pub enum PlanStatus {
        /// Reviewed within the year.
        Current = "current",
        /// Not reviewed for over a year.
        Overdue = "overdue",
        /// No plan.
        Missing = "missing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn plans_are_overdue_a_year_after_their_review() {
        assert!(!review_overdue(d("2025-12-06"), d("2026-12-06")), "exactly a year: still current");
        assert!(review_overdue(d("2025-12-05"), d("2026-12-06")));
        assert!(!review_overdue(d("2024-02-29"), d("2025-02-28")));
        assert!(review_overdue(d("2024-02-29"), d("2025-03-01")));
        assert!(review_date_passed(Some(d("2026-01-01")), d("2026-01-02")));
        assert!(!review_date_passed(None, d("2026-01-02")));
    }

    #[test]
    fn a_unit_must_drill_every_twelve_months() {
        assert!(drill_due(None, d("2026-12-06")));
        assert!(!drill_due(Some(d("2025-12-06")), d("2026-12-06")));
        assert!(drill_due(Some(d("2025-12-05")), d("2026-12-06")));
    }

    #[test]
    fn improvement_actions_fall_overdue_after_their_date() {
        assert_eq!(action_state(d("2026-12-06"), false, d("2026-12-06")), ActionState::Open);
        assert_eq!(action_state(d("2026-12-05"), false, d("2026-12-06")), ActionState::Overdue);
        assert_eq!(action_state(d("2026-12-05"), true, d("2026-12-06")), ActionState::Done);
    }

    #[test]
    fn completeness_names_the_missing_kinds_in_order() {
        let have = [PolicyKind::Accounts, PolicyKind::People, PolicyKind::OverallPlan];
        let missing = missing_kinds(&have);
        assert_eq!(missing.len(), 8);
        assert_eq!(missing[0], PolicyKind::Computers);
        assert!(!missing.contains(&PolicyKind::OverallPlan));
        assert!(missing_kinds(PolicyKind::ALL).is_empty());
    }

    #[test]
    fn data_requests_need_the_head_then_the_center() {
        use RequestState::*;
        assert_eq!(after_decision(PendingLeader, true), Some(PendingCenter));
        assert_eq!(after_decision(PendingCenter, true), Some(Approved));
        assert_eq!(after_decision(PendingLeader, false), Some(Refused));
        assert_eq!(after_decision(PendingCenter, false), Some(Refused));
        assert_eq!(after_decision(Approved, true), None);
        assert_eq!(after_decision(Refused, true), None);
        assert_eq!(approver(PendingLeader), Some(Approver::UnitLeader));
    }

    #[test]
    fn amounts_are_yuan_with_two_decimals() {
        assert_eq!(parse_amount("12000"), Some(1_200_000));
        assert_eq!(parse_amount("12,000.5"), Some(1_200_050));
        assert_eq!(parse_amount(" 0.05 "), Some(5));
        for bad in ["", "-1", "1.234", "1e5", "abc", ".5", "1.", "999999999999"] {
            assert_eq!(parse_amount(bad), None, "{bad}");
        }
        assert_eq!(parse_amount("1."), None);
        assert_eq!(format_amount(1_200_050), "12000.50");
        assert_eq!(format_amount(-5), "-0.05");
    }

    #[test]
    fn certificates_expire_and_are_reminded_sixty_days_before() {
        let today = d("2026-12-06");
        assert_eq!(certificate_state(None, today), CertificateState::Valid);
        assert_eq!(certificate_state(Some(d("2027-03-01")), today), CertificateState::Valid);
        assert_eq!(certificate_state(Some(d("2027-02-04")), today), CertificateState::Expiring);
        assert_eq!(certificate_state(Some(d("2026-12-05")), today), CertificateState::Expired);
    }

    #[test]
    fn training_hours_in_tenths() {
        assert_eq!(parse_hours("2"), Some(20));
        assert_eq!(parse_hours("1.5"), Some(15));
        assert_eq!(parse_hours("0.2"), None);
        assert_eq!(parse_hours("1.25"), None);
        assert_eq!(parse_hours("abc"), None);
        assert_eq!(format_hours(15), "1.5");
        assert_eq!(format_hours(20), "2");
    }
}
