//! Life-cycle gates of a system (§四(一)–(三) of the notice): no filing, no
//! go-live; graded at design time; protected before facing the internet;
//! filing cancelled before closing.

use serde::Serialize;

crate::closed_set! {
    /// Where a system is in its life.
    pub enum Stage {
        Planned = "planned",
        Building = "building",
        Online = "online",
        Offline = "offline",
        Closed = "closed",
        /// Set and lifted only by a shutdown order (关停).
        Shutdown = "shutdown",
    }
}

crate::closed_set! {
    /// What a system is (类型).
    pub enum SystemKind { Website = "website", Application = "application", Platform = "platform", Other = "other" }
}

crate::closed_set! {
    /// Where a system runs (托管方式).
    pub enum Hosting { Campus = "campus", Cloud = "cloud", Vendor = "vendor" }
}

crate::closed_set! {
    /// Public-security filing (公安备案) status.
    pub enum FilingStatus {
        NotFiled = "none",
        Filed = "filed",
        /// Domains, addresses or owner changed since filing.
        NeedsUpdate = "needs_update",
        Cancelled = "cancelled",
    }
}

crate::closed_set! {
    /// A protective measure (防护措施).
    pub enum ProtectionKind {
        Firewall = "firewall",
        TamperProtection = "tamper_protection",
        SecurityGateway = "security_gateway",
        Ips = "ips",
        AccessControl = "access_control",
        SecurityAudit = "security_audit",
    }
}

crate::closed_set! {
    /// Where a go-live request (上线申请) stands.
    pub enum GoLiveState { Pending = "pending", Approved = "approved", Refused = "refused" }
}

impl Stage {
    /// Stages whose sites the monitor leaves alone (not built yet, or gone).
    /// Monitored from building on; a closed system too, so the monitor can
    /// verify it is off the net (§三(三)).
    pub fn is_monitored(self) -> bool {
        !matches!(self, Stage::Planned)
    }

    /// Only a system still planned can be deleted (a mistaken entry); later ones are closed.
    pub fn may_be_deleted(self) -> bool {
        self == Stage::Planned
    }
}

/// What a caller may do next on a system (the buttons on its page; the API
/// returns the same), from the rules and the caller's permissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SystemActions {
    /// Edit the record, its filing, protections and MLPS, and move it through its stages.
    pub edit: bool,
    /// Go past failed gates with a written reason.
    pub override_gates: bool,
    /// Delete it (a mistaken entry, still planned).
    pub delete: bool,
    /// Going online takes a go-live request (上线申请) the center approves:
    /// the unit asks rather than moves.
    pub request_golive: bool,
}

pub fn actions(
    who: &crate::platform::access::Principal,
    unit_id: i64,
    stage: Stage,
    golive_approval: bool,
) -> SystemActions {
    use crate::platform::access::Permission;
    let edit = who.may(Permission::ManageSystems(unit_id));
    SystemActions {
        edit,
        override_gates: edit && who.may(Permission::OverrideGate),
        delete: edit && stage.may_be_deleted(),
        request_golive: edit
            && needs_golive_request(golive_approval, who.may(Permission::DecideEnforcement), Stage::Online),
    }
}

/// Issue 14 rule 6 (§四(一), 先备案后上线): with `[registry] golive_approval`,
/// a unit cannot move its system online itself; it asks, and the center
/// (who may decide) approves after checking the filing certificate.
pub fn needs_golive_request(golive_approval: bool, may_decide: bool, to: Stage) -> bool {
    golive_approval && to == Stage::Online && !may_decide
}

/// What a go-live request needs before it can be approved (besides the gates).
pub fn golive_missing(internet_facing: bool, has_certificate: bool) -> Option<&'static str> {
    (internet_facing && !has_certificate).then_some("certificate_required")
}

