//! Scheduled backups in `serve` (and `jobs run-once`): daily at
//! `[backup] daily_at`, the newest `keep` kept in `[backup] dir`. SQLite:
//! a consistent online copy with the audit anchor beside it. PostgreSQL:
//! the operator's `hook` (e.g. the README's `pg_dump` line), run with the
//! target file in `WANGAN_BACKUP_FILE`. One node makes each day's backup.

use crate::config::Config;
use std::path::PathBuf;
use wangan_core::Store;
use wangan_core::platform::backup::{self, Pass, rules::Schedule};

#[derive(Clone)]
pub struct BackupJob {
    store: Store,
    data_dir: PathBuf,
    dir: PathBuf,
    schedule: Schedule,
    hook: Option<String>,
    sqlite: bool,
    database_url: String,
    node: String,
}

impl BackupJob {
    /// `None` when backups are off (`[backup] enabled = false`).
    pub fn new(cfg: &Config, store: Store) -> anyhow::Result<Option<BackupJob>> {
        if !cfg.backup.enabled {
            return Ok(None);
        }
        let daily_at = backup::rules::parse_time(&cfg.backup.daily_at)
            .ok_or_else(|| anyhow::anyhow!("[backup] daily_at {:?}: a time such as \"03:00\"", cfg.backup.daily_at))?;
        let time_zone: chrono_tz::Tz =
            cfg.time_zone.parse().map_err(|_| anyhow::anyhow!("time_zone {:?} is not known", cfg.time_zone))?;
        Ok(Some(BackupJob {
            store,
            data_dir: cfg.data_dir.clone(),
            dir: cfg.backup.dir.clone().unwrap_or_else(|| cfg.data_dir.join("backups")),
            schedule: Schedule { daily_at, keep: cfg.backup.keep.max(1), time_zone },
            hook: cfg.backup.hook.clone().filter(|h| !h.trim().is_empty()),
            sqlite: cfg.is_sqlite(),
            database_url: cfg.database_url(),
            node: std::env::var("HOSTNAME").unwrap_or_else(|_| "wangan".into()),
        }))
    }

    /// Make today's backup if it is due and nobody made it.
    pub async fn pass(&self) -> wangan_core::Result<Pass> {
        let now = self.store.now();
        let Some(day) = self.schedule.due(now) else { return Ok(Pass::NotDue) };
        if backup::claimed(&self.store, day).await? {
            return Ok(Pass::Done);
        }
        let extension = if self.sqlite { "db" } else { "dump" };
        let file = self.dir.join(backup::rules::file_name(now, self.schedule.time_zone, extension));
        let Some(id) = backup::claim(&self.store, day, &self.node, &file).await? else { return Ok(Pass::Done) };
        let outcome = self.make(&file).await;
        backup::finish(&self.store, id, outcome.clone()).await?;
        match outcome {
            Ok(bytes) => {
                let removed = backup::prune(&self.dir, self.schedule.keep)
                    .map_err(|e| wangan_core::CoreError::Internal(format!("{}: {e}", self.dir.display())))?;
                tracing::info!(file = %file.display(), bytes, removed = removed.len(), "backup made");
                Ok(Pass::Made { file, bytes, removed })
            }
            Err(why) => {
                tracing::error!(file = %file.display(), %why, "backup failed");
                Ok(Pass::Failed(why))
            }
        }
    }

    async fn make(&self, file: &std::path::Path) -> Result<u64, String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        if self.sqlite {
            return backup::sqlite(&self.store, &self.data_dir, file).await.map_err(|e| e.to_string());
        }
        let Some(hook) = &self.hook else {
            return Err("PostgreSQL: set [backup] hook (e.g. pg_dump, see README)".into());
        };
        let status = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(hook)
            .env("WANGAN_BACKUP_FILE", file)
            .env("WANGAN_DATABASE_URL", &self.database_url)
            .status()
            .await
            .map_err(|e| format!("hook: {e}"))?;
        if !status.success() {
            return Err(format!("hook exited with {status}"));
        }
        std::fs::metadata(file).map(|m| m.len()).map_err(|e| format!("hook wrote no {}: {e}", file.display()))
    }

    /// Look every minute whether today's backup is due.
    pub fn spawn(self) {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                every.tick().await;
                if let Err(e) = self.pass().await {
                    tracing::error!(error = %e, "backup pass failed");
                }
            }
        });
    }
}
