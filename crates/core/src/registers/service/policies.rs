//! The management rules register (§二): for each unit the ten kinds of
//! rules and its overall security plan, each with its document, approval
//! date and next review date; completeness per unit; a unit missing kinds
//! can be proposed a `measures_missing` violation.

use super::{not_future, owner_unit, required_field, today, unit_names};
use crate::directory::entity::unit;
use crate::enforcement::service::violations::{self, ViolationInput, ViolationView};
use crate::notify::texts::t;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use crate::platform::uploads::AttachmentView;
use crate::registers::RecordKind;
use crate::registers::entity::policy;
use crate::registers::rules::{self, PolicyKind};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    /// The unit's code.
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    pub kind: PolicyKind,
    /// The rule's title as issued.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub approved_on: NaiveDate,
    /// When it is next to be reviewed.
    #[serde(default)]
    pub review_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PolicyView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub kind: PolicyKind,
    pub title: String,
    pub approved_on: NaiveDate,
    pub review_on: Option<NaiveDate>,
    /// Its review date has passed.
    pub review_passed: bool,
    pub files: Vec<AttachmentView>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub may_edit: bool,
}

/// A unit's rules against the kinds §二 asks for.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Completeness {
    pub unit: String,
    pub unit_name: String,
    /// Kinds kept, of `required`.
    pub have: u32,
    pub required: u32,
    pub missing: Vec<PolicyKind>,
    /// Kept kinds whose review date has passed.
    pub review_passed: Vec<PolicyKind>,
    pub complete: bool,
    /// The caller may propose a `measures_missing` violation for the missing kinds.
    pub may_propose: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeInput {
    /// The unit's code.
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
}

fn views(
    who: &Principal,
    today: NaiveDate,
    units: &HashMap<i64, (String, String)>,
    mut files: HashMap<i64, Vec<AttachmentView>>,
    rows: Vec<policy::Model>,
) -> Vec<PolicyView> {
    rows.into_iter()
        .map(|p| {
            let (unit, unit_name) = units.get(&p.unit_id).cloned().unwrap_or_default();
            PolicyView {
                unit,
                unit_name,
                review_passed: rules::review_date_passed(p.review_on, today),
                files: files.remove(&p.id).unwrap_or_default(),
                may_edit: who.may(Permission::KeepRegisters(p.unit_id)),
                id: p.id,
                kind: p.kind,
                title: p.title,
                approved_on: p.approved_on,
                review_on: p.review_on,
                updated_by: p.updated_by,
                updated_at: p.updated_at,
            }
        })
        .collect()
}

async fn rows_in_scope<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    unit_id: Option<i64>,
) -> Result<Vec<policy::Model>> {
    let mut q = policy::Entity::find().filter(scope_condition(&who.scope(), policy::Column::UnitId));
    if let Some(u) = unit_id {
        q = q.filter(policy::Column::UnitId.eq(u));
    }
    Ok(q.order_by_asc(policy::Column::UnitId).order_by_asc(policy::Column::Id).all(conn).await?)
}

