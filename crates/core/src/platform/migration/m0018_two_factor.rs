//! Two-factor sign-in (issue 19): a local account's TOTP secret (RFC 6238),
//! when it was confirmed, and the last time step accepted (a code is good
//! once); its recovery codes (hashed, each good once); and the sign-ins
//! waiting for their second factor.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, "id").on_delete(ForeignKeyAction::Restrict).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            string_null("totp_secret"),
            timestamp_with_time_zone_null("totp_enabled_at"),
            big_integer_null("totp_last_step"),
        ] {
            m.alter_table(Table::alter().table("users").add_column(col).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("recovery_codes")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string("code_hash"))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(&mut fk("recovery_codes", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("recovery_codes_user").table("recovery_codes").col("user_id").to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table("pending_sign_ins")
                .col(string("id_hash").primary_key())
                .col(big_integer("user_id"))
                .col(integer("failures"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(&mut fk("pending_sign_ins", "user_id", "users"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("pending_sign_ins").to_owned()).await?;
        m.drop_table(Table::drop().table("recovery_codes").to_owned()).await?;
        for col in ["totp_last_step", "totp_enabled_at", "totp_secret"] {
            m.alter_table(Table::alter().table("users").drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}
