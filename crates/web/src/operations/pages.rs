//! `GET /status` (admin, auditor).

use crate::AppState;
use crate::platform::extract::PageUser;
use crate::platform::page::{Ctx, OrPage, PageResult, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use wangan_core::platform::operations;

pub fn routes() -> Router<AppState> {
    Router::new().route("/status", get(status))
}

pub struct BackupRow {
    pub when: String,
    pub file: String,
    pub size: String,
    pub ok: bool,
    pub running: bool,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "operations/status.html")]
struct StatusPage {
    ctx: Ctx,
    version: &'static str,
    database: &'static str,
    chain: String,
    last_backup: Option<BackupRow>,
    plan: String,
    access_log: String,
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}

async fn status(State(s): State<AppState>, user: PageUser) -> PageResult {
    let st = operations::status(&s.store, &user.principal).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "status");
    let chain = match st.chain_head {
        Some((seq, hash)) => {
            ctx.m.fmt("status.chain_head", &[("seq", &seq.to_string()), ("hash", &hash[..16.min(hash.len())])])
        }
        None => ctx.t("status.chain_empty").to_owned(),
    };
    let last_backup = st.last_backup.map(|b| BackupRow {
        when: ctx.time(&b.finished_at.unwrap_or(b.started_at)),
        file: b.file.clone(),
        size: b.bytes.map(size).unwrap_or_default(),
        ok: b.ok,
        running: b.finished_at.is_none(),
        detail: b.detail.clone(),
    });
    let info = &s.config.operations;
    let plan = match &info.backup_daily_at {
        Some(at) => ctx.m.fmt(
            "status.backup_plan",
            &[("at", at), ("keep", &info.backup_keep.to_string()), ("dir", &info.backup_dir)],
        ),
        None => ctx.t("status.backup_off").to_owned(),
    };
    let access_log = match info.access_log.as_deref() {
        None => ctx.t("status.access_off").to_owned(),
        Some("stdout") => ctx.t("status.access_stdout").to_owned(),
        Some(dir) => ctx.m.fmt("status.access_dir", &[("dir", dir), ("days", &info.access_retain_days.to_string())]),
    };
    let database = match st.backend {
        sea_orm::DbBackend::Postgres => "PostgreSQL",
        _ => "SQLite",
    };
    render(StatusPage { ctx, version: env!("CARGO_PKG_VERSION"), database, chain, last_backup, plan, access_log })
}
