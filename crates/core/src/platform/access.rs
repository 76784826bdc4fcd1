//! Roles, the principal of a request, its read scope and its permissions.
//! Pure rules: the storage layer applies `Scope` inside the SQL `WHERE`.

use crate::platform::error::{CoreError, Result};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Officer,
    Reviewer,
    Leader,
    UnitAdmin,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 6] =
        [Role::Admin, Role::Officer, Role::Reviewer, Role::Leader, Role::UnitAdmin, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Reviewer => "reviewer",
            Role::Leader => "leader",
            Role::UnitAdmin => "unit_admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Unit roles are granted for one unit and see only that unit.
    pub fn is_unit_role(self) -> bool {
        matches!(self, Role::Leader | Role::UnitAdmin)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: Role,
    /// Set for unit roles only.
    pub unit_id: Option<i64>,
}

/// Who is acting, computed once per request.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub person_id: Option<i64>,
    pub locale: String,
    pub must_change_password: bool,
    /// Signed in with a second factor (the account's TOTP is on), or through
    /// the campus identity service: what `[signin] require_totp_for_admin` asks.
    pub second_factor: bool,
    pub grants: Vec<Grant>,
}

/// Which units' records a principal may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Units(Vec<i64>),
}

impl Scope {
    pub fn allows(&self, unit_id: i64) -> bool {
        match self {
            Scope::All => true,
            Scope::Units(ids) => ids.contains(&unit_id),
        }
    }
}

/// Things a principal may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create, edit, delete units.
    ManageUnits,
    /// Create and edit people of a unit.
    ManagePeople(i64),
    /// Appoint a unit's responsible persons.
    SetResponsibilities(i64),
    /// Edit the leadership group.
    ManageLeadership,
    /// Register and maintain a unit's information systems.
    ManageSystems(i64),
    /// Move a system past a failed gate, with a written reason.
    OverrideGate,
    /// Read the audit log.
    ReadAudit,
    /// Create accounts, grant roles, issue tokens for others.
    ManageUsers,
    /// Record notices and review rectification reports (the center).
    ManageNotices,
    /// Work a unit's rectification and write its report.
    WorkRectification(i64),
    /// Approve a unit's rectification report (its head).
    ApproveRectification(i64),
    /// Set a unit's notification channels.
    ManageUnitChannels(i64),
    /// Set the center's channels and read every delivery attempt.
    ManageDelivery,
    /// Add, pause, tune and remove monitors (the network center).
    ManageMonitors,
    /// Accept a monitored page's change as its new baseline (the center or the unit).
    AcceptBaseline(i64),
    /// Propose a violation (责任追究) against a unit: the center, and the
    /// reviewers (宣传部、保卫处), who also report `false_data`.
    ProposeViolation,
    /// Confirm or dismiss a proposed violation; issue a shutdown order or
    /// extend the deadline instead; approve a go-live request (the center).
    DecideEnforcement,
    /// Write checklists, launch and close campaigns, verify on site, open
    /// notices from findings (the center).
    ManageInspections,
    /// Answer a campaign for a unit's systems and submit it (its network admin).
    AnswerInspection(i64),
    /// Approve a unit's submission or send it back (its head).
    ApproveInspection(i64),
    /// Issue a notice of criticism (通报批评) for an uncorrected violation.
    IssueCriticism,
    /// Publish early warnings and data calls (the center).
    PublishWarnings,
    /// Acknowledge and answer a warning, fill a data call, for a unit (its network admin or head).
    AnswerForUnit(i64),
    /// Grade and close incidents, declare key periods (重保), keep the
    /// center's duty roster and approve its swaps (the center).
    ManageReadiness,
    /// Open an incident for a unit and record its steps, evidence and
    /// supplements (the center, the unit's network admin or head).
    WorkIncident(i64),
    /// Keep a unit's duty roster, write its handovers, acknowledge its
    /// alerts (the center, the unit's network admin or head).
    ManageDuty(i64),
    /// Approve a swap of a unit's duty shift (the center, the unit's head).
    ApproveSwap(i64),
    /// Keep a unit's registers: its emergency plan, drills, management
    /// rules, personal data, budget, training and certificates (the center,
    /// the unit's network admin or head).
    KeepRegisters(i64),
    /// Approve, as the unit's head, a request to provide personal data
    /// outside the university (the center decides after).
    ApproveDataRequest(i64),
}

impl Principal {
    /// The platform itself acting (command line, demo data): an admin with no account.
    pub fn system(name: &str) -> Principal {
        Principal {
            user_id: 0,
            username: name.to_owned(),
            person_id: None,
            locale: "zh-CN".into(),
            must_change_password: false,
            second_factor: false,
            grants: vec![Grant { role: Role::Admin, unit_id: None }],
        }
    }

