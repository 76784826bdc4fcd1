//! A unit's responsible persons (责任人): first (第一责任人), main (主要责任人),
//! direct (直接责任人, the unit's network administrator).

use crate::directory::entity::person;
use crate::directory::entity::responsibility;
use crate::directory::entity::unit;
use crate::directory::service::units::find_visible;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const KINDS: [&str; 3] = ["first", "main", "direct"];

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
    pub title: String,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ResponsibilitiesView {
    pub unit: String,
    pub first: Option<PersonRef>,
    pub main: Option<PersonRef>,
    pub direct: Option<PersonRef>,
}

/// `PUT` body: every kind is replaced, so every kind must be named: a
/// person's id, or `null` to clear it. A kind left out is refused rather
/// than cleared (a typo must not remove a responsible person).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponsibilitiesInput {
    #[serde(deserialize_with = "named")]
    #[schema(required = true)]
    pub first: Option<i64>,
    #[serde(deserialize_with = "named")]
    #[schema(required = true)]
    pub main: Option<i64>,
    #[serde(deserialize_with = "named")]
    #[schema(required = true)]
    pub direct: Option<i64>,
}

/// A person's id or `null`; with `deserialize_with` (and no default) an
/// absent field is an error, not `None`.
fn named<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<i64>, D::Error> {
    Option::<i64>::deserialize(d)
}

impl ResponsibilitiesInput {
    fn by_kind(&self) -> [(&'static str, Option<i64>); 3] {
        [("first", self.first), ("main", self.main), ("direct", self.direct)]
    }
}

/// A unit that lacks one or more responsible persons.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MissingView {
    pub code: String,
    pub name: String,
    pub missing: Vec<&'static str>,
}

/// Which of the three kinds are absent. Pure.
pub fn missing_kinds(present: &[&str]) -> Vec<&'static str> {
    KINDS.into_iter().filter(|k| !present.contains(k)).collect()
}

async fn load<C: ConnectionTrait>(conn: &C, u: &unit::Model) -> Result<ResponsibilitiesView> {
    let rows = responsibility::Entity::find().filter(responsibility::Column::UnitId.eq(u.id)).all(conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    let people: HashMap<i64, person::Model> = if ids.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect()
    };
    let get = |kind: &str| {
        rows.iter().find(|r| r.kind == kind).and_then(|r| people.get(&r.person_id)).map(|p| PersonRef {
            id: p.id,
            name: p.name.clone(),
            title: p.title.clone(),
            phone: p.phone.clone(),
        })
    };
    Ok(ResponsibilitiesView { unit: u.code.clone(), first: get("first"), main: get("main"), direct: get("direct") })
}

fn to_json(v: &ResponsibilitiesView) -> serde_json::Value {
    let id = |p: &Option<PersonRef>| p.as_ref().map(|p| p.id);
    serde_json::json!({ "first": id(&v.first), "main": id(&v.main), "direct": id(&v.direct) })
}

pub async fn get(store: &Store, who: &Principal, code: &str) -> Result<ResponsibilitiesView> {
    let u = find_visible(store.db(), who, code).await?;
    load(store.db(), &u).await
}

pub async fn put(
    store: &Store,
    who: &Principal,
    code: &str,
    input: ResponsibilitiesInput,
) -> Result<ResponsibilitiesView> {
    let txn = store.begin_write().await?;
    let u = find_visible(&*txn, who, code).await?;
    who.require(Permission::SetResponsibilities(u.id))?;
    let before = load(&*txn, &u).await?;
    let mut errors = Vec::new();
    for (kind, id) in input.by_kind() {
        if let Some(id) = id {
            let p = person::Entity::find_by_id(id).one(&*txn).await?;
            if p.map(|p| p.unit_id) != Some(u.id) {
                errors.push(FieldError::new(kind, "person_not_in_unit"));
            }
        }
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    responsibility::Entity::delete_many().filter(responsibility::Column::UnitId.eq(u.id)).exec(&*txn).await?;
    for (kind, id) in input.by_kind() {
        if let Some(person_id) = id {
            responsibility::ActiveModel {
                unit_id: Set(u.id),
                kind: Set(kind.to_owned()),
                person_id: Set(person_id),
                updated_at: Set(now),
            }
            .insert(&*txn)
            .await?;
        }
    }
    let after = load(&*txn, &u).await?;
    if after != before {
        audit::append(
            &*txn,
            now,
            &Actor::from(who),
            Change::updated("responsibilities", u.code.clone(), Some(u.id), to_json(&before), to_json(&after)),
        )
        .await?;
    }
    // A person the filing names was replaced or removed: the filing must follow (变更备案).
    let id = |p: &Option<PersonRef>| p.as_ref().map(|p| p.id);
    let replaced = [(&before.first, &after.first), (&before.main, &after.main), (&before.direct, &after.direct)]
        .iter()
        .any(|(b, a)| b.is_some() && id(b) != id(a));
    if replaced {
        use crate::registry::service::systems::{FilingChange, filings_need_update};
        filings_need_update(&*txn, now, &Actor::from(who), u.id, FilingChange::ResponsiblesChanged).await?;
    }
    txn.commit().await?;
    Ok(after)
}

/// Units in scope that lack any of the three responsible persons.
pub async fn units_missing(store: &Store, who: &Principal) -> Result<Vec<MissingView>> {
    let conn = store.db();
    let units = unit::Entity::find()
        .filter(scope_condition(&who.scope(), unit::Column::Id))
        .order_by_asc(unit::Column::Code)
        .all(conn)
        .await?;
    let rows = responsibility::Entity::find()
        .filter(scope_condition(&who.scope(), responsibility::Column::UnitId))
        .all(conn)
        .await?;
    let mut present: HashMap<i64, Vec<&str>> = HashMap::new();
    for r in &rows {
        present.entry(r.unit_id).or_default().push(r.kind.as_str());
    }
    Ok(units
        .into_iter()
        .filter_map(|u| {
            let missing = missing_kinds(present.get(&u.id).map(Vec::as_slice).unwrap_or(&[]));
            (!missing.is_empty()).then_some(MissingView { code: u.code, name: u.name, missing })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_kinds_in_order() {
        assert_eq!(missing_kinds(&[]), vec!["first", "main", "direct"]);
        assert_eq!(missing_kinds(&["direct", "first"]), vec!["main"]);
        assert!(missing_kinds(&["first", "main", "direct"]).is_empty());
    }
}
