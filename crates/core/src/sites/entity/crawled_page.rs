use sea_orm::entity::prelude::*;

/// A page a site's crawl visited, with what it was found to be.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "crawled_pages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub monitor_id: i64,
    pub system_id: i64,
    pub unit_id: i64,
    pub url: String,
    pub depth: i32,
    pub status_code: Option<i32>,
    pub error: String,
    pub title: String,
    /// The validators of the last answer, for the next conditional request.
    pub etag: String,
    pub last_modified: String,
    /// `Last-Modified` as a date.
    pub modified_on: Option<Date>,
    /// The newest date on the page; a list page (栏目) has `dated_items` ≥ 3.
    pub newest_date: Option<Date>,
    pub dated_items: i32,
    /// Marked by an officer as a key page (栏目首页): tampering baselines too.
    pub key_page: bool,
    /// Open findings on the page at the last crawl.
    pub findings: i32,
    /// External domains it links to.
    pub outbound: i32,
    /// A key page's accepted fingerprint (JSON; empty until the first crawl after marking).
    #[sea_orm(column_type = "Text")]
    pub baseline: String,
    pub first_seen_at: DateTimeUtc,
    pub crawled_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
