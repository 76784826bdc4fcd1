use sea_orm::entity::prelude::*;

/// A person's professional certificate, its expiry and the last reminder.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub person_id: i64,
    pub kind: crate::registers::CertificateKind,
    pub name: String,
    pub number: String,
    pub issued_on: Option<Date>,
    pub expires_on: Option<Date>,
    pub reminded_on: Option<Date>,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
