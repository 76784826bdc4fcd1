//! Benchmark of the whole-site crawl (issue 18), SQLite, two cores:
//!  - a farm of N deep sites (default 100: twelve columns each, two list pages
//!    per column, articles, a sitemap) served by a separate process on loopback;
//!  - the sites registered as systems, their monitors' first checks;
//!  - a planted page of hidden spam three clicks deep on one site in ten;
//!  - timed: every site crawled (up to 200 pages each, no politeness delay —
//!    the farm is ours), each page fetched, every content check run, the
//!    spider and search views on a sample, outbound links and dates read, the
//!    results stored: pages per second and CPU per page;
//!  - the second crawl a day later: unchanged pages answer 304;
//!  - spam found on every planted site, none on the others; peak RSS.
//!
//! Targets: ≥ 1,000 pages/s for the first crawl (fetch, every content check,
//! storing), every plant found, no serious finding on a clean site, peak
//! RSS < 400 MB. Exits 1 on a miss.
//!
//! Run: `bash bench/crawl.sh` (`BENCH_SITES=20` for fewer).

// A benchmark: its figures are what it prints.
#![allow(clippy::print_stdout)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use wangan_core::Store;
use wangan_core::monitoring::entity::{finding, monitor};
use wangan_core::monitoring::service as monitoring;
use wangan_core::registry::entity::system;
use wangan_core::sites::entity::crawled_page;
use wangan_monitor::check::Checker;
use wangan_monitor::crawls::CrawlConfig;
use wangan_monitor::engine::{Engine, EngineConfig};
use wangan_monitor::farm::{Deep, Farm};
use wangan_monitor::fetch::{FetchConfig, Route};

#[path = "common/mod.rs"]
mod common;
use common::{cpu_secs, peak_rss_mb};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn host(n: usize) -> String {
    format!("s{n:05}.farm.test")
}

fn planted(n: usize) -> bool {
    n % 10 == 3
}

/// The farm's own process: N deep sites, planted ones with spam three clicks deep.
async fn farm_process(sites: usize) {
    let farm = Farm::start(&["farm.test"]).await.expect("farm");
    let today = chrono::Utc::now().date_naive();
    for n in 0..sites {
        let mut deep = Deep::fresh(today);
        deep.spam_depth = planted(n).then_some(3);
        deep.column_age_days = vec![(n % 400) as u32, 3, 10];
        farm.update(&host(n), |s| s.deep = Some(deep));
    }
    println!("PORT {}", farm.http.port());
    std::io::stdout().flush().unwrap();
    // Until the parent closes stdin.
    tokio::task::spawn_blocking(|| for _ in std::io::stdin().lock().lines() {}).await.unwrap();
    drop(farm);
}

fn main() {
    let sites: usize = std::env::var("BENCH_SITES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    if std::env::args().any(|a| a == "--farm") {
        rt.block_on(farm_process(sites));
        return;
    }
    let ok = rt.block_on(bench(sites));
    if !ok {
        std::process::exit(1);
    }
}

async fn bench(sites: usize) -> bool {
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .arg("--farm")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("farm process");
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
    let farm_pid = child.id().to_string();

    let dir = std::env::temp_dir().join(format!("wangan-bench-crawl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&wangan_core::platform::store::sqlite_url(&dir), 8).await.unwrap();
    store.migrate().await.unwrap();
    let db = store.db();
    common::register_sites(&store, sites, host, false).await;
    monitoring::sync(&store).await.unwrap();
    db.execute_unprepared("ANALYZE").await.unwrap();

    let fetch = FetchConfig {
        hosts: vec![Route::new("farm.test", std::net::IpAddr::from([127, 0, 0, 1]), Some(port))],
        timeout: Duration::from_secs(10),
        ..FetchConfig::default()
    };
    let dict = wangan_monitor::analyze::keywords::Dictionary::new(&[]).unwrap();
    let checker = Checker::new(fetch, Arc::new(dict)).unwrap();
    let engine = Engine::new(
        store.clone(),
        checker,
        EngineConfig { node: "bench".into(), concurrency: 96, batch: 512, ..Default::default() },
    );
    // The first checks (a crawl waits for a site that answered).
    engine.run_once().await.unwrap();

    let mut config = CrawlConfig { sites: 64, ..CrawlConfig::default() };
    config.options.delay = Duration::ZERO;
    let (u0, s0) = cpu_secs("self");
    let (fu0, fs0) = cpu_secs(&farm_pid);
    let t = Instant::now();
    let pass = engine.crawl_once(&config).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    let (u1, s1) = cpu_secs("self");
    let (fu1, fs1) = cpu_secs(&farm_pid);
    let rate = pass.pages as f64 / secs;
    println!(
        "first crawl: {} sites, {} pages in {secs:.2} s = {rate:.0} pages/s (fetch, every content check, views on a sample, outbound links, dates, stored)",
        pass.sites, pass.pages
    );
    println!(
        "  CPU: platform {:.2} s user + {:.2} s system = {:.0} µs a page; farm {:.2} s (of {:.2} s on 2 cores)",
        u1 - u0,
        s1 - s0,
        ((u1 - u0) + (s1 - s0)) * 1e6 / pass.pages.max(1) as f64,
        (fu1 - fu0) + (fs1 - fs0),
        2.0 * secs
    );
    let stored = crawled_page::Entity::find().count(db).await.unwrap();
    println!("  pages stored: {stored}");

    // A day later: unchanged pages answer 304.
    monitor::Entity::update_many()
        .col_expr(
            monitor::Column::NextCrawlAt,
            sea_orm::sea_query::Expr::value(Some(store.now() - chrono::Duration::seconds(1))),
        )
        .exec(db)
        .await
        .unwrap();
    let t = Instant::now();
    let again = engine.crawl_once(&config).await.unwrap();
    let secs2 = t.elapsed().as_secs_f64();
    println!(
        "second crawl (unchanged pages answer 304): {} pages in {secs2:.2} s = {:.0} pages/s (for information)",
        again.pages,
        again.pages as f64 / secs2
    );

    // Plants found, clean sites quiet.
    let serious: HashSet<i64> = finding::Entity::find()
        .filter(finding::Column::Open.eq(true))
        .filter(finding::Column::CheckName.eq("crawl"))
        .filter(finding::Column::Severity.is_in(["critical"]))
        .filter(finding::Column::Subject.not_like("external:%"))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.system_id)
        .collect();
    let ids: Vec<(i64, usize)> = system::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.urls.trim_start_matches("http://s").split('.').next().unwrap().parse().unwrap()))
        .collect();
    let plants: HashSet<i64> = ids.iter().filter(|(_, n)| planted(*n)).map(|(id, _)| *id).collect();
    let found = plants.intersection(&serious).count();
    let false_alarms = serious.difference(&plants).count();
    println!(
        "planted spam three clicks deep on {} sites: found on {found}; critical findings on clean sites: {false_alarms}",
        plants.len()
    );
    let rss = peak_rss_mb();
    println!("peak RSS of the platform's process: {rss:.0} MB ({sites} sites)");

    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let mut ok = true;
    for (good, what) in [
        (rate >= 1_000.0, format!("≥ 1,000 pages/s (got {rate:.0})")),
        (found == plants.len(), format!("every plant found ({found}/{})", plants.len())),
        (false_alarms == 0, format!("no critical finding on a clean site ({false_alarms})")),
        (rss < 400.0, format!("peak RSS < 400 MB (got {rss:.0})")),
    ] {
        println!("{} {what}", if good { "PASS" } else { "MISS" });
        ok &= good;
    }
    ok
}
