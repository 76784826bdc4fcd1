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
        m.create_table(
            Table::create()
                .table("units")
                .col(big_pk_auto("id"))
                .col(string_uniq("code"))
                .col(string("name"))
                .col(string("name_en"))
                .col(string("kind"))
                .col(big_integer_null("parent_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("units", "parent_id", "units"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("people")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("name"))
                .col(string("title"))
                .col(string("phone"))
                .col(string("email"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("people", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("people_unit").table("people").col("unit_id").to_owned()).await?;
        m.create_table(
            Table::create()
                .table("responsibilities")
                .col(big_integer("unit_id"))
                .col(string("kind"))
                .col(big_integer("person_id"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("unit_id").col("kind"))
                .foreign_key(&mut fk("responsibilities", "unit_id", "units"))
                .foreign_key(&mut fk("responsibilities", "person_id", "people"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("leadership_members")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(string("position"))
                .col(string("duty"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("leadership_members", "person_id", "people"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_uniq("username"))
                .col(big_integer_null("person_id"))
                .col(string("password_hash"))
                .col(boolean("must_change_password"))
                .col(string("locale"))
                .col(integer("failed_logins"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(boolean("active"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("users", "person_id", "people"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("password_history")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string("password_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("password_history", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("role_grants")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string("role"))
                .col(big_integer_null("unit_id"))
                .foreign_key(&mut fk("role_grants", "user_id", "users"))
                .foreign_key(&mut fk("role_grants", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("role_grants_user").table("role_grants").col("user_id").to_owned()).await?;
        m.create_table(
            Table::create()
                .table("sessions")
                .col(string("id_hash").primary_key())
                .col(big_integer("user_id"))
                .col(string("csrf_token"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(&mut fk("sessions", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(string_uniq("token_hash"))
                .col(string("name"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk("api_tokens", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_integer("seq").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(big_integer_null("actor_id"))
                .col(string("actor"))
                .col(string("action"))
                .col(string("entity"))
                .col(string("entity_id"))
                .col(big_integer_null("unit_id"))
                .col(text("before"))
                .col(text("after"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("audit_log_entity").table("audit_log").col("entity").col("entity_id").to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("audit_head")
                .col(integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
