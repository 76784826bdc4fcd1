//! Key periods' storage: declare a period for units, the units' daily
//! reports, who is missing, the chase and the daily summary, and the
//! shorter monitoring interval for the units' sites.

use crate::directory::entity::unit;
use crate::key_periods::entity::{key_period, key_period_report, key_period_unit};
use crate::key_periods::rules::{self, PeriodKind, ReportState};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::notify::texts::{Message, line, t};
use crate::platform::access::{Permission, Principal, Scope};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean_field, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
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
pub struct PeriodInput {
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub kind: PeriodKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The daily report's hour, `17:00` (local time; default 17:00).
    #[serde(default)]
    #[schema(pattern = "^([0-2][0-9]:[0-5][0-9])?$")]
    pub report_by: String,
    /// Seconds between checks of the units' sites during the period (default 60).
    #[serde(default)]
    #[schema(minimum = 30, maximum = 3600)]
    pub interval_s: Option<i32>,
    /// Units' codes; empty: every unit.
    #[serde(default)]
    #[schema(max_items = 1000)]
    pub units: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PeriodView {
    pub id: i64,
    pub title: String,
    pub kind: PeriodKind,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub report_by: String,
    pub interval_s: i32,
    /// Today falls in the period.
    pub active: bool,
    /// Units in scope under the period.
    pub units: u32,
    /// Of those, how many have filed today's report (when active).
    pub filed_today: u32,
    /// Of those, how many are missing today's report (the hour passed).
    pub missing_today: u32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One unit's reports, day by day.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UnitReports {
    pub unit: String,
    pub unit_name: String,
    /// The last seven days owed, newest first.
    pub days: Vec<DayState>,
    pub missing: u32,
    pub may_report: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DayState {
    pub day: NaiveDate,
    pub state: ReportState,
    pub zero: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PeriodDetail {
    pub period: PeriodView,
    pub units: Vec<UnitReports>,
    pub may_manage: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    /// The day (default: today).
    #[serde(default)]
    pub day: Option<NaiveDate>,
    /// 零报告: nothing happened today.
    #[serde(default)]
    pub zero: bool,
    /// What happened and what was done (required unless a zero report).
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub content: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub day: NaiveDate,
    pub zero: bool,
    pub content: String,
    pub state: ReportState,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
}

/// Days of reports a period's page shows per unit, newest first.
pub const DETAIL_DAYS: usize = 7;

fn today(store: &Store) -> NaiveDate {
    store.now().with_timezone(&store.notice_policy().time_zone).date_naive()
}

fn deadline(store: &Store, p: &key_period::Model, day: NaiveDate) -> DateTime<Utc> {
    rules::deadline(&store.notice_policy().time_zone, day, p.report_by_minute)
}

async fn visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<key_period::Model> {
    let p = key_period::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    crate::platform::common::require_targets_in_scope::<_, key_period_unit::Entity>(
        conn,
        who,
        key_period_unit::Column::KeyPeriodId,
        id,
        key_period_unit::Column::UnitId,
    )
    .await?;
    Ok(p)
}

async fn units_of<C: ConnectionTrait>(conn: &C, who: &Principal, ids: Vec<i64>) -> Result<Vec<(i64, i64)>> {
    Ok(key_period_unit::Entity::find()
        .select_only()
        .columns([key_period_unit::Column::KeyPeriodId, key_period_unit::Column::UnitId])
        .filter(key_period_unit::Column::KeyPeriodId.is_in(ids))
        .filter(scope_condition(&who.scope(), key_period_unit::Column::UnitId))
        .into_tuple()
        .all(conn)
        .await?)
}

async fn views<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    who: &Principal,
    rows: Vec<key_period::Model>,
) -> Result<Vec<PeriodView>> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let targets = units_of(conn, who, ids.clone()).await?;
    let today = today(store);
    let now = store.now();
    let filed: Vec<(i64, i64)> = key_period_report::Entity::find()
        .select_only()
        .columns([key_period_report::Column::KeyPeriodId, key_period_report::Column::UnitId])
        .filter(key_period_report::Column::KeyPeriodId.is_in(ids))
        .filter(key_period_report::Column::Day.eq(today))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let mine: Vec<i64> = targets.iter().filter(|t| t.0 == p.id).map(|t| t.1).collect();
            let active = p.starts_on <= today && today <= p.ends_on;
            let done = mine.iter().filter(|u| filed.contains(&(p.id, **u))).count();
            let past = now > deadline(store, &p, today);
            PeriodView {
                active,
                units: u32::try_from(mine.len()).unwrap_or(0),
                filed_today: if active { u32::try_from(done).unwrap_or(0) } else { 0 },
                missing_today: if active && past { u32::try_from(mine.len() - done).unwrap_or(0) } else { 0 },
                report_by: rules::format_report_by(p.report_by_minute),
                id: p.id,
                title: p.title,
                kind: p.kind,
                starts_on: p.starts_on,
                ends_on: p.ends_on,
                interval_s: p.interval_s,
                created_by: p.created_by,
                created_at: p.created_at,
            }
        })
        .collect())
}

