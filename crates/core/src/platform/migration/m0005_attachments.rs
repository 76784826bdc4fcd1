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
                .table("attachments")
                .col(big_pk_auto("id"))
                .col(string("sha256"))
                .col(string("file_name"))
                .col(string("content_type"))
                .col(big_integer("size"))
                .col(big_integer_null("uploaded_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        // SQLite cannot add a foreign key by ALTER: the service keeps the reference whole.
        m.alter_table(
            Table::alter().table("mlps_evaluations").add_column(big_integer_null("report_attachment_id")).to_owned(),
        )
        .await
    }
}
