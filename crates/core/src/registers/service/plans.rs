//! Emergency plans (应急预案): each unit keeps its plan — scenarios,
//! contacts, escalation steps, the systems it covers, the document — with
//! the date it was last reviewed; a plan not reviewed within a year is
//! flagged. The center keeps the university-wide plan (no unit).

use super::{
    NamedSystem, check_systems, may_keep, not_future, owner_unit, require_visible, required_field, system_names, today,
    unit_names, unit_of,
};
use crate::platform::access::{Principal, Scope};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::clean_field;
use crate::platform::error::{CoreError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads::AttachmentView;
use crate::registers::RecordKind;
use crate::registers::entity::{emergency_plan, emergency_plan_system};
use crate::registers::rules;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// The unit's code; empty: the university-wide plan (the center).
    #[serde(default)]
    #[schema(max_length = 32)]
    pub unit: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The scenarios the plan answers (required).
    #[schema(min_length = 1, max_length = 5000)]
    pub scenarios: String,
    /// Who to call, with phones (required).
    #[schema(min_length = 1, max_length = 2000)]
    pub contacts: String,
    /// The escalation steps.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub escalation: String,
    /// When the plan was last reviewed (default: today).
    #[serde(default)]
    pub reviewed_on: Option<NaiveDate>,
    /// The systems it covers (the unit's).
    #[serde(default)]
    #[schema(max_items = 500)]
    pub systems: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PlanView {
    pub id: i64,
    /// The unit's code; empty for the university-wide plan.
    pub unit: String,
    pub unit_name: String,
    pub title: String,
    pub scenarios: String,
    pub contacts: String,
    pub escalation: String,
    pub reviewed_on: NaiveDate,
    /// A year after the last review.
    pub review_due_on: NaiveDate,
    /// Not reviewed within a year.
    pub review_overdue: bool,
    pub systems: Vec<NamedSystem>,
    pub files: Vec<AttachmentView>,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub may_edit: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanFilter {
    /// One unit's plans (its code).
    pub unit: Option<String>,
    /// Only plans not reviewed within a year.
    pub overdue: bool,
}

async fn views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    today: NaiveDate,
    rows: Vec<emergency_plan::Model>,
) -> Result<Vec<PlanView>> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let links = emergency_plan_system::Entity::find()
        .filter(emergency_plan_system::Column::PlanId.is_in(ids.clone()))
        .all(conn)
        .await?;
    let names = system_names(conn, links.iter().map(|l| l.system_id).collect()).await?;
    let units = unit_names(conn, rows.iter().filter_map(|p| p.unit_id)).await?;
    let mut files = super::files::of(conn, RecordKind::Plan, ids).await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let (unit, unit_name) = unit_of(&units, p.unit_id);
            PlanView {
                unit,
                unit_name,
                review_due_on: rules::one_year_after(p.reviewed_on),
                review_overdue: rules::review_overdue(p.reviewed_on, today),
                systems: links
                    .iter()
                    .filter(|l| l.plan_id == p.id)
                    .map(|l| NamedSystem {
                        id: l.system_id,
                        name: names.get(&l.system_id).cloned().unwrap_or_default(),
                    })
                    .collect(),
                files: files.remove(&p.id).unwrap_or_default(),
                may_edit: may_keep(who, p.unit_id),
                id: p.id,
                title: p.title,
                scenarios: p.scenarios,
                contacts: p.contacts,
                escalation: p.escalation,
                reviewed_on: p.reviewed_on,
                updated_by: p.updated_by,
                updated_at: p.updated_at,
            }
        })
        .collect())
}

/// Records of a unit in scope, or the university's.
pub(crate) fn visible_condition<C: ColumnTrait>(who: &Principal, unit_col: C) -> Condition {
    match who.scope() {
        Scope::All => Condition::all(),
        Scope::Units(ids) => Condition::any().add(unit_col.is_null()).add(unit_col.is_in(ids)),
    }
}

