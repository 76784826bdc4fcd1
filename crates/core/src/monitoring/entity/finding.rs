use sea_orm::entity::prelude::*;

/// What a check found on a monitored site. One open finding per monitor,
/// check and subject; it resolves when a later check no longer sees it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "findings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub monitor_id: i64,
    pub system_id: i64,
    pub unit_id: i64,
    /// `availability`, `tamper`, `hidden_links`, `certificate`, `headers`, `icp`, `exposure`.
    pub check_name: crate::monitoring::Check,
    pub subject: String,
    pub code: crate::monitoring::FindingCode,
    pub severity: crate::monitoring::FindingSeverity,
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// JSON.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    pub open: bool,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    /// The notice this finding opened, if it was serious.
    pub notice_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
