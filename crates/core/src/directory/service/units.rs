//! Units (单位/部门): departments, colleges, offices.

use crate::platform::common::clean;

use crate::accounts::entity::role_grant;
use crate::directory::entity::person;
use crate::directory::entity::responsibility;
use crate::directory::entity::unit;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Order, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

crate::closed_set! {
    /// What a unit is (单位类型).
    pub enum UnitKind {
        /// A school or college (学院).
        College = "college",
        /// An administrative office (职能部门).
        Office = "office",
        /// A center, library or institute (直属单位).
        Center = "center",
        Other = "other",
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: UnitKind,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitInput {
    #[schema(pattern = "^[A-Za-z0-9_-]{1,32}$")]
    pub code: String,
    #[schema(min_length = 1, pattern = "\\S", max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub name_en: String,
    #[schema(value_type = UnitKind)]
    pub kind: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    #[schema(value_type = Option<String>, pattern = "^[A-Za-z0-9_-]{1,32}$")]
    pub code: Option<String>,
    #[schema(value_type = Option<String>, min_length = 1, pattern = "\\S", max_length = 100)]
    pub name: Option<String>,
    #[schema(max_length = 200)]
    pub name_en: Option<String>,
    #[schema(value_type = Option<UnitKind>)]
    pub kind: Option<String>,
    #[serde(default, with = "crate::platform::common::double_option")]
    pub parent: Option<Option<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UnitFilter {
    /// Only this unit (by code).
    pub unit: Option<String>,
    pub kind: Option<String>,
    /// Substring of code or name.
    pub q: Option<String>,
}

pub fn valid_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 32 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn validate(code: &str, name: &str, name_en: &str, kind: &str) -> (Vec<FieldError>, Option<UnitKind>) {
    let mut errors = Vec::new();
    if !valid_code(code) {
        errors.push(FieldError::new("code", "code_format"));
    }
    if name.is_empty() {
        errors.push(FieldError::new("name", "required"));
    } else if name.chars().count() > 100 {
        errors.push(FieldError::new("name", "too_long"));
    }
    if name_en.chars().count() > 200 {
        errors.push(FieldError::new("name_en", "too_long"));
    }
    let kind = UnitKind::parse(kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "unknown_kind"));
    }
    (errors, kind)
}

pub(crate) fn to_json(m: &unit::Model, parent: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "code": m.code, "name": m.name, "name_en": m.name_en, "kind": m.kind, "parent": parent,
    })
}

