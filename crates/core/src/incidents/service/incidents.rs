//! Incidents' storage: open one (a person, a monitoring finding, a notice),
//! record the facts and the steps, keep the evidence with its hash and
//! custody, set the grade (a major one raises an accountability record),
//! append supplements, close it with the cause and the measures.

use crate::directory::entity::{person, responsibility};
use crate::incidents::entity::{incident, incident_event, incident_evidence, incident_step, incident_system};
use crate::incidents::rules::{
    self, ClockState, EventKind, GradeFacts, IncidentGrade, IncidentKind, IncidentSource, IncidentState, IncidentStep,
    StepClock,
};
use crate::notices::entity::violation;
use crate::notices::{ViolationCategory, ViolationState};
use crate::notify::service::Outbox;
use crate::notify::texts::{Message, line, t};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean, clean_field, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads::{self, Upload};
use crate::registry::entity::system;
use chrono::{DateTime, Duration, Utc};
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
pub struct IncidentInput {
    /// The unit's code (default: the unit of the first system).
    #[serde(default)]
    #[schema(max_length = 32)]
    pub unit: String,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub kind: IncidentKind,
    /// When it was detected (default: now).
    #[serde(default)]
    pub detected_at: Option<DateTime<Utc>>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub systems: Vec<i64>,
    #[serde(default)]
    pub homepage: bool,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000)]
    pub hours_visible: u32,
    #[serde(default)]
    #[schema(minimum = 0)]
    pub records_affected: u64,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub impact: String,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub contacts: String,
    /// The notice it came from, if any.
    #[serde(default)]
    pub notice_id: Option<i64>,
}

