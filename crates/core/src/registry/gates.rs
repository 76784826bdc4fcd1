//! Life-cycle gates of a system (§四(一)–(三) of the notice): no filing, no
//! go-live; graded at design time; protected before facing the internet;
//! filing cancelled before closing.

use serde::Serialize;

/// Where a system is in its life.
pub const STAGES: [&str; 6] = ["planned", "building", "online", "offline", "closed", "shutdown"];
pub const KINDS: [&str; 4] = ["website", "application", "platform", "other"];
pub const HOSTINGS: [&str; 3] = ["campus", "cloud", "vendor"];
pub const FILING_STATUSES: [&str; 4] = ["none", "filed", "needs_update", "cancelled"];
pub const PROTECTION_KINDS: [&str; 6] =
    ["firewall", "tamper_protection", "security_gateway", "ips", "access_control", "security_audit"];

/// Which protections a system must have before it faces the internet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatePolicy {
    /// Every internet-facing system.
    pub internet_facing: Vec<String>,
    /// Internet-facing websites, in addition.
    pub website: Vec<String>,
    /// Internet-facing systems of MLPS level 3 or more, in addition.
    pub level3: Vec<String>,
}

impl Default for GatePolicy {
    fn default() -> Self {
        GatePolicy {
            internet_facing: vec!["firewall".into()],
            website: vec!["tamper_protection".into()],
            level3: vec!["ips".into(), "security_audit".into()],
        }
    }
}

impl GatePolicy {
    /// The protections required of a system with these traits, in a stable order.
    pub fn required(&self, kind: &str, internet_facing: bool, level: Option<i32>) -> Vec<&str> {
        if !internet_facing {
            return Vec::new();
        }
        let mut lists: Vec<&Vec<String>> = vec![&self.internet_facing];
        if kind == "website" {
            lists.push(&self.website);
        }
        if level.unwrap_or(0) >= 3 {
            lists.push(&self.level3);
        }
        let mut out: Vec<&str> = Vec::new();
        for p in lists.into_iter().flatten() {
            if !out.contains(&p.as_str()) {
                out.push(p.as_str());
            }
        }
        out
    }
}

/// What the gates look at.
#[derive(Debug, Clone)]
pub struct SystemFacts<'a> {
    pub kind: &'a str,
    pub stage: &'a str,
    pub internet_facing: bool,
    pub filing_status: &'a str,
    pub mlps_level: Option<i32>,
    pub protections: Vec<&'a str>,
    /// The owner unit has first, main and direct responsible persons.
    pub owner_has_responsibles: bool,
}

/// Why a transition is refused. `code()` is the stable word the API returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Reason {
    /// The move itself is not a step of the life cycle.
    InvalidTransition,
    /// Only a shutdown order sets or lifts `shutdown`.
    ShutdownOrderOnly,
    Filing,
    MlpsLevel,
    Protection(String),
    Responsibilities,
    FilingNotCancelled,
}

impl Reason {
    pub fn code(&self) -> String {
        match self {
            Reason::InvalidTransition => "invalid_transition".into(),
            Reason::ShutdownOrderOnly => "shutdown_order_only".into(),
            Reason::Filing => "filing".into(),
            Reason::MlpsLevel => "mlps_level".into(),
            Reason::Protection(kind) => format!("protections:{kind}"),
            Reason::Responsibilities => "responsibilities".into(),
            Reason::FilingNotCancelled => "filing_not_cancelled".into(),
        }
    }

    /// Can an admin override this with a written reason? Not the shape of the life cycle.
    pub fn overridable(&self) -> bool {
        !matches!(self, Reason::InvalidTransition | Reason::ShutdownOrderOnly)
    }
}

/// The steps of the life cycle (besides shutdown orders).
pub fn is_step(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("planned", "building")
            | ("building", "online")
            | ("online", "offline")
            | ("offline", "online")
            | ("planned" | "building" | "offline", "closed")
    )
}

/// Every reason the move `facts.stage → to` is refused; empty when allowed.
pub fn check_transition(facts: &SystemFacts, to: &str, policy: &GatePolicy) -> Vec<Reason> {
    if to == "shutdown" || facts.stage == "shutdown" {
        return vec![Reason::ShutdownOrderOnly];
    }
    if !is_step(facts.stage, to) {
        return vec![Reason::InvalidTransition];
    }
    let mut reasons = Vec::new();
    match to {
        "online" if facts.internet_facing => {
            if facts.filing_status != "filed" {
                reasons.push(Reason::Filing);
            }
            if facts.mlps_level.is_none() {
                reasons.push(Reason::MlpsLevel);
            }
            for p in policy.required(facts.kind, true, facts.mlps_level) {
                if !facts.protections.contains(&p) {
                    reasons.push(Reason::Protection(p.to_owned()));
                }
            }
            if !facts.owner_has_responsibles {
                reasons.push(Reason::Responsibilities);
            }
        }
        // Graded at design time (§四(三)); intranet systems too before going live.
        "building" | "online" if facts.mlps_level.is_none() => reasons.push(Reason::MlpsLevel),
        // Nothing to cancel when the system was never filed.
        "closed" if !matches!(facts.filing_status, "cancelled" | "none") => reasons.push(Reason::FilingNotCancelled),
        _ => {}
    }
    reasons
}

