//! The platform's own state for its operators (平台状态): the audit chain's
//! head, the last scheduled backup, and what was configured for backups
//! and the access log. Read by admins and auditors.

use crate::platform::access::{Permission, Principal};
use crate::platform::entity::backup;
use crate::platform::error::Result;
use crate::platform::store::Store;

/// What the operator configured, for the status page to state.
#[derive(Debug, Clone, Default)]
pub struct Configured {
    /// "03:00", or `None` when scheduled backups are off.
    pub backup_daily_at: Option<String>,
    pub backup_keep: usize,
    pub backup_dir: String,
    /// Where the access log goes: a directory, "stdout", or `None` (off).
    pub access_log: Option<String>,
    pub access_retain_days: usize,
}

#[derive(Debug, Clone)]
pub struct Status {
    pub backend: sea_orm::DbBackend,
    /// The chain's head: sequence and hash.
    pub chain_head: Option<(i64, String)>,
    pub last_backup: Option<backup::Model>,
}

pub async fn status(store: &Store, who: &Principal) -> Result<Status> {
    who.require(Permission::ReadAudit)?;
    Ok(Status {
        backend: store.backend(),
        chain_head: crate::platform::audit::head(store.db()).await?,
        last_backup: crate::platform::backup::last(store).await?,
    })
}
