//! The rendered view's speed and memory (issue 17): pages of the simulated
//! farm (on loopback) rendered in headless Chromium with 2 tabs, every
//! request answered by the fetcher; pages/s and the browser's peak RSS
//! (target < 500 MB). Exits 1 on a miss, 0 with a note when no browser is
//! installed.
//!   cargo bench -p wangan-monitor --bench render      (BENCH_PAGES=200 by default)

#![allow(clippy::print_stdout)]
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use wangan_monitor::analyze::content::Own;
use wangan_monitor::analyze::keywords::Dictionary;
use wangan_monitor::check::{Checker, Target};
use wangan_monitor::farm::{Farm, Plant, Site};
use wangan_monitor::fetch::{FetchConfig, Route};
use wangan_monitor::finding::Severity;
use wangan_monitor::render::{RenderConfig, Renderer};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let pages: usize = std::env::var("BENCH_PAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let farm = Farm::start(&["farm.test"]).await.expect("farm");
    let config = FetchConfig {
        hosts: vec![Route::new("farm.test", "127.0.0.1".parse().unwrap(), Some(farm.http.port()))],
        timeout: Duration::from_secs(5),
        ..FetchConfig::default()
    };
    let mut checker = Checker::new(config, Arc::new(Dictionary::new(&[]).unwrap())).expect("checker");
    checker.own = Arc::new(Own::new(["univ.example"]));
    let Some(renderer) = Renderer::new(RenderConfig::default(), checker.fetcher.clone()) else {
        println!("render: skipped — chromium is not installed (apt-get install chromium)");
        return;
    };
    let renderer = Arc::new(renderer);
    checker.renderer = Some(Arc::clone(&renderer));
    // A mix as a campus has it: mostly clean pages, a few with each trick and look-alike.
    let plants: Vec<Plant> =
        Plant::LOOK_ALIKES.iter().chain(Plant::TRICKS).chain(Plant::RENDER_TRICKS).copied().collect();
    let mut expected = Vec::new();
    for i in 0..pages {
        let host = format!("s{:05}.farm.test", 1000 + i);
        let plant = if i % 4 == 0 { plants[(i / 4) % plants.len()] } else { Plant::Clean };
        farm.set(&host, Site { plant, ..Site::default() });
        expected.push((host, plant));
    }
    // The browser started once before timing (as a running node has it).
    let mut warm = Target::new(url::Url::parse("http://s00999.farm.test/").unwrap());
    warm.probe_exposure = false;
    let _ = checker.run(&warm, None, chrono::Utc::now()).await;

    let start = Instant::now();
    let mut tasks = Vec::new();
    for (host, plant) in expected.clone() {
        let checker = checker.clone();
        tasks.push(tokio::spawn(async move {
            let mut t = Target::new(url::Url::parse(&format!("http://{host}/")).unwrap());
            t.checks = vec![wangan_monitor::finding::Check::HiddenLinks];
            t.probe_exposure = false;
            t.probe_tls = false;
            let r = checker.run(&t, None, chrono::Utc::now()).await;
            let rendered_critical =
                r.findings.iter().any(|f| f.subject.starts_with("rendered:") && f.severity == Severity::Critical);
            (plant, r.rendered.is_some(), rendered_critical, r.render_error)
        }));
    }
    let (mut ok, mut caught, mut built, mut errors) = (0, 0, 0, Vec::new());
    for t in tasks {
        let (plant, rendered, critical, error) = t.await.expect("task");
        ok += usize::from(rendered);
        if plant == Plant::ScriptBuilt {
            built += 1;
            caught += usize::from(critical);
        }
        if let Some(e) = error {
            errors.push(e);
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let status = renderer.status().await;
    let rate = ok as f64 / secs;
    let peak_mb = status.peak_rss >> 20;
    println!(
        "render: {ok}/{pages} pages rendered in {secs:.1} s = {rate:.1} pages/s with {} tabs; \
         script-built injections caught {caught}/{built}; browser peak memory {peak_mb} MB (proportional share of its processes; target < 500)",
        status.tabs
    );
    if !errors.is_empty() {
        println!("render: {} failed, first: {}", errors.len(), errors[0]);
    }
    let miss = ok < pages || caught < built || peak_mb >= 500;
    if miss {
        println!("render: MISS");
        std::process::exit(1);
    }
}
