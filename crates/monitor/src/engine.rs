//! The engine: keeps monitors in step with the registry, claims due
//! monitors under a lease, runs their checks concurrently, and records the
//! results in batches (one transaction each). On PostgreSQL several nodes
//! run engines side by side; `FOR UPDATE SKIP LOCKED` keeps them apart.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, mpsc, watch};
use url::Url;
use wangan_core::Store;
use wangan_core::monitoring::service::{
    self as store_monitoring, CheckResult, Due, FindingInput, RecordReport, SyncReport,
};
use wangan_core::platform::error::Result;

use crate::analyze::tamper::{self, Fingerprint};
use crate::check::{Baseline, Checker, Health, Report, Target};
use crate::finding::{Check, FindingCode, Severity};

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// This node's name in leases.
    pub node: String,
    /// Checks in flight.
    pub concurrency: usize,
    /// Results recorded per transaction.
    pub batch: usize,
    pub lease: chrono::Duration,
    pub failures_before_down: u32,
    /// An important system down this long opens a notice.
    pub down_notice_minutes: i64,
    pub tls_interval: chrono::Duration,
    pub exposure_interval: chrono::Duration,
    /// How often to sync with the registry and prune old results.
    pub sync_interval: Duration,
    /// The views that take turns (one per page each `views_interval`, and
    /// one at once when the page's text changes).
    pub views: Vec<crate::views::View>,
    pub views_interval: chrono::Duration,
    /// How often each page is rendered in the browser (when the checker
    /// has one); pages whose scripts static decoding cannot clear, every
    /// `views_interval`.
    pub render_interval: chrono::Duration,
    /// A page unchanged byte for byte since the last check is not analysed again ([`crate::check::Memo`]).
    pub content_memo: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            node: format!("node-{}", std::process::id()),
            concurrency: 64,
            batch: 256,
            lease: chrono::Duration::minutes(10),
            failures_before_down: 2,
            down_notice_minutes: 10,
            tls_interval: chrono::Duration::hours(1),
            exposure_interval: chrono::Duration::days(1),
            sync_interval: Duration::from_secs(60),
            views: crate::views::views(&crate::views::default_spiders()),
            views_interval: chrono::Duration::hours(1),
            render_interval: chrono::Duration::days(1),
            content_memo: true,
        }
    }
}

/// Counters since the engine started.
#[derive(Debug, Default)]
pub struct Stats {
    pub checks: AtomicU64,
    pub opened: AtomicU64,
    pub resolved: AtomicU64,
    pub notices: AtomicU64,
    /// Checks whose page was the last check's, byte for byte (the content memo: not analysed again).
    pub reused: AtomicU64,
    /// Time spent claiming and recording (µs), to tell where a node's time goes.
    pub claim_us: AtomicU64,
    pub record_us: AtomicU64,
}

/// What `run_once` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub sync: SyncReport,
    pub record: RecordReport,
}

#[derive(Clone)]
pub struct Engine {
    store: Store,
    checker: Checker,
    config: Arc<EngineConfig>,
    pub stats: Arc<Stats>,
    turns: Arc<std::sync::Mutex<std::collections::HashMap<i64, ViewTurn>>>,
    /// Renders queued or running.
    rendering: Arc<AtomicUsize>,
}

fn parse_checks(s: &str) -> Vec<Check> {
    s.split(',').filter_map(|c| Check::parse(c.trim())).collect()
}

fn due_for(last: Option<DateTime<Utc>>, now: DateTime<Utc>, every: chrono::Duration) -> bool {
    last.is_none_or(|t| now - t >= every)
}

