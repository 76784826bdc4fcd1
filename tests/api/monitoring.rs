//! Site monitoring end to end: the engine against a local site farm whose
//! pages change between checks, findings opening and resolving, notices
//! from serious findings, baselines accepted over the API, leases between
//! nodes, and addresses the policy denies.

use crate::support::*;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use wangan_core::Principal;
use wangan_core::monitoring::service as monitoring;
use wangan_core::platform::access::Role;
use wangan_monitor::farm::Plant;

const HOST: &str = "www.alpha.university.example";

fn open_subjects(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["open"] == true && matches!(f["severity"].as_str(), Some("critical" | "high")))
                .map(|f| format!("{}:{}", f["check"].as_str().unwrap_or(""), f["subject"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default()
}

/// A monitored platform with unit alpha, its system in the building stage
/// (the farm's `HOST`), and an officer's API client.
async fn alpha_monitored() -> (Monitored, i64, Api) {
    let m = spawn_monitored().await;
    m.app.unit("alpha", "甲学院").await;
    let system = m.app.system_in_building("alpha").await;
    let officer = m.app.api(&m.app.user("officer", Role::Officer, None).await);
    (m, system, officer)
}

async fn monitoring_notices(m: &Monitored) -> Vec<Value> {
    let officer = m.app.api(&m.app.user(&format!("o{}", rand_suffix()), Role::Officer, None).await);
    let (_, v) = officer.get("/notices?source=monitoring&per_page=100").await;
    v["items"].as_array().cloned().unwrap_or_default()
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// A kit that shows its spam only to Baidu's spider: found by the views
/// check, kept open while the spider still gets it (views take turns, but
/// one that finds something is repeated), resolved when it stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spider_views_find_cloaking_and_keep_it_until_it_stops() {
    use wangan_monitor::farm::Cloak;
    let (m, system, officer) = alpha_monitored().await;
    let app = &m.app;
    m.farm.update(HOST, |s| s.cloak = Some(Cloak::SpiderSpam));
    let cloaking = "views:cloaking:spider:baiduspider";

    // First check: the plain page is clean, Baidu's spider is shown spam.
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert_eq!(open_subjects(&f), [cloaking], "{f}");
    let finding = f["items"].as_array().unwrap().iter().find(|x| x["check"] == "views").unwrap();
    assert_eq!(finding["code"], "cloaking");
    assert_eq!(finding["evidence"]["seen"]["label"], "Baiduspider");
    assert!(finding["evidence"]["plain"]["title"].is_string());
    let notices = monitoring_notices(&m).await;
    assert_eq!(notices.len(), 1, "cloaking opens a notice: {notices:?}");
    let id = finding["id"].as_i64().unwrap();
    let b = app.browser();
    b.login("officer", PASSWORD).await;
    let (st, page) = b.get(&format!("/findings/{id}")).await;
    assert_eq!(st, 200);
    assert!(page.contains("只有该视角看到的") && page.contains("Baiduspider"), "the page shows both views");
    // This node has no browser: the monitoring page says the rendered view is off, and how to turn it on.
    let (_, wall) = b.get("/monitors").await;
    assert!(wall.contains("渲染视角未开启") && wall.contains("apt-get install chromium"), "{wall}");

    // Five minutes on: no view is due and the text did not change; the finding stays.
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert_eq!(open_subjects(&f), [cloaking]);

    // An hour on: the same view again (it found something), still there.
    m.clock.advance(chrono::Duration::hours(1));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert_eq!(open_subjects(&f), [cloaking]);

    // Cleaned up: the next view resolves it.
    m.farm.update(HOST, |s| s.cloak = None);
    m.clock.advance(chrono::Duration::hours(1));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert!(open_subjects(&f).is_empty(), "{f}");
    let (_, resolved) = officer.get(&format!("/findings?system={system}&check=views&open=false")).await;
    assert_eq!(resolved["total"], 1, "{resolved}");
}

/// Wait until the engine's background renders are done (at most 60 s).
async fn renders_done(m: &Monitored) {
    for _ in 0..600 {
        if m.engine.renders_pending() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("renders still pending after 60 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rendered_view_runs_beside_the_checks_and_its_findings_stand_until_the_next_render() {
    let Some(m) = spawn_monitored_rendering().await else { return };
    let app = &m.app;
    app.unit("alpha", "甲学院").await;
    let system = app.system_in_building("alpha").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    m.farm.update(HOST, |s| s.plant = Plant::ScriptBuilt);
    let rendered = |f: &Value| open_subjects(f).into_iter().filter(|s| s.starts_with("hidden_links:rendered:")).count();

    // The check is recorded at once; the browser renders beside it.
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert_eq!(rendered(&f), 0, "{f}");
    renders_done(&m).await;
    // The next check carries what the render found: a critical hidden link only a browser sees.
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert!(rendered(&f) >= 1, "{f}");
    let link = f["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["subject"].as_str().is_some_and(|s| s.starts_with("rendered:hidden_link:")))
        .unwrap();
    assert_eq!(link["severity"], "critical");
    assert_eq!(link["evidence"]["view"], "rendered");
    // The monitoring page says the rendered view is on, with what it has done.
    let b = app.browser();
    b.login("officer", PASSWORD).await;
    let (_, wall) = b.get("/monitors").await;
    assert!(wall.contains("渲染视角已开启") && wall.contains("已渲染 1 个页面"), "{wall}");
    // Checks in between keep it open (no render is due yet).
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    assert_eq!(m.engine.renders_pending(), 0, "not rendered again before its time");
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert!(rendered(&f) >= 1, "{f}");

    // Cleaned up: the next render (an hour on: the page's scripts were unclear) clears it.
    m.farm.update(HOST, |s| s.plant = Plant::Clean);
    m.clock.advance(chrono::Duration::hours(1));
    m.engine.run_once().await.unwrap();
    renders_done(&m).await;
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert_eq!(rendered(&f), 0, "{f}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_follows_a_changing_site() {
    let (m, system, officer) = alpha_monitored().await;
    let app = &m.app;
    let netadmin = app.api(&app.user("netadmin", Role::UnitAdmin, Some("alpha")).await);
    let (st, _) = officer.send("patch", &format!("/systems/{system}"), json!({"important": true})).await;
    assert_eq!(st, 200);
    // The center hears monitoring alerts on its webhook.
    wangan_core::notify::service::add_channel(
        &app.store,
        &Principal::system("test"),
        serde_json::from_value(json!({"owner_kind": "center", "kind": "webhook", "target": "http://127.0.0.1:9/hook"}))
            .unwrap(),
    )
    .await
    .unwrap();

    // First pass: the registry's URL gets a monitor, the page a baseline, nothing serious.
    let pass = m.engine.run_once().await.unwrap();
    assert_eq!((pass.sync.created, pass.record.checks), (1, 1));
    let (st, list) = officer.get(&format!("/monitors?system={system}")).await;
    assert_eq!(st, 200);
    let mon = &list["items"][0];
    assert_eq!(mon["url"], format!("https://{HOST}/"));
    assert_eq!(mon["status"], "up", "{mon}");
    // Every check, the whole-site crawl included (issue 18).
    assert_eq!(mon["checks"].as_array().map(Vec::len), Some(9));
    assert!(mon["baseline_id"].is_i64(), "the first good page is the baseline");
    let id = mon["id"].as_i64().unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert!(open_subjects(&f).is_empty(), "{f}");
    assert!(f["total"].as_u64().unwrap() > 0, "missing security headers are findings too (low)");

    // Hidden links and an exposed .git: found at the next check; a hidden block is no visible change.
    m.farm.update(HOST, |s| {
        s.plant = Plant::HiddenLinks;
        s.git_exposed = true;
    });
    m.clock.advance(chrono::Duration::seconds(301));
    let pass = m.engine.run_once().await.unwrap();
    assert_eq!(pass.record.checks, 1);
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    let serious = open_subjects(&f);
    assert!(serious.contains(&"hidden_links:hidden_link:casino.example".to_owned()), "{serious:?}");
    assert!(serious.contains(&"hidden_links:hidden_keywords".to_owned()), "{serious:?}");
    assert!(!serious.iter().any(|s| s.starts_with("tamper")), "{serious:?}");
    // Exposure was probed at the first check; it runs daily, so the .git waits for tomorrow's probe.
    assert!(!serious.contains(&"exposure:file:/.git/HEAD".to_owned()));
    let notices = monitoring_notices(&m).await;
    assert!(notices.len() >= 3, "each serious finding opened a notice: {notices:?}");
    assert!(notices.iter().all(|n| n["source"] == "monitoring" && n["status"] == "open"));

    // Injected links on an internet-facing site are one incident (its findings joined on
    // its timeline); its alert went to the center's webhook at once (nobody is on duty).
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let alerts = |event: &'static str| async move {
        wangan_core::notify::entity::outbox::Entity::find()
            .filter(wangan_core::notify::entity::outbox::Column::Event.eq(event))
            .filter(wangan_core::notify::entity::outbox::Column::Target.eq("http://127.0.0.1:9/hook"))
            .count(app.store.db())
            .await
            .unwrap()
    };
    assert_eq!(alerts("incident_opened").await, 1);
    assert_eq!(alerts("monitor_alert").await, 0);
    let (_, incidents) = officer.get("/incidents?state=open").await;
    assert_eq!(incidents["total"], 1, "{incidents}");
    let (_, timeline) = officer.get(&format!("/incidents/{}/timeline", incidents["items"][0]["id"])).await;
    let joined = timeline.as_array().unwrap().iter().filter(|e| e["kind"] == "finding").count();
    assert_eq!(joined + 1, notices.len(), "every other finding joined the incident: {timeline}");

    // The next day's probe finds the .git; the hidden block removed, its findings resolve.
    m.farm.update(HOST, |s| s.plant = Plant::Clean);
    m.clock.advance(chrono::Duration::days(1));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert_eq!(open_subjects(&f), ["exposure:file:/.git/HEAD"]);
    let (_, resolved) = officer.get(&format!("/findings?system={system}&check=hidden_links&open=false")).await;
    assert!(resolved["total"].as_u64().unwrap() >= 3, "{resolved}");
    assert!(resolved["items"][0]["resolved_at"].is_string());

    // Defaced: tampering with a readable diff, and a notice.
    m.farm.update(HOST, |s| {
        s.plant = Plant::Defaced;
        s.git_exposed = false;
    });
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&check=tamper&open=true")).await;
    let tamper = &f["items"][0];
    assert_eq!(tamper["subject"], "content", "{f}");
    assert_eq!(tamper["severity"], "critical");
    let added = tamper["evidence"]["added_text"].as_array().unwrap();
    assert!(added.iter().any(|l| l.as_str().is_some_and(|l| l.contains("Hacked"))), "{tamper}");
    assert!(!tamper["evidence"]["removed_text"].as_array().unwrap().is_empty(), "removed lines come from the baseline");
    assert!(tamper["notice"].is_i64());
    let (st, one) = netadmin.get(&format!("/findings/{}", tamper["id"])).await;
    assert_eq!((st.as_u16(), one["id"].clone()), (200, tamper["id"].clone()));

    // The unit accepts the change (say, a planned redesign): a new baseline, the finding resolved.
    let reviewer = app.api(&app.user("reviewer", Role::Reviewer, None).await);
    let (st, _) = reviewer.send("post", &format!("/monitors/{id}/baseline"), json!({})).await;
    assert_eq!(st, 403, "a reviewer does not accept baselines");
    let (st, b) = netadmin.send("post", &format!("/monitors/{id}/baseline"), json!({"note": "改版"})).await;
    assert_eq!(st, 200, "{b}");
    assert_eq!((b["current"].clone(), b["note"].clone()), (json!(true), json!("改版")));
    let (_, f) = officer.get(&format!("/findings?system={system}&check=tamper&open=true")).await;
    assert_eq!(f["total"], 0);
    let (_, bl) = officer.get(&format!("/monitors/{id}/baselines")).await;
    assert_eq!(bl.as_array().map(Vec::len), Some(2), "the first baseline and the accepted change");
    m.farm.update(HOST, |s| s.revision = 9);
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&check=tamper&open=true")).await;
    assert_eq!(f["total"], 0, "the accepted page is the measure now");

    // Down: one failure is noise, the second is down, ten minutes later a notice (an important system).
    let before = monitoring_notices(&m).await.len();
    m.farm.update(HOST, |s| s.status = 500);
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, mon) = officer.get(&format!("/monitors/{id}")).await;
    assert_eq!((mon["status"].clone(), mon["consecutive_failures"].clone()), (json!("up"), json!(1)));
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, mon) = officer.get(&format!("/monitors/{id}")).await;
    assert_eq!(mon["status"], "down");
    let (_, f) = officer.get(&format!("/findings?system={system}&check=availability&open=true")).await;
    assert_eq!(f["items"][0]["subject"], "down");
    assert!(f["items"][0]["notice"].is_null(), "down five minutes: no notice yet");
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&check=availability&open=true")).await;
    assert!(f["items"][0]["notice"].is_i64(), "down ten minutes: a notice");
    assert_eq!(monitoring_notices(&m).await.len(), before + 1);

    // Back up: the down finding resolves; the history shows the outage.
    m.farm.update(HOST, |s| s.status = 200);
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let (_, mon) = officer.get(&format!("/monitors/{id}")).await;
    assert_eq!(mon["status"], "up");
    let (_, f) = officer.get(&format!("/findings?system={system}&check=availability&open=true")).await;
    assert_eq!(f["total"], 0);
    let (st, h) = officer.get(&format!("/monitors/{id}/history")).await;
    assert_eq!(st, 200);
    let uptime = h["uptime_30d"].as_f64().unwrap();
    assert!(uptime > 0.5 && uptime < 1.0, "{h}");
    assert!(h["day"].as_array().unwrap().iter().any(|p| p["failures"] == 1));

    // The audit chain holds it all.
    let out = wangan_core::platform::audit::verify(app.store.db()).await.unwrap();
    assert!(out.broken.is_none());
}

/// The content memo: a page unchanged byte for byte since the last check
/// is not analysed again, and its findings stay open (none resolves, none
/// is opened twice); the first changed byte is analysed in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_page_keeps_its_findings_open_without_a_second_analysis() {
    let (m, system, officer) = alpha_monitored().await;
    m.engine.run_once().await.unwrap();
    let reused = || m.engine.stats.reused.load(Ordering::Relaxed);
    // The first check made the baseline of this very page: the next check of it has nothing new to analyse.
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    assert_eq!(reused(), 1, "the page the first baseline was made of");
    m.farm.update(HOST, |s| s.plant = Plant::HiddenLinks);
    let open = || async {
        let (_, f) = officer.get(&format!("/findings?system={system}&check=hidden_links&open=true&per_page=100")).await;
        let mut ids: Vec<i64> = f["items"].as_array().unwrap().iter().filter_map(|f| f["id"].as_i64()).collect();
        ids.sort_unstable();
        ids
    };
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let found = open().await;
    assert!(found.len() >= 2, "hidden links and keywords: {found:?}");
    assert_eq!(reused(), 1, "a changed page is analysed");
    for _ in 0..2 {
        m.clock.advance(chrono::Duration::seconds(301));
        m.engine.run_once().await.unwrap();
        assert_eq!(open().await, found, "the same findings, open");
    }
    assert_eq!(reused(), 3, "the same bytes were not analysed again");
    // The counter's next value is another page: analysed, and the block's removal resolves its findings.
    m.farm.update(HOST, |s| {
        s.plant = Plant::Clean;
        s.revision = 4;
    });
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    assert_eq!(reused(), 3);
    assert!(open().await.is_empty());
    // The same counters on the operators' board.
    let metrics = reqwest::get(m.app.url("/metrics")).await.unwrap().text().await.unwrap();
    let value = |line: &str| -> f64 {
        let found =
            metrics.lines().find_map(|l| l.strip_prefix(line)?.strip_prefix(' ')).unwrap_or_else(|| panic!("{line}"));
        found.parse().unwrap()
    };
    assert_eq!(value("wangan_monitor_checks_total{page=\"unchanged\"}"), 3.0);
    assert_eq!(value("wangan_monitor_checks_total{page=\"analysed_or_none\"}"), 3.0, "six checks");
    assert!(value("wangan_monitor_findings_total{change=\"opened\"}") >= found.len() as f64);
    assert!(value("wangan_monitor_findings_total{change=\"resolved\"}") >= found.len() as f64);
    assert!(value("wangan_monitor_store_seconds_total{step=\"record\"}") > 0.0);
}

/// The findings memo: a check that finds what the last one found writes no
/// finding (the monitor keeps its key); a write to its findings by any other
/// hand forgets the key, and the next check looks at them again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn findings_changed_by_another_hand_are_looked_at_again() {
    use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
    use wangan_core::monitoring::entity::monitor;
    let (m, system, officer) = alpha_monitored().await;
    m.farm.update(HOST, |s| s.plant = Plant::HiddenLinks);
    m.engine.run_once().await.unwrap();
    let open = |check: &'static str| {
        let officer = &officer;
        async move {
            let (_, f) = officer.get(&format!("/findings?system={system}&check={check}&open=true&per_page=100")).await;
            let mut ids: Vec<i64> = f["items"].as_array().unwrap().iter().filter_map(|f| f["id"].as_i64()).collect();
            ids.sort_unstable();
            ids
        }
    };
    let db = m.engine.store().db();
    let key = || async {
        let found = monitor::Entity::find().filter(monitor::Column::SystemId.eq(system)).one(db).await.unwrap();
        found.unwrap().findings_key
    };
    let (headers, hidden) = (open("headers").await, open("hidden_links").await);
    assert!(!headers.is_empty() && hidden.len() >= 2, "{headers:?} {hidden:?}");
    assert_eq!(key().await, None, "the hidden links' notice was sought: no key");
    // The same page: its content is not analysed again, the headers find the same.
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let first = key().await;
    assert!(first.as_deref().is_some_and(|k| k.contains("headers:") && !k.contains("hidden_links:")), "{first:?}");
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    assert_eq!((open("headers").await, open("hidden_links").await), (headers.clone(), hidden.clone()));
    assert_eq!(key().await, first, "the same findings again: the key kept");
    // Closed by another hand (a database administrator, another feature): the key goes.
    db.execute_unprepared(&format!("UPDATE findings SET open = false WHERE id = {}", headers[0])).await.unwrap();
    assert_eq!(key().await, None);
    m.clock.advance(chrono::Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    let again = open("headers").await;
    assert_eq!(again.len(), headers.len(), "what the response still shows is open again: {again:?}");
    assert!(!again.contains(&headers[0]), "as a new finding");
    assert_eq!(open("hidden_links").await, hidden, "the rest untouched");
    assert!(key().await.is_some());
}

/// The sync memo: a sync that finds the registry as the last one left it
/// reads nothing else; a write to the registry by any hand is synced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registry_changed_by_any_hand_is_synced() {
    use sea_orm::ConnectionTrait;
    let (m, system, _) = alpha_monitored().await;
    let store = m.engine.store();
    let first = monitoring::sync_registry(store).await.unwrap();
    assert!(!first.unchanged);
    assert_eq!(first.report.created, 1);
    if store.backend() == sea_orm::DbBackend::Postgres {
        // The revision read before its reads: its own changes make the next sync read again.
        let second = monitoring::sync_registry(store).await.unwrap();
        assert!(!second.unchanged);
        assert_eq!(second.report, Default::default(), "and find nothing to do");
    }
    let again = monitoring::sync_registry(store).await.unwrap();
    assert!(again.unchanged, "nothing changed since");
    assert_eq!(again.hosts, first.hosts, "the hosts kept with the memo: {:?}", first.hosts);
    assert!(again.hosts.iter().any(|h| h == HOST), "{:?}", again.hosts);
    // A system's address changed by hand: its monitor goes, one for the new address comes.
    let db = store.db();
    db.execute_unprepared(&format!("UPDATE systems SET urls = 'http://s00007.farm.test/' WHERE id = {system}"))
        .await
        .unwrap();
    let changed = monitoring::sync_registry(store).await.unwrap();
    assert!(!changed.unchanged);
    assert_eq!((changed.report.created, changed.report.retired), (1, 1));
    assert!(changed.hosts.iter().any(|h| h == "s00007.farm.test") && !changed.hosts.iter().any(|h| h == HOST));
    let mut after = monitoring::sync_registry(store).await.unwrap();
    if store.backend() == sea_orm::DbBackend::Postgres {
        // The revision read before its reads: its own changes make the next sync read again.
        assert!(!after.unchanged);
        assert_eq!(after.report, Default::default(), "and find nothing to do");
        after = monitoring::sync_registry(store).await.unwrap();
    }
    assert!(after.unchanged, "on SQLite its own changes are counted in the revision it keeps");
    assert_eq!(after.hosts, changed.hosts);
    // A monitor retired by hand: revived.
    db.execute_unprepared(&format!(
        "UPDATE monitors SET retired = true WHERE system_id = {system} AND url LIKE '%s00007%'"
    ))
    .await
    .unwrap();
    let revived = monitoring::sync_registry(store).await.unwrap();
    assert_eq!(revived.report.revived, 1);
    monitoring::sync_registry(store).await.unwrap();
    // Writes that change no monitor's reason to be leave the memo alone.
    db.execute_unprepared(&format!("UPDATE systems SET name = 'renamed' WHERE id = {system}")).await.unwrap();
    db.execute_unprepared("UPDATE monitors SET last_error = 'x'").await.unwrap();
    assert!(monitoring::sync_registry(store).await.unwrap().unchanged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_add_tune_pause_and_remove_monitors() {
    let (m, system, officer) = alpha_monitored().await;
    let app = &m.app;
    let netadmin = app.api(&app.user("netadmin", Role::UnitAdmin, Some("alpha")).await);
    let url = "http://s00005.farm.test/";
    for (body, field, code) in [
        (json!({"system": system, "url": url, "interval_s": 10}), "interval_s", "out_of_range"),
        (json!({"system": system, "url": "ftp://x.example/"}), "url", "invalid_url"),
        (json!({"system": system, "url": url, "checks": ["ping"]}), "checks", "unknown_choice"),
        (json!({"system": system, "url": url, "exclude": ["a:hover"]}), "exclude", "invalid_selector"),
        (json!({"system": 999_999, "url": url}), "system", "unknown_system"),
    ] {
        let (st, v) = officer.send("post", "/monitors", body).await;
        assert_eq!(st, 422, "{v}");
        assert_eq!(
            (v["error"]["fields"][0]["field"].as_str(), v["error"]["fields"][0]["code"].as_str()),
            (Some(field), Some(code))
        );
    }
    let (st, _) = netadmin.send("post", "/monitors", json!({"system": system, "url": url})).await;
    assert_eq!(st, 403, "units do not add monitors");
    let (st, mon) = officer
        .send(
            "post",
            "/monitors",
            json!({"system": system, "url": url, "interval_s": 60, "checks": ["availability", "tamper"], "exclude": [".date", "#count"]}),
        )
        .await;
    assert_eq!(st, 201, "{mon}");
    assert_eq!((mon["managed"].clone(), mon["interval_s"].clone()), (json!(false), json!(60)));
    assert_eq!(mon["checks"], json!(["availability", "tamper"]));
    let id = mon["id"].as_i64().unwrap();
    let (st, _) = officer.send("post", "/monitors", json!({"system": system, "url": url})).await;
    assert_eq!(st, 409);

    let (st, v) = officer.send("patch", &format!("/monitors/{id}"), json!({"paused": true, "timeout_s": 5})).await;
    assert_eq!((st.as_u16(), v["paused"].clone(), v["timeout_s"].clone()), (200, json!(true), json!(5)));
    let pass = m.engine.run_once().await.unwrap();
    assert_eq!(pass.record.checks, 1, "the registry's monitor only; the paused one waits");
    let (st, v) = officer.send("patch", &format!("/monitors/{id}"), json!({"paused": false})).await;
    assert_eq!((st.as_u16(), v["paused"].clone()), (200, json!(false)));
    assert_eq!(m.engine.run_once().await.unwrap().record.checks, 1);
    let (_, v) = officer.get(&format!("/monitors/{id}")).await;
    assert_eq!(v["status"], "up", "{v}");

    let (_, list) = netadmin.get("/monitors").await;
    assert_eq!(list["total"], 2, "the unit sees its system's monitors");
    let (st, _) = officer.get("/findings?check=bogus").await;
    assert_eq!(st, 422);
    let (st, _) = officer.get("/monitors?status=bogus").await;
    assert_eq!(st, 422);

    let managed =
        list["items"].as_array().unwrap().iter().find(|m| m["managed"] == true).unwrap()["id"].as_i64().unwrap();
    let r = officer.call("delete", &format!("/monitors/{managed}"), None).await;
    assert_eq!(r.status().as_u16(), 409, "the registry's monitors are paused, not removed");
    let r = officer.call("delete", &format!("/monitors/{id}"), None).await;
    assert_eq!(r.status().as_u16(), 204);
    let (st, _) = officer.get(&format!("/monitors/{id}")).await;
    assert_eq!(st, 404);

    // The system's URL removed from the registry: its monitor retires (paused, history kept).
    let (st, _) = officer
        .send("patch", &format!("/systems/{system}"), json!({"urls": ["https://new.alpha.university.example/"]}))
        .await;
    assert_eq!(st, 200);
    let pass = m.engine.run_once().await.unwrap();
    assert_eq!((pass.sync.created, pass.sync.retired), (1, 1));
    let (_, old) = officer.get(&format!("/monitors/{managed}")).await;
    assert_eq!((old["retired"].clone(), old["paused"].clone()), (json!(true), json!(true)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_addresses_are_never_contacted() {
    let (m, system, officer) = alpha_monitored().await;
    m.engine.run_once().await.unwrap();
    let before = m.farm.requests.load(Ordering::Relaxed);
    let mut ids = Vec::new();
    for url in [format!("http://{}/", m.farm.http), "http://169.254.169.254/latest/meta-data/".to_owned()] {
        let (st, v) = officer.send("post", "/monitors", json!({"system": system, "url": url})).await;
        assert_eq!(st, 201, "{v}");
        ids.push(v["id"].as_i64().unwrap());
    }
    let pass = m.engine.run_once().await.unwrap();
    assert_eq!(pass.record.checks, 2);
    assert_eq!(m.farm.requests.load(Ordering::Relaxed), before, "not one request reached the farm by its address");
    for id in ids {
        let (_, v) = officer.get(&format!("/monitors/{id}")).await;
        assert_eq!(v["status"], "denied", "{v}");
        assert!(v["last_error"].as_str().unwrap().contains("not allowed"), "{v}");
        let (_, f) = officer.get(&format!("/findings?monitor={id}")).await;
        assert_eq!(f["total"], 0, "a denied address is the deployment's choice, not the site's fault");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_keep_nodes_apart_and_a_dead_nodes_monitors_come_back() {
    let m = spawn_monitored().await;
    let app = &m.app;
    app.unit("alpha", "甲学院").await;
    let system = app.system_in_building("alpha").await;
    let sys = Principal::system("test");
    for n in 0..20 {
        monitoring::create(
            &app.store,
            &sys,
            serde_json::from_value(json!({"system": system, "url": format!("http://s{n:05}.farm.test/")})).unwrap(),
        )
        .await
        .unwrap();
    }
    monitoring::sync(&app.store).await.unwrap();
    // A second node: its own connection pool on the same database and clock.
    let other = wangan_core::Store::connect_with_clock(&app.db.url, 4, m.clock.clone()).await.unwrap();
    let lease = chrono::Duration::minutes(10);
    let a = monitoring::claim(&app.store, "node-a", 100, lease, false).await.unwrap();
    assert_eq!(a.len(), 21);
    let b = monitoring::claim(&other, "node-b", 100, lease, false).await.unwrap();
    assert!(b.is_empty(), "node A holds them all");
    // Node A dies without recording; its leases run out and node B takes the monitors.
    m.clock.advance(chrono::Duration::minutes(11));
    let b = monitoring::claim(&other, "node-b", 100, lease, true).await.unwrap();
    assert_eq!(b.len(), 21, "nothing is lost");
    m.clock.advance(chrono::Duration::minutes(11));

    // Two engines at once: every monitor checked exactly once.
    let checker = monitor_checker(&m.farm).await;
    let engine_b = wangan_monitor::engine::Engine::new(
        other.clone(),
        checker,
        wangan_monitor::engine::EngineConfig { node: "node-b".into(), ..Default::default() },
    );
    let (ra, rb) = tokio::join!(m.engine.run_once(), engine_b.run_once());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.record.checks + rb.record.checks, 21, "{ra:?} {rb:?}");
    use sea_orm::{EntityTrait, PaginatorTrait};
    let rows = wangan_core::monitoring::entity::monitor_check::Entity::find().count(app.store.db()).await.unwrap();
    assert_eq!(rows, 21);

    // Claims racing in small batches never take the same monitor twice.
    m.clock.advance(chrono::Duration::minutes(11));
    async fn drain(store: &wangan_core::Store, node: &str) -> Vec<i64> {
        let mut got = Vec::new();
        loop {
            let batch = monitoring::claim(store, node, 3, chrono::Duration::minutes(10), false).await.unwrap();
            if batch.is_empty() {
                return got;
            }
            got.extend(batch.iter().map(|d| d.id));
            tokio::task::yield_now().await;
        }
    }
    let (a, b) = tokio::join!(drain(&app.store, "node-a"), drain(&other, "node-b"));
    let mut all: Vec<i64> = a.iter().chain(&b).copied().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), a.len() + b.len(), "no monitor taken by both nodes: {a:?} {b:?}");
    assert_eq!(all.len(), 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_and_slow_sites_through_the_engine() {
    use wangan_monitor::farm::{Cert, Site};
    let (m, system, officer) = alpha_monitored().await;
    m.farm.set(HOST, Site { cert: Cert::Expired, ..Site::default() });
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&check=certificate&open=true")).await;
    assert_eq!(f["items"][0]["code"], "cert_expired", "{f}");
    assert!(f["items"][0]["notice"].is_i64(), "an expired certificate opens a notice");

    // A new certificate: the finding resolves at the next hourly handshake.
    m.farm.update(HOST, |s| s.cert = Cert::SelfSigned);
    m.clock.advance(chrono::Duration::minutes(61));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&check=certificate&open=true")).await;
    let codes: Vec<&str> = f["items"].as_array().unwrap().iter().filter_map(|x| x["code"].as_str()).collect();
    assert_eq!(codes, ["cert_self_signed"], "{f}");

    // Slower than 3 s is degraded; slower than the monitor's timeout (set to 2 s) is a failure; twice is down.
    m.farm.update(HOST, |s| s.delay = std::time::Duration::from_millis(2500));
    let (_, list) = officer.get(&format!("/monitors?system={system}")).await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (st, _) = officer.send("patch", &format!("/monitors/{id}"), json!({"timeout_s": 2})).await;
    assert_eq!(st, 200);
    for _ in 0..2 {
        m.clock.advance(chrono::Duration::seconds(301));
        m.engine.run_once().await.unwrap();
    }
    let (_, list) = officer.get(&format!("/monitors?system={system}")).await;
    assert_eq!(list["items"][0]["status"], "down", "{list}");
    assert!(list["items"][0]["last_error"].as_str().unwrap().contains("timed out"));
}

/// Issue 14 rule 4 (§三(三), 关停): a system under an issued shutdown order
/// is verified off the net by its monitors; while it still serves pages a
/// `still_online` finding (high) stands and the center is told at once; it
/// resolves when the site stops answering, and the order shows the last look.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shut_down_system_still_online_is_found_and_the_center_told() {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let m = spawn_monitored().await;
    let app = &m.app;
    app.unit("alpha", "甲学院").await;
    let system = app.system_in_building("alpha").await;
    let admin = app.api(&app.user("admin2", Role::Admin, None).await);
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let (st, v) = admin
        .send("post", &format!("/systems/{system}/transition"), json!({"to": "online", "override_reason": "测试"}))
        .await;
    assert_eq!(st, 200, "{v}");
    wangan_core::notify::service::add_channel(
        &app.store,
        &Principal::system("test"),
        serde_json::from_value(json!({"owner_kind": "center", "kind": "webhook", "target": "http://127.0.0.1:9/hook"}))
            .unwrap(),
    )
    .await
    .unwrap();
    m.engine.run_once().await.unwrap();

    // A critical notice left undone: past its deadline and the grace period the ladder proposes an order.
    let (st, n) = officer
        .send(
            "post",
            "/notices",
            json!({"source": "edusrc", "title": "甲学院网站 SQL 注入", "severity": "critical", "systems": [system]}),
        )
        .await;
    assert_eq!(st, 201, "{n}");
    let mut proposed = 0;
    for _ in 0..6 {
        m.clock.advance(chrono::Duration::hours(12));
        proposed += wangan_core::notices::service::escalation::run_once(&app.store).await.unwrap().proposals;
    }
    assert_eq!(proposed, 1);
    let (_, orders) = officer.get("/shutdown-orders?state=proposed").await;
    let order = orders["items"][0]["id"].as_i64().unwrap();
    // A proposal is not verified: the system is still online by right.
    m.clock.advance(chrono::Duration::minutes(10));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert!(!f.to_string().contains("still_online"), "{f}");

    let (st, o) = officer.send("post", &format!("/shutdown-orders/{order}/issue"), json!({})).await;
    assert_eq!(st, 200, "{o}");
    // The unit has not taken it down: the next check finds it answering.
    m.clock.advance(chrono::Duration::minutes(10));
    m.engine.run_once().await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert!(open_subjects(&f).contains(&"availability:still_online".to_owned()), "{f}");
    let still = f["items"].as_array().unwrap().iter().find(|x| x["subject"] == "still_online").cloned().unwrap();
    assert_eq!((still["code"].as_str(), still["severity"].as_str()), (Some("still_online"), Some("high")));
    let told = wangan_core::notify::entity::outbox::Entity::find()
        .filter(wangan_core::notify::entity::outbox::Column::Event.eq("still_online"))
        .filter(wangan_core::notify::entity::outbox::Column::Target.eq("http://127.0.0.1:9/hook"))
        .count(app.store.db())
        .await
        .unwrap();
    assert_eq!(told, 1, "the center is told at once");
    let (_, o) = officer.get(&format!("/shutdown-orders/{order}")).await;
    assert_eq!(o["verified_online"], true, "{o}");
    assert_eq!(o["verification"], "HTTP 200");
    // Seen again: the finding stands, the center is not told twice.
    m.clock.advance(chrono::Duration::minutes(10));
    m.engine.run_once().await.unwrap();
    let again = wangan_core::notify::entity::outbox::Entity::find()
        .filter(wangan_core::notify::entity::outbox::Column::Event.eq("still_online"))
        .filter(wangan_core::notify::entity::outbox::Column::Target.eq("http://127.0.0.1:9/hook"))
        .count(app.store.db())
        .await
        .unwrap();
    assert_eq!(again, 1);

    // The unit takes the site down: no "down" alarm, the finding resolves, the order shows it.
    m.farm.update(HOST, |s| s.status = 503);
    for _ in 0..4 {
        m.clock.advance(chrono::Duration::minutes(10));
        m.engine.run_once().await.unwrap();
    }
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert!(!f.to_string().contains("still_online"), "{f}");
    assert!(
        !open_subjects(&f).iter().any(|s| s.starts_with("availability:")),
        "a shut-down site is meant to be down: {f}"
    );
    let (_, o) = officer.get(&format!("/shutdown-orders/{order}")).await;
    assert_eq!(o["verified_online"], false, "{o}");
}
