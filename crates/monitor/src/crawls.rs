//! The engine's crawls: each monitored site crawled once a day
//! (`[monitor] crawl_interval_s`), a few sites at a time beside the checks,
//! what the crawl found recorded in one transaction per site.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, watch};
use url::Url;
use wangan_core::monitoring::service::{FindingInput, RecordReport};
use wangan_core::platform::error::Result;
use wangan_core::sites::service::{self as sites, CrawlDue, CrawlRecord, OutboundRecord, PageRecord};

use crate::analyze::tamper::Fingerprint;
use crate::check::{Baseline, Validators};
use crate::crawl::{self, CrawlOptions, CrawlReport, Memory, Remembered};
use crate::engine::Engine;

/// How the engine crawls.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    pub options: CrawlOptions,
    /// Each site this often.
    pub interval: chrono::Duration,
    /// Sites crawled at once.
    pub sites: usize,
}

impl Default for CrawlConfig {
    fn default() -> Self {
        CrawlConfig { options: CrawlOptions::default(), interval: chrono::Duration::days(1), sites: 16 }
    }
}

/// What a crawl pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrawlPass {
    pub sites: u64,
    pub pages: u64,
    pub record: RecordReport,
}

/// What the engine remembers of a site, as the crawl reads it.
pub fn memory_of(due: &CrawlDue) -> Memory {
    let none_if_empty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    Memory {
        pages: due
            .remembered
            .iter()
            .map(|p| {
                (
                    p.url.clone(),
                    Remembered {
                        validators: Validators {
                            etag: none_if_empty(&p.etag),
                            last_modified: none_if_empty(&p.last_modified),
                        },
                        depth: p.depth,
                        newest_date: p.newest_date,
                        dated_items: p.dated_items,
                        modified_on: p.modified_on,
                        title: p.title.clone(),
                    },
                )
            })
            .collect(),
        key: due
            .key
            .iter()
            .map(|(url, fingerprint)| {
                let baseline = serde_json::from_str::<Fingerprint>(fingerprint)
                    .ok()
                    .map(|fingerprint| Baseline { fingerprint, text: Vec::new() });
                (url.clone(), baseline)
            })
            .collect(),
    }
}

/// A crawl as the store records it, with `external_link` for the domains on no list.
pub fn record_of(due: &CrawlDue, report: &CrawlReport, next_at: DateTime<Utc>) -> CrawlRecord {
    let outbound = report.outbound();
    let external = crawl::external_findings(&outbound, &due.allow);
    let findings: Vec<FindingInput> =
        report.findings().chain(external.iter()).map(|f| f.input(f.opens_notice())).collect();
    let pages = report
        .pages
        .iter()
        .map(|p| {
            let label = Url::parse(&p.url).map(|u| crawl::page_label(&u)).unwrap_or_default();
            PageRecord {
                url: p.url.clone(),
                depth: p.depth,
                status_code: p.status.map(i32::from),
                error: p.error.clone().unwrap_or_default(),
                unchanged: p.unchanged,
                title: p.title.clone(),
                etag: p.validators.as_ref().and_then(|v| v.etag.clone()).unwrap_or_default(),
                last_modified: p.validators.as_ref().and_then(|v| v.last_modified.clone()).unwrap_or_default(),
                modified_on: p.modified_on,
                newest_date: p.newest_date,
                dated_items: i32::try_from(p.dated_items).unwrap_or(i32::MAX),
                findings: i32::try_from(p.findings.len()).unwrap_or(i32::MAX),
                outbound: i32::try_from(p.outbound.len()).unwrap_or(i32::MAX),
                fingerprint: p.fingerprint.as_ref().and_then(|f| serde_json::to_string(f).ok()),
                subject_prefix: label,
            }
        })
        .collect();
    CrawlRecord {
        monitor_id: due.monitor_id,
        crawled_at: report.crawled_at,
        next_at,
        pages,
        outbound: outbound
            .into_iter()
            .map(|o| OutboundRecord {
                domain: o.domain,
                host: o.host,
                href: o.href,
                hidden: o.hidden,
                text: o.text,
                pages: o.pages,
                page_count: i32::try_from(o.page_count).unwrap_or(i32::MAX),
            })
            .collect(),
        findings,
        updated_on: report.updated(),
        addresses: report.address.into_iter().collect(),
    }
}

