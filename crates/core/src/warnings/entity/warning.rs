use sea_orm::entity::prelude::*;

/// An early warning (预警) as the center published it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "warnings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub severity: crate::notices::Severity,
    pub source: crate::warnings::WarningSource,
    /// The bulletin's number (CNVD-2026-12345, 教技厅函〔2026〕…).
    pub reference: String,
    /// Affected products and versions, one per line.
    #[sea_orm(column_type = "Text")]
    pub products: String,
    /// Tech-stack tags it concerns, one per line (matched against systems' tags).
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub advice: String,
    pub targeting: crate::warnings::Targeting,
    /// When the units should have acknowledged it.
    pub ack_due_at: DateTimeUtc,
    pub published_by: String,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