pub async fn list(store: &Store, who: &Principal, page: PageRequest) -> Result<Page<PeriodView>> {
    let conn = store.db();
    let mut q = key_period::Entity::find();
    if who.scope() != Scope::All {
        let ids: Vec<i64> = key_period_unit::Entity::find()
            .select_only()
            .column(key_period_unit::Column::KeyPeriodId)
            .filter(scope_condition(&who.scope(), key_period_unit::Column::UnitId))
            .into_tuple()
            .all(conn)
            .await?;
        q = q.filter(key_period::Column::Id.is_in(ids));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(key_period::Column::StartsOn)
        .order_by_desc(key_period::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(store, conn, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<PeriodDetail> {
    let conn = store.db();
    let p = visible(conn, who, id).await?;
    let unit_ids: Vec<i64> = units_of(conn, who, vec![id]).await?.into_iter().map(|t| t.1).collect();
    let units = crate::directory::service::units::by_ids(conn, unit_ids.clone()).await?;
    let today = today(store);
    let now = store.now();
    let mut days = rules::days_owed(p.starts_on, p.ends_on, today);
    days.reverse();
    days.truncate(DETAIL_DAYS);
    let reports: HashMap<(i64, NaiveDate), (DateTime<Utc>, bool)> = key_period_report::Entity::find()
        .filter(key_period_report::Column::KeyPeriodId.eq(id))
        .filter(key_period_report::Column::Day.is_in(days.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| ((r.unit_id, r.day), (r.submitted_at, r.zero)))
        .collect();
    let mut out: Vec<UnitReports> = unit_ids
        .iter()
        .filter_map(|u| units.get(u))
        .map(|u| {
            let ds: Vec<DayState> = days
                .iter()
                .map(|d| {
                    let r = reports.get(&(u.id, *d));
                    DayState {
                        day: *d,
                        state: rules::report_state(r.map(|r| r.0), deadline(store, &p, *d), now),
                        zero: r.is_some_and(|r| r.1),
                    }
                })
                .collect();
            UnitReports {
                unit: u.code.clone(),
                unit_name: u.name.clone(),
                missing: u32::try_from(ds.iter().filter(|d| d.state == ReportState::Missing).count()).unwrap_or(0),
                days: ds,
                may_report: who.may(Permission::AnswerForUnit(u.id)),
            }
        })
        .collect();
    out.sort_by(|a, b| b.missing.cmp(&a.missing).then(a.unit.cmp(&b.unit)));
    let period = views(store, conn, who, vec![p]).await?.into_iter().next().ok_or(CoreError::NotFound)?;
    Ok(PeriodDetail { period, units: out, may_manage: who.may(Permission::ManageReadiness) })
}

/// Declare a period (the center); the units are told at once.
pub async fn create(store: &Store, who: &Principal, input: PeriodInput) -> Result<PeriodDetail> {
    who.require(Permission::ManageReadiness)?;
    let mut errors = Vec::new();
    let title = clean_field(&mut errors, "title", &input.title, 200);
    if title.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("title", "required"));
    }
    if input.ends_on < input.starts_on {
        errors.push(FieldError::new("ends_on", "ends_before_start"));
    } else if (input.ends_on - input.starts_on).num_days() > 120 {
        errors.push(FieldError::new("ends_on", "out_of_range"));
    }
    let report_by =
        if input.report_by.trim().is_empty() { Some(17 * 60) } else { rules::parse_report_by(&input.report_by) };
    if report_by.is_none() {
        errors.push(FieldError::new("report_by", "time_format"));
    }
    let interval_s = input.interval_s.unwrap_or(60);
    if !(30..=3600).contains(&interval_s) {
        errors.push(FieldError::new("interval_s", "out_of_range"));
    }
    let txn = store.begin_write().await?;
    let mut unit_ids = Vec::new();
    if input.units.is_empty() {
        unit_ids = unit::Entity::find().select_only().column(unit::Column::Id).into_tuple().all(&*txn).await?;
    } else {
        for (i, code) in input.units.iter().enumerate() {
            match crate::directory::service::units::find_visible(&*txn, who, code.trim()).await {
                Ok(u) => unit_ids.push(u.id),
                Err(CoreError::NotFound) => errors.push(FieldError::new(&format!("units[{i}]"), "unknown_unit")),
                Err(e) => return Err(e),
            }
        }
    }
    unit_ids.sort_unstable();
    unit_ids.dedup();
    if unit_ids.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("units", "required"));
    }
    let (Some(report_by), true) = (report_by, errors.is_empty()) else {
        return Err(CoreError::Invalid(errors));
    };
    let now = store.now();
    let p = key_period::ActiveModel {
        title: Set(title.clone()),
        kind: Set(input.kind),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        report_by_minute: Set(report_by),
        interval_s: Set(interval_s),
        summarized_on: Set(None),
        created_by: Set(who.username.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    for chunk in unit_ids.chunks(500) {
        key_period_unit::Entity::insert_many(chunk.iter().map(|u| key_period_unit::ActiveModel {
            key_period_id: Set(p.id),
            unit_id: Set(*u),
            chased_on: Set(None),
        }))
        .exec_without_returning(&*txn)
        .await?;
    }
    let range = format!("{} — {}", input.starts_on, input.ends_on);
    let by = rules::format_report_by(report_by);
    let msg = Message::new("key_period", format!("/key-periods/{}", p.id), |l| {
        let subject = t(l, "key_period.declared", &[("title", title.as_str())]);
        let body = [line(l, "period", &range), t(l, "key_period.declared.body", &[("by", by.as_str())])].join("\n");
        (subject, body)
    });
    let mut outbox = Outbox::digest();
    for u in &unit_ids {
        outbox.add(&*txn, now, Some(*u), &[Audience::Direct, Audience::Unit], &msg).await?;
    }
    outbox.flush(&*txn).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "key_period",
            p.id,
            None,
            json!({"title": title, "kind": input.kind, "starts_on": input.starts_on, "ends_on": input.ends_on, "units": unit_ids.len(), "interval_s": interval_s}),
        ),
    )
    .await?;
    txn.commit().await?;
    get(store, who, p.id).await
}

/// File a unit's daily report (its network admin or head); once per day.
pub async fn report(store: &Store, who: &Principal, id: i64, input: ReportInput) -> Result<ReportView> {
    let txn = store.begin_write().await?;
    let p = visible(&*txn, who, id).await?;
    let u =
        crate::directory::service::units::find_visible(&*txn, who, input.unit.trim()).await.map_err(|e| match e {
            CoreError::NotFound => CoreError::invalid("unit", "unknown_unit"),
            e => e,
        })?;
    let targeted = key_period_unit::Entity::find()
        .filter(key_period_unit::Column::KeyPeriodId.eq(id))
        .filter(key_period_unit::Column::UnitId.eq(u.id))
        .count(&*txn)
        .await?;
    if targeted == 0 {
        return Err(CoreError::invalid("unit", "unit_not_targeted"));
    }
    who.require(Permission::AnswerForUnit(u.id))?;
    let today = today(store);
    let day = input.day.unwrap_or(today);
    let mut errors = Vec::new();
    if day < p.starts_on || day > p.ends_on {
        errors.push(FieldError::new("day", "outside_period"));
    } else if day > today {
        errors.push(FieldError::new("day", "date_in_future"));
    }
    let content = clean_field(&mut errors, "content", &input.content, 5000);
    if !input.zero && content.is_empty() && errors.iter().all(|e| e.field != "content") {
        errors.push(FieldError::new("content", "required"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let exists = key_period_report::Entity::find()
        .filter(key_period_report::Column::KeyPeriodId.eq(id))
        .filter(key_period_report::Column::UnitId.eq(u.id))
        .filter(key_period_report::Column::Day.eq(day))
        .count(&*txn)
        .await?;
    if exists > 0 {
        return Err(CoreError::Conflict("report_filed"));
    }
    let now = store.now();
    let r = key_period_report::ActiveModel {
        key_period_id: Set(id),
        unit_id: Set(u.id),
        day: Set(day),
        zero: Set(input.zero),
        content: Set(content.clone()),
        submitted_by: Set(who.username.clone()),
        submitted_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "key_period_report",
            r.id,
            Some(u.id),
            json!({"key_period_id": id, "day": day, "zero": input.zero, "content": content}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(ReportView {
        id: r.id,
        unit: u.code,
        unit_name: u.name,
        day,
        zero: r.zero,
        content: r.content,
        state: rules::report_state(Some(now), deadline(store, &p, day), now),
        submitted_by: r.submitted_by,
        submitted_at: r.submitted_at,
    })
}

/// The reports filed in a period, newest first (one unit's, or every unit's in scope).
pub async fn reports(store: &Store, who: &Principal, id: i64, unit: Option<&str>) -> Result<Vec<ReportView>> {
    let conn = store.db();
    let p = visible(conn, who, id).await?;
    let mut q = key_period_report::Entity::find()
        .filter(key_period_report::Column::KeyPeriodId.eq(id))
        .filter(scope_condition(&who.scope(), key_period_report::Column::UnitId));
    if let Some(code) = unit.map(str::trim).filter(|c| !c.is_empty()) {
        match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => q = q.filter(key_period_report::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => return Ok(Vec::new()),
            Err(e) => return Err(e),
        }
    }
    let rows = q
        .order_by_desc(key_period_report::Column::Day)
        .order_by_asc(key_period_report::Column::UnitId)
        .limit(2000)
        .all(conn)
        .await?;
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|r| r.unit_id)).await?;
    let now = store.now();
    Ok(rows
        .into_iter()
        .map(|r| {
            let u = units.get(&r.unit_id);
            ReportView {
                state: rules::report_state(Some(r.submitted_at), deadline(store, &p, r.day), now),
                id: r.id,
                unit: u.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
                day: r.day,
                zero: r.zero,
                content: r.content,
                submitted_by: r.submitted_by,
                submitted_at: r.submitted_at,
            }
        })
        .collect())
}

/// A day's summary as rows: every unit in scope, its state, what it reported.
pub async fn summary_rows(
    store: &Store,
    who: &Principal,
    id: i64,
    day: Option<NaiveDate>,
) -> Result<(String, Vec<&'static str>, Vec<Vec<String>>)> {
    let conn = store.db();
    let p = visible(conn, who, id).await?;
    let day = day.unwrap_or_else(|| today(store));
    let unit_ids: Vec<i64> = units_of(conn, who, vec![id]).await?.into_iter().map(|t| t.1).collect();
    let units = crate::directory::service::units::by_ids(conn, unit_ids.clone()).await?;
    let reports: HashMap<i64, key_period_report::Model> = key_period_report::Entity::find()
        .filter(key_period_report::Column::KeyPeriodId.eq(id))
        .filter(key_period_report::Column::Day.eq(day))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.unit_id, r))
        .collect();
    let tz = store.notice_policy().time_zone;
    let now = store.now();
    let dl = deadline(store, &p, day);
    let mut rows: Vec<Vec<String>> = unit_ids
        .iter()
        .filter_map(|u| units.get(u))
        .map(|u| {
            let r = reports.get(&u.id);
            let state = rules::report_state(r.map(|r| r.submitted_at), dl, now);
            vec![
                u.code.clone(),
                u.name.clone(),
                day.to_string(),
                match state {
                    ReportState::Filed => "已报",
                    ReportState::Late => "迟报",
                    ReportState::Missing => "未报",
                    ReportState::Due => "待报",
                }
                .into(),
                r.map(|r| if r.zero { "是" } else { "否" }).unwrap_or("").into(),
                r.map(|r| r.content.clone()).unwrap_or_default(),
                r.map(|r| r.submitted_by.clone()).unwrap_or_default(),
                r.map(|r| r.submitted_at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    Ok((
        format!("{} {}", p.title, day),
        vec!["单位代码", "单位", "日期", "状态", "零报告", "报告内容", "填报人", "填报时间"],
        rows,
    ))
}

/// Chase the units missing today's report once the hour has passed (once a
/// day each), and send the center the day's summary (once a day per period).
pub async fn chase(store: &Store) -> Result<u64> {
    let today = today(store);
    let now = store.now();
    let txn = store.begin_write().await?;
    let active = key_period::Entity::find()
        .filter(key_period::Column::StartsOn.lte(today))
        .filter(key_period::Column::EndsOn.gte(today))
        .all(&*txn)
        .await?;
    let mut outbox = Outbox::new();
    let mut chased = 0;
    for p in active {
        if now <= deadline(store, &p, today) {
            continue;
        }
        let targets =
            key_period_unit::Entity::find().filter(key_period_unit::Column::KeyPeriodId.eq(p.id)).all(&*txn).await?;
        let filed: Vec<i64> = key_period_report::Entity::find()
            .select_only()
            .column(key_period_report::Column::UnitId)
            .filter(key_period_report::Column::KeyPeriodId.eq(p.id))
            .filter(key_period_report::Column::Day.eq(today))
            .into_tuple()
            .all(&*txn)
            .await?;
        let missing: Vec<&key_period_unit::Model> =
            targets.iter().filter(|t| !filed.contains(&t.unit_id) && t.chased_on != Some(today)).collect();
        let title = p.title.clone();
        let day = today.to_string();
        for m in &missing {
            let msg = Message::new("key_period_missing", format!("/key-periods/{}", p.id), |l| {
                (
                    t(l, "key_period.missing", &[("title", title.as_str())]),
                    [line(l, "day", &day), t(l, "key_period.missing.body", &[])].join("\n"),
                )
            });
            outbox.add(&*txn, now, Some(m.unit_id), &[Audience::Direct, Audience::Unit], &msg).await?;
            chased += 1;
        }
        if !missing.is_empty() {
            key_period_unit::Entity::update_many()
                .col_expr(key_period_unit::Column::ChasedOn, Expr::value(Some(today)))
                .filter(key_period_unit::Column::KeyPeriodId.eq(p.id))
                .filter(key_period_unit::Column::UnitId.is_in(missing.iter().map(|m| m.unit_id).collect::<Vec<_>>()))
                .exec(&*txn)
                .await?;
        }
        if p.summarized_on != Some(today) {
            let n_missing = targets.iter().filter(|t| !filed.contains(&t.unit_id)).count().to_string();
            let n_filed = filed.len().to_string();
            let msg =
                Message::new("key_period_summary", format!("/key-periods/{}/summary.xlsx?day={today}", p.id), |l| {
                    (
                        t(l, "key_period.summary", &[("title", title.as_str()), ("day", day.as_str())]),
                        t(
                            l,
                            "key_period.summary.body",
                            &[("filed", n_filed.as_str()), ("missing", n_missing.as_str())],
                        ),
                    )
                });
            outbox.add(&*txn, now, None, &[Audience::Center], &msg).await?;
            key_period::Entity::update_many()
                .col_expr(key_period::Column::SummarizedOn, Expr::value(Some(today)))
                .filter(key_period::Column::Id.eq(p.id))
                .exec(&*txn)
                .await?;
        }
    }
    outbox.flush(&*txn).await?;
    txn.commit().await?;
    Ok(chased)
}

/// The monitoring interval of units under a period today (the shortest
/// when several), for the monitors being claimed.
pub(crate) async fn active_intervals<C: ConnectionTrait>(conn: &C, today: NaiveDate) -> Result<HashMap<i64, i32>> {
    let periods: Vec<(i64, i32)> = key_period::Entity::find()
        .select_only()
        .columns([key_period::Column::Id, key_period::Column::IntervalS])
        .filter(key_period::Column::StartsOn.lte(today))
        .filter(key_period::Column::EndsOn.gte(today))
        .into_tuple()
        .all(conn)
        .await?;
    let mut out: HashMap<i64, i32> = HashMap::new();
    if periods.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(i64, i64)> = key_period_unit::Entity::find()
        .select_only()
        .columns([key_period_unit::Column::KeyPeriodId, key_period_unit::Column::UnitId])
        .filter(key_period_unit::Column::KeyPeriodId.is_in(periods.iter().map(|p| p.0).collect::<Vec<_>>()))
        .into_tuple()
        .all(conn)
        .await?;
    for (pid, u) in rows {
        if let Some((_, s)) = periods.iter().find(|p| p.0 == pid) {
            let e = out.entry(u).or_insert(*s);
            *e = (*e).min(*s);
        }
    }
    Ok(out)
}

/// Per unit and day owed in the last 12 months: filed by the hour or not
/// (today counts once its hour has passed or it is filed).
pub(crate) async fn reports_on_time<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    today: NaiveDate,
) -> Result<Vec<(i64, bool)>> {
    let since = today - chrono::Duration::days(365);
    let periods = key_period::Entity::find()
        .filter(key_period::Column::EndsOn.gte(since))
        .filter(key_period::Column::StartsOn.lte(today))
        .all(conn)
        .await?;
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = periods.iter().map(|p| p.id).collect();
    let targets: Vec<(i64, i64)> = key_period_unit::Entity::find()
        .select_only()
        .columns([key_period_unit::Column::KeyPeriodId, key_period_unit::Column::UnitId])
        .filter(key_period_unit::Column::KeyPeriodId.is_in(ids.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    let filed: HashMap<(i64, i64, NaiveDate), DateTime<Utc>> = key_period_report::Entity::find()
        .select_only()
        .columns([
            key_period_report::Column::KeyPeriodId,
            key_period_report::Column::UnitId,
            key_period_report::Column::Day,
            key_period_report::Column::SubmittedAt,
        ])
        .filter(key_period_report::Column::KeyPeriodId.is_in(ids))
        .into_tuple::<(i64, i64, NaiveDate, DateTime<Utc>)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(p, u, d, t)| ((p, u, d), t))
        .collect();
    let now = store.now();
    let mut out = Vec::new();
    for p in &periods {
        for day in rules::days_owed(p.starts_on.max(since), p.ends_on, today) {
            let dl = deadline(store, p, day);
            for (_, u) in targets.iter().filter(|t| t.0 == p.id) {
                match rules::report_state(filed.get(&(p.id, *u, day)).copied(), dl, now) {
                    ReportState::Filed => out.push((*u, true)),
                    ReportState::Late | ReportState::Missing => out.push((*u, false)),
                    ReportState::Due => {}
                }
            }
        }
    }
    Ok(out)
}
