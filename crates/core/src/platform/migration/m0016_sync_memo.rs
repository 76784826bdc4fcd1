//! The sync memo (issue 18's speed): the registry's revision, counted by
//! triggers at every write that can change which monitors there should be
//! (a system's addresses, stage or unit; a monitor's system, address, unit,
//! management or retirement), and the revision the last sync saw, with the
//! hosts it read. A sync that finds the registry as it left it reads nothing
//! else (`monitoring::service::sync_registry`).

use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "CREATE TABLE monitor_sync (\
    id INTEGER PRIMARY KEY, revision BIGINT NOT NULL DEFAULT 0, synced TEXT, hosts TEXT NOT NULL DEFAULT '')";

/// (trigger, timing and event, table)
const EVENTS: &[(&str, &str, &str)] = &[
    ("registry_revision_systems_insert", "AFTER INSERT", "systems"),
    ("registry_revision_systems_delete", "AFTER DELETE", "systems"),
    ("registry_revision_systems_update", "AFTER UPDATE OF urls, stage, unit_id", "systems"),
    ("registry_revision_monitors_insert", "AFTER INSERT", "monitors"),
    ("registry_revision_monitors_delete", "AFTER DELETE", "monitors"),
    ("registry_revision_monitors_update", "AFTER UPDATE OF system_id, url, unit_id, managed, retired", "monitors"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        db.execute_unprepared(TABLE).await?;
        db.execute_unprepared("INSERT INTO monitor_sync (id, revision) VALUES (1, 0)").await?;
        let pg = m.get_database_backend() == DbBackend::Postgres;
        if pg {
            db.execute_unprepared(
                "CREATE FUNCTION registry_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 UPDATE monitor_sync SET revision = revision + 1 WHERE id = 1; RETURN NULL; END $$",
            )
            .await?;
        }
        for (name, event, table) in EVENTS {
            let sql = if pg {
                // Once a statement: an import of thousands of systems counts once.
                format!(
                    "CREATE TRIGGER {name} {event} ON {table} FOR EACH STATEMENT EXECUTE FUNCTION registry_revision_bump()"
                )
            } else {
                format!(
                    "CREATE TRIGGER {name} {event} ON {table} BEGIN \
                     UPDATE monitor_sync SET revision = revision + 1 WHERE id = 1; END"
                )
            };
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let pg = m.get_database_backend() == DbBackend::Postgres;
        for (name, _, table) in EVENTS {
            let sql = if pg {
                format!("DROP TRIGGER IF EXISTS {name} ON {table}")
            } else {
                format!("DROP TRIGGER IF EXISTS {name}")
            };
            db.execute_unprepared(&sql).await?;
        }
        if pg {
            db.execute_unprepared("DROP FUNCTION IF EXISTS registry_revision_bump()").await?;
        }
        db.execute_unprepared("DROP TABLE monitor_sync").await?;
        Ok(())
    }
}