/// The facts and texts that may be changed while the incident is open.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPatch {
    #[schema(max_length = 200)]
    pub title: Option<String>,
    pub kind: Option<IncidentKind>,
    pub homepage: Option<bool>,
    #[schema(minimum = 0, maximum = 100000)]
    pub hours_visible: Option<u32>,
    #[schema(minimum = 0)]
    pub records_affected: Option<u64>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(max_length = 5000)]
    pub impact: Option<String>,
    #[schema(max_length = 5000)]
    pub cause: Option<String>,
    #[schema(max_length = 5000)]
    pub measures: Option<String>,
    #[schema(max_length = 1000)]
    pub contacts: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GradeInput {
    pub grade: IncidentGrade,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    pub step: IncidentStep,
    /// When it was done (default: now); not in the future, not before detection.
    #[serde(default)]
    pub done_at: Option<DateTime<Utc>>,
    /// To whom, by what means, the receipt number.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    /// The cause (required, unless already written).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub cause: String,
    /// The measures taken (required, unless already written).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub measures: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct IncidentFilter {
    pub state: Option<IncidentState>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct IncidentView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub title: String,
    pub kind: IncidentKind,
    pub grade: Option<IncidentGrade>,
    pub suggested_grade: IncidentGrade,
    /// The grade the clock counts by: the one set, else the suggestion.
    pub effective_grade: IncidentGrade,
    pub source: IncidentSource,
    pub finding_id: Option<i64>,
    pub notice_id: Option<i64>,
    pub detected_at: DateTime<Utc>,
    pub homepage: bool,
    pub hours_visible: i32,
    pub records_affected: i64,
    pub cii: bool,
    pub state: IncidentState,
    /// The next report due and not made, if any.
    pub next_due_at: Option<DateTime<Utc>>,
    /// A report target has passed without the report.
    pub overdue: bool,
    pub violation_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct StepView {
    pub step: IncidentStep,
    pub done_at: DateTime<Utc>,
    pub done_by: String,
    pub note: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct EvidenceView {
    pub id: i64,
    pub attachment_id: i64,
    pub file_name: String,
    pub size: i64,
    pub sha256: String,
    pub description: String,
    pub collected_by: String,
    pub collected_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct EventView {
    pub kind: EventKind,
    pub at: DateTime<Utc>,
    pub by: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SystemRef {
    pub id: i64,
    pub name: String,
    pub important: bool,
    pub internet_facing: bool,
}

/// What the caller may do next.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct IncidentActions {
    /// Record steps, evidence, supplements, facts.
    pub work: bool,
    /// Set the grade and close.
    pub manage: bool,
    /// Append a supplement (续报), also once closed.
    pub supplement: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct IncidentDetail {
    pub incident: IncidentView,
    pub description: String,
    pub impact: String,
    pub cause: String,
    pub measures: String,
    pub contacts: String,
    pub systems: Vec<SystemRef>,
    pub clock: Vec<StepClock>,
    pub steps: Vec<StepView>,
    pub evidence: Vec<EvidenceView>,
    pub actions: IncidentActions,
    pub closed_by: String,
}

fn effective(m: &incident::Model) -> IncidentGrade {
    m.grade.unwrap_or(m.suggested_grade)
}

fn to_view(
    m: incident::Model,
    units: &HashMap<i64, crate::directory::entity::unit::Model>,
    clock: &[StepClock],
) -> IncidentView {
    let u = units.get(&m.unit_id);
    let open = m.state == IncidentState::Open;
    let next_due_at = clock.iter().filter(|c| c.done_at.is_none() && open).filter_map(|c| c.due_at).min();
    IncidentView {
        unit: u.map(|u| u.code.clone()).unwrap_or_default(),
        unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
        effective_grade: effective(&m),
        next_due_at,
        overdue: open && clock.iter().any(|c| c.state == ClockState::Overdue),
        id: m.id,
        title: m.title,
        kind: m.kind,
        grade: m.grade,
        suggested_grade: m.suggested_grade,
        source: m.source,
        finding_id: m.finding_id,
        notice_id: m.notice_id,
        detected_at: m.detected_at,
        homepage: m.homepage,
        hours_visible: m.hours_visible,
        records_affected: m.records_affected,
        cii: m.cii,
        state: m.state,
        violation_id: m.violation_id,
        created_by: m.created_by,
        created_at: m.created_at,
        closed_at: m.closed_at,
    }
}

async fn steps_of<C: ConnectionTrait>(conn: &C, ids: Vec<i64>) -> Result<HashMap<i64, Vec<incident_step::Model>>> {
    let mut out: HashMap<i64, Vec<incident_step::Model>> = HashMap::new();
    for s in incident_step::Entity::find().filter(incident_step::Column::IncidentId.is_in(ids)).all(conn).await? {
        out.entry(s.incident_id).or_default().push(s);
    }
    Ok(out)
}

fn clock_of(store: &Store, m: &incident::Model, steps: &[incident_step::Model]) -> Vec<StepClock> {
    let done: Vec<(IncidentStep, DateTime<Utc>)> = steps.iter().map(|s| (s.step, s.done_at)).collect();
    let now = if m.state == IncidentState::Closed { m.closed_at.unwrap_or_else(|| store.now()) } else { store.now() };
    rules::clock(store.reporting_policy(), effective(m), m.cii, m.detected_at, &done, now)
}

async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<incident::Model> {
    incident::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), incident::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

pub async fn list(store: &Store, who: &Principal, f: &IncidentFilter, page: PageRequest) -> Result<Page<IncidentView>> {
    let conn = store.db();
    let mut q = incident::Entity::find().filter(scope_condition(&who.scope(), incident::Column::UnitId));
    if let Some(s) = f.state {
        q = q.filter(incident::Column::State.eq(s));
    }
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => q = q.filter(incident::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => {
                return Ok(Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() });
            }
            Err(e) => return Err(e),
        }
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(incident::Column::State)
        .order_by_desc(incident::Column::DetectedAt)
        .order_by_desc(incident::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|m| m.unit_id)).await?;
    let steps = steps_of(conn, rows.iter().map(|m| m.id).collect()).await?;
    let items = rows
        .into_iter()
        .map(|m| {
            let c = clock_of(store, &m, steps.get(&m.id).map_or(&[][..], Vec::as_slice));
            to_view(m, &units, &c)
        })
        .collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<IncidentDetail> {
    detail_in(store, store.db(), who, id).await
}

async fn detail_in<C: ConnectionTrait>(store: &Store, conn: &C, who: &Principal, id: i64) -> Result<IncidentDetail> {
    let m = find_visible(conn, who, id).await?;
    let units = crate::directory::service::units::by_ids(conn, [m.unit_id]).await?;
    let steps = steps_of(conn, vec![id]).await?.remove(&id).unwrap_or_default();
    let clock = clock_of(store, &m, &steps);
    let system_ids: Vec<i64> = incident_system::Entity::find()
        .select_only()
        .column(incident_system::Column::SystemId)
        .filter(incident_system::Column::IncidentId.eq(id))
        .into_tuple()
        .all(conn)
        .await?;
    let systems = system::Entity::find()
        .filter(system::Column::Id.is_in(system_ids))
        .order_by_asc(system::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|s| SystemRef { id: s.id, name: s.name, important: s.important, internet_facing: s.internet_facing })
        .collect();
    let evidence = evidence_views(conn, id).await?;
    let open = m.state == IncidentState::Open;
    let actions = IncidentActions {
        work: open && who.may(Permission::WorkIncident(m.unit_id)),
        manage: open && who.may(Permission::ManageReadiness),
        supplement: who.may(Permission::WorkIncident(m.unit_id)),
    };
    let mut steps_v: Vec<StepView> = steps
        .into_iter()
        .map(|s| StepView {
            step: s.step,
            done_at: s.done_at,
            done_by: s.done_by,
            note: s.note,
            recorded_at: s.recorded_at,
        })
        .collect();
    steps_v.sort_by_key(|s| s.done_at);
    Ok(IncidentDetail {
        description: m.description.clone(),
        impact: m.impact.clone(),
        cause: m.cause.clone(),
        measures: m.measures.clone(),
        contacts: m.contacts.clone(),
        closed_by: m.closed_by.clone(),
        incident: to_view(m, &units, &clock),
        systems,
        clock,
        steps: steps_v,
        evidence,
        actions,
    })
}

async fn evidence_views<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Vec<EvidenceView>> {
    use crate::platform::entity::attachment;
    let rows = incident_evidence::Entity::find()
        .filter(incident_evidence::Column::IncidentId.eq(id))
        .order_by_asc(incident_evidence::Column::Id)
        .all(conn)
        .await?;
    let files: HashMap<i64, attachment::Model> = attachment::Entity::find()
        .filter(attachment::Column::Id.is_in(rows.iter().map(|e| e.attachment_id).collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(rows
        .into_iter()
        .map(|e| {
            let f = files.get(&e.attachment_id);
            EvidenceView {
                id: e.id,
                attachment_id: e.attachment_id,
                file_name: f.map(|f| f.file_name.clone()).unwrap_or_default(),
                size: f.map_or(0, |f| f.size),
                sha256: e.sha256,
                description: e.description,
                collected_by: e.collected_by,
                collected_at: e.collected_at,
            }
        })
        .collect())
}

pub async fn timeline(store: &Store, who: &Principal, id: i64) -> Result<Vec<EventView>> {
    let conn = store.db();
    find_visible(conn, who, id).await?;
    Ok(incident_event::Entity::find()
        .filter(incident_event::Column::IncidentId.eq(id))
        .order_by_asc(incident_event::Column::At)
        .order_by_asc(incident_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|e| EventView { kind: e.kind, at: e.at, by: e.by_user, text: e.text })
        .collect())
}

async fn event<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    kind: EventKind,
    at: DateTime<Utc>,
    by: &str,
    text: String,
) -> Result<()> {
    incident_event::ActiveModel {
        incident_id: Set(id),
        kind: Set(kind),
        at: Set(at),
        by_user: Set(by.to_owned()),
        text: Set(text),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The facts of the systems concerned: (important, cii).
async fn system_facts<C: ConnectionTrait>(store: &Store, conn: &C, ids: &[i64]) -> Result<(bool, bool)> {
    let rows: Vec<(bool, String)> = system::Entity::find()
        .select_only()
        .columns([system::Column::Important, system::Column::Tags])
        .filter(system::Column::Id.is_in(ids.to_vec()))
        .into_tuple()
        .all(conn)
        .await?;
    let policy = store.reporting_policy();
    Ok((rows.iter().any(|r| r.0), rows.iter().any(|r| policy.is_cii(&r.1))))
}

/// Open an incident (the center, or the unit's network admin or head).
pub async fn create(store: &Store, who: &Principal, input: IncidentInput) -> Result<IncidentDetail> {
    let now = store.now();
    let mut errors = Vec::new();
    let title = clean_field(&mut errors, "title", &input.title, 200);
    if title.is_empty() && errors.iter().all(|e| e.field != "title") {
        errors.push(FieldError::new("title", "required"));
    }
    let description = clean_field(&mut errors, "description", &input.description, 5000);
    let impact = clean_field(&mut errors, "impact", &input.impact, 5000);
    let contacts = clean_field(&mut errors, "contacts", &input.contacts, 1000);
    let detected_at = input.detected_at.unwrap_or(now);
    if detected_at > now + Duration::minutes(5) {
        errors.push(FieldError::new("detected_at", "date_in_future"));
    }
    if input.hours_visible > 100_000 {
        errors.push(FieldError::new("hours_visible", "out_of_range"));
    }
    let records = i64::try_from(input.records_affected).unwrap_or(i64::MAX);
    let txn = store.begin_write().await?;
    let mut systems = input.systems.clone();
    systems.sort_unstable();
    systems.dedup();
    let found: Vec<(i64, i64)> = system::Entity::find()
        .select_only()
        .columns([system::Column::Id, system::Column::UnitId])
        .filter(system::Column::Id.is_in(systems.clone()))
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .into_tuple()
        .all(&*txn)
        .await?;
    if found.len() != systems.len() {
        errors.push(FieldError::new("systems", "unknown_system"));
    }
    let unit_id = if input.unit.trim().is_empty() {
        systems.first().and_then(|s| found.iter().find(|f| f.0 == *s)).map(|f| f.1)
    } else {
        match crate::directory::service::units::find_visible(&*txn, who, input.unit.trim()).await {
            Ok(u) => Some(u.id),
            Err(CoreError::NotFound) => None,
            Err(e) => return Err(e),
        }
    };
    let Some(unit_id) = unit_id else {
        errors.push(FieldError::new("unit", "unknown_unit"));
        return Err(CoreError::Invalid(errors));
    };
    if found.iter().any(|f| f.1 != unit_id) {
        errors.push(FieldError::new("systems", "system_of_other_unit"));
    }
    if let Some(n) = input.notice_id
        && crate::notices::entity::notice::Entity::find_by_id(n).one(&*txn).await?.is_none()
    {
        errors.push(FieldError::new("notice_id", "unknown_notice"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    who.require(Permission::WorkIncident(unit_id))?;
    let source = if input.notice_id.is_some() { IncidentSource::Notice } else { IncidentSource::Person };
    let draft = Draft {
        unit_id,
        title,
        kind: input.kind,
        source,
        finding_id: None,
        notice_id: input.notice_id,
        detected_at,
        systems,
        homepage: input.homepage,
        hours_visible: i32::try_from(input.hours_visible).unwrap_or(i32::MAX),
        records_affected: records,
        description,
        impact,
        contacts,
    };
    let mut outbox = Outbox::new();
    let id = insert(store, &*txn, who, draft, &mut outbox).await?;
    outbox.flush(&*txn).await?;
    let d = detail_in(store, &*txn, who, id).await?;
    txn.commit().await?;
    Ok(d)
}

/// What a new incident holds.
pub(crate) struct Draft {
    pub unit_id: i64,
    pub title: String,
    pub kind: IncidentKind,
    pub source: IncidentSource,
    pub finding_id: Option<i64>,
    pub notice_id: Option<i64>,
    pub detected_at: DateTime<Utc>,
    pub systems: Vec<i64>,
    pub homepage: bool,
    pub hours_visible: i32,
    pub records_affected: i64,
    pub description: String,
    pub impact: String,
    pub contacts: String,
}

/// Write a new incident in the caller's transaction, and alert the person on duty.
pub(crate) async fn insert<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    who: &Principal,
    d: Draft,
    outbox: &mut Outbox,
) -> Result<i64> {
    let now = store.now();
    let (important, cii) = system_facts(store, conn, &d.systems).await?;
    let suggested = rules::suggest_grade(&GradeFacts {
        kind: d.kind,
        important,
        cii,
        homepage: d.homepage,
        hours_visible: u32::try_from(d.hours_visible).unwrap_or(0),
        records_affected: u64::try_from(d.records_affected).unwrap_or(0),
    });
    let m = incident::ActiveModel {
        unit_id: Set(d.unit_id),
        title: Set(d.title.clone()),
        kind: Set(d.kind),
        grade: Set(None),
        suggested_grade: Set(suggested),
        source: Set(d.source),
        finding_id: Set(d.finding_id),
        notice_id: Set(d.notice_id),
        detected_at: Set(d.detected_at),
        homepage: Set(d.homepage),
        hours_visible: Set(d.hours_visible),
        records_affected: Set(d.records_affected),
        cii: Set(cii),
        description: Set(d.description),
        impact: Set(d.impact),
        cause: Set(String::new()),
        measures: Set(String::new()),
        contacts: Set(d.contacts),
        state: Set(IncidentState::Open),
        violation_id: Set(None),
        created_by: Set(who.username.clone()),
        created_at: Set(now),
        closed_by: Set(String::new()),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    if !d.systems.is_empty() {
        incident_system::Entity::insert_many(
            d.systems.iter().map(|s| incident_system::ActiveModel { incident_id: Set(m.id), system_id: Set(*s) }),
        )
        .exec_without_returning(conn)
        .await?;
    }
    event(
        conn,
        m.id,
        EventKind::Opened,
        now,
        &who.username,
        format!("{}（{}）；建议定级：{}", d.kind.zh(), d.source.as_str(), suggested.zh()),
    )
    .await?;
    audit::append(
        conn,
        now,
        &Actor::from(who),
        Change::created(
            "incident",
            m.id,
            Some(d.unit_id),
            json!({"title": d.title, "kind": d.kind, "source": d.source, "suggested_grade": suggested, "systems": d.systems}),
        ),
    )
    .await?;
    let unit_name: String = crate::directory::entity::unit::Entity::find_by_id(d.unit_id)
        .select_only()
        .column(crate::directory::entity::unit::Column::Name)
        .into_tuple()
        .one(conn)
        .await?
        .unwrap_or_default();
    let tz = store.notice_policy().time_zone;
    let detected = d.detected_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let hours = store
        .reporting_policy()
        .target_hours(IncidentStep::ReportedPolice, suggested, cii)
        .map(|h| h.to_string())
        .unwrap_or_default();
    let msg = Message::new("incident_opened", format!("/incidents/{}", m.id), |l| {
        let subject = t(l, "incident.opened", &[("unit", unit_name.as_str()), ("title", d.title.as_str())]);
        let body = [
            line(l, "unit", &unit_name),
            line(l, "detected_at", &detected),
            t(l, "incident.opened.body", &[("hours", hours.as_str())]),
        ]
        .join("\n");
        (subject.chars().take(200).collect(), body)
    });
    crate::duty::service::alerts::raise_in(store, conn, now, d.unit_id, d.systems.first().copied(), &msg, outbox)
        .await?;
    Ok(m.id)
}

/// A monitoring finding on an internet-facing system opens an incident with
/// the system, the evidence and the finding's time (in the monitor's
/// transaction), or joins the system's open incident of the same kind.
/// `Some` when an incident carries it (and so alerts for it).
pub(crate) async fn open_from_finding<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    f: &crate::monitoring::entity::finding::Model,
    url: &str,
    notice_id: Option<i64>,
    outbox: &mut Outbox,
) -> Result<Option<i64>> {
    let Some(kind) = rules::opens_incident(f.code) else { return Ok(None) };
    let facing: Option<bool> = system::Entity::find_by_id(f.system_id)
        .select_only()
        .column(system::Column::InternetFacing)
        .into_tuple()
        .one(conn)
        .await?;
    if facing != Some(true) {
        return Ok(None);
    }
    let already = incident::Entity::find().filter(incident::Column::FindingId.eq(f.id)).count(conn).await?;
    if already > 0 {
        return Ok(None);
    }
    // Another finding of the same kind on a system with an open incident
    // from monitoring joins that incident's timeline (one defacement, one
    // incident), and its alert is not repeated.
    let on_system: Vec<i64> = incident_system::Entity::find()
        .select_only()
        .column(incident_system::Column::IncidentId)
        .filter(incident_system::Column::SystemId.eq(f.system_id))
        .into_tuple()
        .all(conn)
        .await?;
    if let Some(open) = incident::Entity::find()
        .filter(incident::Column::Id.is_in(on_system))
        .filter(incident::Column::State.eq(IncidentState::Open))
        .filter(incident::Column::Source.eq(IncidentSource::Monitoring))
        .filter(incident::Column::Kind.eq(kind))
        .order_by_desc(incident::Column::Id)
        .one(conn)
        .await?
    {
        let text = format!("新的监测发现：{}（{}）", f.summary, url).chars().take(2000).collect();
        event(conn, open.id, EventKind::Finding, store.now(), "monitor", text).await?;
        return Ok(Some(open.id));
    }
    let homepage =
        url::Url::parse(url).is_ok_and(|u| matches!(u.path(), "" | "/" | "/index.html" | "/index.htm" | "/index.php"));
    let evidence: serde_json::Value = serde_json::from_str(&f.evidence).unwrap_or_default();
    let first = f.first_seen_at.with_timezone(&store.notice_policy().time_zone).format("%Y-%m-%d %H:%M:%S");
    let mut description = format!("监测地址：{url}\n发现：{}\n首次发现：{first}\n", f.summary);
    if !evidence.is_null() {
        description.push_str("证据：\n");
        description.extend(serde_json::to_string_pretty(&evidence).unwrap_or_default().chars().take(4000));
    }
    let draft = Draft {
        unit_id: f.unit_id,
        title: format!("监测发现：{}", f.summary).chars().take(200).collect(),
        kind,
        source: IncidentSource::Monitoring,
        finding_id: Some(f.id),
        notice_id,
        detected_at: f.first_seen_at,
        systems: vec![f.system_id],
        homepage,
        hours_visible: 0,
        records_affected: 0,
        description: description.chars().take(5000).collect(),
        impact: String::new(),
        contacts: String::new(),
    };
    insert(store, conn, &Principal::system("monitor"), draft, outbox).await.map(Some)
}

async fn open_for_work<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    id: i64,
    manage: bool,
) -> Result<incident::Model> {
    let m = find_visible(conn, who, id).await?;
    if manage {
        who.require(Permission::ManageReadiness)?;
    } else {
        who.require(Permission::WorkIncident(m.unit_id))?;
    }
    if m.state == IncidentState::Closed {
        return Err(CoreError::Conflict("incident_closed"));
    }
    Ok(m)
}

/// Change the facts and texts of an open incident; the suggestion follows the facts.
pub async fn update(store: &Store, who: &Principal, id: i64, p: IncidentPatch) -> Result<IncidentDetail> {
    let txn = store.begin_write().await?;
    let m = open_for_work(&*txn, who, id, false).await?;
    let mut errors = Vec::new();
    let mut am: incident::ActiveModel = m.clone().into();
    let mut changed = Vec::new();
    if let Some(v) = &p.title {
        let v = clean_field(&mut errors, "title", v, 200);
        if v.is_empty() && errors.iter().all(|e| e.field != "title") {
            errors.push(FieldError::new("title", "required"));
        }
        am.title = Set(v);
        changed.push("title");
    }
    for (field, value, max) in [
        ("description", &p.description, 5000),
        ("impact", &p.impact, 5000),
        ("cause", &p.cause, 5000),
        ("measures", &p.measures, 5000),
        ("contacts", &p.contacts, 1000),
    ] {
        if let Some(v) = value {
            let v = clean_field(&mut errors, field, v, max);
            match field {
                "description" => am.description = Set(v),
                "impact" => am.impact = Set(v),
                "cause" => am.cause = Set(v),
                "measures" => am.measures = Set(v),
                _ => am.contacts = Set(v),
            }
            changed.push(field);
        }
    }
    if p.hours_visible.is_some_and(|h| h > 100_000) {
        errors.push(FieldError::new("hours_visible", "out_of_range"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let kind = p.kind.unwrap_or(m.kind);
    let homepage = p.homepage.unwrap_or(m.homepage);
    let hours = p.hours_visible.map_or(m.hours_visible, |h| i32::try_from(h).unwrap_or(i32::MAX));
    let records = p.records_affected.map_or(m.records_affected, |r| i64::try_from(r).unwrap_or(i64::MAX));
    let systems: Vec<i64> = incident_system::Entity::find()
        .select_only()
        .column(incident_system::Column::SystemId)
        .filter(incident_system::Column::IncidentId.eq(id))
        .into_tuple()
        .all(&*txn)
        .await?;
    let (important, cii) = system_facts(store, &*txn, &systems).await?;
    let suggested = rules::suggest_grade(&GradeFacts {
        kind,
        important,
        cii,
        homepage,
        hours_visible: u32::try_from(hours).unwrap_or(0),
        records_affected: u64::try_from(records).unwrap_or(0),
    });
    am.kind = Set(kind);
    am.homepage = Set(homepage);
    am.hours_visible = Set(hours);
    am.records_affected = Set(records);
    am.cii = Set(cii);
    am.suggested_grade = Set(suggested);
    am.update(&*txn).await?;
    let now = store.now();
    let mut text = format!("更新：{}", changed.join("、"));
    if suggested != m.suggested_grade {
        text.push_str(&format!("；建议定级 {} → {}", m.suggested_grade.zh(), suggested.zh()));
    }
    event(&*txn, id, EventKind::Updated, now, &who.username, text).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::updated(
            "incident",
            id,
            Some(m.unit_id),
            json!({"kind": m.kind, "homepage": m.homepage, "hours_visible": m.hours_visible, "records_affected": m.records_affected, "suggested_grade": m.suggested_grade}),
            json!({"kind": kind, "homepage": homepage, "hours_visible": hours, "records_affected": records, "suggested_grade": suggested, "fields": changed}),
        ),
    )
    .await?;
    let d = detail_in(store, &*txn, who, id).await?;
    txn.commit().await?;
    Ok(d)
}

/// Set the grade (the center). 重大 and above raise an accountability record
/// naming the unit's responsible persons (once per incident).
pub async fn set_grade(store: &Store, who: &Principal, id: i64, input: GradeInput) -> Result<IncidentDetail> {
    let txn = store.begin_write().await?;
    let m = open_for_work(&*txn, who, id, true).await?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    let now = store.now();
    let mut violation_id = m.violation_id;
    if input.grade.is_major() && violation_id.is_none() {
        violation_id = Some(raise_accountability(store, &*txn, &m, input.grade).await?);
    }
    incident::Entity::update_many()
        .col_expr(incident::Column::Grade, Expr::value(Some(input.grade)))
        .col_expr(incident::Column::ViolationId, Expr::value(violation_id))
        .filter(incident::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    let mut text = format!("定级：{}（建议：{}）", input.grade.zh(), m.suggested_grade.zh());
    if !note.is_empty() {
        text.push_str(&format!("；{note}"));
    }
    event(&*txn, id, EventKind::Graded, now, &who.username, text).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::updated(
            "incident",
            id,
            Some(m.unit_id),
            json!({"grade": m.grade}),
            json!({"grade": input.grade, "note": note}),
        )
        .with_action("grade"),
    )
    .await?;
    let d = detail_in(store, &*txn, who, id).await?;
    txn.commit().await?;
    Ok(d)
}

/// The unit's responsible persons as a line: 第一责任人：…；主要责任人：…；直接责任人：….
async fn responsible_line<C: ConnectionTrait>(conn: &C, unit_id: i64) -> Result<String> {
    let rows = responsibility::Entity::find().filter(responsibility::Column::UnitId.eq(unit_id)).all(conn).await?;
    let names: HashMap<i64, String> = person::Entity::find()
        .select_only()
        .columns([person::Column::Id, person::Column::Name])
        .filter(person::Column::Id.is_in(rows.iter().map(|r| r.person_id).collect::<Vec<_>>()))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut parts = Vec::new();
    for (kind, label) in [("first", "第一责任人"), ("main", "主要责任人"), ("direct", "直接责任人")] {
        let who: Vec<&str> = rows
            .iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| names.get(&r.person_id).map(String::as_str))
            .collect();
        parts.push(format!("{label}：{}", if who.is_empty() { "未指定".to_owned() } else { who.join("、") }));
    }
    Ok(parts.join("；"))
}

async fn raise_accountability<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    m: &incident::Model,
    grade: IncidentGrade,
) -> Result<i64> {
    let now = store.now();
    let people = responsible_line(conn, m.unit_id).await?;
    let description = format!(
        "发生{}网络安全事件（事件 #{}：{}）。按学校规定追究责任，责任人：{}。",
        grade.zh(),
        m.id,
        m.title,
        people
    );
    let system_id: Option<i64> = incident_system::Entity::find()
        .select_only()
        .column(incident_system::Column::SystemId)
        .filter(incident_system::Column::IncidentId.eq(m.id))
        .into_tuple()
        .one(conn)
        .await?;
    let v = violation::ActiveModel {
        unit_id: Set(m.unit_id),
        category: Set(ViolationCategory::MajorIncident),
        legacy_category: Set(String::new()),
        state: Set(ViolationState::Proposed),
        decided_by: Set(String::new()),
        decided_at: Set(None),
        decision_note: Set(String::new()),
        system_id: Set(system_id),
        rectification_id: Set(None),
        description: Set(description.clone()),
        raised_by: Set(crate::enforcement::service::engine::RULES.into()),
        occurred_at: Set(m.detected_at),
        created_at: Set(now),
        rule_key: Set(String::new()),
        correct_by: Set(None),
        corrected_at: Set(None),
        criticism_no: Set(String::new()),
        criticized_by: Set(String::new()),
        criticized_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::append(
        conn,
        now,
        &Actor::system(crate::enforcement::service::engine::RULES),
        Change::created(
            "violation",
            v.id,
            Some(m.unit_id),
            json!({"category": ViolationCategory::MajorIncident, "state": ViolationState::Proposed, "description": description, "incident_id": m.id}),
        )
        .with_action("propose"),
    )
    .await?;
    Ok(v.id)
}

/// Record a step of the clock (once each): when it was done and what was done.
pub async fn record_step(store: &Store, who: &Principal, id: i64, input: StepInput) -> Result<IncidentDetail> {
    let txn = store.begin_write().await?;
    let m = open_for_work(&*txn, who, id, false).await?;
    let now = store.now();
    let done_at = input.done_at.unwrap_or(now);
    let mut errors = Vec::new();
    if done_at > now + Duration::minutes(5) {
        errors.push(FieldError::new("done_at", "date_in_future"));
    }
    if done_at < m.detected_at - Duration::days(1) {
        errors.push(FieldError::new("done_at", "before_detection"));
    }
    let note = clean_field(&mut errors, "note", &input.note, 2000);
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let exists = incident_step::Entity::find()
        .filter(incident_step::Column::IncidentId.eq(id))
        .filter(incident_step::Column::Step.eq(input.step))
        .count(&*txn)
        .await?;
    if exists > 0 {
        return Err(CoreError::Conflict("step_recorded"));
    }
    incident_step::ActiveModel {
        incident_id: Set(id),
        step: Set(input.step),
        done_at: Set(done_at),
        done_by: Set(who.username.clone()),
        note: Set(note.clone()),
        recorded_at: Set(now),
    }
    .insert(&*txn)
    .await?;
    let tz = store.notice_policy().time_zone;
    let mut text = format!("{}：{}", input.step.zh(), done_at.with_timezone(&tz).format("%Y-%m-%d %H:%M"));
    if !note.is_empty() {
        text.push_str(&format!("；{note}"));
    }
    event(&*txn, id, EventKind::Step, now, &who.username, text).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("step", "incident", id, Some(m.unit_id))
            .with_after(json!({"step": input.step, "done_at": done_at, "note": note})),
    )
    .await?;
    let d = detail_in(store, &*txn, who, id).await?;
    txn.commit().await?;
    Ok(d)
}

/// Keep evidence files (their SHA-256 as collected, who, when).
pub async fn add_evidence(
    store: &Store,
    who: &Principal,
    id: i64,
    description: &str,
    files: Vec<Upload>,
) -> Result<IncidentDetail> {
    // Who may is settled before what was sent is read.
    open_for_work(store.db(), who, id, false).await?;
    let mut errors = Vec::new();
    let description = clean_field(&mut errors, "description", description, 2000);
    let mut checked = Vec::new();
    for f in &files {
        if let Some(c) = uploads::check("file", f, &mut errors) {
            checked.push(c);
        }
    }
    if checked.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("file", "required"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let txn = store.begin_write().await?;
    let m = open_for_work(&*txn, who, id, false).await?;
    let now = store.now();
    let mut names = Vec::new();
    for (up, ct) in checked {
        let aid = uploads::save(store, &*txn, who, up, ct).await?;
        let sha: String = crate::platform::entity::attachment::Entity::find_by_id(aid)
            .select_only()
            .column(crate::platform::entity::attachment::Column::Sha256)
            .into_tuple()
            .one(&*txn)
            .await?
            .unwrap_or_default();
        incident_evidence::ActiveModel {
            incident_id: Set(id),
            attachment_id: Set(aid),
            sha256: Set(sha.clone()),
            description: Set(description.clone()),
            collected_by: Set(who.username.clone()),
            collected_at: Set(now),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        names.push(format!("{}（SHA-256 {}）", crate::platform::attachments::clean_name(&up.file_name), sha));
    }
    event(&*txn, id, EventKind::Evidence, now, &who.username, format!("留存证据：{}", names.join("、"))).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("evidence", "incident", id, Some(m.unit_id))
            .with_after(json!({"files": names, "description": description})),
    )
    .await?;
    let d = detail_in(store, &*txn, who, id).await?;
    txn.commit().await?;
    Ok(d)
}

/// Read a piece of evidence: the file is checked against the hash taken at
/// collection, and the reading is written to the timeline (chain of custody).
pub async fn evidence_file(
    store: &Store,
    who: &Principal,
    id: i64,
    evidence_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let txn = store.begin_write().await?;
    find_visible(&*txn, who, id).await?;
    let e = incident_evidence::Entity::find_by_id(evidence_id)
        .filter(incident_evidence::Column::IncidentId.eq(id))
        .one(&*txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let (name, ct, bytes) = uploads::read(store, &*txn, e.attachment_id).await?;
    use sha2::Digest;
    let now_hash = hex::encode(sha2::Sha256::digest(&bytes));
    if now_hash != e.sha256 {
        return Err(CoreError::Internal(format!("evidence {evidence_id} no longer matches its hash")));
    }
    event(&*txn, id, EventKind::Custody, store.now(), &who.username, format!("查阅证据：{name}（哈希一致）")).await?;
    txn.commit().await?;
    Ok((name, ct, bytes))
}

/// Append a supplement (续报) to the record and the report.
pub async fn supplement(store: &Store, who: &Principal, id: i64, input: TextInput) -> Result<IncidentDetail> {
    let txn = store.begin_write().await?;
    let m = find_visible(&*txn, who, id).await?;
    who.require(Permission::WorkIncident(m.unit_id))?;
    let text = clean(&input.text, 5000).ok_or_else(|| CoreError::invalid("text", "too_long"))?;
    if text.is_empty() {
        return Err(CoreError::invalid("text", "required"));
    }
    let now = store.now();
    event(&*txn, id, EventKind::Supplement, now, &who.username, text.clone()).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("supplement", "incident", id, Some(m.unit_id)).with_after(json!({"text": text})),
    )
    .await?;
    let d = detail_in(store, &*txn, who, id).await?;
    txn.commit().await?;
    Ok(d)
}

/// Close an incident (the center): the cause and the measures are required.
pub async fn close(store: &Store, who: &Principal, id: i64, input: CloseInput) -> Result<IncidentDetail> {
    let txn = store.begin_write().await?;
    let m = open_for_work(&*txn, who, id, true).await?;
    let mut errors = Vec::new();
    let cause = clean_field(&mut errors, "cause", &input.cause, 5000);
    let measures = clean_field(&mut errors, "measures", &input.measures, 5000);
    let cause = if cause.is_empty() { m.cause.clone() } else { cause };
    let measures = if measures.is_empty() { m.measures.clone() } else { measures };
    for (f, code) in rules::closure_problems(&cause, &measures) {
        errors.push(FieldError::new(f, code));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    incident::Entity::update_many()
        .col_expr(incident::Column::Cause, Expr::value(cause.clone()))
        .col_expr(incident::Column::Measures, Expr::value(measures.clone()))
        .col_expr(incident::Column::State, Expr::value(IncidentState::Closed))
        .col_expr(incident::Column::ClosedBy, Expr::value(who.username.clone()))
        .col_expr(incident::Column::ClosedAt, Expr::value(Some(now)))
        .filter(incident::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    event(&*txn, id, EventKind::Closed, now, &who.username, format!("原因：{cause}\n措施：{measures}")).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::updated(
            "incident",
            id,
            Some(m.unit_id),
            json!({"state": IncidentState::Open}),
            json!({"state": IncidentState::Closed, "cause": cause, "measures": measures}),
        )
        .with_action("close"),
    )
    .await?;
    let d = detail_in(store, &*txn, who, id).await?;
    txn.commit().await?;
    Ok(d)
}

/// Open incidents in scope whose report target has passed, and those due within a day.
pub async fn counts(store: &Store, who: &Principal) -> Result<(u64, u64)> {
    let page =
        list(store, who, &IncidentFilter { state: Some(IncidentState::Open), unit: None }, PageRequest::new(1, 200))
            .await?;
    let overdue = page.items.iter().filter(|i| i.overdue).count() as u64;
    Ok((page.total, overdue))
}

/// Per incident detected in the last 12 months: every report due so far
/// made within its target (one count for the incident's unit).
pub(crate) async fn reported_on_time<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, bool)>> {
    let rows =
        incident::Entity::find().filter(incident::Column::DetectedAt.gte(now - Duration::days(365))).all(conn).await?;
    let steps = steps_of(conn, rows.iter().map(|m| m.id).collect()).await?;
    Ok(rows
        .iter()
        .map(|m| {
            let c = clock_of(store, m, steps.get(&m.id).map_or(&[][..], Vec::as_slice));
            (m.unit_id, !c.iter().any(|s| matches!(s.state, ClockState::Missed | ClockState::Overdue)))
        })
        .collect())
}
