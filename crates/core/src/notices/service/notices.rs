//! Notices (通报): recorded by the center, one rectification per affected
//! system assigned to the system's owner unit, whose responsible persons
//! are notified in the same transaction.

use crate::notices::entity::notice;
use crate::notices::entity::notice_attachment;
use crate::notices::entity::rectification;
use crate::notices::rules::messages::{self, Subject};
use crate::notices::service::rectifications::{self, RectificationView};
use crate::notices::{NoticeSource, Severity, workflow};
use crate::notices::{NoticeStatus, RectificationStatus};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::platform::access::{Permission, Principal, Scope};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::check_choice;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads;
use crate::platform::uploads::Upload;
use crate::registry::entity::system;
use crate::registry::service::systems::check_text;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

const MAX_SYSTEMS: usize = 500;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub source: NoticeSource,
    pub reference: String,
    pub received_at: DateTime<Utc>,
    pub title: String,
    pub vuln_type: String,
    pub severity: Severity,
    pub description: String,
    pub deadline: DateTime<Utc>,
    pub status: NoticeStatus,
    /// Open and past its deadline.
    pub overdue: bool,
    /// Ids of the affected systems (those the caller may see).
    pub systems: Vec<i64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct NoticeDetail {
    #[serde(flatten)]
    pub notice: NoticeView,
    pub rectifications: Vec<RectificationView>,
    pub attachments: Vec<uploads::AttachmentView>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    #[schema(value_type = NoticeSource)]
    pub source: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub reference: String,
    /// Defaults to now.
    #[serde(default, deserialize_with = "crate::platform::common::blank_as_none")]
    pub received_at: Option<DateTime<Utc>>,
    #[schema(min_length = 1, pattern = "\\S", max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub vuln_type: String,
    #[schema(value_type = Severity)]
    pub severity: String,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub description: String,
    /// Defaults by severity from the time received.
    #[serde(default, deserialize_with = "crate::platform::common::blank_as_none")]
    pub deadline: Option<DateTime<Utc>>,
    #[schema(min_items = 1, max_items = 500)]
    pub systems: Vec<i64>,
    /// Evidence (from a page's upload; the JSON API sends none).
    #[serde(skip)]
    pub evidence: Vec<Upload>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticePatch {
    #[schema(max_length = 100)]
    pub reference: Option<String>,
    #[schema(value_type = Option<String>, min_length = 1, pattern = "\\S", max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 100)]
    pub vuln_type: Option<String>,
    #[schema(value_type = Option<Severity>)]
    pub severity: Option<String>,
    #[schema(max_length = 20000)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "crate::platform::common::blank_as_none")]
    pub deadline: Option<DateTime<Utc>>,
    /// Systems to add (a rectification each); systems already named stay.
    #[schema(max_items = 500)]
    pub systems: Option<Vec<i64>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NoticeFilter {
    pub source: Option<String>,
    pub severity: Option<String>,
    pub status: Option<String>,
    pub unit: Option<String>,
    pub overdue: Option<bool>,
    /// Substring of the title or the reference.
    pub q: Option<String>,
}

/// Notices the principal may see: all, or those with a rectification in their units.
fn scope_of(scope: &Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Units(ids) => Condition::all().add(
            notice::Column::Id.in_subquery(
                Query::select()
                    .column(rectification::Column::NoticeId)
                    .from(rectification::Entity)
                    .and_where(rectification::Column::UnitId.is_in(ids.clone()))
                    .to_owned(),
            ),
        ),
    }
}

fn view(now: DateTime<Utc>, m: notice::Model, systems: Vec<i64>) -> NoticeView {
    NoticeView {
        overdue: m.status == NoticeStatus::Open && m.deadline <= now,
        systems,
        id: m.id,
        source: m.source,
        reference: m.reference,
        received_at: m.received_at,
        title: m.title,
        vuln_type: m.vuln_type,
        severity: m.severity,
        description: m.description,
        deadline: m.deadline,
        status: m.status,
    }
}

async fn systems_of<C: ConnectionTrait>(conn: &C, scope: &Scope, ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, i64)> = rectification::Entity::find()
        .select_only()
        .column(rectification::Column::NoticeId)
        .column(rectification::Column::SystemId)
        .filter(rectification::Column::NoticeId.is_in(ids.to_vec()))
        .filter(crate::platform::common::scope_condition(scope, rectification::Column::UnitId))
        .order_by_asc(rectification::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    for (n, s) in rows {
        out.entry(n).or_default().push(s);
    }
    Ok(out)
}

pub async fn list(store: &Store, who: &Principal, f: &NoticeFilter, page: PageRequest) -> Result<Page<NoticeView>> {
    let conn = store.db();
    let now = store.now();
    let scope = who.scope();
    let mut cond = scope_of(&scope);
    if let Some(v) = f.source.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let source = NoticeSource::parse(v).ok_or_else(|| CoreError::invalid("source", "unknown_choice"))?;
        cond = cond.add(notice::Column::Source.eq(source));
    }
    if let Some(v) = f.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let severity = Severity::parse(v).ok_or_else(|| CoreError::invalid("severity", "unknown_choice"))?;
        cond = cond.add(notice::Column::Severity.eq(severity));
    }
    if let Some(v) = f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let status = NoticeStatus::parse(v).ok_or_else(|| CoreError::invalid("status", "unknown_choice"))?;
        cond = cond.add(notice::Column::Status.eq(status));
    }
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let empty = Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() };
        let u = match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => u,
            Err(CoreError::NotFound) => return Ok(empty),
            Err(e) => return Err(e),
        };
        cond = cond.add(
            notice::Column::Id.in_subquery(
                Query::select()
                    .column(rectification::Column::NoticeId)
                    .from(rectification::Entity)
                    .and_where(rectification::Column::UnitId.eq(u.id))
                    .to_owned(),
            ),
        );
    }
    if f.overdue == Some(true) {
        cond = cond.add(notice::Column::Status.eq(NoticeStatus::Open)).add(notice::Column::Deadline.lte(now));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond.add(
            Condition::any().add(notice::Column::Title.contains(text)).add(notice::Column::Reference.contains(text)),
        );
    }
    let q = notice::Entity::find().filter(cond);
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(notice::Column::ReceivedAt)
        .order_by_desc(notice::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut systems = systems_of(conn, &scope, &ids).await?;
    let items = rows
        .into_iter()
        .map(|m| {
            let s = systems.remove(&m.id).unwrap_or_default();
            view(now, m, s)
        })
        .collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

/// A notice's history (the latest 50 changes): `None` for those who do not
/// manage notices (a unit sees its own rectifications' histories instead).
pub async fn history(store: &Store, who: &Principal, id: i64) -> Result<Option<Vec<audit::AuditView>>> {
    find_visible(store.db(), who, id).await?;
    if !who.may(Permission::ManageNotices) {
        return Ok(None);
    }
    audit::history(store.db(), "notice", id, 50).await.map(Some)
}

pub(crate) async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<notice::Model> {
    notice::Entity::find_by_id(id).filter(scope_of(&who.scope())).one(conn).await?.ok_or(CoreError::NotFound)
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<NoticeDetail> {
    let conn = store.db();
    let m = find_visible(conn, who, id).await?;
    let rectifications = rectifications::of_notice(store, conn, who, id).await?;
    let systems = rectifications.iter().map(|r| r.system_id).collect();
    let attachment_ids: Vec<i64> = notice_attachment::Entity::find()
        .filter(notice_attachment::Column::NoticeId.eq(id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.attachment_id)
        .collect();
    Ok(NoticeDetail {
        notice: view(store.now(), m, systems),
        rectifications,
        attachments: uploads::views(conn, attachment_ids).await?,
    })
}

/// An evidence file of a notice: (file name, content type, bytes).
pub async fn attachment(
    store: &Store,
    who: &Principal,
    id: i64,
    attachment_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let conn = store.db();
    find_visible(conn, who, id).await?;
    notice_attachment::Entity::find_by_id((id, attachment_id)).one(conn).await?.ok_or(CoreError::NotFound)?;
    uploads::read(store, conn, attachment_id).await
}

struct Checked {
    source: NoticeSource,
    severity: Severity,
    received_at: DateTime<Utc>,
    deadline: DateTime<Utc>,
}

fn check_input(store: &Store, input: &NoticeInput, errors: &mut Vec<FieldError>) -> Option<Checked> {
    let source = check_choice::<NoticeSource>(errors, "source", &input.source);
    let severity = check_choice::<Severity>(errors, "severity", &input.severity);
    check_text(errors, "reference", &input.reference, 100, false);
    check_text(errors, "title", &input.title, 200, true);
    check_text(errors, "vuln_type", &input.vuln_type, 100, false);
    check_text(errors, "description", &input.description, 20_000, false);
    if input.systems.is_empty() {
        errors.push(FieldError::new("systems", "required"));
    } else if input.systems.len() > MAX_SYSTEMS {
        errors.push(FieldError::new("systems", "too_long"));
    }
    let now = store.now();
    let received_at = input.received_at.unwrap_or(now);
    if received_at > now + chrono::Duration::minutes(5) {
        errors.push(FieldError::new("received_at", "date_in_future"));
    }
    let deadline = match input.deadline {
        Some(d) if d <= received_at => {
            errors.push(FieldError::new("deadline", "deadline_before_received"));
            None
        }
        Some(d) => Some(d),
        // Counted from when the center issues it to the units (下发: now), not from
        // when the notice reached the center; both times are kept.
        None => severity.map(|s| store.notice_policy().deadline(s, now)),
    };
    Some(Checked { source: source?, severity: severity?, received_at, deadline: deadline? })
}

/// The systems of a notice, by id; each must exist (the center sees all).
async fn load_systems<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    errors: &mut Vec<FieldError>,
) -> Result<Vec<system::Model>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let found = system::Entity::find().filter(system::Column::Id.is_in(ids.clone())).all(conn).await?;
    if found.len() != ids.len() {
        errors.push(FieldError::new("systems", "unknown_system"));
    }
    Ok(found)
}

/// Open one rectification per system and tell each unit.
pub(crate) async fn assign<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    outbox: &mut Outbox,
    n: &notice::Model,
    systems: &[system::Model],
) -> Result<Vec<Change>> {
    let now = store.now();
    let policy = store.notice_policy();
    let units = crate::directory::service::units::by_ids(conn, systems.iter().map(|s| s.unit_id)).await?;
    let mut changes = Vec::new();
    let year = chrono::Datelike::year(&now.with_timezone(&policy.time_zone));
    for s in systems {
        let report_no =
            crate::platform::numbers::next(conn, crate::platform::numbers::RECTIFICATION_REPORT, year).await?;
        let r = rectification::ActiveModel {
            report_no: Set(report_no),
            report_offline_repair: Set(false),
            report_completed_on: Set(None),
            notice_id: Set(n.id),
            system_id: Set(s.id),
            unit_id: Set(s.unit_id),
            severity: Set(n.severity),
            status: Set(RectificationStatus::Assigned),
            assigned_at: Set(now),
            deadline: Set(n.deadline),
            escalation_step: Set(0),
            next_escalation_at: Set(policy.ladder.next_at(0, now, n.deadline)),
            report_vulnerability: Set(String::new()),
            report_cause: Set(String::new()),
            report_measures: Set(String::new()),
            report_verification: Set(String::new()),
            report_remaining_risk: Set(String::new()),
            report_submitted_at: Set(None),
            report_submitted_by: Set(String::new()),
            approved_at: Set(None),
            approved_by: Set(String::new()),
            reviewed_at: Set(None),
            reviewed_by: Set(String::new()),
            review_comment: Set(String::new()),
            closed_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(conn)
        .await?;
        let unit_name = units.get(&s.unit_id).map(|u| u.name.as_str()).unwrap_or_default();
        let subject = Subject {
            rectification_id: r.id,
            notice_title: &n.title,
            notice_reference: &n.reference,
            severity: n.severity,
            system_name: &s.name,
            unit_name,
            deadline: n.deadline,
            center: &store.documents().center,
        };
        let msg = messages::message(messages::Event::Assigned, &subject, policy.time_zone, &[]);
        outbox.add(conn, now, Some(s.unit_id), &[Audience::Direct, Audience::Main, Audience::Unit], &msg).await?;
        changes.push(
            Change::created(
                "rectification",
                r.id,
                Some(s.unit_id),
                json!({"notice_id": n.id, "system_id": s.id, "status": RectificationStatus::Assigned, "deadline": n.deadline}),
            )
            .with_action("assign"),
        );
    }
    Ok(changes)
}

pub async fn create(store: &Store, who: &Principal, input: NoticeInput) -> Result<NoticeDetail> {
    who.require(Permission::ManageNotices)?;
    let txn = store.begin_write().await?;
    let mut outbox = Outbox::new();
    let mut changes = Vec::new();
    let id = create_in(store, &*txn, who, input, &mut outbox, &mut changes).await?;
    outbox.flush(&*txn).await?;
    audit::append_many(&*txn, store.now(), &Actor::from(who), changes).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Check and write one notice in the caller's transaction; returns its id.
pub(crate) async fn create_in<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    who: &Principal,
    input: NoticeInput,
    outbox: &mut Outbox,
    changes: &mut Vec<Change>,
) -> Result<i64> {
    let mut errors = Vec::new();
    let checked = check_input(store, &input, &mut errors);
    let files: Vec<(&Upload, &'static str)> =
        input.evidence.iter().filter_map(|u| uploads::check("evidence", u, &mut errors)).collect();
    let systems = load_systems(conn, &input.systems, &mut errors).await?;
    let Some(c) = checked.filter(|_| errors.is_empty()) else {
        return Err(CoreError::Invalid(errors));
    };
    let now = store.now();
    let n = notice::ActiveModel {
        source: Set(c.source),
        reference: Set(input.reference.trim().to_owned()),
        received_at: Set(c.received_at),
        title: Set(input.title.trim().to_owned()),
        vuln_type: Set(input.vuln_type.trim().to_owned()),
        severity: Set(c.severity),
        description: Set(input.description.trim().to_owned()),
        deadline: Set(c.deadline),
        status: Set(NoticeStatus::Open),
        created_by: Set((who.user_id != 0).then_some(who.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let mut attachment_ids = Vec::new();
    for (up, ct) in files {
        let aid = uploads::save(store, conn, who, up, ct).await?;
        notice_attachment::ActiveModel { notice_id: Set(n.id), attachment_id: Set(aid) }.insert(conn).await?;
        attachment_ids.push(aid);
    }
    changes.push(Change::created(
        "notice",
        n.id,
        None,
        json!({"source": n.source, "reference": n.reference, "title": n.title, "severity": n.severity,
            "received_at": n.received_at, "deadline": n.deadline, "systems": systems.iter().map(|s| s.id).collect::<Vec<_>>(),
            "attachments": attachment_ids}),
    ));
    changes.extend(assign(store, conn, outbox, &n, &systems).await?);
    Ok(n.id)
}

/// The column of the notices sheet a field error belongs to.
fn column_of(field: &str) -> &'static str {
    match field {
        "source" => "来源",
        "reference" => "来源编号",
        "received_at" => "接收时间",
        "title" => "标题",
        "vuln_type" => "漏洞类型",
        "severity" => "危害等级",
        "description" => "漏洞描述",
        "deadline" => "整改期限",
        _ => "受影响系统",
    }
}

/// Import notices from parsed sheet rows: every row is checked (systems
/// resolved by URL or name); unless `dry_run`, all rows are written in one
/// transaction, and only when every row passes.
pub async fn import(
    store: &Store,
    who: &Principal,
    rows: Vec<(crate::notices::rules::sheet::NoticeRow, Vec<crate::registry::rules::inventory::Problem>)>,
    dry_run: bool,
) -> Result<crate::registry::service::inventory::ImportReport> {
    use crate::registry::service::inventory::{ImportLine, ImportReport, ReportProblem};
    who.require(Permission::ManageNotices)?;
    let mut report = ImportReport::default();
    let mut inputs = Vec::new();
    for (row, problems) in rows {
        let mut found: Vec<ReportProblem> =
            problems.into_iter().map(|p| ReportProblem { column: p.column, code: p.code, value: p.value }).collect();
        let mut ids = Vec::new();
        for r in &row.systems {
            match resolve_systems(store, who, std::slice::from_ref(r)).await {
                Ok(mut one) => ids.append(&mut one),
                Err(CoreError::Invalid(errs)) => found.extend(errs.into_iter().map(|e| ReportProblem {
                    column: "受影响系统".into(),
                    code: e.code,
                    value: r.chars().take(100).collect(),
                })),
                Err(e) => return Err(e),
            }
        }
        let input = NoticeInput {
            source: row.source.map(NoticeSource::as_str).unwrap_or_default().to_owned(),
            reference: row.reference.clone(),
            received_at: row.received_at,
            title: row.title.clone(),
            vuln_type: row.vuln_type.clone(),
            severity: row.severity.map(Severity::as_str).unwrap_or_default().to_owned(),
            description: row.description.clone(),
            deadline: row.deadline,
            systems: ids,
            evidence: Vec::new(),
        };
        if found.is_empty() {
            let mut errors = Vec::new();
            check_input(store, &input, &mut errors);
            found.extend(errors.into_iter().map(|e| ReportProblem {
                column: column_of(&e.field).into(),
                code: e.code,
                value: String::new(),
            }));
        }
        let action = if found.is_empty() { "create" } else { "error" };
        if found.is_empty() {
            report.created += 1;
        } else {
            report.failed += 1;
        }
        report.lines.push(ImportLine { line: row.line, name: row.title.clone(), action, problems: found });
        inputs.push(input);
    }
    if dry_run || report.failed > 0 {
        return Ok(report);
    }
    let txn = store.begin_write().await?;
    let mut outbox = Outbox::new();
    let mut changes = Vec::new();
    for input in inputs {
        create_in(store, &*txn, who, input, &mut outbox, &mut changes).await?;
    }
    outbox.flush(&*txn).await?;
    let changes = changes.into_iter().map(|c| if c.entity == "notice" { c.with_action("import") } else { c }).collect();
    audit::append_many(&*txn, store.now(), &Actor::from(who), changes).await?;
    txn.commit().await?;
    report.written = true;
    Ok(report)
}

pub async fn update(store: &Store, who: &Principal, id: i64, patch: NoticePatch) -> Result<NoticeDetail> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageNotices)?;
    let mut errors = Vec::new();
    for (field, value, max, required) in [
        ("reference", &patch.reference, 100, false),
        ("title", &patch.title, 200, true),
        ("vuln_type", &patch.vuln_type, 100, false),
        ("description", &patch.description, 20_000, false),
    ] {
        if let Some(v) = value {
            check_text(&mut errors, field, v, max, required);
        }
    }
    let severity = match patch.severity.as_deref() {
        Some(s) => check_choice::<Severity>(&mut errors, "severity", s),
        None => Some(current.severity),
    };
    if patch.deadline.is_some_and(|d| d <= current.received_at) {
        errors.push(FieldError::new("deadline", "deadline_before_received"));
    }
    let existing: Vec<i64> = rectification::Entity::find()
        .filter(rectification::Column::NoticeId.eq(id))
        .all(&*txn)
        .await?
        .into_iter()
        .map(|r| r.system_id)
        .collect();
    let new_ids: Vec<i64> =
        patch.systems.clone().unwrap_or_default().into_iter().filter(|s| !existing.contains(s)).collect();
    if existing.len() + new_ids.len() > MAX_SYSTEMS {
        errors.push(FieldError::new("systems", "too_long"));
    }
    let added = if new_ids.is_empty() { Vec::new() } else { load_systems(&*txn, &new_ids, &mut errors).await? };
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let before = json!({"reference": current.reference, "title": current.title, "vuln_type": current.vuln_type,
        "severity": current.severity, "description": current.description, "deadline": current.deadline});
    let now = store.now();
    let mut am: notice::ActiveModel = current.clone().into();
    if let Some(v) = &patch.reference {
        am.reference = Set(v.trim().to_owned());
    }
    if let Some(v) = &patch.title {
        am.title = Set(v.trim().to_owned());
    }
    if let Some(v) = &patch.vuln_type {
        am.vuln_type = Set(v.trim().to_owned());
    }
    if let Some(v) = &patch.description {
        am.description = Set(v.trim().to_owned());
    }
    if let Some(v) = severity {
        am.severity = Set(v);
    }
    if let Some(d) = patch.deadline {
        am.deadline = Set(d);
    }
    if !added.is_empty() {
        am.status = Set(NoticeStatus::Open);
    }
    am.updated_at = Set(now);
    let n = am.update(&*txn).await?;
    // The rectifications still open follow the notice's deadline and severity.
    if n.deadline != current.deadline || n.severity != current.severity {
        let ladder = &store.notice_policy().ladder;
        for r in rectification::Entity::find()
            .filter(rectification::Column::NoticeId.eq(id))
            .filter(rectification::Column::Status.ne(RectificationStatus::Closed))
            .all(&*txn)
            .await?
        {
            let runs = workflow::ladder_runs(r.status);
            let next = if runs { ladder.next_at(r.escalation_step, r.assigned_at, n.deadline) } else { None };
            let mut ram: rectification::ActiveModel = r.into();
            ram.deadline = Set(n.deadline);
            ram.severity = Set(n.severity);
            ram.next_escalation_at = Set(next);
            ram.updated_at = Set(now);
            ram.update(&*txn).await?;
        }
    }
    let after = json!({"reference": n.reference, "title": n.title, "vuln_type": n.vuln_type,
        "severity": n.severity, "description": n.description, "deadline": n.deadline,
        "added_systems": added.iter().map(|s| s.id).collect::<Vec<_>>()});
    let mut outbox = Outbox::new();
    let mut changes = vec![Change::updated("notice", id, None, before, after)];
    changes.extend(assign(store, &*txn, &mut outbox, &n, &added).await?);
    outbox.flush(&*txn).await?;
    audit::append_many(&*txn, now, &Actor::from(who), changes).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Close the notice when its last rectification closes.
pub(crate) async fn close_if_done<C: ConnectionTrait>(conn: &C, notice_id: i64, now: DateTime<Utc>) -> Result<bool> {
    let open = rectification::Entity::find()
        .filter(rectification::Column::NoticeId.eq(notice_id))
        .filter(rectification::Column::Status.ne(RectificationStatus::Closed))
        .count(conn)
        .await?;
    if open > 0 {
        return Ok(false);
    }
    notice::Entity::update_many()
        .col_expr(notice::Column::Status, NoticeStatus::Closed.as_str().into())
        .col_expr(notice::Column::UpdatedAt, now.into())
        .filter(notice::Column::Id.eq(notice_id))
        .exec(conn)
        .await?;
    Ok(true)
}

/// Systems named by id, URL or exact name (one per line, as pasted from a
/// notice); names that match nothing or several systems are field errors.
pub async fn resolve_systems(store: &Store, who: &Principal, refs: &[String]) -> Result<Vec<i64>> {
    use crate::registry::service::systems::{split, url_host};
    let conn = store.db();
    let scope = crate::platform::common::scope_condition(&who.scope(), system::Column::UnitId);
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for r in refs.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
        if let Ok(id) = r.parse::<i64>() {
            ids.push(id);
            continue;
        }
        let found: Vec<i64> = if let Some(host) = url_host(r) {
            system::Entity::find()
                .filter(scope.clone())
                .filter(system::Column::Urls.contains(host.as_str()))
                .all(conn)
                .await?
                .into_iter()
                .filter(|s| split(&s.urls).iter().any(|u| u == r || url_host(u).as_deref() == Some(host.as_str())))
                .map(|s| s.id)
                .collect()
        } else {
            system::Entity::find()
                .filter(scope.clone())
                .filter(system::Column::Name.eq(r))
                .all(conn)
                .await?
                .into_iter()
                .map(|s| s.id)
                .collect()
        };
        match found.as_slice() {
            [one] => ids.push(*one),
            [] => errors.push(FieldError::new("systems", "unknown_system")),
            _ => errors.push(FieldError::new("systems", "ambiguous_system")),
        }
    }
    if errors.is_empty() { Ok(ids) } else { Err(CoreError::Invalid(errors)) }
}
