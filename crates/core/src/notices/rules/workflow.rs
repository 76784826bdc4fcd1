//! The rectification's states and who moves it between them:
//! `assigned` → `in_progress` → `report_submitted` (unit admin) → `approved`
//! (the unit's leader) → `closed` (the center accepts) or back to
//! `in_progress` (the center rejects, with a comment).

use super::RectificationStatus as S;
use crate::platform::access::{Permission, Principal};
use crate::registry::Stage;
use serde::Serialize;

crate::closed_set! {
    /// The center's decision on a submitted rectification report.
    pub enum ReviewDecision {
        /// Accepted: the rectification closes (and any shutdown order lifts).
        Accept = "accept",
        /// Rejected: back to the unit, with the reason in the comment.
        Reject = "reject",
    }
}

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
pub fn next_status(status: S, action: Action) -> Option<S> {
    match (status, action) {
        (S::Assigned | S::InProgress, Action::Start) => Some(S::InProgress),
        (S::Assigned | S::InProgress, Action::Submit) => Some(S::ReportSubmitted),
        (S::ReportSubmitted, Action::Approve) => Some(S::Approved),
        (S::Approved, Action::Accept) => Some(S::Closed),
        (S::Approved, Action::Reject) => Some(S::InProgress),
        _ => None,
    }
}

/// Whether the escalation ladder runs in this status: it stops once the
/// unit's leader has sent the report to the center (the center's review
/// time is not the unit's delay) and resumes if the center rejects it.
pub fn ladder_runs(status: S) -> bool {
    matches!(status, S::Assigned | S::InProgress | S::ReportSubmitted)
}

/// What a person may do next on one rectification of unit `unit_id`: the
/// buttons of its page and the links of its API detail.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = RectificationActions)]
pub struct Actions {
    /// Write or save the report, or submit it (the unit's administrator).
    pub work: bool,
    /// Approve the submitted report (the unit's leader).
    pub approve: bool,
    /// Accept or reject the approved report (the center).
    pub review: bool,
}

pub fn actions(status: S, who: &Principal, unit_id: i64) -> Actions {
    let allowed = |a: Action| next_status(status, a).is_some();
    Actions {
        work: who.may(Permission::WorkRectification(unit_id)) && allowed(Action::Submit),
        approve: who.may(Permission::ApproveRectification(unit_id)) && allowed(Action::Approve),
        review: who.may(Permission::ManageNotices) && allowed(Action::Accept),
    }
}

/// Lifting a shutdown order: the stage the system returns to, or `None`
/// while it stays shut (another order still holds it, or it is not shut).
/// A system whose earlier stage is unknown returns to `offline`, never online.
pub fn stage_after_lift(stage: Stage, stage_before: Option<Stage>, other_orders_open: u64) -> Option<Stage> {
    if stage != Stage::Shutdown || other_orders_open > 0 {
        return None;
    }
    Some(stage_before.filter(|s| *s != Stage::Shutdown).unwrap_or(Stage::Offline))
}

/// The report's fields that must be filled before it is submitted.
pub const REQUIRED_REPORT_FIELDS: [&str; 4] = ["vulnerability", "cause", "measures", "verification"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_happy_path() {
        let mut s = S::Assigned;
        for (a, expect) in [
            (Action::Start, S::InProgress),
            (Action::Submit, S::ReportSubmitted),
            (Action::Approve, S::Approved),
            (Action::Accept, S::Closed),
        ] {
            s = next_status(s, a).unwrap();
            assert_eq!(s, expect);
        }
    }

    #[test]
    fn a_rejected_report_goes_back_to_the_unit() {
        assert_eq!(next_status(S::Approved, Action::Reject), Some(S::InProgress));
        assert_eq!(next_status(S::InProgress, Action::Submit), Some(S::ReportSubmitted));
    }

    #[test]
    fn steps_out_of_order_are_refused() {
        assert_eq!(next_status(S::Assigned, Action::Approve), None);
        assert_eq!(next_status(S::ReportSubmitted, Action::Accept), None);
        assert_eq!(next_status(S::InProgress, Action::Accept), None);
        assert_eq!(next_status(S::Closed, Action::Start), None);
        assert_eq!(next_status(S::Closed, Action::Reject), None);
        assert_eq!(next_status(S::ReportSubmitted, Action::Submit), None);
        assert_eq!(next_status(S::Approved, Action::Approve), None);
    }

    #[test]
    fn lifting_the_order_returns_the_system_where_it_was() {
        use Stage::*;
        assert_eq!(stage_after_lift(Shutdown, Some(Online), 0), Some(Online));
        assert_eq!(stage_after_lift(Shutdown, Some(Building), 0), Some(Building));
        assert_eq!(stage_after_lift(Shutdown, Some(Online), 1), None, "another order still holds it");
        assert_eq!(stage_after_lift(Shutdown, None, 0), Some(Offline));
        assert_eq!(stage_after_lift(Shutdown, Some(Shutdown), 0), Some(Offline));
        assert_eq!(stage_after_lift(Online, Some(Online), 0), None, "not shut");
    }

    #[test]
    fn each_role_gets_the_buttons_of_its_step() {
        use crate::platform::access::Role;
        let p = Principal::with_role;
        let admin_of_3 = p(Role::UnitAdmin, Some(3));
        let leader_of_3 = p(Role::Leader, Some(3));
        let officer = p(Role::Officer, None);
        let none = Actions::default();
        assert_eq!(actions(S::Assigned, &admin_of_3, 3), Actions { work: true, ..none });
        assert_eq!(actions(S::InProgress, &admin_of_3, 3), Actions { work: true, ..none });
        assert_eq!(actions(S::InProgress, &admin_of_3, 4), none, "another unit's");
        assert_eq!(actions(S::ReportSubmitted, &admin_of_3, 3), none, "filed: the unit waits");
        assert_eq!(actions(S::ReportSubmitted, &leader_of_3, 3), Actions { approve: true, ..none });
        assert_eq!(actions(S::ReportSubmitted, &officer, 3), none, "not before the leader approved");
        assert_eq!(actions(S::Approved, &officer, 3), Actions { review: true, ..none });
        assert_eq!(actions(S::Approved, &leader_of_3, 3), none);
        for who in [&admin_of_3, &leader_of_3, &officer, &p(Role::Auditor, None), &p(Role::Reviewer, None)] {
            assert_eq!(actions(S::Closed, who, 3), none, "nothing moves a closed one");
        }
    }

    #[test]
    fn the_ladder_stops_while_the_center_reviews() {
        assert!(ladder_runs(S::Assigned));
        assert!(ladder_runs(S::InProgress));
        assert!(ladder_runs(S::ReportSubmitted));
        assert!(!ladder_runs(S::Approved));
        assert!(!ladder_runs(S::Closed));
    }
}
