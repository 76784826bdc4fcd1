use sea_orm::entity::prelude::*;

/// A line of a unit's security budget for a year (§四(五)); amounts in cents of yuan.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "budget_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub year: i32,
    pub category: crate::registers::BudgetCategory,
    pub planned_cents: i64,
    pub spent_cents: i64,
    pub special_fund: bool,
    pub note: String,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