/// The target of a due monitor as of `now`.
pub fn target_of(due: &Due, config: &EngineConfig, now: DateTime<Utc>) -> std::result::Result<Target, String> {
    let url = wangan_core::platform::site_url::SiteUrl::parse(&due.url).map_err(|e| e.to_string())?.into_url();
    let mut t = Target::new(url);
    t.checks = parse_checks(&due.checks);
    t.exclude = due.exclude.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    t.tamper_threshold = f64::from(due.tamper_percent.clamp(1, 100)) / 100.0;
    t.icp_registered = due.icp_no.clone();
    t.public_security_registered = due.public_security_no.clone();
    t.internet_facing = due.internet_facing;
    t.probe_tls = due_for(due.last_tls_at, now, config.tls_interval);
    t.probe_exposure = due_for(due.last_exposure_at, now, config.exposure_interval);
    t.timeout = u64::try_from(due.timeout_s).ok().filter(|s| *s > 0).map(Duration::from_secs);
    Ok(t)
}

/// Turn a check's report into what is recorded: consecutive failures
/// decide when a site is down (after `failures_before_down`), only the
/// checks that actually ran may resolve findings, and serious findings ask
/// for a notice (an important system only after being down long enough).
pub fn outcome(due: &Due, target: &Target, report: &Report, config: &EngineConfig) -> CheckResult {
    let now = report.checked_at;
    let failing = report.health == Health::Down;
    let failures = if failing { due.consecutive_failures.saturating_add(1) } else { 0 };
    let down = failing && failures >= i32::try_from(config.failures_before_down.max(1)).unwrap_or(i32::MAX);
    let down_since = if failing { due.down_since.or(Some(now)) } else { None };
    let status = match report.health {
        Health::Down if down => Health::Down,
        // A failure below the threshold changes nothing yet (nor does a check that never ran).
        Health::Down | Health::Pending => due.status,
        other => other,
    };
    let mut checks_run: Vec<Check> = Vec::new();
    if report.health != Health::Denied && (!failing || down) {
        checks_run.push(Check::Availability);
    }
    let fetched_page = report.page.is_some();
    for c in &target.checks {
        let ran = match c {
            Check::Availability => false,
            Check::Headers => report.status.is_some(),
            Check::Tamper | Check::HiddenLinks | Check::Icp => fetched_page,
            Check::Certificate => target.probe_tls && report.status.is_some() && target.url.scheme() == "https",
            Check::Exposure => target.probe_exposure && report.status.is_some(),
            Check::Views => !report.views_run.is_empty(),
            // The crawl runs apart from the check and records its own findings.
            Check::Crawl => false,
        };
        if ran {
            checks_run.push(*c);
        }
    }
    // A system under a shutdown order, or closed, is verified off the net
    // (§三(三)): its silence is what is asked, serving pages is the finding.
    let verifying = wangan_core::enforcement::rules::must_be_offline(due.stage);
    // Taken offline by its unit, shut down or closed: silence is no alarm.
    let quiet = wangan_core::enforcement::rules::meant_to_be_down(due.stage);
    let long_down = !quiet
        && down
        && due.important
        && store_monitoring::down_long_enough(down_since, now, config.down_notice_minutes);
    let mut findings: Vec<FindingInput> = report
        .findings
        .iter()
        .filter(|f| f.check != Check::Availability || !failing || down)
        .filter(|f| !(quiet && f.check == Check::Availability))
        .map(|f| {
            f.input(
                f.opens_notice()
                    || (long_down && f.check == Check::Availability && f.subject == crate::finding::SUBJECT_DOWN),
            )
        })
        .collect();
    let verification = verifying.then(|| {
        let online = wangan_core::enforcement::rules::answers_with_content(report.status);
        let seen = match (report.status, &report.error) {
            (Some(code), _) => format!("HTTP {code}"),
            (None, Some(e)) => e.to_string(),
            (None, None) => String::new(),
        };
        (online, seen)
    });
    if let Some((true, seen)) = &verification {
        findings.push(FindingInput {
            check: Check::Availability,
            subject: crate::finding::SUBJECT_STILL_ONLINE.into(),
            code: FindingCode::StillOnline,
            severity: Severity::High,
            summary: format!("已责令关停（或已关闭）的系统仍可访问（{seen}）"),
            evidence: serde_json::json!({"url": target.url.as_str(), "status": report.status, "stage": due.stage}),
            open_notice: false,
        });
    }
    let new_baseline = match (due.baseline_id, &report.page, report.status) {
        (None, Some(page), Some(code)) if code < 400 => {
            report.fingerprint().and_then(|fp| serde_json::to_string(&fp).ok()).map(|j| (j, page.blocks.clone()))
        }
        _ => None,
    };
    CheckResult {
        monitor_id: due.id,
        checked_at: now,
        interval_s: due.interval_s,
        status,
        health: report.health,
        consecutive_failures: failures,
        down_since,
        status_code: report.status.map(i32::from),
        latency_ms: report.latency_ms.map(|l| i32::try_from(l).unwrap_or(i32::MAX)),
        error: report.error.as_ref().map(|e| e.to_string()).unwrap_or_default(),
        header_score: report.header_score.map(i32::from),
        tls_checked: checks_run.contains(&Check::Certificate),
        exposure_checked: checks_run.contains(&Check::Exposure),
        views_checked: !report.views_run.is_empty(),
        content_key: report.content_key.clone(),
        // A first baseline is made of this very page: the store names it in the key.
        page_key: new_baseline.as_ref().and(report.page_key.clone()),
        checks_run,
        findings,
        new_baseline,
        verification,
    }
}

