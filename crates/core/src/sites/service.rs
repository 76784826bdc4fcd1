//! The whole site's changes and queries: crawls claimed and recorded, the
//! crawled pages of a site, the outbound-link inventory and its allow-lists,
//! 双非 decisions, zombie sites and columns.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::entity::{crawled_page, link_allow, outbound_domain};
use super::rules::{self, OutsideDecision, OutsideReason, ZombieAction};
use crate::monitoring::entity::{finding, monitor};
use crate::monitoring::service::{FindingInput, RecordReport, Seen, record_findings};
use crate::monitoring::{Check, FindingCode};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::registry::entity::system;

/// A site whose crawl is due, with what the crawl needs.
#[derive(Debug, Clone)]
pub struct CrawlDue {
    pub monitor_id: i64,
    pub system_id: i64,
    pub url: String,
    /// The site's own page budget, when it has one.
    pub pages: Option<usize>,
    pub exclude: Vec<String>,
    /// Each page seen before.
    pub remembered: Vec<RememberedPage>,
    /// The key pages (栏目首页) and their accepted fingerprints (empty: none yet).
    pub key: Vec<(String, String)>,
    /// The institution's and the site's allow-lists.
    pub allow: Vec<String>,
}

/// What the last crawl learnt of a page.
#[derive(Debug, Clone, Default)]
pub struct RememberedPage {
    pub url: String,
    pub etag: String,
    pub last_modified: String,
    pub depth: u8,
    pub newest_date: Option<NaiveDate>,
    pub dated_items: usize,
    pub modified_on: Option<NaiveDate>,
    pub title: String,
}

/// A crawled page, to record.
#[derive(Debug, Clone, Default)]
pub struct PageRecord {
    pub url: String,
    pub depth: u8,
    pub status_code: Option<i32>,
    pub error: String,
    /// `304`: the page is as it was (what was recorded of it stands).
    pub unchanged: bool,
    pub title: String,
    pub etag: String,
    pub last_modified: String,
    pub modified_on: Option<NaiveDate>,
    pub newest_date: Option<NaiveDate>,
    pub dated_items: i32,
    pub findings: i32,
    pub outbound: i32,
    /// A key page's first fingerprint (its baseline from now on).
    pub fingerprint: Option<String>,
    /// The prefix of this page's findings' subjects (its path and query).
    pub subject_prefix: String,
}

/// An external domain of the whole site, to record.
#[derive(Debug, Clone, Default)]
pub struct OutboundRecord {
    pub domain: String,
    pub host: String,
    pub href: String,
    pub hidden: bool,
    pub text: String,
    pub pages: Vec<String>,
    pub page_count: i32,
}

/// A site's crawl, to record.
#[derive(Debug, Clone)]
pub struct CrawlRecord {
    pub monitor_id: i64,
    pub crawled_at: DateTime<Utc>,
    /// When the next crawl is due.
    pub next_at: DateTime<Utc>,
    pub pages: Vec<PageRecord>,
    pub outbound: Vec<OutboundRecord>,
    /// Every page's findings and the site's `external_link` ones (check `crawl`).
    pub findings: Vec<FindingInput>,
    /// The newest date the site shows.
    pub updated_on: Option<NaiveDate>,
    /// The addresses the site's host resolved to (for 双非).
    pub addresses: Vec<std::net::IpAddr>,
}

/// Where the institution draws its borders (`[institution] domains`,
/// `networks`, `hosting`) and when a site is a zombie (`[sites] zombie_days`).
#[derive(Debug, Clone)]
pub struct SitesPolicy {
    pub domains: Vec<String>,
    pub networks: Vec<crate::platform::netpolicy::Net>,
    pub zombie_days: i64,
}

impl Default for SitesPolicy {
    fn default() -> Self {
        SitesPolicy { domains: Vec::new(), networks: Vec::new(), zombie_days: rules::ZOMBIE_DAYS }
    }
}

