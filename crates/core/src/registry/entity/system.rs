use crate::registry::{FilingStatus, Hosting, Stage, SystemKind};
use sea_orm::entity::prelude::*;

/// An information system or website (信息系统/网站). Lists (URLs, addresses,
/// tags) are stored one per line; `evaluation_due_on` is kept up to date from
/// the MLPS record so that "overdue" is a plain SQL filter.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "systems")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Owner unit (主管单位).
    pub unit_id: i64,
    pub name: String,
    pub kind: SystemKind,
    #[sea_orm(column_type = "Text")]
    pub urls: String,
    #[sea_orm(column_type = "Text")]
    pub ips: String,
    pub internet_facing: bool,
    pub important: bool,
    /// Operator (运维): a unit, or an outside vendor.
    pub operator_unit_id: Option<i64>,
    pub operator_vendor: String,
    pub operator_contact: String,
    /// Users (使用).
    pub users: String,
    pub hosting: Hosting,
    #[sea_orm(column_type = "Text")]
    pub tags: String,
    #[sea_orm(column_type = "Text")]
    pub notes: String,
    pub stage: Stage,
    /// The stage to return to when a shutdown order is lifted. Kept as its
    /// word: rows written by earlier releases may hold an empty one; read it
    /// with `Stage::parse`.
    pub stage_before_shutdown: Option<String>,
    pub filing_status: FilingStatus,
    pub public_security_no: String,
    pub icp_no: String,
    pub filed_on: Option<Date>,
    pub mlps_level: Option<i32>,
    pub mlps_graded_on: Option<Date>,
    pub mlps_filing_no: String,
    pub mlps_filed_on: Option<Date>,
    pub evaluation_due_on: Option<Date>,
    /// The day the system first went online (the MLPS filing clock counts from it).
    pub went_online_on: Option<Date>,
    /// When the MLPS filing number is due (art. 15); `None` once filed or when none is needed.
    pub mlps_filing_due_on: Option<Date>,
    /// The last day the unit was reminded of this system's filings (one reminder a day).
    pub reminded_on: Option<Date>,
    /// The last gate override: who, why (shown on the system's page).
    #[sea_orm(column_type = "Text")]
    pub override_note: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// 双非: why the site is outside the institution (`domain`, `address`,
    /// comma-separated; empty: inside), the addresses its host resolved to
    /// (one per line), what the officer decided and why, and when it was last looked at.
    pub outside_reasons: String,
    #[sea_orm(column_type = "Text")]
    pub outside_addresses: String,
    pub outside_decision: crate::sites::OutsideDecision,
    pub outside_note: String,
    pub outside_decided_by: String,
    pub outside_checked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