use crate::analyze::rendered::SUBJECT_PREFIX as RENDERED;

/// Where a page's views stand, in memory (after a restart the turns start again).
#[derive(Debug, Clone, Default)]
struct ViewTurn {
    /// When the page is next rendered (`None`: at the first free tab).
    render_next: Option<DateTime<Utc>>,
    /// The rendered view's findings, carried by every check until the next
    /// render says otherwise (a page is rendered daily, checked every minutes).
    rendered: Vec<crate::finding::Finding>,
    /// A render finished since the last analysed check: the next check analyses
    /// its page (the content memo would not carry the render's findings).
    rendered_new: bool,
    last: Option<DateTime<Utc>>,
    /// The view whose turn it is (kept while it shows something, so that its finding stays open until it stops).
    next: usize,
    text: Option<u64>,
    simhash: Option<u64>,
}

impl Engine {
    pub fn new(store: Store, checker: Checker, config: EngineConfig) -> Engine {
        Engine {
            store,
            checker,
            config: Arc::new(config),
            stats: Arc::new(Stats::default()),
            turns: Arc::new(std::sync::Mutex::new(std::collections::HashMap::new())),
            rendering: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Count into `stats` (shared with `/metrics`) instead of counters of its own.
    pub fn with_stats(mut self, stats: Arc<Stats>) -> Engine {
        self.stats = stats;
        self
    }

    /// Which view this check fetches, if any is due.
    fn plan_views(&self, id: i64, stored: Option<DateTime<Utc>>, now: DateTime<Utc>, target: &mut Target) {
        if !target.checks.contains(&Check::Views) || self.config.views.is_empty() {
            return;
        }
        let turns = self.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let turn = turns.get(&id);
        let next = turn.map_or(0, |t| t.next);
        target.views = vec![self.config.views[next % self.config.views.len()].clone()];
        // This node's memory, else the time stored with the monitor (a node that starts again).
        target.views_due = due_for(turn.and_then(|t| t.last).or(stored), now, self.config.views_interval);
        target.previous_text = turn.and_then(|t| t.text);
        target.previous_simhash = turn.and_then(|t| t.simhash);
    }

    /// Whether the page's render is due (its time has come, none in flight).
    fn render_due(&self, id: i64, now: DateTime<Utc>, target: &Target) -> bool {
        self.checker.renderer.is_some() && target.checks.contains(&Check::HiddenLinks) && {
            let turns = self.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            turns.get(&id).and_then(|t| t.render_next).is_none_or(|next| now >= next)
        }
    }

    /// Whether a claim reads the baselines' fingerprints: when every page is
    /// analysed (no content memo); else a check reads its own when it needs it.
    fn fingerprints(&self) -> bool {
        !self.config.content_memo
    }

    /// Render the checked page in the background: the check is recorded
    /// now, without waiting for the browser, and the render's findings are
    /// carried by the next checks. At most four renders a tab wait for a
    /// tab; a page that finds the queue full stays due.
    fn render_later(&self, id: i64, target: &Target, report: &Report) {
        let (Some(renderer), Some(page)) = (&self.checker.renderer, &report.page) else { return };
        let limit = renderer.config.tabs.max(1) * 4;
        if self.rendering.fetch_add(1, Ordering::SeqCst) >= limit {
            self.rendering.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        let url = report.final_url.as_deref().and_then(|u| Url::parse(u).ok()).unwrap_or_else(|| target.url.clone());
        let static_found: Vec<crate::finding::Finding> = report
            .findings
            .iter()
            .filter(|f| f.check == Check::HiddenLinks && !f.subject.starts_with(RENDERED))
            .cloned()
            .collect();
        let (page, exclude, unclear) = (page.clone(), target.exclude.clone(), report.unclear);
        // Not due again while this one is queued or running (nor soon after it failed).
        self.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(id).or_default().render_next =
            Some(report.checked_at + self.config.views_interval);
        let engine = self.clone();
        tokio::spawn(async move {
            let result = engine.checker.rendered_view(&url, None, &page, &static_found, &exclude).await;
            engine.rendering.fetch_sub(1, Ordering::SeqCst);
            match result {
                Ok((_, found)) => {
                    let every = if unclear { engine.config.views_interval } else { engine.config.render_interval };
                    let mut turns = engine.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    let turn = turns.entry(id).or_default();
                    turn.render_next = Some(engine.store.now() + every);
                    turn.rendered = found;
                    turn.rendered_new = true;
                }
                Err(e) => tracing::debug!(monitor = id, error = %e, "render failed; tried again later"),
            }
        });
    }

    fn after_views(&self, id: i64, report: &mut Report) {
        let mut turns = self.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let turn = turns.entry(id).or_default();
        // The last render's findings stand until the next render.
        if report.page.is_some() {
            report.findings.extend(turn.rendered.iter().cloned());
            turn.rendered_new = false;
        }
        if report.text_hash.is_some() {
            turn.text = report.text_hash;
        }
        if !report.views_run.is_empty() {
            turn.last = Some(report.checked_at);
            // An unchanged page whose views were its very bytes keeps its SimHash.
            if let Some(p) = &report.plain_view {
                turn.simhash = Some(p.simhash);
            }
            if !report.findings.iter().any(|f| f.check == Check::Views) {
                turn.next = turn.next.wrapping_add(1);
            }
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Renders queued or running in the background.
    pub fn renders_pending(&self) -> usize {
        self.rendering.load(Ordering::SeqCst)
    }

    pub fn checker(&self) -> &Checker {
        &self.checker
    }

    /// Check one claimed monitor.
    pub async fn check(&self, due: Due) -> CheckResult {
        let now = self.store.now();
        let mut target = match target_of(&due, &self.config, now) {
            Ok(t) => t,
            Err(e) => return bad_url(&due, now, &e),
        };
        self.plan_views(due.id, due.views_at, now, &mut target);
        // The engine renders apart from the check (`render_later`).
        target.render_due = false;
        let render_due = self.render_due(due.id, now, &target);
        let views_due = target.checks.contains(&Check::Views) && target.views_due;
        let rendered_new = self
            .turns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&due.id)
            .is_some_and(|t| t.rendered_new);
        target.close_connection = true;
        target.memo = self.config.content_memo.then(|| crate::check::Memo {
            previous: due.content_key.clone(),
            baseline: due.baseline_id,
            // Hourly with the views: a changed script file of an unchanged page is seen within the hour.
            reuse: !views_due && !render_due && !rendered_new && !target.probe_exposure,
        });
        let mut report = self.checker.run_with(&target, self.baseline(&due), now).await;
        if report.content_reused {
            self.stats.reused.fetch_add(1, Ordering::Relaxed);
        }
        self.after_views(due.id, &mut report);
        if render_due {
            self.render_later(due.id, &target, &report);
        }
        // Tampering found: load the baseline's text once, for the removed lines of the diff.
        if let (Some(id), Some(page)) = (due.baseline_id, &report.page)
            && report.findings.iter().any(|f| f.check == Check::Tamper && f.severity >= Severity::High)
            && let Some(b) = self.baseline(&due).await
            && let Ok(text) = store_monitoring::baseline_content(&self.store, id).await
            && let Ok(url) = Url::parse(report.final_url.as_deref().unwrap_or(&due.url))
        {
            let diff = tamper::compare(&b.fingerprint, &text, page, &url);
            let evidence = serde_json::json!(diff);
            for f in report.findings.iter_mut().filter(|f| f.check == Check::Tamper) {
                f.evidence = evidence.clone();
            }
            report.diff = Some(diff);
        }
        outcome(&due, &target, &report, &self.config)
    }

    /// [`Engine::check`], with a panic caught: logged, nothing recorded (the
    /// monitor is checked again when its lease ends), and the engine goes on
    /// (a task that died would otherwise keep its place among the checks in
    /// flight, and enough of them would stop the node claiming).
    pub async fn check_guarded(&self, due: Due) -> Option<CheckResult> {
        use futures::FutureExt;
        let (id, url) = (due.id, due.url.clone());
        match std::panic::AssertUnwindSafe(self.check(due)).catch_unwind().await {
            Ok(r) => Some(r),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(monitor = id, url = %url, panic = %what, "a check failed unexpectedly; the monitor is checked again when its lease ends");
                None
            }
        }
    }

    /// The monitor's accepted baseline: the fingerprint claimed with it, else
    /// read now (lazily: awaited only for a page that is analysed).
    async fn baseline(&self, due: &Due) -> Option<Baseline> {
        let json = match (&due.fingerprint, due.baseline_id) {
            (Some(json), _) => Some(std::borrow::Cow::Borrowed(json.as_str())),
            (None, Some(id)) => match store_monitoring::baseline_fingerprint(&self.store, id).await {
                Ok(json) => json.map(std::borrow::Cow::Owned),
                Err(e) => {
                    tracing::warn!(monitor = due.id, error = %e, "reading the baseline failed; checked without it");
                    None
                }
            },
            (None, None) => None,
        }?;
        let fingerprint = serde_json::from_str::<Fingerprint>(&json).ok()?;
        Some(Baseline { fingerprint, text: Vec::new() })
    }

    pub async fn sync(&self) -> Result<SyncReport> {
        let synced = store_monitoring::sync_registry(&self.store).await?;
        store_monitoring::prune(&self.store).await?;
        // Links to the registry's other systems are the institution's own.
        self.checker.own.set_registered(synced.hosts);
        // 双非 by name for every registered site (by address at each crawl).
        wangan_core::sites::service::refresh_outside(&self.store).await?;
        Ok(synced.report)
    }

    async fn record(&self, results: Vec<CheckResult>) -> Result<RecordReport> {
        let t = std::time::Instant::now();
        let r = store_monitoring::record(&self.store, results).await?;
        self.stats.record_us.fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
        self.stats.checks.fetch_add(r.checks, Ordering::Relaxed);
        self.stats.opened.fetch_add(r.opened, Ordering::Relaxed);
        self.stats.resolved.fetch_add(r.resolved, Ordering::Relaxed);
        self.stats.notices.fetch_add(r.notices, Ordering::Relaxed);
        Ok(r)
    }

    /// The recorder: results in batches of up to `batch` (what is ready within
    /// 100 ms of the first), one transaction each, written while checks go on.
    /// Ends when every sender is gone, with the totals and the first error.
    fn spawn_recorder(
        &self,
        mut rx: mpsc::Receiver<CheckResult>,
    ) -> tokio::task::JoinHandle<(RecordReport, Option<wangan_core::CoreError>)> {
        let engine = self.clone();
        tokio::spawn(async move {
            let (mut total, mut failed) = (RecordReport::default(), None);
            let mut batch = Vec::new();
            while let Some(first) = rx.recv().await {
                batch.push(first);
                let deadline = tokio::time::Instant::now() + Duration::from_millis(100);
                while batch.len() < engine.config.batch {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(r)) => batch.push(r),
                        _ => break,
                    }
                }
                match engine.record(std::mem::take(&mut batch)).await {
                    Ok(r) => {
                        total.checks += r.checks;
                        total.opened += r.opened;
                        total.resolved += r.resolved;
                        total.notices += r.notices;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "recording check results failed; the monitors will be checked again when their lease ends");
                        failed.get_or_insert(e);
                    }
                }
            }
            (total, failed)
        })
    }

