//! Data calls' storage: the center sends a form; units submit; every
//! correction is a new version with its reason; completion is tracked and
//! the answers exported; units that have not submitted are reminded the day
//! before the deadline and the day after.

use crate::data_calls::entity::{data_call, data_call_unit, data_submission};
use crate::data_calls::rules::{self, DataCallState, FieldKind, FormField};
use crate::directory::entity::unit;
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::notify::texts::{Message, line, t};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads::{self, AttachmentView, Upload};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataCallInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(min_items = 1, max_items = 100)]
    pub fields: Vec<FormField>,
    pub due_on: NaiveDate,
    /// Units' codes; empty: every unit.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub units: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DataCallView {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub fields: Vec<FormField>,
    pub due_on: NaiveDate,
    pub state: DataCallState,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Targeted units in scope, and how many have submitted.
    pub units: u32,
    pub submitted: u32,
}

/// One unit's state in a data call.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Completion {
    pub unit: String,
    pub unit_name: String,
    /// The latest version (0: nothing submitted).
    pub version: i32,
    pub submitted_by: String,
    pub submitted_at: Option<DateTime<Utc>>,
    /// Submitted after the deadline (the first version).
    pub late: bool,
    /// The caller may submit (or correct) for this unit.
    pub may_submit: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DataCallDetail {
    pub data_call: DataCallView,
    pub completion: Vec<Completion>,
    pub may_manage: bool,
}

/// One submitted version.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SubmissionView {
    pub id: i64,
    pub unit: String,
    pub version: i32,
    /// Answers by field key (a file field: the files' names).
    pub values: BTreeMap<String, String>,
    pub files: Vec<(String, AttachmentView)>,
    pub reason: String,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmissionInput {
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    /// Answers by field key (numbers, dates `2026-11-03`, choices as written).
    pub values: BTreeMap<String, String>,
    /// Why it is corrected (required from the second version on).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: String,
    /// Files by field key (from a page's upload; the JSON API sends none).
    #[serde(skip)]
    #[schema(ignore)]
    pub files: Vec<(String, Upload)>,
}

fn fields_of(m: &data_call::Model) -> Vec<FormField> {
    serde_json::from_str(&m.fields).unwrap_or_default()
}

fn today(store: &Store) -> NaiveDate {
    store.now().with_timezone(&store.notice_policy().time_zone).date_naive()
}

async fn visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<data_call::Model> {
    let c = data_call::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    crate::platform::common::require_targets_in_scope::<_, data_call_unit::Entity>(
        conn,
        who,
        data_call_unit::Column::DataCallId,
        id,
        data_call_unit::Column::UnitId,
    )
    .await?;
    Ok(c)
}

/// The latest version per (call, unit) among `calls`.
async fn latest<C: ConnectionTrait>(conn: &C, calls: Vec<i64>) -> Result<HashMap<(i64, i64), data_submission::Model>> {
    let mut out: HashMap<(i64, i64), data_submission::Model> = HashMap::new();
    for s in data_submission::Entity::find().filter(data_submission::Column::DataCallId.is_in(calls)).all(conn).await? {
        let k = (s.data_call_id, s.unit_id);
        if out.get(&k).is_none_or(|o| o.version < s.version) {
            out.insert(k, s);
        }
    }
    Ok(out)
}

async fn views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    rows: Vec<data_call::Model>,
) -> Result<Vec<DataCallView>> {
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    let targets: Vec<(i64, i64)> = data_call_unit::Entity::find()
        .select_only()
        .columns([data_call_unit::Column::DataCallId, data_call_unit::Column::UnitId])
        .filter(data_call_unit::Column::DataCallId.is_in(ids.clone()))
        .filter(scope_condition(&who.scope(), data_call_unit::Column::UnitId))
        .into_tuple()
        .all(conn)
        .await?;
    let done = latest(conn, ids).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let mine: Vec<&(i64, i64)> = targets.iter().filter(|(cid, _)| *cid == c.id).collect();
            let submitted = mine.iter().filter(|(cid, u)| done.contains_key(&(*cid, *u))).count();
            DataCallView {
                fields: fields_of(&c),
                units: u32::try_from(mine.len()).unwrap_or(0),
                submitted: u32::try_from(submitted).unwrap_or(0),
                id: c.id,
                title: c.title,
                description: c.description,
                due_on: c.due_on,
                state: c.state,
                created_by: c.created_by,
                created_at: c.created_at,
            }
        })
        .collect())
}

