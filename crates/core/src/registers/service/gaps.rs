//! What each unit lacks across the registers, read at once: its emergency
//! plan (missing, or not reviewed within a year), a drill in the last twelve
//! months, improvement actions past their date, the kinds of management
//! rules, certificates of its security staff and this year's training. The
//! pages' flags and the scorecard's readiness factor both come from here.

use super::today;
use crate::accounts::entity::{role_grant, user};
use crate::directory::entity::{person, responsibility, unit};
use crate::platform::access::{Principal, Role};
use crate::platform::common::scope_condition;
use crate::platform::error::Result;
use crate::platform::store::Store;
use crate::registers::rules::{self, PlanStatus, PolicyKind};
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitGaps {
    pub unit: String,
    pub unit_name: String,
    pub plan: PlanStatus,
    pub last_drill: Option<NaiveDate>,
    /// No drill in the last twelve months.
    pub drill_due: bool,
    /// Improvement actions past their date.
    pub overdue_actions: u32,
    /// Kinds of management rules missing (of 11).
    pub policies_missing: u32,
    /// The unit's security staff: its direct responsible person and its network admins.
    pub staff: Vec<String>,
    /// Of them, those without a valid certificate.
    pub uncertified: Vec<String>,
    /// Of them, those who attended no training this year.
    pub untrained: Vec<String>,
    /// The unit's people on record, and how many of them attended no training this year.
    pub people: u32,
    pub people_untrained: u32,
    /// Something is lacking.
    pub flagged: bool,
}

/// One read of every register, per unit id.
pub(crate) struct Facts {
    pub plans: HashMap<i64, NaiveDate>,
    pub drills: HashMap<i64, NaiveDate>,
    pub actions: HashMap<i64, u32>,
    pub policies: HashMap<i64, Vec<(PolicyKind, Option<NaiveDate>)>>,
    /// Security staff per unit: (person id, name).
    pub staff: HashMap<i64, Vec<(i64, String)>>,
    pub certified: HashSet<i64>,
    pub trained: HashSet<i64>,
    /// The people of each unit.
    pub people: HashMap<i64, Vec<i64>>,
}

