use sea_orm::entity::prelude::*;

/// A protection measure (安全防护措施) deployed for a system, one per kind.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "protections")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub system_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: crate::registry::ProtectionKind,
    pub product: String,
    pub since: Option<Date>,
    pub notes: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
