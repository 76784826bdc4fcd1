//! The rectification's states and who moves it between them:
//! `assigned` → `in_progress` → `report_submitted` (unit admin) → `approved`
//! (the unit's leader) → `closed` (the center accepts) or back to
//! `in_progress` (the center rejects, with a comment).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The unit starts work, or saves a draft of the report.
    Start,
    /// The unit files the report for its leader's approval.
    Submit,
    /// The unit's leader approves the report; it goes to the center.
    Approve,
    /// The center accepts the report: the rectification is closed.
    Accept,
    /// The center rejects the report: the unit works on.
    Reject,
}

/// The status after `action`, or `None` when the action does not apply in `status`.
pub fn next_status(status: &str, action: Action) -> Option<&'static str> {
    match (status, action) {
        ("assigned" | "in_progress", Action::Start) => Some("in_progress"),
        ("assigned" | "in_progress", Action::Submit) => Some("report_submitted"),
        ("report_submitted", Action::Approve) => Some("approved"),
        ("approved", Action::Accept) => Some("closed"),
        ("approved", Action::Reject) => Some("in_progress"),
        _ => None,
    }
}

/// Whether the escalation ladder runs in this status: it stops once the
/// unit's leader has sent the report to the center (the center's review
/// time is not the unit's delay) and resumes if the center rejects it.
pub fn ladder_runs(status: &str) -> bool {
    matches!(status, "assigned" | "in_progress" | "report_submitted")
}

/// Lifting a shutdown order: the stage the system returns to, or `None`
/// while it stays shut (another order still holds it, or it is not shut).
/// A system whose earlier stage is unknown returns to `offline`, never online.
pub fn stage_after_lift(stage: &str, stage_before: Option<&str>, other_orders_open: u64) -> Option<String> {
    if stage != "shutdown" || other_orders_open > 0 {
        return None;
    }
    Some(stage_before.filter(|s| !s.is_empty() && *s != "shutdown").unwrap_or("offline").to_owned())
}

/// The report's fields that must be filled before it is submitted.
pub const REQUIRED_REPORT_FIELDS: [&str; 4] = ["vulnerability", "cause", "measures", "verification"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path() {
        let mut s = "assigned";
        for (a, expect) in [
            (Action::Start, "in_progress"),
            (Action::Submit, "report_submitted"),
            (Action::Approve, "approved"),
            (Action::Accept, "closed"),
        ] {
            s = next_status(s, a).unwrap();
            assert_eq!(s, expect);
        }
    }

    #[test]
    fn a_rejected_report_goes_back_to_the_unit() {
        assert_eq!(next_status("approved", Action::Reject), Some("in_progress"));
        assert_eq!(next_status("in_progress", Action::Submit), Some("report_submitted"));
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        assert_eq!(next_status("assigned", Action::Approve), None);
        assert_eq!(next_status("report_submitted", Action::Accept), None);
        assert_eq!(next_status("in_progress", Action::Accept), None);
        assert_eq!(next_status("closed", Action::Start), None);
        assert_eq!(next_status("closed", Action::Reject), None);
        assert_eq!(next_status("report_submitted", Action::Submit), None);
        assert_eq!(next_status("approved", Action::Approve), None);
    }

    #[test]
    fn lifting_the_order_returns_the_system_where_it_was() {
        assert_eq!(stage_after_lift("shutdown", Some("online"), 0).as_deref(), Some("online"));
        assert_eq!(stage_after_lift("shutdown", Some("building"), 0).as_deref(), Some("building"));
        assert_eq!(stage_after_lift("shutdown", Some("online"), 1), None, "another order still holds it");
        assert_eq!(stage_after_lift("shutdown", None, 0).as_deref(), Some("offline"));
        assert_eq!(stage_after_lift("online", Some("online"), 0), None, "not shut");
    }

    #[test]
    fn the_ladder_stops_while_the_center_reviews() {
        assert!(ladder_runs("assigned"));
        assert!(ladder_runs("in_progress"));
        assert!(ladder_runs("report_submitted"));
        assert!(!ladder_runs("approved"));
        assert!(!ladder_runs("closed"));
    }
}
