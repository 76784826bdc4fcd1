//! Site monitoring: monitors (one per URL of a system), their accepted
//! baselines, the result of every check (kept two days) and per hour
//! (kept for the charts), and findings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from_table: &'static str, from_col: &'static str, to_table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, "id").on_delete(ForeignKeyAction::Cascade).to_owned()
}

async fn index(m: &SchemaManager<'_>, table: &str, name: &str, cols: &[&str], unique: bool) -> Result<(), DbErr> {
    let mut ix = Index::create().name(name).table(Alias::new(table)).to_owned();
    for c in cols {
        ix.col(Alias::new(*c));
    }
    if unique {
        ix.unique();
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
                .table("monitors")
                .col(big_pk_auto("id"))
                .col(big_integer("system_id"))
                .col(big_integer("unit_id"))
                .col(string("url"))
                .col(boolean("managed"))
                .col(boolean("retired"))
                .col(integer("interval_s"))
                .col(integer("timeout_s"))
                .col(string("checks"))
                .col(text("exclude"))
                .col(integer("tamper_percent"))
                .col(boolean("paused"))
                .col(string("status"))
                .col(integer("consecutive_failures"))
                .col(timestamp_with_time_zone_null("down_since"))
                .col(timestamp_with_time_zone_null("last_checked_at"))
                .col(integer_null("last_latency_ms"))
                .col(integer_null("last_status_code"))
                .col(string("last_error"))
                .col(integer_null("header_score"))
                .col(timestamp_with_time_zone_null("last_tls_at"))
                .col(timestamp_with_time_zone_null("last_exposure_at"))
                .col(big_integer_null("baseline_id"))
                .col(timestamp_with_time_zone("next_check_at"))
                .col(timestamp_with_time_zone_null("leased_until"))
                .col(string("leased_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("monitors", "system_id", "systems"))
                .to_owned(),
        )
        .await?;
        index(m, "monitors", "monitors_system_url", &["system_id", "url"], true).await?;
        index(m, "monitors", "monitors_due", &["paused", "next_check_at"], false).await?;
        index(m, "monitors", "monitors_unit", &["unit_id", "status"], false).await?;
        m.create_table(
            Table::create()
                .table("monitor_baselines")
                .col(big_pk_auto("id"))
                .col(big_integer("monitor_id"))
                .col(text("fingerprint"))
                .col(text("content"))
                .col(string("accepted_by"))
                .col(string("note"))
                .col(timestamp_with_time_zone("accepted_at"))
                .foreign_key(&mut fk("monitor_baselines", "monitor_id", "monitors"))
                .to_owned(),
        )
        .await?;
        index(m, "monitor_baselines", "monitor_baselines_monitor", &["monitor_id", "accepted_at"], false).await?;
        m.create_table(
            Table::create()
                .table("monitor_checks")
                .col(big_pk_auto("id"))
                .col(big_integer("monitor_id"))
                .col(timestamp_with_time_zone("checked_at"))
                .col(string("health"))
                .col(integer_null("status_code"))
                .col(integer_null("latency_ms"))
                .col(string("error"))
                .foreign_key(&mut fk("monitor_checks", "monitor_id", "monitors"))
                .to_owned(),
        )
        .await?;
        index(m, "monitor_checks", "monitor_checks_monitor", &["monitor_id", "checked_at"], false).await?;
        index(m, "monitor_checks", "monitor_checks_time", &["checked_at"], false).await?;
        m.create_table(
            Table::create()
                .table("monitor_hours")
                .col(big_integer("monitor_id"))
                .col(timestamp_with_time_zone("hour"))
                .col(integer("checks"))
                .col(integer("failures"))
                .col(big_integer("latency_sum"))
                .col(integer("latency_max"))
                .primary_key(Index::create().col("monitor_id").col("hour"))
                .foreign_key(&mut fk("monitor_hours", "monitor_id", "monitors"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("findings")
                .col(big_pk_auto("id"))
                .col(big_integer("monitor_id"))
                .col(big_integer("system_id"))
                .col(big_integer("unit_id"))
                .col(string("check_name"))
                .col(string("subject"))
                .col(string("code"))
                .col(string("severity"))
                .col(text("summary"))
                .col(text("evidence"))
                .col(boolean("open"))
                .col(timestamp_with_time_zone("first_seen_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone_null("resolved_at"))
                .col(big_integer_null("notice_id"))
                .foreign_key(&mut fk("findings", "monitor_id", "monitors"))
                .to_owned(),
        )
        .await?;
        index(m, "findings", "findings_monitor_open", &["monitor_id", "open"], false).await?;
        index(m, "findings", "findings_system", &["system_id", "check_name", "open"], false).await?;
        index(m, "findings", "findings_unit_open", &["unit_id", "open", "severity"], false).await?;
        // One open finding per monitor, check and subject (both databases take a partial index).
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX findings_one_open ON findings (monitor_id, check_name, subject) WHERE open = TRUE",
            )
            .await?;
        Ok(())
    }
}
