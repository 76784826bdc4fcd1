//! The unit registers' storage. One file per register; `files` keeps the
//! documents of plans, drills and rules; `gaps` reads every register at
//! once for what each unit lacks (the pages' flags and the scorecard).

pub mod budget;
pub mod data;
pub mod drills;
pub mod files;
pub mod gaps;
pub mod plans;
pub mod policies;
pub mod training;

use crate::directory::entity::unit;
use crate::platform::access::{Permission, Principal};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use crate::registry::entity::system;
use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use std::collections::HashMap;

/// A system named by a record.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct NamedSystem {
    pub id: i64,
    pub name: String,
}

pub(crate) fn today(store: &Store) -> NaiveDate {
    store.now().with_timezone(&store.notice_policy().time_zone).date_naive()
}

/// Who may keep a record of `unit_id` (none: the university's, kept by the center).
pub(crate) fn may_keep(who: &Principal, unit_id: Option<i64>) -> bool {
    match unit_id {
        Some(u) => who.may(Permission::KeepRegisters(u)),
        None => who.may(Permission::ManageReadiness),
    }
}

/// A record of `unit_id` is seen by everyone in the unit's scope; the
/// university's records by everyone.
pub(crate) fn require_visible(who: &Principal, unit_id: Option<i64>) -> Result<()> {
    match unit_id {
        Some(u) => who.require_visible(u),
        None => Ok(()),
    }
}

/// The unit a record is kept for, from the input's code: empty is the
/// university's (the center's); an unknown or unseen code is a field error.
/// The caller must be allowed to keep it.
pub(crate) async fn owner_unit<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    code: &str,
    university_allowed: bool,
) -> Result<Option<unit::Model>> {
    let code = code.trim();
    if code.is_empty() {
        if !university_allowed {
            return Err(CoreError::invalid("unit", "required"));
        }
        who.require(Permission::ManageReadiness)?;
        return Ok(None);
    }
    let u = crate::directory::service::units::resolve_code(conn, who, "unit", code).await?;
    who.require(Permission::KeepRegisters(u.id))?;
    Ok(Some(u))
}

/// The systems named in input: each must exist and, for a unit's record,
/// belong to that unit. Returns them by id.
pub(crate) async fn check_systems<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    unit_id: Option<i64>,
    ids: &[i64],
    errors: &mut Vec<FieldError>,
) -> Result<Vec<NamedSystem>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: HashMap<i64, (i64, String)> = system::Entity::find()
        .select_only()
        .columns([system::Column::Id, system::Column::UnitId, system::Column::Name])
        .filter(system::Column::Id.is_in(ids.clone()))
        .into_tuple::<(i64, i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, u, n)| (id, (u, n)))
        .collect();
    let scope = who.scope();
    let mut out = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        match found.get(id) {
            Some((u, name)) if scope.allows(*u) && unit_id.is_none_or(|x| x == *u) => {
                out.push(NamedSystem { id: *id, name: name.clone() })
            }
            _ => errors.push(FieldError::new(&format!("systems[{i}]"), "unknown_system")),
        }
    }
    Ok(out)
}

/// Systems' names by id.
pub(crate) async fn system_names<C: ConnectionTrait>(conn: &C, ids: Vec<i64>) -> Result<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(system::Entity::find()
        .select_only()
        .columns([system::Column::Id, system::Column::Name])
        .filter(system::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// Units' (code, name) by id; the university's records show the empty code.
pub(crate) async fn unit_names<C: ConnectionTrait>(
    conn: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, (String, String)>> {
    Ok(crate::directory::service::units::by_ids(conn, ids)
        .await?
        .into_iter()
        .map(|(id, u)| (id, (u.code, u.name)))
        .collect())
}

pub(crate) fn unit_of(names: &HashMap<i64, (String, String)>, id: Option<i64>) -> (String, String) {
    id.and_then(|u| names.get(&u).cloned()).unwrap_or_default()
}

/// A required free-text field: trimmed, bounded, not empty.
pub(crate) fn required_field(errors: &mut Vec<FieldError>, field: &str, value: &str, max_chars: usize) -> String {
    let v = crate::platform::common::clean_field(errors, field, value, max_chars);
    if v.is_empty() && errors.iter().all(|e| e.field != field) {
        errors.push(FieldError::new(field, "required"));
    }
    v
}

/// A date that cannot be later than today.
pub(crate) fn not_future(errors: &mut Vec<FieldError>, field: &str, d: NaiveDate, today: NaiveDate) {
    if d > today {
        errors.push(FieldError::new(field, "date_in_future"));
    }
}

/// For the pages' pickers: the units whose registers the caller keeps, by code.
pub async fn keepable_units(store: &Store, who: &Principal) -> Result<Vec<(String, String)>> {
    Ok(crate::directory::service::units::all_visible(store, who)
        .await?
        .into_iter()
        .filter(|u| who.may(Permission::KeepRegisters(u.id)))
        .map(|u| (u.code, u.name))
        .collect())
}

/// A unit's people and systems (at most 500 each), for the pages' pickers.
pub async fn unit_picks(
    store: &Store,
    who: &Principal,
    code: &str,
) -> Result<(Vec<(i64, String)>, Vec<(i64, String)>)> {
    use crate::directory::entity::person;
    use sea_orm::QueryOrder;
    let conn = store.db();
    let u = crate::directory::service::units::find_visible(conn, who, code.trim()).await?;
    let people = person::Entity::find()
        .select_only()
        .columns([person::Column::Id, person::Column::Name])
        .filter(person::Column::UnitId.eq(u.id))
        .order_by_asc(person::Column::Id)
        .limit(500)
        .into_tuple()
        .all(conn)
        .await?;
    let systems = system::Entity::find()
        .select_only()
        .columns([system::Column::Id, system::Column::Name])
        .filter(system::Column::UnitId.eq(u.id))
        .order_by_asc(system::Column::Name)
        .limit(500)
        .into_tuple()
        .all(conn)
        .await?;
    Ok((people, systems))
}

/// A list's unit filter: none, or the unit's id; a code the caller does not
/// see filters on id 0, which no unit has, so the list is empty (as the
/// other lists' unit filters answer).
pub(crate) async fn filter_unit<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    code: Option<&str>,
) -> Result<Option<i64>> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(code) => match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => Ok(Some(u.id)),
            Err(CoreError::NotFound) => Ok(Some(0)),
            Err(e) => Err(e),
        },
    }
}
