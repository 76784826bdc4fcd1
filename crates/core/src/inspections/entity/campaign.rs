use crate::inspections::CampaignState;
use sea_orm::entity::prelude::*;

/// An inspection campaign (检查工作): a checklist version sent to units with a due date.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub checklist_id: i64,
    pub due_on: Date,
    pub state: CampaignState,
    /// The chosen systems' ids, one per line; empty: every system of the
    /// targeted units that is not planned or closed.
    #[sea_orm(column_type = "Text")]
    pub systems: String,
    pub schedule_id: Option<i64>,
    pub launched_by: String,
    pub launched_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