pub(crate) async fn facts<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> Result<Facts> {
    let plans = super::plans::latest_reviews(conn).await?.into_iter().filter_map(|(u, d)| Some((u?, d))).collect();
    let drills = super::drills::latest(conn).await?.into_iter().filter_map(|(u, d)| Some((u?, d))).collect();
    let actions = super::drills::overdue_actions(conn, today).await?;
    let policies = super::policies::kinds_by_unit(conn).await?;
    // Staff: the direct responsible person, and the people behind the unit's network-admin accounts.
    let mut members: Vec<(i64, i64)> = responsibility::Entity::find()
        .select_only()
        .columns([responsibility::Column::UnitId, responsibility::Column::PersonId])
        .filter(responsibility::Column::Kind.eq("direct"))
        .into_tuple()
        .all(conn)
        .await?;
    let admins: Vec<(i64, Option<i64>)> = role_grant::Entity::find()
        .select_only()
        .columns([role_grant::Column::UserId, role_grant::Column::UnitId])
        .filter(role_grant::Column::Role.eq(Role::UnitAdmin.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    let persons: HashMap<i64, Option<i64>> = user::Entity::find()
        .select_only()
        .columns([user::Column::Id, user::Column::PersonId])
        .filter(user::Column::Id.is_in(admins.iter().map(|a| a.0).collect::<Vec<_>>()))
        .filter(user::Column::Active.eq(true))
        .into_tuple::<(i64, Option<i64>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    for (uid, unit) in admins {
        if let (Some(unit), Some(Some(p))) = (unit, persons.get(&uid)) {
            members.push((unit, *p));
        }
    }
    let names: HashMap<i64, String> = person::Entity::find()
        .select_only()
        .columns([person::Column::Id, person::Column::Name])
        .filter(person::Column::Id.is_in(members.iter().map(|m| m.1).collect::<Vec<_>>()))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut staff: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    members.sort_unstable();
    members.dedup();
    for (u, p) in members {
        if let Some(n) = names.get(&p) {
            staff.entry(u).or_default().push((p, n.clone()));
        }
    }
    let certified = super::training::certified(conn, today).await?.into_iter().collect();
    let trained = super::training::trained_in(conn, chrono::Datelike::year(&today)).await?.into_iter().collect();
    let mut people: HashMap<i64, Vec<i64>> = HashMap::new();
    for (p, u) in person::Entity::find()
        .select_only()
        .columns([person::Column::Id, person::Column::UnitId])
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
    {
        people.entry(u).or_default().push(p);
    }
    Ok(Facts { plans, drills, actions, policies, staff, certified, trained, people })
}

impl Facts {
    pub(crate) fn of(&self, u: &unit::Model, today: NaiveDate) -> UnitGaps {
        let plan = match self.plans.get(&u.id) {
            None => PlanStatus::Missing,
            Some(d) if rules::review_overdue(*d, today) => PlanStatus::Overdue,
            Some(_) => PlanStatus::Current,
        };
        let last_drill = self.drills.get(&u.id).copied();
        let have: Vec<PolicyKind> =
            self.policies.get(&u.id).map(|v| v.iter().map(|k| k.0).collect()).unwrap_or_default();
        let staff = self.staff.get(&u.id).cloned().unwrap_or_default();
        let pick = |set: &HashSet<i64>| -> Vec<String> {
            staff.iter().filter(|(p, _)| !set.contains(p)).map(|(_, n)| n.clone()).collect()
        };
        let uncertified = pick(&self.certified);
        let untrained = pick(&self.trained);
        let drill_due = rules::drill_due(last_drill, today);
        let overdue_actions = self.actions.get(&u.id).copied().unwrap_or(0);
        let policies_missing = u32::try_from(rules::missing_kinds(&have).len()).unwrap_or(0);
        let members: &[i64] = self.people.get(&u.id).map_or(&[], |v| v);
        let people_untrained = u32::try_from(members.iter().filter(|p| !self.trained.contains(p)).count()).unwrap_or(0);
        UnitGaps {
            unit: u.code.clone(),
            unit_name: u.name.clone(),
            flagged: plan != PlanStatus::Current
                || drill_due
                || overdue_actions > 0
                || policies_missing > 0
                || staff.is_empty()
                || !uncertified.is_empty()
                || !untrained.is_empty(),
            plan,
            last_drill,
            drill_due,
            overdue_actions,
            policies_missing,
            staff: staff.into_iter().map(|s| s.1).collect(),
            uncertified,
            untrained,
            people: u32::try_from(members.len()).unwrap_or(0),
            people_untrained,
        }
    }

    /// The four readiness facts the scorecard counts for a unit: a current
    /// plan, a drill within the year, every kind of rule, trained and
    /// certified staff.
    pub(crate) fn scored(&self, u: &unit::Model, today: NaiveDate) -> [bool; 4] {
        let g = self.of(u, today);
        [
            g.plan == PlanStatus::Current,
            !g.drill_due && g.overdue_actions == 0,
            g.policies_missing == 0,
            !g.staff.is_empty() && g.uncertified.is_empty() && g.untrained.is_empty(),
        ]
    }
}

/// Every unit in scope and what it lacks, the flagged first.
pub async fn unit_gaps(store: &Store, who: &Principal) -> Result<Vec<UnitGaps>> {
    let conn = store.db();
    let today = today(store);
    let units = unit::Entity::find()
        .filter(scope_condition(&who.scope(), unit::Column::Id))
        .order_by_asc(unit::Column::Code)
        .all(conn)
        .await?;
    let f = facts(conn, today).await?;
    let mut out: Vec<UnitGaps> = units.iter().map(|u| f.of(u, today)).collect();
    out.sort_by(|a, b| b.flagged.cmp(&a.flagged).then(a.unit.cmp(&b.unit)));
    Ok(out)
}

/// For the scorecard: per unit, each readiness fact met or not.
pub async fn readiness_facts<C: ConnectionTrait>(store: &Store, conn: &C) -> Result<Vec<(i64, bool)>> {
    let today = today(store);
    let units = unit::Entity::find().all(conn).await?;
    let f = facts(conn, today).await?;
    Ok(units.iter().flat_map(|u| f.scored(u, today).into_iter().map(move |ok| (u.id, ok))).collect())
}