impl ProtectionKind {
    /// The measure as §四(二) of the notice names it, for documents.
    pub fn zh(self) -> &'static str {
        match self {
            ProtectionKind::Firewall => "防火墙",
            ProtectionKind::TamperProtection => "网页防篡改系统",
            ProtectionKind::SecurityGateway => "安全网关",
            ProtectionKind::Ips => "入侵防御系统",
            ProtectionKind::AccessControl => "网络安全准入管理及访问控制系统",
            ProtectionKind::SecurityAudit => "网络及数据安全审计系统",
        }
    }
}

impl FilingStatus {
    /// Anything was ever recorded about the filing (lists show it then).
    pub fn is_recorded(self) -> bool {
        self != FilingStatus::NotFiled
    }

    /// The filing must follow a change (变更备案): the unit is reminded until it does.
    pub fn must_update(self) -> bool {
        self == FilingStatus::NeedsUpdate
    }
}

/// Which protections a system must have before it faces the internet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatePolicy {
    /// Every internet-facing system.
    pub internet_facing: Vec<ProtectionKind>,
    /// Internet-facing websites, in addition.
    pub website: Vec<ProtectionKind>,
    /// Internet-facing systems of MLPS level 3 or more, in addition.
    pub level3: Vec<ProtectionKind>,
}

impl Default for GatePolicy {
    fn default() -> Self {
        GatePolicy {
            internet_facing: vec![ProtectionKind::Firewall],
            website: vec![ProtectionKind::TamperProtection],
            level3: vec![ProtectionKind::Ips, ProtectionKind::SecurityAudit],
        }
    }
}

impl GatePolicy {
    /// The protections required of a system with these traits, in a stable order.
    pub fn required(&self, kind: SystemKind, internet_facing: bool, level: Option<i32>) -> Vec<ProtectionKind> {
        if !internet_facing {
            return Vec::new();
        }
        let mut lists: Vec<&Vec<ProtectionKind>> = vec![&self.internet_facing];
        if kind == SystemKind::Website {
            lists.push(&self.website);
        }
        if level.unwrap_or(0) >= 3 {
            lists.push(&self.level3);
        }
        let mut out: Vec<ProtectionKind> = Vec::new();
        for p in lists.into_iter().flatten() {
            if !out.contains(p) {
                out.push(*p);
            }
        }
        out
    }
}

/// What the gates look at.
#[derive(Debug, Clone)]
pub struct SystemFacts {
    pub kind: SystemKind,
    pub stage: Stage,
    pub internet_facing: bool,
    pub filing_status: FilingStatus,
    /// The 公安备案号 (公网安备 number) is recorded: an ICP number alone is
    /// not the public-security filing (公安部令第33号).
    pub has_public_security_no: bool,
    pub mlps_level: Option<i32>,
    pub protections: Vec<ProtectionKind>,
    /// The owner unit has first, main and direct responsible persons.
    pub owner_has_responsibles: bool,
}

/// Why a transition is refused. `code()` is the stable word the API returns
/// (and what it serializes as).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The move itself is not a step of the life cycle.
    InvalidTransition,
    /// Only a shutdown order sets or lifts `shutdown`.
    ShutdownOrderOnly,
    Filing,
    /// Filed, but only with an ICP number: no 公安备案号.
    PublicSecurityNo,
    /// The unit asks the center to go online (a go-live request); it does not move itself.
    GoLiveRequest,
    MlpsLevel,
    Protection(ProtectionKind),
    Responsibilities,
    FilingNotCancelled,
}

impl Reason {
    pub fn code(&self) -> String {
        match self {
            Reason::InvalidTransition => "invalid_transition".into(),
            Reason::ShutdownOrderOnly => "shutdown_order_only".into(),
            Reason::Filing => "filing".into(),
            Reason::PublicSecurityNo => "public_security_no".into(),
            Reason::GoLiveRequest => "golive_request".into(),
            Reason::MlpsLevel => "mlps_level".into(),
            Reason::Protection(kind) => format!("protections:{kind}"),
            Reason::Responsibilities => "responsibilities".into(),
            Reason::FilingNotCancelled => "filing_not_cancelled".into(),
        }
    }

