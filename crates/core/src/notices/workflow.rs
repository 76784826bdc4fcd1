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
    fn the_ladder_stops_while_the_center_reviews() {
        assert!(ladder_runs("assigned"));
        assert!(ladder_runs("in_progress"));
        assert!(ladder_runs("report_submitted"));
        assert!(!ladder_runs("approved"));
        assert!(!ladder_runs("closed"));
    }
}