/// Take up to `limit` sites whose crawl is due, for `lease`.
/// Sites never crawled come first, on SQLite and PostgreSQL alike (which order NULLs apart).
pub async fn claim_crawls(store: &Store, limit: u64, lease: Duration) -> Result<Vec<CrawlDue>> {
    let now = store.now();
    let txn = store.begin_write().await?;
    let pg = store.backend() == DbBackend::Postgres;
    let sql = format!(
        "SELECT id FROM monitors WHERE paused = {f} AND retired = {f} AND checks LIKE '%crawl%' \
         AND (next_crawl_at IS NULL OR next_crawl_at <= {p1}) \
         AND (crawl_leased_until IS NULL OR crawl_leased_until < {p1}) \
         AND last_checked_at IS NOT NULL AND status IN ('up', 'degraded') \
         ORDER BY (next_crawl_at IS NOT NULL), next_crawl_at, id LIMIT {p2}{lock}",
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
        .col_expr(monitor::Column::CrawlLeasedUntil, Expr::value(Some(now + lease)))
        .filter(monitor::Column::Id.is_in(ids.clone()))
        .exec(&*txn)
        .await?;
    let monitors = monitor::Entity::find().filter(monitor::Column::Id.is_in(ids.clone())).all(&*txn).await?;
    let mut pages: HashMap<i64, Vec<crawled_page::Model>> = HashMap::new();
    for p in crawled_page::Entity::find().filter(crawled_page::Column::MonitorId.is_in(ids)).all(&*txn).await? {
        pages.entry(p.monitor_id).or_default().push(p);
    }
    let entries = link_allow::Entity::find().all(&*txn).await?;
    let mut out = Vec::with_capacity(monitors.len());
    for m in monitors {
        let pages = pages.remove(&m.id).unwrap_or_default();
        let allow = entries
            .iter()
            .filter(|e| e.system_id.is_none() || e.system_id == Some(m.system_id))
            .map(|e| e.domain.clone())
            .collect();
        out.push(CrawlDue {
            monitor_id: m.id,
            system_id: m.system_id,
            url: m.url,
            pages: m.crawl_pages.and_then(|p| usize::try_from(p).ok()),
            exclude: m.exclude.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            remembered: pages
                .iter()
                .filter(|p| p.status_code.is_some_and(|c| c < 400))
                .map(|p| RememberedPage {
                    url: p.url.clone(),
                    etag: p.etag.clone(),
                    last_modified: p.last_modified.clone(),
                    depth: p.depth.clamp(0, 20) as u8,
                    newest_date: p.newest_date,
                    dated_items: usize::try_from(p.dated_items).unwrap_or(0),
                    modified_on: p.modified_on,
                    title: p.title.clone(),
                })
                .collect(),
            key: pages.iter().filter(|p| p.key_page).map(|p| (p.url.clone(), p.baseline.clone())).collect(),
            allow,
        });
    }
    txn.commit().await?;
    Ok(out)
}

/// Record a site's crawl in one transaction: its pages, its outbound
/// domains, its findings (unchanged pages keep theirs), when it was last
/// updated, whether it is 双非, and when the next crawl is due.
pub async fn record_crawl(store: &Store, rec: CrawlRecord) -> Result<RecordReport> {
    let txn = store.begin_write().await?;
    let Some(m) = monitor::Entity::find_by_id(rec.monitor_id).one(&*txn).await? else {
        return Ok(RecordReport::default());
    };
    let at = rec.crawled_at;
    let earlier: HashMap<String, crawled_page::Model> = crawled_page::Entity::find()
        .filter(crawled_page::Column::MonitorId.eq(m.id))
        .all(&*txn)
        .await?
        .into_iter()
        .map(|p| (p.url.clone(), p))
        .collect();
    let mut visited = HashSet::new();
    for p in &rec.pages {
        visited.insert(p.url.clone());
        match earlier.get(&p.url) {
            Some(e) if p.unchanged => {
                let mut am: crawled_page::ActiveModel = e.clone().into();
                am.crawled_at = Set(at);
                am.update(&*txn).await?;
            }
            Some(e) => {
                let mut am: crawled_page::ActiveModel = e.clone().into();
                page_fields(&mut am, p, at);
                if let Some(f) = &p.fingerprint
                    && e.key_page
                    && e.baseline.is_empty()
                {
                    am.baseline = Set(f.clone());
                }
                am.update(&*txn).await?;
            }
            None => {
                let mut am = crawled_page::ActiveModel {
                    monitor_id: Set(m.id),
                    system_id: Set(m.system_id),
                    unit_id: Set(m.unit_id),
                    url: Set(p.url.chars().take(1000).collect()),
                    key_page: Set(false),
                    baseline: Set(String::new()),
                    first_seen_at: Set(at),
                    ..Default::default()
                };
                page_fields(&mut am, p, at);
                am.insert(&*txn).await?;
            }
        }
    }
    // Pages no longer reached are forgotten, except key pages (an officer chose them).
    let gone: Vec<i64> = earlier.values().filter(|p| !visited.contains(&p.url) && !p.key_page).map(|p| p.id).collect();
    for chunk in gone.chunks(500) {
        crawled_page::Entity::delete_many().filter(crawled_page::Column::Id.is_in(chunk.to_vec())).exec(&*txn).await?;
    }

    // The inventory: every domain seen now is present (approved when a list covers it).
    let allow = allow_entries(&*txn, m.system_id).await?;
    let unchanged: HashSet<&str> = rec.pages.iter().filter(|p| p.unchanged).map(|p| p.url.as_str()).collect();
    let existing: HashMap<String, outbound_domain::Model> = outbound_domain::Entity::find()
        .filter(outbound_domain::Column::MonitorId.eq(m.id))
        .all(&*txn)
        .await?
        .into_iter()
        .map(|o| (o.domain.clone(), o))
        .collect();
    let mut seen_domains = HashSet::new();
    for o in &rec.outbound {
        seen_domains.insert(o.domain.clone());
        let approved = rules::allowed(&allow, &o.host);
        match existing.get(&o.domain) {
            Some(e) => {
                let mut am: outbound_domain::ActiveModel = e.clone().into();
                outbound_fields(&mut am, o, approved, at);
                am.update(&*txn).await?;
            }
            None => {
                let mut am = outbound_domain::ActiveModel {
                    monitor_id: Set(m.id),
                    system_id: Set(m.system_id),
                    unit_id: Set(m.unit_id),
                    domain: Set(o.domain.chars().take(253).collect()),
                    first_seen_at: Set(at),
                    ..Default::default()
                };
                outbound_fields(&mut am, o, approved, at);
                am.insert(&*txn).await?;
            }
        }
    }
    // Not seen now: gone, unless only unchanged pages linked to it.
    for e in existing.values().filter(|e| e.present && !seen_domains.contains(&e.domain)) {
        let kept = e.pages.lines().any(|p| unchanged.contains(p));
        if !kept {
            outbound_domain::Entity::update_many()
                .col_expr(outbound_domain::Column::Present, Expr::value(false))
                .filter(outbound_domain::Column::Id.eq(e.id))
                .exec(&*txn)
                .await?;
        }
    }

    // Findings: a page found unchanged keeps its own; so does a domain only unchanged pages link to.
    let prefixes: Vec<String> =
        rec.pages.iter().filter(|p| p.unchanged).map(|p| format!("{} ", p.subject_prefix)).collect();
    let kept_domains: HashSet<String> = existing
        .values()
        .filter(|e| e.present && !seen_domains.contains(&e.domain) && e.pages.lines().any(|p| unchanged.contains(p)))
        .map(|e| format!("external:{}", e.domain))
        .collect();
    let keep =
        |subject: &str| prefixes.iter().any(|p| subject.starts_with(p.as_str())) || kept_domains.contains(subject);
    let seen = Seen { at, checks_run: &[Check::Crawl], keep: &keep };
    let report = record_findings(store, &*txn, m.id, &rec.findings, &seen).await?;

    // 双非: by the host's name and the addresses it resolved to.
    let policy = store.sites_policy();
    let host = url::Url::parse(&m.url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    let mut reasons = rules::outside_reasons(&host, &rec.addresses, &[], &policy.networks);
    // By name: any of the system's addresses (as `refresh_outside` judges it).
    let urls: Option<String> = system::Entity::find_by_id(m.system_id)
        .select_only()
        .column(system::Column::Urls)
        .into_tuple()
        .one(&*txn)
        .await?;
    if rules::named_outside(&urls.unwrap_or_default(), &policy.domains) {
        reasons.insert(0, OutsideReason::Domain);
    }
    set_outside(&*txn, m.system_id, &reasons, &rec.addresses, at).await?;

    let mut am: monitor::ActiveModel = m.into();
    am.crawled_at = Set(Some(at));
    am.next_crawl_at = Set(Some(rec.next_at));
    am.crawl_leased_until = Set(None);
    am.crawled_count = Set(rec.pages.len() as i32);
    // Unchanged pages keep the site's date: the newest of this crawl and the last one.
    am.site_updated_on = Set(rec.updated_on);
    am.update(&*txn).await?;
    txn.commit().await?;
    Ok(report)
}

/// A crawl that could not run: try again after `retry`.
pub async fn crawl_failed(store: &Store, monitor_id: i64, retry: Duration) -> Result<()> {
    let now = store.now();
    let txn = store.begin_write().await?;
    monitor::Entity::update_many()
        .col_expr(monitor::Column::NextCrawlAt, Expr::value(Some(now + retry)))
        .col_expr(monitor::Column::CrawlLeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(monitor::Column::Id.eq(monitor_id))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

fn page_fields(am: &mut crawled_page::ActiveModel, p: &PageRecord, at: DateTime<Utc>) {
    am.depth = Set(i32::from(p.depth));
    am.status_code = Set(p.status_code);
    am.error = Set(p.error.chars().take(300).collect());
    am.title = Set(p.title.chars().take(200).collect());
    am.etag = Set(p.etag.chars().take(200).collect());
    am.last_modified = Set(p.last_modified.chars().take(100).collect());
    am.modified_on = Set(p.modified_on);
    am.newest_date = Set(p.newest_date);
    am.dated_items = Set(p.dated_items);
    am.findings = Set(p.findings);
    am.outbound = Set(p.outbound);
    am.crawled_at = Set(at);
}

/// 双非 by name, for every registered system with an address (the address
/// reason comes from the crawls and is kept): run with the registry's sync.
/// Returns how many systems changed.
pub async fn refresh_outside(store: &Store) -> Result<u64> {
    let policy = store.sites_policy();
    if policy.domains.is_empty() {
        return Ok(0);
    }
    let rows: Vec<(i64, String, String)> = system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .column(system::Column::Urls)
        .column(system::Column::OutsideReasons)
        .filter(system::Column::Urls.ne(""))
        .into_tuple()
        .all(store.db())
        .await?;
    let mut changed = Vec::new();
    for (id, urls, stored) in rows {
        let outside = rules::named_outside(&urls, &policy.domains);
        let mut reasons: Vec<OutsideReason> = stored.split(',').filter_map(OutsideReason::parse).collect();
        let had = reasons.contains(&OutsideReason::Domain);
        if outside == had {
            continue;
        }
        reasons.retain(|r| *r != OutsideReason::Domain);
        if outside {
            reasons.insert(0, OutsideReason::Domain);
        }
        changed.push((id, reasons));
    }
    if changed.is_empty() {
        return Ok(0);
    }
    let txn = store.begin_write().await?;
    for (id, reasons) in &changed {
        let words: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
        let mut update =
            system::Entity::update_many().col_expr(system::Column::OutsideReasons, Expr::value(words.join(",")));
        if reasons.is_empty() {
            update = update.col_expr(system::Column::OutsideDecision, Expr::value(OutsideDecision::Open));
        }
        update.filter(system::Column::Id.eq(*id)).exec(&*txn).await?;
    }
    txn.commit().await?;
    Ok(changed.len() as u64)
}

fn outbound_fields(am: &mut outbound_domain::ActiveModel, o: &OutboundRecord, approved: bool, at: DateTime<Utc>) {
    am.host = Set(o.host.chars().take(253).collect());
    am.href = Set(o.href.chars().take(2000).collect());
    am.hidden = Set(o.hidden);
    am.link_text = Set(o.text.chars().take(120).collect());
    am.pages = Set(o.pages.join("\n"));
    am.page_count = Set(o.page_count);
    am.present = Set(true);
    am.approved = Set(approved);
    am.last_seen_at = Set(at);
}

/// Inventory rows whose host an allow-list entry `d` covers (the entry or a subdomain of it).
fn covered_by(d: &str) -> Condition {
    Condition::any()
        .add(outbound_domain::Column::Host.eq(d.to_owned()))
        .add(outbound_domain::Column::Host.like(format!("%.{d}")))
}

/// Write what 双非 says of a system, keeping the officer's decision while the reasons stand.
async fn set_outside<C: ConnectionTrait>(
    conn: &C,
    system_id: i64,
    reasons: &[OutsideReason],
    addresses: &[std::net::IpAddr],
    at: DateTime<Utc>,
) -> Result<()> {
    let words: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
    let addresses: Vec<String> = addresses.iter().take(16).map(ToString::to_string).collect();
    let mut update = system::Entity::update_many()
        .col_expr(system::Column::OutsideReasons, Expr::value(words.join(",")))
        .col_expr(system::Column::OutsideAddresses, Expr::value(addresses.join("\n")))
        .col_expr(system::Column::OutsideCheckedAt, Expr::value(Some(at)));
    if reasons.is_empty() {
        update = update.col_expr(system::Column::OutsideDecision, Expr::value(OutsideDecision::Open));
    }
    update.filter(system::Column::Id.eq(system_id)).exec(conn).await?;
    Ok(())
}

/// The allow-list entries that apply to a system's site (the institution's and its own).
async fn allow_entries<C: ConnectionTrait>(conn: &C, system_id: i64) -> Result<Vec<String>> {
    Ok(link_allow::Entity::find()
        .filter(
            Condition::any()
                .add(link_allow::Column::SystemId.is_null())
                .add(link_allow::Column::SystemId.eq(system_id)),
        )
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.domain)
        .collect())
}

// ---- The crawled pages of a site ----

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CrawledPageView {
    pub id: i64,
    pub url: String,
    pub depth: i32,
    pub status_code: Option<i32>,
    pub error: String,
    pub title: String,
    pub modified_on: Option<NaiveDate>,
    pub newest_date: Option<NaiveDate>,
    /// A list page (栏目): three or more dated items.
    pub is_list: bool,
    /// A list page not updated for `zombie_days` (僵尸栏目).
    pub zombie: bool,
    pub key_page: bool,
    /// A key page whose baseline the next crawl takes (just marked, or its change accepted).
    pub baseline_pending: bool,
    pub findings: i32,
    pub outbound: i32,
    pub crawled_at: DateTime<Utc>,
}

/// A site's crawl: when, how many pages, and each page.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SitePagesView {
    pub monitor_id: i64,
    pub url: String,
    pub crawled_at: Option<DateTime<Utc>>,
    pub next_crawl_at: Option<DateTime<Utc>>,
    pub crawled_count: i32,
    pub site_updated_on: Option<NaiveDate>,
    /// Not updated for `zombie_days` (僵尸网站).
    pub zombie: bool,
    pub zombie_action: Option<ZombieAction>,
    pub pages: Vec<CrawledPageView>,
    /// The caller may mark key pages.
    pub may_manage: bool,
    /// The caller may accept a key page's change (the center, the unit's administrator).
    pub may_accept: bool,
}

fn today(store: &Store) -> NaiveDate {
    store.now().with_timezone(&store.notice_policy().time_zone).date_naive()
}

/// The crawled pages of a monitored site (in the caller's scope): pages with findings first, then by depth.
pub async fn pages(store: &Store, who: &Principal, monitor_id: i64) -> Result<SitePagesView> {
    let conn = store.db();
    let m = monitor::Entity::find_by_id(monitor_id)
        .filter(scope_condition(&who.scope(), monitor::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let rows = crawled_page::Entity::find()
        .filter(crawled_page::Column::MonitorId.eq(monitor_id))
        .order_by_desc(crawled_page::Column::Findings)
        .order_by_asc(crawled_page::Column::Depth)
        .order_by_asc(crawled_page::Column::Url)
        .limit(2000)
        .all(conn)
        .await?;
    let (today, days) = (today(store), store.sites_policy().zombie_days);
    let zombie = rules::is_zombie(m.site_updated_on, today, days);
    // A column's update is the newest date on any of its list pages.
    let mut columns: HashMap<String, NaiveDate> = HashMap::new();
    for p in rows.iter().filter(|p| p.dated_items >= 3) {
        if let Some(d) = p.newest_date {
            let e = columns.entry(rules::column_key(&p.url)).or_insert(d);
            *e = (*e).max(d);
        }
    }
    Ok(SitePagesView {
        monitor_id,
        url: m.url,
        crawled_at: m.crawled_at,
        next_crawl_at: m.next_crawl_at,
        crawled_count: m.crawled_count,
        site_updated_on: m.site_updated_on,
        zombie,
        zombie_action: m.site_updated_on.filter(|_| zombie).map(|u| rules::zombie_action(u, today)),
        pages: rows
            .into_iter()
            .map(|p| {
                let column = columns.get(&rules::column_key(&p.url)).copied();
                let zombie = rules::is_zombie(column, today, days);
                page_view(p, zombie)
            })
            .collect(),
        may_manage: who.may(Permission::ManageMonitors),
        may_accept: who.may(Permission::AcceptBaseline(m.unit_id)),
    })
}

/// A crawled page as shown; `column_stale`: its column (栏目) has not been updated for `zombie_days`.
fn page_view(p: crawled_page::Model, column_stale: bool) -> CrawledPageView {
    let is_list = p.dated_items >= 3;
    CrawledPageView {
        id: p.id,
        zombie: is_list && column_stale,
        is_list,
        url: p.url,
        depth: p.depth,
        status_code: p.status_code,
        error: p.error,
        title: p.title,
        modified_on: p.modified_on,
        newest_date: p.newest_date,
        baseline_pending: p.key_page && p.baseline.is_empty(),
        key_page: p.key_page,
        findings: p.findings,
        outbound: p.outbound,
        crawled_at: p.crawled_at,
    }
}

/// A crawled page within the caller's scope (else not found).
async fn visible_page<C: ConnectionTrait>(conn: &C, who: &Principal, page_id: i64) -> Result<crawled_page::Model> {
    crawled_page::Entity::find_by_id(page_id)
        .filter(scope_condition(&who.scope(), crawled_page::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

/// One page as shown after a change to it, by its own date (its column's other pages are on the site's list).
fn page_view_alone(store: &Store, p: crawled_page::Model) -> CrawledPageView {
    let zombie = rules::is_zombie(p.newest_date, today(store), store.sites_policy().zombie_days);
    page_view(p, zombie)
}

/// Mark a crawled page as a key page (栏目首页: tampering baselines too) or not. Audited.
pub async fn set_key_page(store: &Store, who: &Principal, page_id: i64, key: bool) -> Result<CrawledPageView> {
    let txn = store.begin_write().await?;
    let p = visible_page(&*txn, who, page_id).await?;
    if !who.may(Permission::ManageMonitors) {
        return Err(CoreError::Forbidden);
    }
    let before = p.key_page;
    let mut am: crawled_page::ActiveModel = p.clone().into();
    am.key_page = Set(key);
    if !key {
        am.baseline = Set(String::new());
    }
    let p2 = am.update(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change::updated(
            "crawled_page",
            p.id,
            Some(p.unit_id),
            json!({"key_page": before}),
            json!({"key_page": key, "url": p.url}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(page_view_alone(store, p2))
}

/// Accept a key page as it is now (a change its unit made on purpose): its
/// baseline is taken again at the next crawl, from the page as it is then,
/// and its open tampering findings resolve. Audited.
pub async fn accept_key_page(store: &Store, who: &Principal, page_id: i64, note: &str) -> Result<CrawledPageView> {
    let txn = store.begin_write().await?;
    let p = visible_page(&*txn, who, page_id).await?;
    who.require(Permission::AcceptBaseline(p.unit_id))?;
    if !p.key_page {
        return Err(CoreError::Conflict("not_a_key_page"));
    }
    let note = crate::platform::common::clean(note, 500).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    let now = store.now();
    let label = url::Url::parse(&p.url).map(|u| rules::page_label(&u)).unwrap_or_else(|_| p.url.clone());
    // The page's tampering findings, by the subject that names the page (compared here: a
    // path's `_` and `%` would be patterns to LIKE).
    let tampering = [FindingCode::Tampered, FindingCode::NewExternalScript, FindingCode::NewIframe];
    let prefix = format!("{label} ");
    let ids: Vec<i64> = finding::Entity::find()
        .filter(finding::Column::MonitorId.eq(p.monitor_id))
        .filter(finding::Column::CheckName.eq(Check::Crawl))
        .filter(finding::Column::Code.is_in(tampering))
        .filter(finding::Column::Open.eq(true))
        .all(&*txn)
        .await?
        .into_iter()
        .filter(|f| f.subject.starts_with(&prefix))
        .map(|f| f.id)
        .collect();
    let resolved = finding::Entity::update_many()
        .col_expr(finding::Column::Open, Expr::value(false))
        .col_expr(finding::Column::ResolvedAt, Expr::value(Some(now)))
        .filter(finding::Column::Id.is_in(ids))
        .exec(&*txn)
        .await?
        .rows_affected;
    let mut am: crawled_page::ActiveModel = p.clone().into();
    am.baseline = Set(String::new());
    let p2 = am.update(&*txn).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("accept_key_page", "crawled_page", p.id, Some(p.unit_id))
            .with_after(json!({"url": p.url, "note": note, "tamper_findings_resolved": resolved})),
    )
    .await?;
    txn.commit().await?;
    Ok(page_view_alone(store, p2))
}

// ---- The outbound-link inventory ----

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboundFilter {
    /// Part of the domain.
    pub q: Option<String>,
    /// `pending` (not on a list), `approved`; empty: both.
    pub review: Option<String>,
    /// Only domains linked to in a hidden block.
    pub hidden: Option<bool>,
    /// One system's site.
    pub system: Option<i64>,
    /// Also domains no longer linked to.
    pub gone: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct OutboundView {
    pub id: i64,
    pub system_id: i64,
    pub system_name: String,
    pub unit_id: i64,
    pub site: String,
    pub domain: String,
    pub host: String,
    pub href: String,
    pub hidden: bool,
    pub link_text: String,
    pub pages: Vec<String>,
    pub page_count: i32,
    pub review: rules::LinkReview,
    /// Why the name looks like a spam domain (`spam_word`, `digit_run`, `random_label`, `cheap_tld`).
    pub spam_signs: Vec<String>,
    pub present: bool,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

fn outbound_condition(who: &Principal, f: &OutboundFilter) -> Result<Condition> {
    let mut cond = scope_condition(&who.scope(), outbound_domain::Column::UnitId);
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond.add(outbound_domain::Column::Domain.contains(q.to_ascii_lowercase()));
    }
    match f.review.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(rules::LinkReview::parse) {
        None => {}
        Some(Some(rules::LinkReview::Pending)) => cond = cond.add(outbound_domain::Column::Approved.eq(false)),
        Some(Some(rules::LinkReview::Approved)) => cond = cond.add(outbound_domain::Column::Approved.eq(true)),
        Some(None) => return Err(CoreError::invalid("review", "unknown_choice")),
    }
    if f.hidden == Some(true) {
        cond = cond.add(outbound_domain::Column::Hidden.eq(true));
    }
    if let Some(s) = f.system {
        cond = cond.add(outbound_domain::Column::SystemId.eq(s));
    }
    if f.gone != Some(true) {
        cond = cond.add(outbound_domain::Column::Present.eq(true));
    }
    Ok(cond)
}

/// The inventory in the caller's scope: unreviewed first, hidden first, by domain.
pub async fn outbound(store: &Store, who: &Principal, f: &OutboundFilter) -> Result<Page<OutboundView>> {
    let conn = store.db();
    let page = PageRequest { page: f.page, per_page: f.per_page };
    let q = outbound_domain::Entity::find().filter(outbound_condition(who, f)?);
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_asc(outbound_domain::Column::Approved)
        .order_by_desc(outbound_domain::Column::Hidden)
        .order_by_asc(outbound_domain::Column::Domain)
        .order_by_asc(outbound_domain::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: outbound_views(conn, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

/// Every row of the inventory the filter selects (for the sheet), at most 50,000.
pub async fn outbound_all(store: &Store, who: &Principal, f: &OutboundFilter) -> Result<Vec<OutboundView>> {
    let conn = store.db();
    let rows = outbound_domain::Entity::find()
        .filter(outbound_condition(who, f)?)
        .order_by_asc(outbound_domain::Column::Domain)
        .order_by_asc(outbound_domain::Column::Id)
        .limit(50_000)
        .all(conn)
        .await?;
    outbound_views(conn, rows).await
}

async fn outbound_views<C: ConnectionTrait>(conn: &C, rows: Vec<outbound_domain::Model>) -> Result<Vec<OutboundView>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.system_id).collect::<HashSet<_>>().into_iter().collect();
    let names: HashMap<i64, String> = system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .column(system::Column::Name)
        .filter(system::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let monitors: HashMap<i64, String> = monitor::Entity::find()
        .select_only()
        .column(monitor::Column::Id)
        .column(monitor::Column::Url)
        .filter(monitor::Column::Id.is_in(rows.iter().map(|r| r.monitor_id).collect::<Vec<_>>()))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| OutboundView {
            id: r.id,
            system_id: r.system_id,
            system_name: names.get(&r.system_id).cloned().unwrap_or_default(),
            unit_id: r.unit_id,
            site: monitors.get(&r.monitor_id).cloned().unwrap_or_default(),
            spam_signs: rules::spam_signs(&r.domain).into_iter().map(str::to_owned).collect(),
            review: if r.approved { rules::LinkReview::Approved } else { rules::LinkReview::Pending },
            domain: r.domain,
            host: r.host,
            href: r.href,
            hidden: r.hidden,
            link_text: r.link_text,
            pages: r.pages.lines().map(str::to_owned).collect(),
            page_count: r.page_count,
            present: r.present,
            first_seen_at: r.first_seen_at,
            last_seen_at: r.last_seen_at,
        })
        .collect())
}

// ---- The allow-lists ----

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AllowView {
    pub id: i64,
    pub domain: String,
    /// The site it applies to (`None`: the whole institution).
    pub system_id: Option<i64>,
    pub system_name: Option<String>,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Domains to allow, in bulk: the institution-wide list, or one site's.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllowInput {
    /// Domains such as `partner.example` (each covers its subdomains).
    #[schema(min_items = 1, max_items = 500)]
    pub domains: Vec<String>,
    /// One system's site only (absent: the whole institution).
    #[serde(default)]
    pub system_id: Option<i64>,
    /// Why (a partner, a vendor platform …).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub note: String,
}

/// What approving changed.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AllowOutcome {
    /// Entries added (domains already on the list are skipped).
    pub added: Vec<AllowView>,
    /// Inventory rows now approved.
    pub approved: u64,
    /// `external_link` findings resolved.
    pub resolved: u64,
}

/// Every allow-list entry (the center).
pub async fn allow_list(store: &Store, who: &Principal) -> Result<Vec<AllowView>> {
    if !who.may(Permission::ManageMonitors) {
        return Err(CoreError::Forbidden);
    }
    let conn = store.db();
    let rows = link_allow::Entity::find()
        .order_by_asc(link_allow::Column::SystemId)
        .order_by_asc(link_allow::Column::Domain)
        .all(conn)
        .await?;
    allow_views(conn, rows).await
}

async fn allow_views<C: ConnectionTrait>(conn: &C, rows: Vec<link_allow::Model>) -> Result<Vec<AllowView>> {
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.system_id).collect();
    let names: HashMap<i64, String> = system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .column(system::Column::Name)
        .filter(system::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| AllowView {
            id: r.id,
            system_name: r.system_id.and_then(|s| names.get(&s).cloned()),
            domain: r.domain,
            system_id: r.system_id,
            note: r.note,
            created_by: r.created_by,
            created_at: r.created_at,
        })
        .collect())
}

/// Approve domains in bulk (the center): each added to the list, audited;
/// the inventory rows it covers approved and their `external_link` findings resolved, at once.
pub async fn allow(store: &Store, who: &Principal, input: AllowInput) -> Result<AllowOutcome> {
    if !who.may(Permission::ManageMonitors) {
        return Err(CoreError::Forbidden);
    }
    let note =
        crate::platform::common::clean(&input.note, 200).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    let mut domains = Vec::new();
    for d in &input.domains {
        let d = rules::normalize_domain(d).ok_or_else(|| CoreError::invalid("domains", "invalid_domain"))?;
        if !domains.contains(&d) {
            domains.push(d);
        }
    }
    if domains.is_empty() || domains.len() > 500 {
        return Err(CoreError::invalid("domains", "required"));
    }
    let txn = store.begin_write().await?;
    let now = store.now();
    if let Some(s) = input.system_id {
        system::Entity::find_by_id(s).one(&*txn).await?.ok_or_else(|| CoreError::invalid("system_id", "not_found"))?;
    }
    let present: HashSet<String> = link_allow::Entity::find()
        .filter(match input.system_id {
            Some(s) => link_allow::Column::SystemId.eq(s),
            None => link_allow::Column::SystemId.is_null(),
        })
        .all(&*txn)
        .await?
        .into_iter()
        .map(|e| e.domain)
        .collect();
    let mut added = Vec::new();
    let mut changes = Vec::new();
    let actor = Actor::from(who);
    for d in domains.iter().filter(|d| !present.contains(*d)) {
        let row = link_allow::ActiveModel {
            domain: Set(d.clone()),
            system_id: Set(input.system_id),
            note: Set(note.clone()),
            created_by: Set(actor.name.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&*txn)
        .await?;
        changes.push(Change::created(
            "link_allow",
            row.id,
            None,
            json!({"domain": d, "system_id": input.system_id, "note": note}),
        ));
        added.push(row);
    }
    // Rows of the inventory the new entries cover.
    let mut approved = 0;
    let mut resolved = 0;
    for d in &domains {
        let mut cond = Condition::all().add(covered_by(d)).add(outbound_domain::Column::Approved.eq(false));
        if let Some(s) = input.system_id {
            cond = cond.add(outbound_domain::Column::SystemId.eq(s));
        }
        let rows = outbound_domain::Entity::find().filter(cond).all(&*txn).await?;
        if rows.is_empty() {
            continue;
        }
        approved += rows.len() as u64;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        outbound_domain::Entity::update_many()
            .col_expr(outbound_domain::Column::Approved, Expr::value(true))
            .filter(outbound_domain::Column::Id.is_in(ids))
            .exec(&*txn)
            .await?;
        for r in rows {
            let res = crate::monitoring::entity::finding::Entity::update_many()
                .col_expr(crate::monitoring::entity::finding::Column::Open, Expr::value(false))
                .col_expr(crate::monitoring::entity::finding::Column::ResolvedAt, Expr::value(Some(now)))
                .filter(crate::monitoring::entity::finding::Column::MonitorId.eq(r.monitor_id))
                .filter(crate::monitoring::entity::finding::Column::Open.eq(true))
                .filter(crate::monitoring::entity::finding::Column::Code.eq(FindingCode::ExternalLink))
                .filter(crate::monitoring::entity::finding::Column::Subject.eq(format!("external:{}", r.domain)))
                .exec(&*txn)
                .await?;
            resolved += res.rows_affected;
        }
    }
    audit::append_many(&*txn, now, &actor, changes).await?;
    let added = allow_views(&*txn, added).await?;
    txn.commit().await?;
    Ok(AllowOutcome { added, approved, resolved })
}

/// Remove an allow-list entry (the center). Audited; the inventory rows it
/// covered are reviewed again at once (pending unless another entry covers them).
pub async fn remove_allow(store: &Store, who: &Principal, id: i64) -> Result<()> {
    if !who.may(Permission::ManageMonitors) {
        return Err(CoreError::Forbidden);
    }
    let txn = store.begin_write().await?;
    let e = link_allow::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    link_allow::Entity::delete_by_id(id).exec(&*txn).await?;
    let entries = link_allow::Entity::find().all(&*txn).await?;
    let d = e.domain.clone();
    let covered = outbound_domain::Entity::find()
        .filter(covered_by(&d))
        .filter(outbound_domain::Column::Approved.eq(true))
        .all(&*txn)
        .await?;
    for r in covered {
        let lists: Vec<String> = entries
            .iter()
            .filter(|x| x.system_id.is_none() || x.system_id == Some(r.system_id))
            .map(|x| x.domain.clone())
            .collect();
        if !rules::allowed(&lists, &r.host) {
            outbound_domain::Entity::update_many()
                .col_expr(outbound_domain::Column::Approved, Expr::value(false))
                .filter(outbound_domain::Column::Id.eq(r.id))
                .exec(&*txn)
                .await?;
        }
    }
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change {
            action: "delete",
            entity: "link_allow",
            entity_id: id.to_string(),
            unit_id: None,
            before: Some(json!({"domain": e.domain, "system_id": e.system_id, "note": e.note})),
            after: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

// ---- 双非 and zombies ----

/// A 双非 site (非学校域名 / 非学校IP) with the officer's decision.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct OutsideView {
    pub system_id: i64,
    pub system_name: String,
    pub unit_id: i64,
    pub urls: Vec<String>,
    pub reasons: Vec<OutsideReason>,
    pub addresses: Vec<String>,
    pub decision: OutsideDecision,
    pub note: String,
    pub decided_by: String,
    pub checked_at: Option<DateTime<Utc>>,
}

fn outside_view(s: system::Model) -> OutsideView {
    OutsideView {
        system_id: s.id,
        unit_id: s.unit_id,
        urls: s.urls.lines().map(str::to_owned).collect(),
        reasons: s.outside_reasons.split(',').filter_map(OutsideReason::parse).collect(),
        addresses: s.outside_addresses.lines().map(str::to_owned).collect(),
        decision: s.outside_decision,
        note: s.outside_note,
        decided_by: s.outside_decided_by,
        checked_at: s.outside_checked_at,
        system_name: s.name,
    }
}

/// The 双非 sites in the caller's scope (undecided first).
pub async fn outside(store: &Store, who: &Principal) -> Result<Vec<OutsideView>> {
    let rows = system::Entity::find()
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .filter(system::Column::OutsideReasons.ne(""))
        .order_by_asc(system::Column::OutsideDecision)
        .order_by_asc(system::Column::Name)
        .limit(5000)
        .all(store.db())
        .await?;
    Ok(rows.into_iter().map(outside_view).collect())
}

/// A system's 双非 state, when it is one.
pub async fn outside_of(store: &Store, who: &Principal, system_id: i64) -> Result<Option<OutsideView>> {
    let s = system::Entity::find_by_id(system_id)
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .one(store.db())
        .await?
        .ok_or(CoreError::NotFound)?;
    Ok((!s.outside_reasons.is_empty()).then(|| outside_view(s)))
}

/// The officer's decision on a 双非 site.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutsideInput {
    /// `accepted` (with the reason: approved cloud hosting, a vendor platform) or `ordered_closed`.
    pub decision: OutsideDecision,
    #[schema(min_length = 1, max_length = 200)]
    pub note: String,
}

/// Decide on a 双非 site (the center). Audited.
pub async fn decide_outside(
    store: &Store,
    who: &Principal,
    system_id: i64,
    input: OutsideInput,
) -> Result<OutsideView> {
    let txn = store.begin_write().await?;
    let s = system::Entity::find_by_id(system_id)
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .one(&*txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    if !who.may(Permission::DecideEnforcement) {
        return Err(CoreError::Forbidden);
    }
    if s.outside_reasons.is_empty() {
        return Err(CoreError::Conflict("not_outside"));
    }
    if input.decision == OutsideDecision::Open {
        return Err(CoreError::invalid("decision", "unknown_choice"));
    }
    let note =
        crate::platform::common::clean(&input.note, 200).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    if note.is_empty() {
        return Err(CoreError::invalid("note", "required"));
    }
    let actor = Actor::from(who);
    let before = json!({"decision": s.outside_decision, "note": s.outside_note});
    let mut am: system::ActiveModel = s.clone().into();
    am.outside_decision = Set(input.decision);
    am.outside_note = Set(note.clone());
    am.outside_decided_by = Set(actor.name.clone());
    let s = am.update(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &actor,
        Change {
            action: "outside_decision",
            entity: "system",
            entity_id: system_id.to_string(),
            unit_id: Some(s.unit_id),
            before: Some(before),
            after: Some(json!({"decision": input.decision, "note": note, "reasons": s.outside_reasons})),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(outside_view(s))
}

/// The stale columns among the list pages `cond` selects: one row per column
/// (see `rules::column_key`), its newest page, when no page of it shows a
/// date after `cutoff`; oldest first.
async fn stale_columns<C: ConnectionTrait>(
    conn: &C,
    cond: Condition,
    cutoff: NaiveDate,
) -> Result<Vec<crawled_page::Model>> {
    let lists = crawled_page::Entity::find()
        .filter(cond)
        .filter(crawled_page::Column::DatedItems.gte(3))
        .filter(crawled_page::Column::NewestDate.is_not_null())
        .limit(200_000)
        .all(conn)
        .await?;
    let mut newest: HashMap<(i64, String), crawled_page::Model> = HashMap::new();
    for p in lists {
        let key = (p.monitor_id, rules::column_key(&p.url));
        match newest.get(&key) {
            Some(e) if e.newest_date >= p.newest_date => {}
            _ => {
                newest.insert(key, p);
            }
        }
    }
    let mut stale: Vec<crawled_page::Model> =
        newest.into_values().filter(|p| p.newest_date.is_some_and(|d| d <= cutoff)).collect();
    stale.sort_by_key(|p| (p.newest_date, p.id));
    Ok(stale)
}

/// A zombie site or column (not updated for `zombie_days`).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ZombieView {
    pub monitor_id: i64,
    pub system_id: i64,
    pub system_name: String,
    pub unit_id: i64,
    /// The site's address, or the column's page.
    pub url: String,
    /// A column (栏目) rather than the whole site.
    pub column: bool,
    pub title: String,
    pub updated_on: NaiveDate,
    pub days: i64,
    pub action: ZombieAction,
}

/// Zombie sites, then zombie columns, in the caller's scope (oldest first within each).
pub async fn zombies(store: &Store, who: &Principal, unit_id: Option<i64>) -> Result<Vec<ZombieView>> {
    let conn = store.db();
    let (today, days) = (today(store), store.sites_policy().zombie_days);
    let Some(cutoff) = today.checked_sub_signed(Duration::days(days)) else { return Ok(Vec::new()) };
    let mut cond = scope_condition(&who.scope(), monitor::Column::UnitId)
        .add(monitor::Column::SiteUpdatedOn.lte(cutoff))
        .add(monitor::Column::Retired.eq(false));
    if let Some(u) = unit_id {
        cond = cond.add(monitor::Column::UnitId.eq(u));
    }
    let sites =
        monitor::Entity::find().filter(cond).order_by_asc(monitor::Column::SiteUpdatedOn).limit(2000).all(conn).await?;
    let mut pcond = scope_condition(&who.scope(), crawled_page::Column::UnitId);
    if let Some(u) = unit_id {
        pcond = pcond.add(crawled_page::Column::UnitId.eq(u));
    }
    let mut columns = stale_columns(conn, pcond, cutoff).await?;
    columns.truncate(2000);
    let ids: Vec<i64> = sites
        .iter()
        .map(|m| m.system_id)
        .chain(columns.iter().map(|p| p.system_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let names: HashMap<i64, String> = system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .column(system::Column::Name)
        .filter(system::Column::Id.is_in(ids))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for m in sites {
        let Some(u) = m.site_updated_on else { continue };
        out.push(ZombieView {
            monitor_id: m.id,
            system_id: m.system_id,
            system_name: names.get(&m.system_id).cloned().unwrap_or_default(),
            unit_id: m.unit_id,
            url: m.url,
            column: false,
            title: String::new(),
            updated_on: u,
            days: (today - u).num_days(),
            action: rules::zombie_action(u, today),
        });
    }
    for p in columns {
        let Some(u) = p.newest_date else { continue };
        out.push(ZombieView {
            monitor_id: p.monitor_id,
            system_id: p.system_id,
            system_name: names.get(&p.system_id).cloned().unwrap_or_default(),
            unit_id: p.unit_id,
            url: p.url,
            column: true,
            title: p.title,
            updated_on: u,
            days: (today - u).num_days(),
            action: rules::zombie_action(u, today),
        });
    }
    Ok(out)
}

/// The scorecard's facts of the whole site, per unit: each crawled site is
/// one (kept up: neither a zombie site nor with a zombie column), each 双非
/// site another (decided by the center).
pub async fn scorecard_facts<C: ConnectionTrait>(store: &Store, conn: &C) -> Result<Vec<(i64, bool)>> {
    let (today, days) = (today(store), store.sites_policy().zombie_days);
    let cutoff = today.checked_sub_signed(Duration::days(days)).unwrap_or(today);
    let stale: HashSet<i64> =
        stale_columns(conn, Condition::all(), cutoff).await?.into_iter().map(|p| p.monitor_id).collect();
    let crawled: Vec<(i64, i64, Option<NaiveDate>)> = monitor::Entity::find()
        .select_only()
        .column(monitor::Column::Id)
        .column(monitor::Column::UnitId)
        .column(monitor::Column::SiteUpdatedOn)
        .filter(monitor::Column::CrawledAt.is_not_null())
        .filter(monitor::Column::Retired.eq(false))
        .into_tuple()
        .all(conn)
        .await?;
    let mut facts: Vec<(i64, bool)> = crawled
        .into_iter()
        .map(|(id, unit, updated)| (unit, !rules::is_zombie(updated, today, days) && !stale.contains(&id)))
        .collect();
    let outside: Vec<(i64, OutsideDecision)> = system::Entity::find()
        .select_only()
        .column(system::Column::UnitId)
        .column(system::Column::OutsideDecision)
        .filter(system::Column::OutsideReasons.ne(""))
        .into_tuple()
        .all(conn)
        .await?;
    facts.extend(outside.into_iter().map(|(unit, d)| (unit, d.is_decided())));
    Ok(facts)
}

/// The whole site's figures for the dashboard, in the caller's scope.
#[derive(Debug, Clone, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SiteFigures {
    /// 双非 sites not yet decided.
    pub outside_open: u64,
    pub zombie_sites: u64,
    pub zombie_columns: u64,
    /// Outbound domains on no list.
    pub outbound_pending: u64,
}

pub async fn figures(store: &Store, who: &Principal) -> Result<SiteFigures> {
    let conn = store.db();
    let (today, days) = (today(store), store.sites_policy().zombie_days);
    let cutoff = today.checked_sub_signed(Duration::days(days)).unwrap_or(today);
    let outside_open = system::Entity::find()
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .filter(system::Column::OutsideReasons.ne(""))
        .filter(system::Column::OutsideDecision.eq(OutsideDecision::Open))
        .count(conn)
        .await?;
    let zombie_sites = monitor::Entity::find()
        .filter(scope_condition(&who.scope(), monitor::Column::UnitId))
        .filter(monitor::Column::SiteUpdatedOn.lte(cutoff))
        .filter(monitor::Column::Retired.eq(false))
        .count(conn)
        .await?;
    let zombie_columns =
        stale_columns(conn, scope_condition(&who.scope(), crawled_page::Column::UnitId), cutoff).await?.len() as u64;
    let outbound_pending = outbound_domain::Entity::find()
        .filter(scope_condition(&who.scope(), outbound_domain::Column::UnitId))
        .filter(outbound_domain::Column::Approved.eq(false))
        .filter(outbound_domain::Column::Present.eq(true))
        .count(conn)
        .await?;
    Ok(SiteFigures { outside_open, zombie_sites, zombie_columns, outbound_pending })
}