    /// The reason a code names (the inverse of `code`).
    pub fn parse(code: &str) -> Option<Reason> {
        Some(match code {
            "invalid_transition" => Reason::InvalidTransition,
            "shutdown_order_only" => Reason::ShutdownOrderOnly,
            "filing" => Reason::Filing,
            "public_security_no" => Reason::PublicSecurityNo,
            "golive_request" => Reason::GoLiveRequest,
            "mlps_level" => Reason::MlpsLevel,
            "responsibilities" => Reason::Responsibilities,
            "filing_not_cancelled" => Reason::FilingNotCancelled,
            other => Reason::Protection(ProtectionKind::parse(other.strip_prefix("protections:")?)?),
        })
    }

    /// Can an admin override this with a written reason? Not the shape of the life cycle.
    pub fn overridable(&self) -> bool {
        !matches!(self, Reason::InvalidTransition | Reason::ShutdownOrderOnly | Reason::GoLiveRequest)
    }
}

/// In the API document: the reason's code (`filing`, `protections:firewall`).
impl utoipa::PartialSchema for Reason {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^[a-z_]+(:[a-z_]+)?$"))
            .into()
    }
}

impl utoipa::ToSchema for Reason {}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

/// The steps of the life cycle (besides shutdown orders).
pub fn is_step(from: Stage, to: Stage) -> bool {
    use Stage::*;
    matches!(
        (from, to),
        (Planned, Building)
            | (Building, Online)
            | (Online, Offline)
            | (Offline, Online)
            | (Planned | Building | Offline, Closed)
    )
}

/// Every reason the move `facts.stage → to` is refused; empty when allowed.
pub fn check_transition(facts: &SystemFacts, to: Stage, policy: &GatePolicy) -> Vec<Reason> {
    if to == Stage::Shutdown || facts.stage == Stage::Shutdown {
        return vec![Reason::ShutdownOrderOnly];
    }
    if !is_step(facts.stage, to) {
        return vec![Reason::InvalidTransition];
    }
    let mut reasons = Vec::new();
    match to {
        Stage::Online if facts.internet_facing => {
            if facts.filing_status != FilingStatus::Filed {
                reasons.push(Reason::Filing);
            } else if !facts.has_public_security_no {
                // 公安部令第33号: the public-security filing is the one that counts;
                // the ICP number is recorded beside it.
                reasons.push(Reason::PublicSecurityNo);
            }
            if facts.mlps_level.is_none() {
                reasons.push(Reason::MlpsLevel);
            }
            for p in policy.required(facts.kind, true, facts.mlps_level) {
                if !facts.protections.contains(&p) {
                    reasons.push(Reason::Protection(p));
                }
            }
            if !facts.owner_has_responsibles {
                reasons.push(Reason::Responsibilities);
            }
        }
        // Graded at design time (§四(三)); intranet systems too before going live.
        Stage::Building | Stage::Online if facts.mlps_level.is_none() => reasons.push(Reason::MlpsLevel),
        // Nothing to cancel when the system was never filed.
        Stage::Closed if !matches!(facts.filing_status, FilingStatus::Cancelled | FilingStatus::NotFiled) => {
            reasons.push(Reason::FilingNotCancelled)
        }
        _ => {}
    }
    reasons
}

