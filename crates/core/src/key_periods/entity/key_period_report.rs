use sea_orm::entity::prelude::*;

/// A unit's daily report for a day of a key period.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_period_reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub key_period_id: i64,
    pub unit_id: i64,
    pub day: Date,
    /// 零报告: nothing happened.
    pub zero: bool,
    #[sea_orm(column_type = "Text")]
    pub content: String,
    pub submitted_by: String,
    pub submitted_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
