//! Readiness (issue 16), second part: the unit registers —
//! emergency plans (应急预案) and drills (应急演练) with their improvement
//! actions, management rules (§二), personal data and outbound data
//! requests (§四(四)), budget lines (§四(五)), training sessions and
//! certificates (§四(六)), and the files kept with plans, drills and rules.

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

async fn link(
    m: &SchemaManager<'_>,
    table: &'static str,
    owner: &'static str,
    owner_table: &'static str,
) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(table)
            .col(big_integer(owner))
            .col(big_integer("system_id"))
            .primary_key(Index::create().col(owner).col("system_id"))
            .foreign_key(&mut fk(table, owner, owner_table))
            .foreign_key(&mut fk(table, "system_id", "systems"))
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("emergency_plans")
                .col(big_pk_auto("id"))
                .col(big_integer_null("unit_id"))
                .col(string("title"))
                .col(text("scenarios"))
                .col(text("contacts"))
                .col(text("escalation"))
                .col(date("reviewed_on"))
                .col(string("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("emergency_plans", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "emergency_plans_unit", "emergency_plans", &["unit_id"], false).await?;
        link(m, "emergency_plan_systems", "plan_id", "emergency_plans").await?;

        m.create_table(
            Table::create()
                .table("drills")
                .col(big_pk_auto("id"))
                .col(big_integer_null("unit_id"))
                .col(date("held_on"))
                .col(string("scenario"))
                .col(text("participants"))
                .col(text("what_happened"))
                .col(text("problems"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("drills", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "drills_unit_held", "drills", &["unit_id", "held_on"], false).await?;
        link(m, "drill_systems", "drill_id", "drills").await?;
        m.create_table(
            Table::create()
                .table("drill_actions")
                .col(big_pk_auto("id"))
                .col(big_integer("drill_id"))
                .col(text("description"))
                .col(big_integer("owner_person_id"))
                .col(date("due_on"))
                .col(string("done_by"))
                .col(timestamp_with_time_zone_null("done_at"))
                .col(text("done_note"))
                .foreign_key(&mut fk("drill_actions", "drill_id", "drills"))
                .foreign_key(&mut fk("drill_actions", "owner_person_id", "people"))
                .to_owned(),
        )
        .await?;
        index(m, "drill_actions_drill", "drill_actions", &["drill_id"], false).await?;

        m.create_table(
            Table::create()
                .table("policies")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("kind"))
                .col(string("title"))
                .col(date("approved_on"))
                .col(date_null("review_on"))
                .col(string("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("policies", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "policies_unit_kind", "policies", &["unit_id", "kind"], true).await?;

        m.create_table(
            Table::create()
                .table("register_files")
                .col(big_pk_auto("id"))
                .col(string("record_kind"))
                .col(big_integer("record_id"))
                .col(big_integer("attachment_id"))
                .col(string("added_by"))
                .col(timestamp_with_time_zone("added_at"))
                .foreign_key(&mut fk("register_files", "attachment_id", "attachments"))
                .to_owned(),
        )
        .await?;
        index(m, "register_files_record", "register_files", &["record_kind", "record_id"], false).await?;

        m.create_table(
            Table::create()
                .table("personal_data")
                .col(big_pk_auto("id"))
                .col(big_integer("system_id"))
                .col(text("categories"))
                .col(text("subjects"))
                .col(text("purpose"))
                .col(text("method"))
                .col(text("scope"))
                .col(text("storage_place"))
                .col(string("retention"))
                .col(text("measures"))
                .col(string("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("personal_data", "system_id", "systems"))
                .to_owned(),
        )
        .await?;
        index(m, "personal_data_system", "personal_data", &["system_id"], false).await?;

        m.create_table(
            Table::create()
                .table("data_requests")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(big_integer_null("system_id"))
                .col(string("recipient"))
                .col(text("purpose"))
                .col(text("fields"))
                .col(text("legal_basis"))
                .col(string("state"))
                .col(string("requested_by"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(string("leader_by"))
                .col(timestamp_with_time_zone_null("leader_at"))
                .col(text("leader_note"))
                .col(string("center_by"))
                .col(timestamp_with_time_zone_null("center_at"))
                .col(text("center_note"))
                .foreign_key(&mut fk("data_requests", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "data_requests_unit_state", "data_requests", &["unit_id", "state"], false).await?;

        m.create_table(
            Table::create()
                .table("budget_lines")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(integer("year"))
                .col(string("category"))
                .col(big_integer("planned_cents"))
                .col(big_integer("spent_cents"))
                .col(boolean("special_fund"))
                .col(string("note"))
                .col(string("updated_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("budget_lines", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "budget_lines_year_unit", "budget_lines", &["year", "unit_id"], false).await?;

        m.create_table(
            Table::create()
                .table("trainings")
                .col(big_pk_auto("id"))
                .col(big_integer_null("unit_id"))
                .col(string("kind"))
                .col(string("title"))
                .col(date("held_on"))
                .col(integer("hours_tenths"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("trainings", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        index(m, "trainings_held", "trainings", &["held_on"], false).await?;
        m.create_table(
            Table::create()
                .table("training_attendees")
                .col(big_integer("training_id"))
                .col(big_integer("person_id"))
                .primary_key(Index::create().col("training_id").col("person_id"))
                .foreign_key(&mut fk("training_attendees", "training_id", "trainings"))
                .foreign_key(&mut fk("training_attendees", "person_id", "people"))
                .to_owned(),
        )
        .await?;
        index(m, "training_attendees_person", "training_attendees", &["person_id"], false).await?;

        m.create_table(
            Table::create()
                .table("certificates")
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(string("kind"))
                .col(string("name"))
                .col(string("number"))
                .col(date_null("issued_on"))
                .col(date_null("expires_on"))
                .col(date_null("reminded_on"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("certificates", "person_id", "people"))
                .to_owned(),
        )
        .await?;
        index(m, "certificates_person", "certificates", &["person_id"], false).await?;
        index(m, "certificates_expires", "certificates", &["expires_on"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "certificates",
            "training_attendees",
            "trainings",
            "budget_lines",
            "data_requests",
            "personal_data",
            "register_files",
            "policies",
            "drill_actions",
            "drill_systems",
            "drills",
            "emergency_plan_systems",
            "emergency_plans",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).to_owned()).await?;
        }
        Ok(())
    }
}
