use sea_orm::entity::prelude::*;

/// An accountable behaviour (责任追究) of §三(四) recorded against a unit.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "violations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    /// One of the six behaviours of §三(四), e.g. `refused_rectification`.
    pub category: crate::notices::ViolationCategory,
    /// The word an earlier release stored, when the category was mapped from it.
    pub legacy_category: String,
    /// Proposed by a rule or a person; confirmed or dismissed by an officer.
    pub state: crate::notices::ViolationState,
    pub decided_by: String,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub decision_note: String,
    pub system_id: Option<i64>,
    pub rectification_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// A user name, or `escalation` when the rules raised it.
    pub raised_by: String,
    pub occurred_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    /// The fact a rule saw (`not_filed:system:12`); empty when a person proposed it.
    /// A rule proposes once per fact; a corrected fact may be proposed again when it recurs.
    pub rule_key: String,
    /// The correction deadline (责令限期改正), set on confirmation.
    pub correct_by: Option<Date>,
    /// When the facts were found corrected (by the rules, or recorded by a person).
    pub corrected_at: Option<DateTimeUtc>,
    /// The notice of criticism (通报批评) issued for it: its number, who, when.
    pub criticism_no: String,
    pub criticized_by: String,
    pub criticized_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