/// The rules kept (one unit's, or every unit's in scope), by unit and in the order of §二.
pub async fn list(store: &Store, who: &Principal, unit: Option<&str>) -> Result<Vec<PolicyView>> {
    let conn = store.db();
    let unit_id = super::filter_unit(conn, who, unit).await?;
    let mut rows = rows_in_scope(conn, who, unit_id).await?;
    let order = |k: PolicyKind| PolicyKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
    rows.sort_by_key(|p| (p.unit_id, order(p.kind)));
    let units = unit_names(conn, rows.iter().map(|p| p.unit_id)).await?;
    let files = super::files::of(conn, RecordKind::Policy, rows.iter().map(|p| p.id).collect()).await?;
    Ok(views(who, today(store), &units, files, rows))
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<PolicyView> {
    let conn = store.db();
    let p = policy::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    who.require_visible(p.unit_id)?;
    let units = unit_names(conn, [p.unit_id]).await?;
    let files = super::files::of(conn, RecordKind::Policy, vec![id]).await?;
    views(who, today(store), &units, files, vec![p]).pop().ok_or(CoreError::NotFound)
}

/// Record a unit's rule of a kind: the first, or a revision replacing the one kept.
pub async fn put(store: &Store, who: &Principal, input: PolicyInput) -> Result<PolicyView> {
    let txn = store.begin_write().await?;
    let unit = owner_unit(&*txn, who, &input.unit, false).await?.ok_or(CoreError::invalid("unit", "required"))?;
    let today = today(store);
    let mut errors: Vec<FieldError> = Vec::new();
    let title = required_field(&mut errors, "title", &input.title, 200);
    not_future(&mut errors, "approved_on", input.approved_on, today);
    if input.review_on.is_some_and(|r| r < input.approved_on) {
        errors.push(FieldError::new("review_on", "ends_before_start"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    let after =
        json!({"kind": input.kind, "title": title, "approved_on": input.approved_on, "review_on": input.review_on});
    let existing = policy::Entity::find()
        .filter(policy::Column::UnitId.eq(unit.id))
        .filter(policy::Column::Kind.eq(input.kind))
        .one(&*txn)
        .await?;
    let p = match existing {
        Some(p) => {
            let before =
                json!({"kind": p.kind, "title": p.title, "approved_on": p.approved_on, "review_on": p.review_on});
            let mut am: policy::ActiveModel = p.into();
            am.title = Set(title);
            am.approved_on = Set(input.approved_on);
            am.review_on = Set(input.review_on);
            am.updated_by = Set(who.username.clone());
            am.updated_at = Set(now);
            let p = am.update(&*txn).await?;
            audit::append(&*txn, now, &Actor::from(who), Change::updated("policy", p.id, Some(unit.id), before, after))
                .await?;
            p
        }
        None => {
            let p = policy::ActiveModel {
                unit_id: Set(unit.id),
                kind: Set(input.kind),
                title: Set(title),
                approved_on: Set(input.approved_on),
                review_on: Set(input.review_on),
                updated_by: Set(who.username.clone()),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&*txn)
            .await?;
            audit::append(&*txn, now, &Actor::from(who), Change::created("policy", p.id, Some(unit.id), after)).await?;
            p
        }
    };
    let units = HashMap::from([(unit.id, (unit.code.clone(), unit.name.clone()))]);
    let files = super::files::of(&*txn, RecordKind::Policy, vec![p.id]).await?;
    let v = views(who, today, &units, files, vec![p]).pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// The kinds kept per unit.
pub(crate) async fn kinds_by_unit<C: ConnectionTrait>(
    conn: &C,
) -> Result<HashMap<i64, Vec<(PolicyKind, Option<NaiveDate>)>>> {
    let mut out: HashMap<i64, Vec<(PolicyKind, Option<NaiveDate>)>> = HashMap::new();
    for (u, k, r) in policy::Entity::find()
        .select_only()
        .columns([policy::Column::UnitId, policy::Column::Kind, policy::Column::ReviewOn])
        .into_tuple::<(i64, PolicyKind, Option<NaiveDate>)>()
        .all(conn)
        .await?
    {
        out.entry(u).or_default().push((k, r));
    }
    Ok(out)
}

fn completeness_of(
    who: &Principal,
    today: NaiveDate,
    u: &unit::Model,
    kept: &[(PolicyKind, Option<NaiveDate>)],
) -> Completeness {
    let have: Vec<PolicyKind> = kept.iter().map(|k| k.0).collect();
    let missing = rules::missing_kinds(&have);
    let required = u32::try_from(PolicyKind::required().len()).unwrap_or(0);
    Completeness {
        unit: u.code.clone(),
        unit_name: u.name.clone(),
        have: required - u32::try_from(missing.len()).unwrap_or(0),
        required,
        review_passed: kept.iter().filter(|k| rules::review_date_passed(k.1, today)).map(|k| k.0).collect(),
        complete: missing.is_empty(),
        may_propose: !missing.is_empty() && who.may(Permission::ProposeViolation),
        missing,
    }
}

/// Every unit in scope against the kinds §二 asks for, the least complete first.
pub async fn completeness(store: &Store, who: &Principal) -> Result<Vec<Completeness>> {
    let conn = store.db();
    let units = unit::Entity::find()
        .filter(scope_condition(&who.scope(), unit::Column::Id))
        .order_by_asc(unit::Column::Code)
        .all(conn)
        .await?;
    let kept = kinds_by_unit(conn).await?;
    let today = today(store);
    let mut out: Vec<Completeness> =
        units.iter().map(|u| completeness_of(who, today, u, kept.get(&u.id).map_or(&[], |v| v))).collect();
    out.sort_by(|a, b| a.have.cmp(&b.have).then(a.unit.cmp(&b.unit)));
    Ok(out)
}

/// Propose a `measures_missing` violation naming the kinds a unit lacks
/// (the center, the reviewers); `409 policies_complete` when it lacks none.
pub async fn propose_violation(store: &Store, who: &Principal, input: ProposeInput) -> Result<ViolationView> {
    who.require(Permission::ProposeViolation)?;
    let conn = store.db();
    let u = crate::directory::service::units::resolve_code(conn, who, "unit", &input.unit).await?;
    let kept = kinds_by_unit(conn).await?;
    let c = completeness_of(who, today(store), &u, kept.get(&u.id).map_or(&[], |v| v));
    if c.complete {
        return Err(CoreError::Conflict("policies_complete"));
    }
    let names: Vec<String> =
        c.missing.iter().map(|k| t("zh-CN", &format!("policy_kind.{}", k.as_str()), &[])).collect();
    let description = t("zh-CN", "policy.missing", &[("kinds", names.join("、").as_str())]);
    violations::propose(
        store,
        who,
        ViolationInput {
            unit: u.code,
            category: crate::notices::ViolationCategory::MeasuresMissing.as_str().to_owned(),
            system_id: None,
            description,
            occurred_at: None,
        },
    )
    .await
}
