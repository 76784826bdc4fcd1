use sea_orm::entity::prelude::*;

/// The outcome of one check of a monitor (for uptime and latency history).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monitor_checks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub monitor_id: i64,
    pub checked_at: DateTimeUtc,
    /// `up`, `degraded`, `down`, `denied`.
    pub health: crate::monitoring::Health,
    pub status_code: Option<i32>,
    pub latency_ms: Option<i32>,
    pub error: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
