use sea_orm::entity::prelude::*;

/// A line of the handover log (交接班记录).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duty_handovers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: Option<i64>,
    pub shift_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    pub written_by: String,
    pub written_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