pub async fn list(store: &Store, who: &Principal, f: &PlanFilter, page: PageRequest) -> Result<Page<PlanView>> {
    let conn = store.db();
    let today = today(store);
    let mut q = emergency_plan::Entity::find().filter(visible_condition(who, emergency_plan::Column::UnitId));
    if let Some(u) = super::filter_unit(conn, who, f.unit.as_deref()).await? {
        q = q.filter(emergency_plan::Column::UnitId.eq(u));
    }
    if f.overdue {
        q = q.filter(emergency_plan::Column::ReviewedOn.lt(rules::one_year_before(today)));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(emergency_plan::Column::ReviewedOn)
        .order_by_asc(emergency_plan::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, who, today, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

async fn find<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<emergency_plan::Model> {
    let p = emergency_plan::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    require_visible(who, p.unit_id)?;
    Ok(p)
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<PlanView> {
    let conn = store.db();
    let p = find(conn, who, id).await?;
    views(conn, who, today(store), vec![p]).await?.pop().ok_or(CoreError::NotFound)
}

struct Checked {
    title: String,
    scenarios: String,
    contacts: String,
    escalation: String,
    reviewed_on: NaiveDate,
    systems: Vec<NamedSystem>,
}

async fn check<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    who: &Principal,
    unit_id: Option<i64>,
    input: &PlanInput,
) -> Result<Checked> {
    let mut errors = Vec::new();
    let today = today(store);
    let title = required_field(&mut errors, "title", &input.title, 200);
    let scenarios = required_field(&mut errors, "scenarios", &input.scenarios, 5000);
    let contacts = required_field(&mut errors, "contacts", &input.contacts, 2000);
    let escalation = clean_field(&mut errors, "escalation", &input.escalation, 5000);
    let reviewed_on = input.reviewed_on.unwrap_or(today);
    not_future(&mut errors, "reviewed_on", reviewed_on, today);
    let systems = check_systems(conn, who, unit_id, &input.systems, &mut errors).await?;
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    Ok(Checked { title, scenarios, contacts, escalation, reviewed_on, systems })
}

async fn set_systems<C: ConnectionTrait>(conn: &C, id: i64, systems: &[NamedSystem]) -> Result<()> {
    emergency_plan_system::Entity::delete_many()
        .filter(emergency_plan_system::Column::PlanId.eq(id))
        .exec(conn)
        .await?;
    if !systems.is_empty() {
        emergency_plan_system::Entity::insert_many(
            systems.iter().map(|s| emergency_plan_system::ActiveModel { plan_id: Set(id), system_id: Set(s.id) }),
        )
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

fn snapshot(c: &Checked) -> serde_json::Value {
    json!({"title": c.title, "scenarios": c.scenarios, "contacts": c.contacts, "escalation": c.escalation,
        "reviewed_on": c.reviewed_on, "systems": c.systems.iter().map(|s| s.id).collect::<Vec<_>>()})
}

pub async fn create(store: &Store, who: &Principal, input: PlanInput) -> Result<PlanView> {
    let txn = store.begin_write().await?;
    let unit = owner_unit(&*txn, who, &input.unit, true).await?;
    let unit_id = unit.as_ref().map(|u| u.id);
    let c = check(store, &*txn, who, unit_id, &input).await?;
    let now = store.now();
    let p = emergency_plan::ActiveModel {
        unit_id: Set(unit_id),
        title: Set(c.title.clone()),
        scenarios: Set(c.scenarios.clone()),
        contacts: Set(c.contacts.clone()),
        escalation: Set(c.escalation.clone()),
        reviewed_on: Set(c.reviewed_on),
        updated_by: Set(who.username.clone()),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    set_systems(&*txn, p.id, &c.systems).await?;
    audit::append(&*txn, now, &Actor::from(who), Change::created("emergency_plan", p.id, unit_id, snapshot(&c)))
        .await?;
    let v = views(&*txn, who, today(store), vec![p]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// Replace a plan's content (its unit stays); a review is recorded by its date.
pub async fn update(store: &Store, who: &Principal, id: i64, input: PlanInput) -> Result<PlanView> {
    let txn = store.begin_write().await?;
    let p = find(&*txn, who, id).await?;
    if !may_keep(who, p.unit_id) {
        return Err(CoreError::Forbidden);
    }
    let (code, _) = unit_of(&unit_names(&*txn, p.unit_id).await?, p.unit_id);
    if input.unit.trim() != code {
        return Err(CoreError::invalid("unit", "cannot_change"));
    }
    let c = check(store, &*txn, who, p.unit_id, &input).await?;
    let before = views(&*txn, who, today(store), vec![p.clone()]).await?.pop().ok_or(CoreError::NotFound)?;
    let now = store.now();
    let mut am: emergency_plan::ActiveModel = p.into();
    am.title = Set(c.title.clone());
    am.scenarios = Set(c.scenarios.clone());
    am.contacts = Set(c.contacts.clone());
    am.escalation = Set(c.escalation.clone());
    am.reviewed_on = Set(c.reviewed_on);
    am.updated_by = Set(who.username.clone());
    am.updated_at = Set(now);
    let p = am.update(&*txn).await?;
    set_systems(&*txn, id, &c.systems).await?;
    let before = json!({"title": before.title, "scenarios": before.scenarios, "contacts": before.contacts,
        "escalation": before.escalation, "reviewed_on": before.reviewed_on,
        "systems": before.systems.iter().map(|s| s.id).collect::<Vec<_>>()});
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::updated("emergency_plan", id, p.unit_id, before, snapshot(&c)),
    )
    .await?;
    let v = views(&*txn, who, today(store), vec![p]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// The latest review date of each unit's plans (`None` key: the university's).
pub(crate) async fn latest_reviews<C: ConnectionTrait>(conn: &C) -> Result<Vec<(Option<i64>, NaiveDate)>> {
    Ok(emergency_plan::Entity::find()
        .select_only()
        .column(emergency_plan::Column::UnitId)
        .column_as(emergency_plan::Column::ReviewedOn.max(), "latest")
        .group_by(emergency_plan::Column::UnitId)
        .into_tuple::<(Option<i64>, NaiveDate)>()
        .all(conn)
        .await?)
}
