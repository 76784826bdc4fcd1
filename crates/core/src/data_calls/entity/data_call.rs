use sea_orm::entity::prelude::*;

/// A data call: the form, its deadline, open or closed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_calls")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The form's fields, as a JSON array of `FormField`.
    #[sea_orm(column_type = "Text")]
    pub fields: String,
    pub due_on: Date,
    pub state: crate::data_calls::DataCallState,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
