//! Enforcement's words and rules: the six accountable behaviours of §三(四)
//! of the notice, how a violation is decided, and who takes a system offline
//! after a missed deadline (`[notices] shutdown`). Pure.

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

/// The monitor verifies that a system under a shutdown order, or closed,
/// is off the net (§三(三): 关停): its monitors keep checking it.
pub fn must_be_offline(stage: crate::registry::Stage) -> bool {
    use crate::registry::Stage;
    matches!(stage, Stage::Shutdown | Stage::Closed)
}

/// The registry says the system is off the net (taken offline by its unit,
/// shut down by order, or closed): its silence raises no "down" alarm.
pub fn meant_to_be_down(stage: crate::registry::Stage) -> bool {
    use crate::registry::Stage;
    matches!(stage, Stage::Offline | Stage::Shutdown | Stage::Closed)
}

/// A site "still answers with content" when it serves a page (2xx); an
/// error, a refusal or no answer at all counts as off the net.
pub fn answers_with_content(status: Option<u16>) -> bool {
    status.is_some_and(|s| (200..300).contains(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// §三(三) of the notice (关停): what the monitor must see of a system under an order.
    #[test]
    fn systems_under_an_order_are_verified_offline() {
        use crate::registry::Stage;
        assert!(must_be_offline(Stage::Shutdown));
        assert!(must_be_offline(Stage::Closed));
        assert!(!must_be_offline(Stage::Offline), "a unit repairing offline is reminded, not verified");
        assert!(meant_to_be_down(Stage::Offline), "but its silence is no alarm");
        assert!(meant_to_be_down(Stage::Shutdown) && meant_to_be_down(Stage::Closed));
        assert!(!meant_to_be_down(Stage::Online) && !meant_to_be_down(Stage::Building));
        assert!(!must_be_offline(Stage::Online));
        assert!(answers_with_content(Some(200)));
        assert!(!answers_with_content(Some(503)), "a maintenance error page is off the net");
        assert!(!answers_with_content(Some(302)));
        assert!(!answers_with_content(None));
    }
}
