use sea_orm::entity::prelude::*;

/// One of a unit's management rules (§二(二)) or its overall security plan (§二(一)): one per kind.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "policies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: i64,
    pub kind: crate::registers::PolicyKind,
    pub title: String,
    pub approved_on: Date,
    pub review_on: Option<Date>,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
