//! Scores of the units in scope, from a handful of grouped queries (one
//! pass over the registry, not one query per unit), the monthly record and
//! the trend.

use crate::directory::entity::{responsibility, unit};
use crate::inspections::SubmissionState;
use crate::inspections::entity::{campaign, campaign_unit};
use crate::notices::ViolationState;
use crate::notices::entity::{rectification, violation};
use crate::platform::access::Principal;
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, Result};
use crate::platform::store::Store;
use crate::registry::entity::{protection, system};
use crate::registry::{FilingStatus, Stage};
use crate::scorecard::entity::unit_score;
use crate::scorecard::rules::{self, Count, Factor, Scorecard};
use chrono::{Datelike, Duration};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, sea_query::OnConflict};
use serde::Serialize;
use std::collections::HashMap;

/// A unit's score, with its breakdown.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitScore {
    pub unit: String,
    pub unit_name: String,
    pub score: u32,
    /// Place in the ranking of the units computed together (1 = best).
    pub rank: u32,
    pub factors: Vec<rules::FactorScore>,
}

/// A unit's score at the end of a month (or as last computed in it).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MonthScore {
    /// `YYYY-MM`.
    pub month: String,
    pub score: i32,
}

type Counts = HashMap<i64, [Count; 10]>;

fn idx(f: Factor) -> usize {
    Factor::ALL.iter().position(|x| *x == f).unwrap_or(0)
}

fn bump(counts: &mut Counts, unit: i64, f: Factor, good: bool) {
    let c = &mut counts.entry(unit).or_insert([Count::default(); 10])[idx(f)];
    c.total += 1;
    if good {
        c.good += 1;
    }
}

