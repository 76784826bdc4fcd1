//! People (人员): members of staff, optionally with a login account.

use crate::accounts::entity::user;
use crate::directory::entity::person;
use crate::directory::entity::unit;
use crate::directory::service::units::resolve_code;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    /// Unit code.
    pub unit: String,
    pub unit_name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
    /// Username of the login account, if any.
    pub account: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    #[schema(min_length = 1, pattern = "\\S", max_length = 50)]
    pub name: String,
    pub unit: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 32, pattern = "^[0-9 +()-]*$")]
    pub phone: String,
    #[serde(default)]
    #[schema(max_length = 254, pattern = "^$|^[^@\\s]+@[^.\\s]\\S*\\.\\S*$")]
    pub email: String,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonPatch {
    #[schema(value_type = Option<String>, min_length = 1, pattern = "\\S", max_length = 50)]
    pub name: Option<String>,
    pub unit: Option<String>,
    #[schema(max_length = 100)]
    pub title: Option<String>,
    #[schema(max_length = 32, pattern = "^[0-9 +()-]*$")]
    pub phone: Option<String>,
    #[schema(max_length = 254, pattern = "^$|^[^@\\s]+@[^.\\s]\\S*\\.\\S*$")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PersonFilter {
    pub unit: Option<String>,
    pub q: Option<String>,
}

pub fn valid_phone(s: &str) -> bool {
    s.is_empty() || (s.len() <= 32 && s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)))
}

pub fn valid_email(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let mut parts = s.splitn(2, '@');
    let local = parts.next().unwrap_or("");
    let domain = parts.next().unwrap_or("");
    s.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !s.contains(char::is_whitespace)
}

fn validate(name: &str, title: &str, phone: &str, email: &str) -> Vec<FieldError> {
    let mut e = Vec::new();
    if name.is_empty() {
        e.push(FieldError::new("name", "required"));
    } else if name.chars().count() > 50 {
        e.push(FieldError::new("name", "too_long"));
    }
    if title.chars().count() > 100 {
        e.push(FieldError::new("title", "too_long"));
    }
    if !valid_phone(phone) {
        e.push(FieldError::new("phone", "phone_format"));
    }
    if !valid_email(email) {
        e.push(FieldError::new("email", "email_format"));
    }
    e
}

fn to_json(m: &person::Model, unit_code: &str) -> serde_json::Value {
    serde_json::json!({
        "id": m.id, "name": m.name, "unit": unit_code, "title": m.title, "phone": m.phone, "email": m.email,
    })
}

async fn views<C: ConnectionTrait>(conn: &C, models: Vec<person::Model>) -> Result<Vec<PersonView>> {
    let unit_ids: Vec<i64> = models.iter().map(|m| m.unit_id).collect();
    let person_ids: Vec<i64> = models.iter().map(|m| m.id).collect();
    let units: HashMap<i64, unit::Model> = if unit_ids.is_empty() {
        HashMap::new()
    } else {
        unit::Entity::find()
            .filter(unit::Column::Id.is_in(unit_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect()
    };
    let accounts: HashMap<i64, String> = if person_ids.is_empty() {
        HashMap::new()
    } else {
        user::Entity::find()
            .filter(user::Column::PersonId.is_in(person_ids))
            .all(conn)
            .await?
            .into_iter()
            .filter_map(|u| u.person_id.map(|p| (p, u.username)))
            .collect()
    };
    Ok(models
        .into_iter()
        .map(|m| {
            let (code, uname) = units.get(&m.unit_id).map(|u| (u.code.clone(), u.name.clone())).unwrap_or_default();
            PersonView {
                account: accounts.get(&m.id).cloned(),
                id: m.id,
                name: m.name,
                unit: code,
                unit_name: uname,
                title: m.title,
                phone: m.phone,
                email: m.email,
            }
        })
        .collect())
}

pub(crate) async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<person::Model> {
    person::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), person::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

pub async fn list(
    store: &Store,
    who: &Principal,
    filter: &PersonFilter,
    page: PageRequest,
) -> Result<Page<PersonView>> {
    let conn = store.db();
    let mut q = person::Entity::find().filter(scope_condition(&who.scope(), person::Column::UnitId));
    if let Some(code) = filter.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => q = q.filter(person::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => {
                return Ok(Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() });
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(text) = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(
            sea_orm::Condition::any()
                .add(person::Column::Name.contains(text))
                .add(person::Column::Email.contains(text))
                .add(person::Column::Phone.contains(text)),
        );
    }
    let total = q.clone().count(conn).await?;
    let models = q
        .order_by_asc(person::Column::UnitId)
        .order_by_asc(person::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, models).await?, total, page: page.page(), per_page: page.per_page() })
}

