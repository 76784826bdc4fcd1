use sea_orm::entity::prelude::*;

/// A unit's request to put a system online (上线申请), approved by the center
/// after it has checked the filing certificate.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "golive_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub system_id: i64,
    pub unit_id: i64,
    pub state: crate::registry::GoLiveState,
    pub requested_by: String,
    pub requested_at: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// The filing certificate (备案证明), required for internet-facing systems.
    pub certificate_attachment_id: Option<i64>,
    pub decided_by: String,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