    /// A signed-in user with one role (for the rules' unit tests).
    #[cfg(test)]
    pub(crate) fn with_role(role: Role, unit_id: Option<i64>) -> Principal {
        Principal { user_id: 1, username: "u".into(), grants: vec![Grant { role, unit_id }], ..Principal::system("u") }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    fn has_unit_role(&self, role: Role, unit_id: i64) -> bool {
        self.grants.iter().any(|g| g.role == role && g.unit_id == Some(unit_id))
    }

    /// Global roles read every unit; unit roles read their own units.
    pub fn scope(&self) -> Scope {
        if self.grants.iter().any(|g| !g.role.is_unit_role()) {
            return Scope::All;
        }
        let mut ids: Vec<i64> = self.grants.iter().filter_map(|g| g.unit_id).collect();
        ids.sort_unstable();
        ids.dedup();
        Scope::Units(ids)
    }

    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = Vec::new();
        for g in &self.grants {
            if !roles.contains(&g.role) {
                roles.push(g.role);
            }
        }
        roles
    }

    pub fn may(&self, permission: Permission) -> bool {
        let admin = self.has_role(Role::Admin);
        match permission {
            Permission::ManageUnits
            | Permission::ManageLeadership
            | Permission::ManageUsers
            | Permission::OverrideGate => admin,
            Permission::ManagePeople(unit) | Permission::ManageSystems(unit) => {
                admin || self.has_role(Role::Officer) || self.has_unit_role(Role::UnitAdmin, unit)
            }
            // The unit's head appoints them, or the center; not the unit's network admin.
            Permission::SetResponsibilities(unit) => {
                admin || self.has_role(Role::Officer) || self.has_unit_role(Role::Leader, unit)
            }
            Permission::ProposeViolation => admin || self.has_role(Role::Officer) || self.has_role(Role::Reviewer),
            Permission::DecideEnforcement => admin || self.has_role(Role::Officer),
            Permission::ReadAudit => admin || self.has_role(Role::Auditor),
            Permission::ManageNotices => admin || self.has_role(Role::Officer),
            Permission::WorkRectification(unit) => admin || self.has_unit_role(Role::UnitAdmin, unit),
            Permission::ApproveRectification(unit) => admin || self.has_unit_role(Role::Leader, unit),
            Permission::ManageUnitChannels(unit) => {
                admin || self.has_role(Role::Officer) || self.has_unit_role(Role::UnitAdmin, unit)
            }
            Permission::ManageDelivery => admin,
            Permission::ManageInspections => admin || self.has_role(Role::Officer),
            Permission::AnswerInspection(unit) => admin || self.has_unit_role(Role::UnitAdmin, unit),
            Permission::ApproveInspection(unit) => admin || self.has_unit_role(Role::Leader, unit),
            Permission::IssueCriticism => admin,
            Permission::PublishWarnings => admin || self.has_role(Role::Officer),
            Permission::AnswerForUnit(unit) => {
                admin || self.has_unit_role(Role::UnitAdmin, unit) || self.has_unit_role(Role::Leader, unit)
            }
            Permission::ManageMonitors => admin || self.has_role(Role::Officer),
            Permission::ManageReadiness => admin || self.has_role(Role::Officer),
            Permission::WorkIncident(unit) | Permission::ManageDuty(unit) | Permission::KeepRegisters(unit) => {
                admin
                    || self.has_role(Role::Officer)
                    || self.has_unit_role(Role::UnitAdmin, unit)
                    || self.has_unit_role(Role::Leader, unit)
            }
            Permission::ApproveDataRequest(unit) => admin || self.has_unit_role(Role::Leader, unit),
            Permission::ApproveSwap(unit) => {
                admin || self.has_role(Role::Officer) || self.has_unit_role(Role::Leader, unit)
            }
            Permission::AcceptBaseline(unit) => {
                admin || self.has_role(Role::Officer) || self.has_unit_role(Role::UnitAdmin, unit)
            }
        }
    }