/// The counts behind every unit's score (units in `ids`, or all when `None`).
async fn counts(store: &Store, ids: Option<&[i64]>) -> Result<Counts> {
    let conn = store.db();
    let now = store.now();
    let today = now.with_timezone(&store.notice_policy().time_zone).date_naive();
    let gates = &store.registry_policy().gates;
    let in_units = |col: unit::Column| match ids {
        Some(ids) => scope_condition(&crate::Scope::Units(ids.to_vec()), col),
        None => sea_orm::Condition::all(),
    };
    let mut counts: Counts = HashMap::new();

    // Responsible persons: three kinds named.
    let mut named: HashMap<i64, std::collections::HashSet<String>> = HashMap::new();
    let resp = responsibility::Entity::find()
        .select_only()
        .columns([responsibility::Column::UnitId, responsibility::Column::Kind])
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?;
    for (u, kind) in resp {
        named.entry(u).or_default().insert(kind);
    }
    let units: Vec<i64> = unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .filter(in_units(unit::Column::Id))
        .into_tuple::<i64>()
        .all(conn)
        .await?;
    for u in &units {
        counts.entry(*u).or_insert([Count::default(); 10]);
        let have = named.get(u);
        for kind in ["first", "main", "direct"] {
            bump(&mut counts, *u, Factor::Responsibles, have.is_some_and(|k| k.contains(kind)));
        }
    }
    let wanted = |u: &i64| counts_has(ids, *u);

    // The registry.
    let mut protections: HashMap<i64, Vec<crate::registry::ProtectionKind>> = HashMap::new();
    for (sid, kind) in protection::Entity::find()
        .select_only()
        .columns([protection::Column::SystemId, protection::Column::Kind])
        .into_tuple::<(i64, crate::registry::ProtectionKind)>()
        .all(conn)
        .await?
    {
        protections.entry(sid).or_default().push(kind);
    }
    let systems = system::Entity::find()
        .select_only()
        .columns([
            system::Column::Id,
            system::Column::UnitId,
            system::Column::Stage,
            system::Column::Kind,
            system::Column::InternetFacing,
            system::Column::FilingStatus,
            system::Column::MlpsLevel,
            system::Column::EvaluationDueOn,
        ])
        .filter(system::Column::Stage.is_in([Stage::Building, Stage::Online, Stage::Offline, Stage::Shutdown]))
        .into_tuple::<(
            i64,
            i64,
            Stage,
            crate::registry::SystemKind,
            bool,
            FilingStatus,
            Option<i32>,
            Option<chrono::NaiveDate>,
        )>()
        .all(conn)
        .await?;
    for (id, u, stage, kind, internet, filing, level, eval_due) in systems {
        if !wanted(&u) {
            continue;
        }
        bump(&mut counts, u, Factor::Graded, level.is_some());
        if stage == Stage::Online && internet {
            bump(&mut counts, u, Factor::Filed, matches!(filing, FilingStatus::Filed | FilingStatus::NeedsUpdate));
            let have = protections.get(&id);
            let ok = gates.required(kind, true, level).iter().all(|p| have.is_some_and(|h| h.contains(p)));
            bump(&mut counts, u, Factor::Protections, ok);
        }
        if level.unwrap_or(0) >= 2 {
            bump(&mut counts, u, Factor::Evaluations, eval_due.is_some_and(|d| d >= today));
        }
    }

    // Rectifications of the last 12 months.
    let since = now - Duration::days(365);
    let rects = rectification::Entity::find()
        .select_only()
        .columns([rectification::Column::UnitId, rectification::Column::Deadline, rectification::Column::ClosedAt])
        .filter(rectification::Column::AssignedAt.gte(since))
        .into_tuple::<(i64, chrono::DateTime<chrono::Utc>, Option<chrono::DateTime<chrono::Utc>>)>()
        .all(conn)
        .await?;
    for (u, deadline, closed_at) in rects {
        if wanted(&u) {
            let on_time = match closed_at {
                Some(c) => c <= deadline,
                None => now <= deadline,
            };
            bump(&mut counts, u, Factor::Rectifications, on_time);
        }
    }

    // Campaigns due in the last 12 months (or approved before their due date).
    let campaigns: HashMap<i64, chrono::NaiveDate> = campaign::Entity::find()
        .select_only()
        .columns([campaign::Column::Id, campaign::Column::DueOn])
        .filter(campaign::Column::DueOn.gte(today - Duration::days(365)))
        .into_tuple::<(i64, chrono::NaiveDate)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if !campaigns.is_empty() {
        let parts = campaign_unit::Entity::find()
            .filter(campaign_unit::Column::CampaignId.is_in(campaigns.keys().copied()))
            .all(conn)
            .await?;
        let tz = store.notice_policy().time_zone;
        for p in parts {
            let Some(due) = campaigns.get(&p.campaign_id) else { continue };
            if !wanted(&p.unit_id) {
                continue;
            }
            let approved_in_time = p.state == SubmissionState::Approved
                && p.approved_at.is_some_and(|t| t.with_timezone(&tz).date_naive() <= *due);
            // A running campaign counts once it is due, or once the unit is done with it.
            if *due < today || p.state == SubmissionState::Approved {
                bump(&mut counts, p.unit_id, Factor::Inspections, approved_in_time);
            }
        }
    }

    // Warnings acknowledged by their deadline.
    for (u, on_time) in crate::warnings::service::warnings::acknowledged_on_time(conn, now).await? {
        if wanted(&u) {
            bump(&mut counts, u, Factor::Warnings, on_time);
        }
    }

    // Readiness: key-period days reported by the hour, incident reports within their targets.
    for (u, on_time) in crate::key_periods::service::reports_on_time(store, conn, today).await? {
        if wanted(&u) {
            bump(&mut counts, u, Factor::Readiness, on_time);
        }
    }
    for (u, on_time) in crate::incidents::service::incidents::reported_on_time(store, conn, now).await? {
        if wanted(&u) {
            bump(&mut counts, u, Factor::Readiness, on_time);
        }
    }
    // …and the registers: a current emergency plan, a drill within the year
    // with its actions on time, every kind of management rule, staff
    // certified and trained this year.
    for (u, ok) in crate::registers::service::gaps::readiness_facts(store, conn).await? {
        if wanted(&u) {
            bump(&mut counts, u, Factor::Readiness, ok);
        }
    }
    // …and the whole site: sites kept up (no zombie site or column), 双非 sites decided.
    for (u, ok) in crate::sites::service::scorecard_facts(store, conn).await? {
        if wanted(&u) {
            bump(&mut counts, u, Factor::Readiness, ok);
        }
    }

    // Open violations: confirmed and not corrected.
    for u in violation::Entity::find()
        .select_only()
        .column(violation::Column::UnitId)
        .filter(violation::Column::State.eq(ViolationState::Confirmed))
        .filter(violation::Column::CorrectedAt.is_null())
        .into_tuple::<i64>()
        .all(conn)
        .await?
    {
        if wanted(&u) {
            bump(&mut counts, u, Factor::Violations, false);
        }
    }
    counts.retain(|u, _| units.contains(u));
    Ok(counts)
}

fn counts_has(ids: Option<&[i64]>, u: i64) -> bool {
    ids.is_none_or(|ids| ids.contains(&u))
}

fn card(c: &[Count; 10], w: &rules::ScoreWeights) -> Scorecard {
    let counts: Vec<(Factor, Count)> = Factor::ALL.iter().copied().zip(c.iter().copied()).collect();
    rules::score(&counts, w)
}

