//! Readiness (issue 16), first part:
//! - security incidents (网络安全事件): the facts, the grade, the systems,
//!   the reporting clock's steps, evidence with its custody, a timeline;
//! - the 7×24 duty roster: shifts, swaps, handovers, and alerts that go to
//!   the person on duty first and are acknowledged or escalated;
//! - key periods (重保) and the units' daily reports.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(from: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(to, "id").on_delete(ForeignKeyAction::Cascade).to_owned()
}

async fn index(m: &SchemaManager<'_>, name: &str, table: &str, cols: &[&str], unique: bool) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(Alias::new(table));
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("incidents")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("title"))
                .col(string("kind"))
                .col(string_null("grade"))
                .col(string("suggested_grade"))
                .col(string("source"))
                .col(big_integer_null("finding_id"))
                .col(big_integer_null("notice_id"))
                .col(timestamp_with_time_zone("detected_at"))
                .col(boolean("homepage"))
                .col(integer("hours_visible"))
                .col(big_integer("records_affected"))
                .col(boolean("cii"))
                .col(text("description"))
                .col(text("impact"))
                .col(text("cause"))
                .col(text("measures"))
                .col(text("contacts"))
                .col(string("state"))
                .col(big_integer_null("violation_id"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(string("closed_by"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .foreign_key(&mut fk("incidents", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "incidents_unit", "incidents", &["unit_id"], false).await?;
        index(m, "incidents_state_detected", "incidents", &["state", "detected_at"], false).await?;
        index(m, "incidents_finding", "incidents", &["finding_id"], false).await?;

        m.create_table(
            Table::create()
                .table("incident_systems")
                .col(big_integer("incident_id"))
                .col(big_integer("system_id"))
                .primary_key(Index::create().col("incident_id").col("system_id"))
                .foreign_key(&mut fk("incident_systems", "incident_id", "incidents"))
                .foreign_key(&mut fk("incident_systems", "system_id", "systems"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("incident_steps")
                .col(big_integer("incident_id"))
                .col(string("step"))
                .col(timestamp_with_time_zone("done_at"))
                .col(string("done_by"))
                .col(text("note"))
                .col(timestamp_with_time_zone("recorded_at"))
                .primary_key(Index::create().col("incident_id").col("step"))
                .foreign_key(&mut fk("incident_steps", "incident_id", "incidents"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("incident_events")
                .col(big_pk_auto("id"))
                .col(big_integer("incident_id"))
                .col(string("kind"))
                .col(timestamp_with_time_zone("at"))
                .col(string("by_user"))
                .col(text("text"))
                .foreign_key(&mut fk("incident_events", "incident_id", "incidents"))
                .to_owned(),
        )
        .await?;
        index(m, "incident_events_incident", "incident_events", &["incident_id", "at"], false).await?;

        m.create_table(
            Table::create()
                .table("incident_evidence")
                .col(big_pk_auto("id"))
                .col(big_integer("incident_id"))
                .col(big_integer("attachment_id"))
                .col(string("sha256"))
                .col(text("description"))
                .col(string("collected_by"))
                .col(timestamp_with_time_zone("collected_at"))
                .foreign_key(&mut fk("incident_evidence", "incident_id", "incidents"))
                .foreign_key(&mut fk("incident_evidence", "attachment_id", "attachments"))
                .to_owned(),
        )
        .await?;
        index(m, "incident_evidence_incident", "incident_evidence", &["incident_id"], false).await?;

        m.create_table(
            Table::create()
                .table("duty_shifts")
                .col(big_pk_auto("id"))
                .col(big_integer_null("unit_id"))
                .col(big_integer("person_id"))
                .col(string("phone"))
                .col(timestamp_with_time_zone("starts_at"))
                .col(timestamp_with_time_zone("ends_at"))
                .col(string("note"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("duty_shifts", "unit_id", "units"))
                .foreign_key(&mut fk("duty_shifts", "person_id", "people"))
                .to_owned(),
        )
        .await?;
        index(m, "duty_shifts_ends", "duty_shifts", &["ends_at", "starts_at"], false).await?;
        index(m, "duty_shifts_unit", "duty_shifts", &["unit_id", "starts_at"], false).await?;

        m.create_table(
            Table::create()
                .table("duty_swaps")
                .col(big_pk_auto("id"))
                .col(big_integer("shift_id"))
                .col(big_integer("from_person_id"))
                .col(big_integer("to_person_id"))
                .col(text("reason"))
                .col(string("state"))
                .col(string("requested_by"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(string("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("decision_note"))
                .foreign_key(&mut fk("duty_swaps", "shift_id", "duty_shifts"))
                .to_owned(),
        )
        .await?;
        index(m, "duty_swaps_shift", "duty_swaps", &["shift_id"], false).await?;

        m.create_table(
            Table::create()
                .table("duty_handovers")
                .col(big_pk_auto("id"))
                .col(big_integer_null("unit_id"))
                .col(big_integer_null("shift_id"))
                .col(text("note"))
                .col(string("written_by"))
                .col(timestamp_with_time_zone("written_at"))
                .to_owned(),
        )
        .await?;
        index(m, "duty_handovers_unit", "duty_handovers", &["unit_id", "written_at"], false).await?;

        m.create_table(
            Table::create()
                .table("duty_alerts")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(big_integer_null("system_id"))
                .col(string("event"))
                .col(string("subject"))
                .col(text("body"))
                .col(string("link"))
                .col(string("rung"))
                .col(big_integer_null("person_id"))
                .col(string("state"))
                .col(timestamp_with_time_zone("raised_at"))
                .col(timestamp_with_time_zone_null("escalate_at"))
                .col(string("acknowledged_by"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .foreign_key(&mut fk("duty_alerts", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "duty_alerts_state", "duty_alerts", &["state", "escalate_at"], false).await?;
        index(m, "duty_alerts_unit", "duty_alerts", &["unit_id", "raised_at"], false).await?;

        m.create_table(
            Table::create()
                .table("key_periods")
                .col(big_pk_auto("id"))
                .col(string("title"))
                .col(string("kind"))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(integer("report_by_minute"))
                .col(integer("interval_s"))
                .col(date_null("summarized_on"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("key_period_units")
                .col(big_integer("key_period_id"))
                .col(big_integer("unit_id"))
                .col(date_null("chased_on"))
                .primary_key(Index::create().col("key_period_id").col("unit_id"))
                .foreign_key(&mut fk("key_period_units", "key_period_id", "key_periods"))
                .foreign_key(&mut fk("key_period_units", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "key_period_units_unit", "key_period_units", &["unit_id"], false).await?;
        m.create_table(
            Table::create()
                .table("key_period_reports")
                .col(big_pk_auto("id"))
                .col(big_integer("key_period_id"))
                .col(big_integer("unit_id"))
                .col(date("day"))
                .col(boolean("zero"))
                .col(text("content"))
                .col(string("submitted_by"))
                .col(timestamp_with_time_zone("submitted_at"))
                .foreign_key(&mut fk("key_period_reports", "key_period_id", "key_periods"))
                .foreign_key(&mut fk("key_period_reports", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "key_period_reports_day", "key_period_reports", &["key_period_id", "unit_id", "day"], true).await?;
        // "Who is on duty now" reads every important system: from the index alone.
        index(m, "systems_important", "systems", &["important", "unit_id", "id", "stage", "name"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("systems_important").table(Alias::new("systems")).to_owned()).await?;
        for t in [
            "key_period_reports",
            "key_period_units",
            "key_periods",
            "duty_alerts",
            "duty_handovers",
            "duty_swaps",
            "duty_shifts",
            "incident_evidence",
            "incident_events",
            "incident_steps",
            "incident_systems",
            "incidents",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        Ok(())
    }
}