/// A filed system whose domains, addresses or owner change must update its filing.
pub fn filing_after_change(status: &str, identity_changed: bool) -> &str {
    if identity_changed && status == "filed" { "needs_update" } else { status }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready<'a>() -> SystemFacts<'a> {
        SystemFacts {
            kind: "website",
            stage: "building",
            internet_facing: true,
            filing_status: "filed",
            mlps_level: Some(2),
            protections: vec!["firewall", "tamper_protection"],
            owner_has_responsibles: true,
        }
    }

    fn codes(r: Vec<Reason>) -> Vec<String> {
        r.iter().map(Reason::code).collect()
    }

    #[test]
    fn a_ready_website_goes_online() {
        assert!(check_transition(&ready(), "online", &GatePolicy::default()).is_empty());
    }

    #[test]
    fn every_missing_condition_is_named() {
        let facts = SystemFacts {
            filing_status: "none",
            mlps_level: None,
            protections: vec![],
            owner_has_responsibles: false,
            ..ready()
        };
        assert_eq!(
            codes(check_transition(&facts, "online", &GatePolicy::default())),
            ["filing", "mlps_level", "protections:firewall", "protections:tamper_protection", "responsibilities"]
        );
    }

    #[test]
    fn level_three_needs_ips_and_audit() {
        let facts = SystemFacts { mlps_level: Some(3), ..ready() };
        assert_eq!(
            codes(check_transition(&facts, "online", &GatePolicy::default())),
            ["protections:ips", "protections:security_audit"]
        );
        let app = SystemFacts { kind: "application", protections: vec!["firewall"], mlps_level: Some(2), ..ready() };
        assert!(check_transition(&app, "online", &GatePolicy::default()).is_empty(), "no tamper protection needed");
    }

    #[test]
    fn intranet_systems_only_need_a_level() {
        let facts = SystemFacts {
            internet_facing: false,
            filing_status: "none",
            protections: vec![],
            owner_has_responsibles: false,
            ..ready()
        };
        assert!(check_transition(&facts, "online", &GatePolicy::default()).is_empty());
        let ungraded = SystemFacts { mlps_level: None, ..facts };
        assert_eq!(codes(check_transition(&ungraded, "online", &GatePolicy::default())), ["mlps_level"]);
    }

    #[test]
    fn building_needs_a_level_and_closing_a_cancelled_filing() {
        let planned = SystemFacts { stage: "planned", mlps_level: None, ..ready() };
        assert_eq!(codes(check_transition(&planned, "building", &GatePolicy::default())), ["mlps_level"]);
        let offline = SystemFacts { stage: "offline", ..ready() };
        assert_eq!(codes(check_transition(&offline, "closed", &GatePolicy::default())), ["filing_not_cancelled"]);
        let cancelled = SystemFacts { filing_status: "cancelled", ..offline.clone() };
        assert!(check_transition(&cancelled, "closed", &GatePolicy::default()).is_empty());
        let never_filed = SystemFacts { filing_status: "none", ..offline };
        assert!(check_transition(&never_filed, "closed", &GatePolicy::default()).is_empty());
    }

    #[test]
    fn the_life_cycle_has_a_shape() {
        let online = SystemFacts { stage: "online", ..ready() };
        assert_eq!(codes(check_transition(&online, "building", &GatePolicy::default())), ["invalid_transition"]);
        assert_eq!(codes(check_transition(&online, "closed", &GatePolicy::default())), ["invalid_transition"]);
        assert_eq!(codes(check_transition(&online, "shutdown", &GatePolicy::default())), ["shutdown_order_only"]);
        let shut = SystemFacts { stage: "shutdown", ..ready() };
        assert_eq!(codes(check_transition(&shut, "online", &GatePolicy::default())), ["shutdown_order_only"]);
        assert!(check_transition(&online, "offline", &GatePolicy::default()).is_empty());
        assert!(!Reason::InvalidTransition.overridable());
        assert!(!Reason::ShutdownOrderOnly.overridable());
        assert!(Reason::Filing.overridable());
    }

    #[test]
    fn the_policy_is_configurable() {
        let strict =
            GatePolicy { internet_facing: vec!["firewall".into(), "access_control".into()], ..Default::default() };
        let facts = SystemFacts { kind: "application", protections: vec!["firewall"], ..ready() };
        assert_eq!(codes(check_transition(&facts, "online", &strict)), ["protections:access_control"]);
    }

    #[test]
    fn identity_changes_invalidate_a_filing() {
        assert_eq!(filing_after_change("filed", true), "needs_update");
        assert_eq!(filing_after_change("filed", false), "filed");
        assert_eq!(filing_after_change("none", true), "none");
        assert_eq!(filing_after_change("cancelled", true), "cancelled");
    }
}
