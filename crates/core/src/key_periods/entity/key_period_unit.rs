use sea_orm::entity::prelude::*;

/// A unit under a key period, and the last day it was chased for its report.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_period_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key_period_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_id: i64,
    pub chased_on: Option<Date>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
