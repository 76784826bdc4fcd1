use sea_orm::entity::prelude::*;

/// A request to provide personal data outside the university, and the two decisions on it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub system_id: Option<i64>,
    pub recipient: String,
    #[sea_orm(column_type = "Text")]
    pub purpose: String,
    #[sea_orm(column_type = "Text")]
    pub fields: String,
    #[sea_orm(column_type = "Text")]
    pub legal_basis: String,
    pub state: crate::registers::RequestState,
    pub requested_by: String,
    pub requested_at: DateTimeUtc,
    pub leader_by: String,
    pub leader_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub leader_note: String,
    pub center_by: String,
    pub center_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub center_note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
