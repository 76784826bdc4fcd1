use sea_orm::entity::prelude::*;

/// A file kept with a plan, a drill or a rule (`record_kind`: `plan`, `drill`, `policy`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "register_files")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub record_kind: String,
    pub record_id: i64,
    pub attachment_id: i64,
    pub added_by: String,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
