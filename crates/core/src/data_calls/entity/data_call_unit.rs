use sea_orm::entity::prelude::*;

/// A unit a data call was sent to.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_call_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub data_call_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: i64,
    /// The last day a reminder went out.
    pub reminded_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