/// A filed system whose domains, addresses or owner change must update its filing.
pub fn filing_after_change(status: FilingStatus, identity_changed: bool) -> FilingStatus {
    if identity_changed && status == FilingStatus::Filed { FilingStatus::NeedsUpdate } else { status }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready() -> SystemFacts {
        SystemFacts {
            kind: SystemKind::Website,
            stage: Stage::Building,
            internet_facing: true,
            filing_status: FilingStatus::Filed,
            has_public_security_no: true,
            mlps_level: Some(2),
            protections: vec![ProtectionKind::Firewall, ProtectionKind::TamperProtection],
            owner_has_responsibles: true,
        }
    }

    fn codes(r: Vec<Reason>) -> Vec<String> {
        r.iter().map(Reason::code).collect()
    }

    #[test]
    fn a_ready_website_goes_online() {
        assert!(check_transition(&ready(), Stage::Online, &GatePolicy::default()).is_empty());
    }

    #[test]
    fn every_missing_condition_is_named() {
        let facts = SystemFacts {
            filing_status: FilingStatus::NotFiled,
            has_public_security_no: false,
            mlps_level: None,
            protections: vec![],
            owner_has_responsibles: false,
            ..ready()
        };
        assert_eq!(
            codes(check_transition(&facts, Stage::Online, &GatePolicy::default())),
            ["filing", "mlps_level", "protections:firewall", "protections:tamper_protection", "responsibilities"]
        );
    }

    /// 公安部令第33号 and §四(一) of the notice: an internet-facing system is filed
    /// with the public-security organ; an ICP number alone does not let it go online.
    #[test]
    fn an_icp_number_alone_is_not_the_public_security_filing() {
        let icp_only = SystemFacts { has_public_security_no: false, ..ready() };
        assert_eq!(codes(check_transition(&icp_only, Stage::Online, &GatePolicy::default())), ["public_security_no"]);
        let intranet = SystemFacts { internet_facing: false, ..icp_only };
        assert!(check_transition(&intranet, Stage::Online, &GatePolicy::default()).is_empty());
    }

    /// Issue 14 rule 6: the unit asks, the center decides; without the
    /// setting everyone who edits moves the stage as before.
    #[test]
    fn going_online_takes_the_centers_approval() {
        assert!(needs_golive_request(true, false, Stage::Online));
        assert!(!needs_golive_request(true, true, Stage::Online), "the center moves it itself");
        assert!(!needs_golive_request(true, false, Stage::Offline), "taking a system down needs nobody's leave");
        assert!(!needs_golive_request(false, false, Stage::Online));
        assert_eq!(golive_missing(true, false), Some("certificate_required"));
        assert_eq!(golive_missing(false, false), None, "intranet systems have no public-security filing");
        assert_eq!(golive_missing(true, true), None);
        assert!(!Reason::GoLiveRequest.overridable());
    }

    #[test]
    fn level_three_needs_ips_and_audit() {
        let facts = SystemFacts { mlps_level: Some(3), ..ready() };
        assert_eq!(
            codes(check_transition(&facts, Stage::Online, &GatePolicy::default())),
            ["protections:ips", "protections:security_audit"]
        );
        let app = SystemFacts {
            kind: SystemKind::Application,
            protections: vec![ProtectionKind::Firewall],
            mlps_level: Some(2),
            ..ready()
        };
        assert!(
            check_transition(&app, Stage::Online, &GatePolicy::default()).is_empty(),
            "no tamper protection needed"
        );
    }

    #[test]
    fn intranet_systems_only_need_a_level() {
        let facts = SystemFacts {
            internet_facing: false,
            filing_status: FilingStatus::NotFiled,
            has_public_security_no: false,
            protections: vec![],
            owner_has_responsibles: false,
            ..ready()
        };
        assert!(check_transition(&facts, Stage::Online, &GatePolicy::default()).is_empty());
        let ungraded = SystemFacts { mlps_level: None, ..facts };
        assert_eq!(codes(check_transition(&ungraded, Stage::Online, &GatePolicy::default())), ["mlps_level"]);
    }

    #[test]
    fn building_needs_a_level_and_closing_a_cancelled_filing() {
        let planned = SystemFacts { stage: Stage::Planned, mlps_level: None, ..ready() };
        assert_eq!(codes(check_transition(&planned, Stage::Building, &GatePolicy::default())), ["mlps_level"]);
        let offline = SystemFacts { stage: Stage::Offline, ..ready() };
        assert_eq!(codes(check_transition(&offline, Stage::Closed, &GatePolicy::default())), ["filing_not_cancelled"]);
        let cancelled = SystemFacts { filing_status: FilingStatus::Cancelled, ..offline.clone() };
        assert!(check_transition(&cancelled, Stage::Closed, &GatePolicy::default()).is_empty());
        let never_filed = SystemFacts { filing_status: FilingStatus::NotFiled, ..offline };
        assert!(check_transition(&never_filed, Stage::Closed, &GatePolicy::default()).is_empty());
    }

    #[test]
    fn the_life_cycle_has_a_shape() {
        let online = SystemFacts { stage: Stage::Online, ..ready() };
        assert_eq!(codes(check_transition(&online, Stage::Building, &GatePolicy::default())), ["invalid_transition"]);
        assert_eq!(codes(check_transition(&online, Stage::Closed, &GatePolicy::default())), ["invalid_transition"]);
        assert_eq!(codes(check_transition(&online, Stage::Shutdown, &GatePolicy::default())), ["shutdown_order_only"]);
        let shut = SystemFacts { stage: Stage::Shutdown, ..ready() };
        assert_eq!(codes(check_transition(&shut, Stage::Online, &GatePolicy::default())), ["shutdown_order_only"]);
        assert!(check_transition(&online, Stage::Offline, &GatePolicy::default()).is_empty());
        assert!(!Reason::InvalidTransition.overridable());
        assert!(!Reason::ShutdownOrderOnly.overridable());
        assert!(Reason::Filing.overridable());
    }

    #[test]
    fn the_policy_is_configurable() {
        let strict = GatePolicy {
            internet_facing: vec![ProtectionKind::Firewall, ProtectionKind::AccessControl],
            ..Default::default()
        };
        let facts =
            SystemFacts { kind: SystemKind::Application, protections: vec![ProtectionKind::Firewall], ..ready() };
        assert_eq!(codes(check_transition(&facts, Stage::Online, &strict)), ["protections:access_control"]);
    }

    #[test]
    fn each_caller_gets_the_buttons_of_its_role() {
        use crate::platform::access::{Principal, Role};
        let p = Principal::with_role;
        let none = SystemActions::default();
        let admin_of_3 = p(Role::UnitAdmin, Some(3));
        assert_eq!(actions(&admin_of_3, 3, Stage::Planned, false), SystemActions { edit: true, delete: true, ..none });
        assert_eq!(
            actions(&admin_of_3, 3, Stage::Online, false),
            SystemActions { edit: true, ..none },
            "only planned ones go"
        );
        assert_eq!(
            actions(&admin_of_3, 3, Stage::Building, true),
            SystemActions { edit: true, request_golive: true, ..none },
            "with golive_approval the unit asks"
        );
        assert_eq!(actions(&admin_of_3, 4, Stage::Planned, true), none, "another unit's");
        assert_eq!(actions(&p(Role::Leader, Some(3)), 3, Stage::Planned, true), none, "leaders read");
        let admin = p(Role::Admin, None);
        assert_eq!(
            actions(&admin, 4, Stage::Online, true),
            SystemActions { edit: true, override_gates: true, delete: false, request_golive: false },
            "the center decides itself"
        );
    }

    #[test]
    fn identity_changes_invalidate_a_filing() {
        use FilingStatus::*;
        assert_eq!(filing_after_change(Filed, true), NeedsUpdate);
        assert_eq!(filing_after_change(Filed, false), Filed);
        assert_eq!(filing_after_change(NotFiled, true), NotFiled);
        assert_eq!(filing_after_change(Cancelled, true), Cancelled);
    }

    #[test]
    fn reasons_read_back_from_their_codes() {
        let mut all = vec![
            Reason::InvalidTransition,
            Reason::ShutdownOrderOnly,
            Reason::Filing,
            Reason::PublicSecurityNo,
            Reason::GoLiveRequest,
            Reason::MlpsLevel,
            Reason::Responsibilities,
            Reason::FilingNotCancelled,
        ];
        all.extend(ProtectionKind::ALL.iter().map(|p| Reason::Protection(*p)));
        for r in all {
            assert_eq!(Reason::parse(&r.code()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.code()));
        }
        assert_eq!(Reason::Protection(ProtectionKind::Ips).code(), "protections:ips");
        assert_eq!(Reason::parse("protections:moat"), None);
        assert_eq!(Reason::parse("nothing"), None);
    }
}
