use sea_orm::entity::prelude::*;

/// A risk or vulnerability notice (通报/漏洞通知) about one or more systems.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `moe`, `provincial_edu`, `city_cac`, `edusrc`, `police`, `monitoring`, `inspection`, `other`.
    pub source: crate::notices::NoticeSource,
    /// The source's own reference number.
    pub reference: String,
    pub received_at: DateTimeUtc,
    pub title: String,
    pub vuln_type: String,
    /// `critical`, `high`, `medium`, `low`.
    pub severity: crate::notices::Severity,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    pub deadline: DateTimeUtc,
    /// `open` until every rectification is closed, then `closed`.
    pub status: crate::notices::NoticeStatus,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
