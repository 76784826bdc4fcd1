//! Integration tests: each starts the real server on a random port with a
//! fresh database and talks HTTP to it. One binary, many modules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accountability;
mod audit;
mod authz;
mod data_calls;
mod directory;
mod duty;
mod enforcement;
mod filings;
mod incidents;
mod input;
mod inspections;
mod inventory;
mod key_periods;
mod monitoring;
mod notices;
mod oidc;
mod ops;
mod pages;
mod registers;
mod scorecard;
mod second_factor;
mod sessions;
mod shape;
mod sites;
mod sso;
mod support;
mod systems;
mod upgrade;
mod warnings;

#[tokio::test]
async fn backend_in_use() {
    use std::io::Write;
    let db = support::TestDb::fresh().await;
    let line = if db.is_postgres() {
        "note: integration tests ran on PostgreSQL (WANGAN_TEST_DATABASE_URL)\n"
    } else {
        "note: PostgreSQL run skipped: the integration tests ran on SQLite; \
         set WANGAN_TEST_DATABASE_URL=postgres://... to run them on PostgreSQL\n"
    };
    // libtest captures the std streams, so write to the process's stderr file itself.
    match std::fs::OpenOptions::new().append(true).open("/dev/stderr") {
        Ok(mut f) => {
            let _ = f.write_all(line.as_bytes());
        }
        Err(_) => eprint!("{line}"),
    }
    let store = wangan_core::Store::connect(&db.url, 1).await.unwrap();
    store.migrate().await.unwrap();
    let expected = if db.is_postgres() { sea_orm::DbBackend::Postgres } else { sea_orm::DbBackend::Sqlite };
    assert_eq!(store.backend(), expected);
}
