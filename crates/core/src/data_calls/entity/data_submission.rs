use sea_orm::entity::prelude::*;

/// One submitted version of a unit's answers: never changed once written.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_submissions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub data_call_id: i64,
    pub unit_id: i64,
    /// 1 for the first submission, then one more per correction.
    pub version: i32,
    /// The answers by field key, as a JSON object (a file field holds attachment ids).
    #[sea_orm(column_type = "Text")]
    pub values: String,
    /// Why it was corrected (empty for the first version).
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
