//! The storage handle: one connection pool, the clock, and the write path.
//!
//! Every change goes through [`Store::begin_write`]: on SQLite writes are
//! serialized in-process (a deferred SQLite transaction that reads first and
//! writes later could otherwise fail with a busy snapshot); on PostgreSQL the
//! audit chain head is locked inside the transaction (see `audit::append`).

use crate::accounts::auth_cache::AuthCache;
use crate::platform::clock::{Clock, SystemClock};
use crate::platform::error::{CoreError, Result};
use crate::platform::migration::Migrator;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    clock: Arc<dyn Clock>,
    write_lock: Arc<Mutex<()>>,
    auth_cache: Arc<AuthCache>,
    registry: Arc<RegistryPolicy>,
    notices: Arc<crate::notices::NoticePolicy>,
    monitors: Arc<crate::monitoring::service::MonitorPolicy>,
    attachments: Option<crate::platform::attachments::AttachmentDir>,
    sheet_limits: wangan_office::Limits,
    documents: Arc<DocumentNames>,
    accountability: Arc<crate::enforcement::AccountabilityPolicy>,
    scorecard: Arc<crate::scorecard::ScoreWeights>,
    reporting: Arc<crate::incidents::ReportingPolicy>,
    duty: Arc<crate::duty::DutyPolicy>,
    sites: Arc<crate::sites::service::SitesPolicy>,
    duty_spans: Arc<crate::duty::service::shifts::SpansCache>,
}

/// The names official documents and pages use (`[institution]` in `wangan.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentNames {
    /// The institution, in document titles: 《某某大学网站（信息系统）风险整改报告》.
    pub institution: String,
    /// The network center, one name throughout (default 网络信息中心).
    pub center: String,
    /// The leadership group (网络安全与信息化领导小组).
    pub leadership_group: String,
}

impl Default for DocumentNames {
    fn default() -> Self {
        DocumentNames {
            institution: String::new(),
            center: "网络信息中心".into(),
            leadership_group: "网络安全与信息化领导小组".into(),
        }
    }
}

impl DocumentNames {
    /// The center's short name, for document numbers (网络信息中心 → 网信).
    pub fn short_name(&self) -> String {
        match self.center.as_str() {
            "网络信息中心" => "网信".into(),
            other => other.chars().take(2).collect(),
        }
    }
}

/// Key of the PostgreSQL advisory lock that serializes start-up across nodes.
const STARTUP_LOCK_KEY: i64 = 0x5741_4e47_5354; // "WANGST"

/// Held while one node migrates and bootstraps; see [`Store::startup_lock`].
#[derive(Debug)]
pub enum StartupLock {
    Postgres(Option<sea_orm::sqlx::pool::PoolConnection<sea_orm::sqlx::Postgres>>),
    File(std::fs::File),
    None,
}

impl StartupLock {
    pub async fn release(mut self) -> Result<()> {
        if let StartupLock::Postgres(conn) = &mut self
            && let Some(mut c) = conn.take()
        {
            sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(STARTUP_LOCK_KEY)
                .execute(&mut *c)
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))?;
        }
        Ok(())
    }
}

impl Drop for StartupLock {
    fn drop(&mut self) {
        // Not released (an error on the way): close the session, which ends its lock.
        if let StartupLock::Postgres(conn) = self
            && let Some(c) = conn.take()
        {
            drop(c.detach());
        }
    }
}

/// The configurable rules of the registry.
#[derive(Debug, Clone)]
pub struct RegistryPolicy {
    pub gates: crate::registry::GatePolicy,
    pub evaluations: crate::registry::rules::mlps::EvaluationPolicy,
    /// A unit's system goes online on the center's approval of a go-live request.
    pub golive_approval: bool,
}

impl Default for RegistryPolicy {
    fn default() -> Self {
        RegistryPolicy { gates: Default::default(), evaluations: Default::default(), golive_approval: true }
    }
}

/// A write transaction; commit it or drop it (which rolls back).
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl WriteTxn {
    pub async fn commit(self) -> Result<()> {
        self.txn.commit().await?;
        Ok(())
    }
}