    /// `Forbidden` when the principal can see the record but not do this.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.may(permission) { Ok(()) } else { Err(CoreError::Forbidden) }
    }

    /// `NotFound` when the unit is outside the principal's scope.
    pub fn require_visible(&self, unit_id: i64) -> Result<()> {
        if self.scope().allows(unit_id) { Ok(()) } else { Err(CoreError::NotFound) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(grants: &[(Role, Option<i64>)]) -> Principal {
        Principal {
            user_id: 1,
            username: "u".into(),
            person_id: None,
            locale: "zh-CN".into(),
            must_change_password: false,
            second_factor: false,
            grants: grants.iter().map(|&(role, unit_id)| Grant { role, unit_id }).collect(),
        }
    }

    #[test]
    fn unit_roles_see_only_their_units() {
        let p = principal(&[(Role::UnitAdmin, Some(3)), (Role::Leader, Some(5))]);
        assert_eq!(p.scope(), Scope::Units(vec![3, 5]));
        assert!(p.require_visible(3).is_ok());
        assert!(matches!(p.require_visible(4), Err(CoreError::NotFound)));
    }

    #[test]
    fn global_roles_see_everything() {
        for role in [Role::Admin, Role::Officer, Role::Reviewer, Role::Auditor] {
            assert_eq!(principal(&[(role, None)]).scope(), Scope::All, "{role:?}");
        }
        assert_eq!(principal(&[]).scope(), Scope::Units(vec![]));
    }

    #[test]
    fn permissions_follow_the_role_table() {
        let admin = principal(&[(Role::Admin, None)]);
        let officer = principal(&[(Role::Officer, None)]);
        let auditor = principal(&[(Role::Auditor, None)]);
        let reviewer = principal(&[(Role::Reviewer, None)]);
        let leader = principal(&[(Role::Leader, Some(3))]);
        let unit_admin = principal(&[(Role::UnitAdmin, Some(3))]);

        assert!(admin.may(Permission::ManageUnits));
        assert!(!officer.may(Permission::ManageUnits));
        assert!(officer.may(Permission::ManagePeople(9)));
        assert!(unit_admin.may(Permission::ManagePeople(3)));
        assert!(!unit_admin.may(Permission::ManagePeople(4)));
        // Issue 14 rule 6: the unit's leader (or the center) appoints, not its network admin.
        assert!(!unit_admin.may(Permission::SetResponsibilities(3)));
        assert!(leader.may(Permission::SetResponsibilities(3)) && !leader.may(Permission::SetResponsibilities(4)));
        assert!(officer.may(Permission::SetResponsibilities(4)));
        assert!(reviewer.may(Permission::ProposeViolation) && officer.may(Permission::ProposeViolation));
        assert!(!unit_admin.may(Permission::ProposeViolation) && !leader.may(Permission::ProposeViolation));
        assert!(officer.may(Permission::DecideEnforcement) && !reviewer.may(Permission::DecideEnforcement));
        assert!(!leader.may(Permission::ManagePeople(3)));
        assert!(!reviewer.may(Permission::ManagePeople(3)));
        assert!(auditor.may(Permission::ReadAudit));
        assert!(!auditor.may(Permission::ManagePeople(3)));
        assert!(!officer.may(Permission::ReadAudit));
        assert!(matches!(leader.require(Permission::ReadAudit), Err(CoreError::Forbidden)));
        assert!(unit_admin.may(Permission::ManageSystems(3)) && !unit_admin.may(Permission::ManageSystems(4)));
        assert!(officer.may(Permission::ManageSystems(4)) && !reviewer.may(Permission::ManageSystems(4)));
        assert!(admin.may(Permission::OverrideGate) && !officer.may(Permission::OverrideGate));
        assert!(officer.may(Permission::ManageNotices) && !unit_admin.may(Permission::ManageNotices));
        assert!(officer.may(Permission::ManageMonitors) && !unit_admin.may(Permission::ManageMonitors));
        assert!(!auditor.may(Permission::ManageMonitors) && !reviewer.may(Permission::ManageMonitors));
        assert!(unit_admin.may(Permission::AcceptBaseline(3)) && !unit_admin.may(Permission::AcceptBaseline(4)));
        assert!(officer.may(Permission::AcceptBaseline(4)) && !leader.may(Permission::AcceptBaseline(3)));
        assert!(!reviewer.may(Permission::ManageNotices) && !auditor.may(Permission::ManageNotices));
        assert!(unit_admin.may(Permission::WorkRectification(3)) && !unit_admin.may(Permission::WorkRectification(4)));
        assert!(!leader.may(Permission::WorkRectification(3)) && !officer.may(Permission::WorkRectification(3)));
        assert!(leader.may(Permission::ApproveRectification(3)) && !leader.may(Permission::ApproveRectification(4)));
        assert!(!unit_admin.may(Permission::ApproveRectification(3)));
        assert!(unit_admin.may(Permission::ManageUnitChannels(3)) && !leader.may(Permission::ManageUnitChannels(3)));
        assert!(admin.may(Permission::ManageDelivery) && !officer.may(Permission::ManageDelivery));
        assert!(officer.may(Permission::ManageReadiness) && !leader.may(Permission::ManageReadiness));
        assert!(unit_admin.may(Permission::WorkIncident(3)) && !unit_admin.may(Permission::WorkIncident(4)));
        assert!(leader.may(Permission::ManageDuty(3)) && !reviewer.may(Permission::ManageDuty(3)));
        assert!(leader.may(Permission::ApproveSwap(3)) && !unit_admin.may(Permission::ApproveSwap(3)));
        assert!(!auditor.may(Permission::WorkIncident(3)) && officer.may(Permission::ApproveSwap(4)));
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
