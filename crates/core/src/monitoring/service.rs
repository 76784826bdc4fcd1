//! Site monitoring's storage: monitors kept in step with the registry,
//! their baselines, check results, findings that open and resolve
//! themselves, and notices opened by serious findings. The checks
//! themselves run in `wangan-monitor`, which calls the engine functions at
//! the end of this file.

use crate::platform::site_url::SiteUrl;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::directory::entity::unit;
use crate::monitoring::entity::finding;
use crate::monitoring::entity::monitor;
use crate::monitoring::entity::monitor_baseline;
use crate::monitoring::entity::monitor_check;
use crate::monitoring::entity::monitor_hour;
use crate::monitoring::{Check, FindingCode, FindingSeverity, Health, WallState};
use crate::notices::rules::messages::Message;
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::registry::entity::system;

/// The check names, in order.
/// Raw check results are kept this long; hours stay for the charts.
const RAW_DAYS: i64 = 2;
const HOURS_DAYS: i64 = 400;

/// Defaults and bounds of monitors (`[monitor]` in `wangan.toml`).
#[derive(Debug, Clone)]
pub struct MonitorPolicy {
    pub interval_s: i32,
    pub min_interval_s: i32,
    pub timeout_s: i32,
    pub tamper_percent: i32,
}

impl Default for MonitorPolicy {
    fn default() -> Self {
        MonitorPolicy { interval_s: 300, min_interval_s: 30, timeout_s: 10, tamper_percent: 30 }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonitorView {
    pub id: i64,
    pub system: i64,
    pub system_name: String,
    pub unit: String,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_id: i64,
    pub important: bool,
    pub url: String,
    pub interval_s: i32,
    pub timeout_s: i32,
    pub checks: Vec<Check>,
    pub exclude: Vec<String>,
    pub tamper_percent: i32,
    pub paused: bool,
    pub managed: bool,
    pub retired: bool,
    pub status: Health,
    pub consecutive_failures: i32,
    pub down_since: Option<DateTime<Utc>>,
    pub last_checked_at: Option<DateTime<Utc>>,
    pub last_latency_ms: Option<i32>,
    pub last_status_code: Option<i32>,
    pub last_error: String,
    pub header_score: Option<i32>,
    pub next_check_at: DateTime<Utc>,
    pub baseline_id: Option<i64>,
    pub open_findings: u64,
    /// The whole site: pages per crawl (`None`: `[monitor] crawl_pages`), the last crawl, the newest date it saw.
    pub crawl_pages: Option<i32>,
    pub crawled_at: Option<DateTime<Utc>>,
    pub site_updated_on: Option<chrono::NaiveDate>,
    /// The worst severity among open findings above `info` (empty when none).
    #[serde(serialize_with = "crate::platform::closed_set::word_or_empty")]
    #[schema(schema_with = FindingSeverity::schema_or_empty)]
    pub worst_severity: Option<FindingSeverity>,
    /// What the caller may do next on it.
    pub actions: MonitorActions,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct MonitorFilter {
    pub unit: Option<String>,
    pub system: Option<i64>,
    pub status: Option<String>,
    pub q: Option<String>,
    /// Only monitors with open findings.
    pub with_findings: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorInput {
    pub system: i64,
    pub url: String,
    #[schema(minimum = 30, maximum = 86400)]
    pub interval_s: Option<i32>,
    #[schema(minimum = 1, maximum = 60)]
    pub timeout_s: Option<i32>,
    #[schema(value_type = Option<Vec<Check>>, min_items = 1)]
    pub checks: Option<Vec<String>>,
    #[schema(max_items = 50)]
    pub exclude: Option<Vec<String>>,
    #[schema(minimum = 1, maximum = 100)]
    pub tamper_percent: Option<i32>,
    #[serde(default)]
    pub paused: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitorPatch {
    #[schema(minimum = 30, maximum = 86400)]
    pub interval_s: Option<i32>,
    #[schema(minimum = 1, maximum = 60)]
    pub timeout_s: Option<i32>,
    #[schema(value_type = Option<Vec<Check>>, min_items = 1)]
    pub checks: Option<Vec<String>>,
    #[schema(max_items = 50)]
    pub exclude: Option<Vec<String>>,
    #[schema(minimum = 1, maximum = 100)]
    pub tamper_percent: Option<i32>,
    pub paused: Option<bool>,
    /// Pages per crawl for this site (`null` or absent: the configured default).
    #[schema(minimum = 1, maximum = 10000)]
    pub crawl_pages: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    pub id: i64,
    pub monitor: i64,
    pub system: i64,
    pub system_name: String,
    pub unit: String,
    pub url: String,
    pub check: Check,
    pub subject: String,
    pub code: FindingCode,
    pub severity: FindingSeverity,
    pub summary: String,
    pub evidence: serde_json::Value,
    pub open: bool,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub notice: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct FindingFilter {
    pub system: Option<i64>,
    pub monitor: Option<i64>,
    pub check: Option<String>,
    pub open: Option<bool>,
    pub unit: Option<String>,
    pub severity: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BaselineView {
    pub id: i64,
    pub monitor: i64,
    pub accepted_by: String,
    pub note: String,
    pub accepted_at: DateTime<Utc>,
    pub current: bool,
    /// Text blocks (only for the current baseline, in `baseline`).
    pub blocks: Vec<String>,
}

/// A URL as monitors store it: http(s), a host, no credentials, no fragment.
/// A monitor's address as typed (see `SiteUrl::parse_typed`), or the field error's code.
pub fn check_url(raw: &str) -> std::result::Result<String, &'static str> {
    match crate::platform::site_url::SiteUrl::parse_typed(raw) {
        Ok(u) => Ok(u.to_string()),
        Err(crate::platform::site_url::UrlProblem::Required) => Err("required"),
        Err(crate::platform::site_url::UrlProblem::Invalid) => Err("invalid_url"),
    }
}

fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn check_checks(checks: &[String], errors: &mut Vec<FieldError>) -> String {
    let mut out: Vec<Check> = Vec::new();
    for c in checks {
        match Check::parse(c.trim()) {
            Some(k) if !out.contains(&k) => out.push(k),
            Some(_) => {}
            None => errors.push(FieldError::new("checks", "unknown_choice")),
        }
    }
    out.sort();
    Check::join(&out)
}

fn check_tuning(
    policy: &MonitorPolicy,
    interval: Option<i32>,
    timeout: Option<i32>,
    tamper: Option<i32>,
    exclude: Option<&[String]>,
    errors: &mut Vec<FieldError>,
) {
    if let Some(i) = interval
        && !(policy.min_interval_s..=86_400).contains(&i)
    {
        errors.push(FieldError::new("interval_s", "out_of_range"));
    }
    if let Some(t) = timeout
        && !(1..=60).contains(&t)
    {
        errors.push(FieldError::new("timeout_s", "out_of_range"));
    }
    if let Some(p) = tamper
        && !(1..=100).contains(&p)
    {
        errors.push(FieldError::new("tamper_percent", "out_of_range"));
    }
    if let Some(ex) = exclude
        && (ex.len() > 50 || ex.iter().any(|s| s.chars().count() > 200 || s.contains('\n')))
    {
        errors.push(FieldError::new("exclude", "too_long"));
    }
}

/// What a caller may do next on a monitor (its page's buttons; the API returns the same).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MonitorActions {
    /// Tune, pause or check it now.
    pub manage: bool,
    /// Accept the page as it is now as the new baseline.
    pub accept_baseline: bool,
}

pub fn actions(who: &Principal, unit_id: i64) -> MonitorActions {
    MonitorActions {
        manage: who.may(Permission::ManageMonitors),
        accept_baseline: who.may(Permission::AcceptBaseline(unit_id)),
    }
}

async fn views<C: ConnectionTrait>(conn: &C, who: &Principal, rows: Vec<monitor::Model>) -> Result<Vec<MonitorView>> {
    let system_ids: Vec<i64> = rows.iter().map(|m| m.system_id).collect();
    let systems: HashMap<i64, system::Model> = if system_ids.is_empty() {
        HashMap::new()
    } else {
        system::Entity::find()
            .filter(system::Column::Id.is_in(system_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect()
    };
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|m| m.unit_id)).await?;
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut open: HashMap<i64, (u64, Option<FindingSeverity>)> = HashMap::new();
    if !ids.is_empty() {
        let counts: Vec<(i64, FindingSeverity, i64)> = finding::Entity::find()
            .select_only()
            .column(finding::Column::MonitorId)
            .column(finding::Column::Severity)
            .column_as(finding::Column::Id.count(), "n")
            .filter(finding::Column::MonitorId.is_in(ids))
            .filter(finding::Column::Open.eq(true))
            .group_by(finding::Column::MonitorId)
            .group_by(finding::Column::Severity)
            .into_tuple()
            .all(conn)
            .await?;
        for (m, sev, n) in counts {
            let e = open.entry(m).or_insert((0, None));
            e.0 += n.max(0) as u64;
            if sev > FindingSeverity::Info && e.1.is_none_or(|worst| sev > worst) {
                e.1 = Some(sev);
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|m| {
            let s = systems.get(&m.system_id);
            let u = units.get(&m.unit_id);
            let (n, worst) = open.remove(&m.id).unwrap_or_default();
            MonitorView {
                actions: actions(who, m.unit_id),
                id: m.id,
                system: m.system_id,
                system_name: s.map(|s| s.name.clone()).unwrap_or_default(),
                unit: u.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
                unit_id: m.unit_id,
                important: s.is_some_and(|s| s.important),
                url: m.url,
                interval_s: m.interval_s,
                timeout_s: m.timeout_s,
                checks: m.checks.split(',').filter_map(Check::parse).collect(),
                exclude: lines(&m.exclude),
                tamper_percent: m.tamper_percent,
                paused: m.paused,
                managed: m.managed,
                retired: m.retired,
                status: m.status,
                consecutive_failures: m.consecutive_failures,
                down_since: m.down_since,
                last_checked_at: m.last_checked_at,
                last_latency_ms: m.last_latency_ms,
                last_status_code: m.last_status_code,
                last_error: m.last_error,
                header_score: m.header_score,
                next_check_at: m.next_check_at,
                baseline_id: m.baseline_id,
                open_findings: n,
                crawl_pages: m.crawl_pages,
                crawled_at: m.crawled_at,
                site_updated_on: m.site_updated_on,
                worst_severity: worst,
            }
        })
        .collect())
}

/// A monitor not yet checked, with the policy's defaults: all checks, nothing excluded, due now.
fn new_monitor(
    policy: &MonitorPolicy,
    system_id: i64,
    unit_id: i64,
    url: String,
    managed: bool,
    now: DateTime<Utc>,
) -> monitor::ActiveModel {
    monitor::ActiveModel {
        system_id: Set(system_id),
        unit_id: Set(unit_id),
        url: Set(url),
        managed: Set(managed),
        retired: Set(false),
        interval_s: Set(policy.interval_s),
        timeout_s: Set(policy.timeout_s),
        checks: Set(Check::join(Check::ALL)),
        exclude: Set(String::new()),
        tamper_percent: Set(policy.tamper_percent),
        paused: Set(false),
        status: Set(Health::Pending),
        consecutive_failures: Set(0),
        down_since: Set(None),
        last_checked_at: Set(None),
        last_latency_ms: Set(None),
        last_status_code: Set(None),
        last_error: Set(String::new()),
        header_score: Set(None),
        last_tls_at: Set(None),
        last_exposure_at: Set(None),
        baseline_id: Set(None),
        next_check_at: Set(now),
        leased_until: Set(None),
        leased_by: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

pub(crate) async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<monitor::Model> {
    monitor::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), monitor::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

pub async fn list(store: &Store, who: &Principal, f: &MonitorFilter, page: PageRequest) -> Result<Page<MonitorView>> {
    let conn = store.db();
    let mut cond = scope_condition(&who.scope(), monitor::Column::UnitId);
    if let Some(s) = f.system {
        cond = cond.add(monitor::Column::SystemId.eq(s));
    }
    if let Some(st) = f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let state = WallState::parse(st);
        if state == Some(WallState::Paused) {
            cond = cond.add(monitor::Column::Paused.eq(true));
        } else if let Some(health) = state.and_then(WallState::health) {
            cond = cond.add(monitor::Column::Status.eq(health)).add(monitor::Column::Paused.eq(false));
        } else {
            return Err(CoreError::invalid("status", "unknown_choice"));
        }
    }
    // The unit is looked up after the words are checked: a bad word is refused
    // whether or not the unit is in sight.
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => cond = cond.add(monitor::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => {
                return Ok(Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() });
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond.add(monitor::Column::Url.contains(q));
    }
    if f.with_findings == Some(true) {
        cond = cond.add(
            monitor::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(finding::Column::MonitorId)
                    .from(finding::Entity)
                    .and_where(finding::Column::Open.eq(true))
                    .to_owned(),
            ),
        );
    }
    let q = monitor::Entity::find().filter(cond);
    let total = q.clone().count(conn).await?;
    // Trouble first: down, then degraded, then the rest; by URL within.
    let order = Expr::cust(
        "CASE status WHEN 'down' THEN 0 WHEN 'degraded' THEN 1 WHEN 'pending' THEN 2 WHEN 'denied' THEN 3 ELSE 4 END",
    );
    let rows = q
        .order_by_asc(monitor::Column::Paused)
        .order_by_asc(order)
        .order_by_asc(monitor::Column::Url)
        .order_by_asc(monitor::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: views(conn, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<MonitorView> {
    let m = find_visible(store.db(), who, id).await?;
    views(store.db(), who, vec![m]).await?.pop().ok_or(CoreError::NotFound)
}

/// Counts by status for the status wall's header.
pub async fn status_counts(store: &Store, who: &Principal) -> Result<BTreeMap<WallState, u64>> {
    let rows: Vec<(Health, bool, i64)> = monitor::Entity::find()
        .select_only()
        .column(monitor::Column::Status)
        .column(monitor::Column::Paused)
        .column_as(monitor::Column::Id.count(), "n")
        .filter(scope_condition(&who.scope(), monitor::Column::UnitId))
        .group_by(monitor::Column::Status)
        .group_by(monitor::Column::Paused)
        .into_tuple()
        .all(store.db())
        .await?;
    let mut out = BTreeMap::new();
    for (status, paused, n) in rows {
        *out.entry(WallState::of(status, paused)).or_insert(0) += n.max(0) as u64;
    }
    Ok(out)
}

pub async fn create(store: &Store, who: &Principal, input: MonitorInput) -> Result<MonitorView> {
    who.require(Permission::ManageMonitors)?;
    let policy = store.monitor_policy();
    let mut errors = Vec::new();
    let url = match check_url(&input.url) {
        Ok(u) => Some(u),
        Err(code) => {
            errors.push(FieldError::new("url", code));
            None
        }
    };
    check_tuning(
        policy,
        input.interval_s,
        input.timeout_s,
        input.tamper_percent,
        input.exclude.as_deref(),
        &mut errors,
    );
    let checks = match &input.checks {
        Some(c) if c.is_empty() => {
            errors.push(FieldError::new("checks", "required"));
            String::new()
        }
        Some(c) => check_checks(c, &mut errors),
        None => Check::join(Check::ALL),
    };
    let txn = store.begin_write().await?;
    let sys = system::Entity::find_by_id(input.system).one(&*txn).await?;
    let Some(sys) = sys else {
        errors.push(FieldError::new("system", "unknown_system"));
        return Err(CoreError::Invalid(errors));
    };
    let (Some(url), true) = (url, errors.is_empty()) else { return Err(CoreError::Invalid(errors)) };
    let exists = monitor::Entity::find()
        .filter(monitor::Column::SystemId.eq(sys.id))
        .filter(monitor::Column::Url.eq(url.clone()))
        .one(&*txn)
        .await?;
    if exists.is_some() {
        return Err(CoreError::Conflict("monitor_exists"));
    }
    let now = store.now();
    let m = monitor::ActiveModel {
        interval_s: Set(input.interval_s.unwrap_or(policy.interval_s)),
        timeout_s: Set(input.timeout_s.unwrap_or(policy.timeout_s)),
        checks: Set(checks),
        exclude: Set(input.exclude.unwrap_or_default().join("\n")),
        tamper_percent: Set(input.tamper_percent.unwrap_or(policy.tamper_percent)),
        paused: Set(input.paused),
        ..new_monitor(policy, sys.id, sys.unit_id, url, false, now)
    }
    .insert(&*txn)
    .await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "monitor",
            m.id,
            Some(m.unit_id),
            json!({"system_id": m.system_id, "url": m.url, "checks": m.checks}),
        ),
    )
    .await?;
    txn.commit().await?;
    get(store, who, m.id).await
}

pub async fn update(store: &Store, who: &Principal, id: i64, patch: MonitorPatch) -> Result<MonitorView> {
    let txn = store.begin_write().await?;
    let m = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageMonitors)?;
    let mut errors = Vec::new();
    check_tuning(
        store.monitor_policy(),
        patch.interval_s,
        patch.timeout_s,
        patch.tamper_percent,
        patch.exclude.as_deref(),
        &mut errors,
    );
    let checks = match &patch.checks {
        Some(c) if c.is_empty() => {
            errors.push(FieldError::new("checks", "required"));
            None
        }
        Some(c) => Some(check_checks(c, &mut errors)),
        None => None,
    };
    if patch.crawl_pages.is_some_and(|p| !(1..=10_000).contains(&p)) {
        errors.push(FieldError::new("crawl_pages", "out_of_range"));
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let before = json!({"interval_s": m.interval_s, "timeout_s": m.timeout_s, "checks": m.checks,
        "exclude": m.exclude, "tamper_percent": m.tamper_percent, "paused": m.paused, "crawl_pages": m.crawl_pages});
    let now = store.now();
    let unit_id = m.unit_id;
    let mut am: monitor::ActiveModel = m.into();
    if let Some(i) = patch.interval_s {
        am.interval_s = Set(i);
        am.next_check_at = Set(now);
    }
    if let Some(t) = patch.timeout_s {
        am.timeout_s = Set(t);
    }
    if let Some(c) = checks {
        am.checks = Set(c);
    }
    if let Some(e) = &patch.exclude {
        am.exclude = Set(e.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("\n"));
    }
    if let Some(p) = patch.tamper_percent {
        am.tamper_percent = Set(p);
    }
    if let Some(p) = patch.crawl_pages {
        am.crawl_pages = Set(Some(p));
    }
    if let Some(p) = patch.paused {
        am.paused = Set(p);
        if !p {
            am.next_check_at = Set(now);
        }
    }
    am.updated_at = Set(now);
    let m = am.update(&*txn).await?;
    let after = json!({"interval_s": m.interval_s, "timeout_s": m.timeout_s, "checks": m.checks,
        "exclude": m.exclude, "tamper_percent": m.tamper_percent, "paused": m.paused, "crawl_pages": m.crawl_pages});
    audit::append(&*txn, now, &Actor::from(who), Change::updated("monitor", id, Some(unit_id), before, after)).await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// Remove a monitor the center added; monitors kept from the registry are paused instead.
pub async fn delete(store: &Store, who: &Principal, id: i64) -> Result<()> {
    let txn = store.begin_write().await?;
    let m = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageMonitors)?;
    if m.managed && !m.retired {
        return Err(CoreError::Conflict("monitor_managed"));
    }
    monitor::Entity::delete_by_id(id).exec(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change::deleted("monitor", id, Some(m.unit_id), json!({"system_id": m.system_id, "url": m.url})),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn finding_view(
    f: finding::Model,
    m: Option<&monitor::Model>,
    s: Option<&system::Model>,
    u: Option<&unit::Model>,
) -> FindingView {
    FindingView {
        id: f.id,
        monitor: f.monitor_id,
        system: f.system_id,
        system_name: s.map(|s| s.name.clone()).unwrap_or_default(),
        unit: u.map(|u| u.code.clone()).unwrap_or_default(),
        url: m.map(|m| m.url.clone()).unwrap_or_default(),
        check: f.check_name,
        subject: f.subject,
        code: f.code,
        severity: f.severity,
        summary: f.summary,
        evidence: serde_json::from_str(&f.evidence).unwrap_or(serde_json::Value::Null),
        open: f.open,
        first_seen_at: f.first_seen_at,
        last_seen_at: f.last_seen_at,
        resolved_at: f.resolved_at,
        notice: f.notice_id,
    }
}

pub async fn findings(
    store: &Store,
    who: &Principal,
    f: &FindingFilter,
    page: PageRequest,
) -> Result<Page<FindingView>> {
    let conn = store.db();
    let mut cond = scope_condition(&who.scope(), finding::Column::UnitId);
    if let Some(s) = f.system {
        cond = cond.add(finding::Column::SystemId.eq(s));
    }
    if let Some(m) = f.monitor {
        cond = cond.add(finding::Column::MonitorId.eq(m));
    }
    if let Some(c) = f.check.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let Some(c) = Check::parse(c) else {
            return Err(CoreError::invalid("check", "unknown_choice"));
        };
        cond = cond.add(finding::Column::CheckName.eq(c));
    }
    if let Some(s) = f.severity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let Some(s) = FindingSeverity::parse(s) else {
            return Err(CoreError::invalid("severity", "unknown_choice"));
        };
        cond = cond.add(finding::Column::Severity.eq(s));
    }
    if let Some(o) = f.open {
        cond = cond.add(finding::Column::Open.eq(o));
    }
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::directory::service::units::find_visible(conn, who, code).await {
            Ok(u) => cond = cond.add(finding::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => {
                return Ok(Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() });
            }
            Err(e) => return Err(e),
        }
    }
    let q = finding::Entity::find().filter(cond);
    let total = q.clone().count(conn).await?;
    let order = Expr::cust(
        "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END",
    );
    let rows = q
        .order_by_desc(finding::Column::Open)
        .order_by_asc(order)
        .order_by_desc(finding::Column::LastSeenAt)
        .order_by_desc(finding::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    let monitors: HashMap<i64, monitor::Model> = monitor::Entity::find()
        .filter(monitor::Column::Id.is_in(rows.iter().map(|r| r.monitor_id).collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let systems: HashMap<i64, system::Model> = system::Entity::find()
        .filter(system::Column::Id.is_in(rows.iter().map(|r| r.system_id).collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|r| r.unit_id)).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let (m, s, u) = (monitors.get(&r.monitor_id), systems.get(&r.system_id), units.get(&r.unit_id));
            finding_view(r, m, s, u)
        })
        .collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

pub async fn finding(store: &Store, who: &Principal, id: i64) -> Result<FindingView> {
    let conn = store.db();
    let f = finding::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), finding::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let m = monitor::Entity::find_by_id(f.monitor_id).one(conn).await?;
    let s = system::Entity::find_by_id(f.system_id).one(conn).await?;
    let u = unit::Entity::find_by_id(f.unit_id).one(conn).await?;
    Ok(finding_view(f, m.as_ref(), s.as_ref(), u.as_ref()))
}

/// The monitor's baselines, newest first; the current one carries its text.
pub async fn baselines(store: &Store, who: &Principal, monitor_id: i64) -> Result<Vec<BaselineView>> {
    let m = find_visible(store.db(), who, monitor_id).await?;
    let rows = monitor_baseline::Entity::find()
        .filter(monitor_baseline::Column::MonitorId.eq(monitor_id))
        .order_by_desc(monitor_baseline::Column::AcceptedAt)
        .order_by_desc(monitor_baseline::Column::Id)
        .limit(50)
        .all(store.db())
        .await?;
    Ok(rows
        .into_iter()
        .map(|b| {
            let current = Some(b.id) == m.baseline_id;
            BaselineView {
                id: b.id,
                monitor: b.monitor_id,
                accepted_by: b.accepted_by,
                note: b.note,
                accepted_at: b.accepted_at,
                current,
                blocks: if current { lines(&b.content) } else { Vec::new() },
            }
        })
        .collect())
}

/// Accept `fingerprint` (the monitor crate's JSON) and `blocks` as the
/// monitor's new baseline; its open tampering findings are resolved.
pub async fn accept_baseline(
    store: &Store,
    who: &Principal,
    monitor_id: i64,
    fingerprint: String,
    blocks: &[String],
    note: &str,
) -> Result<BaselineView> {
    let txn = store.begin_write().await?;
    let m = find_visible(&*txn, who, monitor_id).await?;
    who.require(Permission::AcceptBaseline(m.unit_id))?;
    let note = crate::platform::common::clean(note, 500).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    let now = store.now();
    let b = insert_baseline(&*txn, m.id, fingerprint, blocks, &who.username, &note, now).await?;
    let resolved = finding::Entity::update_many()
        .col_expr(finding::Column::Open, Expr::value(false))
        .col_expr(finding::Column::ResolvedAt, Expr::value(Some(now)))
        .filter(finding::Column::MonitorId.eq(m.id))
        .filter(finding::Column::CheckName.eq("tamper"))
        .filter(finding::Column::Open.eq(true))
        .exec(&*txn)
        .await?
        .rows_affected;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("accept_baseline", "monitor", m.id, Some(m.unit_id))
            .with_after(json!({"baseline_id": b.id, "note": note, "tamper_findings_resolved": resolved})),
    )
    .await?;
    txn.commit().await?;
    Ok(BaselineView {
        id: b.id,
        monitor: m.id,
        accepted_by: b.accepted_by,
        note: b.note,
        accepted_at: b.accepted_at,
        current: true,
        blocks: blocks.to_vec(),
    })
}

async fn insert_baseline<C: ConnectionTrait>(
    conn: &C,
    monitor_id: i64,
    fingerprint: String,
    blocks: &[String],
    by: &str,
    note: &str,
    now: DateTime<Utc>,
) -> Result<monitor_baseline::Model> {
    let content: Vec<&str> = blocks.iter().map(|b| b.as_str()).collect();
    let b = monitor_baseline::ActiveModel {
        monitor_id: Set(monitor_id),
        fingerprint: Set(fingerprint),
        content: Set(content.join("\n")),
        accepted_by: Set(by.to_owned()),
        note: Set(note.to_owned()),
        accepted_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    monitor::Entity::update_many()
        .col_expr(monitor::Column::BaselineId, Expr::value(Some(b.id)))
        .filter(monitor::Column::Id.eq(monitor_id))
        .exec(conn)
        .await?;
    Ok(b)
}

/// One point of a monitor's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HistoryPoint {
    pub at: DateTime<Utc>,
    pub checks: u32,
    pub failures: u32,
    /// Mean latency of the successful checks, ms.
    pub latency_ms: Option<u32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct History {
    /// Every check of the last 24 hours.
    pub day: Vec<HistoryPoint>,
    /// Per hour over 30 days.
    pub hours: Vec<HistoryPoint>,
    /// Share of checks up (0–1) over 24 h, 7 d and 30 d; `None` without checks.
    pub uptime_24h: Option<f64>,
    pub uptime_7d: Option<f64>,
    pub uptime_30d: Option<f64>,
}

pub async fn history(store: &Store, who: &Principal, monitor_id: i64) -> Result<History> {
    let conn = store.db();
    let m = find_visible(conn, who, monitor_id).await?;
    let now = store.now();
    let raw = monitor_check::Entity::find()
        .filter(monitor_check::Column::MonitorId.eq(m.id))
        .filter(monitor_check::Column::CheckedAt.gte(now - Duration::hours(24)))
        .order_by_asc(monitor_check::Column::CheckedAt)
        .limit(10_000)
        .all(conn)
        .await?;
    let day: Vec<HistoryPoint> = raw
        .iter()
        .map(|c| {
            let failed = c.health == Health::Down;
            HistoryPoint {
                at: c.checked_at,
                checks: 1,
                failures: u32::from(failed),
                latency_ms: if failed { None } else { c.latency_ms.map(|l| l.max(0) as u32) },
            }
        })
        .collect();
    let hours_rows = monitor_hour::Entity::find()
        .filter(monitor_hour::Column::MonitorId.eq(m.id))
        .filter(monitor_hour::Column::Hour.gte(now - Duration::days(30)))
        .order_by_asc(monitor_hour::Column::Hour)
        .all(conn)
        .await?;
    let hours: Vec<HistoryPoint> = hours_rows
        .iter()
        .map(|h| {
            let ok = (h.checks - h.failures).max(0);
            HistoryPoint {
                at: h.hour,
                checks: h.checks.max(0) as u32,
                failures: h.failures.max(0) as u32,
                latency_ms: (ok > 0).then(|| (h.latency_sum / i64::from(ok)).clamp(0, i64::from(u32::MAX)) as u32),
            }
        })
        .collect();
    let uptime = |since: DateTime<Utc>| {
        let (c, f) = hours_rows
            .iter()
            .filter(|h| h.hour >= since.duration_trunc(Duration::hours(1)).unwrap_or(since))
            .fold((0i64, 0i64), |(c, f), h| (c + i64::from(h.checks), f + i64::from(h.failures)));
        (c > 0).then(|| (c - f) as f64 / c as f64)
    };
    let day_checks = day.len();
    let uptime_24h =
        (day_checks > 0).then(|| day.iter().filter(|p| p.failures == 0).count() as f64 / day_checks as f64);
    Ok(History {
        uptime_24h,
        uptime_7d: uptime(now - Duration::days(7)),
        uptime_30d: uptime(now - Duration::days(30)),
        day,
        hours,
    })
}

// ---- The engine's side -------------------------------------------------

/// What `sync` did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub created: u64,
    pub retired: u64,
    pub revived: u64,
}

#[derive(Debug, FromQueryResult)]
struct SystemUrls {
    id: i64,
    unit_id: i64,
    urls: String,
    stage: crate::registry::Stage,
}

/// Keep monitors in step with the registry: one managed monitor per URL of
/// every system that is not `planned` or `closed`; monitors whose URL or
/// system went away are retired (paused, history kept).
pub async fn sync(store: &Store) -> Result<SyncReport> {
    Ok(sync_registry(store).await?.report)
}

/// What [`sync_registry`] did and read.
#[derive(Debug, Clone, Default)]
pub struct Synced {
    pub report: SyncReport,
    /// Every registered system's hosts, whatever its stage (links to them are the institution's own).
    pub hosts: Vec<String>,
    /// The registry was as the last sync left it: nothing was read but the hosts it kept.
    pub unchanged: bool,
}

/// What the sync memo stamps: the release and the rules that derive monitors
/// from the registry (change `SYNC_RULES` with them, e.g. how addresses are
/// normalised), and the registry's revision.
const SYNC_RULES: u32 = 1;

fn sync_stamp(revision: i64) -> String {
    format!("{} {SYNC_RULES} {revision}", env!("CARGO_PKG_VERSION"))
}

/// The sync memo's row (`monitor_sync`: the revision counted by triggers).
#[derive(Debug, FromQueryResult)]
struct SyncMemo {
    revision: i64,
    synced: Option<String>,
    hosts: String,
}

async fn sync_memo<C: ConnectionTrait>(txn: &C, backend: DbBackend) -> Result<Option<SyncMemo>> {
    let sql = "SELECT revision, synced, hosts FROM monitor_sync WHERE id = 1";
    Ok(SyncMemo::find_by_statement(Statement::from_string(backend, sql)).one(txn).await?)
}

/// [`sync`], also returning the registered hosts (the engine needs both at each sync).
pub async fn sync_registry(store: &Store) -> Result<Synced> {
    let policy = store.monitor_policy().clone();
    let txn = store.begin_write().await?;
    let now = store.now();
    let backend = store.backend();
    let memo = sync_memo(&*txn, backend).await?;
    if let Some(memo) = &memo
        && memo.synced.as_deref() == Some(sync_stamp(memo.revision).as_str())
    {
        txn.commit().await?;
        let hosts = memo.hosts.lines().map(str::to_owned).collect();
        return Ok(Synced { report: SyncReport::default(), hosts, unchanged: true });
    }
    let systems: Vec<SystemUrls> = system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .column(system::Column::UnitId)
        .column(system::Column::Urls)
        .column(system::Column::Stage)
        .into_model::<SystemUrls>()
        .all(&*txn)
        .await?;
    let mut wanted: HashMap<(i64, String), i64> = HashMap::new();
    let mut hosts = Vec::with_capacity(systems.len());
    for s in &systems {
        for url in s.urls.lines().filter_map(|u| SiteUrl::parse_typed(u).ok()) {
            hosts.push(url.host());
            if s.stage.is_monitored() {
                // As `check_url` keeps it.
                wanted.insert((s.id, url.to_string()), s.unit_id);
            }
        }
    }
    hosts.sort_unstable();
    hosts.dedup();
    #[derive(Debug, FromQueryResult)]
    struct Existing {
        id: i64,
        system_id: i64,
        unit_id: i64,
        url: String,
        managed: bool,
        retired: bool,
    }
    let existing: Vec<Existing> = monitor::Entity::find()
        .select_only()
        .column(monitor::Column::Id)
        .column(monitor::Column::SystemId)
        .column(monitor::Column::UnitId)
        .column(monitor::Column::Url)
        .column(monitor::Column::Managed)
        .column(monitor::Column::Retired)
        .into_model::<Existing>()
        .all(&*txn)
        .await?;
    let mut report = SyncReport::default();
    let mut present: HashSet<(i64, String)> = HashSet::new();
    let mut retire = Vec::new();
    let mut revive = Vec::new();
    let mut moved: Vec<(i64, i64)> = Vec::new();
    for e in existing {
        let key = (e.system_id, e.url.clone());
        match wanted.get(&key) {
            Some(unit) => {
                if e.retired {
                    revive.push(e.id);
                }
                if *unit != e.unit_id {
                    moved.push((e.id, *unit));
                }
            }
            None if e.managed && !e.retired => retire.push(e.id),
            None => {}
        }
        present.insert(key);
    }
    let mut fresh = Vec::new();
    for ((system_id, url), unit_id) in &wanted {
        if present.contains(&(*system_id, url.clone())) {
            continue;
        }
        fresh.push(new_monitor(&policy, *system_id, *unit_id, url.clone(), true, now));
    }
    report.created = fresh.len() as u64;
    for chunk in fresh.chunks(500) {
        // Another node may have created the same monitor a moment ago: skip it.
        monitor::Entity::insert_many(chunk.to_vec())
            .on_conflict(OnConflict::columns([monitor::Column::SystemId, monitor::Column::Url]).do_nothing().to_owned())
            .exec_without_returning(&*txn)
            .await?;
    }
    for chunk in retire.chunks(500) {
        monitor::Entity::update_many()
            .col_expr(monitor::Column::Retired, Expr::value(true))
            .col_expr(monitor::Column::Paused, Expr::value(true))
            .col_expr(monitor::Column::UpdatedAt, Expr::value(now))
            .filter(monitor::Column::Id.is_in(chunk.to_vec()))
            .exec(&*txn)
            .await?;
    }
    report.retired = retire.len() as u64;
    for chunk in revive.chunks(500) {
        monitor::Entity::update_many()
            .col_expr(monitor::Column::Retired, Expr::value(false))
            .col_expr(monitor::Column::Paused, Expr::value(false))
            .col_expr(monitor::Column::NextCheckAt, Expr::value(now))
            .col_expr(monitor::Column::UpdatedAt, Expr::value(now))
            .filter(monitor::Column::Id.is_in(chunk.to_vec()))
            .exec(&*txn)
            .await?;
    }
    report.revived = revive.len() as u64;
    for (id, unit_id) in moved {
        monitor::Entity::update_many()
            .col_expr(monitor::Column::UnitId, Expr::value(unit_id))
            .filter(monitor::Column::Id.eq(id))
            .exec(&*txn)
            .await?;
        finding::Entity::update_many()
            .col_expr(finding::Column::UnitId, Expr::value(unit_id))
            .filter(finding::Column::MonitorId.eq(id))
            .exec(&*txn)
            .await?;
    }
    if report != SyncReport::default() {
        audit::append(
            &*txn,
            now,
            &Actor::system("monitor"),
            Change::event("sync", "monitor", "registry", None).with_after(json!(report)),
        )
        .await?;
    }
    // The revision this sync saw. SQLite has one writer at a time: the revision after this
    // sync's own changes (counted too), and the next sync that finds it reads nothing. On
    // PostgreSQL a registry write may commit while this sync reads: the revision read before
    // its reads, so a write it may have missed makes the next sync read again (and one after
    // its own changes; nothing is locked, no registry write waits for a sync).
    let seen = if backend == DbBackend::Postgres { memo } else { sync_memo(&*txn, backend).await? };
    if let Some(memo) = seen {
        let update = sea_orm::sea_query::Query::update()
            .table("monitor_sync")
            .value("synced", sync_stamp(memo.revision))
            .value("hosts", hosts.join("\n"))
            .and_where(sea_orm::sea_query::ExprTrait::eq(Expr::col("id"), 1))
            .to_owned();
        txn.execute(&update).await?;
    }
    txn.commit().await?;
    Ok(Synced { report, hosts, unchanged: false })
}

/// A monitor taken for checking, with what the checks need of its system.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Due {
    pub id: i64,
    pub system_id: i64,
    pub unit_id: i64,
    pub url: String,
    pub interval_s: i32,
    pub timeout_s: i32,
    pub checks: String,
    pub exclude: String,
    pub tamper_percent: i32,
    pub status: Health,
    pub consecutive_failures: i32,
    pub down_since: Option<DateTime<Utc>>,
    pub last_tls_at: Option<DateTime<Utc>>,
    pub last_exposure_at: Option<DateTime<Utc>>,
    pub baseline_id: Option<i64>,
    pub system_name: String,
    pub internet_facing: bool,
    pub important: bool,
    pub icp_no: String,
    pub public_security_no: String,
    /// The system's stage (a system under an order is verified off the net).
    pub stage: crate::registry::Stage,
    /// The current baseline's fingerprint (JSON), when there is one and it was asked for
    /// ([`claim`]'s `fingerprints`; else [`baseline_fingerprint`] reads it when needed).
    pub fingerprint: Option<String>,
    /// When a view was last fetched.
    pub views_at: Option<DateTime<Utc>>,
    /// The content memo's key of the page the last check analysed.
    pub content_key: Option<String>,
}

/// Take up to `limit` due monitors for `lease` on behalf of `node`. On
/// PostgreSQL other nodes skip the rows being taken (`FOR UPDATE SKIP
/// LOCKED`) and rows under a lease; a node that dies loses nothing — its
/// leases run out and others take the monitors. `fingerprints`: read each
/// current baseline's fingerprint too (kilobytes a monitor; a node that keeps
/// the analysis of unchanged pages reads it only for a page it analyses).
pub async fn claim(store: &Store, node: &str, limit: u64, lease: Duration, fingerprints: bool) -> Result<Vec<Due>> {
    let now = store.now();
    let txn = store.begin_write().await?;
    let pg = store.backend() == DbBackend::Postgres;
    let sql = format!(
        "SELECT id FROM monitors WHERE paused = {f} AND next_check_at <= {p1} \
         AND (leased_until IS NULL OR leased_until < {p1}) ORDER BY next_check_at, id LIMIT {p2}{lock}",
        f = if pg { "FALSE" } else { "0" },
        p1 = if pg { "$1" } else { "?1" },
        p2 = if pg { "$2" } else { "?2" },
        lock = if pg { " FOR UPDATE SKIP LOCKED" } else { "" },
    );
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    let stmt = Statement::from_sql_and_values(
        store.backend(),
        sql,
        [now.into(), i64::try_from(limit).unwrap_or(i64::MAX).into()],
    );
    let ids: Vec<i64> = Id::find_by_statement(stmt).all(&*txn).await?.into_iter().map(|r| r.id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    monitor::Entity::update_many()
        .col_expr(monitor::Column::LeasedUntil, Expr::value(Some(now + lease)))
        .col_expr(monitor::Column::LeasedBy, Expr::value(node))
        .filter(monitor::Column::Id.is_in(ids.clone()))
        .exec(&*txn)
        .await?;
    let rows: Vec<Due> = monitor::Entity::find()
        .select_only()
        .column(monitor::Column::Id)
        .column(monitor::Column::SystemId)
        .column(monitor::Column::UnitId)
        .column(monitor::Column::Url)
        .column(monitor::Column::IntervalS)
        .column(monitor::Column::TimeoutS)
        .column(monitor::Column::Checks)
        .column(monitor::Column::Exclude)
        .column(monitor::Column::TamperPercent)
        .column(monitor::Column::Status)
        .column(monitor::Column::ConsecutiveFailures)
        .column(monitor::Column::DownSince)
        .column(monitor::Column::LastTlsAt)
        .column(monitor::Column::LastExposureAt)
        .column(monitor::Column::BaselineId)
        .column(monitor::Column::ViewsAt)
        .column(monitor::Column::ContentKey)
        .column_as(system::Column::Name, "system_name")
        .column_as(system::Column::InternetFacing, "internet_facing")
        .column_as(system::Column::Important, "important")
        .column_as(system::Column::IcpNo, "icp_no")
        .column_as(system::Column::PublicSecurityNo, "public_security_no")
        .column_as(system::Column::Stage, "stage")
        .expr_as(
            if fingerprints {
                Expr::col((monitor_baseline::Entity, monitor_baseline::Column::Fingerprint))
            } else {
                Expr::value(Option::<String>::None)
            },
            "fingerprint",
        )
        .join(
            sea_orm::JoinType::InnerJoin,
            monitor::Entity::belongs_to(system::Entity).from(monitor::Column::SystemId).to(system::Column::Id).into(),
        )
        .join(
            sea_orm::JoinType::LeftJoin,
            monitor::Entity::belongs_to(monitor_baseline::Entity)
                .from(monitor::Column::BaselineId)
                .to(monitor_baseline::Column::Id)
                .into(),
        )
        .filter(monitor::Column::Id.is_in(ids))
        .into_model::<Due>()
        .all(&*txn)
        .await?;
    // During a key period (重保) the units' sites are checked more often.
    let today = now.with_timezone(&store.notice_policy().time_zone).date_naive();
    let periods = crate::key_periods::service::active_intervals(&*txn, today).await?;
    let rows = rows
        .into_iter()
        .map(|mut d| {
            d.interval_s = crate::key_periods::rules::interval_during(d.interval_s, periods.get(&d.unit_id).copied());
            d
        })
        .collect();
    txn.commit().await?;
    Ok(rows)
}

/// A baseline's fingerprint (the monitor crate's JSON).
pub async fn baseline_fingerprint(store: &Store, baseline_id: i64) -> Result<Option<String>> {
    Ok(monitor_baseline::Entity::find_by_id(baseline_id)
        .select_only()
        .column(monitor_baseline::Column::Fingerprint)
        .into_tuple()
        .one(store.db())
        .await?)
}

/// The text blocks of a baseline (for the removed lines of a diff).
pub async fn baseline_content(store: &Store, baseline_id: i64) -> Result<Vec<String>> {
    let content: Option<String> = monitor_baseline::Entity::find_by_id(baseline_id)
        .select_only()
        .column(monitor_baseline::Column::Content)
        .into_tuple()
        .one(store.db())
        .await?;
    Ok(content.map(|c| c.split('\n').map(str::to_owned).collect()).unwrap_or_default())
}

/// A finding as a check reports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingInput {
    pub check: Check,
    pub subject: String,
    pub code: FindingCode,
    pub severity: FindingSeverity,
    pub summary: String,
    pub evidence: serde_json::Value,
    /// Serious enough to open a notice (when it opens, or later, e.g. down 10 minutes).
    pub open_notice: bool,
}

/// The outcome of one check of a monitor, to record.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub monitor_id: i64,
    pub checked_at: DateTime<Utc>,
    pub interval_s: i32,
    /// `up`, `degraded`, `down`, `denied` — as the monitor's status now.
    pub status: Health,
    /// The health of this one check (for the history).
    pub health: Health,
    pub consecutive_failures: i32,
    pub down_since: Option<DateTime<Utc>>,
    pub status_code: Option<i32>,
    pub latency_ms: Option<i32>,
    pub error: String,
    pub header_score: Option<i32>,
    pub tls_checked: bool,
    pub exposure_checked: bool,
    /// A spider, search-visitor or phone view was fetched (its time is kept,
    /// so a node that starts again does not fetch every view at once).
    pub views_checked: bool,
    /// The content memo's key of the page analysed (`None`: none was).
    pub content_key: Option<String>,
    /// The page's own key ([`crate::monitoring::rules::content_key`]), to name a first baseline made of it.
    pub page_key: Option<String>,
    /// Checks whose findings this result is complete for: open findings of
    /// these checks that are not in `findings` resolve.
    pub checks_run: Vec<Check>,
    pub findings: Vec<FindingInput>,
    /// A first baseline (fingerprint JSON, text blocks) when the monitor had none.
    pub new_baseline: Option<(String, Vec<String>)>,
    /// For a system under a shutdown order: whether it still answered with
    /// content, and what was seen (kept on the order as its verification).
    pub verification: Option<(bool, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecordReport {
    pub checks: u64,
    pub opened: u64,
    pub resolved: u64,
    pub notices: u64,
}

/// The notice's severity for a finding (a notice has no `info`).
fn notice_severity(s: FindingSeverity) -> crate::notices::Severity {
    use crate::notices::Severity;
    match s {
        FindingSeverity::Critical => Severity::Critical,
        FindingSeverity::High => Severity::High,
        FindingSeverity::Medium => Severity::Medium,
        FindingSeverity::Low | FindingSeverity::Info => Severity::Low,
    }
}

/// Record a batch of results in one transaction: the monitors' state, the
/// history, findings opened and resolved, first baselines, and a notice
/// (source `monitoring`) with an alert for each serious finding that has none.
pub async fn record(store: &Store, results: Vec<CheckResult>) -> Result<RecordReport> {
    let mut report = RecordReport { checks: results.len() as u64, ..Default::default() };
    if results.is_empty() {
        return Ok(report);
    }
    let txn = store.begin_write().await?;
    let now = store.now();
    let ids: Vec<i64> = results.iter().map(|r| r.monitor_id).collect();
    // Monitors deleted while being checked are skipped. Only the columns needed are read.
    // Locked (on PostgreSQL) until the end: a trigger that forgets a monitor's findings key
    // (another writer of its findings) waits for this record, or this record for it.
    let monitors: HashMap<i64, Recorded> = recorded()
        .filter(monitor::Column::Id.is_in(ids))
        .lock_exclusive()
        .into_model::<Recorded>()
        .all(&*txn)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    // The findings memo: a check that found what the last one found, on a monitor whose
    // findings nobody wrote since, changes none of them; only the others' are read.
    let keys: Vec<Option<crate::monitoring::rules::FoundDigests>> = results
        .iter()
        .map(|r| {
            let found = r.findings.iter().map(|f| (f.check, f.subject.as_str(), f.code, f.severity, f.open_notice));
            crate::monitoring::rules::FoundDigests::of(&r.checks_run, found)
        })
        .collect();
    let kept: Vec<bool> = results
        .iter()
        .zip(&keys)
        .map(|(r, key)| {
            let stored = monitors.get(&r.monitor_id).and_then(|m| m.findings_key.as_deref());
            matches!((stored, key), (Some(stored), Some(key)) if key.kept_by(stored))
        })
        .collect();
    let to_read: Vec<i64> = results.iter().zip(&kept).filter(|(_, kept)| !**kept).map(|(r, _)| r.monitor_id).collect();
    let mut open: HashMap<i64, Vec<OpenFinding>> = HashMap::new();
    for chunk in to_read.chunks(500) {
        let rows = open_findings().filter(finding::Column::MonitorId.is_in(chunk.to_vec())).into_model::<OpenFinding>();
        for f in rows.all(&*txn).await? {
            open.entry(f.monitor_id).or_default().push(f);
        }
    }
    let mut history = Vec::with_capacity(results.len());
    // (monitor, hour) → (checks, failures, latency sum, latency max)
    type HourKey = (i64, DateTime<Utc>);
    let mut hours: HashMap<HourKey, (i32, i32, i64, i32)> = HashMap::new();
    let mut to_notify: Vec<(finding::Model, Recorded)> = Vec::new();
    // Systems under an order found still serving pages: the center is told at once.
    let mut still_online: Vec<(finding::Model, Recorded)> = Vec::new();
    let mut states: Vec<[sea_orm::Value; STATE_COLUMNS]> = Vec::with_capacity(results.len());
    for ((r, findings_key), kept) in results.into_iter().zip(keys).zip(kept) {
        let Some(m) = monitors.get(&r.monitor_id) else { continue };
        let next = r.checked_at + Duration::seconds(i64::from(r.interval_s.max(1)));
        let mut content_key = r.content_key.clone();
        if let Some((fingerprint, blocks)) = &r.new_baseline
            && m.baseline_id.is_none()
        {
            let b = insert_baseline(&*txn, m.id, fingerprint.clone(), blocks, "monitor", "首次检查 first check", now)
                .await?;
            // The page the baseline is made of needs no second analysis.
            content_key = r.page_key.as_deref().map(|k| crate::monitoring::rules::content_key(k, Some(b.id)));
        }
        states.push([
            m.id.into(),
            r.status.into(),
            r.consecutive_failures.into(),
            r.down_since.into(),
            Some(r.checked_at).into(),
            r.latency_ms.into(),
            r.status_code.into(),
            r.error.clone().into(),
            next.into(),
            r.header_score.into(),
            r.tls_checked.then_some(r.checked_at).into(),
            r.exposure_checked.then_some(r.checked_at).into(),
            r.views_checked.then_some(r.checked_at).into(),
            content_key.into(),
            // Kept: the stored key still says what is open (it may say more than this check's).
            if kept { m.findings_key.clone() } else { findings_key.map(|k| k.stored_after(m.findings_key.as_deref())) }
                .into(),
        ]);
        history.push(monitor_check::ActiveModel {
            monitor_id: Set(m.id),
            checked_at: Set(r.checked_at),
            health: Set(r.health),
            status_code: Set(r.status_code),
            latency_ms: Set(r.latency_ms),
            error: Set(r.error.chars().take(300).collect()),
            ..Default::default()
        });
        if let Some((online, seen)) = &r.verification {
            crate::enforcement::service::shutdowns::record_verification(
                &*txn,
                m.system_id,
                r.checked_at,
                *online,
                seen,
            )
            .await?;
        }
        let hour = r.checked_at.duration_trunc(Duration::hours(1)).unwrap_or(r.checked_at);
        let h = hours.entry((m.id, hour)).or_insert((0, 0, 0, 0));
        h.0 += 1;
        if r.health == Health::Down {
            h.1 += 1;
        } else if let Some(l) = r.latency_ms {
            h.2 += i64::from(l);
            h.3 = h.3.max(l);
        }

        // Findings: open the new, resolve what the checks run no longer see.
        if !kept {
            let existing = open.remove(&m.id).unwrap_or_default();
            let seen = Seen { at: r.checked_at, checks_run: &r.checks_run, keep: &|_| false };
            apply_findings(&*txn, m, existing, &r.findings, &seen, &mut report, &mut to_notify, &mut still_online)
                .await?;
        }
    }
    for chunk in states.chunks(256) {
        update_states(&*txn, store.backend(), now, chunk).await?;
    }
    for chunk in history.chunks(500) {
        monitor_check::Entity::insert_many(chunk.to_vec()).exec_without_returning(&*txn).await?;
    }
    let hour_rows: Vec<monitor_hour::ActiveModel> = hours
        .into_iter()
        .map(|((monitor_id, hour), (checks, failures, sum, max))| monitor_hour::ActiveModel {
            monitor_id: Set(monitor_id),
            hour: Set(hour),
            checks: Set(checks),
            failures: Set(failures),
            latency_sum: Set(sum),
            latency_max: Set(max),
        })
        .collect();
    for chunk in hour_rows.chunks(500) {
        use sea_orm::sea_query::ExprTrait;
        monitor_hour::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([monitor_hour::Column::MonitorId, monitor_hour::Column::Hour])
                    .value(monitor_hour::Column::Checks, Expr::col((monitor_hour::Entity, monitor_hour::Column::Checks)).add(Expr::cust("excluded.checks")))
                    .value(
                        monitor_hour::Column::Failures,
                        Expr::col((monitor_hour::Entity, monitor_hour::Column::Failures)).add(Expr::cust("excluded.failures")),
                    )
                    .value(
                        monitor_hour::Column::LatencySum,
                        Expr::col((monitor_hour::Entity, monitor_hour::Column::LatencySum))
                            .add(Expr::cust("excluded.latency_sum")),
                    )
                    .value(
                        monitor_hour::Column::LatencyMax,
                        Expr::cust("CASE WHEN excluded.latency_max > monitor_hours.latency_max THEN excluded.latency_max ELSE monitor_hours.latency_max END"),
                    )
                    .to_owned(),
            )
            .exec_without_returning(&*txn)
            .await?;
    }
    if !to_notify.is_empty() {
        report.notices = open_notices(store, &*txn, to_notify).await?;
    }
    if !still_online.is_empty() {
        alert_still_online(store, &*txn, still_online).await?;
    }
    txn.commit().await?;
    Ok(report)
}

/// A finding's subject as stored: its first 250 characters. A longer one is
/// matched by them (else it would open again at every check).
fn stored_subject(subject: &str) -> &str {
    subject.char_indices().nth(250).map_or(subject, |(end, _)| &subject[..end])
}

/// What a result covers: when it was seen, which checks ran in full, and
/// open findings to keep though not seen (a page a crawl found unchanged).
pub struct Seen<'a> {
    pub at: DateTime<Utc>,
    pub checks_run: &'a [Check],
    pub keep: &'a (dyn Fn(&str) -> bool + Sync),
}

/// Open the new findings of one monitor, update the changed, resolve the
/// open ones of the checks run that were not seen again.
#[allow(clippy::too_many_arguments)]
async fn apply_findings<C: ConnectionTrait>(
    txn: &C,
    m: &Recorded,
    mut existing: Vec<OpenFinding>,
    findings: &[FindingInput],
    seen: &Seen<'_>,
    report: &mut RecordReport,
    to_notify: &mut Vec<(finding::Model, Recorded)>,
    still_online: &mut Vec<(finding::Model, Recorded)>,
) -> Result<()> {
    let at = seen.at;
    for f in findings {
        let subject = stored_subject(&f.subject);
        let found = existing.iter().position(|e| e.check_name == f.check && e.subject == subject);
        match found {
            Some(i) => {
                let e = existing.swap_remove(i);
                let changed = e.severity != f.severity || e.code != f.code;
                let wants_notice = f.open_notice && e.notice_id.is_none();
                if changed || wants_notice {
                    finding::Entity::update_many()
                        .col_expr(finding::Column::Severity, Expr::value(f.severity))
                        .col_expr(finding::Column::Code, Expr::value(f.code))
                        .col_expr(finding::Column::Summary, Expr::value(f.summary.clone()))
                        .col_expr(finding::Column::Evidence, Expr::value(f.evidence.to_string()))
                        .col_expr(finding::Column::LastSeenAt, Expr::value(at))
                        .filter(finding::Column::Id.eq(e.id))
                        .exec(txn)
                        .await?;
                    if wants_notice && let Some(e) = finding::Entity::find_by_id(e.id).one(txn).await? {
                        to_notify.push((e, m.clone()));
                    }
                }
            }
            None => {
                let e = finding::ActiveModel {
                    monitor_id: Set(m.id),
                    system_id: Set(m.system_id),
                    unit_id: Set(m.unit_id),
                    check_name: Set(f.check),
                    subject: Set(subject.to_owned()),
                    code: Set(f.code),
                    severity: Set(f.severity),
                    summary: Set(f.summary.clone()),
                    evidence: Set(f.evidence.to_string()),
                    open: Set(true),
                    first_seen_at: Set(at),
                    last_seen_at: Set(at),
                    resolved_at: Set(None),
                    notice_id: Set(None),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                report.opened += 1;
                if f.code == FindingCode::StillOnline {
                    still_online.push((e.clone(), m.clone()));
                }
                if f.open_notice {
                    to_notify.push((e, m.clone()));
                }
            }
        }
    }
    let gone: Vec<i64> = existing
        .iter()
        .filter(|e| seen.checks_run.contains(&e.check_name) && !(seen.keep)(&e.subject))
        .map(|e| e.id)
        .collect();
    if !gone.is_empty() {
        report.resolved += gone.len() as u64;
        finding::Entity::update_many()
            .col_expr(finding::Column::Open, Expr::value(false))
            .col_expr(finding::Column::ResolvedAt, Expr::value(Some(at)))
            .col_expr(finding::Column::LastSeenAt, Expr::value(at))
            .filter(finding::Column::Id.is_in(gone))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Record one monitor's findings of `seen.checks_run` apart from its checks
/// (the crawl's), in the caller's transaction, with notices for the serious.
pub async fn record_findings<C: ConnectionTrait>(
    store: &Store,
    txn: &C,
    monitor_id: i64,
    findings: &[FindingInput],
    seen: &Seen<'_>,
) -> Result<RecordReport> {
    let mut report = RecordReport { checks: 1, ..Default::default() };
    let Some(m) = recorded().filter(monitor::Column::Id.eq(monitor_id)).into_model::<Recorded>().one(txn).await? else {
        return Ok(report);
    };
    let checks: Vec<Check> = seen.checks_run.to_vec();
    let existing = open_findings()
        .filter(finding::Column::MonitorId.eq(monitor_id))
        .filter(finding::Column::CheckName.is_in(checks))
        .into_model::<OpenFinding>()
        .all(txn)
        .await?;
    let (mut to_notify, mut still_online) = (Vec::new(), Vec::new());
    apply_findings(txn, &m, existing, findings, seen, &mut report, &mut to_notify, &mut still_online).await?;
    if !to_notify.is_empty() {
        report.notices = open_notices(store, txn, to_notify).await?;
    }
    Ok(report)
}

/// The message about a finding (`key` and `key.body` in the catalog), in every language.
fn finding_message(event: &str, key: &str, system_name: &str, url: &str, f: &finding::Model) -> Message {
    use crate::notify::texts::{line, t};
    Message::new(event, format!("/findings/{}", f.id), |l| {
        let subject: String =
            t(l, key, &[("system", system_name), ("summary", f.summary.as_str())]).chars().take(200).collect();
        let body = [
            line(l, "system", system_name),
            line(l, "url", url),
            line(l, "finding", &f.summary),
            t(l, &format!("{key}.body"), &[]),
        ]
        .join("\n");
        (subject, body)
    })
}

/// A system under a shutdown order (or closed) still serves pages: the
/// center and the unit's responsible persons are told at once.
async fn alert_still_online<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    items: Vec<(finding::Model, Recorded)>,
) -> Result<()> {
    let now = store.now();
    let mut outbox = Outbox::new();
    for (f, m) in items {
        let system_name: Option<String> = system::Entity::find_by_id(m.system_id)
            .select_only()
            .column(system::Column::Name)
            .into_tuple()
            .one(conn)
            .await?;
        let system_name = system_name.unwrap_or_default();
        let msg = finding_message("still_online", "monitor.still_online", &system_name, &m.url, &f);
        outbox
            .add(
                conn,
                now,
                Some(m.unit_id),
                &[Audience::Center, Audience::First, Audience::Main, Audience::Direct],
                &msg,
            )
            .await?;
    }
    outbox.flush(conn).await?;
    Ok(())
}

/// The columns `Recorded` reads.
fn recorded() -> sea_orm::Select<monitor::Entity> {
    monitor::Entity::find()
        .select_only()
        .column(monitor::Column::Id)
        .column(monitor::Column::SystemId)
        .column(monitor::Column::UnitId)
        .column(monitor::Column::Url)
        .column(monitor::Column::BaselineId)
        .column(monitor::Column::FindingsKey)
}

/// What `record` needs of a monitor.
#[derive(Debug, Clone, FromQueryResult)]
struct Recorded {
    id: i64,
    system_id: i64,
    unit_id: i64,
    url: String,
    baseline_id: Option<i64>,
    /// The findings memo's key (`record`).
    findings_key: Option<String>,
}

/// Open findings, the columns `OpenFinding` reads.
fn open_findings() -> sea_orm::Select<finding::Entity> {
    finding::Entity::find()
        .select_only()
        .column(finding::Column::Id)
        .column(finding::Column::MonitorId)
        .column(finding::Column::CheckName)
        .column(finding::Column::Subject)
        .column(finding::Column::Code)
        .column(finding::Column::Severity)
        .column(finding::Column::NoticeId)
        .filter(finding::Column::Open.eq(true))
}

/// What `record` needs of an open finding to match it with a check's.
#[derive(Debug, Clone, FromQueryResult)]
struct OpenFinding {
    id: i64,
    monitor_id: i64,
    check_name: Check,
    subject: String,
    code: FindingCode,
    severity: FindingSeverity,
    notice_id: Option<i64>,
}

/// Columns of a monitor's state after a check, in the order `update_states` binds them.
const STATE_COLUMNS: usize = 15;

/// The monitors' state after their checks, one statement for a chunk
/// (`UPDATE … FROM (VALUES …)`, on both databases): a statement per monitor
/// was most of the recorder's time.
async fn update_states<C: ConnectionTrait>(
    conn: &C,
    backend: DbBackend,
    now: DateTime<Utc>,
    rows: &[[sea_orm::Value; STATE_COLUMNS]],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let pg = backend == DbBackend::Postgres;
    let mut n = 0;
    let mut param = || {
        n += 1;
        // Plain `?` on SQLite: sqlx looks each numbered name up in a list, which is quadratic in the parameters.
        if pg { format!("${n}") } else { "?".to_owned() }
    };
    let updated_at = param();
    let mut tuples = Vec::with_capacity(rows.len());
    for _ in rows {
        let ps: Vec<String> = (0..STATE_COLUMNS).map(|_| param()).collect();
        tuples.push(format!("({})", ps.join(", ")));
    }
    let sql = format!(
        "UPDATE monitors SET status = v.column2, consecutive_failures = v.column3, down_since = v.column4, \
         last_checked_at = v.column5, last_latency_ms = v.column6, last_status_code = v.column7, last_error = v.column8, \
         next_check_at = v.column9, leased_until = NULL, updated_at = {updated_at}, \
         header_score = COALESCE(v.column10, monitors.header_score), \
         last_tls_at = COALESCE(v.column11, monitors.last_tls_at), \
         last_exposure_at = COALESCE(v.column12, monitors.last_exposure_at), \
         views_at = COALESCE(v.column13, monitors.views_at), content_key = v.column14, findings_key = v.column15 \
         FROM (VALUES {}) AS v WHERE monitors.id = v.column1",
        tuples.join(", ")
    );
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(1 + rows.len() * STATE_COLUMNS);
    values.push(now.into());
    for r in rows {
        values.extend(r.iter().cloned());
    }
    conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    Ok(())
}

/// A notice (source `monitoring`) per serious finding, assigned to the
/// system's unit like any notice; an incident too where the finding is
/// tampering, injected links or exposed secrets on an internet-facing
/// system; and an alert at once up the duty ladder (the person on duty, then
/// the unit's direct responsible person, then the center).
async fn open_notices<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    items: Vec<(finding::Model, Recorded)>,
) -> Result<u64> {
    let who = Principal::system("monitor");
    let mut outbox = Outbox::new();
    let mut changes = Vec::new();
    let now = store.now();
    let mut n = 0;
    for (f, m) in items {
        let system_name: Option<String> = system::Entity::find_by_id(m.system_id)
            .select_only()
            .column(system::Column::Name)
            .into_tuple()
            .one(conn)
            .await?;
        let system_name = system_name.unwrap_or_default();
        let evidence: serde_json::Value = serde_json::from_str(&f.evidence).unwrap_or_default();
        let mut description =
            format!("监测地址：{}\n发现：{}\n首次发现：{}\n", m.url, f.summary, f.first_seen_at.to_rfc3339());
        if !evidence.is_null() {
            let pretty = serde_json::to_string_pretty(&evidence).unwrap_or_default();
            description.push_str("证据：\n");
            description.extend(pretty.chars().take(15_000));
        }
        let input = crate::notices::service::notices::NoticeInput {
            source: "monitoring".into(),
            reference: format!("finding-{}", f.id),
            received_at: Some(f.first_seen_at.min(now)),
            title: format!("监测发现：{}", f.summary).chars().take(200).collect(),
            vuln_type: f.check_name.as_str().into(),
            severity: notice_severity(f.severity).as_str().into(),
            description,
            deadline: None,
            systems: vec![m.system_id],
            evidence: Vec::new(),
        };
        let notice_id =
            crate::notices::service::notices::create_in(store, conn, &who, input, &mut outbox, &mut changes).await?;
        finding::Entity::update_many()
            .col_expr(finding::Column::NoticeId, Expr::value(Some(notice_id)))
            .filter(finding::Column::Id.eq(f.id))
            .exec(conn)
            .await?;
        // Tampering, injected links and exposed secrets on an internet-facing
        // system open an incident, whose alert (with the reporting clock) goes
        // up the duty ladder; any other serious finding alerts on its own.
        let incident = crate::incidents::service::incidents::open_from_finding(
            store,
            conn,
            &f,
            &m.url,
            Some(notice_id),
            &mut outbox,
        )
        .await?;
        if incident.is_none() {
            let msg = finding_message("monitor_alert", "monitor.alert", &system_name, &m.url, &f);
            crate::duty::service::alerts::raise_in(store, conn, now, m.unit_id, Some(m.system_id), &msg, &mut outbox)
                .await?;
        }
        n += 1;
    }
    outbox.flush(conn).await?;
    audit::append_many(conn, now, &Actor::from(&who), changes).await?;
    Ok(n)
}

/// Every monitored URL with its system's ICP and public-security numbers (for
/// the demo's simulated sites).
pub async fn monitored_sites(store: &Store) -> Result<Vec<(String, String, String)>> {
    let rows: Vec<(String, String, String)> = monitor::Entity::find()
        .select_only()
        .column(monitor::Column::Url)
        .column_as(system::Column::IcpNo, "icp_no")
        .column_as(system::Column::PublicSecurityNo, "public_security_no")
        .join(
            sea_orm::JoinType::InnerJoin,
            monitor::Entity::belongs_to(system::Entity).from(monitor::Column::SystemId).to(system::Column::Id).into(),
        )
        .into_tuple()
        .all(store.db())
        .await?;
    Ok(rows)
}

/// Drop raw results older than two days and hours older than 400 days.
pub async fn prune(store: &Store) -> Result<u64> {
    let now = store.now();
    let txn = store.begin_write().await?;
    let a = monitor_check::Entity::delete_many()
        .filter(monitor_check::Column::CheckedAt.lt(now - Duration::days(RAW_DAYS)))
        .exec(&*txn)
        .await?
        .rows_affected;
    let b = monitor_hour::Entity::delete_many()
        .filter(monitor_hour::Column::Hour.lt(now - Duration::days(HOURS_DAYS)))
        .exec(&*txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(a + b)
}

/// Monitors of important systems down at least `minutes`, whose open down
/// finding has no notice yet: the engine asks so their next result carries `open_notice`.
pub fn down_long_enough(down_since: Option<DateTime<Utc>>, now: DateTime<Utc>, minutes: i64) -> bool {
    down_since.is_some_and(|d| now - d >= Duration::minutes(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_subject_is_matched_by_what_is_stored_of_it() {
        let long = "链".repeat(300);
        assert_eq!(stored_subject(&long).chars().count(), 250);
        assert!(long.starts_with(stored_subject(&long)));
        assert_eq!(stored_subject("https://a.example/x"), "https://a.example/x");
        assert_eq!(stored_subject(&"a".repeat(250)), "a".repeat(250));
    }

    #[test]
    fn urls_are_normalized_and_checked() {
        assert_eq!(check_url("www.univ.example").as_deref(), Ok("http://www.univ.example/"));
        assert_eq!(check_url("HTTPS://www.univ.example/a?b=1#frag").as_deref(), Ok("https://www.univ.example/a?b=1"));
        assert_eq!(check_url(""), Err("required"));
        assert_eq!(check_url("ftp://x.example/"), Err("invalid_url"));
        assert_eq!(check_url("http://user:pw@x.example/"), Err("invalid_url"));
        assert_eq!(check_url("http:///path"), Err("invalid_url"));
        assert_eq!(check_url("http://a b.example/"), Err("invalid_url"));
    }

    #[test]
    fn checks_are_known_and_ordered() {
        let mut errors = Vec::new();
        assert_eq!(
            check_checks(&["tamper".into(), "availability".into(), "tamper".into()], &mut errors),
            "availability,tamper"
        );
        assert!(errors.is_empty());
        check_checks(&["ping".into()], &mut errors);
        assert_eq!(errors[0].code, "unknown_choice");
    }

    #[test]
    fn tuning_bounds() {
        let p = MonitorPolicy::default();
        let mut e = Vec::new();
        check_tuning(&p, Some(30), Some(10), Some(30), Some(&[".date".into()]), &mut e);
        assert!(e.is_empty());
        check_tuning(&p, Some(29), Some(0), Some(0), None, &mut e);
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn down_for_ten_minutes() {
        let now = Utc::now();
        assert!(down_long_enough(Some(now - Duration::minutes(10)), now, 10));
        assert!(!down_long_enough(Some(now - Duration::minutes(9)), now, 10));
        assert!(!down_long_enough(None, now, 10));
    }
}
