use crate::inspections::SubmissionState;
use sea_orm::entity::prelude::*;

/// One targeted unit's part of a campaign: its submission and approval.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    pub unit_id: i64,
    pub state: SubmissionState,
    pub submitted_by: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub approved_by: String,
    pub approved_at: Option<DateTimeUtc>,
    /// The unit's note with its submission, or the head's reason for sending it back.
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// The last day a reminder went out (one a day).
    pub reminded_on: Option<Date>,
    /// The due date passed before approval (a `no_inspection` violation was proposed).
    pub missed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
