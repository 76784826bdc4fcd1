use sea_orm::entity::prelude::*;

/// One monitored URL of a system (监测). `managed` monitors are created and
/// kept in step with the registry; `retired` ones lost their URL or system
/// and are paused, their history kept.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monitors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub system_id: i64,
    /// The system's owner unit, copied so scoped lists need no join.
    pub unit_id: i64,
    pub url: String,
    pub managed: bool,
    pub retired: bool,
    pub interval_s: i32,
    pub timeout_s: i32,
    /// Comma-separated check names (`availability,tamper,...`).
    pub checks: String,
    /// CSS selectors of dynamic parts, one per line.
    #[sea_orm(column_type = "Text")]
    pub exclude: String,
    pub tamper_percent: i32,
    pub paused: bool,
    /// `pending`, `up`, `degraded`, `down`, `denied`.
    pub status: crate::monitoring::Health,
    pub consecutive_failures: i32,
    pub down_since: Option<DateTimeUtc>,
    pub last_checked_at: Option<DateTimeUtc>,
    pub last_latency_ms: Option<i32>,
    pub last_status_code: Option<i32>,
    pub last_error: String,
    pub header_score: Option<i32>,
    pub last_tls_at: Option<DateTimeUtc>,
    pub last_exposure_at: Option<DateTimeUtc>,
    pub baseline_id: Option<i64>,
    pub next_check_at: DateTimeUtc,
    pub leased_until: Option<DateTimeUtc>,
    pub leased_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The whole site: the last crawl, the next, its lease, the site's own page budget.
    pub crawled_at: Option<DateTimeUtc>,
    pub next_crawl_at: Option<DateTimeUtc>,
    pub crawl_leased_until: Option<DateTimeUtc>,
    pub crawl_pages: Option<i32>,
    /// Pages the last crawl visited.
    pub crawled_count: i32,
    /// The newest date the last crawl found on the site (zombie when old).
    pub site_updated_on: Option<Date>,
    /// When a spider, search-visitor or phone view was last fetched.
    pub views_at: Option<DateTimeUtc>,
    /// The content memo's key of the page the last check analysed.
    pub content_key: Option<String>,
    /// The findings memo's key: what the last recorded check left open
    /// (forgotten by a trigger at any write to the monitor's findings).
    pub findings_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
