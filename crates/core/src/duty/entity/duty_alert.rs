use sea_orm::entity::prelude::*;

/// An alert on its ladder: sent to the rung's people, escalated at
/// `escalate_at` unless acknowledged.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duty_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub system_id: Option<i64>,
    pub event: String,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub link: String,
    pub rung: crate::duty::AlertRung,
    /// The person on duty it went to first.
    pub person_id: Option<i64>,
    pub state: crate::duty::AlertState,
    pub raised_at: DateTimeUtc,
    pub escalate_at: Option<DateTimeUtc>,
    pub acknowledged_by: String,
    pub acknowledged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
