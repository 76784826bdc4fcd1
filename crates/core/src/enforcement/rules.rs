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
        /// 发生重大及以上网络安全事件 (raised by the incident's grade).
        MajorIncident = "major_incident",
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
            ViolationCategory::MajorIncident => "发生重大网络安全事件",
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

crate::closed_set! {
    /// Where a violation stands against its correction deadline (a list filter).
    pub enum CorrectionFilter {
        /// Not yet corrected.
        Open = "open",
        Corrected = "corrected",
        /// Confirmed, past its deadline, no notice of criticism yet.
        CriticismDue = "criticism_due",
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

/// The rule-raised violations' settings (`[accountability]` in `wangan.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountabilityPolicy {
    /// Days from confirmation to the correction deadline (责令限期改正).
    pub correction_days: u32,
}

impl Default for AccountabilityPolicy {
    fn default() -> Self {
        AccountabilityPolicy { correction_days: 30 }
    }
}

/// The key of the fact a rule saw: one proposal per fact (`not_filed:system:12`).
pub fn rule_key(category: ViolationCategory, subject: &str, id: i64) -> String {
    format!("{category}:{subject}:{id}")
}

/// What the rules look at in a system.
#[derive(Debug, Clone)]
pub struct SystemFacts {
    pub stage: crate::registry::Stage,
    pub kind: crate::registry::SystemKind,
    pub internet_facing: bool,
    pub filing_status: crate::registry::FilingStatus,
    pub mlps_level: Option<i32>,
    pub protections: Vec<crate::registry::ProtectionKind>,
}

/// The behaviours of §三(四) a system's facts show, each with what was seen
/// (in Chinese, for the register): an internet-facing system online without
/// filing (一), or without a protection the policy requires (二), or
/// without an MLPS level (四). Systems not online show nothing.
pub fn system_violations(f: &SystemFacts, gates: &crate::registry::GatePolicy) -> Vec<(ViolationCategory, String)> {
    use crate::registry::{FilingStatus, Stage};
    let mut out = Vec::new();
    if f.stage != Stage::Online || !f.internet_facing {
        return out;
    }
    if matches!(f.filing_status, FilingStatus::NotFiled | FilingStatus::Cancelled) {
        out.push((ViolationCategory::NotFiled, "面向互联网的系统已上线，但未办理公安备案".to_owned()));
    }
    let missing: Vec<&str> = gates
        .required(f.kind, true, f.mlps_level)
        .into_iter()
        .filter(|p| !f.protections.contains(p))
        .map(|p| p.zh())
        .collect();
    if !missing.is_empty() {
        out.push((
            ViolationCategory::MeasuresMissing,
            format!("面向互联网的系统缺少必备的安全防护措施：{}", missing.join("、")),
        ));
    }
    if f.mlps_level.is_none() {
        out.push((ViolationCategory::NotGraded, "面向互联网的系统已上线，但未确定安全保护等级".to_owned()));
    }
    out
}

/// One fact a rule found, to be proposed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub key: String,
    pub unit_id: i64,
    pub category: ViolationCategory,
    pub system_id: Option<i64>,
    pub rectification_id: Option<i64>,
    pub description: String,
}

/// A violation a rule raised earlier and whose facts were not yet found corrected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub id: i64,
    pub key: String,
}

/// What a pass of the rules does: propose the facts no standing violation
/// covers (whatever its state: a dismissal is a person's judgement and is
/// not overturned by the next pass), and mark corrected the standing
/// violations whose facts are gone.
pub fn plan(facts: Vec<Fact>, standing: &[Standing]) -> (Vec<Fact>, Vec<i64>) {
    let keys: std::collections::HashSet<&str> = standing.iter().map(|s| s.key.as_str()).collect();
    let seen: std::collections::HashSet<String> = facts.iter().map(|f| f.key.clone()).collect();
    let mut proposed = std::collections::HashSet::new();
    let new = facts.into_iter().filter(|f| !keys.contains(f.key.as_str()) && proposed.insert(f.key.clone())).collect();
    let corrected = standing.iter().filter(|s| !seen.contains(&s.key)).map(|s| s.id).collect();
    (new, corrected)
}

