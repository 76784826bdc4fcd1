//! Working mechanisms (issue 15):
//! - checklists (versioned; a campaign keeps the version it was launched with);
//! - inspection campaigns (自查), the units they target and their submissions,
//!   the answers per system and item with the center's on-site verification
//!   (现场核查), and recurring schedules;
//! - violations: the rule that raised one (so a second pass adds nothing),
//!   its correction deadline, when its facts were corrected, the notice of
//!   criticism (通报批评) issued for it;
//! - the unit scorecard's monthly record (for trends);
//! - early warnings (预警) and each targeted unit's acknowledgement and answer;
//! - data calls (数据填报): the form, the targeted units, and every submitted
//!   version of each unit's answers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(m: &SchemaManager<'_>, table: &str, col: ColumnDef) -> Result<(), DbErr> {
    let mut col = col;
    m.alter_table(Table::alter().table(Alias::new(table)).add_column(&mut col).to_owned()).await
}

fn fk(from: &'static str, col: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from, col).to(to, "id").on_delete(ForeignKeyAction::Cascade).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("checklists")
                .col(big_pk_auto("id"))
                .col(string("family"))
                .col(integer("version"))
                .col(string("title"))
                .col(text("description"))
                .col(text("items"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("checklists_family_version")
                .table("checklists")
                .col("family")
                .col("version")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("campaign_schedules")
                .col(big_pk_auto("id"))
                .col(string("title"))
                .col(string("checklist_family"))
                .col(string("rule"))
                .col(integer("due_days"))
                .col(boolean("active"))
                .col(date_null("last_launched_on"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("campaigns")
                .col(big_pk_auto("id"))
                .col(string("title"))
                .col(big_integer("checklist_id"))
                .col(date("due_on"))
                .col(string("state"))
                .col(text("systems"))
                .col(big_integer_null("schedule_id"))
                .col(string("launched_by"))
                .col(timestamp_with_time_zone("launched_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .foreign_key(&mut fk("campaigns", "checklist_id", "checklists"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("campaign_units")
                .col(big_pk_auto("id"))
                .col(big_integer("campaign_id"))
                .col(big_integer("unit_id"))
                .col(string("state"))
                .col(string("submitted_by"))
                .col(timestamp_with_time_zone_null("submitted_at"))
                .col(string("approved_by"))
                .col(timestamp_with_time_zone_null("approved_at"))
                .col(text("note"))
                .col(date_null("reminded_on"))
                .col(boolean("missed"))
                .foreign_key(&mut fk("campaign_units", "campaign_id", "campaigns"))
                .foreign_key(&mut fk("campaign_units", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("campaign_units_one")
                .table("campaign_units")
                .col("campaign_id")
                .col("unit_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(Index::create().name("campaign_units_unit").table("campaign_units").col("unit_id").to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table("inspection_answers")
                .col(big_pk_auto("id"))
                .col(big_integer("campaign_id"))
                .col(big_integer("unit_id"))
                .col(big_integer("system_id"))
                .col(string("item_key"))
                .col(string("answer"))
                .col(text("comment"))
                .col(text("evidence"))
                .col(string("answered_by"))
                .col(timestamp_with_time_zone("answered_at"))
                .col(string_null("verified_answer"))
                .col(text("verified_comment"))
                .col(string("verified_by"))
                .col(timestamp_with_time_zone_null("verified_at"))
                .col(big_integer_null("notice_id"))
                .foreign_key(&mut fk("inspection_answers", "campaign_id", "campaigns"))
                .foreign_key(&mut fk("inspection_answers", "system_id", "systems"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("inspection_answers_one")
                .table("inspection_answers")
                .col("campaign_id")
                .col("system_id")
                .col("item_key")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("inspection_answers_unit")
                .table("inspection_answers")
                .col("campaign_id")
                .col("unit_id")
                .to_owned(),
        )
        .await?;

        add(m, "violations", string("rule_key").default("").to_owned()).await?;
        add(m, "violations", date_null("correct_by")).await?;
        add(m, "violations", timestamp_with_time_zone_null("corrected_at")).await?;
        add(m, "violations", string("criticism_no").default("").to_owned()).await?;
        add(m, "violations", string("criticized_by").default("").to_owned()).await?;
        add(m, "violations", timestamp_with_time_zone_null("criticized_at")).await?;
        m.create_index(Index::create().name("violations_rule_key").table("violations").col("rule_key").to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table("warnings")
                .col(big_pk_auto("id"))
                .col(string("title"))
                .col(string("severity"))
                .col(string("source"))
                .col(string("reference"))
                .col(text("products"))
                .col(text("tags"))
                .col(text("description"))
                .col(text("advice"))
                .col(string("targeting"))
                .col(timestamp_with_time_zone("ack_due_at"))
                .col(string("published_by"))
                .col(timestamp_with_time_zone("published_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("warning_attachments")
                .col(big_integer("warning_id"))
                .col(big_integer("attachment_id"))
                .primary_key(Index::create().col("warning_id").col("attachment_id"))
                .foreign_key(&mut fk("warning_attachments", "warning_id", "warnings"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("warning_units")
                .col(big_pk_auto("id"))
                .col(big_integer("warning_id"))
                .col(big_integer("unit_id"))
                .col(string("state"))
                .col(text("matched_systems"))
                .col(string("acknowledged_by"))
                .col(timestamp_with_time_zone_null("acknowledged_at"))
                .col(boolean_null("affected"))
                .col(text("systems"))
                .col(text("measures"))
                .col(string("answered_by"))
                .col(timestamp_with_time_zone_null("answered_at"))
                .col(integer("escalation_step"))
                .col(timestamp_with_time_zone_null("next_reminder_at"))
                .col(big_integer_null("notice_id"))
                .foreign_key(&mut fk("warning_units", "warning_id", "warnings"))
                .foreign_key(&mut fk("warning_units", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("warning_units_one")
                .table("warning_units")
                .col("warning_id")
                .col("unit_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("warning_units_due").table("warning_units").col("next_reminder_at").to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("data_calls")
                .col(big_pk_auto("id"))
                .col(string("title"))
                .col(text("description"))
                .col(text("fields"))
                .col(date("due_on"))
                .col(string("state"))
                .col(string("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("data_call_units")
                .col(big_integer("data_call_id"))
                .col(big_integer("unit_id"))
                .col(date_null("reminded_on"))
                .primary_key(Index::create().col("data_call_id").col("unit_id"))
                .foreign_key(&mut fk("data_call_units", "data_call_id", "data_calls"))
                .foreign_key(&mut fk("data_call_units", "unit_id", "units"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("data_submissions")
                .col(big_pk_auto("id"))
                .col(big_integer("data_call_id"))
                .col(big_integer("unit_id"))
                .col(integer("version"))
                .col(text("values"))
                .col(text("reason"))
                .col(string("submitted_by"))
                .col(timestamp_with_time_zone("submitted_at"))
                .foreign_key(&mut fk("data_submissions", "data_call_id", "data_calls"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("data_submissions_version")
                .table("data_submissions")
                .col("data_call_id")
                .col("unit_id")
                .col("version")
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("unit_scores")
                .col(big_integer("unit_id"))
                .col(string("month"))
                .col(integer("score"))
                .col(text("breakdown"))
                .col(timestamp_with_time_zone("computed_at"))
                .primary_key(Index::create().col("unit_id").col("month"))
                .foreign_key(&mut fk("unit_scores", "unit_id", "units"))
                .to_owned(),
        )
        .await
    }
}
