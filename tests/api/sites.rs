//! The whole site end to end: the engine crawls a deep site of the farm
//! (sitemap, columns, articles), finds spam three clicks deep, lists the
//! outbound domains with their review state, flags a zombie column, keeps
//! findings of unchanged pages (304), resolves what is cleaned, and an
//! officer approves domains in bulk and exports the inventory.

use crate::support::*;
use serde_json::{Value, json};
use wangan_core::platform::access::Role;
use wangan_monitor::farm::Deep;

const HOST: &str = "www.alpha.university.example";

fn crawl_config() -> wangan_monitor::crawls::CrawlConfig {
    let mut c = wangan_monitor::crawls::CrawlConfig::default();
    c.options.delay = std::time::Duration::ZERO;
    c.options.views.clear();
    c
}

fn crawl_findings(v: &Value) -> Vec<(String, String, String)> {
    v["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["open"] == true && f["check"] == "crawl")
                .map(|f| {
                    (
                        f["subject"].as_str().unwrap_or("").to_owned(),
                        f["code"].as_str().unwrap_or("").to_owned(),
                        f["severity"].as_str().unwrap_or("").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_finds_deep_spam_lists_outbound_links_and_old_columns() {
    let m = spawn_monitored().await;
    let app = &m.app;
    app.unit("alpha", "甲学院").await;
    let system = app.system_in_building("alpha").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let today = app.store.now().date_naive();
    let mut deep = Deep::fresh(today);
    deep.spam_depth = Some(3);
    deep.column_age_days = vec![400];
    deep.hidden_outbound = Some("files.mirror-cdn.example".into());
    m.farm.update(HOST, |s| s.deep = Some(deep.clone()));

    // The first check, then the crawl (it waits for a site that answers).
    m.engine.run_once().await.unwrap();
    let pass = m.engine.crawl_once(&crawl_config()).await.unwrap();
    assert_eq!(pass.sites, 1);
    assert!(pass.pages >= 100, "the sitemap and the links lead to the columns and articles: {pass:?}");

    // Spam three clicks deep (found through the sitemap) is a critical finding naming the page.
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    let found = crawl_findings(&f);
    let spam_page = deep.spam_path().unwrap();
    assert!(found.iter().any(|(s, _, sev)| s.starts_with(&format!("{spam_page} ")) && sev == "critical"), "{found:?}");
    // Outbound domains: the partner (visible, low), the hidden one (high); the ministry is on the default list.
    let ext = |d: &str| {
        found.iter().find(|(s, _, _)| s == &format!("external:{d}")).map(|(_, c, sev)| (c.clone(), sev.clone()))
    };
    assert_eq!(ext("partner-univ.example"), Some(("external_link".into(), "low".into())), "{found:?}");
    assert_eq!(ext("mirror-cdn.example"), Some(("external_link".into(), "high".into())));
    assert_eq!(ext("moe.gov.cn"), None);
    // The spam kit's domains are linked from the spam page too: hidden, so high.
    assert!(
        found.iter().any(|(s, _, sev)| s.starts_with("external:") && s.contains("bet.example") && sev == "high")
            || found
                .iter()
                .any(|(s, _, sev)| s.starts_with("external:") && s.contains("casino.example") && sev == "high")
    );
    // A serious finding on a deep page opens a notice, as one on the home page does.
    let (_, notices) = officer.get("/notices?source=monitoring&per_page=100").await;
    assert!(notices["total"].as_u64().unwrap() >= 1, "{notices}");

    // The inventory: unreviewed first, with the text and pages of each link.
    let (st, inv) = officer.get(&format!("/sites/outbound?system={system}&per_page=100")).await;
    assert_eq!(st, 200, "{inv}");
    let items = inv["items"].as_array().unwrap();
    let partner = items.iter().find(|o| o["domain"] == "partner-univ.example").unwrap();
    assert_eq!(partner["review"], "pending");
    assert!(partner["page_count"].as_i64().unwrap() > 1);
    assert!(!partner["link_text"].as_str().unwrap().is_empty());
    let moe = items.iter().find(|o| o["domain"] == "moe.gov.cn").unwrap();
    assert_eq!(moe["review"], "approved", "gov.cn is on the default allow-list");
    let (_, pending) = officer.get(&format!("/sites/outbound?system={system}&review=pending&per_page=100")).await;
    assert!(pending["items"].as_array().unwrap().iter().all(|o| o["review"] == "pending"));

    // The site's pages: the old column is a zombie column, the site is not a zombie.
    let (_, monitors) = officer.get(&format!("/monitors?system={system}")).await;
    let monitor = monitors["items"][0]["id"].as_i64().unwrap();
    let (st, pages) = officer.get(&format!("/monitors/{monitor}/pages")).await;
    assert_eq!(st, 200, "{pages}");
    assert_eq!(pages["zombie"], false);
    let col0 =
        pages["pages"].as_array().unwrap().iter().find(|p| p["url"].as_str().unwrap().ends_with("/col/0/")).unwrap();
    assert_eq!(col0["is_list"], true);
    assert_eq!(col0["zombie"], true, "{col0}");
    let col1 =
        pages["pages"].as_array().unwrap().iter().find(|p| p["url"].as_str().unwrap().ends_with("/col/1/")).unwrap();
    assert_eq!(col1["zombie"], false);
    let (_, zombies) = officer.get("/sites/zombies").await;
    assert!(
        zombies
            .as_array()
            .unwrap()
            .iter()
            .any(|z| z["column"] == true && z["url"].as_str().unwrap().ends_with("/col/0/"))
    );

    // Approve the partner for the whole institution: audited, its finding resolved at once.
    let audit_before = app.audit_count().await;
    let (st, out) =
        officer.send("POST", "/sites/allow", json!({"domains": ["partner-univ.example"], "note": "合作院校"})).await;
    assert_eq!(st, 201, "{out}");
    assert_eq!(out["resolved"], 1, "{out}");
    assert!(app.audit_count().await > audit_before);
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    assert!(!crawl_findings(&f).iter().any(|(s, _, _)| s == "external:partner-univ.example"));

    // A day on: pages answer 304 (unchanged); the spam finding stays open, nothing is lost.
    m.clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    m.engine.run_once().await.unwrap();
    let requests_before = m.farm.requests.load(std::sync::atomic::Ordering::Relaxed);
    m.engine.crawl_once(&crawl_config()).await.unwrap();
    assert!(m.farm.requests.load(std::sync::atomic::Ordering::Relaxed) > requests_before);
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    let again = crawl_findings(&f);
    assert!(again.iter().any(|(s, _, _)| s.starts_with(&format!("{spam_page} "))), "{again:?}");
    assert!(!again.iter().any(|(s, _, _)| s == "external:partner-univ.example"), "approved stays approved");

    // Cleaned: the next crawl resolves the deep page's findings.
    m.farm.update(HOST, |s| {
        if let Some(d) = &mut s.deep {
            d.spam_depth = None;
        }
    });
    m.clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
    m.engine.run_once().await.unwrap();
    m.engine.crawl_once(&crawl_config()).await.unwrap();
    let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
    let after = crawl_findings(&f);
    assert!(!after.iter().any(|(s, _, _)| s.starts_with(&format!("{spam_page} "))), "{after:?}");

    // The inventory as a sheet, for the officer's report.
    let b = app.browser();
    b.login("officer", PASSWORD).await;
    let r = reqwest::Client::new()
        .get(app.url("/sites/outbound.xlsx?review=all"))
        .header("cookie", b.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let sheet = wangan_office::read(&bytes).unwrap();
    assert!(
        sheet
            .rows
            .iter()
            .any(|row| row.iter().any(|c| matches!(c, wangan_office::Cell::Text(t) if t == "partner-univ.example"))),
        "{:?}",
        sheet.rows.first()
    );
    // The pages render.
    for path in ["/sites", "/sites/outbound", "/sites/allow", &format!("/monitors/{monitor}/pages")] {
        let (st, html) = b.get(path).await;
        assert_eq!(st, 200, "{path}: {html}");
    }
}

/// `wangan check URL --crawl` needs no database: the checker's crawl alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crawl_without_a_database_honours_the_page_budget_and_depth() {
    let farm = wangan_monitor::farm::Farm::start(&["university.example", "farm.test"]).await.unwrap();
    let checker = monitor_checker(&farm).await;
    let today = chrono::Utc::now().date_naive();
    let mut deep = Deep::fresh(today);
    deep.sitemap = false;
    deep.spam_depth = Some(3);
    farm.update("s00007.farm.test", |s| s.deep = Some(deep.clone()));
    let start = url::Url::parse("http://s00007.farm.test/").unwrap();
    let mut options = wangan_monitor::crawl::CrawlOptions { delay: std::time::Duration::ZERO, ..Default::default() };
    options.views.clear();
    let now = chrono::Utc::now();

    // Without a sitemap, depth 2 does not reach the third click.
    let r = checker.crawl(&start, &options, &Default::default(), now).await;
    assert!(r.pages.len() <= options.max_pages);
    assert!(r.pages.iter().all(|p| p.depth <= 2));
    assert!(
        !r.findings().any(|f| f.severity >= wangan_monitor::finding::Severity::High),
        "{:?}",
        r.findings().collect::<Vec<_>>()
    );
    // Depth 3 does.
    options.max_depth = 3;
    options.max_pages = 1000;
    let r = checker.crawl(&start, &options, &Default::default(), now).await;
    let spam = deep.spam_path().unwrap();
    assert!(r.findings().any(
        |f| f.subject.starts_with(&format!("{spam} ")) && f.severity == wangan_monitor::finding::Severity::Critical
    ));
    // The newest date of the site is its freshest column's (the home page's clock is no update).
    assert_eq!(r.updated(), Some(deep.newest()));
    assert!(r.pages.iter().filter(|p| p.is_list()).count() >= 12, "every column's list is a list page");
    // A budget is a budget.
    options.max_pages = 15;
    let r = checker.crawl(&start, &options, &Default::default(), now).await;
    assert_eq!(r.pages.len(), 15);
    assert!(r.left > 0);
}

/// 双非: a registered site outside the institution's domains is flagged at
/// the registry's sync; one answering from outside the campus networks at
/// its crawl. The officer accepts one with a reason (audited); the dashboard
/// counts what is undecided.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sites_outside_the_institution_are_flagged_and_decided() {
    let campus: Vec<wangan_core::platform::netpolicy::Net> =
        ["10.0.0.0/8"].iter().filter_map(|n| wangan_core::platform::netpolicy::Net::parse(n)).collect();
    let policy = wangan_core::sites::service::SitesPolicy {
        domains: vec!["university.example".into()],
        networks: campus,
        ..Default::default()
    };
    let m = spawn_monitored_within(policy).await;
    let app = &m.app;
    app.unit("alpha", "甲学院").await;
    let inside = app.system_in_building("alpha").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let (st, v) = officer
        .send(
            "POST",
            "/systems",
            json!({"name": "外包展示平台", "kind": "website", "unit": "alpha", "urls": ["http://s00042.farm.test/"]}),
        )
        .await;
    assert_eq!(st, 201, "{v}");
    let outside = v["system"]["id"].as_i64().or_else(|| v["id"].as_i64()).unwrap_or_else(|| panic!("{v}"));

    // The sync flags the foreign domain at once; the campus site's address is judged at its crawl.
    m.engine.run_once().await.unwrap();
    let (_, list) = officer.get("/sites/outside").await;
    let flagged: Vec<i64> = list.as_array().unwrap().iter().map(|o| o["system_id"].as_i64().unwrap()).collect();
    assert_eq!(flagged, vec![outside], "{list}");
    assert_eq!(list[0]["reasons"], json!(["domain"]));

    // The farm answers from 127.0.0.1, outside 10.0.0.0/8: the crawl adds the address.
    let pass = m.engine.crawl_once(&crawl_config()).await.unwrap();
    assert!(pass.sites >= 1, "{pass:?}");
    let (_, list) = officer.get("/sites/outside").await;
    let inside_row =
        list.as_array().unwrap().iter().find(|o| o["system_id"] == inside).unwrap_or_else(|| panic!("{list} {pass:?}"));
    assert_eq!(inside_row["reasons"], json!(["address"]));
    assert_eq!(inside_row["addresses"], json!(["127.0.0.1"]));
    let figures = || async {
        wangan_core::dashboard::service::figures(&app.store, &wangan_core::Principal::system("t")).await.unwrap()
    };
    assert_eq!(figures().await.sites.outside_open, 2);

    // The officer decides: accepted with a reason, audited; a site inside cannot be decided on.
    let before = app.audit_count().await;
    let (st, d) = officer
        .send(
            "POST",
            &format!("/systems/{outside}/outside"),
            json!({"decision": "accepted", "note": "经批准的服务商平台"}),
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["decision"], "accepted");
    assert_eq!(app.audit_count().await, before + 1);
    let (st, _) =
        officer.send("POST", &format!("/systems/{outside}/outside"), json!({"decision": "open", "note": "x"})).await;
    assert_eq!(st, 422);
    assert_eq!(figures().await.sites.outside_open, 1);
    // The system's page shows it.
    let b = app.browser();
    b.login("officer", PASSWORD).await;
    let (_, page) = b.get(&format!("/systems/{outside}")).await;
    assert!(page.contains("非学校域名") && page.contains("经批准的服务商平台"), "{page}");
}

/// A site never crawled comes before one crawled before, on PostgreSQL as on
/// SQLite (they order NULLs apart).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_never_crawled_is_crawled_first() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    use wangan_core::monitoring::entity::monitor;
    let m = spawn_monitored().await;
    let app = &m.app;
    app.unit("alpha", "甲学院").await;
    app.unit("beta", "乙学院").await;
    let alpha = app.system_in_building("alpha").await;
    let beta = app.system_in_building("beta").await;
    m.engine.run_once().await.unwrap();
    // Alpha was crawled and is due again; beta never was.
    monitor::Entity::update_many()
        .col_expr(monitor::Column::NextCrawlAt, Expr::value(Some(app.store.now() - chrono::Duration::hours(1))))
        .filter(monitor::Column::SystemId.eq(alpha))
        .exec(app.store.db())
        .await
        .unwrap();
    let lease = chrono::Duration::hours(1);
    let first = wangan_core::sites::service::claim_crawls(&app.store, 1, lease).await.unwrap();
    assert_eq!(first.iter().map(|d| d.system_id).collect::<Vec<_>>(), [beta]);
    let next = wangan_core::sites::service::claim_crawls(&app.store, 1, lease).await.unwrap();
    assert_eq!(next.iter().map(|d| d.system_id).collect::<Vec<_>>(), [alpha], "then the one due again");
}

/// A key page (栏目首页) an officer marks gets a tampering baseline at the
/// next crawl and is compared with it at every crawl after: defaced, it is a
/// finding naming the page; the unit's administrator accepts a change made
/// on purpose (audited), its findings resolve, and the next crawl takes the
/// page as it is then as the baseline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_page_is_compared_with_its_baseline_and_a_change_is_accepted() {
    let m = spawn_monitored().await;
    let app = &m.app;
    app.unit("alpha", "甲学院").await;
    let system = app.system_in_building("alpha").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let netadmin = app.api(&app.user("netadmin", Role::UnitAdmin, Some("alpha")).await);
    let deep = Deep::fresh(app.store.now().date_naive());
    m.farm.update(HOST, |s| s.deep = Some(deep.clone()));
    m.engine.run_once().await.unwrap();
    m.engine.crawl_once(&crawl_config()).await.unwrap();
    let (_, monitors) = officer.get(&format!("/monitors?system={system}")).await;
    let monitor = monitors["items"][0]["id"].as_i64().unwrap();
    let column = |pages: &Value| {
        pages["pages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["url"].as_str().unwrap().ends_with("/col/1/"))
            .cloned()
            .unwrap()
    };
    let (_, pages) = officer.get(&format!("/monitors/{monitor}/pages")).await;
    let page = column(&pages)["id"].as_i64().unwrap();
    // Only a key page has a baseline to accept; units do not mark key pages.
    let (st, _) = officer.send("POST", &format!("/crawled-pages/{page}/accept"), json!({})).await;
    assert_eq!(st, 409);
    let (st, _) = netadmin.send("PUT", &format!("/crawled-pages/{page}/key"), json!({"key": true})).await;
    assert_eq!(st, 403);
    let (st, marked) = officer.send("PUT", &format!("/crawled-pages/{page}/key"), json!({"key": true})).await;
    assert_eq!(st, 200, "{marked}");
    assert_eq!((marked["key_page"].as_bool(), marked["baseline_pending"].as_bool()), (Some(true), Some(true)));

    let next_day = || async {
        m.clock.advance(chrono::Duration::days(1) + chrono::Duration::minutes(1));
        m.engine.run_once().await.unwrap();
        m.engine.crawl_once(&crawl_config()).await.unwrap();
    };
    let tampering = || async {
        let (_, f) = officer.get(&format!("/findings?system={system}&open=true&per_page=200")).await;
        crawl_findings(&f)
            .into_iter()
            .filter(|(s, code, _)| s.starts_with("/col/1/ ") && code == "tampered")
            .collect::<Vec<_>>()
    };
    // The next crawl takes the baseline; the same page is no finding.
    next_day().await;
    let (_, pages) = officer.get(&format!("/monitors/{monitor}/pages")).await;
    assert_eq!(column(&pages)["baseline_pending"], false, "{}", column(&pages));
    assert!(tampering().await.is_empty());
    next_day().await;
    assert!(tampering().await.is_empty(), "unchanged");

    // Defaced: a finding naming the page.
    m.farm.update(HOST, |s| {
        if let Some(d) = &mut s.deep {
            d.defaced = Some("/col/1/".into());
        }
    });
    next_day().await;
    let found = tampering().await;
    assert!(!found.is_empty(), "the key page's defacement is found");
    assert!(found.iter().any(|(_, _, sev)| sev == "high" || sev == "critical"), "{found:?}");

    // The unit made the change on purpose: its administrator accepts it, audited; the finding resolves.
    let audit_before = app.audit_count().await;
    let (st, accepted) = netadmin.send("POST", &format!("/crawled-pages/{page}/accept"), json!({"note": "改版"})).await;
    assert_eq!(st, 200, "{accepted}");
    assert_eq!(accepted["baseline_pending"], true);
    assert!(app.audit_count().await > audit_before);
    assert!(tampering().await.is_empty(), "resolved at once");
    // The next crawl takes the new page as the baseline: no finding while it stays so.
    next_day().await;
    assert!(tampering().await.is_empty());
    next_day().await;
    assert!(tampering().await.is_empty());
    let (_, pages) = officer.get(&format!("/monitors/{monitor}/pages")).await;
    assert_eq!(column(&pages)["baseline_pending"], false);
    // The page shows the button to the unit's administrator.
    let b = app.browser();
    b.login("netadmin", PASSWORD).await;
    let (st, html) = b.get(&format!("/monitors/{monitor}/pages")).await;
    assert_eq!(st, 200);
    assert!(html.contains(&format!("/crawled-pages/{page}/accept")), "the accept button");
}
