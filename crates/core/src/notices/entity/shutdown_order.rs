use sea_orm::entity::prelude::*;

/// An order to take a system offline (关停) after a missed deadline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shutdown_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub system_id: i64,
    pub rectification_id: i64,
    pub unit_id: i64,
    /// The system's stage when the order was given.
    pub stage_before: String,
    pub ordered_at: DateTimeUtc,
    pub lifted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