/// Units by id, for the rows of a page (one query; none for no ids).
pub(crate) async fn by_ids<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, unit::Model>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(unit::Entity::find()
        .filter(unit::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

async fn parent_codes<C: ConnectionTrait>(conn: &C, models: &[unit::Model]) -> Result<HashMap<i64, String>> {
    let parents = by_ids(conn, models.iter().filter_map(|m| m.parent_id)).await?;
    Ok(parents.into_iter().map(|(id, p)| (id, p.code)).collect())
}

fn view(m: unit::Model, parents: &HashMap<i64, String>) -> UnitView {
    UnitView {
        parent: m.parent_id.and_then(|p| parents.get(&p).cloned()),
        id: m.id,
        code: m.code,
        name: m.name,
        name_en: m.name_en,
        kind: m.kind,
    }
}

/// Find a unit by code within the principal's scope.
pub async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, code: &str) -> Result<unit::Model> {
    unit::Entity::find()
        .filter(unit::Column::Code.eq(code))
        .filter(scope_condition(&who.scope(), unit::Column::Id))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Find a unit by code within scope, as a field error when it is not there.
pub(crate) async fn resolve_code<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    field: &str,
    code: &str,
) -> Result<unit::Model> {
    match find_visible(conn, who, code.trim()).await {
        Err(CoreError::NotFound) => Err(CoreError::invalid(field, "unknown_unit")),
        other => other,
    }
}

#[derive(Debug, FromQueryResult)]
struct UnitRow {
    id: i64,
    code: String,
    name: String,
    name_en: String,
    kind: UnitKind,
    parent_code: Option<String>,
    total: i64,
}

/// One query per page: the parent's code by a self-join, the total by a
/// scalar subquery (computed once; a window count would buffer the page's
/// rows in a temporary table at every request).
pub async fn list(store: &Store, who: &Principal, filter: &UnitFilter, page: PageRequest) -> Result<Page<UnitView>> {
    let conn = store.db();
    let mut cond = scope_condition(&who.scope(), unit::Column::Id);
    if let Some(code) = filter.unit.as_deref().filter(|s| !s.is_empty()) {
        cond = cond.add(unit::Column::Code.eq(code));
    }
    if let Some(kind) = filter.kind.as_deref().filter(|s| !s.is_empty()) {
        // An unknown kind matches no unit.
        cond = cond.add(unit::Column::Kind.eq(kind));
    }
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond.add(
            Condition::any()
                .add(unit::Column::Code.contains(text))
                .add(unit::Column::Name.contains(text))
                .add(unit::Column::NameEn.contains(text)),
        );
    }
    let parent = "parent";
    let count = Query::select().expr(Expr::cust("COUNT(*)")).from(unit::Entity).cond_where(cond.clone()).to_owned();
    let mut q = Query::select();
    q.columns([
        (unit::Entity, unit::Column::Id),
        (unit::Entity, unit::Column::Code),
        (unit::Entity, unit::Column::Name),
        (unit::Entity, unit::Column::NameEn),
        (unit::Entity, unit::Column::Kind),
    ])
    .expr_as(Expr::col((parent, unit::Column::Code)), "parent_code")
    .expr_as(Expr::from(count), "total")
    .from(unit::Entity)
    .join_as(
        JoinType::LeftJoin,
        unit::Entity,
        parent,
        Expr::col((parent, unit::Column::Id)).equals((unit::Entity, unit::Column::ParentId)),
    )
    .cond_where(cond.clone())
    .order_by((unit::Entity, unit::Column::Code), Order::Asc)
    .limit(page.per_page())
    .offset(page.offset());
    let rows = UnitRow::find_by_statement(store.backend().build(&q)).all(conn).await?;
    let total = match rows.first() {
        Some(r) => r.total as u64,
        // Past the last page no row carries the count.
        None if page.offset() > 0 => unit::Entity::find().filter(cond).count(conn).await?,
        None => 0,
    };
    let items = rows
        .into_iter()
        .map(|r| UnitView {
            id: r.id,
            code: r.code,
            name: r.name,
            name_en: r.name_en,
            kind: r.kind,
            parent: r.parent_code,
        })
        .collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

/// Every unit in scope, ordered by code: for pickers.
pub async fn all_visible(store: &Store, who: &Principal) -> Result<Vec<UnitView>> {
    let models = unit::Entity::find()
        .filter(scope_condition(&who.scope(), unit::Column::Id))
        .order_by_asc(unit::Column::Code)
        .all(store.db())
        .await?;
    let parents = parent_codes(store.db(), &models).await?;
    Ok(models.into_iter().map(|m| view(m, &parents)).collect())
}

pub async fn get(store: &Store, who: &Principal, code: &str) -> Result<UnitView> {
    let m = find_visible(store.db(), who, code).await?;
    let parents = parent_codes(store.db(), std::slice::from_ref(&m)).await?;
    Ok(view(m, &parents))
}

pub async fn create(store: &Store, who: &Principal, input: UnitInput) -> Result<UnitView> {
    who.require(Permission::ManageUnits)?;
    let code = input.code.trim().to_owned();
    let name = clean(&input.name, 100).unwrap_or_else(|| input.name.clone());
    let name_en = clean(&input.name_en, 200).unwrap_or_else(|| input.name_en.clone());
    let (mut errors, kind) = validate(&code, &name, &name_en, &input.kind);
    let txn = store.begin_write().await?;
    let parent = match input.parent.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(p) => match resolve_code(&*txn, who, "parent", p).await {
            Ok(m) => Some(m),
            Err(CoreError::Invalid(mut e)) => {
                errors.append(&mut e);
                None
            }
            Err(e) => return Err(e),
        },
        None => None,
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else { return Err(CoreError::Invalid(errors)) };
    if unit::Entity::find().filter(unit::Column::Code.eq(&code)).one(&*txn).await?.is_some() {
        return Err(CoreError::Conflict("duplicate_code"));
    }
    let now = store.now();
    let model = unit::ActiveModel {
        code: Set(code),
        name: Set(name),
        name_en: Set(name_en),
        kind: Set(kind),
        parent_id: Set(parent.as_ref().map(|p| p.id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let parent_code = parent.map(|p| p.code);
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created("unit", model.code.clone(), Some(model.id), to_json(&model, parent_code.as_deref())),
    )
    .await?;
    txn.commit().await?;
    Ok(UnitView {
        id: model.id,
        code: model.code,
        name: model.name,
        name_en: model.name_en,
        kind: model.kind,
        parent: parent_code,
    })
}

/// Would making `new_parent` the parent of `unit_id` close a loop?
async fn creates_cycle<C: ConnectionTrait>(conn: &C, unit_id: i64, new_parent: i64) -> Result<bool> {
    let mut cursor = Some(new_parent);
    let mut steps = 0;
    while let Some(id) = cursor {
        if id == unit_id {
            return Ok(true);
        }
        steps += 1;
        if steps > 64 {
            return Ok(true);
        }
        cursor = unit::Entity::find_by_id(id).one(conn).await?.and_then(|u| u.parent_id);
    }
    Ok(false)
}

pub async fn update(store: &Store, who: &Principal, code: &str, patch: UnitPatch) -> Result<UnitView> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, code).await?;
    who.require(Permission::ManageUnits)?;
    let before_parent = parent_codes(&*txn, std::slice::from_ref(&current)).await?;
    let before = to_json(&current, current.parent_id.and_then(|p| before_parent.get(&p)).map(String::as_str));

    let new_code = patch.code.as_deref().map(str::trim).unwrap_or(&current.code).to_owned();
    let name = patch.name.as_deref().map(str::trim).unwrap_or(&current.name).to_owned();
    let name_en = patch.name_en.as_deref().map(str::trim).unwrap_or(&current.name_en).to_owned();
    let kind = patch.kind.as_deref().unwrap_or(current.kind.as_str()).to_owned();
    let (mut errors, kind) = validate(&new_code, &name, &name_en, &kind);
    let mut parent_id = current.parent_id;
    let mut parent_code = current.parent_id.and_then(|p| before_parent.get(&p).cloned());
    if let Some(new_parent) = &patch.parent {
        match new_parent.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                parent_id = None;
                parent_code = None;
            }
            Some(p) => match resolve_code(&*txn, who, "parent", p).await {
                Ok(m) => {
                    if creates_cycle(&*txn, current.id, m.id).await? {
                        errors.push(FieldError::new("parent", "parent_cycle"));
                    }
                    parent_id = Some(m.id);
                    parent_code = Some(m.code);
                }
                Err(CoreError::Invalid(mut e)) => errors.append(&mut e),
                Err(e) => return Err(e),
            },
        }
    }
    let Some(kind) = kind.filter(|_| errors.is_empty()) else { return Err(CoreError::Invalid(errors)) };
    if new_code != current.code
        && unit::Entity::find().filter(unit::Column::Code.eq(&new_code)).one(&*txn).await?.is_some()
    {
        return Err(CoreError::Conflict("duplicate_code"));
    }
    let now = store.now();
    let mut am: unit::ActiveModel = current.clone().into();
    am.code = Set(new_code);
    am.name = Set(name);
    am.name_en = Set(name_en);
    am.kind = Set(kind);
    am.parent_id = Set(parent_id);
    am.updated_at = Set(now);
    let model = am.update(&*txn).await?;
    let after = to_json(&model, parent_code.as_deref());
    if after != before {
        audit::append(
            &*txn,
            now,
            &Actor::from(who),
            Change::updated("unit", model.code.clone(), Some(model.id), before, after),
        )
        .await?;
    }
    if model.name != current.name {
        use crate::registry::service::systems::{FilingChange, filings_need_update};
        filings_need_update(&*txn, now, &Actor::from(who), model.id, FilingChange::UnitRenamed).await?;
    }
    txn.commit().await?;
    Ok(UnitView {
        id: model.id,
        code: model.code,
        name: model.name,
        name_en: model.name_en,
        kind: model.kind,
        parent: parent_code,
    })
}

