//! The leadership group (网络安全与信息化领导小组): leader, deputies, members,
//! and its office at the network center.

use crate::directory::entity::leadership_member;
use crate::directory::entity::person;
use crate::directory::entity::unit;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Seats, in the order they are listed.
pub const POSITIONS: [&str; 4] = ["leader", "deputy", "member", "office"];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub id: i64,
    pub position: String,
    pub duty: String,
    pub person_id: i64,
    pub name: String,
    pub title: String,
    pub unit: String,
    pub unit_name: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    pub person_id: i64,
    pub position: String,
    #[serde(default)]
    pub duty: String,
}

fn rank(position: &str) -> usize {
    POSITIONS.iter().position(|p| *p == position).unwrap_or(POSITIONS.len())
}

/// The whole group; visible to every signed-in user.
pub async fn list(store: &Store) -> Result<Vec<MemberView>> {
    let conn = store.db();
    let members = leadership_member::Entity::find().order_by_asc(leadership_member::Column::Id).all(conn).await?;
    let ids: Vec<i64> = members.iter().map(|m| m.person_id).collect();
    let people: HashMap<i64, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let unit_ids: Vec<i64> = people.values().map(|p| p.unit_id).collect();
    let units: HashMap<i64, unit::Model> = unit::Entity::find()
        .filter(unit::Column::Id.is_in(unit_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out: Vec<MemberView> = members
        .into_iter()
        .filter_map(|m| {
            let p = people.get(&m.person_id)?;
            let u = units.get(&p.unit_id);
            Some(MemberView {
                id: m.id,
                position: m.position,
                duty: m.duty,
                person_id: p.id,
                name: p.name.clone(),
                title: p.title.clone(),
                unit: u.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by_key(|m| (rank(&m.position), m.id));
    Ok(out)
}

pub async fn add(store: &Store, who: &Principal, input: MemberInput) -> Result<i64> {
    who.require(Permission::ManageLeadership)?;
    let duty = input.duty.trim().to_owned();
    let mut errors = Vec::new();
    if !POSITIONS.contains(&input.position.as_str()) {
        errors.push(FieldError::new("position", "unknown_position"));
    }
    if duty.chars().count() > 200 {
        errors.push(FieldError::new("duty", "too_long"));
    }
    let txn = store.begin_write().await?;
    if person::Entity::find_by_id(input.person_id).one(&*txn).await?.is_none() {
        errors.push(FieldError::new("person_id", "unknown_person"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let exists = leadership_member::Entity::find()
        .filter(leadership_member::Column::PersonId.eq(input.person_id))
        .filter(leadership_member::Column::Position.eq(&input.position))
        .one(&*txn)
        .await?;
    if exists.is_some() {
        return Err(CoreError::Conflict("duplicate_member"));
    }
    let now = store.now();
    let m = leadership_member::ActiveModel {
        person_id: Set(input.person_id),
        position: Set(input.position.clone()),
        duty: Set(duty.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "leadership_member",
            m.id.to_string(),
            None,
            serde_json::json!({"person_id": m.person_id, "position": m.position, "duty": m.duty}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(m.id)
}

pub async fn remove(store: &Store, who: &Principal, id: i64) -> Result<()> {
    who.require(Permission::ManageLeadership)?;
    let txn = store.begin_write().await?;
    let m = leadership_member::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    leadership_member::Entity::delete_by_id(id).exec(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change::deleted(
            "leadership_member",
            id.to_string(),
            None,
            serde_json::json!({"person_id": m.person_id, "position": m.position, "duty": m.duty}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
