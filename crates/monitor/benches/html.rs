//! HTML analysis alone, no network, one core: `cargo bench -p wangan-monitor --bench html`.
//! Parses each simulated page (farm pages, 30–80 KB, some with planted
//! faults), runs every content check (hidden links, spam words, ICP number,
//! tampering against a baseline) and prints MB/s. Target: ≥ 100 MB/s.

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
    let mut findings = 0usize;
    let rounds = 10;
    let start = Instant::now();
    for _ in 0..rounds {
        for ((page, _), (fp, text)) in pages.iter().zip(&baselines) {
            let p = html::parse(page, &exclude);
            findings += content::check(&p, &url, &dict, Some(&fp.link_domains)).len();
            findings += icp::check(&icp::find(&p.visible_text()), farm::ICP, true).len();
            let diff = tamper::compare(fp, text, &p, &url);
            findings += tamper::judge(&diff, 0.3, &url).len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mb = (bytes * rounds) as f64 / 1e6;
    println!(
        "html analysis: {} pages × {rounds}, {:.1} MB in {:.2} s = {:.1} MB/s on one core ({} pages/s); {} findings per round",
        pages.len(),
        mb,
        secs,
        mb / secs,
        ((pages.len() * rounds) as f64 / secs) as u64,
        findings / rounds
    );
}
