use sea_orm::entity::prelude::*;

/// An emergency drill (应急演练): a unit's, or a university-wide one (no unit).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drills")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: Option<i64>,
    pub held_on: Date,
    pub scenario: String,
    #[sea_orm(column_type = "Text")]
    pub participants: String,
    #[sea_orm(column_type = "Text")]
    pub what_happened: String,
    #[sea_orm(column_type = "Text")]
    pub problems: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
