use sea_orm::entity::prelude::*;

/// An improvement action found by a drill: its owner and due date, and when it was done.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "drill_actions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub drill_id: i64,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub owner_person_id: i64,
    pub due_on: Date,
    pub done_by: String,
    pub done_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub done_note: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
