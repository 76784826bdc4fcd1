//! Emergency drills (应急演练): date, scenario, systems, participants, what
//! happened, the problems found and the improvement actions (each with an
//! owner and a due date, tracked until done), and the drill's records.

use super::{
    NamedSystem, check_systems, may_keep, not_future, owner_unit, require_visible, required_field, system_names, today,
    unit_names, unit_of,
};
use crate::directory::entity::person;
use crate::platform::access::Principal;
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::clean_field;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads::AttachmentView;
use crate::registers::entity::{drill, drill_action, drill_system};
use crate::registers::rules::{self, ActionState};
use crate::registers::{RecordKind, service::plans::visible_condition};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// What is to be improved.
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// The person who answers for it.
    pub owner_person_id: i64,
    pub due_on: NaiveDate,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillInput {
    /// The unit's code; empty: a university-wide drill (the center).
    #[serde(default)]
    #[schema(max_length = 32)]
    pub unit: String,
    pub held_on: NaiveDate,
    /// The scenario drilled.
    #[schema(min_length = 1, max_length = 200)]
    pub scenario: String,
    /// Who took part (required).
    #[schema(min_length = 1, max_length = 2000)]
    pub participants: String,
    /// What happened (required).
    #[schema(min_length = 1, max_length = 5000)]
    pub what_happened: String,
    /// The problems found.
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub problems: String,
    #[serde(default)]
    #[schema(max_items = 500)]
    pub systems: Vec<i64>,
    /// Improvement actions.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub actions: Vec<ActionInput>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DoneInput {
    /// What was done.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ActionView {
    pub id: i64,
    pub description: String,
    pub owner_person_id: i64,
    pub owner_name: String,
    pub due_on: NaiveDate,
    pub state: ActionState,
    pub done_by: String,
    pub done_at: Option<DateTime<Utc>>,
    pub done_note: String,
    /// The caller may mark it done (the unit's keepers, or its owner).
    pub may_complete: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DrillView {
    pub id: i64,
    /// The unit's code; empty for a university-wide drill.
    pub unit: String,
    pub unit_name: String,
    pub held_on: NaiveDate,
    pub scenario: String,
    pub participants: String,
    pub what_happened: String,
    pub problems: String,
    pub systems: Vec<NamedSystem>,
    pub actions: Vec<ActionView>,
    pub open_actions: u32,
    pub overdue_actions: u32,
    pub files: Vec<AttachmentView>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub may_edit: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DrillFilter {
    pub unit: Option<String>,
    /// Only drills with improvement actions past their date.
    pub overdue_actions: bool,
}

async fn views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    today: NaiveDate,
    rows: Vec<drill::Model>,
) -> Result<Vec<DrillView>> {
    let ids: Vec<i64> = rows.iter().map(|d| d.id).collect();
    let links = drill_system::Entity::find().filter(drill_system::Column::DrillId.is_in(ids.clone())).all(conn).await?;
    let names = system_names(conn, links.iter().map(|l| l.system_id).collect()).await?;
    let actions = drill_action::Entity::find()
        .filter(drill_action::Column::DrillId.is_in(ids.clone()))
        .order_by_asc(drill_action::Column::Id)
        .all(conn)
        .await?;
    let owners: HashMap<i64, String> = person::Entity::find()
        .select_only()
        .columns([person::Column::Id, person::Column::Name])
        .filter(person::Column::Id.is_in(actions.iter().map(|a| a.owner_person_id).collect::<Vec<_>>()))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let units = unit_names(conn, rows.iter().filter_map(|d| d.unit_id)).await?;
    let mut files = super::files::of(conn, RecordKind::Drill, ids).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let keeper = may_keep(who, d.unit_id);
            let acts: Vec<ActionView> = actions
                .iter()
                .filter(|a| a.drill_id == d.id)
                .map(|a| {
                    let state = rules::action_state(a.due_on, a.done_at.is_some(), today);
                    ActionView {
                        id: a.id,
                        description: a.description.clone(),
                        owner_person_id: a.owner_person_id,
                        owner_name: owners.get(&a.owner_person_id).cloned().unwrap_or_default(),
                        due_on: a.due_on,
                        state,
                        done_by: a.done_by.clone(),
                        done_at: a.done_at,
                        done_note: a.done_note.clone(),
                        may_complete: state != ActionState::Done
                            && (keeper || who.person_id == Some(a.owner_person_id)),
                    }
                })
                .collect();
            let (unit, unit_name) = unit_of(&units, d.unit_id);
            let count = |s: ActionState| u32::try_from(acts.iter().filter(|a| a.state == s).count()).unwrap_or(0);
            DrillView {
                unit,
                unit_name,
                systems: links
                    .iter()
                    .filter(|l| l.drill_id == d.id)
                    .map(|l| NamedSystem {
                        id: l.system_id,
                        name: names.get(&l.system_id).cloned().unwrap_or_default(),
                    })
                    .collect(),
                open_actions: count(ActionState::Open) + count(ActionState::Overdue),
                overdue_actions: count(ActionState::Overdue),
                actions: acts,
                files: files.remove(&d.id).unwrap_or_default(),
                may_edit: keeper,
                id: d.id,
                held_on: d.held_on,
                scenario: d.scenario,
                participants: d.participants,
                what_happened: d.what_happened,
                problems: d.problems,
                created_by: d.created_by,
                created_at: d.created_at,
            }
        })
        .collect())
}

