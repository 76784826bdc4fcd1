//! Integration tests: each starts the real server on a random port with a
//! fresh database and talks HTTP to it. One binary, many modules.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod authz;
mod directory;
mod input;
mod ops;
mod pages;
mod sessions;
mod support;

#[tokio::test]
async fn backend_in_use() {
    let db = support::TestDb::fresh().await;
    if db.is_postgres() {
        eprintln!("integration tests run on PostgreSQL (WANGAN_TEST_DATABASE_URL)");
    } else {
        eprintln!(
            "integration tests run on SQLite; PostgreSQL run skipped: set WANGAN_TEST_DATABASE_URL to include it"
        );
    }
    let store = wangan_core::Store::connect(&db.url, 1).await.unwrap();
    store.migrate().await.unwrap();
    let expected = if db.is_postgres() { sea_orm::DbBackend::Postgres } else { sea_orm::DbBackend::Sqlite };
    assert_eq!(store.backend(), expected);
}
