use sea_orm::entity::prelude::*;

/// A key period (重保期).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "key_periods")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub kind: crate::key_periods::PeriodKind,
    pub starts_on: Date,
    pub ends_on: Date,
    /// The daily report is due by this minute of the day (local time; 17:00 = 1020).
    pub report_by_minute: i32,
    /// The monitoring interval for the units' sites during the period.
    pub interval_s: i32,
    /// The last day whose summary was sent to the center.
    pub summarized_on: Option<Date>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
