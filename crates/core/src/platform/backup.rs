//! Backups: a consistent online copy of the SQLite database with the audit
//! anchor beside it (`wangan backup`, and daily by schedule), the record
//! of each scheduled one, and the pruning of old ones. On PostgreSQL the
//! schedule runs the operator's hook (see the README's `pg_dump` recipe).

pub mod rules;

use crate::platform::audit_anchor::AnchorFile;
use crate::platform::entity::backup;
use crate::platform::error::{CoreError, Result};
use crate::platform::store::Store;
use chrono::NaiveDate;
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
use std::path::{Path, PathBuf};

/// The anchor file that goes with a backup file.
pub fn anchor_beside(file: &Path) -> PathBuf {
    let mut name = file.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".audit-anchor.log");
    file.with_file_name(name)
}

/// Copy the live SQLite database to `file` (the server may keep running),
/// anchor the audit chain first (when it is whole) and copy the anchor file
/// beside it. Returns the copy's size.
pub async fn sqlite(store: &Store, data_dir: &Path, file: &Path) -> Result<u64> {
    store.backup_sqlite(file).await?;
    let anchor = AnchorFile::in_dir(data_dir);
    if anchor.verify(store.db()).await?.broken.is_none() {
        anchor.anchor(store.db(), store.now()).await?;
    }
    if anchor.path().exists() {
        std::fs::copy(anchor.path(), anchor_beside(file))
            .map_err(|e| CoreError::Internal(format!("{}: {e}", anchor_beside(file).display())))?;
    }
    Ok(std::fs::metadata(file).map(|m| m.len()).unwrap_or_default())
}

/// Claim a day's backup for this node: `None` when another node (or an
/// earlier run) has it already.
pub async fn claim(store: &Store, day: NaiveDate, node: &str, file: &Path) -> Result<Option<i64>> {
    let txn = store.begin_write().await?;
    let row = backup::ActiveModel {
        slot: Set(day.to_string()),
        node: Set(node.to_owned()),
        file: Set(file.display().to_string()),
        started_at: Set(store.now()),
        finished_at: Set(None),
        ok: Set(false),
        bytes: Set(None),
        detail: Set(String::new()),
        ..Default::default()
    };
    match row.insert(&*txn).await {
        Ok(m) => {
            txn.commit().await?;
            Ok(Some(m.id))
        }
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether a day's backup was claimed already.
pub async fn claimed(store: &Store, day: NaiveDate) -> Result<bool> {
    use sea_orm::{ColumnTrait, QueryFilter};
    Ok(backup::Entity::find().filter(backup::Column::Slot.eq(day.to_string())).one(store.db()).await?.is_some())
}

/// Record how a claimed backup ended.
pub async fn finish(store: &Store, id: i64, outcome: std::result::Result<u64, String>) -> Result<()> {
    let txn = store.begin_write().await?;
    let row = backup::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let mut am: backup::ActiveModel = row.into();
    am.finished_at = Set(Some(store.now()));
    match outcome {
        Ok(bytes) => {
            am.ok = Set(true);
            am.bytes = Set(Some(i64::try_from(bytes).unwrap_or(i64::MAX)));
        }
        Err(why) => {
            am.ok = Set(false);
            am.detail = Set(why.chars().take(500).collect());
        }
    }
    am.update(&*txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The newest scheduled backup, for the status page.
pub async fn last(store: &Store) -> Result<Option<backup::Model>> {
    Ok(backup::Entity::find().order_by_desc(backup::Column::StartedAt).one(store.db()).await?)
}

/// Remove the backups (and their anchors) beyond the newest `keep` in `dir`.
pub fn prune(dir: &Path, keep: usize) -> std::io::Result<Vec<String>> {
    let names: Vec<String> =
        std::fs::read_dir(dir)?.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    let gone = rules::to_remove(&names, keep);
    for name in &gone {
        std::fs::remove_file(dir.join(name))?;
        let anchor = anchor_beside(&dir.join(name));
        if anchor.exists() {
            std::fs::remove_file(anchor)?;
        }
    }
    Ok(gone)
}

/// What one scheduled pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pass {
    NotDue,
    /// Made (or tried) today already, here or on another node.
    Done,
    Made {
        file: PathBuf,
        bytes: u64,
        removed: Vec<String>,
    },
    Failed(String),
}
