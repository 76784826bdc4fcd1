//! Publishing a warning, the units' acknowledgements and answers, and the
//! rectification an affected answer opens.

use crate::directory::entity::unit;
use crate::notices::Severity;
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::notify::texts::{Message, line, t};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{check_choice, clean, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads::{self, AttachmentView, Upload};
use crate::registry::Stage;
use crate::registry::entity::system;
use crate::warnings::entity::{warning, warning_attachment, warning_unit};
use crate::warnings::rules::{self, AckState, Targeting, WarningSource};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarningInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[schema(value_type = Severity)]
    pub severity: String,
    #[schema(value_type = WarningSource)]
    pub source: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub reference: String,
    /// Affected products and versions.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub products: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub advice: String,
    #[schema(value_type = Targeting)]
    pub targeting: String,
    /// Units' codes (targeting `units`).
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub units: Vec<String>,
    /// Tech-stack tags (targeting `tags`: the units whose systems carry one).
    #[serde(default)]
    #[schema(max_items = 50)]
    pub tags: Vec<String>,
    /// When the units must have acknowledged it (default by severity: 12 / 24 / 48 / 72 hours).
    #[serde(default)]
    pub ack_due_at: Option<DateTime<Utc>>,
    /// Files (from a page's upload; the JSON API sends none).
    #[serde(skip)]
    #[schema(ignore)]
    pub attachments: Vec<Upload>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct WarningView {
    pub id: i64,
    pub title: String,
    pub severity: Severity,
    pub source: WarningSource,
    pub reference: String,
    pub products: Vec<String>,
    pub tags: Vec<String>,
    pub description: String,
    pub advice: String,
    pub targeting: Targeting,
    pub ack_due_at: DateTime<Utc>,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
    /// Targeted units in the caller's scope, and how many acknowledged, were affected, are silent.
    pub units: u32,
    pub acknowledged: u32,
    pub affected: u32,
    pub silent: u32,
}

/// One targeted unit's acknowledgement and answer.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Acknowledgement {
    pub unit: String,
    pub unit_name: String,
    pub state: AckState,
    pub acknowledged_by: String,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub affected: Option<bool>,
    /// The affected systems: (id, name).
    pub systems: Vec<(i64, String)>,
    /// Systems whose tags matched, as a hint: (id, name).
    pub matched_systems: Vec<(i64, String)>,
    pub measures: String,
    pub answered_by: String,
    pub answered_at: Option<DateTime<Utc>>,
    /// Past the acknowledgement deadline without one.
    pub overdue: bool,
    pub notice_id: Option<i64>,
    /// The caller may acknowledge / answer for this unit.
    pub may_answer: bool,
    /// The caller may open a rectification from this answer.
    pub may_open_rectification: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct WarningDetail {
    pub warning: WarningView,
    pub acknowledgements: Vec<Acknowledgement>,
    pub attachments: Vec<AttachmentView>,
    /// The caller's units' systems, for the answer form: (unit code, id, name).
    pub own_systems: Vec<(String, i64, String)>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckInput {
    /// The unit's code.
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    /// Absent: only acknowledged (read); `true` / `false`: the assessment.
    #[serde(default)]
    pub affected: Option<bool>,
    /// The affected systems (required when affected).
    #[serde(default)]
    #[schema(max_items = 500)]
    pub systems: Vec<i64>,
    /// What the unit did or will do (required when affected).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub measures: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn ids(text: &str) -> Vec<i64> {
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

async fn visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<warning::Model> {
    let w = warning::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    crate::platform::common::require_targets_in_scope::<_, warning_unit::Entity>(
        conn,
        who,
        warning_unit::Column::WarningId,
        id,
        warning_unit::Column::UnitId,
    )
    .await?;
    Ok(w)
}

async fn views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    rows: Vec<warning::Model>,
    now: DateTime<Utc>,
) -> Result<Vec<WarningView>> {
    let ids: Vec<i64> = rows.iter().map(|w| w.id).collect();
    let mut tally: HashMap<i64, (u32, u32, u32, u32)> = HashMap::new();
    let due: HashMap<i64, DateTime<Utc>> = rows.iter().map(|w| (w.id, w.ack_due_at)).collect();
    for (wid, state, affected) in warning_unit::Entity::find()
        .select_only()
        .columns([warning_unit::Column::WarningId, warning_unit::Column::State, warning_unit::Column::Affected])
        .filter(warning_unit::Column::WarningId.is_in(ids))
        .filter(scope_condition(&who.scope(), warning_unit::Column::UnitId))
        .into_tuple::<(i64, AckState, Option<bool>)>()
        .all(conn)
        .await?
    {
        let t = tally.entry(wid).or_default();
        t.0 += 1;
        if state != AckState::Pending {
            t.1 += 1;
        } else if due.get(&wid).is_some_and(|d| *d <= now) {
            t.3 += 1;
        }
        if affected == Some(true) {
            t.2 += 1;
        }
    }
    Ok(rows
        .into_iter()
        .map(|w| {
            let (units, acknowledged, affected, silent) = tally.get(&w.id).copied().unwrap_or_default();
            WarningView {
                products: lines(&w.products),
                tags: lines(&w.tags),
                id: w.id,
                title: w.title,
                severity: w.severity,
                source: w.source,
                reference: w.reference,
                description: w.description,
                advice: w.advice,
                targeting: w.targeting,
                ack_due_at: w.ack_due_at,
                published_by: w.published_by,
                published_at: w.published_at,
                units,
                acknowledged,
                affected,
                silent,
            }
        })
        .collect())
}

/// Warnings the caller sees (unit roles: those sent to their units), newest first.
pub async fn list(store: &Store, who: &Principal, page: PageRequest) -> Result<Page<WarningView>> {
    let conn = store.db();
    let mut q = warning::Entity::find();
    if who.scope() != crate::Scope::All {
        let ids: Vec<i64> = warning_unit::Entity::find()
            .select_only()
            .column(warning_unit::Column::WarningId)
            .filter(scope_condition(&who.scope(), warning_unit::Column::UnitId))
            .into_tuple::<i64>()
            .all(conn)
            .await?;
        q = q.filter(warning::Column::Id.is_in(ids));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(warning::Column::PublishedAt)
        .order_by_desc(warning::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, who, rows, store.now()).await?, total, page: page.page(), per_page: page.per_page() })
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<WarningDetail> {
    let conn = store.db();
    let w = visible(conn, who, id).await?;
    let now = store.now();
    let parts = warning_unit::Entity::find()
        .filter(warning_unit::Column::WarningId.eq(id))
        .filter(scope_condition(&who.scope(), warning_unit::Column::UnitId))
        .all(conn)
        .await?;
    let units = crate::directory::service::units::by_ids(conn, parts.iter().map(|p| p.unit_id)).await?;
    let all_ids: Vec<i64> =
        parts.iter().flat_map(|p| ids(&p.systems).into_iter().chain(ids(&p.matched_systems))).collect();
    let names: HashMap<i64, String> = system::Entity::find()
        .select_only()
        .columns([system::Column::Id, system::Column::Name])
        .filter(system::Column::Id.is_in(all_ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let named = |text: &str| ids(text).into_iter().map(|i| (i, names.get(&i).cloned().unwrap_or_default())).collect();
    let mut acknowledgements: Vec<Acknowledgement> = parts
        .iter()
        .map(|p| {
            let u = units.get(&p.unit_id);
            Acknowledgement {
                unit: u.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
                state: p.state,
                acknowledged_by: p.acknowledged_by.clone(),
                acknowledged_at: p.acknowledged_at,
                affected: p.affected,
                systems: named(&p.systems),
                matched_systems: named(&p.matched_systems),
                measures: p.measures.clone(),
                answered_by: p.answered_by.clone(),
                answered_at: p.answered_at,
                overdue: p.state == AckState::Pending && w.ack_due_at <= now,
                notice_id: p.notice_id,
                may_answer: who.may(Permission::AnswerForUnit(p.unit_id)),
                may_open_rectification: p.affected == Some(true)
                    && p.notice_id.is_none()
                    && who.may(Permission::ManageNotices),
            }
        })
        .collect();
    acknowledgements.sort_by(|a, b| a.unit.cmp(&b.unit));
    let answerable: Vec<i64> =
        parts.iter().filter(|p| who.may(Permission::AnswerForUnit(p.unit_id))).map(|p| p.unit_id).collect();
    let own_systems = if answerable.is_empty() || who.scope() == crate::Scope::All {
        Vec::new()
    } else {
        system::Entity::find()
            .filter(system::Column::UnitId.is_in(answerable))
            .filter(system::Column::Stage.ne(Stage::Closed))
            .order_by_asc(system::Column::Id)
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (units.get(&s.unit_id).map(|u| u.code.clone()).unwrap_or_default(), s.id, s.name))
            .collect()
    };
    let attachment_ids: Vec<i64> = warning_attachment::Entity::find()
        .filter(warning_attachment::Column::WarningId.eq(id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.attachment_id)
        .collect();
    let warning = views(conn, who, vec![w], now).await?.into_iter().next().ok_or(CoreError::NotFound)?;
    Ok(WarningDetail {
        warning,
        acknowledgements,
        attachments: uploads::views(conn, attachment_ids).await?,
        own_systems,
    })
}

fn published_message(w: &warning::Model, unit_name: &str, tz: chrono_tz::Tz) -> Message {
    let due = w.ack_due_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    Message::new("warning_published", format!("/warnings/{}", w.id), |l| {
        let sev = t(l, &format!("severity.{}", w.severity), &[]);
        let args = [("title", w.title.as_str()), ("severity", sev.as_str()), ("due", due.as_str())];
        let mut body = vec![line(l, "unit", unit_name), line(l, "severity", &sev), line(l, "ack_due", &due)];
        if !w.reference.is_empty() {
            body.push(line(l, "reference", &w.reference));
        }
        body.push(t(l, "warning.published.body", &args));
        (t(l, "warning.published", &args), body.join("\n"))
    })
}

pub(crate) fn reminder_message(
    w: &warning::Model,
    unit_name: &str,
    rung: rules::WarningRung,
    tz: chrono_tz::Tz,
) -> Message {
    let due = w.ack_due_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let key = match rung {
        rules::WarningRung::Reminder => "warning.reminder",
        rules::WarningRung::Overdue => "warning.overdue",
        rules::WarningRung::Escalated => "warning.escalated",
    };
    Message::new(rung.code(), format!("/warnings/{}", w.id), |l| {
        let args = [("title", w.title.as_str()), ("unit", unit_name), ("due", due.as_str())];
        let body = [line(l, "unit", unit_name), line(l, "ack_due", &due), t(l, &format!("{key}.body"), &args)];
        (t(l, key, &args), body.join("\n"))
    })
}

/// Publish a warning: its targeted units are told at once.
pub async fn publish(store: &Store, who: &Principal, input: WarningInput) -> Result<WarningDetail> {
    who.require(Permission::PublishWarnings)?;
    let txn = store.begin_write().await?;
    let id = publish_in(store, &*txn, who, input).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Check and write one warning in the caller's transaction; returns its id.
pub(crate) async fn publish_in<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    who: &Principal,
    input: WarningInput,
) -> Result<i64> {
    let mut errors = Vec::new();
    let title = clean(&input.title, 200).unwrap_or_default();
    if title.is_empty() {
        errors.push(FieldError::new("title", if input.title.trim().is_empty() { "required" } else { "too_long" }));
    }
    let severity = check_choice::<Severity>(&mut errors, "severity", &input.severity);
    let source = check_choice::<WarningSource>(&mut errors, "source", &input.source);
    let targeting = check_choice::<Targeting>(&mut errors, "targeting", &input.targeting);
    let text = |field: &str, v: &str, max: usize, errors: &mut Vec<FieldError>| {
        clean(v, max).unwrap_or_else(|| {
            errors.push(FieldError::new(field, "too_long"));
            String::new()
        })
    };
    let reference = text("reference", &input.reference, 100, &mut errors);
    let description = text("description", &input.description, 20000, &mut errors);
    let advice = text("advice", &input.advice, 10000, &mut errors);
    let products: Vec<String> = input.products.iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect();
    if products.iter().any(|p| p.chars().count() > 200 || p.contains('\n')) {
        errors.push(FieldError::new("products", "too_long"));
    }
    let tags: Vec<String> = input.tags.iter().flat_map(|t| rules::tag_list(t)).collect();
    if tags.iter().any(|t| t.chars().count() > 40) {
        errors.push(FieldError::new("tags", "tag_too_long"));
    }
    let files: Vec<(&Upload, &'static str)> =
        input.attachments.iter().filter_map(|u| uploads::check("attachments", u, &mut errors)).collect();
    let now = store.now();
    if input.ack_due_at.is_some_and(|d| d <= now) {
        errors.push(FieldError::new("ack_due_at", "date_in_past"));
    }
    // The targeted units, with the systems whose tags matched.
    let mut targets: Vec<(i64, Vec<i64>)> = Vec::new();
    match targeting {
        Some(Targeting::All) => {
            targets = unit::Entity::find()
                .select_only()
                .column(unit::Column::Id)
                .into_tuple::<i64>()
                .all(conn)
                .await?
                .into_iter()
                .map(|u| (u, Vec::new()))
                .collect();
        }
        Some(Targeting::Units) => {
            for code in &input.units {
                match unit::Entity::find().filter(unit::Column::Code.eq(code.trim())).one(conn).await? {
                    Some(u) if !targets.iter().any(|(id, _)| *id == u.id) => targets.push((u.id, Vec::new())),
                    Some(_) => {}
                    None => {
                        errors.push(FieldError::new("units", "unknown_unit"));
                        break;
                    }
                }
            }
        }
        Some(Targeting::Tags) => {
            if tags.is_empty() {
                errors.push(FieldError::new("tags", "required"));
            }
            let systems = system::Entity::find()
                .select_only()
                .columns([system::Column::Id, system::Column::UnitId, system::Column::Tags])
                .filter(system::Column::Stage.ne(Stage::Closed))
                .into_tuple::<(i64, i64, String)>()
                .all(conn)
                .await?;
            for (sid, uid, stags) in systems {
                if rules::matches(&stags, &tags) {
                    match targets.iter_mut().find(|(u, _)| *u == uid) {
                        Some((_, list)) => list.push(sid),
                        None => targets.push((uid, vec![sid])),
                    }
                }
            }
        }
        None => {}
    }
    if targets.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(if targeting == Some(Targeting::Tags) { "tags" } else { "units" }, "no_targets"));
    }
    let (Some(severity), Some(source), Some(targeting), true) = (severity, source, targeting, errors.is_empty()) else {
        return Err(CoreError::Invalid(errors));
    };
    let ack_due_at = input.ack_due_at.unwrap_or(now + chrono::Duration::hours(rules::ack_hours(severity)));
    let w = warning::ActiveModel {
        title: Set(title.clone()),
        severity: Set(severity),
        source: Set(source),
        reference: Set(reference),
        products: Set(products.join("\n")),
        tags: Set(tags.join("\n")),
        description: Set(description),
        advice: Set(advice),
        targeting: Set(targeting),
        ack_due_at: Set(ack_due_at),
        published_by: Set(who.username.clone()),
        published_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let first = rules::rung(0, now, ack_due_at).map(|(_, at)| at);
    let rows: Vec<warning_unit::ActiveModel> = targets
        .iter()
        .map(|(u, matched)| warning_unit::ActiveModel {
            warning_id: Set(w.id),
            unit_id: Set(*u),
            state: Set(AckState::Pending),
            matched_systems: Set(matched.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n")),
            acknowledged_by: Set(String::new()),
            acknowledged_at: Set(None),
            affected: Set(None),
            systems: Set(String::new()),
            measures: Set(String::new()),
            answered_by: Set(String::new()),
            answered_at: Set(None),
            escalation_step: Set(0),
            next_reminder_at: Set(first),
            notice_id: Set(None),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(200) {
        warning_unit::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    let mut attachment_ids = Vec::new();
    for (up, ct) in files {
        let aid = uploads::save(store, conn, who, up, ct).await?;
        warning_attachment::ActiveModel { warning_id: Set(w.id), attachment_id: Set(aid) }.insert(conn).await?;
        attachment_ids.push(aid);
    }
    let names = crate::directory::service::units::by_ids(conn, targets.iter().map(|(u, _)| *u)).await?;
    let tz = store.notice_policy().time_zone;
    let mut outbox = Outbox::digest();
    for (u, _) in &targets {
        let msg = published_message(&w, names.get(u).map(|u| u.name.as_str()).unwrap_or_default(), tz);
        outbox.add(conn, now, Some(*u), &[Audience::Direct, Audience::Main, Audience::Unit], &msg).await?;
    }
    outbox.flush(conn).await?;
    let change = Change::created(
        "warning",
        w.id,
        None,
        json!({"title": title, "severity": severity, "source": source, "reference": w.reference, "targeting": targeting,
            "units": targets.len(), "tags": tags, "ack_due_at": ack_due_at, "attachments": attachment_ids}),
    )
    .with_action("publish");
    audit::append(conn, now, &Actor::from(who), change).await?;
    Ok(w.id)
}

/// A unit acknowledges a warning, and (with `affected`) answers it.
pub async fn acknowledge(store: &Store, who: &Principal, id: i64, input: AckInput) -> Result<WarningDetail> {
    let conn = store.db();
    visible(conn, who, id).await?;
    let u = crate::directory::service::units::find_visible(conn, who, input.unit.trim()).await?;
    who.require(Permission::AnswerForUnit(u.id))?;
    let mut errors = Vec::new();
    let measures = clean(&input.measures, 5000).unwrap_or_else(|| {
        errors.push(FieldError::new("measures", "too_long"));
        String::new()
    });
    let mut systems = input.systems.clone();
    systems.sort_unstable();
    systems.dedup();
    if input.affected == Some(true) {
        if systems.is_empty() {
            errors.push(FieldError::new("systems", "required"));
        }
        if measures.is_empty() && errors.iter().all(|e| e.field != "measures") {
            errors.push(FieldError::new("measures", "required"));
        }
        let own = system::Entity::find()
            .filter(system::Column::Id.is_in(systems.clone()))
            .filter(system::Column::UnitId.eq(u.id))
            .count(conn)
            .await?;
        if own as usize != systems.len() {
            errors.push(FieldError::new("systems", "unknown_system"));
        }
    } else if !systems.is_empty() && input.affected.is_none() {
        errors.push(FieldError::new("affected", "required"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let txn = store.begin_write().await?;
    let p = warning_unit::Entity::find()
        .filter(warning_unit::Column::WarningId.eq(id))
        .filter(warning_unit::Column::UnitId.eq(u.id))
        .one(&*txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    if p.notice_id.is_some() {
        return Err(CoreError::Conflict("rectification_opened"));
    }
    let now = store.now();
    let before = json!({"state": p.state, "affected": p.affected});
    let mut am: warning_unit::ActiveModel = p.clone().into();
    if p.acknowledged_at.is_none() {
        am.acknowledged_at = Set(Some(now));
        am.acknowledged_by = Set(who.username.clone());
    }
    am.next_reminder_at = Set(None);
    let state = match input.affected {
        None if p.state == AckState::Answered => AckState::Answered,
        None => AckState::Acknowledged,
        Some(affected) => {
            am.affected = Set(Some(affected));
            am.systems = Set(if affected {
                systems.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("\n")
            } else {
                String::new()
            });
            am.measures = Set(measures.clone());
            am.answered_by = Set(who.username.clone());
            am.answered_at = Set(Some(now));
            AckState::Answered
        }
    };
    am.state = Set(state);
    am.update(&*txn).await?;
    let change = Change::updated(
        "warning",
        id,
        Some(u.id),
        before,
        json!({"unit": u.code, "state": state, "affected": input.affected, "systems": systems, "measures": measures}),
    )
    .with_action(if input.affected.is_some() { "answer" } else { "acknowledge" });
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Open a rectification from a unit's affected answer (the center): a
/// notice for the affected systems with the warning's severity. Returns its id.
pub async fn open_rectification(store: &Store, who: &Principal, id: i64, unit_code: &str) -> Result<i64> {
    let conn = store.db();
    let w = visible(conn, who, id).await?;
    let u = crate::directory::service::units::find_visible(conn, who, unit_code.trim()).await?;
    who.require(Permission::ManageNotices)?;
    let txn = store.begin_write().await?;
    let p = warning_unit::Entity::find()
        .filter(warning_unit::Column::WarningId.eq(id))
        .filter(warning_unit::Column::UnitId.eq(u.id))
        .one(&*txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    if p.affected != Some(true) {
        return Err(CoreError::Conflict("not_affected"));
    }
    if p.notice_id.is_some() {
        return Err(CoreError::Conflict("rectification_opened"));
    }
    let mut description = w.description.clone();
    if !w.advice.is_empty() {
        description.push_str(&format!("\n处置建议：{}", w.advice));
    }
    if !p.measures.is_empty() {
        description.push_str(&format!("\n单位反馈：{}", p.measures));
    }
    let input = crate::notices::service::notices::NoticeInput {
        source: w.source.notice_source().as_str().to_owned(),
        reference: w.reference.clone(),
        received_at: None,
        title: format!("预警整改：{}", w.title).chars().take(200).collect(),
        vuln_type: String::new(),
        severity: w.severity.as_str().to_owned(),
        description: description.chars().take(20000).collect(),
        deadline: None,
        systems: ids(&p.systems),
        evidence: Vec::new(),
    };
    let mut outbox = Outbox::new();
    let mut changes = Vec::new();
    let notice_id =
        crate::notices::service::notices::create_in(store, &*txn, who, input, &mut outbox, &mut changes).await?;
    outbox.flush(&*txn).await?;
    let mut am: warning_unit::ActiveModel = p.into();
    am.notice_id = Set(Some(notice_id));
    am.update(&*txn).await?;
    changes.push(
        Change::updated(
            "warning",
            id,
            Some(u.id),
            json!({"notice_id": null}),
            json!({"unit": u.code, "notice_id": notice_id}),
        )
        .with_action("open_rectification"),
    );
    audit::append_many(&*txn, store.now(), &Actor::from(who), changes).await?;
    txn.commit().await?;
    Ok(notice_id)
}

/// A file published with a warning the caller sees.
pub async fn attachment(
    store: &Store,
    who: &Principal,
    id: i64,
    attachment_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let conn = store.db();
    visible(conn, who, id).await?;
    warning_attachment::Entity::find_by_id((id, attachment_id)).one(conn).await?.ok_or(CoreError::NotFound)?;
    uploads::read(store, conn, attachment_id).await
}

/// Acknowledged by its deadline, per unit, for warnings due in the last 12 months (the scorecard).
pub(crate) async fn acknowledged_on_time<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<Vec<(i64, bool)>> {
    let warnings: HashMap<i64, DateTime<Utc>> = warning::Entity::find()
        .select_only()
        .columns([warning::Column::Id, warning::Column::AckDueAt])
        .filter(warning::Column::PublishedAt.gte(now - chrono::Duration::days(365)))
        .into_tuple::<(i64, DateTime<Utc>)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    if warnings.is_empty() {
        return Ok(Vec::new());
    }
    let rows = warning_unit::Entity::find()
        .select_only()
        .columns([warning_unit::Column::WarningId, warning_unit::Column::UnitId, warning_unit::Column::AcknowledgedAt])
        .filter(warning_unit::Column::WarningId.is_in(warnings.keys().copied()))
        .into_tuple::<(i64, i64, Option<DateTime<Utc>>)>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(wid, unit, ack)| {
            let due = *warnings.get(&wid)?;
            match ack {
                Some(t) => Some((unit, t <= due)),
                None if due < now => Some((unit, false)),
                None => None,
            }
        })
        .collect())
}

/// The sheet column a field error belongs to.
fn column_of(field: &str) -> &'static str {
    match field {
        "title" => "标题",
        "severity" => "危害等级",
        "source" => "来源",
        "reference" => "编号",
        "products" => "影响产品",
        "description" => "预警内容",
        "advice" => "处置建议",
        "targeting" => "发送范围",
        "tags" => "技术栈标签",
        _ => "发送单位",
    }
}

/// Import warnings from parsed sheet rows: every row is checked by
/// publishing it in one transaction, which is kept only when every row
/// passes (and it is no dry run).
pub async fn import(
    store: &Store,
    who: &Principal,
    rows: Vec<(crate::warnings::rules::sheet::WarningRow, Vec<crate::registry::rules::inventory::Problem>)>,
    dry_run: bool,
) -> Result<crate::registry::service::inventory::ImportReport> {
    use crate::registry::service::inventory::{ImportLine, ImportReport, ReportProblem};
    who.require(Permission::PublishWarnings)?;
    let mut report = ImportReport::default();
    let txn = store.begin_write().await?;
    for (row, problems) in rows {
        let mut found: Vec<ReportProblem> =
            problems.into_iter().map(|p| ReportProblem { column: p.column, code: p.code, value: p.value }).collect();
        if found.is_empty() {
            let input = WarningInput {
                title: row.title.clone(),
                severity: row.severity.map(Severity::as_str).unwrap_or_default().to_owned(),
                source: row.source.map(WarningSource::as_str).unwrap_or_default().to_owned(),
                reference: row.reference.clone(),
                products: row.products.clone(),
                description: row.description.clone(),
                advice: row.advice.clone(),
                targeting: row.targeting.map(Targeting::as_str).unwrap_or_default().to_owned(),
                units: row.units.clone(),
                tags: row.tags.clone(),
                ack_due_at: None,
                attachments: Vec::new(),
            };
            match publish_in(store, &*txn, who, input).await {
                Ok(_) => {}
                Err(CoreError::Invalid(errs)) => found.extend(errs.into_iter().map(|e| ReportProblem {
                    column: column_of(&e.field).into(),
                    code: e.code,
                    value: String::new(),
                })),
                Err(e) => return Err(e),
            }
        }
        let action = if found.is_empty() { "create" } else { "error" };
        if found.is_empty() {
            report.created += 1;
        } else {
            report.failed += 1;
        }
        report.lines.push(ImportLine { line: row.line, name: row.title.clone(), action, problems: found });
    }
    if dry_run || report.failed > 0 {
        // Dropped: nothing written, nobody told.
        return Ok(report);
    }
    txn.commit().await?;
    report.written = true;
    Ok(report)
}
