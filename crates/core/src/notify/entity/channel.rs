use sea_orm::entity::prelude::*;

/// Where a unit, a person or the center wants its notifications.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `unit`, `person` or `center`.
    pub owner_kind: crate::notify::ChannelOwner,
    /// The unit or person id; `None` for the center.
    pub owner_id: Option<i64>,
    /// `email`, `wecom`, `dingtalk`, `feishu`, `webhook`.
    pub kind: crate::notify::ChannelKind,
    pub label: String,
    /// An email address or a webhook URL.
    #[sea_orm(column_type = "Text")]
    pub target: String,
    /// The signing secret of a DingTalk / Feishu robot or a webhook; never shown.
    pub secret: String,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
