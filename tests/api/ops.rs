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

/// Issue 19: every request is one line of the access log (a daily file
/// under the given directory): the route's template, never the path's ids
/// or a query string (tickets, tokens); the user when signed in; the
/// request id the answer carries. `/metrics` counts requests by route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_is_logged_by_route_and_counted() {
    let dir = std::env::temp_dir().join(format!("wangan-access-{}", wangan_core::platform::secret::random_token()));
    let (log, guard) = wangan_web::platform::access_log::AccessLog::daily(&dir, 180).unwrap();
    let app = spawn_web(wangan_web::WebConfig { access_log: Some(log), ..Default::default() }).await;
    let token = app.user("wang", Role::Officer, None).await;
    let c = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = c.get(app.url("/api/v1/units?per_page=5")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let request_id = r.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
    assert_eq!(request_id.len(), 16);
    let r = c.get(app.url("/systems/4242")).send().await.unwrap();
    assert_eq!(r.status(), 303, "not signed in: to the sign-in page");
    c.get(app.url("/login/cas?ticket=ST-1-very-secret")).send().await.unwrap();
    c.get(app.url("/no/such/page/ST-2-secret")).send().await.unwrap();
    let b = app.browser();
    b.login("wang", PASSWORD).await;
    assert_eq!(b.get("/account").await.0, 200);

    // The file is written by a thread of its own: wait for the lines.
    let mut text = String::new();
    for _ in 0..100 {
        text = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with("access."))
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        if text.lines().count() >= 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    drop(guard);
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    assert!(lines.len() >= 6, "{text}");
    let api = lines.iter().find(|l| l["request_id"] == request_id.as_str()).expect("the answer's id is logged");
    assert_eq!(
        (api["method"].as_str(), api["route"].as_str(), api["status"].as_u64(), api["user"].as_str()),
        (Some("GET"), Some("/api/v1/units"), Some(200), Some("wang")),
        "{api}"
    );
    assert!(api["client"].as_str().is_some_and(|c| c == "127.0.0.1") && api["duration_ms"].is_number(), "{api}");
    assert!(lines.iter().any(|l| l["route"] == "/systems/{id}" && l["status"] == 303 && l["user"].is_null()));
    assert!(lines.iter().any(|l| l["route"] == "/account" && l["user"] == "wang"));
    assert!(lines.iter().any(|l| l["route"] == "-" && l["status"] == 404), "an unmatched path: no template");
    assert!(!text.contains("secret") && !text.contains("4242") && !text.contains(&token), "{text}");

    let metrics = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(
        metrics.contains(r#"wangan_http_route_requests_total{method="GET",route="/api/v1/units",class="2xx"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics
            .contains(r#"wangan_http_route_duration_seconds_bucket{method="GET",route="/api/v1/units",le="+Inf"} 1"#)
    );
    assert!(metrics.contains(r#"wangan_http_route_duration_seconds_count{method="POST",route="/login"} 1"#));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 19: a backup is made daily at `[backup] daily_at` (here by `jobs
/// run-once` at given times), once a day, the newest `keep` kept; the
/// latest restores into a fresh data directory with its audit chain whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_backups_are_made_once_pruned_and_restore_whole() {
    // The CLI runs on a SQLite data directory of its own, whichever database the suite uses.
    let dir = std::env::temp_dir().join(format!("wangan-backups-{}", wangan_core::platform::secret::random_token()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("wangan.toml");
    std::fs::write(&config, "[backup]\ndaily_at = \"03:00\"\nkeep = 2\n[monitor]\nenabled = false\n").unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        let out = wangan(&dir, &all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["user", "create", "root", "--role", "admin", "--password", "Backup-Pass-2026"]);
    let at = |t: &str| run(&["jobs", "run-once", "--now", t]);
    assert!(at("2026-12-08T02:59:00+08:00").contains("backup: not due yet"));
    let made = at("2026-12-08T03:00:30+08:00");
    assert!(made.contains("backup: ") && made.contains("wangan-20261208-030030.db"), "{made}");
    assert!(at("2026-12-08T15:00:00+08:00").contains("backup: today's is made"), "once a day");
    run(&["user", "create", "second", "--role", "officer", "--password", "Backup-Pass-2026"]);
    at("2026-12-09T03:01:00+08:00");
    at("2026-12-10T09:00:00+08:00");
    let backups = dir.join("backups");
    let mut names: Vec<String> =
        std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "wangan-20261209-030100.db",
            "wangan-20261209-030100.db.audit-anchor.log",
            "wangan-20261210-090000.db",
            "wangan-20261210-090000.db.audit-anchor.log"
        ],
        "the newest two kept, each with its anchor"
    );

    // The latest into a fresh data directory: the audit chain verifies, the data is there.
    let fresh = dir.join("fresh");
    let latest = backups.join("wangan-20261210-090000.db");
    let out = wangan(&fresh, &["restore", latest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = wangan(&fresh, &["audit", "verify"]);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let restored = wangan_core::Store::connect(&wangan_core::platform::store::sqlite_url(&fresh), 1).await.unwrap();
    let users =
        wangan_core::accounts::service::list_users(&restored, &wangan_core::Principal::system("t")).await.unwrap();
    assert_eq!(users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["root", "second"]);
    let last = wangan_core::platform::backup::last(&restored).await.unwrap().expect("recorded");
    assert_eq!(last.slot, "2026-12-10");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 19: a period of the audit chain exported for archiving verifies on
/// its own; a rewritten or missing entry is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_export_verifies_on_its_own_and_shows_tampering() {
    let dir = std::env::temp_dir().join(format!("wangan-export-{}", wangan_core::platform::secret::random_token()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["root", "second", "third"] {
        let out = wangan(&dir, &["user", "create", name, "--role", "admin", "--password", "Export-Pass-2026"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let (from, to) = ((today - chrono::Duration::days(1)).to_string(), today.to_string());
    let file = dir.join("audit-2026.jsonl");
    let out = wangan(&dir, &["audit", "export", "--from", &from, "--to", &to, "--out", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 4, "a header and three entries: {text}");
    let out = wangan(&dir, &["audit", "verify-export", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("export intact: 3 entries"));
    // The export is not overwritten.
    let again = wangan(&dir, &["audit", "export", "--from", &from, "--to", &to, "--out", file.to_str().unwrap()]);
    assert!(!again.status.success());
    // A day with nothing: a header and no entries, still whole.
    let empty = dir.join("empty.jsonl");
    wangan(&dir, &["audit", "export", "--from", "2020-01-01", "--to", "2020-01-31", "--out", empty.to_str().unwrap()]);
    assert!(wangan(&dir, &["audit", "verify-export", empty.to_str().unwrap()]).status.success());

    // One entry rewritten: named.
    let lines: Vec<&str> = text.lines().collect();
    let forged = text.replacen("\"actor\":\"cli\"", "\"actor\":\"someone\"", 1);
    assert_ne!(forged, text);
    let bad = dir.join("forged.jsonl");
    std::fs::write(&bad, forged).unwrap();
    let out = wangan(&dir, &["audit", "verify-export", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("line 2"), "{}", String::from_utf8_lossy(&out.stdout));
    // One entry taken out of the middle: named.
    let gap = dir.join("gap.jsonl");
    std::fs::write(&gap, [lines[0], lines[1], lines[3]].join("\n")).unwrap();
    let out = wangan(&dir, &["audit", "verify-export", gap.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("missing"), "{}", String::from_utf8_lossy(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 19: PostgreSQL over TLS. With `sslmode=verify-full` and the CA
/// file (`sslrootcert`), the server's certificate and name are checked and
/// the connection is encrypted; a CA that did not sign it is refused;
/// `sslmode=require` encrypts without checking. Against the local server's
/// own certificate (Debian's, for `localhost`); skipped on SQLite, or where
/// the server has TLS off or its certificate cannot be read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_checks_the_server_certificate() {
    use sea_orm::{ConnectionTrait, Statement};
    let db = TestDb::fresh().await;
    if !db.is_postgres() {
        eprintln!("skipped: PostgreSQL over TLS is tested with WANGAN_TEST_DATABASE_URL");
        return;
    }
    let plain = wangan_core::Store::connect(&db.url, 1).await.unwrap();
    let setting = |name: &'static str| {
        let plain = &plain;
        async move {
            let row = plain
                .db()
                .query_one_raw(Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    format!("SELECT current_setting('{name}') AS v"),
                ))
                .await
                .unwrap()
                .unwrap();
            row.try_get::<String>("", "v").unwrap()
        }
    };
    let cert_file = setting("ssl_cert_file").await;
    let cert = std::fs::read_to_string(&cert_file).unwrap_or_default();
    if setting("ssl").await != "on" || !cert.contains("BEGIN CERTIFICATE") {
        eprintln!("skipped: the PostgreSQL server has TLS off, or its certificate {cert_file} cannot be read");
        return;
    }
    let dir = std::env::temp_dir().join(format!("wangan-pgtls-{}", wangan_core::platform::secret::random_token()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("server-ca.pem");
    std::fs::write(&ca, &cert).unwrap();
    // The certificate names localhost: connect by that name.
    let mut url = url::Url::parse(&db.url).unwrap();
    if matches!(url.host_str(), Some("127.0.0.1" | "::1")) {
        url.set_host(Some("localhost")).unwrap();
    }
    let with = |params: &str| format!("{url}&{params}");
    let encrypted = |store: wangan_core::Store| async move {
        let row = store
            .db()
            .query_one_raw(Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<bool>("", "ssl").unwrap()
    };
    let verified = wangan_core::Store::connect(&with(&format!("sslmode=verify-full&sslrootcert={}", ca.display())), 1)
        .await
        .expect("verify-full with the server's CA");
    assert!(encrypted(verified).await, "verify-full: encrypted");

    let other = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let wrong = dir.join("other-ca.pem");
    std::fs::write(&wrong, other.cert.pem()).unwrap();
    let refused =
        wangan_core::Store::connect(&with(&format!("sslmode=verify-full&sslrootcert={}", wrong.display())), 1).await;
    assert!(refused.is_err(), "a CA that did not sign the server's certificate is refused");

    let required = wangan_core::Store::connect(&with("sslmode=require"), 1).await.expect("require");
    assert!(encrypted(required).await, "require: encrypted");
    let _ = std::fs::remove_dir_all(&dir);
}
