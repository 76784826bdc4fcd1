//! Scheduled backups (issue 19): one row a day's backup, claimed by the
//! first node to start it (the day is unique), finished with its size or
//! the reason it failed — what the status page shows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("backups")
                .col(big_pk_auto("id"))
                .col(string_uniq("slot"))
                .col(string("node"))
                .col(string("file"))
                .col(timestamp_with_time_zone("started_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .col(boolean("ok"))
                .col(big_integer_null("bytes"))
                .col(string("detail"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("backups").to_owned()).await
    }
}
