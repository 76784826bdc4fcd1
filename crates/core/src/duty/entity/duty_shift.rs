use sea_orm::entity::prelude::*;

/// A shift: who is on duty, from when to when, for a unit (or the center: no unit).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "duty_shifts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub unit_id: Option<i64>,
    pub person_id: i64,
    /// The phone to call on this shift (the person's, unless another is given).
    pub phone: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    pub note: String,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
