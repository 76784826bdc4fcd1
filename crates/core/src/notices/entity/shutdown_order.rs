use sea_orm::entity::prelude::*;

/// An order to take a system offline (责令关停) after a missed deadline:
/// proposed by the ladder, issued (or withdrawn) by an officer, verified by
/// the monitor while it stands.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shutdown_orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub system_id: i64,
    pub rectification_id: i64,
    pub unit_id: i64,
    /// The system's stage when the order was given.
    pub stage_before: String,
    /// When the ladder proposed it (or, for an order issued at once, issued it).
    pub ordered_at: DateTimeUtc,
    pub lifted_at: Option<DateTimeUtc>,
    pub state: crate::notices::ShutdownOrderState,
    /// The notice's number, e.g. 〔2026〕第003号 (given when issued).
    pub number: String,
    /// Who issued or withdrew it, when and why.
    pub decided_by: String,
    pub decided_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub note: String,
    /// The monitor's last look at the site while the order stands.
    pub verified_at: Option<DateTimeUtc>,
    pub verified_online: Option<bool>,
    #[sea_orm(column_type = "Text")]
    pub verification: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
