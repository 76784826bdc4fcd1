//! Rules as the notice and Chinese practice have them (issue 14):
//! - systems: the day they first went online and the MLPS filing clock (art. 15);
//! - violations: the six behaviours of §三(四) (old words mapped, kept beside),
//!   proposed / confirmed / dismissed with who decided and why;
//! - shutdown orders: proposed by the ladder, issued or withdrawn by an
//!   officer, verified by the monitor; numbered per year;
//! - rectifications: the report's yearly number, 整改完成时间 and 是否已下线修复;
//! - go-live requests that the center approves;
//! - yearly document numbers.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(m: &SchemaManager<'_>, table: &str, col: ColumnDef) -> Result<(), DbErr> {
    let mut col = col;
    m.alter_table(Table::alter().table(Alias::new(table)).add_column(&mut col).to_owned()).await
}

async fn exec(m: &SchemaManager<'_>, sql: &str) -> Result<(), DbErr> {
    m.get_connection().execute_unprepared(sql).await.map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(m, "systems", date_null("went_online_on")).await?;
        add(m, "systems", date_null("mlps_filing_due_on")).await?;
        add(m, "systems", date_null("reminded_on")).await?;
        m.create_index(
            Index::create().name("systems_mlps_filing_due").table("systems").col("mlps_filing_due_on").to_owned(),
        )
        .await?;

        add(m, "violations", string("state").default("confirmed").to_owned()).await?;
        add(m, "violations", string("legacy_category").default("").to_owned()).await?;
        add(m, "violations", string("decided_by").default("").to_owned()).await?;
        add(m, "violations", timestamp_with_time_zone_null("decided_at")).await?;
        add(m, "violations", text("decision_note").default("").to_owned()).await?;
        for (old, new) in [
            ("false_report", "false_data"),
            ("unfiled_system", "not_filed"),
            ("no_protection", "measures_missing"),
            ("late_incident_report", "measures_missing"),
            ("other_negligence", "measures_missing"),
        ] {
            exec(
                m,
                &format!(
                    "UPDATE violations SET legacy_category = category, category = '{new}' WHERE category = '{old}'"
                ),
            )
            .await?;
        }
        // Lateness alone is not refusal: what the ladder recorded by itself waits for a person.
        exec(m, "UPDATE violations SET state = 'proposed' WHERE raised_by = 'escalation'").await?;
        m.create_index(
            Index::create().name("violations_unit_state").table("violations").col("unit_id").col("state").to_owned(),
        )
        .await?;

        add(m, "shutdown_orders", string("state").default("issued").to_owned()).await?;
        add(m, "shutdown_orders", string("number").default("").to_owned()).await?;
        add(m, "shutdown_orders", string("decided_by").default("").to_owned()).await?;
        add(m, "shutdown_orders", timestamp_with_time_zone_null("decided_at")).await?;
        add(m, "shutdown_orders", text("note").default("").to_owned()).await?;
        add(m, "shutdown_orders", timestamp_with_time_zone_null("verified_at")).await?;
        add(m, "shutdown_orders", boolean_null("verified_online")).await?;
        add(m, "shutdown_orders", text("verification").default("").to_owned()).await?;
        exec(m, "UPDATE shutdown_orders SET state = 'lifted' WHERE lifted_at IS NOT NULL").await?;
        m.create_index(Index::create().name("shutdown_orders_state").table("shutdown_orders").col("state").to_owned())
            .await?;

        add(m, "rectifications", string("report_no").default("").to_owned()).await?;
        add(m, "rectifications", boolean("report_offline_repair").default(false).to_owned()).await?;
        add(m, "rectifications", date_null("report_completed_on")).await?;

        m.create_table(
            Table::create()
                .table("document_numbers")
                .col(string("kind"))
                .col(integer("year"))
                .col(integer("last"))
                .primary_key(Index::create().col("kind").col("year"))
                .to_owned(),
        )
        .await?;

        // Reports issued before numbering get theirs now, by year of issue (China time), in order.
        let rows = m
            .get_connection()
            .query_all_raw(sea_orm::Statement::from_string(
                m.get_database_backend(),
                "SELECT id, assigned_at FROM rectifications ORDER BY id",
            ))
            .await?;
        let mut last: std::collections::BTreeMap<i32, i32> = Default::default();
        for row in rows {
            let id: i64 = row.try_get("", "id")?;
            let at: chrono::DateTime<chrono::Utc> = row.try_get("", "assigned_at")?;
            let year = chrono::Datelike::year(&at.with_timezone(&chrono_tz::Asia::Shanghai));
            let n = last.entry(year).or_insert(0);
            *n += 1;
            let no = format!("〔{year}〕第{:03}号", *n);
            exec(m, &format!("UPDATE rectifications SET report_no = '{no}' WHERE id = {id}")).await?;
        }
        for (year, n) in last {
            exec(
                m,
                &format!(
                    "INSERT INTO document_numbers (kind, year, last) VALUES ('rectification_report', {year}, {n})"
                ),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table("golive_requests")
                .col(big_pk_auto("id"))
                .col(big_integer("system_id"))
                .col(big_integer("unit_id"))
                .col(string("state"))
                .col(string("requested_by"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(text("note"))
                .col(big_integer_null("certificate_attachment_id"))
                .col(string("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text("decision_note"))
                .foreign_key(
                    ForeignKey::create()
                        .from("golive_requests", "system_id")
                        .to("systems", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("golive_requests_state").table("golive_requests").col("state").col("id").to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("golive_requests_system").table("golive_requests").col("system_id").to_owned(),
        )
        .await
    }
}
