//! Training and staff (§四(六)): training sessions (all-staff awareness or
//! professional; date, hours, attendees) and certificates per person (CISP,
//! CISSP, 等级测评师 …) with their expiry, reminded before it.

use super::{not_future, owner_unit, required_field, today, unit_names, unit_of};
use crate::directory::entity::person;
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::notify::texts::{Message, t};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean_field, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::registers::entity::{certificate, training, training_attendee};
use crate::registers::rules::{self, CertificateKind, CertificateState, TrainingKind};
use crate::registers::service::plans::visible_condition;
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
pub struct TrainingInput {
    /// The unit's code; empty: a university-wide session (the center).
    #[serde(default)]
    #[schema(max_length = 32)]
    pub unit: String,
    pub kind: TrainingKind,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub held_on: NaiveDate,
    /// Hours, to a tenth: `2`, `1.5`.
    #[schema(pattern = "^[0-9]{1,3}(\\.[0-9])?$")]
    pub hours: String,
    /// The people who attended.
    #[serde(default)]
    #[schema(max_items = 5000)]
    pub attendees: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TrainingView {
    pub id: i64,
    /// The unit's code; empty for a university-wide session.
    pub unit: String,
    pub unit_name: String,
    pub kind: TrainingKind,
    pub title: String,
    pub held_on: NaiveDate,
    pub hours: String,
    /// Attendees the caller sees (their units in scope).
    pub attendees: Vec<Attendee>,
    /// Attendees in all.
    pub attendee_count: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Attendee {
    pub id: i64,
    pub name: String,
    pub unit: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TrainingFilter {
    pub year: Option<i32>,
    pub unit: Option<String>,
}

async fn training_views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    rows: Vec<training::Model>,
) -> Result<Vec<TrainingView>> {
    let links = training_attendee::Entity::find()
        .filter(training_attendee::Column::TrainingId.is_in(rows.iter().map(|r| r.id).collect::<Vec<_>>()))
        .all(conn)
        .await?;
    let people = crate::directory::service::people::by_ids(conn, links.iter().map(|l| l.person_id)).await?;
    let units =
        unit_names(conn, rows.iter().filter_map(|r| r.unit_id).chain(people.values().map(|p| p.unit_id))).await?;
    let scope = who.scope();
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine: Vec<&training_attendee::Model> = links.iter().filter(|l| l.training_id == r.id).collect();
            let (unit, unit_name) = unit_of(&units, r.unit_id);
            TrainingView {
                unit,
                unit_name,
                attendee_count: u32::try_from(mine.len()).unwrap_or(0),
                attendees: mine
                    .iter()
                    .filter_map(|l| people.get(&l.person_id))
                    .filter(|p| scope.allows(p.unit_id))
                    .map(|p| Attendee { id: p.id, name: p.name.clone(), unit: unit_of(&units, Some(p.unit_id)).0 })
                    .collect(),
                hours: rules::format_hours(r.hours_tenths),
                id: r.id,
                kind: r.kind,
                title: r.title,
                held_on: r.held_on,
                created_by: r.created_by,
                created_at: r.created_at,
            }
        })
        .collect())
}