impl Engine {
    /// Crawl one due site and record what was found.
    async fn crawl_site(&self, due: CrawlDue, config: &CrawlConfig) -> Result<(u64, RecordReport)> {
        let now = self.store().now();
        let Ok(start) = Url::parse(&due.url) else {
            sites::crawl_failed(self.store(), due.monitor_id, config.interval).await?;
            return Ok((0, RecordReport::default()));
        };
        let mut options = config.options.clone();
        if let Some(p) = due.pages {
            options.max_pages = p.clamp(1, 10_000);
        }
        let memory = memory_of(&due);
        let report = self.checker().crawl(&start, &options, &memory, now).await;
        let pages = report.pages.len() as u64;
        let mut record = record_of(&due, &report, now + config.interval);
        // 双非 by address: the one that answered, else what the name resolves to as the fetcher would.
        if record.addresses.is_empty()
            && let Some(host) = start.host_str()
            && let Ok(found) = crate::fetch::resolve(self.checker().config(), host).await
        {
            record.addresses = found;
        }
        let r = sites::record_crawl(self.store(), record).await?;
        Ok((pages, r))
    }

    /// Crawl every site whose crawl is due now, a few at a time (for
    /// `wangan jobs run-once --crawl` and tests).
    pub async fn crawl_once(&self, config: &CrawlConfig) -> Result<CrawlPass> {
        let mut pass = CrawlPass::default();
        loop {
            let due = sites::claim_crawls(self.store(), 256, chrono::Duration::hours(1)).await?;
            if due.is_empty() {
                break;
            }
            let gate = Arc::new(Semaphore::new(config.sites.max(1)));
            let mut tasks = tokio::task::JoinSet::new();
            for d in due {
                let engine = self.clone();
                let gate = Arc::clone(&gate);
                let config = config.clone();
                tasks.spawn(async move {
                    let _permit = gate.acquire_owned().await;
                    engine.crawl_site(d, &config).await
                });
            }
            while let Some(r) = tasks.join_next().await {
                if let Ok(r) = r {
                    let (pages, r) = r?;
                    pass.sites += 1;
                    pass.pages += pages;
                    pass.record.checks += r.checks;
                    pass.record.opened += r.opened;
                    pass.record.resolved += r.resolved;
                    pass.record.notices += r.notices;
                }
            }
        }
        Ok(pass)
    }

    /// Crawl due sites until `shutdown` turns true (beside `run`).
    pub async fn run_crawls(self, config: CrawlConfig, mut shutdown: watch::Receiver<bool>) {
        let gate = Arc::new(Semaphore::new(config.sites.max(1)));
        loop {
            if *shutdown.borrow() {
                break;
            }
            let room = gate.available_permits();
            if room > 0 {
                match sites::claim_crawls(self.store(), room as u64, chrono::Duration::hours(1)).await {
                    Ok(due) => {
                        for d in due {
                            let Ok(permit) = Arc::clone(&gate).acquire_owned().await else { break };
                            let engine = self.clone();
                            let config = config.clone();
                            tokio::spawn(async move {
                                let _permit = permit;
                                let id = d.monitor_id;
                                if let Err(e) = engine.crawl_site(d, &config).await {
                                    tracing::warn!(monitor = id, error = %e, "recording a crawl failed; it is tried again when its lease ends");
                                }
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming due crawls failed"),
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(15)) => {}
                _ = shutdown.changed() => {}
            }
        }
    }
}
