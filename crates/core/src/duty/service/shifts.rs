//! The roster's storage: shifts (one by one or from a rota), swaps with
//! approval, the handover log, who is on duty now, and the coverage of the
//! next days with its gaps and overlaps.

use crate::directory::entity::{person, unit};
use crate::directory::service::people::by_ids as people_by_ids;
use crate::duty::entity::{duty_handover, duty_shift, duty_swap};
use crate::duty::rules::{self, Rota, Span, SwapState};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::notify::texts::{Message, line, t};
use crate::platform::access::{Permission, Principal, Scope};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean, clean_field, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::store::Store;
use crate::registry::entity::system;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ShiftView {
    pub id: i64,
    /// The unit's code; none: the center's roster.
    pub unit: Option<String>,
    pub unit_name: String,
    pub person_id: i64,
    pub person_name: String,
    pub phone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftInput {
    /// The unit's code; empty or absent: the center's roster.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub unit: Option<String>,
    pub person_id: i64,
    /// The phone for this shift; empty: the person's.
    #[serde(default)]
    #[schema(max_length = 40)]
    pub phone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotaInput {
    /// The unit's code; empty or absent: the center's roster.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub unit: Option<String>,
    pub starts_on: chrono::NaiveDate,
    /// Days the rota covers (7 × weeks).
    #[schema(minimum = 1, maximum = 92)]
    pub days: u32,
    /// The hour of the handover, `08:30` (local time).
    #[schema(pattern = "^[0-2][0-9]:[0-5][0-9]$")]
    pub handover: String,
    /// People's ids, in turn.
    #[schema(min_items = 1, max_items = 31)]
    pub people: Vec<i64>,
}

impl RotaInput {
    fn rota(&self) -> Rota {
        Rota {
            starts_on: self.starts_on,
            days: self.days,
            handover: self.handover.clone(),
            people: self.people.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ShiftFilter {
    /// A unit's code; `center` for the center's roster; empty: every roster in scope.
    pub unit: Option<String>,
    /// From (default: now, less a day).
    pub from: Option<DateTime<Utc>>,
    /// To (default: 14 days after `from`; at most 62 days).
    pub to: Option<DateTime<Utc>>,
}

/// Who answers for one important system now.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct OnDuty {
    pub system_id: i64,
    pub system_name: String,
    pub unit: String,
    pub unit_name: String,
    pub level: crate::duty::DutyLevel,
    pub person_name: String,
    pub phone: String,
    pub until: Option<DateTime<Utc>>,
}

/// A roster's coverage of the coming days.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Coverage {
    /// The unit's code; none: the center.
    pub unit: Option<String>,
    pub unit_name: String,
    /// Important systems the roster answers for (0 for the center).
    pub important_systems: u32,
    pub gaps: Vec<Gap>,
    /// Shifts that overlap (ids, in pairs).
    pub overlaps: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Gap {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SwapView {
    pub id: i64,
    pub shift_id: i64,
    pub unit: Option<String>,
    pub from_person: String,
    pub to_person: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub state: SwapState,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    /// The caller may approve or refuse it.
    pub may_decide: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwapInput {
    pub to_person_id: i64,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwapDecision {
    pub approve: bool,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverInput {
    /// The unit's code; empty or absent: the center.
    #[serde(default)]
    #[schema(max_length = 32)]
    pub unit: Option<String>,
    /// What the next person must know: open alerts, incidents, pending work.
    #[schema(min_length = 1, max_length = 5000)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct HandoverView {
    pub id: i64,
    pub unit: Option<String>,
    pub unit_name: String,
    /// Who was on duty when it was written.
    pub on_duty: String,
    pub note: String,
    pub written_by: String,
    pub written_at: DateTime<Utc>,
}

/// The unit a roster belongs to: `None` the center (needs `ManageReadiness`
/// to change), else a unit in scope (needs `ManageDuty(unit)`).
async fn roster_owner<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    code: Option<&str>,
    change: bool,
) -> Result<Option<unit::Model>> {
    match code.map(str::trim).filter(|c| !c.is_empty() && *c != "center") {
        None => {
            if change {
                who.require(Permission::ManageReadiness)?;
            }
            Ok(None)
        }
        Some(c) => {
            let u = crate::directory::service::units::find_visible(conn, who, c).await.map_err(|e| match e {
                CoreError::NotFound => CoreError::invalid("unit", "unknown_unit"),
                e => e,
            })?;
            if change {
                who.require(Permission::ManageDuty(u.id))?;
            }
            Ok(Some(u))
        }
    }
}

fn center_name(store: &Store) -> String {
    store.documents().center.clone()
}

async fn shift_views<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    rows: Vec<duty_shift::Model>,
) -> Result<Vec<ShiftView>> {
    let units = crate::directory::service::units::by_ids(conn, rows.iter().filter_map(|s| s.unit_id)).await?;
    let people = people_by_ids(conn, rows.iter().map(|s| s.person_id)).await?;
    Ok(rows
        .into_iter()
        .map(|s| {
            let u = s.unit_id.and_then(|id| units.get(&id));
            let p = people.get(&s.person_id);
            ShiftView {
                id: s.id,
                unit: u.map(|u| u.code.clone()),
                unit_name: u.map_or_else(|| center_name(store), |u| u.name.clone()),
                person_id: s.person_id,
                person_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                phone: if s.phone.is_empty() { p.map(|p| p.phone.clone()).unwrap_or_default() } else { s.phone },
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                note: s.note,
            }
        })
        .collect())
}

/// The person must exist and belong to the roster's unit (any person for the center's).
async fn check_person<C: ConnectionTrait>(
    conn: &C,
    field: &str,
    person_id: i64,
    owner: Option<&unit::Model>,
    errors: &mut Vec<FieldError>,
) -> Result<()> {
    let p = person::Entity::find_by_id(person_id).one(conn).await?;
    match (p, owner) {
        (None, _) => errors.push(FieldError::new(field, "unknown_person")),
        (Some(p), Some(u)) if p.unit_id != u.id => errors.push(FieldError::new(field, "person_not_in_unit")),
        _ => {}
    }
    Ok(())
}

pub async fn list(store: &Store, who: &Principal, f: &ShiftFilter) -> Result<Vec<ShiftView>> {
    let conn = store.db();
    let from = f.from.unwrap_or_else(|| store.now() - Duration::days(1));
    let to = f.to.unwrap_or(from + Duration::days(14));
    if to <= from || to - from > Duration::days(62) {
        return Err(CoreError::invalid("to", "out_of_range"));
    }
    let mut q = duty_shift::Entity::find()
        .filter(duty_shift::Column::EndsAt.gt(from))
        .filter(duty_shift::Column::StartsAt.lt(to));
    match f.unit.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some("center") => q = q.filter(duty_shift::Column::UnitId.is_null()),
        Some(code) => match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => q = q.filter(duty_shift::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        },
        None => {
            if let Scope::Units(ids) = who.scope() {
                q = q.filter(
                    Condition::any()
                        .add(duty_shift::Column::UnitId.is_null())
                        .add(duty_shift::Column::UnitId.is_in(ids)),
                );
            }
        }
    }
    let rows =
        q.order_by_asc(duty_shift::Column::StartsAt).order_by_asc(duty_shift::Column::Id).limit(5000).all(conn).await?;
    shift_views(store, conn, rows).await
}

pub async fn create(store: &Store, who: &Principal, input: ShiftInput) -> Result<ShiftView> {
    let txn = store.begin_write().await?;
    let owner = roster_owner(&*txn, who, input.unit.as_deref(), true).await?;
    let mut errors = Vec::new();
    check_person(&*txn, "person_id", input.person_id, owner.as_ref(), &mut errors).await?;
    if let Some(code) = rules::check_span(input.starts_at, input.ends_at) {
        errors.push(FieldError::new("ends_at", code));
    }
    let phone = clean_field(&mut errors, "phone", &input.phone, 40);
    let note = clean_field(&mut errors, "note", &input.note, 200);
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    let s = duty_shift::ActiveModel {
        unit_id: Set(owner.as_ref().map(|u| u.id)),
        person_id: Set(input.person_id),
        phone: Set(phone),
        starts_at: Set(input.starts_at),
        ends_at: Set(input.ends_at),
        note: Set(note),
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
            "duty_shift",
            s.id,
            s.unit_id,
            json!({"person_id": s.person_id, "starts_at": s.starts_at, "ends_at": s.ends_at}),
        ),
    )
    .await?;
    let v = shift_views(store, &*txn, vec![s]).await?;
    txn.commit().await?;
    store.duty_spans().bump();
    v.into_iter().next().ok_or(CoreError::NotFound)
}

/// A rota: one shift per day, the people in turn. Shifts already in the
/// roster over those days are kept (the coverage view shows overlaps).
pub async fn create_rota(store: &Store, who: &Principal, input: RotaInput) -> Result<Vec<ShiftView>> {
    let rota = input.rota();
    let txn = store.begin_write().await?;
    let owner = roster_owner(&*txn, who, input.unit.as_deref(), true).await?;
    let mut errors = Vec::new();
    for (i, pid) in rota.people.iter().enumerate() {
        check_person(&*txn, &format!("people[{i}]"), *pid, owner.as_ref(), &mut errors).await?;
    }
    let tz = store.notice_policy().time_zone;
    let shifts = match rules::expand_rota(&rota, &tz) {
        Ok(s) => s,
        Err(code) => {
            let field = match code {
                "time_format" => "handover",
                "out_of_range" => "days",
                _ => "people",
            };
            errors.push(FieldError::new(field, code));
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    let unit_id = owner.as_ref().map(|u| u.id);
    let rows: Vec<duty_shift::ActiveModel> = shifts
        .iter()
        .map(|(p, a, b)| duty_shift::ActiveModel {
            unit_id: Set(unit_id),
            person_id: Set(*p),
            phone: Set(String::new()),
            starts_at: Set(*a),
            ends_at: Set(*b),
            note: Set(String::new()),
            created_by: Set(who.username.clone()),
            created_at: Set(now),
            ..Default::default()
        })
        .collect();
    duty_shift::Entity::insert_many(rows).exec_without_returning(&*txn).await?;
    let (Some(first), Some(last)) = (shifts.first(), shifts.last()) else {
        return Err(CoreError::invalid("days", "out_of_range"));
    };
    let mut q = duty_shift::Entity::find()
        .filter(duty_shift::Column::StartsAt.gte(first.1))
        .filter(duty_shift::Column::StartsAt.lte(last.1))
        .filter(duty_shift::Column::CreatedAt.eq(now));
    q = match unit_id {
        Some(u) => q.filter(duty_shift::Column::UnitId.eq(u)),
        None => q.filter(duty_shift::Column::UnitId.is_null()),
    };
    let created = q.order_by_asc(duty_shift::Column::StartsAt).all(&*txn).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("rota", "duty_shift", created.first().map_or(0, |s| s.id), unit_id).with_after(
            json!({"starts_on": rota.starts_on, "days": rota.days, "handover": rota.handover, "people": rota.people}),
        ),
    )
    .await?;
    let v = shift_views(store, &*txn, created).await?;
    txn.commit().await?;
    store.duty_spans().bump();
    Ok(v)
}

async fn find_shift<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<duty_shift::Model> {
    let s = duty_shift::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    if let Some(u) = s.unit_id {
        who.require_visible(u).map_err(|_| CoreError::NotFound)?;
    }
    Ok(s)
}

fn require_roster(who: &Principal, unit_id: Option<i64>) -> Result<()> {
    match unit_id {
        Some(u) => who.require(Permission::ManageDuty(u)),
        None => who.require(Permission::ManageReadiness),
    }
}

pub async fn delete(store: &Store, who: &Principal, id: i64) -> Result<()> {
    let txn = store.begin_write().await?;
    let s = find_shift(&*txn, who, id).await?;
    require_roster(who, s.unit_id)?;
    duty_shift::Entity::delete_by_id(id).exec(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change::deleted(
            "duty_shift",
            id,
            s.unit_id,
            json!({"person_id": s.person_id, "starts_at": s.starts_at, "ends_at": s.ends_at}),
        ),
    )
    .await?;
    txn.commit().await?;
    store.duty_spans().bump();
    Ok(())
}

/// Shifts by roster (`None`: the center): (span, person, phone).
type Spans = HashMap<Option<i64>, Vec<(Span, i64, String)>>;

/// The shifts of the coming days for every roster, as read at most once a
/// minute: the duty page and the coverage API read ~7,000 shifts otherwise
/// at every view. Any change to the roster in this process drops it at once
/// (`bump`); a change made by another process shows within the minute.
#[derive(Default)]
pub struct SpansCache {
    /// Bumped by every change to the roster.
    generation: std::sync::atomic::AtomicU64,
    read: std::sync::Mutex<Option<CachedSpans>>,
}

impl std::fmt::Debug for SpansCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpansCache").field("generation", &self.generation).finish_non_exhaustive()
    }
}

struct CachedSpans {
    generation: u64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    spans: std::sync::Arc<Spans>,
}

/// How long a read of the coming days' shifts is used.
const SPANS_FRESH: i64 = 60;

impl SpansCache {
    /// The roster changed: the next read goes to the database.
    pub(crate) fn bump(&self) {
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    fn get(&self, now: DateTime<Utc>, to: DateTime<Utc>) -> Option<std::sync::Arc<Spans>> {
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let read = self.read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        read.as_ref()
            .filter(|c| {
                c.generation == generation
                    && c.from <= now
                    && now < c.from + Duration::seconds(SPANS_FRESH)
                    && to <= c.to
            })
            .map(|c| std::sync::Arc::clone(&c.spans))
    }

    fn put(&self, generation: u64, from: DateTime<Utc>, to: DateTime<Utc>, spans: std::sync::Arc<Spans>) {
        let mut read = self.read.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *read = Some(CachedSpans { generation, from, to, spans });
    }
}

/// The shifts from `now` to `to` (and a minute beyond), through the cache.
async fn coming_spans(store: &Store, now: DateTime<Utc>, to: DateTime<Utc>) -> Result<std::sync::Arc<Spans>> {
    let cache = store.duty_spans();
    if let Some(s) = cache.get(now, to) {
        return Ok(s);
    }
    let generation = cache.generation.load(std::sync::atomic::Ordering::SeqCst);
    let until = to + Duration::seconds(SPANS_FRESH);
    let spans = std::sync::Arc::new(spans_by_owner(store.db(), now, until).await?);
    cache.put(generation, now, until, std::sync::Arc::clone(&spans));
    Ok(spans)
}

/// The spans of shifts covering `[from, to)`, by roster (`None`: the center).
async fn spans_by_owner<C: ConnectionTrait>(
    conn: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<Option<i64>, Vec<(Span, i64, String)>>> {
    type Row = (i64, Option<i64>, i64, String, DateTime<Utc>, DateTime<Utc>);
    let rows: Vec<Row> = duty_shift::Entity::find()
        .select_only()
        .columns([
            duty_shift::Column::Id,
            duty_shift::Column::UnitId,
            duty_shift::Column::PersonId,
            duty_shift::Column::Phone,
            duty_shift::Column::StartsAt,
            duty_shift::Column::EndsAt,
        ])
        .filter(duty_shift::Column::EndsAt.gt(from))
        .filter(duty_shift::Column::EndsAt.lte(to + Duration::hours(rules::MAX_SHIFT_HOURS)))
        .filter(duty_shift::Column::StartsAt.lt(to))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<Option<i64>, Vec<(Span, i64, String)>> = HashMap::new();
    for (id, unit, person, phone, a, b) in rows {
        out.entry(unit).or_default().push((Span { id, starts_at: a, ends_at: b }, person, phone));
    }
    Ok(out)
}

/// The shift on duty now for a unit's system: the unit's, else the center's.
pub(crate) async fn on_duty_for<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    unit_id: i64,
) -> Result<Option<(duty_shift::Model, bool)>> {
    let rows = duty_shift::Entity::find()
        .filter(duty_shift::Column::StartsAt.lte(now))
        .filter(duty_shift::Column::EndsAt.gt(now))
        .filter(duty_shift::Column::EndsAt.lte(now + Duration::hours(rules::MAX_SHIFT_HOURS)))
        .filter(Condition::any().add(duty_shift::Column::UnitId.eq(unit_id)).add(duty_shift::Column::UnitId.is_null()))
        .all(conn)
        .await?;
    let pick = |own: bool| {
        let spans: Vec<Span> = rows
            .iter()
            .filter(|s| s.unit_id.is_some() == own)
            .map(|s| Span { id: s.id, starts_at: s.starts_at, ends_at: s.ends_at })
            .collect();
        rules::on_duty_at(&spans, now).and_then(|s| rows.iter().find(|r| r.id == s.id).cloned())
    };
    Ok(pick(true).map(|s| (s, true)).or_else(|| pick(false).map(|s| (s, false))))
}

/// The shift on duty at `now` per roster (`None`: the center's): (person, phone, until).
fn on_duty_by_roster(
    spans: &HashMap<Option<i64>, Vec<(Span, i64, String)>>,
    now: DateTime<Utc>,
) -> HashMap<Option<i64>, (i64, String, DateTime<Utc>)> {
    spans
        .iter()
        .filter_map(|(owner, list)| {
            let only: Vec<Span> = list.iter().map(|x| x.0).collect();
            let s = rules::on_duty_at(&only, now)?;
            let (span, person, phone) = list.iter().find(|x| x.0.id == s.id)?;
            Some((*owner, (*person, phone.clone(), span.ends_at)))
        })
        .collect()
}

/// `unit|id|len:name` repeated (`len` in characters) → (id, name, unit); `None` when malformed.
fn unpack_systems(mut packed: &str) -> Option<Vec<(i64, String, i64)>> {
    let mut out = Vec::new();
    while !packed.is_empty() {
        let (unit, rest) = packed.split_once('|')?;
        let (id, rest) = rest.split_once('|')?;
        let (len, rest) = rest.split_once(':')?;
        let len: usize = len.parse().ok()?;
        let end = rest.char_indices().nth(len).map_or(rest.len(), |(i, _)| i);
        out.push((id.parse().ok()?, rest[..end].to_owned(), unit.parse().ok()?));
        packed = &rest[end..];
    }
    Some(out)
}

/// Who is on duty now for every important system in scope. The systems,
/// the shifts covering now and the units' names are read at once.
pub async fn now(store: &Store, who: &Principal) -> Result<Vec<OnDuty>> {
    let conn = store.db();
    let now = store.now();
    let scope = who.scope();
    // The important systems, packed by the database into one text (read
    // row by row, 2,000 rows cost the driver several times the query itself).
    let pack = match conn.get_database_backend() {
        sea_orm::DbBackend::Postgres => "string_agg(unit_id || '|' || id || '|' || length(name) || ':' || name, '')",
        _ => "group_concat(unit_id || '|' || id || '|' || length(name) || ':' || name, '')",
    };
    let systems_q = system::Entity::find()
        .select_only()
        .column_as(Expr::cust(pack), "packed")
        .filter(system::Column::Important.eq(true))
        .filter(system::Column::Stage.ne(crate::registry::Stage::Closed))
        .filter(scope_condition(&scope, system::Column::UnitId))
        .into_tuple::<Option<String>>()
        .one(conn);
    let units_q = unit::Entity::find()
        .select_only()
        .columns([unit::Column::Id, unit::Column::Code, unit::Column::Name])
        .filter(scope_condition(&scope, unit::Column::Id))
        .into_tuple::<(i64, String, String)>()
        .all(conn);
    let (packed, spans, units) = tokio::try_join!(
        async { systems_q.await.map_err(CoreError::from) },
        spans_by_owner(conn, now, now + Duration::seconds(1)),
        async { units_q.await.map_err(CoreError::from) },
    )?;
    let mut systems = unpack_systems(packed.flatten().as_deref().unwrap_or_default())
        .ok_or_else(|| CoreError::Internal("the important systems could not be read".into()))?;
    systems.sort_unstable_by_key(|s| (s.2, s.0));
    let units: HashMap<i64, (String, String)> = units.into_iter().map(|(id, c, n)| (id, (c, n))).collect();
    // The shift on duty per roster: (person, phone, until).
    let on = on_duty_by_roster(&spans, now);
    let people: HashMap<i64, (String, String)> = person::Entity::find()
        .select_only()
        .columns([person::Column::Id, person::Column::Name, person::Column::Phone])
        .filter(person::Column::Id.is_in(on.values().map(|v| v.0).collect::<Vec<_>>()))
        .into_tuple::<(i64, String, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, n, p)| (id, (n, p)))
        .collect();
    let none = (String::new(), String::new());
    Ok(systems
        .into_iter()
        .map(|(id, name, u)| {
            let (level, shift) = match (on.get(&Some(u)), on.get(&None)) {
                (Some(s), _) => (crate::duty::DutyLevel::Unit, Some(s)),
                (None, Some(c)) => (crate::duty::DutyLevel::Center, Some(c)),
                (None, None) => (crate::duty::DutyLevel::Nobody, None),
            };
            let (person_name, person_phone) = shift.and_then(|s| people.get(&s.0)).unwrap_or(&none);
            let (code, unit_name) = units.get(&u).unwrap_or(&none);
            OnDuty {
                system_id: id,
                system_name: name,
                unit: code.clone(),
                unit_name: unit_name.clone(),
                level,
                person_name: person_name.clone(),
                phone: shift
                    .map(|s| if s.1.is_empty() { person_phone.clone() } else { s.1.clone() })
                    .unwrap_or_default(),
                until: shift.map(|s| s.2),
            }
        })
        .collect())
}

/// Who is on duty now for the important systems of a unit.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitOnDuty {
    pub unit: String,
    pub unit_name: String,
    /// The unit's important systems (not closed).
    pub important_systems: u32,
    pub level: crate::duty::DutyLevel,
    pub person_name: String,
    pub phone: String,
    pub until: Option<DateTime<Utc>>,
}

/// Who is on duty now, by unit with important systems in scope (nobody's first).
pub async fn now_by_unit(store: &Store, who: &Principal) -> Result<Vec<UnitOnDuty>> {
    Ok(overview(store, who).await?.0)
}

/// The coverage of the next `horizon_days` for the center and every unit
/// in scope with important systems.
pub async fn coverage(store: &Store, who: &Principal) -> Result<Vec<Coverage>> {
    Ok(overview(store, who).await?.1)
}

/// Who is on duty now by unit, and the coverage ahead, from one read of the
/// important systems' counts and one of the shifts from now to the horizon.
pub async fn overview(store: &Store, who: &Principal) -> Result<(Vec<UnitOnDuty>, Vec<Coverage>)> {
    let conn = store.db();
    let now = store.now();
    let to = now + Duration::days(i64::from(store.duty_policy().horizon_days));
    let counts_q = system::Entity::find()
        .select_only()
        .column(system::Column::UnitId)
        .column_as(system::Column::Id.count(), "n")
        .filter(system::Column::Important.eq(true))
        .filter(system::Column::Stage.ne(crate::registry::Stage::Closed))
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .group_by(system::Column::UnitId)
        .into_tuple::<(i64, i64)>()
        .all(conn);
    let (mut counts, spans) =
        tokio::try_join!(async { counts_q.await.map_err(CoreError::from) }, coming_spans(store, now, to))?;
    // The cache may hold a minute more on either side: exactly `[now, to)` here.
    let spans: Spans = spans
        .iter()
        .map(|(owner, list)| {
            (*owner, list.iter().filter(|x| x.0.ends_at > now && x.0.starts_at < to).cloned().collect::<Vec<_>>())
        })
        .collect();
    let units = crate::directory::service::units::by_ids(conn, counts.iter().map(|c| c.0)).await?;
    counts.sort_by(|a, b| {
        let code = |id: i64| units.get(&id).map(|u| u.code.as_str()).unwrap_or_default();
        code(a.0).cmp(code(b.0))
    });
    let on = on_duty_by_roster(&spans, now);
    let people = people_by_ids(conn, on.values().map(|v| v.0)).await?;

    let mut duty: Vec<UnitOnDuty> = counts
        .iter()
        .filter_map(|(u, n)| {
            let unit = units.get(u)?;
            let (level, shift) = match (on.get(&Some(*u)), on.get(&None)) {
                (Some(s), _) => (crate::duty::DutyLevel::Unit, Some(s)),
                (None, Some(c)) => (crate::duty::DutyLevel::Center, Some(c)),
                (None, None) => (crate::duty::DutyLevel::Nobody, None),
            };
            let p = shift.and_then(|s| people.get(&s.0));
            Some(UnitOnDuty {
                unit: unit.code.clone(),
                unit_name: unit.name.clone(),
                important_systems: u32::try_from(*n).unwrap_or(0),
                level,
                person_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                phone: shift
                    .map(|s| if s.1.is_empty() { p.map(|p| p.phone.clone()).unwrap_or_default() } else { s.1.clone() })
                    .unwrap_or_default(),
                until: shift.map(|s| s.2),
            })
        })
        .collect();
    // Nobody on duty first (stable: by code within).
    duty.sort_by_key(|d| d.level != crate::duty::DutyLevel::Nobody);

    let one = |owner: Option<i64>, n: i64| {
        let list: Vec<Span> = spans.get(&owner).map(|l| l.iter().map(|x| x.0).collect()).unwrap_or_default();
        let u = owner.and_then(|id| units.get(&id));
        Coverage {
            unit: u.map(|u| u.code.clone()),
            unit_name: u.map_or_else(|| center_name(store), |u| u.name.clone()),
            important_systems: u32::try_from(n).unwrap_or(0),
            gaps: rules::gaps(&list, now, to).into_iter().map(|(from, to)| Gap { from, to }).collect(),
            overlaps: rules::overlaps(&list),
        }
    };
    let mut cover = vec![one(None, 0)];
    cover.extend(counts.iter().map(|(u, n)| one(Some(*u), *n)));
    Ok((duty, cover))
}

/// Remind the owners of rosters with gaps in the coming days (once a day
/// each): the unit's direct responsible person and channels, the center for its own.
pub async fn remind_gaps(store: &Store) -> Result<u64> {
    use crate::notify::entity::outbox;
    let everyone = Principal::system("duty");
    let cover = coverage(store, &everyone).await?;
    let now = store.now();
    let tz = store.notice_policy().time_zone;
    let midnight = crate::duty::rules::local_instant(&tz, now.with_timezone(&tz).date_naive(), chrono::NaiveTime::MIN);
    let txn = store.begin_write().await?;
    let mut outbox = Outbox::new();
    let mut n = 0;
    for c in cover.into_iter().filter(|c| !c.gaps.is_empty()) {
        let unit_id = match &c.unit {
            Some(code) => {
                crate::directory::service::units::find_visible(&*txn, &everyone, code).await.ok().map(|u| u.id)
            }
            None => None,
        };
        let mut sent = outbox::Entity::find()
            .filter(outbox::Column::Event.eq("duty_gap"))
            .filter(outbox::Column::CreatedAt.gte(midnight));
        sent = match unit_id {
            Some(u) => sent.filter(outbox::Column::UnitId.eq(u)),
            None => sent.filter(outbox::Column::UnitId.is_null()),
        };
        if sent.count(&*txn).await? > 0 {
            continue;
        }
        let first = c.gaps[0].clone();
        let hours: i64 = c.gaps.iter().map(|g| (g.to - g.from).num_hours()).sum();
        let from = first.from.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
        let msg = Message::new("duty_gap", "/duty", |l| {
            let subject = t(l, "duty.gap", &[("unit", c.unit_name.as_str())]);
            let body = [
                line(l, "unit", &c.unit_name),
                t(l, "duty.gap.body", &[("from", from.as_str()), ("hours", hours.to_string().as_str())]),
            ]
            .join("\n");
            (subject, body)
        });
        let audiences: &[Audience] =
            if unit_id.is_some() { &[Audience::Direct, Audience::Unit] } else { &[Audience::Center] };
        if outbox.add(&*txn, now, unit_id, audiences, &msg).await? > 0 {
            n += 1;
        }
    }
    outbox.flush(&*txn).await?;
    txn.commit().await?;
    Ok(n)
}

async fn swap_views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    rows: Vec<duty_swap::Model>,
) -> Result<Vec<SwapView>> {
    let shifts: HashMap<i64, duty_shift::Model> = duty_shift::Entity::find()
        .filter(duty_shift::Column::Id.is_in(rows.iter().map(|s| s.shift_id).collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let units = crate::directory::service::units::by_ids(conn, shifts.values().filter_map(|s| s.unit_id)).await?;
    let people = people_by_ids(conn, rows.iter().flat_map(|s| [s.from_person_id, s.to_person_id])).await?;
    let name = |id: i64| people.get(&id).map(|p| p.name.clone()).unwrap_or_default();
    Ok(rows
        .into_iter()
        .filter_map(|s| {
            let sh = shifts.get(&s.shift_id)?;
            let may_decide = s.state == SwapState::Requested
                && match sh.unit_id {
                    Some(u) => who.may(Permission::ApproveSwap(u)),
                    None => who.may(Permission::ManageReadiness),
                };
            Some(SwapView {
                id: s.id,
                shift_id: s.shift_id,
                unit: sh.unit_id.and_then(|u| units.get(&u)).map(|u| u.code.clone()),
                from_person: name(s.from_person_id),
                to_person: name(s.to_person_id),
                starts_at: sh.starts_at,
                ends_at: sh.ends_at,
                reason: s.reason,
                state: s.state,
                requested_by: s.requested_by,
                requested_at: s.requested_at,
                decided_by: s.decided_by,
                decided_at: s.decided_at,
                decision_note: s.decision_note,
                may_decide,
            })
        })
        .collect())
}

/// Swaps in scope, newest first (the latest 200).
pub async fn swaps(store: &Store, who: &Principal) -> Result<Vec<SwapView>> {
    let conn = store.db();
    let mut q = duty_swap::Entity::find();
    if let Scope::Units(ids) = who.scope() {
        let visible = duty_shift::Entity::find()
            .select_only()
            .column(duty_shift::Column::Id)
            .filter(
                Condition::any().add(duty_shift::Column::UnitId.is_null()).add(duty_shift::Column::UnitId.is_in(ids)),
            )
            .into_query();
        q = q.filter(duty_swap::Column::ShiftId.in_subquery(visible));
    }
    let rows = q.order_by_desc(duty_swap::Column::Id).limit(200).all(conn).await?;
    swap_views(conn, who, rows).await
}

/// Ask to hand a shift to someone else (whoever keeps the roster, or the
/// person on the shift); it changes hands once approved.
pub async fn request_swap(store: &Store, who: &Principal, shift_id: i64, input: SwapInput) -> Result<SwapView> {
    let txn = store.begin_write().await?;
    let s = find_shift(&*txn, who, shift_id).await?;
    let own_shift = who.person_id == Some(s.person_id);
    if !own_shift {
        require_roster(who, s.unit_id)?;
    }
    let mut errors = Vec::new();
    let owner = match s.unit_id {
        Some(u) => unit::Entity::find_by_id(u).one(&*txn).await?,
        None => None,
    };
    check_person(&*txn, "to_person_id", input.to_person_id, owner.as_ref(), &mut errors).await?;
    if input.to_person_id == s.person_id {
        errors.push(FieldError::new("to_person_id", "same_person"));
    }
    let reason = clean(&input.reason, 500).unwrap_or_default();
    if reason.is_empty() {
        errors.push(FieldError::new("reason", "required"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    if s.ends_at <= now {
        return Err(CoreError::Conflict("shift_over"));
    }
    let pending = duty_swap::Entity::find()
        .filter(duty_swap::Column::ShiftId.eq(shift_id))
        .filter(duty_swap::Column::State.eq(SwapState::Requested))
        .count(&*txn)
        .await?;
    if pending > 0 {
        return Err(CoreError::Conflict("swap_pending"));
    }
    let w = duty_swap::ActiveModel {
        shift_id: Set(shift_id),
        from_person_id: Set(s.person_id),
        to_person_id: Set(input.to_person_id),
        reason: Set(reason),
        state: Set(SwapState::Requested),
        requested_by: Set(who.username.clone()),
        requested_at: Set(now),
        decided_by: Set(String::new()),
        decided_at: Set(None),
        decision_note: Set(String::new()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "duty_swap",
            w.id,
            s.unit_id,
            json!({"shift_id": shift_id, "to_person_id": input.to_person_id}),
        ),
    )
    .await?;
    let v = swap_views(&*txn, who, vec![w]).await?;
    txn.commit().await?;
    v.into_iter().next().ok_or(CoreError::NotFound)
}

/// Approve (the shift changes hands) or refuse a swap.
pub async fn decide_swap(store: &Store, who: &Principal, id: i64, input: SwapDecision) -> Result<SwapView> {
    let txn = store.begin_write().await?;
    let w = duty_swap::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let s = find_shift(&*txn, who, w.shift_id).await?;
    match s.unit_id {
        Some(u) => who.require(Permission::ApproveSwap(u))?,
        None => who.require(Permission::ManageReadiness)?,
    }
    let note = clean(&input.note, 500).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    if !input.approve && note.is_empty() {
        return Err(CoreError::invalid("note", "required"));
    }
    if w.state != SwapState::Requested {
        return Err(CoreError::Conflict("swap_decided"));
    }
    let now = store.now();
    let state = if input.approve { SwapState::Approved } else { SwapState::Refused };
    duty_swap::Entity::update_many()
        .col_expr(duty_swap::Column::State, Expr::value(state))
        .col_expr(duty_swap::Column::DecidedBy, Expr::value(who.username.clone()))
        .col_expr(duty_swap::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(duty_swap::Column::DecisionNote, Expr::value(note.clone()))
        .filter(duty_swap::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    if input.approve {
        duty_shift::Entity::update_many()
            .col_expr(duty_shift::Column::PersonId, Expr::value(w.to_person_id))
            .col_expr(duty_shift::Column::Phone, Expr::value(String::new()))
            .filter(duty_shift::Column::Id.eq(s.id))
            .exec(&*txn)
            .await?;
    }
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::updated(
            "duty_swap",
            id,
            s.unit_id,
            json!({"state": SwapState::Requested}),
            json!({"state": state, "note": note}),
        )
        .with_action(if input.approve { "approve" } else { "refuse" }),
    )
    .await?;
    let w = duty_swap::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let v = swap_views(&*txn, who, vec![w]).await?;
    txn.commit().await?;
    store.duty_spans().bump();
    v.into_iter().next().ok_or(CoreError::NotFound)
}

/// Write a line of the handover log (whoever keeps the roster, or the person on duty).
pub async fn handover(store: &Store, who: &Principal, input: HandoverInput) -> Result<HandoverView> {
    let txn = store.begin_write().await?;
    let owner = roster_owner(&*txn, who, input.unit.as_deref(), false).await?;
    let now = store.now();
    let unit_id = owner.as_ref().map(|u| u.id);
    let current = match unit_id {
        Some(u) => on_duty_for(&*txn, now, u).await?.filter(|(_, own)| *own).map(|(s, _)| s),
        None => {
            let rows = duty_shift::Entity::find()
                .filter(duty_shift::Column::UnitId.is_null())
                .filter(duty_shift::Column::StartsAt.lte(now))
                .filter(duty_shift::Column::EndsAt.gt(now))
                .all(&*txn)
                .await?;
            let spans: Vec<Span> =
                rows.iter().map(|s| Span { id: s.id, starts_at: s.starts_at, ends_at: s.ends_at }).collect();
            rules::on_duty_at(&spans, now).and_then(|sp| rows.into_iter().find(|r| r.id == sp.id))
        }
    };
    let on_duty_self = current.as_ref().is_some_and(|s| who.person_id == Some(s.person_id));
    if !on_duty_self {
        require_roster(who, unit_id)?;
    }
    let note = clean(&input.note, 5000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    if note.is_empty() {
        return Err(CoreError::invalid("note", "required"));
    }
    let h = duty_handover::ActiveModel {
        unit_id: Set(unit_id),
        shift_id: Set(current.as_ref().map(|s| s.id)),
        note: Set(note),
        written_by: Set(who.username.clone()),
        written_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created("duty_handover", h.id, unit_id, json!({"shift_id": h.shift_id})),
    )
    .await?;
    let v = handover_views(store, &*txn, vec![h]).await?;
    txn.commit().await?;
    v.into_iter().next().ok_or(CoreError::NotFound)
}

async fn handover_views<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    rows: Vec<duty_handover::Model>,
) -> Result<Vec<HandoverView>> {
    let units = crate::directory::service::units::by_ids(conn, rows.iter().filter_map(|h| h.unit_id)).await?;
    let shifts: HashMap<i64, i64> = duty_shift::Entity::find()
        .select_only()
        .columns([duty_shift::Column::Id, duty_shift::Column::PersonId])
        .filter(duty_shift::Column::Id.is_in(rows.iter().filter_map(|h| h.shift_id).collect::<Vec<_>>()))
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let people = people_by_ids(conn, shifts.values().copied()).await?;
    Ok(rows
        .into_iter()
        .map(|h| {
            let u = h.unit_id.and_then(|id| units.get(&id));
            HandoverView {
                id: h.id,
                unit: u.map(|u| u.code.clone()),
                unit_name: u.map_or_else(|| center_name(store), |u| u.name.clone()),
                on_duty: h
                    .shift_id
                    .and_then(|s| shifts.get(&s))
                    .and_then(|p| people.get(p))
                    .map(|p| p.name.clone())
                    .unwrap_or_default(),
                note: h.note,
                written_by: h.written_by,
                written_at: h.written_at,
            }
        })
        .collect())
}

/// The handover log in scope, newest first (the latest 100).
pub async fn handovers(store: &Store, who: &Principal) -> Result<Vec<HandoverView>> {
    let conn = store.db();
    let mut q = duty_handover::Entity::find();
    if let Scope::Units(ids) = who.scope() {
        q = q.filter(
            Condition::any().add(duty_handover::Column::UnitId.is_null()).add(duty_handover::Column::UnitId.is_in(ids)),
        );
    }
    let rows = q
        .order_by_desc(duty_handover::Column::WrittenAt)
        .order_by_desc(duty_handover::Column::Id)
        .limit(100)
        .all(conn)
        .await?;
    handover_views(store, conn, rows).await
}

#[cfg(test)]
mod tests {
    use super::unpack_systems;

    #[test]
    fn packed_systems_unpack_whatever_their_names_hold() {
        let packed = "3|17|6:教务|系统:2|5|0:12|9|3:a:b";
        assert_eq!(
            unpack_systems(packed),
            Some(vec![(17, "教务|系统:".to_owned(), 3), (5, String::new(), 2), (9, "a:b".to_owned(), 12)])
        );
        assert_eq!(unpack_systems(""), Some(vec![]));
        assert_eq!(unpack_systems("3|x|1:a"), None);
        assert_eq!(unpack_systems("3|4"), None);
    }
}