/// `sqlite://PATH` for a database file under the data directory.
pub fn sqlite_url(data_dir: &Path) -> String {
    sqlite_url_for(&data_dir.join("wangan.db"))
}

/// `sqlite://PATH` for a database file.
pub fn sqlite_url_for(file: &Path) -> String {
    format!("sqlite://{}", file.display())
}

/// The file path of a `sqlite://` URL, if it is one.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

impl Store {
    /// Connect (creating the SQLite file if needed) with the house settings.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Store> {
        Self::connect_with_clock(url, max_connections, Arc::new(SystemClock)).await
    }

    pub async fn connect_with_clock(url: &str, max_connections: u32, clock: Arc<dyn Clock>) -> Result<Store> {
        if let Some(path) = sqlite_path(url)
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| CoreError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        }
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30))
            // Every statement and its time, at debug level, when asked (WANGAN_SQL_LOG=1).
            .sqlx_logging(std::env::var_os("WANGAN_SQL_LOG").is_some())
            .sqlx_logging_level(tracing::log::LevelFilter::Debug)
            // Checking a pooled connection before every use costs a round trip (to the
            // SQLite worker thread, or to the PostgreSQL server) per query; check only
            // connections that have sat idle long enough to have been dropped.
            .test_before_acquire_if_idle_for(Duration::from_secs(60))
            .map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // Rows come from the connection's worker thread over a channel; at the
                    // default 50 the worker stops and is woken again many times for a query
                    // of thousands of rows (the monitors' open findings), a context switch each.
                    .row_buffer_size(1024)
            });
        let db = Database::connect(opts).await?;
        Ok(Store {
            db,
            clock,
            write_lock: Arc::new(Mutex::new(())),
            auth_cache: Arc::new(AuthCache::default()),
            registry: Arc::new(RegistryPolicy::default()),
            notices: Arc::new(crate::notices::NoticePolicy::default()),
            monitors: Arc::new(crate::monitoring::service::MonitorPolicy::default()),
            attachments: None,
            sheet_limits: wangan_office::Limits::default(),
            documents: Arc::new(DocumentNames::default()),
            accountability: Arc::new(crate::enforcement::AccountabilityPolicy::default()),
            scorecard: Arc::new(crate::scorecard::ScoreWeights::default()),
            reporting: Arc::new(crate::incidents::ReportingPolicy::default()),
            duty: Arc::new(crate::duty::DutyPolicy::default()),
            sites: Arc::new(crate::sites::service::SitesPolicy::default()),
            duty_spans: Arc::new(Default::default()),
        })
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Replace the registry's rules (from configuration).
    pub fn with_registry_policy(mut self, policy: RegistryPolicy) -> Store {
        self.registry = Arc::new(policy);
        self
    }

    /// Keep attachments in this directory (normally `DATA_DIR/attachments`;
    /// nodes sharing a PostgreSQL database must share it too).
    pub fn with_attachments(mut self, dir: impl Into<PathBuf>) -> Store {
        self.attachments = Some(crate::platform::attachments::AttachmentDir::new(dir));
        self
    }

    pub fn attachments(&self) -> Result<&crate::platform::attachments::AttachmentDir> {
        self.attachments.as_ref().ok_or_else(|| CoreError::Internal("no attachment directory configured".into()))
    }

    /// The bounds of reading an uploaded spreadsheet.
    pub fn with_sheet_limits(mut self, limits: wangan_office::Limits) -> Store {
        self.sheet_limits = limits;
        self
    }

    pub fn sheet_limits(&self) -> &wangan_office::Limits {
        &self.sheet_limits
    }

    /// The institution's and the center's names (from configuration).
    pub fn with_documents(mut self, names: DocumentNames) -> Store {
        self.documents = Arc::new(names);
        self
    }

    pub fn documents(&self) -> &DocumentNames {
        &self.documents
    }

    pub fn registry_policy(&self) -> &RegistryPolicy {
        &self.registry
    }

    /// Replace the rules of notices: deadlines, the escalation ladder (from configuration).
    pub fn with_notice_policy(mut self, policy: crate::notices::NoticePolicy) -> Store {
        self.notices = Arc::new(policy);
        self
    }

    pub fn with_monitor_policy(mut self, policy: crate::monitoring::service::MonitorPolicy) -> Store {
        self.monitors = Arc::new(policy);
        self
    }

    pub fn monitor_policy(&self) -> &crate::monitoring::service::MonitorPolicy {
        &self.monitors
    }

    /// The correction deadline of violations (from configuration).
    pub fn with_accountability_policy(mut self, policy: crate::enforcement::AccountabilityPolicy) -> Store {
        self.accountability = Arc::new(policy);
        self
    }

    pub fn accountability_policy(&self) -> &crate::enforcement::AccountabilityPolicy {
        &self.accountability
    }

    /// The scorecard's weights (from configuration).
    pub fn with_score_weights(mut self, weights: crate::scorecard::ScoreWeights) -> Store {
        self.scorecard = Arc::new(weights);
        self
    }

    pub fn score_weights(&self) -> &crate::scorecard::ScoreWeights {
        &self.scorecard
    }

    /// Incidents' reporting targets (from configuration).
    pub fn with_reporting_policy(mut self, policy: crate::incidents::ReportingPolicy) -> Store {
        self.reporting = Arc::new(policy);
        self
    }

    pub fn reporting_policy(&self) -> &crate::incidents::ReportingPolicy {
        &self.reporting
    }

    /// The duty roster's settings (from configuration).
    pub fn with_duty_policy(mut self, policy: crate::duty::DutyPolicy) -> Store {
        self.duty = Arc::new(policy);
        self
    }

    pub fn duty_policy(&self) -> &crate::duty::DutyPolicy {
        &self.duty
    }

    /// The institution's borders and the zombie rule (`[institution]`, `[sites]`).
    pub fn with_sites_policy(mut self, policy: crate::sites::service::SitesPolicy) -> Store {
        self.sites = Arc::new(policy);
        self
    }

    pub fn sites_policy(&self) -> &crate::sites::service::SitesPolicy {
        &self.sites
    }

    /// The coming days' shifts, read at most once a minute (see `SpansCache`).
    pub(crate) fn duty_spans(&self) -> &crate::duty::service::shifts::SpansCache {
        &self.duty_spans
    }

    pub fn notice_policy(&self) -> &crate::notices::NoticePolicy {
        &self.notices
    }

    /// Who tokens and sessions belong to, for a few seconds.
    pub fn auth_cache(&self) -> &AuthCache {
        &self.auth_cache
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Serialize start-up work (migrations, the first account, demo data)
    /// across every node that starts on this database at the same moment:
    /// a PostgreSQL advisory lock held by one pooled connection, or for
    /// SQLite an exclusive lock on a file beside the database (SQLite's own
    /// write lock cannot be held while the migrations write through the pool).
    /// Release it with [`StartupLock::release`]; dropping it releases it too.
    pub async fn startup_lock(&self) -> Result<StartupLock> {
        match self.backend() {
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                let mut conn = pool.acquire().await.map_err(|e| CoreError::Internal(e.to_string()))?;
                sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
                    .bind(STARTUP_LOCK_KEY)
                    .execute(&mut *conn)
                    .await
                    .map_err(|e| CoreError::Internal(e.to_string()))?;
                Ok(StartupLock::Postgres(Some(conn)))
            }
            DbBackend::Sqlite => {
                let row = self
                    .db
                    .query_one_raw(sea_orm::Statement::from_string(
                        DbBackend::Sqlite,
                        "SELECT file FROM pragma_database_list WHERE name = 'main'",
                    ))
                    .await?;
                let file: String = row.and_then(|r| r.try_get("", "file").ok()).unwrap_or_default();
                if file.is_empty() {
                    return Ok(StartupLock::None); // in memory: one process only
                }
                let path = PathBuf::from(format!("{file}.startup-lock"));
                let lock = tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
                    let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
                    f.lock()?;
                    Ok(f)
                })
                .await
                .map_err(|e| CoreError::Internal(e.to_string()))?
                .map_err(|e| CoreError::Internal(format!("start-up lock: {e}")))?;
                Ok(StartupLock::File(lock))
            }
            _ => Ok(StartupLock::None),
        }
    }

    pub async fn migrate(&self) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        Migrator::up(&self.db, None).await?;
        drop(_guard);
        self.optimize().await
    }

    /// At start: refresh the planner's statistics of the tables that need it
    /// (never analysed, or grown or shrunk many times over since), as SQLite
    /// advises for a connection that opens (`PRAGMA optimize=0x10002`). A full
    /// `ANALYZE` reads every table and index (tens of milliseconds on a
    /// campus's data, paid by every `wangan` command); the server refreshes
    /// the statistics hourly and after an import in full ([`Store::analyze`]).
    pub async fn optimize(&self) -> Result<()> {
        if self.backend() == DbBackend::Sqlite {
            self.db.execute_unprepared("PRAGMA optimize=0x10002").await?;
        }
        Ok(())
    }

    /// Refresh the query planner's statistics (SQLite; PostgreSQL's autovacuum
    /// does this by itself). Without them SQLite sorts whole filtered lists
    /// where walking an index would do. Cheap: tens of milliseconds on 50,000 systems.
    pub async fn analyze(&self) -> Result<()> {
        if self.backend() == DbBackend::Sqlite {
            self.db.execute_unprepared("ANALYZE").await?;
        }
        Ok(())
    }

    pub async fn begin_write(&self) -> Result<WriteTxn> {
        let guard = match self.backend() {
            DbBackend::Sqlite => Some(self.write_lock.clone().lock_owned().await),
            _ => None,
        };
        let txn = self.db.begin().await?;
        if guard.is_some() {
            // Take SQLite's write lock now, as BEGIN IMMEDIATE would: another process (a
            // command run beside the server) then makes us wait `busy_timeout`, instead of
            // failing our transaction when it later turns from reading to writing.
            txn.execute_unprepared("UPDATE audit_head SET seq = seq WHERE 0").await?;
        }
        Ok(WriteTxn { txn, _guard: guard })
    }

    /// Write a consistent copy of a live SQLite database to `dest`.
    pub async fn backup_sqlite(&self, dest: &Path) -> Result<()> {
        if self.backend() != DbBackend::Sqlite {
            return Err(CoreError::Internal("backup copies SQLite only; use pg_dump for PostgreSQL".into()));
        }
        if dest.exists() {
            return Err(CoreError::Conflict("backup_exists"));
        }
        let path = dest.to_string_lossy().replace('\'', "''");
        self.db.execute_unprepared(&format!("VACUUM INTO '{path}'")).await?;
        Ok(())
    }

    pub async fn close(self) -> Result<()> {
        self.db.close().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://./d/wangan.db?mode=rwc"), Some(PathBuf::from("./d/wangan.db")));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
        assert_eq!(sqlite_url(Path::new("data")), "sqlite://data/wangan.db");
    }

    /// The compiled-in SQLite keeps its plans (`.cargo/config.toml`): without
    /// the guarantee, every paged query is parsed and planned again at each
    /// execution.
    #[tokio::test(flavor = "current_thread")]
    async fn sqlite_is_built_with_the_planner_stability_guarantee() {
        let store = Store::connect("sqlite::memory:", 1).await.expect("store");
        let sql = "SELECT sqlite_compileoption_used('ENABLE_QPSG') AS qpsg, \
                   sqlite_compileoption_used('DEFAULT_MEMSTATUS=0') AS memstatus";
        let row = store
            .db()
            .query_one_raw(sea_orm::Statement::from_string(DbBackend::Sqlite, sql))
            .await
            .expect("query")
            .expect("a row");
        assert_eq!(row.try_get::<i32>("", "qpsg").expect("qpsg"), 1);
        assert_eq!(row.try_get::<i32>("", "memstatus").expect("memstatus"), 1);
    }
}
