//! HTML analysis alone, no network, one core: `cargo bench -p wangan-monitor --bench html`.
//! Parses each simulated page (farm pages, 30–80 KB, some with planted
//! faults), runs every content check (hidden links, spam words, ICP number,
//! tampering against a baseline) and prints MB/s. Target: ≥ 100 MB/s.

// A benchmark: its figures are what it prints.
#![allow(clippy::print_stdout)]
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use url::Url;
use wangan_monitor::analyze::{content, html, icp, keywords::Dictionary, tamper};
use wangan_monitor::farm::{self, Plant};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let pages: Vec<(String, String)> = (0..200u64)
        .map(|n| {
            let plant = match n % 50 {
                7 => Plant::Defaced,
                13 => Plant::HiddenLinks,
                _ => Plant::Clean,
            };
            (farm::page(n, plant, 1), farm::page(n, Plant::Clean, 0))
        })
        .collect();
    let dict = Dictionary::new(&[]).expect("dictionary");
    let url = Url::parse("http://site.farm.test/").expect("url");
    let exclude = farm::dynamic_selectors();
    let baselines: Vec<(tamper::Fingerprint, Vec<String>)> = pages
        .iter()
        .map(|(_, base)| {
            let p = html::parse(base, &exclude);
            (tamper::Fingerprint::of(&p, &url), p.blocks)
        })
        .collect();
    let bytes: usize = pages.iter().map(|(p, _)| p.len()).sum();
    // Five trials of ten rounds each; the machine is shared and noisy, so the median is reported (and the best).
    let rounds = 10;
    let mut rates = Vec::new();
    let mut findings = 0usize;
    for _ in 0..5 {
        findings = 0;
        let start = Instant::now();
        for _ in 0..rounds {
            for ((page, _), (fp, text)) in pages.iter().zip(&baselines) {
                let p = html::parse(page, &exclude);
                findings += content::check(&p, &url, &dict, Some(&fp.link_domains), &content::Own::default()).len();
                findings += icp::check(&icp::find(&p.visible_text()), farm::ICP, true).len();
                let diff = tamper::compare(fp, text, &p, &url);
                findings += tamper::judge(&diff, 0.3, &url).len();
            }
        }
        rates.push((bytes * rounds) as f64 / 1e6 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    let best = rates[rates.len() - 1];
    let avg_page = bytes as f64 / pages.len() as f64;
    println!(
        "html analysis: {} pages of {:.0} KB on average, 5 trials × {rounds} rounds: median {median:.1} MB/s, best {best:.1} MB/s on one core ({:.0} pages/s); {} findings per round",
        pages.len(),
        avg_page / 1024.0,
        median * 1e6 / avg_page,
        findings / rounds
    );
    if median < 100.0 {
        println!("  MISS ≥ 100 MB/s");
        std::process::exit(1);
    }
    println!("  PASS ≥ 100 MB/s");
}
