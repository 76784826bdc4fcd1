use sea_orm::entity::prelude::*;

/// An external domain a site links to (a row of the outbound-link inventory, 外链台账).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbound_domains")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub monitor_id: i64,
    pub system_id: i64,
    pub unit_id: i64,
    /// The registrable part of the host (`moe.gov.cn`).
    pub domain: String,
    pub host: String,
    #[sea_orm(column_type = "Text")]
    pub href: String,
    /// A link to it was hidden from visitors at the last crawl that saw it.
    pub hidden: bool,
    pub link_text: String,
    /// The first pages linking to it, one per line.
    #[sea_orm(column_type = "Text")]
    pub pages: String,
    pub page_count: i32,
    /// Seen by the last crawl (else kept as history).
    pub present: bool,
    /// Covered by the institution's or the site's allow-list.
    pub approved: bool,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
