use sea_orm::entity::prelude::*;

/// A campaign launched on a schedule (the yearly self-inspection, the
/// pre-holiday checks), for every unit with the newest version of a checklist.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_schedules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub checklist_family: String,
    /// `yearly:MM-DD` or `before:national_day|spring_festival:N` (`Recurrence`).
    pub rule: String,
    /// Days from launch to the due date.
    pub due_days: i32,
    pub active: bool,
    pub last_launched_on: Option<Date>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
