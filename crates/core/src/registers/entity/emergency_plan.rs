use sea_orm::entity::prelude::*;

/// An emergency plan (应急预案): a unit's, or the university-wide plan kept by the center (no unit).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "emergency_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: Option<i64>,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub scenarios: String,
    #[sea_orm(column_type = "Text")]
    pub contacts: String,
    #[sea_orm(column_type = "Text")]
    pub escalation: String,
    pub reviewed_on: Date,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