/// A confirmed violation not corrected by its deadline escalates to a
/// notice of criticism (通报批评), which an admin issues once.
pub fn criticism_due(
    state: ViolationState,
    correct_by: Option<chrono::NaiveDate>,
    corrected: bool,
    criticized: bool,
    today: chrono::NaiveDate,
) -> bool {
    state == ViolationState::Confirmed && !corrected && !criticized && correct_by.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §三(四): the six behaviours (and a major incident, raised by its grade),
    /// and the rows of earlier releases mapped onto them.
    #[test]
    fn the_six_accountable_behaviours() {
        assert_eq!(ViolationCategory::ALL.len(), 7);
        let words: Vec<&str> = ViolationCategory::ALL.iter().map(|c| c.zh()).collect();
        assert_eq!(
            words,
            [
                "未按规定备案、审批",
                "未落实安全管理制度、措施",
                "未开展系统安全状况检查",
                "未开展信息安全等级评定",
                "拒不整改",
                "弄虚作假",
                "发生重大网络安全事件"
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

    fn facts() -> SystemFacts {
        use crate::registry::{FilingStatus, ProtectionKind, Stage, SystemKind};
        SystemFacts {
            stage: Stage::Online,
            kind: SystemKind::Website,
            internet_facing: true,
            filing_status: FilingStatus::Filed,
            mlps_level: Some(2),
            protections: vec![ProtectionKind::Firewall, ProtectionKind::TamperProtection],
        }
    }

    /// §三(四) 一、二、四: raised from the facts, not without them.
    #[test]
    fn system_facts_show_the_behaviours() {
        use crate::registry::{FilingStatus, GatePolicy, ProtectionKind, Stage};
        let gates = GatePolicy::default();
        assert!(system_violations(&facts(), &gates).is_empty(), "a filed, graded, protected site shows nothing");
        let unfiled = SystemFacts { filing_status: FilingStatus::NotFiled, ..facts() };
        let cats = |f: &SystemFacts| system_violations(f, &gates).into_iter().map(|(c, _)| c).collect::<Vec<_>>();
        assert_eq!(cats(&unfiled), [ViolationCategory::NotFiled]);
        assert_eq!(
            cats(&SystemFacts { filing_status: FilingStatus::Cancelled, ..facts() }),
            [ViolationCategory::NotFiled]
        );
        assert!(
            cats(&SystemFacts { filing_status: FilingStatus::NeedsUpdate, ..facts() }).is_empty(),
            "filed, to be updated: reminded, not a violation"
        );
        let bare = SystemFacts { protections: vec![ProtectionKind::Firewall], ..facts() };
        let v = system_violations(&bare, &gates);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].0, ViolationCategory::MeasuresMissing);
        assert!(v[0].1.contains(ProtectionKind::TamperProtection.zh()), "{}", v[0].1);
        let level3 = SystemFacts { mlps_level: Some(3), ..facts() };
        assert_eq!(cats(&level3), [ViolationCategory::MeasuresMissing], "level 3 needs IPS and audit too");
        let ungraded = SystemFacts { mlps_level: None, ..facts() };
        assert_eq!(cats(&ungraded), [ViolationCategory::NotGraded]);
        for quiet in [
            SystemFacts { internet_facing: false, mlps_level: None, filing_status: FilingStatus::NotFiled, ..facts() },
            SystemFacts { stage: Stage::Building, mlps_level: None, ..facts() },
            SystemFacts { stage: Stage::Offline, filing_status: FilingStatus::NotFiled, ..facts() },
        ] {
            assert!(system_violations(&quiet, &gates).is_empty(), "{quiet:?}");
        }
    }

    fn fact(key: &str) -> Fact {
        Fact {
            key: key.into(),
            unit_id: 1,
            category: ViolationCategory::NotFiled,
            system_id: None,
            rectification_id: None,
            description: String::new(),
        }
    }

    /// One proposal per fact; a second pass adds nothing; gone facts are corrected.
    #[test]
    fn a_pass_proposes_new_facts_once_and_corrects_gone_ones() {
        let standing = [Standing { id: 7, key: "a".into() }, Standing { id: 8, key: "b".into() }];
        let (new, corrected) = plan(vec![fact("a"), fact("c"), fact("c")], &standing);
        assert_eq!(new.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), ["c"]);
        assert_eq!(corrected, [8]);
        let (new, corrected) = plan(vec![fact("a"), fact("b")], &standing);
        assert!(new.is_empty() && corrected.is_empty());
        assert_eq!(rule_key(ViolationCategory::NotGraded, "system", 12), "not_graded:system:12");
    }

    /// §三(四): 责令限期改正; uncorrected, 通报批评.
    #[test]
    fn uncorrected_confirmed_violations_escalate_to_criticism() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let by = Some(d("2026-12-01"));
        assert!(criticism_due(ViolationState::Confirmed, by, false, false, d("2026-12-02")));
        assert!(
            !criticism_due(ViolationState::Confirmed, by, false, false, d("2026-12-01")),
            "the last day still counts"
        );
        assert!(!criticism_due(ViolationState::Confirmed, by, true, false, d("2026-12-02")));
        assert!(!criticism_due(ViolationState::Confirmed, by, false, true, d("2026-12-02")), "issued once");
        assert!(!criticism_due(ViolationState::Proposed, by, false, false, d("2026-12-02")));
        assert!(!criticism_due(ViolationState::Confirmed, None, false, false, d("2026-12-02")));
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
