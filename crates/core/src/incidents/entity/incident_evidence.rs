use sea_orm::entity::prelude::*;

/// A piece of evidence: the file, its SHA-256 as collected, who collected it and when.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incident_evidence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub incident_id: i64,
    pub attachment_id: i64,
    pub sha256: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub collected_by: String,
    pub collected_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