pub async fn list(store: &Store, who: &Principal, f: &DrillFilter, page: PageRequest) -> Result<Page<DrillView>> {
    let conn = store.db();
    let today = today(store);
    let mut q = drill::Entity::find().filter(visible_condition(who, drill::Column::UnitId));
    if let Some(u) = super::filter_unit(conn, who, f.unit.as_deref()).await? {
        q = q.filter(drill::Column::UnitId.eq(u));
    }
    if f.overdue_actions {
        let ids: Vec<i64> = drill_action::Entity::find()
            .select_only()
            .column(drill_action::Column::DrillId)
            .filter(drill_action::Column::DoneAt.is_null())
            .filter(drill_action::Column::DueOn.lt(today))
            .distinct()
            .into_tuple()
            .all(conn)
            .await?;
        q = q.filter(drill::Column::Id.is_in(ids));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(drill::Column::HeldOn)
        .order_by_desc(drill::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, who, today, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

async fn find<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<drill::Model> {
    let d = drill::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    require_visible(who, d.unit_id)?;
    Ok(d)
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<DrillView> {
    let conn = store.db();
    let d = find(conn, who, id).await?;
    views(conn, who, today(store), vec![d]).await?.pop().ok_or(CoreError::NotFound)
}

/// An action's owner: a person the caller sees.
async fn check_action<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    field: &str,
    a: &ActionInput,
    errors: &mut Vec<FieldError>,
) -> Result<String> {
    let description = required_field(errors, &format!("{field}description"), &a.description, 2000);
    let owner = person::Entity::find_by_id(a.owner_person_id).one(conn).await?;
    if owner.is_none_or(|p| !who.scope().allows(p.unit_id)) {
        errors.push(FieldError::new(&format!("{field}owner_person_id"), "unknown_person"));
    }
    Ok(description)
}

async fn insert_action<C: ConnectionTrait>(
    conn: &C,
    drill_id: i64,
    a: &ActionInput,
    description: String,
) -> Result<i64> {
    Ok(drill_action::ActiveModel {
        drill_id: Set(drill_id),
        description: Set(description),
        owner_person_id: Set(a.owner_person_id),
        due_on: Set(a.due_on),
        done_by: Set(String::new()),
        done_at: Set(None),
        done_note: Set(String::new()),
        ..Default::default()
    }
    .insert(conn)
    .await?
    .id)
}

pub async fn create(store: &Store, who: &Principal, input: DrillInput) -> Result<DrillView> {
    let txn = store.begin_write().await?;
    let unit = owner_unit(&*txn, who, &input.unit, true).await?;
    let unit_id = unit.as_ref().map(|u| u.id);
    let today = today(store);
    let mut errors = Vec::new();
    let scenario = required_field(&mut errors, "scenario", &input.scenario, 200);
    let participants = required_field(&mut errors, "participants", &input.participants, 2000);
    let what_happened = required_field(&mut errors, "what_happened", &input.what_happened, 5000);
    let problems = clean_field(&mut errors, "problems", &input.problems, 5000);
    not_future(&mut errors, "held_on", input.held_on, today);
    let systems = check_systems(&*txn, who, unit_id, &input.systems, &mut errors).await?;
    let mut descriptions = Vec::new();
    for (i, a) in input.actions.iter().enumerate() {
        descriptions.push(check_action(&*txn, who, &format!("actions[{i}]."), a, &mut errors).await?);
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    let d = drill::ActiveModel {
        unit_id: Set(unit_id),
        held_on: Set(input.held_on),
        scenario: Set(scenario.clone()),
        participants: Set(participants.clone()),
        what_happened: Set(what_happened.clone()),
        problems: Set(problems.clone()),
        created_by: Set(who.username.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    if !systems.is_empty() {
        drill_system::Entity::insert_many(
            systems.iter().map(|s| drill_system::ActiveModel { drill_id: Set(d.id), system_id: Set(s.id) }),
        )
        .exec_without_returning(&*txn)
        .await?;
    }
    for (a, description) in input.actions.iter().zip(descriptions) {
        insert_action(&*txn, d.id, a, description).await?;
    }
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "drill",
            d.id,
            unit_id,
            json!({"held_on": input.held_on, "scenario": scenario, "participants": participants,
                "what_happened": what_happened, "problems": problems,
                "systems": systems.iter().map(|s| s.id).collect::<Vec<_>>(), "actions": input.actions.len()}),
        ),
    )
    .await?;
    let v = views(&*txn, who, today, vec![d]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// Add an improvement action to a drill (who may keep the drill).
pub async fn add_action(store: &Store, who: &Principal, id: i64, input: ActionInput) -> Result<DrillView> {
    let txn = store.begin_write().await?;
    let d = find(&*txn, who, id).await?;
    if !may_keep(who, d.unit_id) {
        return Err(CoreError::Forbidden);
    }
    let mut errors = Vec::new();
    let description = check_action(&*txn, who, "", &input, &mut errors).await?;
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let aid = insert_action(&*txn, id, &input, description.clone()).await?;
    let now = store.now();
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "drill_action",
            aid,
            d.unit_id,
            json!({"drill_id": id, "description": description, "owner_person_id": input.owner_person_id, "due_on": input.due_on}),
        ),
    )
    .await?;
    let v = views(&*txn, who, today(store), vec![d]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// Mark an improvement action done (the unit's keepers or its owner).
pub async fn complete_action(
    store: &Store,
    who: &Principal,
    id: i64,
    action_id: i64,
    input: DoneInput,
) -> Result<DrillView> {
    let txn = store.begin_write().await?;
    let d = find(&*txn, who, id).await?;
    let a = drill_action::Entity::find_by_id(action_id)
        .filter(drill_action::Column::DrillId.eq(id))
        .one(&*txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    if !may_keep(who, d.unit_id) && who.person_id != Some(a.owner_person_id) {
        return Err(CoreError::Forbidden);
    }
    if a.done_at.is_some() {
        return Err(CoreError::Conflict("action_done"));
    }
    let mut errors = Vec::new();
    let note = clean_field(&mut errors, "note", &input.note, 2000);
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    drill_action::Entity::update_many()
        .col_expr(drill_action::Column::DoneAt, Expr::value(Some(now)))
        .col_expr(drill_action::Column::DoneBy, Expr::value(who.username.clone()))
        .col_expr(drill_action::Column::DoneNote, Expr::value(note.clone()))
        .filter(drill_action::Column::Id.eq(action_id))
        .exec(&*txn)
        .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("complete", "drill_action", action_id, d.unit_id).with_after(json!({"note": note})),
    )
    .await?;
    let v = views(&*txn, who, today(store), vec![d]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// Each unit's latest drill (`None` key: the university-wide drills).
pub(crate) async fn latest<C: ConnectionTrait>(conn: &C) -> Result<Vec<(Option<i64>, NaiveDate)>> {
    Ok(drill::Entity::find()
        .select_only()
        .column(drill::Column::UnitId)
        .column_as(drill::Column::HeldOn.max(), "latest")
        .group_by(drill::Column::UnitId)
        .into_tuple::<(Option<i64>, NaiveDate)>()
        .all(conn)
        .await?)
}

/// Open improvement actions past their date, per unit.
pub(crate) async fn overdue_actions<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> Result<HashMap<i64, u32>> {
    let drills: Vec<i64> = drill_action::Entity::find()
        .select_only()
        .column(drill_action::Column::DrillId)
        .filter(drill_action::Column::DoneAt.is_null())
        .filter(drill_action::Column::DueOn.lt(today))
        .into_tuple()
        .all(conn)
        .await?;
    let mut distinct = drills.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let units: HashMap<i64, Option<i64>> = drill::Entity::find()
        .select_only()
        .columns([drill::Column::Id, drill::Column::UnitId])
        .filter(drill::Column::Id.is_in(distinct))
        .into_tuple::<(i64, Option<i64>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let rows = drills.iter().filter_map(|d| units.get(d).copied());
    let mut out = HashMap::new();
    for u in rows.into_iter().flatten() {
        *out.entry(u).or_insert(0) += 1;
    }
    Ok(out)
}