    /// Sync, then check every monitor due now once, and record (for
    /// `wangan jobs run-once` and tests). Results are recorded while the
    /// next ones are checked.
    pub async fn run_once(&self) -> Result<PassReport> {
        let started = std::time::Instant::now();
        let sync = self.sync().await?;
        let (synced, mut claiming) = (started.elapsed(), Duration::ZERO);
        let (tx, rx) = mpsc::channel::<CheckResult>(self.config.batch.max(1) * 4);
        let recorder = self.spawn_recorder(rx);
        let gate = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        // Two batches at most: the next is claimed while one is checked (a claim is a
        // write transaction the checks need not wait for).
        let mut checking: Option<tokio::task::JoinSet<()>> = None;
        let claimed = loop {
            let t = std::time::Instant::now();
            let due =
                store_monitoring::claim(&self.store, &self.config.node, 500, self.config.lease, self.fingerprints())
                    .await;
            claiming += t.elapsed();
            let due = match due {
                Ok(due) if due.is_empty() => break Ok(()),
                Ok(due) => due,
                Err(e) => break Err(e),
            };
            let mut tasks = tokio::task::JoinSet::new();
            for d in due {
                let (engine, gate, tx) = (self.clone(), Arc::clone(&gate), tx.clone());
                tasks.spawn(async move {
                    let _permit = gate.acquire_owned().await;
                    if let Some(r) = engine.check_guarded(d).await {
                        let _ = tx.send(r).await;
                    }
                });
            }
            if let Some(mut before) = checking.replace(tasks) {
                while before.join_next().await.is_some() {}
            }
        };
        if let Some(mut last) = checking.take() {
            while last.join_next().await.is_some() {}
        }
        drop(tx);
        let (total, failed) = recorder.await.map_err(|e| wangan_core::CoreError::Internal(e.to_string()))?;
        claimed?;
        if let Some(e) = failed {
            return Err(e);
        }
        tracing::debug!(
            total_ms = started.elapsed().as_millis() as u64,
            sync_ms = synced.as_millis() as u64,
            claim_ms = claiming.as_millis() as u64,
            record_ms = self.stats.record_us.load(Ordering::Relaxed) / 1_000,
            reused = self.stats.reused.load(Ordering::Relaxed),
            "monitoring pass"
        );
        Ok(PassReport { sync, record: total })
    }

