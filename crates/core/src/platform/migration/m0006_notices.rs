//! Notices (通报), rectifications (整改), shutdown orders (关停), violations
//! (责任追究) and the notification outbox.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, "id").on_delete(ForeignKeyAction::Restrict).to_owned()
}

async fn index(m: &SchemaManager<'_>, table: &str, name: &str, cols: &[&str]) -> Result<(), DbErr> {
    let mut ix = Index::create().name(name).table(Alias::new(table)).to_owned();
    for c in cols {
        ix.col(Alias::new(*c));
    }
    m.create_index(ix).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("notices")
                .col(big_pk_auto("id"))
                .col(string("source"))
                .col(string("reference"))
                .col(timestamp_with_time_zone("received_at"))
                .col(string("title"))
                .col(string("vuln_type"))
                .col(string("severity"))
                .col(text("description"))
                .col(timestamp_with_time_zone("deadline"))
                .col(string("status"))
                .col(big_integer_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        index(m, "notices", "notices_received", &["received_at"]).await?;
        index(m, "notices", "notices_status", &["status", "received_at"]).await?;
        m.create_table(
            Table::create()
                .table("notice_attachments")
                .col(big_integer("notice_id"))
                .col(big_integer("attachment_id"))
                .primary_key(Index::create().col("notice_id").col("attachment_id"))
                .foreign_key(&mut fk("notice_attachments", "notice_id", "notices"))
                .foreign_key(&mut fk("notice_attachments", "attachment_id", "attachments"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("rectifications")
                .col(big_pk_auto("id"))
                .col(big_integer("notice_id"))
                .col(big_integer("system_id"))
                .col(big_integer("unit_id"))
                .col(string("severity"))
                .col(string("status"))
                .col(timestamp_with_time_zone("assigned_at"))
                .col(timestamp_with_time_zone("deadline"))
                .col(integer("escalation_step"))
                .col(timestamp_with_time_zone_null("next_escalation_at"))
                .col(text("report_vulnerability"))
                .col(text("report_cause"))
                .col(text("report_measures"))
                .col(text("report_verification"))
                .col(text("report_remaining_risk"))
                .col(timestamp_with_time_zone_null("report_submitted_at"))
                .col(string("report_submitted_by"))
                .col(timestamp_with_time_zone_null("approved_at"))
                .col(string("approved_by"))
                .col(timestamp_with_time_zone_null("reviewed_at"))
                .col(string("reviewed_by"))
                .col(text("review_comment"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("rectifications", "notice_id", "notices"))
                .foreign_key(&mut fk("rectifications", "system_id", "systems"))
                .foreign_key(&mut fk("rectifications", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("rectifications_notice_system")
                .table("rectifications")
                .col("notice_id")
                .col("system_id")
                .unique()
                .to_owned(),
        )
        .await?;
        index(m, "rectifications", "rectifications_unit", &["unit_id", "deadline"]).await?;
        index(m, "rectifications", "rectifications_status", &["status", "deadline"]).await?;
        index(m, "rectifications", "rectifications_deadline", &["deadline"]).await?;
        index(m, "rectifications", "rectifications_system", &["system_id"]).await?;
        index(m, "rectifications", "rectifications_escalation", &["next_escalation_at"]).await?;
        m.create_table(
            Table::create()
                .table("rectification_attachments")
                .col(big_integer("rectification_id"))
                .col(big_integer("attachment_id"))
                .primary_key(Index::create().col("rectification_id").col("attachment_id"))
                .foreign_key(&mut fk("rectification_attachments", "rectification_id", "rectifications"))
                .foreign_key(&mut fk("rectification_attachments", "attachment_id", "attachments"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("shutdown_orders")
                .col(big_pk_auto("id"))
                .col(big_integer("system_id"))
                .col(big_integer("rectification_id"))
                .col(big_integer("unit_id"))
                .col(string("stage_before"))
                .col(timestamp_with_time_zone("ordered_at"))
                .col(timestamp_with_time_zone_null("lifted_at"))
                .foreign_key(&mut fk("shutdown_orders", "system_id", "systems"))
                .foreign_key(&mut fk("shutdown_orders", "rectification_id", "rectifications"))
                .foreign_key(&mut fk("shutdown_orders", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "shutdown_orders", "shutdown_orders_system", &["system_id"]).await?;
        index(m, "shutdown_orders", "shutdown_orders_rectification", &["rectification_id"]).await?;
        m.create_table(
            Table::create()
                .table("violations")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("category"))
                .col(big_integer_null("system_id"))
                .col(big_integer_null("rectification_id"))
                .col(text("description"))
                .col(string("raised_by"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("violations", "unit_id", "units"))
                .foreign_key(&mut fk("violations", "system_id", "systems"))
                .foreign_key(&mut fk("violations", "rectification_id", "rectifications"))
                .to_owned(),
        )
        .await?;
        index(m, "violations", "violations_unit", &["unit_id", "occurred_at"]).await?;
        m.create_table(
            Table::create()
                .table("channels")
                .col(big_pk_auto("id"))
                .col(string("owner_kind"))
                .col(big_integer_null("owner_id"))
                .col(string("kind"))
                .col(string("label"))
                .col(text("target"))
                .col(string("secret"))
                .col(boolean("enabled"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        index(m, "channels", "channels_owner", &["owner_kind", "owner_id"]).await?;
        m.create_table(
            Table::create()
                .table("outbox")
                .col(big_pk_auto("id"))
                .col(string("event"))
                .col(big_integer_null("unit_id"))
                .col(string("subject"))
                .col(text("body"))
                .col(string("link"))
                .col(big_integer_null("channel_id"))
                .col(string("kind"))
                .col(text("target"))
                .col(string("status"))
                .col(integer("attempts"))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("leased_until"))
                .col(text("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .to_owned(),
        )
        .await?;
        index(m, "outbox", "outbox_due", &["status", "next_attempt_at"]).await?;
        index(m, "outbox", "outbox_created", &["created_at"]).await?;
        m.create_table(
            Table::create()
                .table("delivery_attempts")
                .col(big_pk_auto("id"))
                .col(big_integer("outbox_id"))
                .col(timestamp_with_time_zone("at"))
                .col(boolean("ok"))
                .col(text("detail"))
                .col(integer("duration_ms"))
                .foreign_key(&mut fk("delivery_attempts", "outbox_id", "outbox"))
                .to_owned(),
        )
        .await?;
        index(m, "delivery_attempts", "delivery_attempts_outbox", &["outbox_id"]).await?;
        Ok(())
    }
}