pub async fn list(store: &Store, who: &Principal, page: PageRequest) -> Result<Page<DataCallView>> {
    let conn = store.db();
    let mut q = data_call::Entity::find();
    if who.scope() != crate::Scope::All {
        let ids: Vec<i64> = data_call_unit::Entity::find()
            .select_only()
            .column(data_call_unit::Column::DataCallId)
            .filter(scope_condition(&who.scope(), data_call_unit::Column::UnitId))
            .into_tuple::<i64>()
            .all(conn)
            .await?;
        q = q.filter(data_call::Column::Id.is_in(ids));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(data_call::Column::CreatedAt)
        .order_by_desc(data_call::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<DataCallDetail> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    let unit_ids: Vec<i64> = data_call_unit::Entity::find()
        .select_only()
        .column(data_call_unit::Column::UnitId)
        .filter(data_call_unit::Column::DataCallId.eq(id))
        .filter(scope_condition(&who.scope(), data_call_unit::Column::UnitId))
        .into_tuple::<i64>()
        .all(conn)
        .await?;
    let units = crate::directory::service::units::by_ids(conn, unit_ids.iter().copied()).await?;
    let done = latest(conn, vec![id]).await?;
    let firsts: HashMap<i64, DateTime<Utc>> = data_submission::Entity::find()
        .filter(data_submission::Column::DataCallId.eq(id))
        .filter(data_submission::Column::Version.eq(1))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.unit_id, s.submitted_at))
        .collect();
    let tz = store.notice_policy().time_zone;
    let open = c.state == DataCallState::Open;
    let mut completion: Vec<Completion> = unit_ids
        .iter()
        .map(|u| {
            let s = done.get(&(id, *u));
            let unit = units.get(u);
            Completion {
                unit: unit.map(|x| x.code.clone()).unwrap_or_default(),
                unit_name: unit.map(|x| x.name.clone()).unwrap_or_default(),
                version: s.map_or(0, |s| s.version),
                submitted_by: s.map(|s| s.submitted_by.clone()).unwrap_or_default(),
                submitted_at: s.map(|s| s.submitted_at),
                late: firsts.get(u).is_some_and(|t| t.with_timezone(&tz).date_naive() > c.due_on),
                may_submit: open && who.may(Permission::AnswerForUnit(*u)),
            }
        })
        .collect();
    completion.sort_by(|a, b| a.unit.cmp(&b.unit));
    let data_call = views(conn, who, vec![c]).await?.into_iter().next().ok_or(CoreError::NotFound)?;
    Ok(DataCallDetail { data_call, completion, may_manage: who.may(Permission::PublishWarnings) })
}

fn message(event: &'static str, key: &'static str, c: &data_call::Model, unit_name: &str) -> Message {
    let due = c.due_on.format("%Y-%m-%d").to_string();
    Message::new(event, format!("/data-calls/{}", c.id), |l| {
        let args = [("title", c.title.as_str()), ("unit", unit_name), ("due", due.as_str())];
        let body = [line(l, "unit", unit_name), line(l, "campaign_due", &due), t(l, &format!("{key}.body"), &args)];
        (t(l, key, &args), body.join("\n"))
    })
}

