use sea_orm::entity::prelude::*;

/// One targeted unit's part of a warning: its acknowledgement and answer.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "warning_units")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub warning_id: i64,
    pub unit_id: i64,
    pub state: crate::warnings::AckState,
    /// The unit's systems whose tags matched (ids, one per line), as a hint.
    #[sea_orm(column_type = "Text")]
    pub matched_systems: String,
    pub acknowledged_by: String,
    pub acknowledged_at: Option<DateTimeUtc>,
    /// The unit's answer: affected or not (none until it answers).
    pub affected: Option<bool>,
    /// The affected systems' ids, one per line.
    #[sea_orm(column_type = "Text")]
    pub systems: String,
    /// What the unit did.
    #[sea_orm(column_type = "Text")]
    pub measures: String,
    pub answered_by: String,
    pub answered_at: Option<DateTimeUtc>,
    /// The reminder rungs passed (0: none yet).
    pub escalation_step: i32,
    pub next_reminder_at: Option<DateTimeUtc>,
    /// The notice opened from an affected answer.
    pub notice_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