pub async fn delete(store: &Store, who: &Principal, code: &str) -> Result<()> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, code).await?;
    who.require(Permission::ManageUnits)?;
    let in_use = unit::Entity::find().filter(unit::Column::ParentId.eq(current.id)).count(&*txn).await? > 0
        || person::Entity::find().filter(person::Column::UnitId.eq(current.id)).count(&*txn).await? > 0
        || responsibility::Entity::find().filter(responsibility::Column::UnitId.eq(current.id)).count(&*txn).await? > 0
        || role_grant::Entity::find().filter(role_grant::Column::UnitId.eq(current.id)).count(&*txn).await? > 0;
    if in_use {
        return Err(CoreError::Conflict("unit_in_use"));
    }
    let parents = parent_codes(&*txn, std::slice::from_ref(&current)).await?;
    let before = to_json(&current, current.parent_id.and_then(|p| parents.get(&p)).map(String::as_str));
    unit::Entity::delete_by_id(current.id).exec(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change::deleted("unit", current.code.clone(), Some(current.id), before),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_codes() {
        assert!(valid_code("CS-01"));
        assert!(valid_code("net_center"));
        assert!(!valid_code(""));
        assert!(!valid_code("计算机"));
        assert!(!valid_code("a b"));
        assert!(!valid_code(&"x".repeat(33)));
    }

    #[test]
    fn validation_lists_all_problems() {
        let (e, kind) = validate("", "", "", "planet");
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["code", "name", "kind"]);
        assert_eq!(kind, None);
        let (e, kind) = validate("cs", "计算机学院", "School of CS", "college");
        assert!(e.is_empty());
        assert_eq!(kind, Some(UnitKind::College));
    }
}