/// People of one unit (for pickers), in scope.
pub async fn of_unit(store: &Store, who: &Principal, unit_id: i64) -> Result<Vec<PersonView>> {
    who.require_visible(unit_id)?;
    let models = person::Entity::find()
        .filter(person::Column::UnitId.eq(unit_id))
        .order_by_asc(person::Column::Id)
        .all(store.db())
        .await?;
    views(store.db(), models).await
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<PersonView> {
    let m = find_visible(store.db(), who, id).await?;
    let mut v = views(store.db(), vec![m]).await?;
    v.pop().ok_or(CoreError::NotFound)
}

pub async fn create(store: &Store, who: &Principal, input: PersonInput) -> Result<PersonView> {
    let name = input.name.trim().to_owned();
    let title = input.title.trim().to_owned();
    let phone = input.phone.trim().to_owned();
    let email = input.email.trim().to_owned();
    let mut errors = validate(&name, &title, &phone, &email);
    let txn = store.begin_write().await?;
    let unit = match resolve_code(&*txn, who, "unit", &input.unit).await {
        Ok(u) => Some(u),
        Err(CoreError::Invalid(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(e) => return Err(e),
    };
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let unit = unit.ok_or(CoreError::NotFound)?;
    who.require(Permission::ManagePeople(unit.id))?;
    let now = store.now();
    let model = person::ActiveModel {
        unit_id: Set(unit.id),
        name: Set(name),
        title: Set(title),
        phone: Set(phone),
        email: Set(email),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created("person", model.id.to_string(), Some(unit.id), to_json(&model, &unit.code)),
    )
    .await?;
    let mut v = views(&*txn, vec![model]).await?;
    txn.commit().await?;
    v.pop().ok_or(CoreError::NotFound)
}

pub async fn update(store: &Store, who: &Principal, id: i64, patch: PersonPatch) -> Result<PersonView> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManagePeople(current.unit_id))?;
    let old_unit = unit::Entity::find_by_id(current.unit_id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let before = to_json(&current, &old_unit.code);

    let pick = |new: &Option<String>, old: &str| new.as_deref().map(str::trim).unwrap_or(old).to_owned();
    let name = pick(&patch.name, &current.name);
    let title = pick(&patch.title, &current.title);
    let phone = pick(&patch.phone, &current.phone);
    let email = pick(&patch.email, &current.email);
    let mut errors = validate(&name, &title, &phone, &email);
    let mut new_unit = old_unit.clone();
    if let Some(code) = patch.unit.as_deref() {
        match resolve_code(&*txn, who, "unit", code).await {
            Ok(u) => new_unit = u,
            Err(CoreError::Invalid(mut e)) => errors.append(&mut e),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    if new_unit.id != old_unit.id {
        who.require(Permission::ManagePeople(new_unit.id))?;
    }
    let now = store.now();
    let mut am: person::ActiveModel = current.into();
    am.name = Set(name);
    am.title = Set(title);
    am.phone = Set(phone);
    am.email = Set(email);
    am.unit_id = Set(new_unit.id);
    am.updated_at = Set(now);
    let model = am.update(&*txn).await?;
    let after = to_json(&model, &new_unit.code);
    if after != before {
        audit::append(
            &*txn,
            now,
            &Actor::from(who),
            Change::updated("person", model.id.to_string(), Some(new_unit.id), before, after),
        )
        .await?;
    }
    let mut v = views(&*txn, vec![model]).await?;
    txn.commit().await?;
    v.pop().ok_or(CoreError::NotFound)
}

/// People by id (each once), for views that name them.
pub(crate) async fn by_ids<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, person::Model>> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_formats() {
        assert!(valid_phone(""));
        assert!(valid_phone("+86 010-6275 1234"));
        assert!(!valid_phone("call me"));
        assert!(valid_email("wang.li@cs.university.example"));
        assert!(valid_email(""));
        assert!(!valid_email("wang"));
        assert!(!valid_email("@x.example"));
        assert!(!valid_email("a b@x.example"));
    }
}