/// Send a data call to units (the center).
pub async fn create(store: &Store, who: &Principal, input: DataCallInput) -> Result<DataCallDetail> {
    who.require(Permission::PublishWarnings)?;
    let mut errors = Vec::new();
    let title = clean(&input.title, 200).unwrap_or_default();
    if title.is_empty() {
        errors.push(FieldError::new("title", if input.title.trim().is_empty() { "required" } else { "too_long" }));
    }
    let description = clean(&input.description, 5000).unwrap_or_else(|| {
        errors.push(FieldError::new("description", "too_long"));
        String::new()
    });
    let fields: Vec<FormField> = input
        .fields
        .into_iter()
        .map(|f| FormField {
            key: f.key.trim().to_owned(),
            label: f.label.trim().to_owned(),
            choices: f.choices.iter().map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()).collect(),
            ..f
        })
        .collect();
    for (field, problem) in rules::check_fields(&fields) {
        errors.push(FieldError::new(&field, problem));
    }
    if input.due_on < today(store) {
        errors.push(FieldError::new("due_on", "date_in_past"));
    }
    let txn = store.begin_write().await?;
    let mut unit_ids = Vec::new();
    for code in &input.units {
        match unit::Entity::find().filter(unit::Column::Code.eq(code.trim())).one(&*txn).await? {
            Some(u) => unit_ids.push(u.id),
            None => {
                errors.push(FieldError::new("units", "unknown_unit"));
                break;
            }
        }
    }
    if input.units.is_empty() {
        unit_ids = unit::Entity::find().select_only().column(unit::Column::Id).into_tuple::<i64>().all(&*txn).await?;
    }
    unit_ids.sort_unstable();
    unit_ids.dedup();
    if unit_ids.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("units", "required"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    let c = data_call::ActiveModel {
        title: Set(title.clone()),
        description: Set(description),
        fields: Set(serde_json::to_string(&fields).map_err(|e| CoreError::Internal(e.to_string()))?),
        due_on: Set(input.due_on),
        state: Set(DataCallState::Open),
        created_by: Set(who.username.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let rows: Vec<data_call_unit::ActiveModel> = unit_ids
        .iter()
        .map(|u| data_call_unit::ActiveModel { data_call_id: Set(c.id), unit_id: Set(*u), reminded_on: Set(None) })
        .collect();
    for chunk in rows.chunks(300) {
        data_call_unit::Entity::insert_many(chunk.to_vec()).exec_without_returning(&*txn).await?;
    }
    let names = crate::directory::service::units::by_ids(&*txn, unit_ids.iter().copied()).await?;
    let mut outbox = Outbox::digest();
    for u in &unit_ids {
        let msg =
            message("data_call_sent", "data_call.sent", &c, names.get(u).map(|x| x.name.as_str()).unwrap_or_default());
        outbox.add(&*txn, now, Some(*u), &[Audience::Direct, Audience::Main, Audience::Unit], &msg).await?;
    }
    outbox.flush(&*txn).await?;
    let change = Change::created(
        "data_call",
        c.id,
        None,
        json!({"title": title, "fields": fields.len(), "due_on": input.due_on, "units": unit_ids.len()}),
    )
    .with_action("send");
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, c.id).await
}

/// Close a data call: no more submissions.
pub async fn close(store: &Store, who: &Principal, id: i64) -> Result<DataCallDetail> {
    visible(store.db(), who, id).await?;
    who.require(Permission::PublishWarnings)?;
    let txn = store.begin_write().await?;
    let c = visible(&*txn, who, id).await?;
    if c.state == DataCallState::Closed {
        return Err(CoreError::Conflict("data_call_closed"));
    }
    let mut am: data_call::ActiveModel = c.into();
    am.state = Set(DataCallState::Closed);
    am.update(&*txn).await?;
    let change = Change::updated(
        "data_call",
        id,
        None,
        json!({"state": DataCallState::Open}),
        json!({"state": DataCallState::Closed}),
    )
    .with_action("close");
    audit::append(&*txn, store.now(), &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Submit a unit's answers: the first version, or a correction with its reason.
pub async fn submit(store: &Store, who: &Principal, id: i64, input: SubmissionInput) -> Result<SubmissionView> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    let u = crate::directory::service::units::find_visible(conn, who, input.unit.trim()).await?;
    data_call_unit::Entity::find_by_id((id, u.id)).one(conn).await?.ok_or(CoreError::NotFound)?;
    who.require(Permission::AnswerForUnit(u.id))?;
    if c.state != DataCallState::Open {
        return Err(CoreError::Conflict("data_call_closed"));
    }
    let fields = fields_of(&c);
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for (key, up) in &input.files {
        if !fields.iter().any(|f| &f.key == key && f.kind == FieldKind::File) {
            errors.push(FieldError::new(key, "unknown_field"));
            continue;
        }
        if let Some((up, ct)) = uploads::check(key, up, &mut errors) {
            files.push((key.clone(), up, ct));
        }
    }
    let previous = data_submission::Entity::find()
        .filter(data_submission::Column::DataCallId.eq(id))
        .filter(data_submission::Column::UnitId.eq(u.id))
        .order_by_desc(data_submission::Column::Version)
        .one(conn)
        .await?;
    let earlier: BTreeMap<String, String> =
        previous.as_ref().and_then(|p| serde_json::from_str(&p.values).ok()).unwrap_or_default();
    // A correction keeps the files already given unless new ones are sent.
    let has_file = |k: &str| files.iter().any(|(f, _, _)| f == k) || earlier.get(k).is_some_and(|v| !v.is_empty());
    let values = match rules::check_values(&fields, &input.values, &has_file) {
        Ok(v) => v,
        Err(problems) => {
            errors.extend(problems.into_iter().map(|(f, p)| FieldError::new(&f, p)));
            BTreeMap::new()
        }
    };
    let version = previous.as_ref().map_or(1, |p| p.version + 1);
    let reason = clean(&input.reason, 2000).unwrap_or_else(|| {
        errors.push(FieldError::new("reason", "too_long"));
        String::new()
    });
    if rules::reason_required(version) && reason.is_empty() && errors.iter().all(|e| e.field != "reason") {
        errors.push(FieldError::new("reason", "required"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let txn = store.begin_write().await?;
    let mut values = values;
    for f in fields.iter().filter(|f| f.kind == FieldKind::File) {
        let mut ids: Vec<String> = Vec::new();
        for (_, up, ct) in files.iter().filter(|(k, _, _)| *k == f.key) {
            ids.push(uploads::save(store, &*txn, who, up, ct).await?.to_string());
        }
        let kept = if ids.is_empty() { earlier.get(&f.key).cloned().unwrap_or_default() } else { ids.join(",") };
        if !kept.is_empty() {
            values.insert(f.key.clone(), kept);
        }
    }
    let now = store.now();
    let s = data_submission::ActiveModel {
        data_call_id: Set(id),
        unit_id: Set(u.id),
        version: Set(version),
        values: Set(serde_json::to_string(&values).map_err(|e| CoreError::Internal(e.to_string()))?),
        reason: Set(reason.clone()),
        submitted_by: Set(who.username.clone()),
        submitted_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let change = Change::created(
        "data_submission",
        s.id,
        Some(u.id),
        json!({"data_call": id, "unit": u.code, "version": version, "values": values, "reason": reason}),
    )
    .with_action(if version == 1 { "submit" } else { "correct" });
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    let mut all = submissions(store, who, id, Some(&u.code)).await?;
    all.retain(|x| x.id == s.id);
    all.pop().ok_or(CoreError::NotFound)
}

/// Every version submitted (for one unit, or all units in scope), newest first.
pub async fn submissions(
    store: &Store,
    who: &Principal,
    id: i64,
    unit_code: Option<&str>,
) -> Result<Vec<SubmissionView>> {
    let conn = store.db();
    let c = visible(conn, who, id).await?;
    let mut q = data_submission::Entity::find()
        .filter(data_submission::Column::DataCallId.eq(id))
        .filter(scope_condition(&who.scope(), data_submission::Column::UnitId));
    if let Some(code) = unit_code.map(str::trim).filter(|c| !c.is_empty()) {
        let u = crate::directory::service::units::find_visible(conn, who, code).await?;
        q = q.filter(data_submission::Column::UnitId.eq(u.id));
    }
    let rows = q
        .order_by_asc(data_submission::Column::UnitId)
        .order_by_desc(data_submission::Column::Version)
        .all(conn)
        .await?;
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|r| r.unit_id)).await?;
    let fields = fields_of(&c);
    let mut out = Vec::new();
    for r in rows {
        let values: BTreeMap<String, String> = serde_json::from_str(&r.values).unwrap_or_default();
        let mut files = Vec::new();
        for f in fields.iter().filter(|f| f.kind == FieldKind::File) {
            let ids: Vec<i64> =
                values.get(&f.key).map(|v| v.split(',').filter_map(|i| i.parse().ok()).collect()).unwrap_or_default();
            for a in uploads::views(conn, ids).await? {
                files.push((f.key.clone(), a));
            }
        }
        out.push(SubmissionView {
            id: r.id,
            unit: units.get(&r.unit_id).map(|u| u.code.clone()).unwrap_or_default(),
            version: r.version,
            values,
            files,
            reason: r.reason,
            submitted_by: r.submitted_by,
            submitted_at: r.submitted_at,
        });
    }
    Ok(out)
}

/// A file of a submission the caller sees.
pub async fn file(store: &Store, who: &Principal, id: i64, attachment_id: i64) -> Result<(String, String, Vec<u8>)> {
    let all = submissions(store, who, id, None).await?;
    if !all.iter().any(|s| s.files.iter().any(|(_, a)| a.id == attachment_id)) {
        return Err(CoreError::NotFound);
    }
    uploads::read(store, store.db(), attachment_id).await
}

/// The export: one row per targeted unit in scope with its latest version.
pub async fn export_rows(store: &Store, who: &Principal, id: i64) -> Result<(String, Vec<String>, Vec<Vec<String>>)> {
    let d = get(store, who, id).await?;
    let latest: HashMap<String, SubmissionView> =
        submissions(store, who, id, None).await?.into_iter().fold(HashMap::new(), |mut m, s| {
            if m.get(&s.unit).is_none_or(|x: &SubmissionView| x.version < s.version) {
                m.insert(s.unit.clone(), s);
            }
            m
        });
    let tz = store.notice_policy().time_zone;
    let mut headers: Vec<String> =
        ["单位代码", "单位", "版本", "提交人", "提交时间", "更正原因"].map(str::to_owned).to_vec();
    headers.extend(d.data_call.fields.iter().map(|f| f.label.clone()));
    let rows = d
        .completion
        .iter()
        .map(|c| {
            let s = latest.get(&c.unit);
            let mut row = vec![
                c.unit.clone(),
                c.unit_name.clone(),
                s.map_or(String::new(), |s| s.version.to_string()),
                s.map(|s| s.submitted_by.clone()).unwrap_or_default(),
                s.map(|s| s.submitted_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
                s.map(|s| s.reason.clone()).unwrap_or_default(),
            ];
            for f in &d.data_call.fields {
                let v = match (s, f.kind) {
                    (Some(s), FieldKind::File) => s
                        .files
                        .iter()
                        .filter(|(k, _)| *k == f.key)
                        .map(|(_, a)| a.file_name.clone())
                        .collect::<Vec<_>>()
                        .join("、"),
                    (Some(s), _) => s.values.get(&f.key).cloned().unwrap_or_default(),
                    (None, _) => String::new(),
                };
                row.push(v);
            }
            row
        })
        .collect();
    Ok((d.data_call.title, headers, rows))
}

/// Remind the units that have not submitted: the day before the deadline and the day after.
pub async fn remind(store: &Store) -> Result<usize> {
    let today = today(store);
    let now = store.now();
    let txn = store.begin_write().await?;
    let calls: HashMap<i64, data_call::Model> = data_call::Entity::find()
        .filter(data_call::Column::State.eq(DataCallState::Open))
        .all(&*txn)
        .await?
        .into_iter()
        .filter(|c| matches!((c.due_on - today).num_days(), 1 | -1))
        .map(|c| (c.id, c))
        .collect();
    if calls.is_empty() {
        return Ok(0);
    }
    let done = latest(&*txn, calls.keys().copied().collect()).await?;
    let targets = data_call_unit::Entity::find()
        .filter(data_call_unit::Column::DataCallId.is_in(calls.keys().copied()))
        .all(&*txn)
        .await?;
    let names = crate::directory::service::units::by_ids(&*txn, targets.iter().map(|t| t.unit_id)).await?;
    let mut outbox = Outbox::digest();
    let mut n = 0;
    for tgt in targets {
        if done.contains_key(&(tgt.data_call_id, tgt.unit_id)) || tgt.reminded_on.is_some_and(|d| d >= today) {
            continue;
        }
        let Some(c) = calls.get(&tgt.data_call_id) else { continue };
        let name = names.get(&tgt.unit_id).map(|u| u.name.as_str()).unwrap_or_default();
        let (event, key) = if c.due_on > today {
            ("data_call_due", "data_call.due")
        } else {
            ("data_call_overdue", "data_call.overdue")
        };
        outbox
            .add(
                &*txn,
                now,
                Some(tgt.unit_id),
                &[Audience::Direct, Audience::Main, Audience::Unit],
                &message(event, key, c, name),
            )
            .await?;
        data_call_unit::Entity::update_many()
            .col_expr(data_call_unit::Column::RemindedOn, Expr::value(today))
            .filter(data_call_unit::Column::DataCallId.eq(tgt.data_call_id))
            .filter(data_call_unit::Column::UnitId.eq(tgt.unit_id))
            .exec(&*txn)
            .await?;
        n += 1;
    }
    outbox.flush(&*txn).await?;
    txn.commit().await?;
    Ok(n)
}
