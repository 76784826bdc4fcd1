//! The content memo (issue 18's speed): each monitor keeps the key of the
//! page its last check analysed, so that a page unchanged byte for byte is
//! not analysed again (`wangan_monitor::check::Memo`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("monitors").add_column(string_null("content_key")).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("monitors").drop_column("content_key").to_owned()).await
    }
}
