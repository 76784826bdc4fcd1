use sea_orm::entity::prelude::*;

/// One version of a checklist (检查表). A new version is a new row; a
/// campaign points at the row it was launched with.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "checklists")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The name every version shares, e.g. `self_inspection`.
    pub family: String,
    pub version: i32,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The items, as a JSON array of `ChecklistItem`.
    #[sea_orm(column_type = "Text")]
    pub items: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
