//! The access log (网络安全法 §21: network logs kept at least six months):
//! one JSON line per request — time, request id, client address, user,
//! method, the route's template (never the path as sent, never a query
//! string, so no token or ticket is written), status and duration — to a
//! daily file under the data directory (`logs/access.YYYY-MM-DD.log`, the
//! oldest removed past `[logs] retain_days`) or to standard output for
//! journald. Every answer carries its request id (`X-Request-Id`).

use axum::http::request::Parts;
use serde::Serialize;
use std::io::Write;
use std::sync::{Arc, OnceLock};

/// Where the lines go; cheap to clone (a channel to a writer thread).
#[derive(Clone)]
pub struct AccessLog {
    writer: tracing_appender::non_blocking::NonBlocking,
}

impl std::fmt::Debug for AccessLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessLog")
    }
}

/// Keeps the writer thread; dropped at shutdown, it flushes what is left.
pub type Guard = tracing_appender::non_blocking::WorkerGuard;

impl AccessLog {
    /// Daily files in `dir`, at most `retain_days` of them kept.
    pub fn daily(dir: &std::path::Path, retain_days: usize) -> Result<(AccessLog, Guard), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let appender = tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("access")
            .filename_suffix("log")
            .max_log_files(retain_days.max(1))
            .build(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(AccessLog::to(appender))
    }

    /// Lines to standard output (journald keeps them).
    pub fn stdout() -> (AccessLog, Guard) {
        AccessLog::to(std::io::stdout())
    }

    /// Lines to any writer, through a queue to a thread of its own. Not
    /// lossy: a full queue (disk too slow) makes requests wait rather than
    /// lose their lines. The queue holds 8,192 lines (the crate's default,
    /// 128,000, is ~4 MB of memory touched up front: a second of this
    /// server's fastest rate is plenty).
    pub fn to<W: Write + Send + 'static>(w: W) -> (AccessLog, Guard) {
        let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
            .lossy(false)
            .buffered_lines_limit(8_192)
            .finish(w);
        (AccessLog { writer }, guard)
    }

    pub fn write(&self, line: &Line) {
        if let Ok(mut text) = serde_json::to_vec(line) {
            text.push(b'\n');
            let mut w = self.writer.clone();
            if let Err(e) = w.write_all(&text) {
                tracing::warn!(error = %e, "access log line not written");
            }
        }
    }
}

/// One request, as logged.
#[derive(Debug, Serialize)]
pub struct Line<'a> {
    pub time: String,
    pub request_id: &'a str,
    pub client: Option<String>,
    pub user: Option<&'a str>,
    pub method: &'a str,
    /// The route's template (`/systems/{id}`), or `-` when no route matched.
    pub route: &'a str,
    pub status: u16,
    pub duration_ms: f64,
}

/// Where the extractors put who made the request, for its log line.
#[derive(Clone, Default, Debug)]
pub struct UserSlot(pub Arc<OnceLock<String>>);

/// Name the signed-in user of this request (the session's or the token's).
pub fn name_user(parts: &Parts, username: &str) {
    if let Some(slot) = parts.extensions.get::<UserSlot>() {
        let _ = slot.0.set(username.to_owned());
    }
}

/// A fresh request id: 16 hex digits.
pub fn request_id() -> String {
    wangan_core::platform::secret::random_token()[..16].to_owned()
}
