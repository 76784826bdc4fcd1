use sea_orm::entity::prelude::*;

/// An MLPS evaluation (等级测评) of a system.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mlps_evaluations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub system_id: i64,
    pub agency: String,
    pub evaluated_on: Date,
    /// `pass`, `basic_pass`, `fail`.
    pub result: crate::registry::EvaluationResult,
    pub score: Option<f64>,
    /// Rectification items (整改项) found, one per line.
    #[sea_orm(column_type = "Text")]
    pub rectification_items: String,
    /// The evaluation report (测评报告), an attachment.
    pub report_attachment_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
