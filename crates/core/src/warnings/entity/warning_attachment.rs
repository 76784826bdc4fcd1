use sea_orm::entity::prelude::*;

/// A file published with a warning (the bulletin itself).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "warning_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub warning_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub attachment_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
