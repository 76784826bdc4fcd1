use sea_orm::entity::prelude::*;

/// A monitor's checks in one hour, for uptime and latency over 7 and 30 days.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "monitor_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub monitor_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub hour: DateTimeUtc,
    pub checks: i32,
    pub failures: i32,
    pub latency_sum: i64,
    pub latency_max: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
