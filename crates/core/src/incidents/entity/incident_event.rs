use sea_orm::entity::prelude::*;

/// A line of an incident's timeline.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub incident_id: i64,
    pub kind: crate::incidents::EventKind,
    pub at: DateTimeUtc,
    pub by_user: String,
    #[sea_orm(column_type = "Text")]
    pub text: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
