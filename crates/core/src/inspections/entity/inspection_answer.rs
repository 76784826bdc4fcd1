use crate::inspections::Answer;
use sea_orm::entity::prelude::*;

/// A unit's answer to one item for one system, and the center's on-site
/// verification (现场核查) of it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inspection_answers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    pub unit_id: i64,
    pub system_id: i64,
    pub item_key: String,
    pub answer: Answer,
    #[sea_orm(column_type = "Text")]
    pub comment: String,
    /// Attachment ids of the evidence, one per line.
    #[sea_orm(column_type = "Text")]
    pub evidence: String,
    pub answered_by: String,
    pub answered_at: DateTimeUtc,
    pub verified_answer: Option<Answer>,
    #[sea_orm(column_type = "Text")]
    pub verified_comment: String,
    pub verified_by: String,
    pub verified_at: Option<DateTimeUtc>,
    /// The notice opened from this finding.
    pub notice_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
