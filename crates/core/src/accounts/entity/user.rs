use sea_orm::entity::prelude::*;

/// A login account; optionally tied to a person.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub person_id: Option<i64>,
    pub password_hash: String,
    pub must_change_password: bool,
    pub locale: String,
    pub failed_logins: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// The TOTP secret (hex), set when enrolment starts.
    pub totp_secret: Option<String>,
    /// When the secret was confirmed by a code: from then on sign-in asks for one.
    pub totp_enabled_at: Option<DateTimeUtc>,
    /// The last time step whose code was accepted (a code is good once).
    pub totp_last_step: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
