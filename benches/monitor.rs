//! Benchmark of site monitoring (issue 5), SQLite, two cores:
//!  - a farm of N simulated sites (default 10,000; pages of 30–80 KB with
//!    links, scripts and Chinese text) served by a separate process on
//!    loopback, told apart by `Host`;
//!  - the sites registered as systems; the registry's sync creates the monitors;
//!  - round 1: every monitor's first check (fetch, parse, every content check,
//!    the exposed-file probes, storing results, the first baselines);
//!  - a few pages defaced and a few given hidden links;
//!  - round 2, timed: every monitor once more, flat out — full checks per second
//!    (fetch + parse + every content check + storing results; the 17 exposure
//!    probes run daily and are not due);
//!  - findings found versus planted, and findings on clean pages (must be none);
//!  - peak RSS of the platform's process;
//!  - at a 60 s interval, a page defaced while the engine runs: seconds until its finding.
//!
//! Targets: ≥ 2,000 full checks/s, 100 % of plants found and no finding on a
//! clean page, peak RSS < 300 MB at 10,000 monitors, the live defacement
//! found within 62 s. Exits 1 on a miss.
//!
//! Run: `bash bench/monitor.sh` (`BENCH_SITES=2000` for fewer, `BENCH_QUICK=1` skips the live part).

// A benchmark: its figures are what it prints.
#![allow(clippy::print_stdout)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use wangan_core::Store;
use wangan_core::monitoring::entity::finding;
use wangan_core::monitoring::entity::monitor;
use wangan_core::monitoring::service as monitoring;
use wangan_core::registry::entity::system;
use wangan_monitor::check::Checker;
use wangan_monitor::engine::{Engine, EngineConfig};
use wangan_monitor::farm::{Farm, Plant};
use wangan_monitor::fetch::{FetchConfig, Route};

#[path = "common/mod.rs"]
mod common;
use common::peak_rss_mb;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn host(n: usize) -> String {
    format!("s{n:05}.farm.test")
}

/// CPU seconds (user + system) used so far by process `pid` ("self" for this one).
fn cpu_secs(pid: &str) -> f64 {
    let (user, system) = common::cpu_secs(pid);
    user + system
}

/// The farm's own process: prints its port, then takes `PLANT <host> <clean|defaced|hidden>` lines on stdin.
async fn farm_process() {
    let farm = Farm::start(&["farm.test"]).await.expect("farm");
    println!("PORT {}", farm.http.port());
    std::io::stdout().flush().unwrap();
    let farm2 = farm.clone();
    tokio::task::spawn_blocking(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let parts: Vec<&str> = line.split_whitespace().collect();
            if let ["PLANT", h, kind] = parts[..] {
                let plant = match kind {
                    "defaced" => Plant::Defaced,
                    "hidden" => Plant::HiddenLinks,
                    _ => Plant::Clean,
                };
                farm2.update(h, |s| s.plant = plant);
                println!("OK");
                std::io::stdout().flush().unwrap();
            }
        }
    })
    .await
    .unwrap();
    drop(farm);
}

struct FarmChild {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    port: u16,
}

impl FarmChild {
    fn start() -> FarmChild {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .arg("--farm")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("farm process");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let port = line.trim().strip_prefix("PORT ").unwrap().parse().unwrap();
        FarmChild { child, stdin, stdout, port }
    }

