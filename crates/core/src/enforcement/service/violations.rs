//! Violations (责任追究): the six accountable behaviours of §三(四). A rule
//! (the escalation ladder) or a person (the center, a reviewer) proposes
//! one; an officer confirms it with a note or dismisses it with a reason.
//! Only confirmed violations count against a unit.

use crate::notices::entity::violation;
use crate::notices::{ViolationCategory, ViolationState, violation_decidable};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{check_choice, clean, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::registry::entity::system;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ViolationView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub category: ViolationCategory,
    /// The word an earlier release stored, when the category was mapped from it (else empty).
    pub legacy_category: String,
    pub state: ViolationState,
    pub system_id: Option<i64>,
    pub rectification_id: Option<i64>,
    pub description: String,
    /// A user name, or `escalation` when the rules proposed it.
    pub raised_by: String,
    pub occurred_at: DateTime<Utc>,
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    /// The caller may confirm or dismiss it.
    pub decidable: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ViolationFilter {
    pub unit: Option<String>,
    pub state: Option<ViolationState>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViolationInput {
    /// The unit's code.
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    #[schema(value_type = ViolationCategory)]
    pub category: String,
    /// The system concerned, if any.
    #[serde(default)]
    pub system_id: Option<i64>,
    /// What happened (required).
    #[schema(min_length = 1, max_length = 5000)]
    pub description: String,
    /// When it happened (default: now).
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// The note of a confirmation, or the reason of a dismissal (required for a dismissal).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

fn view(
    v: violation::Model,
    units: &std::collections::HashMap<i64, crate::directory::entity::unit::Model>,
    who: &Principal,
) -> ViolationView {
    ViolationView {
        unit: units.get(&v.unit_id).map(|u| u.code.clone()).unwrap_or_default(),
        unit_name: units.get(&v.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        decidable: violation_decidable(v.state) && who.may(Permission::DecideEnforcement),
        id: v.id,
        category: v.category,
        legacy_category: v.legacy_category,
        state: v.state,
        system_id: v.system_id,
        rectification_id: v.rectification_id,
        description: v.description,
        raised_by: v.raised_by,
        occurred_at: v.occurred_at,
        decided_by: v.decided_by,
        decided_at: v.decided_at,
        decision_note: v.decision_note,
    }
}

/// Violations recorded against units in scope, newest first.
pub async fn list(
    store: &Store,
    who: &Principal,
    f: &ViolationFilter,
    page: PageRequest,
) -> Result<Page<ViolationView>> {
    let conn = store.db();
    let mut q = violation::Entity::find().filter(scope_condition(&who.scope(), violation::Column::UnitId));
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => q = q.filter(violation::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => {
                return Ok(Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() });
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(state) = f.state {
        q = q.filter(violation::Column::State.eq(state));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(violation::Column::OccurredAt)
        .order_by_desc(violation::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|v| v.unit_id)).await?;
    let items = rows.into_iter().map(|v| view(v, &units, who)).collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<violation::Model> {
    violation::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), violation::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<ViolationView> {
    let v = find_visible(store.db(), who, id).await?;
    let units = crate::directory::service::units::by_ids(store.db(), [v.unit_id]).await?;
    Ok(view(v, &units, who))
}

/// Confirmed violations per unit (what counts against it), for units in scope.
pub async fn confirmed_counts(store: &Store, who: &Principal) -> Result<Vec<(i64, i64)>> {
    Ok(violation::Entity::find()
        .select_only()
        .column(violation::Column::UnitId)
        .column_as(violation::Column::Id.count(), "n")
        .filter(scope_condition(&who.scope(), violation::Column::UnitId))
        .filter(violation::Column::State.eq(ViolationState::Confirmed))
        .group_by(violation::Column::UnitId)
        .into_tuple::<(i64, i64)>()
        .all(store.db())
        .await?)
}

/// Propose a violation (the center or a reviewer).
pub async fn propose(store: &Store, who: &Principal, input: ViolationInput) -> Result<ViolationView> {
    who.require(Permission::ProposeViolation)?;
    let mut errors = Vec::new();
    let category = check_choice::<ViolationCategory>(&mut errors, "category", &input.category);
    let description = clean(&input.description, 5000).unwrap_or_else(|| {
        errors.push(FieldError::new("description", "too_long"));
        String::new()
    });
    if description.is_empty() && errors.iter().all(|e| e.field != "description") {
        errors.push(FieldError::new("description", "required"));
    }
    let now = store.now();
    if input.occurred_at.is_some_and(|t| t > now + chrono::Duration::minutes(5)) {
        errors.push(FieldError::new("occurred_at", "date_in_future"));
    }
    let txn = store.begin_write().await?;
    let unit = match crate::directory::service::units::find_visible(&*txn, who, input.unit.trim()).await {
        Ok(u) => Some(u),
        Err(CoreError::NotFound) => {
            errors.push(FieldError::new("unit", "unknown_unit"));
            None
        }
        Err(e) => return Err(e),
    };
    if let (Some(sid), Some(u)) = (input.system_id, &unit) {
        let found = system::Entity::find_by_id(sid).one(&*txn).await?;
        if found.is_none_or(|s| s.unit_id != u.id) {
            errors.push(FieldError::new("system_id", "unknown_system"));
        }
    }
    let (Some(category), Some(unit), true) = (category, unit, errors.is_empty()) else {
        return Err(CoreError::Invalid(errors));
    };
    let v = violation::ActiveModel {
        unit_id: Set(unit.id),
        category: Set(category),
        legacy_category: Set(String::new()),
        state: Set(ViolationState::Proposed),
        decided_by: Set(String::new()),
        decided_at: Set(None),
        decision_note: Set(String::new()),
        system_id: Set(input.system_id),
        rectification_id: Set(None),
        description: Set(description.to_owned()),
        raised_by: Set(who.username.clone()),
        occurred_at: Set(input.occurred_at.unwrap_or(now)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let change = Change::created(
        "violation",
        v.id,
        Some(unit.id),
        json!({"category": category, "state": ViolationState::Proposed, "description": description, "system_id": input.system_id}),
    )
    .with_action("propose");
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, v.id).await
}

/// Confirm (`confirm = true`, a note optional) or dismiss (a reason required) a proposed violation.
pub async fn decide(
    store: &Store,
    who: &Principal,
    id: i64,
    confirm: bool,
    input: DecisionInput,
) -> Result<ViolationView> {
    find_visible(store.db(), who, id).await?;
    who.require(Permission::DecideEnforcement)?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    if !confirm && note.is_empty() {
        return Err(CoreError::invalid("note", "required"));
    }
    let txn = store.begin_write().await?;
    let v = find_visible(&*txn, who, id).await?;
    if !violation_decidable(v.state) {
        return Err(CoreError::Conflict("violation_decided"));
    }
    let now = store.now();
    let to = if confirm { ViolationState::Confirmed } else { ViolationState::Dismissed };
    let unit_id = v.unit_id;
    let mut am: violation::ActiveModel = v.into();
    am.state = Set(to);
    am.decided_by = Set(who.username.clone());
    am.decided_at = Set(Some(now));
    am.decision_note = Set(note.to_owned());
    am.update(&*txn).await?;
    let change = Change::updated(
        "violation",
        id,
        Some(unit_id),
        json!({"state": ViolationState::Proposed}),
        json!({"state": to, "note": note}),
    )
    .with_action(if confirm { "confirm" } else { "dismiss" });
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, id).await
}
