//! Operations: the command line (backup, restore, audit verify, tokens) and
//! two nodes on one database.

use crate::support::*;
use serde_json::json;
use std::process::Command;
use wangan_core::platform::access::Role;

fn wangan(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wangan"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("WANGAN_DATABASE_URL")
        .env("WANGAN_LOG", "warn")
        .output()
        .expect("run wangan")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_live_database_then_restore() {
    let app = spawn_app().await;
    let Some(dir) = app.db.data_dir().cloned() else {
        eprintln!("backup/restore of SQLite: skipped on PostgreSQL (pg_dump, see README)");
        return;
    };
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    admin.send("post", "/units", json!({"code": "before", "name": "备份前", "kind": "office"})).await;

    // While the server runs and keeps writing.
    let backup = dir.join("copy.db");
    let out = wangan(&dir, &["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    admin.send("post", "/units", json!({"code": "after", "name": "备份后", "kind": "office"})).await;

    // Restoring onto a database with data needs --force.
    let out = wangan(&dir, &["restore", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"), "{}", String::from_utf8_lossy(&out.stderr));

    // Restore into a fresh data directory, then check the copy is whole.
    let other = dir.join("restored");
    let out = wangan(&other, &["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = wangan(&other, &["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let restored = wangan_core::Store::connect(&wangan_core::platform::store::sqlite_url(&other), 1).await.unwrap();
    let units = wangan_core::directory::service::units::all_visible(&restored, &wangan_core::Principal::system("t"))
        .await
        .unwrap();
    let codes: Vec<String> = units.into_iter().map(|u| u.code).collect();
    assert_eq!(codes, ["before"]);

    // Not a database at all.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"hello").unwrap();
    assert!(!wangan(&dir.join("x"), &["restore", junk.to_str().unwrap()]).status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_creates_users_tokens_and_verifies_the_chain() {
    let db = TestDb::fresh().await;
    let Some(dir) = db.data_dir().cloned() else {
        eprintln!("CLI test uses the embedded SQLite default: skipped on PostgreSQL");
        return;
    };
    let out = wangan(
        &dir,
        &["user", "create", "zhou", "--role", "unit_admin", "--unit", "nowhere", "--password", "Strong-Pass-2026"],
    );
    assert!(!out.status.success(), "unknown unit refused");
    let out = wangan(&dir, &["user", "create", "zhou", "--role", "officer", "--password", "weak"]);
    assert!(!out.status.success(), "weak password refused");
    let out = wangan(&dir, &["user", "create", "zhou", "--role", "officer", "--password", "Strong-Pass-2026"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = wangan(&dir, &["token", "create", "zhou"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap().trim().to_owned();
    assert!(token.starts_with("wg_") && token.len() > 40);

    let out = wangan(&dir, &["audit", "verify"]);
    assert!(out.status.success());
    let store = wangan_core::Store::connect(&db.url, 1).await.unwrap();
    use sea_orm::ConnectionTrait;
    store.db().execute_unprepared("UPDATE audit_log SET entity_id = 'x' WHERE seq = 1").await.unwrap();
    store.close().await.unwrap();
    let out = wangan(&dir, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("entry 1"));

    // No secret ever reaches the log output.
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Strong-Pass-2026"));
}

/// `audit verify` holds the chain against the anchor file in the data
/// directory; a backup takes the anchor with it and a restore puts it back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_verifies_against_the_anchor_and_backups_carry_it() {
    let db = TestDb::fresh().await;
    let Some(dir) = db.data_dir().cloned() else {
        eprintln!("CLI test uses the embedded SQLite default: skipped on PostgreSQL");
        return;
    };
    for name in ["zhou", "qian", "sun"] {
        let out = wangan(&dir, &["user", "create", name, "--role", "officer", "--password", "Strong-Pass-2026"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let backup = dir.join("backup.db");
    let out = wangan(&dir, &["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let anchor = std::fs::read_to_string(dir.join("audit-anchor.log")).expect("anchored by the backup");
    let beside = std::fs::read_to_string(dir.join("backup.db.audit-anchor.log")).expect("copied beside the backup");
    assert_eq!(anchor, beside);
    assert!(wangan(&dir, &["audit", "verify"]).status.success());

    // Truncate the newest entry and rewind the head: the anchor catches it.
    let store = wangan_core::Store::connect(&db.url, 1).await.unwrap();
    use sea_orm::ConnectionTrait;
    let (seq, _) = wangan_core::platform::audit::head(store.db()).await.unwrap().unwrap();
    store.db().execute_unprepared(&format!("DELETE FROM audit_log WHERE seq = {seq}")).await.unwrap();
    store
        .db()
        .execute_unprepared(&format!(
            "UPDATE audit_head SET seq = {}, hash = (SELECT hash FROM audit_log WHERE seq = {}) WHERE id = 1",
            seq - 1,
            seq - 1
        ))
        .await
        .unwrap();
    store.close().await.unwrap();
    let out = wangan(&dir, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("truncated"));
    // The server says so when it starts.
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangan"))
        .arg("--data-dir")
        .arg(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("WANGAN_DATABASE_URL")
        .env("WANGAN_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the audit chain is broken at entry"), "{err}");
    let anchor_after = std::fs::read_to_string(dir.join("audit-anchor.log")).unwrap();
    assert_eq!(anchor_after, anchor, "a broken chain is not anchored over");

    // Restoring the backup brings its chain and its anchor back together.
    let out = wangan(&dir, &["restore", "--force", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = wangan(&dir, &["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_database() {
    let first = spawn_app().await;
    let second = spawn_on(first.db.clone()).await;
    let token = first.user("root", Role::Admin, None).await;
    let (s, _) =
        first.api(&token).send("post", "/units", json!({"code": "shared", "name": "共享单位", "kind": "office"})).await;
    assert_eq!(s, 201);
    let (s, v) = second.api(&token).get("/units/shared").await;
    assert_eq!((s.as_u16(), v["name"].as_str()), (200, Some("共享单位")));
    // Writes from both nodes interleave in one intact audit chain.
    for i in 0..5 {
        let node = if i % 2 == 0 { &first } else { &second };
        let (s, _) = node
            .api(&token)
            .send("post", "/units", json!({"code": format!("n{i}"), "name": "单位", "kind": "office"}))
            .await;
        assert_eq!(s, 201);
    }
    assert_eq!(wangan_core::platform::audit::verify(first.store.db()).await.unwrap().broken, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_run_once_as_of_a_given_time() {
    let app = spawn_app().await;
    let Some(dir) = app.db.data_dir().cloned() else {
        eprintln!("jobs run-once on the data directory: SQLite only");
        return;
    };
    app.unit("chem", "化学学院").await;
    let system = app.system_in_building("chem").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let (st, n) = officer
        .send(
            "post",
            "/notices",
            json!({"source": "moe", "title": "弱口令", "severity": "critical",
            "received_at": "2026-11-01T00:00:00Z", "deadline": "2026-11-20T00:00:00Z", "systems": [system]}),
        )
        .await;
    assert_eq!(st, 201, "{n}");
    let out = wangan(&dir, &["jobs", "run-once", "--now", "2026-11-20T09:00:00+08:00"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("1 overdue, 0 shutdown orders proposed, 0 issued"), "{stdout}");
    // The same time again: the rung is not taken twice.
    let out = wangan(&dir, &["jobs", "run-once", "--now", "2026-11-20T09:00:00+08:00"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 reminders, 0 overdue, 0 shutdown orders"));
    let out = wangan(&dir, &["jobs", "run-once", "--now", "2026-11-21T09:00:00+08:00"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 shutdown orders proposed, 0 issued"));
    // People decide (`[notices] shutdown = "confirm"`): the system stays as it was until an officer issues it.
    let (_, sys) = officer.get(&format!("/systems/{system}")).await;
    assert_eq!(sys["stage"], "building");
    let (_, orders) = officer.get("/shutdown-orders?state=proposed").await;
    assert_eq!(orders["total"], 1);
    let out = wangan(&dir, &["jobs", "run-once", "--now", "yesterday"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_notices_from_the_command_line() {
    let app = spawn_app().await;
    let Some(dir) = app.db.data_dir().cloned() else {
        eprintln!("import on the data directory: SQLite only");
        return;
    };
    app.unit("chem", "化学学院").await;
    app.system_in_building("chem").await;
    let header = wangan_core::notices::rules::sheet::HEADERS.join(",");
    let file = dir.join("notices.csv");
    std::fs::write(&file, format!("{header}\n市网信办,网信〔2026〕9号,,网页篡改,篡改,严重,,https://www.chem.university.example/,\n公安,,,暗链,,高危,,chem 门户,\n")).unwrap();
    let out = wangan(&dir, &["import", "notices", file.to_str().unwrap(), "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("第 2 行") && stdout.contains("尚未写入"), "{stdout}");
    let out = wangan(&dir, &["import", "notices", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let (_, list) = officer.get("/notices").await;
    assert_eq!(list["total"], 2);
    // A row naming an unknown system: reported by row and column, exit 1, nothing written.
    std::fs::write(&file, format!("{header}\n教育部,,,弱口令,,低危,,https://nowhere.example/,\n")).unwrap();
    let out = wangan(&dir, &["import", "notices", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("第 2 行：受影响系统“https://nowhere.example/”找不到对应的已登记系统"), "{stdout}");
    let (_, list) = officer.get("/notices").await;
    assert_eq!(list["total"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_command_reports_one_url() {
    let farm = wangan_monitor::farm::Farm::start(&["farm.test"]).await.unwrap();
    let dir = std::env::temp_dir().join(format!("wangan-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("http://{}/", farm.http);
    // Not allowed by default: nothing is sent, exit 1.
    let before = farm.requests.load(std::sync::atomic::Ordering::Relaxed);
    let out = wangan(&dir, &["check", &url]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("not allowed"));
    assert_eq!(farm.requests.load(std::sync::atomic::Ordering::Relaxed), before);
    // Allowed: a clean page, readable report, exit 0.
    let out = wangan(&dir, &["check", &url, "--allow", "127.0.0.0/8", "--icp", wangan_monitor::farm::ICP]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("HTTP 200") && text.contains("学院"), "{text}");
    // Hidden links and an exposed .git: JSON, exit 2.
    farm.update(&farm.http.ip().to_string(), |s| {
        s.plant = wangan_monitor::farm::Plant::HiddenLinks;
        s.git_exposed = true;
    });
    let out = wangan(&dir, &["check", &url, "--allow", "127.0.0.0/8", "--json"]);
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let subjects: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["subject"].as_str()).collect();
    assert!(subjects.contains(&"hidden_link:casino.example") && subjects.contains(&"file:/.git/HEAD"), "{subjects:?}");
    assert_eq!(report["status"], 200);
    let _ = std::fs::remove_dir_all(&dir);
}

/// With stdout redirected (as under systemd), the first admin password goes
/// to a file only the service user can read, never to the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_admin_password_stays_out_of_the_log() {
    let dir = &std::env::temp_dir().join(format!("wangan-first-password-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangan"))
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("WANGAN_DATABASE_URL")
        .env("WANGAN_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let file = dir.join("initial-admin-password");
    for _ in 0..200 {
        if std::fs::read_to_string(&file).is_ok_and(|s| !s.trim().is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _ = child.kill();
    let out = child.wait_with_output().expect("output");
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let pw = std::fs::read_to_string(&file).expect("password file").trim().to_owned();
    assert!(pw.len() >= 16, "{pw}");
    assert!(!log.contains(&pw), "the password is in the log: {log}");
    assert!(log.contains("initial-admin-password"), "the log says where it is: {log}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let store = wangan_core::Store::connect(&wangan_core::platform::store::sqlite_url(dir), 1).await.unwrap();
    assert!(wangan_core::accounts::service::authenticate(&store, "admin", &pw).await.is_ok(), "it signs in");
    store.close().await.unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// Authenticated pages, API answers and downloads are not to be cached;
/// over TLS browsers are told to keep to HTTPS; `/metrics` can require a
/// token, and shows the audit chain's head.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_and_a_guarded_metrics_endpoint() {
    let app = spawn_app().await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    for path in ["/units", "/systems/export.xlsx"] {
        let r = admin.call("get", path, None).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
        assert!(r.headers().get("strict-transport-security").is_none(), "plain HTTP: no HSTS");
    }
    let b = app.browser();
    b.login("root", PASSWORD).await;
    let r = b.client.get(format!("{}/units", b.base)).send().await.unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");
    let css = b.client.get(format!("{}/static/app.css", b.base)).send().await.unwrap();
    assert_eq!(css.headers()["cache-control"], "public, max-age=3600", "the stylesheet may be cached");
    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("wangan_audit_head_seq "), "{metrics}");

    // A node behind TLS, with a metrics token.
    let config = wangan_web::WebConfig {
        secure_cookies: true,
        metrics_token: Some("scrape-secret".into()),
        ..Default::default()
    };
    let router = wangan_web::router(wangan_web::AppState::new(app.store.clone(), config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let c = reqwest::Client::new();
    let r = c.get(format!("http://{addr}/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = c.get(format!("http://{addr}/metrics")).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = c.get(format!("http://{addr}/metrics")).bearer_auth("scrape-secret").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let r = c.get(format!("http://{addr}/login")).send().await.unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
}

/// Three nodes started at the same moment on one fresh database all come
/// up: migrations and the first account are done once, by whichever node
/// holds the start-up lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_start_together_on_a_fresh_database() {
    use std::io::BufRead;
    let db = TestDb::fresh().await;
    let shared = std::env::temp_dir().join(format!("wangan-three-{}", std::process::id()));
    let mut children = Vec::new();
    for i in 0..3 {
        // SQLite: one data directory (the database is in it); PostgreSQL: the URL, a directory each.
        let dir = match db.data_dir() {
            Some(d) => d.clone(),
            None => shared.join(format!("node{i}")),
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wangan"));
        cmd.arg("--data-dir").arg(&dir).args(["serve", "--listen", "127.0.0.1:0"]).env("WANGAN_LOG", "warn");
        if db.is_postgres() {
            cmd.env("WANGAN_DATABASE_URL", &db.url);
        } else {
            cmd.env_remove("WANGAN_DATABASE_URL");
        }
        let child =
            cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("serve");
        children.push(child);
    }
    let mut waits = Vec::new();
    for child in &mut children {
        let stdout = child.stdout.take().expect("stdout");
        waits.push(std::thread::spawn(move || {
            std::io::BufReader::new(stdout).lines().map_while(Result::ok).any(|l| l.contains("网安 Wangan: http://"))
        }));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while waits.iter().any(|w| !w.is_finished()) && std::time::Instant::now() < deadline {
        let exited = children.iter_mut().any(|c| c.try_wait().ok().flatten().is_some());
        if exited {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut errors = Vec::new();
    for mut child in children {
        let _ = child.kill();
        let out = child.wait_with_output().expect("output");
        errors.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let served: Vec<bool> = waits.into_iter().map(|w| w.join().unwrap_or(false)).collect();
    assert_eq!(served, [true, true, true], "every node serves:\n{}", errors.join("\n---\n"));
    let store = wangan_core::Store::connect(&db.url, 1).await.unwrap();
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(wangan_core::accounts::entity::user::Entity::find().count(store.db()).await.unwrap(), 1, "one admin");
    store.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&shared);
}
