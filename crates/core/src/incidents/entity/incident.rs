use sea_orm::entity::prelude::*;

/// A security incident.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incidents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub kind: crate::incidents::IncidentKind,
    /// The grade a person set (none until then).
    pub grade: Option<crate::incidents::IncidentGrade>,
    /// The grade the platform suggests from the facts.
    pub suggested_grade: crate::incidents::IncidentGrade,
    pub source: crate::incidents::IncidentSource,
    pub finding_id: Option<i64>,
    pub notice_id: Option<i64>,
    pub detected_at: DateTimeUtc,
    pub homepage: bool,
    pub hours_visible: i32,
    pub records_affected: i64,
    /// A system concerned is critical information infrastructure.
    pub cii: bool,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    #[sea_orm(column_type = "Text")]
    pub impact: String,
    #[sea_orm(column_type = "Text")]
    pub cause: String,
    #[sea_orm(column_type = "Text")]
    pub measures: String,
    #[sea_orm(column_type = "Text")]
    pub contacts: String,
    pub state: crate::incidents::IncidentState,
    /// The accountability record a major incident raised.
    pub violation_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub closed_by: String,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
