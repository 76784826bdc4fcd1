use sea_orm::entity::prelude::*;

/// A request to hand a shift to someone else, and its decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duty_swaps")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub shift_id: i64,
    pub from_person_id: i64,
    pub to_person_id: i64,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub state: crate::duty::SwapState,
    pub requested_by: String,
    pub requested_at: DateTimeUtc,
    pub decided_by: String,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