/// Every unit in scope, best first (ties by code); the rank is among all units.
pub async fn ranking(store: &Store, who: &Principal) -> Result<Vec<UnitScore>> {
    let counts = counts(store, None).await?;
    let units = crate::directory::service::units::by_ids(store.db(), counts.keys().copied()).await?;
    let w = store.score_weights();
    let mut out: Vec<UnitScore> = counts
        .iter()
        .filter_map(|(u, c)| {
            let unit = units.get(u)?;
            let s = card(c, w);
            Some(UnitScore {
                unit: unit.code.clone(),
                unit_name: unit.name.clone(),
                score: s.score,
                rank: 0,
                factors: s.factors,
            })
        })
        .collect();
    out.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.unit.cmp(&b.unit)));
    let mut rank = 0;
    let mut last = None;
    for (i, s) in out.iter_mut().enumerate() {
        if last != Some(s.score) {
            rank = u32::try_from(i).unwrap_or(u32::MAX).saturating_add(1);
            last = Some(s.score);
        }
        s.rank = rank;
    }
    let scope = who.scope();
    let code_ids: HashMap<&str, i64> = units.values().map(|u| (u.code.as_str(), u.id)).collect();
    out.retain(|s| code_ids.get(s.unit.as_str()).is_some_and(|id| scope.allows(*id)));
    Ok(out)
}

/// One unit's score (its rank among all units).
pub async fn unit_score(store: &Store, who: &Principal, code: &str) -> Result<UnitScore> {
    let u = crate::directory::service::units::find_visible(store.db(), who, code).await?;
    let all = ranking(store, who).await?;
    all.into_iter().find(|s| s.unit == u.code).ok_or(CoreError::NotFound)
}

/// The unit's monthly record, oldest first (the last 12 months).
pub async fn trend(store: &Store, who: &Principal, code: &str) -> Result<Vec<MonthScore>> {
    let u = crate::directory::service::units::find_visible(store.db(), who, code).await?;
    let mut rows = unit_score::Entity::find()
        .filter(unit_score::Column::UnitId.eq(u.id))
        .order_by_desc(unit_score::Column::Month)
        .limit(12)
        .all(store.db())
        .await?;
    rows.reverse();
    Ok(rows.into_iter().map(|r| MonthScore { month: r.month, score: r.score }).collect())
}

/// Monthly averages of every unit in scope, oldest first (the last 12 months).
pub async fn monthly_average(store: &Store, who: &Principal) -> Result<Vec<MonthScore>> {
    let local = store.now().with_timezone(&store.notice_policy().time_zone);
    let from = local.date_naive() - Duration::days(366);
    let first = format!("{:04}-{:02}", from.year(), from.month());
    let rows = unit_score::Entity::find()
        .select_only()
        .columns([unit_score::Column::Month, unit_score::Column::Score])
        .filter(scope_condition(&who.scope(), unit_score::Column::UnitId))
        .filter(unit_score::Column::Month.gt(first))
        .into_tuple::<(String, i32)>()
        .all(store.db())
        .await?;
    let mut by_month: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (m, s) in rows {
        let e = by_month.entry(m).or_default();
        e.0 += i64::from(s);
        e.1 += 1;
    }
    Ok(by_month
        .into_iter()
        .map(|(month, (total, n))| MonthScore { month, score: i32::try_from((total + n / 2) / n).unwrap_or(0) })
        .collect())
}

/// Record this month's score of every unit (the daily job; the month's last run stands).
pub async fn record_month(store: &Store) -> Result<usize> {
    let all = ranking(store, &Principal::system("scorecard")).await?;
    let now = store.now();
    let local = now.with_timezone(&store.notice_policy().time_zone);
    let month = format!("{:04}-{:02}", local.year(), local.month());
    let units: HashMap<String, i64> = unit::Entity::find()
        .select_only()
        .columns([unit::Column::Code, unit::Column::Id])
        .into_tuple::<(String, i64)>()
        .all(store.db())
        .await?
        .into_iter()
        .collect();
    let txn = store.begin_write().await?;
    let rows: Vec<unit_score::ActiveModel> = all
        .iter()
        .filter_map(|s| {
            Some(unit_score::ActiveModel {
                unit_id: Set(*units.get(&s.unit)?),
                month: Set(month.clone()),
                score: Set(i32::try_from(s.score).unwrap_or(0)),
                breakdown: Set(serde_json::to_string(&s.factors).unwrap_or_default()),
                computed_at: Set(now),
            })
        })
        .collect();
    let n = rows.len();
    for chunk in rows.chunks(200) {
        unit_score::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([unit_score::Column::UnitId, unit_score::Column::Month])
                    .update_columns([
                        unit_score::Column::Score,
                        unit_score::Column::Breakdown,
                        unit_score::Column::ComputedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&*txn)
            .await?;
    }
    txn.commit().await?;
    Ok(n)
}
