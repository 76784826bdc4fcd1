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
                .table("systems")
                .col(big_pk_auto("id"))
                .col(big_integer("unit_id"))
                .col(string("name"))
                .col(string("kind"))
                .col(text("urls"))
                .col(text("ips"))
                .col(boolean("internet_facing"))
                .col(boolean("important"))
                .col(big_integer_null("operator_unit_id"))
                .col(string("operator_vendor"))
                .col(string("operator_contact"))
                .col(string("users"))
                .col(string("hosting"))
                .col(text("tags"))
                .col(text("notes"))
                .col(string("stage"))
                .col(string_null("stage_before_shutdown"))
                .col(string("filing_status"))
                .col(string("public_security_no"))
                .col(string("icp_no"))
                .col(date_null("filed_on"))
                .col(integer_null("mlps_level"))
                .col(date_null("mlps_graded_on"))
                .col(string("mlps_filing_no"))
                .col(date_null("mlps_filed_on"))
                .col(date_null("evaluation_due_on"))
                .col(text("override_note"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("systems", "unit_id", "units"))
                .foreign_key(&mut fk("systems", "operator_unit_id", "units"))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("systems_unit", "unit_id"),
            ("systems_stage", "stage"),
            ("systems_filing", "filing_status"),
            ("systems_level", "mlps_level"),
            ("systems_due", "evaluation_due_on"),
            ("systems_name", "name"),
        ] {
            m.create_index(Index::create().name(name).table("systems").col(col).to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table("protections")
                .col(big_integer("system_id"))
                .col(string("kind"))
                .col(string("product"))
                .col(date_null("since"))
                .col(string("notes"))
                .primary_key(Index::create().col("system_id").col("kind"))
                .foreign_key(&mut fk("protections", "system_id", "systems"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("mlps_evaluations")
                .col(big_pk_auto("id"))
                .col(big_integer("system_id"))
                .col(string("agency"))
                .col(date("evaluated_on"))
                .col(string("result"))
                .col(double_null("score"))
                .col(text("rectification_items"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("mlps_evaluations", "system_id", "systems"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create().name("mlps_evaluations_system").table("mlps_evaluations").col("system_id").to_owned(),
        )
        .await?;
        Ok(())
    }
}