pub async fn list_trainings(
    store: &Store,
    who: &Principal,
    f: &TrainingFilter,
    page: PageRequest,
) -> Result<Page<TrainingView>> {
    let conn = store.db();
    let mut q = training::Entity::find().filter(visible_condition(who, training::Column::UnitId));
    if let Some(y) = f.year {
        if !(2000..=2100).contains(&y) {
            return Err(CoreError::invalid("year", "out_of_range"));
        }
        let from = NaiveDate::from_ymd_opt(y, 1, 1).ok_or(CoreError::invalid("year", "out_of_range"))?;
        let to = NaiveDate::from_ymd_opt(y, 12, 31).ok_or(CoreError::invalid("year", "out_of_range"))?;
        q = q.filter(training::Column::HeldOn.between(from, to));
    }
    if let Some(u) = super::filter_unit(conn, who, f.unit.as_deref()).await? {
        q = q.filter(training::Column::UnitId.eq(u));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(training::Column::HeldOn)
        .order_by_desc(training::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: training_views(conn, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

pub async fn get_training(store: &Store, who: &Principal, id: i64) -> Result<TrainingView> {
    let conn = store.db();
    let t = training::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    super::require_visible(who, t.unit_id)?;
    training_views(conn, who, vec![t]).await?.pop().ok_or(CoreError::NotFound)
}

pub async fn create_training(store: &Store, who: &Principal, input: TrainingInput) -> Result<TrainingView> {
    let txn = store.begin_write().await?;
    let unit = owner_unit(&*txn, who, &input.unit, true).await?;
    let unit_id = unit.as_ref().map(|u| u.id);
    let mut e: Vec<FieldError> = Vec::new();
    let title = required_field(&mut e, "title", &input.title, 200);
    not_future(&mut e, "held_on", input.held_on, today(store));
    let hours = rules::parse_hours(&input.hours);
    if hours.is_none() {
        e.push(FieldError::new("hours", "hours_format"));
    }
    let mut ids = input.attendees.clone();
    ids.sort_unstable();
    ids.dedup();
    let found = crate::directory::service::people::by_ids(&*txn, ids.clone()).await?;
    let scope = who.scope();
    for (i, id) in input.attendees.iter().enumerate() {
        if found.get(id).is_none_or(|p| !scope.allows(p.unit_id)) {
            e.push(FieldError::new(&format!("attendees[{i}]"), "unknown_person"));
        }
    }
    let (Some(hours), true) = (hours, e.is_empty()) else {
        return Err(CoreError::Invalid(e));
    };
    let now = store.now();
    let t = training::ActiveModel {
        unit_id: Set(unit_id),
        kind: Set(input.kind),
        title: Set(title.clone()),
        held_on: Set(input.held_on),
        hours_tenths: Set(hours),
        created_by: Set(who.username.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    for chunk in ids.chunks(500) {
        training_attendee::Entity::insert_many(
            chunk.iter().map(|p| training_attendee::ActiveModel { training_id: Set(t.id), person_id: Set(*p) }),
        )
        .exec_without_returning(&*txn)
        .await?;
    }
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "training",
            t.id,
            unit_id,
            json!({"kind": input.kind, "title": title, "held_on": input.held_on, "hours": rules::format_hours(hours), "attendees": ids}),
        ),
    )
    .await?;
    let v = training_views(&*txn, who, vec![t]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// The people who attended any training in `year`.
pub(crate) async fn trained_in<C: ConnectionTrait>(conn: &C, year: i32) -> Result<Vec<i64>> {
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Ok(Vec::new());
    };
    let ids: Vec<i64> = training::Entity::find()
        .select_only()
        .column(training::Column::Id)
        .filter(training::Column::HeldOn.between(from, to))
        .into_tuple()
        .all(conn)
        .await?;
    let mut people: Vec<i64> = training_attendee::Entity::find()
        .select_only()
        .column(training_attendee::Column::PersonId)
        .filter(training_attendee::Column::TrainingId.is_in(ids))
        .into_tuple()
        .all(conn)
        .await?;
    people.sort_unstable();
    people.dedup();
    Ok(people)
}

// ---- Certificates ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateInput {
    pub person_id: i64,
    pub kind: CertificateKind,
    /// The certificate's name (required for `other`).
    #[serde(default)]
    #[schema(max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub number: String,
    #[serde(default)]
    pub issued_on: Option<NaiveDate>,
    /// Empty: it does not expire.
    #[serde(default)]
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct StaffCertificate {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    pub unit: String,
    pub unit_name: String,
    pub kind: CertificateKind,
    pub name: String,
    pub number: String,
    pub issued_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub state: CertificateState,
    pub may_edit: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CertificateFilter {
    pub unit: Option<String>,
    pub state: Option<CertificateState>,
}

async fn cert_views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    today: NaiveDate,
    rows: Vec<certificate::Model>,
) -> Result<Vec<StaffCertificate>> {
    let people = crate::directory::service::people::by_ids(conn, rows.iter().map(|c| c.person_id)).await?;
    let units = unit_names(conn, people.values().map(|p| p.unit_id)).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let p = people.get(&c.person_id);
            let unit_id = p.map(|p| p.unit_id);
            let (unit, unit_name) = unit_of(&units, unit_id);
            StaffCertificate {
                person_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                unit,
                unit_name,
                state: rules::certificate_state(c.expires_on, today),
                may_edit: unit_id.is_some_and(|u| who.may(Permission::KeepRegisters(u))),
                id: c.id,
                person_id: c.person_id,
                kind: c.kind,
                name: c.name,
                number: c.number,
                issued_on: c.issued_on,
                expires_on: c.expires_on,
            }
        })
        .collect())
}

/// Certificates of people in scope (one unit's), those expiring soonest first.
pub async fn list_certificates(
    store: &Store,
    who: &Principal,
    f: &CertificateFilter,
    page: PageRequest,
) -> Result<Page<StaffCertificate>> {
    let conn = store.db();
    let today = today(store);
    let mut pq = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(scope_condition(&who.scope(), person::Column::UnitId));
    if let Some(u) = super::filter_unit(conn, who, f.unit.as_deref()).await? {
        pq = pq.filter(person::Column::UnitId.eq(u));
    }
    let ids: Vec<i64> = pq.into_tuple().all(conn).await?;
    let mut q = certificate::Entity::find().filter(certificate::Column::PersonId.is_in(ids));
    let soon = today + chrono::Duration::days(rules::CERTIFICATE_REMINDER_DAYS);
    q = match f.state {
        Some(CertificateState::Expired) => q.filter(certificate::Column::ExpiresOn.lt(today)),
        Some(CertificateState::Expiring) => q.filter(certificate::Column::ExpiresOn.between(today, soon)),
        Some(CertificateState::Valid) => q.filter(
            sea_orm::Condition::any()
                .add(certificate::Column::ExpiresOn.is_null())
                .add(certificate::Column::ExpiresOn.gt(soon)),
        ),
        None => q,
    };
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(certificate::Column::ExpiresOn)
        .order_by_asc(certificate::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: cert_views(conn, who, today, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

pub async fn create_certificate(store: &Store, who: &Principal, input: CertificateInput) -> Result<StaffCertificate> {
    let txn = store.begin_write().await?;
    let p = person::Entity::find_by_id(input.person_id)
        .filter(scope_condition(&who.scope(), person::Column::UnitId))
        .one(&*txn)
        .await?
        .ok_or(CoreError::invalid("person_id", "unknown_person"))?;
    who.require(Permission::KeepRegisters(p.unit_id))?;
    let mut e: Vec<FieldError> = Vec::new();
    let name = clean_field(&mut e, "name", &input.name, 100);
    if input.kind == CertificateKind::Other && name.is_empty() && e.is_empty() {
        e.push(FieldError::new("name", "required"));
    }
    let number = clean_field(&mut e, "number", &input.number, 100);
    if let Some(i) = input.issued_on {
        not_future(&mut e, "issued_on", i, today(store));
    }
    if let (Some(i), Some(x)) = (input.issued_on, input.expires_on)
        && x < i
    {
        e.push(FieldError::new("expires_on", "ends_before_start"));
    }
    if !e.is_empty() {
        return Err(CoreError::Invalid(e));
    }
    let now = store.now();
    let c = certificate::ActiveModel {
        person_id: Set(p.id),
        kind: Set(input.kind),
        name: Set(name.clone()),
        number: Set(number.clone()),
        issued_on: Set(input.issued_on),
        expires_on: Set(input.expires_on),
        reminded_on: Set(None),
        created_by: Set(who.username.clone()),
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
            "certificate",
            c.id,
            Some(p.unit_id),
            json!({"person_id": p.id, "kind": input.kind, "name": name, "number": number,
                "issued_on": input.issued_on, "expires_on": input.expires_on}),
        ),
    )
    .await?;
    let v = cert_views(&*txn, who, today(store), vec![c]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

pub async fn delete_certificate(store: &Store, who: &Principal, id: i64) -> Result<()> {
    let txn = store.begin_write().await?;
    let c = certificate::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let unit_id: i64 = person::Entity::find_by_id(c.person_id)
        .select_only()
        .column(person::Column::UnitId)
        .into_tuple()
        .one(&*txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    who.require_visible(unit_id)?;
    who.require(Permission::KeepRegisters(unit_id))?;
    certificate::Entity::delete_by_id(id).exec(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change::deleted(
            "certificate",
            id,
            Some(unit_id),
            json!({"person_id": c.person_id, "kind": c.kind, "number": c.number, "expires_on": c.expires_on}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// People holding a certificate valid today.
pub(crate) async fn certified<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = certificate::Entity::find()
        .select_only()
        .column(certificate::Column::PersonId)
        .filter(
            sea_orm::Condition::any()
                .add(certificate::Column::ExpiresOn.is_null())
                .add(certificate::Column::ExpiresOn.gte(today)),
        )
        .into_tuple()
        .all(conn)
        .await?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Remind holders (and their unit's direct responsible person) of
/// certificates entering the reminder window, once per certificate.
pub async fn remind_certificates(store: &Store) -> Result<u64> {
    let today = today(store);
    let soon = today + chrono::Duration::days(rules::CERTIFICATE_REMINDER_DAYS);
    let txn = store.begin_write().await?;
    let due = certificate::Entity::find()
        .filter(certificate::Column::ExpiresOn.between(today, soon))
        .filter(certificate::Column::RemindedOn.is_null())
        .all(&*txn)
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let people = crate::directory::service::people::by_ids(&*txn, due.iter().map(|c| c.person_id)).await?;
    use crate::directory::entity::responsibility;
    let directs: HashMap<i64, i64> = responsibility::Entity::find()
        .select_only()
        .columns([responsibility::Column::UnitId, responsibility::Column::PersonId])
        .filter(responsibility::Column::UnitId.is_in(people.values().map(|p| p.unit_id).collect::<Vec<_>>()))
        .filter(responsibility::Column::Kind.eq("direct"))
        .into_tuple::<(i64, i64)>()
        .all(&*txn)
        .await?
        .into_iter()
        .collect();
    let now = store.now();
    let mut outbox = Outbox::new();
    for c in &due {
        let Some(p) = people.get(&c.person_id) else { continue };
        let date = c.expires_on.map(|d| d.to_string()).unwrap_or_default();
        let cert = if c.name.is_empty() { c.kind.as_str().to_uppercase() } else { c.name.clone() };
        let msg = Message::new("certificate_expiring", "/certificates", |l| {
            let subject = t(l, "certificate.expiring", &[("person", p.name.as_str()), ("certificate", cert.as_str())]);
            (subject, t(l, "certificate.expiring.body", &[("date", date.as_str())]))
        });
        outbox.add_person(&*txn, now, Some(p.unit_id), p.id, &msg).await?;
        // The unit's direct responsible person too, unless that is the holder.
        if directs.get(&p.unit_id).is_some_and(|d| *d != p.id) {
            outbox.add(&*txn, now, Some(p.unit_id), &[Audience::Direct], &msg).await?;
        }
    }
    outbox.flush(&*txn).await?;
    certificate::Entity::update_many()
        .col_expr(certificate::Column::RemindedOn, Expr::value(Some(today)))
        .filter(certificate::Column::Id.is_in(due.iter().map(|c| c.id).collect::<Vec<_>>()))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(u64::try_from(due.len()).unwrap_or(0))
}
