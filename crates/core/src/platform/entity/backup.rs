use sea_orm::entity::prelude::*;

/// One day's scheduled backup: claimed (its `slot`, the day, is unique),
/// then finished with its size or why it failed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "backups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The local day it belongs to, `YYYY-MM-DD`.
    #[sea_orm(unique)]
    pub slot: String,
    /// The node that made it.
    pub node: String,
    /// Where it was written.
    pub file: String,
    pub started_at: DateTimeUtc,
    /// `None` while it runs (or when its node stopped during it).
    pub finished_at: Option<DateTimeUtc>,
    pub ok: bool,
    pub bytes: Option<i64>,
    /// Why it failed, in the operator's words (empty when it did not).
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