    fn plant(&mut self, host: &str, kind: &str) {
        writeln!(self.stdin, "PLANT {host} {kind}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "OK");
    }
}

impl Drop for FarmChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

async fn open_findings(store: &Store, check: &str, subject_prefix: &str) -> HashSet<i64> {
    finding::Entity::find()
        .filter(finding::Column::Open.eq(true))
        .filter(finding::Column::CheckName.eq(check))
        .filter(finding::Column::Subject.starts_with(subject_prefix))
        .all(store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.system_id)
        .collect()
}

/// Make every monitor due now.
async fn all_due(store: &Store) {
    monitor::Entity::update_many()
        .col_expr(
            monitor::Column::NextCheckAt,
            sea_orm::sea_query::Expr::value(store.now() - chrono::Duration::seconds(1)),
        )
        .exec(store.db())
        .await
        .unwrap();
}

async fn run_round(engine: &Engine, n: u64) -> f64 {
    let (stop, rx) = tokio::sync::watch::channel(false);
    let start = engine.stats.checks.load(std::sync::atomic::Ordering::Relaxed);
    let task = tokio::spawn(engine.clone().run(rx));
    let t = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let done = engine.stats.checks.load(std::sync::atomic::Ordering::Relaxed) - start;
        if done >= n {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    stop.send(true).unwrap();
    task.await.unwrap();
    secs
}

fn main() {
    if std::env::args().any(|a| a == "--farm") {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(farm_process());
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(bench());
}

async fn bench() {
    let sites: usize = std::env::var("BENCH_SITES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| v == "1");
    let mut farm = FarmChild::start();
    let dir = std::env::temp_dir().join(format!("wangan-bench-monitor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&wangan_core::platform::store::sqlite_url(&dir), 8).await.unwrap();
    store.migrate().await.unwrap();
    let db = store.db();

    // Register the sites: one unit, N online, internet-facing systems showing the farm's ICP number.
    let started = Instant::now();
    common::register_sites(&store, sites, host, true).await;
    let sync = monitoring::sync(&store).await.unwrap();
    assert_eq!(sync.created as usize, sites);
    db.execute_unprepared("ANALYZE").await.unwrap();
    println!("{sites} sites registered, {} monitors created in {:.1} s", sync.created, started.elapsed().as_secs_f64());

    let fetch = FetchConfig {
        hosts: vec![Route::new("farm.test", std::net::IpAddr::from([127, 0, 0, 1]), Some(farm.port))],
        timeout: Duration::from_secs(10),
        ..FetchConfig::default()
    };
    let dict = wangan_monitor::analyze::keywords::Dictionary::new(&[]).unwrap();
    let checker = Checker::new(fetch, Arc::new(dict)).unwrap();
    let engine = Engine::new(
        store.clone(),
        checker,
        EngineConfig {
            node: "bench".into(),
            concurrency: 96,
            batch: 512,
            sync_interval: Duration::from_secs(3600),
            // Round 2 measures the full analysis of every page: most pages are unchanged since
            // round 1, and the content memo would not analyse them again (`bench/peer-blackbox`
            // in `../shared` measures the checks as they run).
            content_memo: false,
            ..Default::default()
        },
    );

    // Round 1: first checks, with the exposure probes and the first baselines.
    let secs = run_round(&engine, sites as u64).await;
    println!(
        "round 1 (first checks, 18 requests each with the exposure probes, baselines stored): {:.1} s, {:.0} checks/s",
        secs,
        sites as f64 / secs
    );
    let baselines = monitor::Entity::find().filter(monitor::Column::BaselineId.is_not_null()).count(db).await.unwrap();
    assert_eq!(baselines as usize, sites, "every site has its baseline");

    // Plant: 1 % defaced, 1 % hidden links.
    let mut defaced = HashSet::new();
    let mut hidden = HashSet::new();
    let ids: Vec<(i64, String)> =
        system::Entity::find().all(db).await.unwrap().into_iter().map(|s| (s.id, s.urls)).collect();
    for (id, url) in &ids {
        let n: usize = url.trim_start_matches("http://s").split('.').next().unwrap().parse().unwrap();
        if n % 100 == 7 {
            farm.plant(&host(n), "defaced");
            defaced.insert(*id);
        } else if n % 100 == 42 {
            farm.plant(&host(n), "hidden");
            hidden.insert(*id);
        }
    }

    // The checks alone (fetch + parse + content checks, nothing stored), for comparison.
    {
        let gate = Arc::new(tokio::sync::Semaphore::new(96));
        let mut tasks = tokio::task::JoinSet::new();
        let t = Instant::now();
        for n in 0..sites {
            let checker = engine.checker().clone();
            let gate = Arc::clone(&gate);
            tasks.spawn(async move {
                let _p = gate.acquire_owned().await;
                let mut target =
                    wangan_monitor::check::Target::new(url::Url::parse(&format!("http://{}/", host(n))).unwrap());
                target.probe_exposure = false;
                target.icp_registered = wangan_monitor::farm::ICP.into();
                checker.run(&target, None, chrono::Utc::now()).await.findings.len()
            });
        }
        while tasks.join_next().await.is_some() {}
        let secs = t.elapsed().as_secs_f64();
        println!(
            "checks alone (fetch + parse + content checks, no baseline, nothing stored): {:.0} checks/s",
            sites as f64 / secs
        );
    }

    // Round 2, timed: every monitor once more, flat out.
    all_due(&store).await;
    let farm_pid = farm.child.id().to_string();
    let (cpu_self, cpu_farm) = (cpu_secs("self"), cpu_secs(&farm_pid));
    let (c0, r0) = (
        engine.stats.claim_us.load(std::sync::atomic::Ordering::Relaxed),
        engine.stats.record_us.load(std::sync::atomic::Ordering::Relaxed),
    );
    let secs = run_round(&engine, sites as u64).await;
    let rate = sites as f64 / secs;
    println!(
        "  CPU: platform {:.2} s, farm {:.2} s (of {:.2} s on 2 cores)",
        cpu_secs("self") - cpu_self,
        cpu_secs(&farm_pid) - cpu_farm,
        2.0 * secs
    );
    println!(
        "  of which claiming {:.2} s, recording {:.2} s (both hold the write lock)",
        (engine.stats.claim_us.load(std::sync::atomic::Ordering::Relaxed) - c0) as f64 / 1e6,
        (engine.stats.record_us.load(std::sync::atomic::Ordering::Relaxed) - r0) as f64 / 1e6
    );
    println!(
        "round 2 (full checks: fetch + parse + every content check + storing): {sites} in {secs:.2} s = {rate:.0} full checks/s"
    );

    let tampered = open_findings(&store, "tamper", "content").await;
    let linked = open_findings(&store, "hidden_links", "hidden_link:").await;
    let found_defaced = defaced.intersection(&tampered).count();
    let found_hidden = hidden.intersection(&linked).count();
    let clean: HashSet<i64> =
        ids.iter().map(|(id, _)| *id).filter(|id| !defaced.contains(id) && !hidden.contains(id)).collect();
    let false_tamper = tampered.intersection(&clean).count();
    let false_hidden = open_findings(&store, "hidden_links", "").await.intersection(&clean).count();
    let false_other_tamper = tampered.intersection(&hidden).count();
    println!(
        "planted: {} defaced, found {found_defaced}; {} with hidden links, found {found_hidden}; findings on clean pages: {} tampering, {} hidden links/spam; hidden links mistaken for tampering: {false_other_tamper}",
        defaced.len(),
        hidden.len(),
        false_tamper,
        false_hidden
    );
    let rss = peak_rss_mb();
    println!("peak RSS of the platform's process: {rss:.0} MB ({sites} monitors)");

    // Round 3: every check also fetches one view (a spider or a search
    // visitor) — the worst case; at the default cadence (hourly, 5-minute
    // checks) one check in twelve does.
    let with_views = Engine::new(
        store.clone(),
        engine.checker().clone(),
        EngineConfig {
            node: "bench".into(),
            concurrency: 96,
            batch: 512,
            sync_interval: Duration::from_secs(3600),
            views_interval: chrono::Duration::zero(),
            ..Default::default()
        },
    );
    all_due(&store).await;
    let secs3 = run_round(&with_views, sites as u64).await;
    println!(
        "round 3 (full checks, each also fetching one spider or search view, the worst case): {sites} in {secs3:.2} s = {:.0} full checks/s (for information)",
        sites as f64 / secs3
    );

    // Live: 60 s interval, the engine running; deface one page and time its finding.
    let mut live = None;
    if !quick {
        monitor::Entity::update_many()
            .col_expr(monitor::Column::IntervalS, sea_orm::sea_query::Expr::value(60))
            .exec(db)
            .await
            .unwrap();
        // Spread the next checks over the coming minute, as a running engine would have them.
        db.execute_unprepared(
            "UPDATE monitors SET next_check_at = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now', '+' || (id % 60) || ' seconds')",
        )
        .await
        .unwrap();
        let (stop, rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(engine.clone().run(rx));
        tokio::time::sleep(Duration::from_secs(5)).await;
        let (victim_id, victim_url) = ids.iter().find(|(id, _)| clean.contains(id)).unwrap().clone();
        let n: usize = victim_url.trim_start_matches("http://s").split('.').next().unwrap().parse().unwrap();
        let planted_at = Instant::now();
        farm.plant(&host(n), "defaced");
        let delay = loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if open_findings(&store, "tamper", "content").await.contains(&victim_id) {
                break planted_at.elapsed().as_secs_f64();
            }
            if planted_at.elapsed() > Duration::from_secs(120) {
                break f64::INFINITY;
            }
        };
        let checks = engine.stats.checks.load(std::sync::atomic::Ordering::Relaxed);
        stop.send(true).unwrap();
        task.await.unwrap();
        println!(
            "live, 60 s interval: a defacement planted while running was found after {delay:.1} s ({checks} checks so far)"
        );
        live = Some(delay);
    }

    let mut ok = true;
    let mut verdict = |name: &str, pass: bool| {
        println!("  {} {name}", if pass { "PASS" } else { "MISS" });
        ok &= pass;
    };
    println!("targets:");
    verdict(&format!("≥ 2,000 full checks/s: {rate:.0}"), rate >= 2000.0);
    verdict(
        &format!("100 % of planted faults found: {}/{}", found_defaced + found_hidden, defaced.len() + hidden.len()),
        found_defaced == defaced.len() && found_hidden == hidden.len(),
    );
    verdict(&format!("no finding on clean pages: {}", false_tamper + false_hidden), false_tamper + false_hidden == 0);
    verdict(&format!("peak RSS < 300 MB: {rss:.0} MB"), rss < 300.0);
    if let Some(d) = live {
        verdict(&format!("live defacement found within 62 s: {d:.1} s"), d <= 62.0);
    }
    drop(farm);
    let _ = std::fs::remove_dir_all(&dir);
    if !ok {
        std::process::exit(1);
    }
}
