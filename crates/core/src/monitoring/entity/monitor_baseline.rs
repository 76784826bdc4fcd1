use sea_orm::entity::prelude::*;

/// An accepted state of a monitored page: the fingerprint compared on every
/// check (JSON) and the text blocks shown in diffs. Every acceptance is a
/// row; the monitor points at the current one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monitor_baselines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub monitor_id: i64,
    #[sea_orm(column_type = "Text")]
    pub fingerprint: String,
    /// The page's visible text blocks, one per line.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub accepted_by: String,
    pub note: String,
    pub accepted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