    /// Run until `shutdown` turns true: claim what is due while there is
    /// room, check, and record in batches.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let (tx, rx) = mpsc::channel::<CheckResult>(self.config.batch.max(1) * 4);
        let in_flight = Arc::new(AtomicUsize::new(0));
        let recorder = self.spawn_recorder(rx);
        let gate = Arc::new(Semaphore::new(self.config.concurrency.max(1)));
        let mut last_sync: Option<tokio::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            if last_sync.is_none_or(|t| t.elapsed() >= self.config.sync_interval) {
                if let Err(e) = self.sync().await {
                    tracing::warn!(error = %e, "monitor sync failed");
                }
                last_sync = Some(tokio::time::Instant::now());
            }
            // Claimed ahead: four times the checks in flight, so a claim (a write transaction,
            // an fsync on SQLite) brings a large batch.
            let room = (self.config.concurrency * 4).saturating_sub(in_flight.load(Ordering::Relaxed));
            let mut claimed = 0;
            let mut nothing_due = false;
            // Claim in batches (each claim is a write transaction): when half the room is free, or nothing runs.
            if room >= self.config.concurrency.max(1) * 2 || (room > 0 && in_flight.load(Ordering::Relaxed) == 0) {
                let t = std::time::Instant::now();
                let claimed_now = store_monitoring::claim(
                    &self.store,
                    &self.config.node,
                    room as u64,
                    self.config.lease,
                    self.fingerprints(),
                )
                .await;
                self.stats.claim_us.fetch_add(t.elapsed().as_micros() as u64, Ordering::Relaxed);
                match claimed_now {
                    Ok(due) => {
                        claimed = due.len();
                        nothing_due = claimed < room;
                        in_flight.fetch_add(claimed, Ordering::Relaxed);
                        for d in due {
                            let engine = self.clone();
                            let gate = Arc::clone(&gate);
                            let tx = tx.clone();
                            let in_flight = Arc::clone(&in_flight);
                            tokio::spawn(async move {
                                let _permit = gate.acquire_owned().await;
                                let r = engine.check_guarded(d).await;
                                // Room for the next claim as soon as the check is done (or failed);
                                // the channel's bound keeps the recorder's backlog in check.
                                in_flight.fetch_sub(1, Ordering::Relaxed);
                                if let Some(r) = r {
                                    let _ = tx.send(r).await;
                                }
                            });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming due monitors failed"),
                }
            }
            // Idle only when nothing more is due; otherwise come back as soon as room frees.
            let pause = if nothing_due && claimed == 0 { Duration::from_millis(250) } else { Duration::from_millis(5) };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        drop(tx);
        let _ = recorder.await;
    }
}

/// A stored URL that no longer parses (monitors are checked when saved): recorded as an error, nothing resolved.
fn bad_url(due: &Due, now: DateTime<Utc>, e: &str) -> CheckResult {
    CheckResult {
        monitor_id: due.id,
        checked_at: now,
        interval_s: due.interval_s,
        status: due.status,
        health: Health::Down,
        consecutive_failures: due.consecutive_failures,
        down_since: due.down_since,
        status_code: None,
        latency_ms: None,
        error: format!("bad URL: {e}"),
        header_score: None,
        tls_checked: false,
        exposure_checked: false,
        views_checked: false,
        content_key: None,
        page_key: None,
        checks_run: Vec::new(),
        findings: Vec::new(),
        new_baseline: None,
        verification: None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::finding::{Finding, FindingCode};

    pub(crate) fn due() -> Due {
        Due {
            id: 1,
            system_id: 1,
            unit_id: 1,
            url: "http://www.univ.example/".into(),
            interval_s: 300,
            timeout_s: 10,
            checks: "availability,tamper,hidden_links,certificate,headers,icp,exposure".into(),
            exclude: ".date\n#count".into(),
            tamper_percent: 30,
            status: Health::Up,
            consecutive_failures: 0,
            down_since: None,
            last_tls_at: None,
            last_exposure_at: Some(Utc::now()),
            baseline_id: None,
            system_name: "x".into(),
            internet_facing: true,
            important: true,
            icp_no: String::new(),
            public_security_no: String::new(),
            stage: wangan_core::registry::Stage::Online,
            fingerprint: None,
            views_at: None,
            content_key: None,
        }
    }

    fn down_report(at: DateTime<Utc>) -> Report {
        let mut r = Report::failed("http://www.univ.example/", crate::fetch::FetchError::Timeout, at);
        r.findings.push(Finding::new(Check::Availability, "down", FindingCode::Unreachable, Severity::High, "x"));
        r
    }

    /// A system its unit took offline, or one under an order, is meant to be
    /// down: no down finding and no notice however long; under an order, a
    /// page served is the finding (`still_online`), and the look is kept.
    #[test]
    fn systems_meant_to_be_down_raise_no_down_alarm() {
        use wangan_core::registry::Stage;
        let c = EngineConfig::default();
        let start = Utc::now();
        for stage in [Stage::Offline, Stage::Shutdown, Stage::Closed] {
            let d = Due { stage, status: Health::Down, consecutive_failures: 5, down_since: Some(start), ..due() };
            let t = target_of(&d, &c, start).unwrap();
            let r = outcome(&d, &t, &down_report(start + chrono::Duration::hours(2)), &c);
            assert!(r.findings.is_empty(), "{stage:?}: {:?}", r.findings);
            assert!(r.checks_run.contains(&Check::Availability), "an earlier down finding resolves");
            assert_eq!(r.verification.as_ref().map(|v| v.0), (stage != Stage::Offline).then_some(false));
        }
        let d = Due { stage: Stage::Shutdown, ..due() };
        let t = target_of(&d, &c, start).unwrap();
        let mut up = Report::failed("http://www.univ.example/", crate::fetch::FetchError::Timeout, start);
        up.health = Health::Up;
        up.status = Some(200);
        up.error = None;
        up.findings.clear();
        let r = outcome(&d, &t, &up, &c);
        assert_eq!(r.findings.len(), 1);
        assert_eq!((r.findings[0].code, r.findings[0].severity), (FindingCode::StillOnline, Severity::High));
        assert_eq!(r.verification, Some((true, "HTTP 200".into())));
    }

    #[test]
    fn targets_follow_the_monitor_and_the_intervals() {
        let c = EngineConfig::default();
        let t = target_of(&due(), &c, Utc::now()).unwrap();
        assert_eq!(t.exclude, [".date", "#count"]);
        assert!(t.probe_tls, "never probed: probe now");
        assert!(!t.probe_exposure, "probed a moment ago: not again");
        assert_eq!(t.tamper_threshold, 0.3);
        assert_eq!(t.checks.len(), 7);
    }

    #[test]
    fn down_only_after_consecutive_failures_and_a_notice_after_ten_minutes() {
        let c = EngineConfig::default();
        let t = target_of(&due(), &c, Utc::now()).unwrap();
        let start = Utc::now();
        let first = outcome(&due(), &t, &down_report(start), &c);
        assert_eq!((first.status.as_str(), first.consecutive_failures), ("up", 1));
        assert!(first.findings.is_empty(), "one failure is noise");
        assert!(!first.checks_run.contains(&Check::Availability), "and resolves nothing");
        let mut d = due();
        d.consecutive_failures = 1;
        d.down_since = first.down_since;
        let second = outcome(&d, &t, &down_report(start + chrono::Duration::minutes(5)), &c);
        assert_eq!(second.status, Health::Down);
        assert_eq!(second.findings.len(), 1);
        assert!(!second.findings[0].open_notice, "down 5 minutes: alert on the wall, no notice yet");
        d.consecutive_failures = 2;
        d.status = Health::Down;
        let third = outcome(&d, &t, &down_report(start + chrono::Duration::minutes(10)), &c);
        assert!(third.findings[0].open_notice, "an important system down 10 minutes opens a notice");
        d.important = false;
        assert!(!outcome(&d, &t, &down_report(start + chrono::Duration::minutes(30)), &c).findings[0].open_notice);
    }
}
