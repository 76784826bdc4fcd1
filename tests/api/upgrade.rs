//! A SQLite database made by an earlier release opens, migrates and serves
//! with this one. `tests/fixtures/demo-76941b8.db` is the demo university as
//! written by the release at commit 76941b8 (before the shape change of
//! issue 12), copied with `wangan backup`. Always SQLite, whatever backend
//! the other tests use.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_the_release_before_opens_and_serves() {
    wangan_notify::install_crypto();
    let dir = std::env::temp_dir().join(format!("wangan-upgrade-{}-{}", std::process::id(), line!()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo-76941b8.db");
    std::fs::copy(&fixture, dir.join("wangan.db")).unwrap();
    let db = std::sync::Arc::new(TestDb {
        url: wangan_core::platform::store::sqlite_url(&dir),
        backend: Backend::Sqlite(dir),
    });
    let app = spawn_on(db).await;

    // The chain written by the old release still verifies.
    let audit = wangan_core::platform::audit::verify(app.store.db()).await.unwrap();
    assert_eq!(audit.broken, None);
    assert!(audit.checked > 100, "the demo's entries are there: {}", audit.checked);

    let b = app.browser();
    let r = b.login("officer", "Demo-Pass-2026").await;
    assert!(r.status().is_redirection(), "the old password hash still signs in: {}", r.status());
    for (page, expect) in [
        ("/", "网"),
        ("/systems", "university.example"),
        ("/systems?stage=online", "university.example"),
        ("/notices", "通报"),
        ("/rectifications", "整改"),
        ("/rectifications?status=in_progress", "整改"),
        ("/monitors", "university.example"),
        ("/units", "计算机科学与技术学院"),
    ] {
        let (s, html) = b.get(page).await;
        assert_eq!(s, 200, "{page}");
        assert!(html.contains(expect), "{page} shows {expect}");
    }
    let token = app.user("upgrade.check", wangan_core::platform::access::Role::Officer, None).await;
    let api = app.api(&token);
    let (s, v) = api.get("/systems?per_page=100").await;
    assert_eq!(s, 200);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 40, "all 40 demo systems");
    // Every stored state reads back as one of the values the API documents.
    for stage in items.iter().map(|i| i["stage"].as_str().unwrap()) {
        assert!(["planned", "building", "online", "offline", "shutdown", "closed"].contains(&stage), "{stage}");
    }
    let (s, v) = api.get("/rectifications?per_page=100").await;
    assert_eq!(s, 200);
    assert!(v["total"].as_u64().unwrap() > 0);
}
