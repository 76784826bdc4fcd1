use sea_orm::entity::prelude::*;

/// One unit's work on a notice for one system (整改), ending in the
/// rectification report (风险整改报告).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub notice_id: i64,
    pub system_id: i64,
    /// The system's owner unit when the notice was assigned.
    pub unit_id: i64,
    /// Copied from the notice, so lists filter without a join.
    pub severity: crate::notices::Severity,
    pub status: crate::notices::RectificationStatus,
    /// When the center issued it to the unit (下发); the deadline counts from it.
    pub assigned_at: DateTimeUtc,
    /// The report's number, e.g. 〔2026〕第015号.
    pub report_no: String,
    pub deadline: DateTimeUtc,
    /// The last rung of the escalation ladder reached (0: none).
    pub escalation_step: i32,
    /// When the next rung is due; `None` when the ladder is paused or done.
    pub next_escalation_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub report_vulnerability: String,
    #[sea_orm(column_type = "Text")]
    pub report_cause: String,
    #[sea_orm(column_type = "Text")]
    pub report_measures: String,
    #[sea_orm(column_type = "Text")]
    pub report_verification: String,
    #[sea_orm(column_type = "Text")]
    pub report_remaining_risk: String,
    /// 是否已下线进行线下修复.
    pub report_offline_repair: bool,
    /// 整改完成时间.
    pub report_completed_on: Option<Date>,
    pub report_submitted_at: Option<DateTimeUtc>,
    pub report_submitted_by: String,
    pub approved_at: Option<DateTimeUtc>,
    pub approved_by: String,
    pub reviewed_at: Option<DateTimeUtc>,
    pub reviewed_by: String,
    #[sea_orm(column_type = "Text")]
    pub review_comment: String,
    pub closed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
