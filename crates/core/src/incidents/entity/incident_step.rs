use sea_orm::entity::prelude::*;

/// A step of the clock, done: when (as the person states it) and who recorded it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_steps")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub incident_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub step: crate::incidents::IncidentStep,
    pub done_at: DateTimeUtc,
    pub done_by: String,
    /// To whom, by what means, the receipt number.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
