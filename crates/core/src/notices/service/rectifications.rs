//! Rectifications (整改): the unit works, writes the report (风险整改报告),
//! its leader approves, the center accepts or rejects. Accepting lifts a
//! shutdown order given for it.

use crate::directory::entity::person;
use crate::directory::entity::responsibility;
use crate::directory::entity::unit;
use crate::notices::entity::notice;
use crate::notices::entity::rectification;
use crate::notices::entity::rectification_attachment;
use crate::notices::entity::shutdown_order;
use crate::notices::rules::messages::{self, Event, Subject};
use crate::notices::rules::workflow::Actions;
use crate::notices::rules::workflow::ReviewDecision;
use crate::notices::rules::workflow::{self, Action, REQUIRED_REPORT_FIELDS};
use crate::notices::{NoticeSource, RectificationStatus, Rung, Severity, ShutdownOrderState};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::clean;
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads;
use crate::platform::uploads::Upload;
use crate::registry::Stage;
use crate::registry::entity::system;
use crate::registry::service::systems::split;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, PartialEq, Default, utoipa::ToSchema)]
#[schema(as = RectificationReport)]
pub struct ReportView {
    pub vulnerability: String,
    pub cause: String,
    pub measures: String,
    pub verification: String,
    pub remaining_risk: String,
    /// 是否已下线进行线下修复.
    pub offline_repair: bool,
    /// 整改完成时间.
    pub completed_on: Option<chrono::NaiveDate>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub submitted_by: String,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: String,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: String,
    pub review_comment: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ShutdownView {
    pub id: i64,
    pub state: ShutdownOrderState,
    /// The order's number (〔2026〕第003号), once issued.
    pub number: String,
    pub ordered_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub lifted_at: Option<DateTime<Utc>>,
    pub stage_before: String,
    /// The monitor's last look at the site while the order stands.
    pub verified_at: Option<DateTime<Utc>>,
    pub verified_online: Option<bool>,
}

/// No rung yet is sent as an empty word, as before rungs were typed.
fn rung_or_empty<S: serde::Serializer>(rung: &Option<Rung>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match rung {
        Some(r) => serde::Serialize::serialize(r, s),
        None => s.serialize_str(""),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct RectificationView {
    pub id: i64,
    pub notice_id: i64,
    pub notice_title: String,
    pub notice_reference: String,
    pub notice_source: NoticeSource,
    pub system_id: i64,
    pub system_name: String,
    pub system_urls: Vec<String>,
    pub unit: String,
    pub unit_name: String,
    pub unit_id: i64,
    pub severity: Severity,
    pub status: RectificationStatus,
    /// When the center issued it to the unit (下发); the deadline counts from it.
    pub assigned_at: DateTime<Utc>,
    /// When the notice reached the center (接收).
    pub received_at: DateTime<Utc>,
    /// The report's number (〔2026〕第015号).
    pub report_no: String,
    pub deadline: DateTime<Utc>,
    /// Not closed and past the deadline.
    pub overdue: bool,
    /// The last rung of the escalation ladder reached (`reminder_50`, `overdue`, `shutdown`), or empty.
    #[serde(serialize_with = "rung_or_empty")]
    #[schema(value_type = String, pattern = "^(reminder_[0-9]+|overdue|shutdown)?$")]
    pub escalation: Option<Rung>,
    pub next_escalation_at: Option<DateTime<Utc>>,
    pub report: ReportView,
    pub closed_at: Option<DateTime<Utc>>,
    /// The shutdown order given for this rectification, if any.
    pub shutdown: Option<ShutdownView>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct RectificationDetail {
    #[serde(flatten)]
    pub rectification: RectificationView,
    pub attachments: Vec<uploads::AttachmentView>,
    /// The unit's responsible persons: (kind, name), for the report.
    pub responsible: Vec<(String, String)>,
    /// What the asking person may do next (`workflow::actions`).
    pub actions: Actions,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RectificationFilter {
    pub unit: Option<String>,
    pub status: Option<String>,
    pub severity: Option<String>,
    pub notice: Option<i64>,
    pub system: Option<i64>,
    pub overdue: Option<bool>,
    /// Only those still open (not closed).
    pub open: Option<bool>,
    /// Assigned on or after this day (in the platform's zone).
    pub from: Option<chrono::NaiveDate>,
    /// Assigned on or before this day.
    pub to: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub vulnerability: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub cause: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub measures: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub verification: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub remaining_risk: String,
    /// The system was taken offline to be repaired (是否已下线进行线下修复).
    #[serde(default)]
    pub offline_repair: bool,
    /// When the work was finished (整改完成时间); required to submit.
    #[serde(default)]
    pub completed_on: Option<chrono::NaiveDate>,
    /// `false` saves a draft (the status becomes `in_progress`); `true` (default) submits it.
    #[serde(default = "yes")]
    pub submit: bool,
    #[serde(skip)]
    pub attachments: Vec<Upload>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `accept` or `reject`.
    #[schema(value_type = ReviewDecision)]
    pub decision: String,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub comment: String,
}

/// Everything a page of views needs, loaded once.
struct Lookup {
    notices: HashMap<i64, notice::Model>,
    systems: HashMap<i64, system::Model>,
    units: HashMap<i64, unit::Model>,
    orders: HashMap<i64, shutdown_order::Model>,
}

impl Lookup {
    async fn load<C: ConnectionTrait>(conn: &C, rows: &[rectification::Model]) -> Result<Lookup> {
        let ids = |f: fn(&rectification::Model) -> i64| {
            let mut v: Vec<i64> = rows.iter().map(f).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let (nids, sids, uids, rids) = (ids(|r| r.notice_id), ids(|r| r.system_id), ids(|r| r.unit_id), ids(|r| r.id));
        if rows.is_empty() {
            return Ok(Lookup {
                notices: HashMap::new(),
                systems: HashMap::new(),
                units: HashMap::new(),
                orders: HashMap::new(),
            });
        }
        Ok(Lookup {
            notices: notice::Entity::find()
                .filter(notice::Column::Id.is_in(nids))
                .all(conn)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
            systems: system::Entity::find()
                .filter(system::Column::Id.is_in(sids))
                .all(conn)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect(),
            units: crate::directory::service::units::by_ids(conn, uids).await?,
            orders: shutdown_order::Entity::find()
                .filter(shutdown_order::Column::RectificationId.is_in(rids))
                .order_by_asc(shutdown_order::Column::Id)
                .all(conn)
                .await?
                .into_iter()
                .map(|m| (m.rectification_id, m))
                .collect(),
        })
    }

    fn view(&self, store: &Store, r: rectification::Model) -> RectificationView {
        let n = self.notices.get(&r.notice_id);
        let s = self.systems.get(&r.system_id);
        let u = self.units.get(&r.unit_id);
        let rungs = store.notice_policy().ladder.rungs();
        let escalation = usize::try_from(r.escalation_step)
            .ok()
            .and_then(|step| step.checked_sub(1))
            .and_then(|i| rungs.get(i))
            .copied();
        RectificationView {
            notice_title: n.map(|n| n.title.clone()).unwrap_or_default(),
            notice_reference: n.map(|n| n.reference.clone()).unwrap_or_default(),
            notice_source: n.map_or(NoticeSource::Other, |n| n.source),
            received_at: n.map_or(r.assigned_at, |n| n.received_at),
            report_no: r.report_no.clone(),
            unit_id: r.unit_id,
            system_name: s.map(|s| s.name.clone()).unwrap_or_default(),
            system_urls: s.map(|s| split(&s.urls)).unwrap_or_default(),
            unit: u.map(|u| u.code.clone()).unwrap_or_default(),
            unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
            overdue: !r.status.is_closed() && r.deadline <= store.now(),
            escalation,
            shutdown: self.orders.get(&r.id).map(|o| ShutdownView {
                id: o.id,
                state: o.state,
                number: o.number.clone(),
                ordered_at: o.ordered_at,
                decided_at: o.decided_at,
                lifted_at: o.lifted_at,
                stage_before: o.stage_before.clone(),
                verified_at: o.verified_at,
                verified_online: o.verified_online,
            }),
            report: ReportView {
                vulnerability: r.report_vulnerability,
                cause: r.report_cause,
                measures: r.report_measures,
                verification: r.report_verification,
                remaining_risk: r.report_remaining_risk,
                offline_repair: r.report_offline_repair,
                completed_on: r.report_completed_on,
                submitted_at: r.report_submitted_at,
                submitted_by: r.report_submitted_by,
                approved_at: r.approved_at,
                approved_by: r.approved_by,
                reviewed_at: r.reviewed_at,
                reviewed_by: r.reviewed_by,
                review_comment: r.review_comment,
            },
            id: r.id,
            notice_id: r.notice_id,
            system_id: r.system_id,
            severity: r.severity,
            status: r.status,
            assigned_at: r.assigned_at,
            deadline: r.deadline,
            next_escalation_at: r.next_escalation_at,
            closed_at: r.closed_at,
        }
    }
}

pub(crate) async fn views<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    rows: Vec<rectification::Model>,
) -> Result<Vec<RectificationView>> {
    let lookup = Lookup::load(conn, &rows).await?;
    Ok(rows.into_iter().map(|r| lookup.view(store, r)).collect())
}

pub(crate) async fn of_notice<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    who: &Principal,
    notice_id: i64,
) -> Result<Vec<RectificationView>> {
    let rows = rectification::Entity::find()
        .filter(rectification::Column::NoticeId.eq(notice_id))
        .filter(scope_condition(&who.scope(), rectification::Column::UnitId))
        .order_by_asc(rectification::Column::Id)
        .all(conn)
        .await?;
    views(store, conn, rows).await
}

/// The filtered query (scope applied); `None` when the unit filter names a unit out of sight.
pub async fn filtered_query(
    store: &Store,
    who: &Principal,
    f: &RectificationFilter,
) -> Result<Option<sea_orm::Select<rectification::Entity>>> {
    let mut cond = scope_condition(&who.scope(), rectification::Column::UnitId);
    if let Some(s) = f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let Some(s) = RectificationStatus::parse(s) else {
            return Err(CoreError::invalid("status", "unknown_choice"));
        };
        cond = cond.add(rectification::Column::Status.eq(s));
    }
    if let Some(s) = f.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let Some(s) = Severity::parse(s) else {
            return Err(CoreError::invalid("severity", "unknown_choice"));
        };
        cond = cond.add(rectification::Column::Severity.eq(s));
    }
    // The words are checked before the unit is looked up: a bad word is refused
    // whether or not the unit is in sight.
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::directory::service::units::find_visible(store.db(), who, code).await {
            Ok(u) => cond = cond.add(rectification::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    if let Some(n) = f.notice {
        cond = cond.add(rectification::Column::NoticeId.eq(n));
    }
    if let Some(s) = f.system {
        cond = cond.add(rectification::Column::SystemId.eq(s));
    }
    if f.overdue == Some(true) || f.open == Some(true) {
        cond = cond.add(rectification::Column::Status.ne(RectificationStatus::Closed));
    }
    if f.overdue == Some(true) {
        cond = cond.add(rectification::Column::Deadline.lte(store.now()));
    }
    // A period, for reporting upward: whole days in the platform's zone.
    let tz = store.notice_policy().time_zone;
    let start_of = |d: chrono::NaiveDate| {
        use chrono::TimeZone;
        tz.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN)).earliest().map(|t| t.with_timezone(&Utc))
    };
    if let Some(t) = f.from.and_then(start_of) {
        cond = cond.add(rectification::Column::AssignedAt.gte(t));
    }
    if let Some(t) = f.to.and_then(|d| d.succ_opt()).and_then(start_of) {
        cond = cond.add(rectification::Column::AssignedAt.lt(t));
    }
    Ok(Some(rectification::Entity::find().filter(cond)))
}

pub async fn list(
    store: &Store,
    who: &Principal,
    f: &RectificationFilter,
    page: PageRequest,
) -> Result<Page<RectificationView>> {
    let empty = Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() };
    let Some(q) = filtered_query(store, who, f).await? else { return Ok(empty) };
    let conn = store.db();
    // Counted before ordering: an ORDER BY inside the count would sort every match.
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(rectification::Column::Deadline)
        .order_by_asc(rectification::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(store, conn, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

/// A rectification's history (the latest 100 steps), for whoever may see it.
pub async fn history(store: &Store, who: &Principal, id: i64) -> Result<Vec<audit::AuditView>> {
    find_visible(store.db(), who, id).await?;
    audit::history(store.db(), "rectification", id, 100).await
}

async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<rectification::Model> {
    rectification::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), rectification::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

/// The unit's responsible persons as (kind, name), first → main → direct.
async fn responsible<C: ConnectionTrait>(conn: &C, unit_id: i64) -> Result<Vec<(String, String)>> {
    let rows = responsibility::Entity::find().filter(responsibility::Column::UnitId.eq(unit_id)).all(conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.person_id).collect();
    let names: HashMap<i64, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect()
    };
    let mut out: Vec<(String, String)> =
        rows.into_iter().map(|r| (r.kind, names.get(&r.person_id).cloned().unwrap_or_default())).collect();
    let rank = |k: &str| ["first", "main", "direct"].iter().position(|x| *x == k).unwrap_or(3);
    out.sort_by_key(|(k, _)| rank(k));
    Ok(out)
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<RectificationDetail> {
    let conn = store.db();
    let r = find_visible(conn, who, id).await?;
    let unit_id = r.unit_id;
    let attachment_ids: Vec<i64> = rectification_attachment::Entity::find()
        .filter(rectification_attachment::Column::RectificationId.eq(id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| a.attachment_id)
        .collect();
    let actions = workflow::actions(r.status, who, unit_id);
    let view = views(store, conn, vec![r]).await?.into_iter().next().ok_or(CoreError::NotFound)?;
    Ok(RectificationDetail {
        actions,
        rectification: view,
        attachments: uploads::views(conn, attachment_ids).await?,
        responsible: responsible(conn, unit_id).await?,
    })
}

pub async fn attachment(
    store: &Store,
    who: &Principal,
    id: i64,
    attachment_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let conn = store.db();
    find_visible(conn, who, id).await?;
    rectification_attachment::Entity::find_by_id((id, attachment_id)).one(conn).await?.ok_or(CoreError::NotFound)?;
    uploads::read(store, conn, attachment_id).await
}

/// Send the message of `event` about `r` to `audiences` (in the caller's transaction).
pub(crate) async fn tell<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    outbox: &mut Outbox,
    r: &rectification::Model,
    event: Event,
    audiences: &[Audience],
    extra: &[messages::Extra<'_>],
) -> Result<()> {
    let n = notice::Entity::find_by_id(r.notice_id).one(conn).await?.ok_or(CoreError::NotFound)?;
    let s = system::Entity::find_by_id(r.system_id).one(conn).await?.ok_or(CoreError::NotFound)?;
    let u = unit::Entity::find_by_id(r.unit_id).one(conn).await?.ok_or(CoreError::NotFound)?;
    let subject = Subject {
        rectification_id: r.id,
        notice_title: &n.title,
        notice_reference: &n.reference,
        severity: r.severity,
        system_name: &s.name,
        unit_name: &u.name,
        deadline: r.deadline,
        center: &store.documents().center,
    };
    let msg = messages::message(event, &subject, store.notice_policy().time_zone, extra);
    outbox.add(conn, store.now(), Some(r.unit_id), audiences, &msg).await?;
    Ok(())
}

fn advance(status: RectificationStatus, action: Action) -> Result<RectificationStatus> {
    workflow::next_status(status, action).ok_or(CoreError::Conflict("rectification_status"))
}

/// The unit starts work (`assigned` → `in_progress`).
pub async fn start(store: &Store, who: &Principal, id: i64) -> Result<RectificationDetail> {
    let txn = store.begin_write().await?;
    let r = find_visible(&*txn, who, id).await?;
    who.require(Permission::WorkRectification(r.unit_id))?;
    let to = advance(r.status, Action::Start)?;
    if r.status != to {
        let (unit_id, before) = (r.unit_id, json!({"status": r.status}));
        let mut am: rectification::ActiveModel = r.into();
        am.status = Set(to);
        am.updated_at = Set(store.now());
        am.update(&*txn).await?;
        let change = Change::updated("rectification", id, Some(unit_id), before, json!({"status": to}));
        audit::append(&*txn, store.now(), &Actor::from(who), change.with_action("start")).await?;
    }
    txn.commit().await?;
    get(store, who, id).await
}

/// Save (or submit) the rectification report.
pub async fn report(store: &Store, who: &Principal, id: i64, input: ReportInput) -> Result<RectificationDetail> {
    let txn = store.begin_write().await?;
    let r = find_visible(&*txn, who, id).await?;
    who.require(Permission::WorkRectification(r.unit_id))?;
    let to = advance(r.status, if input.submit { Action::Submit } else { Action::Start })?;
    let fields = [
        ("vulnerability", &input.vulnerability),
        ("cause", &input.cause),
        ("measures", &input.measures),
        ("verification", &input.verification),
        ("remaining_risk", &input.remaining_risk),
    ];
    let mut errors = Vec::new();
    for (field, value) in fields {
        if clean(value, 10_000).is_none() {
            errors.push(FieldError::new(field, "too_long"));
        } else if input.submit && REQUIRED_REPORT_FIELDS.contains(&field) && value.trim().is_empty() {
            errors.push(FieldError::new(field, "required"));
        }
    }
    if input.submit && input.completed_on.is_none() {
        errors.push(FieldError::new("completed_on", "required"));
    }
    if input.completed_on.is_some_and(|d| d > store.now().date_naive() + chrono::Duration::days(1)) {
        errors.push(FieldError::new("completed_on", "date_in_future"));
    }
    let files: Vec<(&Upload, &'static str)> =
        input.attachments.iter().filter_map(|u| uploads::check("attachments", u, &mut errors)).collect();
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    let before = json!({"status": r.status});
    let mut am: rectification::ActiveModel = r.clone().into();
    am.status = Set(to);
    am.report_vulnerability = Set(input.vulnerability.trim().into());
    am.report_cause = Set(input.cause.trim().into());
    am.report_measures = Set(input.measures.trim().into());
    am.report_verification = Set(input.verification.trim().into());
    am.report_remaining_risk = Set(input.remaining_risk.trim().into());
    am.report_offline_repair = Set(input.offline_repair);
    am.report_completed_on = Set(input.completed_on);
    if input.submit {
        am.report_submitted_at = Set(Some(now));
        am.report_submitted_by = Set(who.username.clone());
        // A new round (after a rejection) needs the leader's approval again.
        am.approved_at = Set(None);
        am.approved_by = Set(String::new());
    }
    am.updated_at = Set(now);
    let r = am.update(&*txn).await?;
    let mut attachment_ids = Vec::new();
    for (up, ct) in files {
        let aid = uploads::save(store, &*txn, who, up, ct).await?;
        if rectification_attachment::Entity::find_by_id((id, aid)).one(&*txn).await?.is_none() {
            rectification_attachment::ActiveModel { rectification_id: Set(id), attachment_id: Set(aid) }
                .insert(&*txn)
                .await?;
        }
        attachment_ids.push(aid);
    }
    let mut outbox = Outbox::new();
    if input.submit {
        tell(store, &*txn, &mut outbox, &r, Event::ReportSubmitted, &[Audience::First, Audience::Main], &[]).await?;
    }
    outbox.flush(&*txn).await?;
    let after = json!({"status": to, "vulnerability": r.report_vulnerability, "cause": r.report_cause,
        "measures": r.report_measures, "verification": r.report_verification,
        "remaining_risk": r.report_remaining_risk, "offline_repair": r.report_offline_repair,
        "completed_on": r.report_completed_on, "attachments": attachment_ids});
    let action = if input.submit { "submit_report" } else { "save_report" };
    let change = Change::updated("rectification", id, Some(r.unit_id), before, after).with_action(action);
    audit::append(&*txn, now, &Actor::from(who), change).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// The unit's leader approves the report; it goes to the center and the ladder stops.
pub async fn approve(store: &Store, who: &Principal, id: i64) -> Result<RectificationDetail> {
    let txn = store.begin_write().await?;
    let r = find_visible(&*txn, who, id).await?;
    who.require(Permission::ApproveRectification(r.unit_id))?;
    let to = advance(r.status, Action::Approve)?;
    let now = store.now();
    let before = json!({"status": r.status});
    let mut am: rectification::ActiveModel = r.into();
    am.status = Set(to);
    am.approved_at = Set(Some(now));
    am.approved_by = Set(who.username.clone());
    am.next_escalation_at = Set(None);
    am.updated_at = Set(now);
    let r = am.update(&*txn).await?;
    let mut outbox = Outbox::new();
    tell(store, &*txn, &mut outbox, &r, Event::Approved, &[Audience::Center], &[]).await?;
    outbox.flush(&*txn).await?;
    let change = Change::updated("rectification", id, Some(r.unit_id), before, json!({"status": to}));
    audit::append(&*txn, now, &Actor::from(who), change.with_action("approve")).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// The center accepts (closes, lifting any shutdown order) or rejects (back to the unit).
pub async fn review(store: &Store, who: &Principal, id: i64, input: ReviewInput) -> Result<RectificationDetail> {
    find_visible(store.db(), who, id).await?;
    who.require(Permission::ManageNotices)?;
    let comment = input.comment.trim();
    if clean(comment, 5000).is_none() {
        return Err(CoreError::invalid("comment", "too_long"));
    }
    let action = match ReviewDecision::parse(input.decision.trim()) {
        Some(ReviewDecision::Accept) => Action::Accept,
        Some(ReviewDecision::Reject) if comment.is_empty() => return Err(CoreError::invalid("comment", "required")),
        Some(ReviewDecision::Reject) => Action::Reject,
        None => return Err(CoreError::invalid("decision", "unknown_choice")),
    };
    let txn = store.begin_write().await?;
    let r = find_visible(&*txn, who, id).await?;
    let to = advance(r.status, action)?;
    let now = store.now();
    let before = json!({"status": r.status});
    let mut am: rectification::ActiveModel = r.clone().into();
    am.status = Set(to);
    am.reviewed_at = Set(Some(now));
    am.reviewed_by = Set(who.username.clone());
    am.review_comment = Set(comment.to_owned());
    if action == Action::Accept {
        am.closed_at = Set(Some(now));
        am.next_escalation_at = Set(None);
    } else {
        // Back with the unit: the ladder resumes where it stood.
        am.next_escalation_at = Set(store.notice_policy().ladder.next_at(r.escalation_step, r.assigned_at, r.deadline));
    }
    am.updated_at = Set(now);
    let r = am.update(&*txn).await?;
    let actor = Actor::from(who);
    let mut outbox = Outbox::new();
    let mut changes = vec![
        Change::updated("rectification", id, Some(r.unit_id), before, json!({"status": to, "comment": comment}))
            .with_action(if action == Action::Accept { "accept" } else { "reject" }),
    ];
    if action == Action::Accept {
        tell(store, &*txn, &mut outbox, &r, Event::Accepted, &[Audience::Direct, Audience::Main, Audience::Unit], &[])
            .await?;
        changes.extend(lift(store, &*txn, &mut outbox, &r).await?);
        if crate::notices::service::notices::close_if_done(&*txn, r.notice_id, now).await? {
            changes.push(Change::event("close", "notice", r.notice_id, None));
        }
    } else {
        let extra = [("review_comment", comment)];
        tell(
            store,
            &*txn,
            &mut outbox,
            &r,
            Event::Rejected,
            &[Audience::Direct, Audience::Main, Audience::Unit],
            &extra,
        )
        .await?;
    }
    outbox.flush(&*txn).await?;
    audit::append_many(&*txn, now, &actor, changes).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Lift the shutdown order of an accepted rectification; the system returns
/// to its stage before the order once no other order holds it.
async fn lift<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    outbox: &mut Outbox,
    r: &rectification::Model,
) -> Result<Vec<Change>> {
    let now = store.now();
    let orders = shutdown_order::Entity::find()
        .filter(shutdown_order::Column::RectificationId.eq(r.id))
        .filter(shutdown_order::Column::LiftedAt.is_null())
        .all(conn)
        .await?;
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let mut changes = Vec::new();
    for o in orders {
        let oid = o.id;
        // A proposal nobody decided on is withdrawn: the work was accepted first.
        let proposed = o.state == ShutdownOrderState::Proposed;
        let mut am: shutdown_order::ActiveModel = o.into();
        am.lifted_at = Set(Some(now));
        if proposed {
            am.state = Set(ShutdownOrderState::Withdrawn);
            am.decided_at = Set(Some(now));
            am.note = Set("整改已通过审核，关停建议撤回".into());
        } else {
            am.state = Set(ShutdownOrderState::Lifted);
        }
        am.update(conn).await?;
        changes.push(Change::event(if proposed { "withdraw" } else { "lift" }, "shutdown_order", oid, Some(r.unit_id)));
    }
    let still = shutdown_order::Entity::find()
        .filter(shutdown_order::Column::SystemId.eq(r.system_id))
        .filter(shutdown_order::Column::LiftedAt.is_null())
        .filter(shutdown_order::Column::State.eq(ShutdownOrderState::Issued))
        .count(conn)
        .await?;
    let s = system::Entity::find_by_id(r.system_id).one(conn).await?.ok_or(CoreError::NotFound)?;
    let before = s.stage_before_shutdown.as_deref().and_then(Stage::parse);
    if let Some(back) = workflow::stage_after_lift(s.stage, before, still) {
        let mut am: system::ActiveModel = s.into();
        am.stage = Set(back);
        am.stage_before_shutdown = Set(None);
        am.updated_at = Set(now);
        am.update(conn).await?;
        changes.push(
            Change::updated(
                "system",
                r.system_id,
                Some(r.unit_id),
                json!({"stage": Stage::Shutdown}),
                json!({"stage": back}),
            )
            .with_action("lift_shutdown"),
        );
        tell(
            store,
            conn,
            outbox,
            r,
            Event::Lifted,
            &[Audience::First, Audience::Direct, Audience::Unit, Audience::Center],
            &[],
        )
        .await?;
    }
    Ok(changes)
}

/// Rows of the batch summary (one notice, or a period), with Chinese headers.
pub async fn summary_rows(store: &Store, who: &Principal, f: &RectificationFilter) -> Result<Vec<Vec<String>>> {
    let tz = store.notice_policy().time_zone;
    let when = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let mut rows = vec![
        [
            "通报编号",
            "来源",
            "通报标题",
            "单位",
            "系统",
            "网址",
            "危害等级",
            "状态",
            "整改期限",
            "是否逾期",
            "报告提交时间",
            "单位审批时间",
            "中心审核时间",
            "审核意见",
            "关停",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
    ];
    let Some(q) = filtered_query(store, who, f).await? else { return Ok(rows) };
    let conn = store.db();
    let mut offset = 0;
    loop {
        let batch = q
            .clone()
            .order_by_asc(rectification::Column::Deadline)
            .order_by_asc(rectification::Column::Id)
            .offset(offset)
            .limit(2000)
            .all(conn)
            .await?;
        let n = batch.len() as u64;
        for v in views(store, conn, batch).await? {
            rows.push(vec![
                v.notice_reference.clone(),
                v.notice_source.zh().to_owned(),
                v.notice_title.clone(),
                v.unit_name.clone(),
                v.system_name.clone(),
                v.system_urls.join("\n"),
                v.severity.zh().to_owned(),
                v.status.zh().to_owned(),
                when(Some(v.deadline)),
                if v.overdue { "是" } else { "否" }.to_owned(),
                when(v.report.submitted_at),
                when(v.report.approved_at),
                when(v.report.reviewed_at),
                v.report.review_comment.clone(),
                match v.shutdown.as_ref().map(|o| o.state) {
                    Some(ShutdownOrderState::Proposed) => "待中心决定".to_owned(),
                    Some(ShutdownOrderState::Issued) => "关停中".to_owned(),
                    Some(ShutdownOrderState::Lifted) => "已解除".to_owned(),
                    Some(ShutdownOrderState::Withdrawn) => "已撤回".to_owned(),
                    None => String::new(),
                },
            ]);
        }
        if n < 2000 {
            break;
        }
        offset += n;
    }
    Ok(rows)
}

/// People's names for login names (the person an account is linked to); an
/// account with no person keeps its login name.
pub(crate) async fn display_names<C: ConnectionTrait>(conn: &C, usernames: &[&str]) -> Result<HashMap<String, String>> {
    use crate::accounts::entity::user;
    let wanted: Vec<String> = usernames.iter().filter(|u| !u.is_empty()).map(|u| (*u).to_owned()).collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let users = user::Entity::find().filter(user::Column::Username.is_in(wanted)).all(conn).await?;
    let pids: Vec<i64> = users.iter().filter_map(|u| u.person_id).collect();
    let people: HashMap<i64, String> = if pids.is_empty() {
        HashMap::new()
    } else {
        person::Entity::find()
            .filter(person::Column::Id.is_in(pids))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect()
    };
    Ok(users
        .into_iter()
        .map(|u| {
            let name = u.person_id.and_then(|id| people.get(&id).cloned()).unwrap_or_else(|| u.username.clone());
            (u.username, name)
        })
        .collect())
}

/// The rectification report (风险整改报告) as a Word form: (file name, bytes).
pub async fn report_docx(store: &Store, who: &Principal, id: i64) -> Result<(String, Vec<u8>)> {
    let d = get(store, who, id).await?;
    let conn = store.db();
    let tz = store.notice_policy().time_zone;
    let names = store.documents();
    let r = &d.rectification;
    let when = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let people = display_names(
        conn,
        &[r.report.submitted_by.as_str(), r.report.approved_by.as_str(), r.report.reviewed_by.as_str()],
    )
    .await?;
    let name_of = |login: &str| people.get(login).cloned().unwrap_or_else(|| login.to_owned());
    let by = |t: Option<DateTime<Utc>>, login: &str| {
        if t.is_none() { String::new() } else { format!("{}\n{}", name_of(login), when(t)) }
    };
    let person = |kind: &str| {
        d.responsible.iter().filter(|(k, _)| k == kind).map(|(_, n)| n.as_str()).collect::<Vec<_>>().join("、")
    };
    let system = system::Entity::find_by_id(r.system_id).one(conn).await?.ok_or(CoreError::NotFound)?;
    // 联系人及电话: the unit's direct responsible person (the network admin).
    let contact = {
        let rows = responsibility::Entity::find()
            .filter(responsibility::Column::UnitId.eq(r.unit_id))
            .filter(responsibility::Column::Kind.eq("direct"))
            .all(conn)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|x| x.person_id).collect();
        let found = if ids.is_empty() {
            Vec::new()
        } else {
            person::Entity::find().filter(person::Column::Id.is_in(ids)).all(conn).await?
        };
        found
            .into_iter()
            .map(|p| if p.phone.is_empty() { p.name } else { format!("{} {}", p.name, p.phone) })
            .collect::<Vec<_>>()
            .join("；")
    };
    let filing = [
        (!system.public_security_no.is_empty()).then(|| format!("公安备案号：{}", system.public_security_no)),
        (!system.icp_no.is_empty()).then(|| format!("ICP备案号：{}", system.icp_no)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("；");
    // Room to write by hand when printed blank, and the whole form on one A4 page.
    let block = |label: &str, text: &str, min_lines: usize| wangan_office::FormRow::Block {
        label: label.into(),
        text: text.to_owned(),
        min_lines,
    };
    let pairs = |a: (&str, String), b: (&str, String)| {
        wangan_office::FormRow::Pairs(vec![(a.0.into(), a.1), (b.0.into(), b.1)])
    };
    let one = |a: &str, b: String| wangan_office::FormRow::Pairs(vec![(a.into(), b)]);
    let reference = if r.notice_reference.is_empty() {
        r.notice_title.clone()
    } else {
        format!("{}（{}）", r.notice_title, r.notice_reference)
    };
    let form = wangan_office::FormDocument {
        title: format!("{}网站（信息系统）风险整改报告", names.institution),
        subtitle: format!("编号：{}", if r.report_no.is_empty() { r.id.to_string() } else { r.report_no.clone() }),
        rows: vec![
            pairs(("单位名称", r.unit_name.clone()), ("系统名称", r.system_name.clone())),
            one("网址", r.system_urls.join("\n")),
            pairs(("IP地址", split(&system.ips).join("\n")), ("联系人及电话", contact)),
            one("公安/ICP备案号", filing),
            pairs(("通报来源", r.notice_source.zh().into()), ("危害等级", r.severity.zh().into())),
            one("通报事项", reference),
            pairs(("下发时间", when(Some(r.assigned_at))), ("整改期限", when(Some(r.deadline)))),
            block("漏洞情况", &r.report.vulnerability, 2),
            block("原因分析", &r.report.cause, 2),
            block("整改措施", &r.report.measures, 3),
            block("整改验证（复测）情况", &r.report.verification, 2),
            block("遗留风险", if r.report.remaining_risk.is_empty() { "无" } else { &r.report.remaining_risk }, 1),
            pairs(
                ("整改完成时间", r.report.completed_on.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()),
                ("是否已下线进行线下修复", if r.report.offline_repair { "是" } else { "否" }.into()),
            ),
            pairs(("第一责任人", person("first")), ("主要责任人", person("main"))),
            pairs(("直接责任人", person("direct")), ("报告提交", by(r.report.submitted_at, &r.report.submitted_by))),
            pairs(
                ("单位审批", by(r.report.approved_at, &r.report.approved_by)),
                (&format!("{}审核", names.center), by(r.report.reviewed_at, &r.report.reviewed_by)),
            ),
            one("审核意见", r.report.review_comment.clone()),
        ],
        after: vec![
            "单位负责人（签字）：                        单位（盖章）：".into(),
            format!("{}审核人（签字）：", names.center),
            "日期：        年    月    日".into(),
        ],
    };
    let bytes = wangan_office::write_form_docx(&form).map_err(|e| CoreError::Internal(e.to_string()))?;
    Ok((format!("风险整改报告-{}-{}.docx", r.unit_name, r.id), bytes))
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitLoad {
    pub unit: String,
    pub unit_name: String,
    /// Open rectifications by severity: critical, high, medium, low.
    pub by_severity: [u64; 4],
    pub total: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ShutdownSystem {
    pub order_id: i64,
    /// `proposed` (waits for the center) or `issued`.
    pub state: ShutdownOrderState,
    pub system_id: i64,
    pub system_name: String,
    pub unit_name: String,
    pub rectification_id: i64,
    pub ordered_at: DateTime<Utc>,
}

/// What the dashboard shows of rectifications, in the caller's scope.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Overview {
    pub open: u64,
    /// Open, deadline within the next 24 hours.
    pub due_soon: u64,
    pub overdue: u64,
    pub by_unit: Vec<UnitLoad>,
    pub shutdown: Vec<ShutdownSystem>,
}

pub async fn overview(store: &Store, who: &Principal) -> Result<Overview> {
    let conn = store.db();
    let now = store.now();
    let scope = scope_condition(&who.scope(), rectification::Column::UnitId);
    let open = || {
        rectification::Entity::find()
            .filter(scope.clone())
            .filter(rectification::Column::Status.ne(RectificationStatus::Closed))
    };
    let rows: Vec<(i64, Severity, i64)> = open()
        .select_only()
        .column(rectification::Column::UnitId)
        .column(rectification::Column::Severity)
        .column_as(rectification::Column::Id.count(), "n")
        .group_by(rectification::Column::UnitId)
        .group_by(rectification::Column::Severity)
        .into_tuple()
        .all(conn)
        .await?;
    let overdue = open().filter(rectification::Column::Deadline.lte(now)).count(conn).await?;
    let due_soon = open()
        .filter(rectification::Column::Deadline.gt(now))
        .filter(rectification::Column::Deadline.lte(now + chrono::Duration::hours(24)))
        .count(conn)
        .await?;
    let mut loads: HashMap<i64, [u64; 4]> = HashMap::new();
    for (unit_id, severity, n) in rows {
        if let Some(i) = Severity::ALL.iter().position(|s| *s == severity) {
            loads.entry(unit_id).or_default()[i] += u64::try_from(n).unwrap_or(0);
        }
    }
    let orders = shutdown_order::Entity::find()
        .filter(scope_condition(&who.scope(), shutdown_order::Column::UnitId))
        .filter(shutdown_order::Column::LiftedAt.is_null())
        .order_by_asc(shutdown_order::Column::OrderedAt)
        .limit(200)
        .all(conn)
        .await?;
    let mut unit_ids: Vec<i64> = loads.keys().copied().collect();
    unit_ids.extend(orders.iter().map(|o| o.unit_id));
    let units = crate::directory::service::units::by_ids(conn, unit_ids).await?;
    let system_ids: Vec<i64> = orders.iter().map(|o| o.system_id).collect();
    let systems: HashMap<i64, String> = if system_ids.is_empty() {
        HashMap::new()
    } else {
        system::Entity::find()
            .filter(system::Column::Id.is_in(system_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect()
    };
    let mut by_unit: Vec<UnitLoad> = loads
        .into_iter()
        .map(|(id, by_severity)| UnitLoad {
            unit: units.get(&id).map(|u| u.code.clone()).unwrap_or_default(),
            unit_name: units.get(&id).map(|u| u.name.clone()).unwrap_or_default(),
            total: by_severity.iter().sum(),
            by_severity,
        })
        .collect();
    by_unit.sort_by(|a, b| b.by_severity.cmp(&a.by_severity).then(a.unit.cmp(&b.unit)));
    let open_total = by_unit.iter().map(|u| u.total).sum();
    let shutdown = orders
        .into_iter()
        .map(|o| ShutdownSystem {
            order_id: o.id,
            state: o.state,
            system_name: systems.get(&o.system_id).cloned().unwrap_or_default(),
            unit_name: units.get(&o.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
            system_id: o.system_id,
            rectification_id: o.rectification_id,
            ordered_at: o.ordered_at,
        })
        .collect();
    Ok(Overview { open: open_total, due_soon, overdue, by_unit, shutdown })
}
