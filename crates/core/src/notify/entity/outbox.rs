use sea_orm::entity::prelude::*;

/// One message to one channel, written in the transaction of the change
/// that caused it and delivered later by the delivery worker.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What happened, e.g. `notice_assigned`, `reminder`, `overdue`, `shutdown`.
    pub event: String,
    pub unit_id: Option<i64>,
    pub subject: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// A path in the platform (e.g. `/rectifications/12`).
    pub link: String,
    pub channel_id: Option<i64>,
    pub kind: crate::notify::ChannelKind,
    #[sea_orm(column_type = "Text")]
    pub target: String,
    /// `queued`, `sent`, `failed`.
    pub status: crate::notify::DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    /// A worker holds the message until then.
    pub leased_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub last_error: String,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
