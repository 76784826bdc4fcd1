//! Campus fit (issue 19): a person's staff number (工号), by which the
//! campus identity service (CAS, OIDC) names them, unique where given; and
//! the identity service's own session on a browser session, so that its
//! single logout can end ours.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("people").add_column(string_null("staff_no")).to_owned()).await?;
        // Several people may have none (NULL); two may not share one.
        m.create_index(Index::create().name("people_staff_no").table("people").col("staff_no").unique().to_owned())
            .await?;
        m.alter_table(Table::alter().table("sessions").add_column(string_null("sso_session")).to_owned()).await?;
        m.create_index(Index::create().name("sessions_sso_session").table("sessions").col("sso_session").to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("sessions_sso_session").table("sessions").to_owned()).await?;
        m.alter_table(Table::alter().table("sessions").drop_column("sso_session").to_owned()).await?;
        m.drop_index(Index::drop().name("people_staff_no").table("people").to_owned()).await?;
        m.alter_table(Table::alter().table("people").drop_column("staff_no").to_owned()).await
    }
}
