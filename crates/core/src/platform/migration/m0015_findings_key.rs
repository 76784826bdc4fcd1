//! The findings memo (issue 18's speed): each monitor keeps the key of what
//! its last recorded check left open, so that a check that sees the same
//! findings again needs no read of its open findings
//! (`monitoring::service::record`). Any write to a monitor's findings, by
//! whatever path, forgets the key (a trigger), so a key that is set is true.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// SQLite: one trigger per kind of write.
const SQLITE_UP: &[&str] = &[
    "CREATE TRIGGER findings_forget_key_insert AFTER INSERT ON findings BEGIN \
     UPDATE monitors SET findings_key = NULL WHERE id = NEW.monitor_id AND findings_key IS NOT NULL; END",
    "CREATE TRIGGER findings_forget_key_update AFTER UPDATE ON findings BEGIN \
     UPDATE monitors SET findings_key = NULL WHERE id IN (OLD.monitor_id, NEW.monitor_id) AND findings_key IS NOT NULL; END",
    "CREATE TRIGGER findings_forget_key_delete AFTER DELETE ON findings BEGIN \
     UPDATE monitors SET findings_key = NULL WHERE id = OLD.monitor_id AND findings_key IS NOT NULL; END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS findings_forget_key_insert",
    "DROP TRIGGER IF EXISTS findings_forget_key_update",
    "DROP TRIGGER IF EXISTS findings_forget_key_delete",
];

/// PostgreSQL: one function, one trigger for every kind of write.
const POSTGRES_UP: &[&str] = &[
    "CREATE FUNCTION findings_forget_key() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
     IF TG_OP <> 'INSERT' THEN \
       UPDATE monitors SET findings_key = NULL WHERE id = OLD.monitor_id AND findings_key IS NOT NULL; \
     END IF; \
     IF TG_OP <> 'DELETE' THEN \
       UPDATE monitors SET findings_key = NULL WHERE id = NEW.monitor_id AND findings_key IS NOT NULL; \
     END IF; \
     RETURN NULL; END $$",
    "CREATE TRIGGER findings_forget_key AFTER INSERT OR UPDATE OR DELETE ON findings \
     FOR EACH ROW EXECUTE FUNCTION findings_forget_key()",
];

const POSTGRES_DOWN: &[&str] =
    &["DROP TRIGGER IF EXISTS findings_forget_key ON findings", "DROP FUNCTION IF EXISTS findings_forget_key()"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("monitors").add_column(string_null("findings_key")).to_owned()).await?;
        let statements = match m.get_database_backend() {
            DbBackend::Postgres => POSTGRES_UP,
            _ => SQLITE_UP,
        };
        for sql in statements {
            m.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let statements = match m.get_database_backend() {
            DbBackend::Postgres => POSTGRES_DOWN,
            _ => SQLITE_DOWN,
        };
        for sql in statements {
            m.get_connection().execute_unprepared(sql).await?;
        }
        m.alter_table(Table::alter().table("monitors").drop_column("findings_key").to_owned()).await
    }
}
