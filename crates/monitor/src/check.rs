//! Every check of one URL, once: fetch, decode, analyze, probe. Used by
//! the engine for each due monitor and by `wangan check URL`; needs no
//! database.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use url::Url;

use crate::analyze::exposure::{self, PROBE_BYTES, PROBES};
use crate::analyze::keywords::Dictionary;
use crate::analyze::tamper::{self, Diff, Fingerprint};
use crate::analyze::{self, charset, content, headers, html, icp};
use crate::fetch::{FetchConfig, FetchError, Fetcher};
use crate::finding::{Check, Finding, FindingCode, Severity};
use crate::tls::{self, CertInfo, Prober, TlsOutcome};
use crate::views;

/// What to check at a URL and against what.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    pub checks: Vec<Check>,
    /// CSS selectors of dynamic parts left out of the baseline.
    pub exclude: Vec<String>,
    /// Share of text or structure that may change before it is tampering.
    pub tamper_threshold: f64,
    /// The system's registered ICP number (empty: none).
    pub icp_registered: String,
    /// The registered 公安备案号 (empty when none).
    pub public_security_registered: String,
    pub internet_facing: bool,
    /// Probe for exposed files this time (they run less often than the rest).
    pub probe_exposure: bool,
    /// Shake hands for the certificate this time (https only).
    pub probe_tls: bool,
    /// The fetch's time limit (the configured one when `None`).
    pub timeout: Option<std::time::Duration>,
    /// Views to fetch besides the plain one (with `Check::Views`): always
    /// when `views_due`, else only when the page's text changed since `previous_text`.
    pub views: Vec<crate::views::View>,
    pub views_due: bool,
    /// The plain page's text hash and SimHash at the last check (engine memory).
    pub previous_text: Option<u64>,
    pub previous_simhash: Option<u64>,
    /// Render the page in the browser within this check (when the checker
    /// has a browser; the engine renders apart from its checks instead).
    pub render_due: bool,
    /// Ask only for a changed page: the `ETag` and `Last-Modified` the last
    /// fetch answered (a crawl's deep pages; `304` then costs no analysis).
    pub validators: Option<Validators>,
    /// The content memo (the engine's monitors; `None`: every page is analysed).
    pub memo: Option<Memo>,
    /// Ask the site to close the page's connection (`Connection: close`):
    /// a monitor's page is fetched once a check, minutes apart, and thousands
    /// of connections kept idle held their read buffers (the views, script
    /// files and probes that may follow open their own). A crawl keeps it.
    pub close_connection: bool,
}

/// The content memo. A page whose bytes, status, type and final address
/// are those of the last check, analysed under the same settings, words,
/// registry and baseline, has the findings it had then: its content checks
/// (hidden links, spam, tampering, 备案 numbers) are not run again, and the
/// check says so (`Report::content_reused`), so that the findings they
/// opened stay open and none resolves. Any changed byte, setting, word or
/// baseline makes another key and a full analysis; so does every check
/// that fetches a view, renders the page or probes for exposed files.
/// The page's key is BLAKE3, a cryptographic hash (a page cannot be made
/// to match another's), and names the accepted baseline by its id
/// ([`wangan_core::monitoring::rules::content_key`]): a baseline is never
/// changed, only replaced, and a first check's key names the baseline made
/// of its own page (the store sets it), so that the next check of the
/// same page needs no analysis either.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Memo {
    /// The key of the page analysed at the last check.
    pub previous: Option<String>,
    /// The accepted baseline the page is compared with (its id).
    pub baseline: Option<i64>,
    /// Whether the last analysis may stand this time.
    pub reuse: bool,
}

/// What makes a request conditional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Target {
    pub fn new(url: Url) -> Target {
        Target {
            url,
            checks: Check::ALL.to_vec(),
            exclude: Vec::new(),
            tamper_threshold: 0.3,
            icp_registered: String::new(),
            public_security_registered: String::new(),
            internet_facing: true,
            probe_exposure: true,
            probe_tls: true,
            timeout: None,
            views: Vec::new(),
            views_due: true,
            previous_text: None,
            previous_simhash: None,
            render_due: true,
            validators: None,
            memo: None,
            close_connection: false,
        }
    }

    fn wants(&self, c: Check) -> bool {
        self.checks.contains(&c)
    }
}

/// The accepted baseline of a page.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub fingerprint: Fingerprint,
    /// The baseline's text blocks, for the removed lines of a diff (may be empty).
    pub text: Vec<String>,
}

/// Up, down, or reachable but not well.
pub use wangan_core::monitoring::Health;

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub url: String,
    pub final_url: Option<String>,
    pub status: Option<u16>,
    pub latency_ms: Option<u64>,
    pub error: Option<FetchError>,
    pub health: Health,
    pub bytes: usize,
    pub truncated: bool,
    pub encoding: Option<String>,
    pub title: Option<String>,
    pub header_score: Option<u8>,
    pub certificate: Option<CertInfo>,
    pub findings: Vec<Finding>,
    pub diff: Option<Diff>,
    /// The views fetched this time (`spider:baiduspider` …), and what the plain one was.
    pub views_run: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plain_view: Option<crate::views::Seen>,
    /// The rendered view, when the page was rendered this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<crate::render::Rendered>,
    /// Why rendering failed, when it was due and did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub render_error: Option<String>,
    /// The page has scripts static decoding could not read through (the
    /// rendered view is due more often).
    pub unclear: bool,
    /// The answer's `ETag` and `Last-Modified`, for the next conditional request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validators: Option<Validators>,
    /// The address that answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<std::net::IpAddr>,
    /// Hash of the plain page's visible text (to notice a change).
    #[serde(skip)]
    pub text_hash: Option<u64>,
    /// The page as analyzed (to make a baseline of it).
    #[serde(skip)]
    pub page: Option<html::Page>,
    /// The content memo's key of the page fetched (with `Target::memo`),
    /// and of the page alone (without the baseline, see [`Memo`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_key: Option<String>,
    #[serde(skip)]
    pub page_key: Option<String>,
    /// The page was the last check's, byte for byte: its content checks did not run again.
    pub content_reused: bool,
    pub checked_at: DateTime<Utc>,
}

impl Report {
    fn new(url: &str, now: DateTime<Utc>) -> Report {
        Report {
            url: url.to_owned(),
            final_url: None,
            status: None,
            latency_ms: None,
            error: None,
            health: Health::Up,
            bytes: 0,
            truncated: false,
            encoding: None,
            title: None,
            header_score: None,
            certificate: None,
            findings: Vec::new(),
            diff: None,
            views_run: Vec::new(),
            plain_view: None,
            rendered: None,
            render_error: None,
            unclear: false,
            validators: None,
            address: None,
            text_hash: None,
            page: None,
            content_key: None,
            page_key: None,
            content_reused: false,
            checked_at: now,
        }
    }

    /// A report of a fetch that failed (no findings yet).
    pub fn failed(url: &str, e: FetchError, now: DateTime<Utc>) -> Report {
        let mut r = Report::new(url, now);
        r.health = if matches!(e, FetchError::Denied(_)) { Health::Denied } else { Health::Down };
        r.error = Some(e);
        r
    }

    /// The fingerprint of the page fetched, to accept as the new baseline.
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        let url = Url::parse(self.final_url.as_deref().unwrap_or(&self.url)).ok()?;
        self.page.as_ref().map(|p| Fingerprint::of(p, &url))
    }
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker").field("slow_ms", &self.slow_ms).finish_non_exhaustive()
    }
}

/// Runs checks; cheap to clone.
#[derive(Clone)]
pub struct Checker {
    pub fetcher: Fetcher,
    prober: Prober,
    pub dictionary: Arc<Dictionary>,
    /// The institution's own domains and the allow-list (`[institution] domains`).
    pub own: Arc<content::Own>,
    /// Slower than this (ms) is degraded.
    pub slow_ms: u64,
    /// Headless Chromium for the rendered view (`None`: rendering is off).
    pub renderer: Option<Arc<crate::render::Renderer>>,
    /// The sites' own script files, fetched and analysed once an hour.
    pub script_files: Arc<crate::scripts::ScriptFiles>,
}

impl Checker {
    pub fn new(config: FetchConfig, dictionary: Arc<Dictionary>) -> Result<Checker, String> {
        let prober = Prober::new(&config.extra_roots)?;
        Ok(Checker {
            fetcher: Fetcher::new(config)?,
            prober,
            dictionary,
            own: Arc::default(),
            slow_ms: 3_000,
            renderer: None,
            script_files: Arc::default(),
        })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.fetcher.config
    }

    /// Run the target's checks once, as of `now`.
    pub async fn run(&self, target: &Target, baseline: Option<&Baseline>, now: DateTime<Utc>) -> Report {
        self.run_with(target, async { baseline.cloned() }, now).await
    }

    /// [`Checker::run`] with the baseline read only when the page is
    /// analysed: `baseline` is awaited for no page the memo keeps (a stored
    /// fingerprint is kilobytes to read and parse).
    pub async fn run_with(
        &self,
        target: &Target,
        baseline: impl std::future::Future<Output = Option<Baseline>>,
        now: DateTime<Utc>,
    ) -> Report {
        let mut report = Report::new(target.url.as_str(), now);
        let mut conditional = Vec::new();
        if let Some(v) = &target.validators {
            use reqwest::header::{IF_MODIFIED_SINCE, IF_NONE_MATCH};
            conditional.extend(v.etag.clone().map(|e| (IF_NONE_MATCH, e)));
            conditional.extend(v.last_modified.clone().map(|m| (IF_MODIFIED_SINCE, m)));
        }
        if target.close_connection {
            conditional.push(crate::fetch::connection_close());
        }
        let fetched =
            self.fetcher.get_as(&target.url, self.config().max_body, target.timeout, &conditional, true).await;
        let fetched = match fetched {
            Ok(f) => f,
            // Not the site's fault: the deployment does not allow its address.
            Err(e @ FetchError::Denied(_)) => return Report::failed(target.url.as_str(), e, now),
            Err(e) => {
                let mut r = Report::failed(target.url.as_str(), e.clone(), now);
                r.findings.push(
                    Finding::new(
                        Check::Availability,
                        crate::finding::SUBJECT_DOWN,
                        FindingCode::Unreachable,
                        Severity::High,
                        format!("站点无法访问：{e}"),
                    )
                    .with(json!({"error": e})),
                );
                return r;
            }
        };
        let latency = fetched.latency.as_millis() as u64;
        report.final_url = Some(fetched.final_url.to_string());
        report.status = Some(fetched.status);
        report.latency_ms = Some(latency);
        report.bytes = fetched.body.len();
        report.truncated = fetched.truncated;
        report.address = fetched.remote;
        let etag = fetched.header("etag").map(str::to_owned);
        let last_modified = fetched.header("last-modified").map(str::to_owned);
        if etag.is_some() || last_modified.is_some() {
            report.validators = Some(Validators { etag, last_modified });
        }
        if fetched.status >= 500 {
            report.health = Health::Down;
            report.findings.push(
                Finding::new(
                    Check::Availability,
                    crate::finding::SUBJECT_DOWN,
                    FindingCode::HttpError,
                    Severity::High,
                    format!("站点返回错误状态 {}", fetched.status),
                )
                .with(json!({"status": fetched.status})),
            );
        } else if fetched.status >= 400 {
            report.health = Health::Degraded;
            report.findings.push(
                Finding::new(
                    Check::Availability,
                    "status",
                    FindingCode::HttpStatus,
                    Severity::Medium,
                    format!("站点返回状态 {}", fetched.status),
                )
                .with(json!({"status": fetched.status})),
            );
        }
        if latency > self.slow_ms {
            if report.health == Health::Up {
                report.health = Health::Degraded;
            }
            report.findings.push(
                Finding::new(
                    Check::Availability,
                    "slow",
                    FindingCode::Slow,
                    Severity::Low,
                    format!("响应缓慢：{latency} ms"),
                )
                .with(json!({"latency_ms": latency, "limit_ms": self.slow_ms})),
            );
        }
        let https = fetched.final_url.scheme() == "https";
        if target.wants(Check::Headers) {
            let (score, found) = headers::check(&fetched.headers, https);
            report.header_score = Some(score);
            report.findings.extend(found);
        }
        if target.wants(Check::Exposure) {
            report.findings.extend(headers::banners(&fetched.headers));
        }

        let content_type = fetched.header("content-type").unwrap_or("text/html").to_ascii_lowercase();
        let is_html =
            content_type.contains("html") || content_type.contains("xml") || content_type.starts_with("text/");
        let analysed = is_html && fetched.status < 400 && fetched.status != 304;
        if analysed && let Some(memo) = &target.memo {
            let page_key = self.page_key(target, &fetched.final_url, fetched.status, &content_type, &fetched.body);
            let key = wangan_core::monitoring::rules::content_key(&page_key, memo.baseline);
            report.content_reused = memo.reuse && memo.previous.as_deref() == Some(key.as_str());
            report.content_key = Some(key);
            report.page_key = Some(page_key);
        }
        if analysed && !report.content_reused {
            let baseline = baseline.await;
            let baseline = baseline.as_ref();
            let (text, encoding) = charset::decode(&fetched.body, Some(&content_type));
            report.encoding = Some(encoding.name().to_owned());
            let mut page = html::parse(&text, &target.exclude);
            let url = &fetched.final_url;
            if target.wants(Check::HiddenLinks) {
                let files = self.script_files.of(&self.fetcher, &page, url, &self.own, target.close_connection).await;
                html::add_script_files(&mut page, &text, &target.exclude, &files);
            }
            drop(text);
            report.title = Some(page.title.clone());
            let content_found = if target.wants(Check::HiddenLinks) {
                let known = baseline.map(|b| &b.fingerprint.link_domains);
                content::check(&page, url, &self.dictionary, known, &self.own)
            } else {
                Vec::new()
            };
            let mut views_found = Vec::new();
            if target.wants(Check::Views) && !target.views.is_empty() {
                let hash = page.blocks.iter().fold(0u64, |h, b| h.rotate_left(7) ^ html::text_hash(b.as_bytes()));
                report.text_hash = Some(hash);
                if target.views_due || target.previous_text.is_some_and(|h| h != hash) {
                    let plain =
                        views::Seen::of("plain", "普通访问", fetched.status, url, &page, &content_found, &self.own);
                    let natural = target.previous_simhash.map(|p| views::distance(p, plain.simhash));
                    for view in &target.views {
                        views_found.extend(self.view(target, view, &plain, natural, &fetched).await);
                        report.views_run.push(view.name.clone());
                    }
                    report.plain_view = Some(plain);
                }
            }
            report.unclear = content::unclear(&page);
            if target.wants(Check::HiddenLinks) && target.render_due && self.renderer.is_some() {
                match self.rendered_view(url, Some(&fetched), &page, &content_found, &target.exclude).await {
                    Ok((rendered, found)) => {
                        views_found.extend(found);
                        report.rendered = Some(rendered);
                    }
                    Err(e) => report.render_error = Some(e),
                }
            }
            report.findings.extend(content_found);
            report.findings.extend(views_found);
            if target.wants(Check::Tamper)
                && let Some(b) = baseline
            {
                let diff = tamper::compare(&b.fingerprint, &b.text, &page, url);
                report.findings.extend(tamper::judge(&diff, target.tamper_threshold, url));
                report.diff = Some(diff);
            }
            if target.wants(Check::Icp) {
                let mut footer = page.visible_text();
                footer.push('\n');
                footer.push_str(&page.excluded_text);
                report.findings.extend(icp::check(&icp::find(&footer), &target.icp_registered, target.internet_facing));
                report.findings.extend(icp::check_public_security(
                    &icp::find_public_security(&footer),
                    &target.public_security_registered,
                    target.internet_facing,
                ));
            }
            if target.wants(Check::Exposure) && exposure::is_listing(&fetched.body) {
                report.findings.push(
                    Finding::new(
                        Check::Exposure,
                        "file:/",
                        FindingCode::DirectoryListing,
                        Severity::Medium,
                        "首页为目录浏览页面",
                    )
                    .with(json!({"path": url.path()})),
                );
            }
            report.page = Some(page);
        }
        drop(fetched.body);

        if target.wants(Check::Certificate) && target.probe_tls && https {
            match self.prober.probe(self.config(), &target.url).await {
                Ok(outcome) => {
                    report.findings.extend(tls::judge(&outcome, now));
                    if let TlsOutcome::Cert(info) = outcome {
                        report.certificate = Some(info);
                    }
                }
                Err(e) => report.findings.push(
                    Finding::new(
                        Check::Certificate,
                        "handshake",
                        FindingCode::TlsFailed,
                        Severity::High,
                        format!("TLS 握手失败：{e}"),
                    )
                    .with(json!({"error": e})),
                ),
            }
        }
        if target.wants(Check::Exposure) && target.probe_exposure {
            report.findings.extend(self.exposure(&target.url).await);
        }
        report
    }

    /// What the analysis of a page depends on, but for the baseline, hashed (see [`Memo`]).
    fn page_key(&self, target: &Target, final_url: &Url, status: u16, content_type: &str, body: &[u8]) -> String {
        let mut h = blake3::Hasher::new();
        let mut field = |bytes: &[u8]| {
            h.update(&(bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        field(concat!("wangan content memo ", env!("CARGO_PKG_VERSION")).as_bytes());
        field(&self.dictionary.digest());
        field(&self.own.digest());
        for c in &target.checks {
            field(c.as_str().as_bytes());
        }
        field(target.exclude.join("\n").as_bytes());
        field(&target.tamper_threshold.to_bits().to_le_bytes());
        field(target.icp_registered.as_bytes());
        field(target.public_security_registered.as_bytes());
        field(&[u8::from(target.internet_facing)]);
        field(&status.to_le_bytes());
        field(final_url.as_str().as_bytes());
        field(content_type.as_bytes());
        field(body);
        h.finalize().to_hex().to_string()
    }

    /// Render `url` in the browser and judge what it shows beyond `page`
    /// (the fetched page) and `static_found` (its findings). `document`:
    /// the fetched response, answered to the browser from memory.
    pub async fn rendered_view(
        &self,
        url: &Url,
        document: Option<&crate::fetch::Fetched>,
        page: &html::Page,
        static_found: &[Finding],
        exclude: &[String],
    ) -> Result<(crate::render::Rendered, Vec<Finding>), String> {
        let renderer = self.renderer.as_ref().ok_or_else(|| "rendering is off".to_owned())?;
        let mut rendered = renderer.render(url, document).await?;
        let summary = json!({
            "elapsed_ms": rendered.elapsed_ms, "requests": rendered.requests,
            "blocked": rendered.blocked, "final_url": rendered.final_url,
        });
        let seen = html::parse(&std::mem::take(&mut rendered.html), exclude);
        let base = Url::parse(&rendered.final_url).unwrap_or_else(|_| url.clone());
        let found = analyze::rendered::check(page, seen, &base, &self.dictionary, &self.own, static_found, &summary);
        Ok((rendered, found))
    }

    /// Fetch the page as `view` sees it and compare with the plain visit.
    /// A view that cannot be fetched is no finding (the plain one says whether the site is up).
    async fn view(
        &self,
        target: &Target,
        view: &views::View,
        plain: &views::Seen,
        natural: Option<u32>,
        plain_fetched: &crate::fetch::Fetched,
    ) -> Vec<Finding> {
        use reqwest::header::{REFERER, USER_AGENT};
        let mut headers = vec![(USER_AGENT, view.user_agent.clone())];
        if let Some(r) = &view.referer {
            headers.push((REFERER, r.clone()));
        }
        if target.close_connection {
            headers.push(crate::fetch::connection_close());
        }
        // Redirects are followed within the site (and the institution) only:
        // one that leaves is the finding, and the spam site is never visited.
        let mut url = target.url.clone();
        let mut hops = 0;
        let f = loop {
            let Ok(f) = self.fetcher.get_as(&url, self.config().max_body, target.timeout, &headers, false).await else {
                return Vec::new();
            };
            let location = f.header("location").and_then(|l| url.join(l).ok());
            match location {
                Some(next) if (300..400).contains(&f.status) && hops < self.config().max_redirects => {
                    if self.own.foreign(&url, next.as_str()).is_some() {
                        let seen = views::Seen::of(
                            &view.name,
                            &view.label,
                            f.status,
                            &next,
                            &html::Page::default(),
                            &[],
                            &self.own,
                        );
                        return views::judge(plain, &seen, view.kind, natural, &self.own);
                    }
                    url = next;
                    hops += 1;
                }
                _ => break f,
            }
        };
        // The plain visit's very bytes, at its address: nothing of the view's own.
        if hops == 0
            && url == plain_fetched.final_url
            && f.status == plain_fetched.status
            && !f.truncated
            && f.body == plain_fetched.body
        {
            return Vec::new();
        }
        let content_type = f.header("content-type").unwrap_or("text/html").to_ascii_lowercase();
        let (text, _) = charset::decode(&f.body, Some(&content_type));
        let page = html::parse(&text, &target.exclude);
        let found = content::check(&page, &url, &self.dictionary, None, &self.own);
        let seen = views::Seen::of(&view.name, &view.label, f.status, &url, &page, &found, &self.own);
        views::judge(plain, &seen, view.kind, natural, &self.own)
    }

    /// Probe every path of the exposure list on the URL's site.
    pub async fn exposure(&self, url: &Url) -> Vec<Finding> {
        let mut out = Vec::new();
        for (path, sig, severity) in PROBES {
            let Ok(probe_url) = url.join(path) else { continue };
            if let Ok(r) = self.fetcher.probe(&probe_url, PROBE_BYTES).await
                && let Some(f) = exposure::judge(path, *sig, *severity, r.status, &r.body)
            {
                out.push(f);
            }
        }
        out
    }
}

/// A report a person can read.
pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    s.push_str(&format!("{}\n", r.url));
    match (&r.error, r.status) {
        (Some(e @ FetchError::Denied(_)), _) => {
            s.push_str(&format!("  未检查 / not checked — {e} (see [network] allow, or --allow)\n"))
        }
        (Some(e), _) => s.push_str(&format!("  状态 / status: 无法访问 down — {e}\n")),
        (None, Some(code)) => s.push_str(&format!(
            "  状态 / status: {} — HTTP {code}, {} ms, {} bytes{}{}\n",
            r.health.as_str(),
            r.latency_ms.unwrap_or(0),
            r.bytes,
            if r.truncated { " (truncated)" } else { "" },
            r.encoding.as_deref().map(|e| format!(", {e}")).unwrap_or_default()
        )),
        (None, None) => {}
    }
    if let Some(f) = &r.final_url
        && f != &r.url
    {
        s.push_str(&format!("  跳转到 / redirected to: {f}\n"));
    }
    if let Some(t) = r.title.as_deref().filter(|t| !t.is_empty()) {
        s.push_str(&format!("  标题 / title: {t}\n"));
    }
    if let Some(score) = r.header_score {
        s.push_str(&format!("  安全头得分 / header score: {score}/100\n"));
    }
    if let Some(c) = &r.certificate {
        s.push_str(&format!(
            "  证书 / certificate: {} — {}, until {} ({})\n",
            c.subject,
            c.issuer,
            c.not_after.format("%Y-%m-%d"),
            c.protocol
        ));
    }
    if !r.views_run.is_empty() {
        s.push_str(&format!("  视角 / views: 已比对 {} 个 ({})\n", r.views_run.len(), r.views_run.join(", ")));
    }
    match (&r.rendered, &r.render_error) {
        (Some(x), _) => s.push_str(&format!(
            "  渲染 / rendered: {} ms, {} 个请求 / requests{}\n",
            x.elapsed_ms,
            x.requests,
            if x.blocked.is_empty() {
                String::new()
            } else {
                format!(", 按网络策略拦截 / blocked by [network]: {}", x.blocked.join(" "))
            }
        )),
        (None, Some(e)) => s.push_str(&format!("  渲染失败 / render failed: {e}\n")),
        (None, None) => {}
    }
    if r.findings.is_empty() {
        s.push_str("  未发现问题 / no findings\n");
    } else {
        let mut findings: Vec<&Finding> = r.findings.iter().collect();
        findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.check.cmp(&b.check)));
        s.push_str(&format!("  发现 {} 项 / {} findings:\n", findings.len(), findings.len()));
        for f in findings {
            s.push_str(&format!("  [{:<8}] {:<12} {}\n", f.severity.as_str(), f.check.as_str(), f.summary));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::farm::{Cert, Farm, Plant, Site};
    use crate::fetch::Route;
    use std::sync::atomic::Ordering;

    async fn setup() -> (Farm, Checker) {
        let farm = Farm::start(&["farm.test", "tls.test"]).await.unwrap();
        let config = FetchConfig {
            hosts: vec![
                Route::new("farm.test", "127.0.0.1".parse().unwrap(), Some(farm.http.port())),
                Route::new("tls.test", "127.0.0.1".parse().unwrap(), Some(farm.https.port())),
            ],
            extra_roots: vec![farm.ca_pem.clone().into_bytes()],
            timeout: std::time::Duration::from_secs(2),
            ..FetchConfig::default()
        };
        let checker = Checker::new(config, Arc::new(Dictionary::new(&[]).unwrap())).unwrap();
        (farm, checker)
    }

    fn target(url: &str) -> Target {
        let mut t = Target::new(Url::parse(url).unwrap());
        t.icp_registered = crate::farm::ICP.into();
        t
    }

    fn serious(r: &Report) -> Vec<String> {
        r.findings
            .iter()
            .filter(|f| f.severity >= Severity::High)
            .map(|f| format!("{}:{}", f.check.as_str(), f.subject))
            .collect()
    }

    #[tokio::test]
    async fn the_sites_own_script_files_are_read_and_kept_for_an_hour() {
        let (farm, checker) = setup().await;
        for n in 0..4u64 {
            let host = format!("s{:05}.farm.test", 400 + n);
            farm.set(&host, Site { plant: Plant::ScriptFile, ..Site::default() });
            let r = checker.run(&target(&format!("http://{host}/")), None, Utc::now()).await;
            let hidden = r
                .findings
                .iter()
                .find(|f| f.code == FindingCode::HiddenLink)
                .unwrap_or_else(|| panic!("page {n}: {:?}", r.findings));
            assert_eq!(hidden.severity, Severity::Critical, "{hidden:?}");
            assert!(hidden.evidence["script"]["decoded"].as_str().is_some_and(|d| d.contains("href")), "{hidden:?}");
        }
        // The same menu script without the kit: nothing (its writes and DOM code are no finding).
        farm.set("s00410.farm.test", Site::default());
        let r = checker.run(&target("http://s00410.farm.test/"), None, Utc::now()).await;
        assert!(serious(&r).is_empty(), "{:?}", r.findings);
        assert!(r.findings.iter().all(|f| f.code != FindingCode::ObfuscatedScript), "{:?}", r.findings);
        // Fetched once: the next check of the page reads the files from memory.
        let mut fresh = target("http://s00411.farm.test/");
        fresh.probe_exposure = false;
        let mut t = target("http://s00410.farm.test/");
        t.probe_exposure = false;
        let before = farm.requests.load(Ordering::Relaxed);
        checker.run(&t, None, Utc::now()).await;
        let cached = farm.requests.load(Ordering::Relaxed) - before;
        let before = farm.requests.load(Ordering::Relaxed);
        checker.run(&fresh, None, Utc::now()).await;
        let first = farm.requests.load(Ordering::Relaxed) - before;
        assert_eq!(first, cached + 2, "a first check also fetches the page's two script files");
    }

    #[tokio::test]
    async fn views_catch_what_only_spiders_search_visitors_or_phones_get() {
        use crate::farm::Cloak;
        let (farm, checker) = setup().await;
        let all = crate::views::views(&crate::views::default_spiders());
        for (n, cloak, code) in [
            (11, Some(Cloak::SpiderSpam), Some(FindingCode::Cloaking)),
            (12, Some(Cloak::SearchRedirect), Some(FindingCode::SearchHijack)),
            (13, Some(Cloak::MobileRefresh), Some(FindingCode::SearchHijack)),
            (14, None, None),
        ] {
            let host = format!("s{n:05}.farm.test");
            farm.set(&host, Site { cloak, ..Site::default() });
            let mut t = target(&format!("http://{host}/"));
            t.views = all.clone();
            let r = checker.run(&t, None, Utc::now()).await;
            assert_eq!(r.views_run.len(), all.len());
            let views: Vec<&Finding> = r.findings.iter().filter(|f| f.check == Check::Views).collect();
            match code {
                Some(code) => {
                    assert!(
                        !views.is_empty() && views.iter().all(|f| f.code == code && f.severity == Severity::Critical),
                        "{cloak:?}: {views:?}"
                    );
                    // Side by side: what a person sees and what the view saw.
                    assert!(views[0].evidence["plain"]["title"].as_str().is_some_and(|t| !t.is_empty()));
                    assert!(views[0].evidence["seen"]["view"].as_str().is_some());
                }
                None => assert!(views.is_empty(), "{views:?}"),
            }
            // The plain visit sees nothing wrong in any of them.
            assert!(serious(&r).iter().all(|s| s.starts_with("views:")), "{:?}", serious(&r));
        }
        // Which views caught the spider kit: every spider, no search visitor.
        farm.set("s00015.farm.test", Site { cloak: Some(Cloak::SpiderSpam), ..Site::default() });
        let mut t = target("http://s00015.farm.test/");
        t.views = all.clone();
        let r = checker.run(&t, None, Utc::now()).await;
        let subjects: Vec<&str> =
            r.findings.iter().filter(|f| f.check == Check::Views).map(|f| f.subject.as_str()).collect();
        assert!(subjects.iter().all(|s| s.starts_with("cloaking:spider:")), "{subjects:?}");
        assert_eq!(subjects.len(), 6, "{subjects:?}");
        // Views are fetched only when due, or when the page's text changed.
        t.views_due = false;
        t.previous_text = r.text_hash;
        assert!(checker.run(&t, None, Utc::now()).await.views_run.is_empty());
        t.previous_text = Some(1);
        assert!(!checker.run(&t, None, Utc::now()).await.views_run.is_empty());
    }

    #[tokio::test]
    async fn a_site_changing_between_checks() {
        let (farm, checker) = setup().await;
        let t = target("http://s00007.farm.test/");
        let first = checker.run(&t, None, Utc::now()).await;
        assert_eq!((first.health, first.status), (Health::Up, Some(200)));
        assert!(serious(&first).is_empty(), "{:?}", first.findings);
        assert!(first.title.as_deref().is_some_and(|t| t.contains("学院")));
        let baseline =
            Baseline { fingerprint: first.fingerprint().unwrap(), text: first.page.as_ref().unwrap().blocks.clone() };

        farm.update("s00007.farm.test", |s| s.revision = 3);
        let again = checker.run(&target("http://s00007.farm.test/"), Some(&baseline), Utc::now()).await;
        assert!(serious(&again).is_empty(), "a new date and counter are not tampering: {:?}", again.findings);

        farm.update("s00007.farm.test", |s| s.plant = Plant::Defaced);
        let defaced = checker.run(&t, Some(&baseline), Utc::now()).await;
        let s = serious(&defaced);
        assert!(
            s.contains(&"tamper:content".to_owned()) && s.contains(&"tamper:script:evil.example".to_owned()),
            "{s:?}"
        );
        assert!(defaced.diff.as_ref().is_some_and(|d| d.added_text.iter().any(|l| l.contains("Hacked"))));

        farm.update("s00007.farm.test", |s| {
            s.plant = Plant::HiddenLinks;
            s.git_exposed = true;
        });
        let injected = checker.run(&t, Some(&baseline), Utc::now()).await;
        let s = serious(&injected);
        assert!(s.contains(&"hidden_links:hidden_link:casino.example".to_owned()), "{s:?}");
        assert!(s.contains(&"exposure:file:/.git/HEAD".to_owned()), "{s:?}");
        assert!(!s.iter().any(|x| x.starts_with("tamper")), "a hidden block is not a visible change: {s:?}");

        farm.update("s00007.farm.test", |s| {
            s.status = 500;
            s.git_exposed = false;
        });
        let broken = checker.run(&t, Some(&baseline), Utc::now()).await;
        assert_eq!(broken.health, Health::Down);
        assert_eq!(serious(&broken), ["availability:down"]);

        farm.update("s00007.farm.test", |s| {
            s.status = 200;
            s.delay = std::time::Duration::from_millis(2500);
        });
        let slow = checker.run(&t, Some(&baseline), Utc::now()).await;
        assert_eq!(slow.error, Some(FetchError::Timeout));
    }

    #[tokio::test]
    async fn an_unchanged_page_keeps_its_last_analysis_and_any_change_is_analysed() {
        let (farm, checker) = setup().await;
        let host = "s00031.farm.test";
        farm.update(host, |s| s.plant = Plant::HiddenLinks);
        let mut t = target(&format!("http://{host}/"));
        t.probe_exposure = false;
        t.probe_tls = false;
        let memo = |previous: Option<String>| Some(Memo { previous, baseline: Some(7), reuse: true });
        // The first check has no key to compare with: analysed.
        t.memo = memo(None);
        let first = checker.run(&t, None, Utc::now()).await;
        assert!(!first.content_reused && first.page.is_some());
        assert!(
            serious(&first).contains(&"hidden_links:hidden_link:casino.example".to_owned()),
            "{:?}",
            first.findings
        );
        let key = first.content_key.clone().unwrap();
        // The same bytes: not analysed, and said so (the engine then keeps the content findings open).
        t.memo = memo(Some(key.clone()));
        let same = checker.run(&t, None, Utc::now()).await;
        assert!(same.content_reused && same.page.is_none(), "{same:?}");
        assert_eq!(same.content_key.as_deref(), Some(key.as_str()));
        assert!(!same.findings.iter().any(|f| f.check == Check::HiddenLinks));
        assert!(outcome_ran(&same, &t).iter().all(|c| *c != Check::HiddenLinks && *c != Check::Tamper));
        // One changed byte (the visit counter) is another page.
        farm.update(host, |s| s.revision = 1);
        let changed = checker.run(&t, None, Utc::now()).await;
        assert!(!changed.content_reused && changed.page.is_some());
        assert_ne!(changed.content_key.as_deref(), Some(key.as_str()));
        farm.update(host, |s| s.revision = 0);
        // The same page under other settings, another baseline, or when the memo may not stand: analysed.
        let mut excluded = t.clone();
        excluded.exclude = vec![".counter".into()];
        let mut rebased = t.clone();
        rebased.memo = Some(Memo { previous: Some(key.clone()), baseline: Some(8), reuse: true });
        let mut due = t.clone();
        due.memo = Some(Memo { previous: Some(key.clone()), baseline: Some(7), reuse: false });
        for other in [excluded, rebased, due] {
            let r = checker.run(&other, None, Utc::now()).await;
            assert!(!r.content_reused && r.page.is_some(), "{:?}", other.memo);
        }
        // Another word in the dictionary, or another registered host, changes every key.
        let dictionary =
            Arc::new(Dictionary::new(&[("某某新词".into(), analyze::keywords::Category::Gambling)]).unwrap());
        let worded = Checker { dictionary, ..checker.clone() };
        assert!(!worded.run(&t, None, Utc::now()).await.content_reused);
        checker.own.set_registered(["sister.farm.test".to_owned()]);
        assert!(!checker.run(&t, None, Utc::now()).await.content_reused);
    }

    /// The checks `outcome` would count as run for `r` (their open findings resolve when absent).
    fn outcome_ran(r: &Report, t: &Target) -> Vec<Check> {
        let due = crate::engine::tests::due();
        crate::engine::outcome(&due, t, r, &crate::engine::EngineConfig::default()).checks_run
    }

    #[tokio::test]
    async fn certificates() {
        let (farm, checker) = setup().await;
        for (host, cert, want) in [
            ("good.tls.test", Cert::Good, None),
            ("old.tls.test", Cert::Expired, Some("cert_expired")),
            ("soon.tls.test", Cert::ExpiresSoon, Some("cert_expiring")),
            ("self.tls.test", Cert::SelfSigned, Some("cert_self_signed")),
            ("wrong.tls.test", Cert::WrongName, Some("cert_name_mismatch")),
        ] {
            farm.set(host, Site { cert, ..Site::default() });
            let mut t = target(&format!("https://{host}/"));
            t.checks = vec![Check::Availability, Check::Certificate];
            let r = checker.run(&t, None, Utc::now()).await;
            assert_eq!(r.health, Health::Up, "{host}: {:?}", r.error);
            let codes: Vec<&str> =
                r.findings.iter().filter(|f| f.check == Check::Certificate).map(|f| f.code.as_str()).collect();
            match want {
                None => assert!(codes.is_empty(), "{host}: {codes:?}"),
                Some(c) => assert!(codes.contains(&c), "{host}: {codes:?}"),
            }
            assert!(r.certificate.is_some(), "{host}");
        }
    }

    #[tokio::test]
    async fn denied_addresses_are_never_connected() {
        let (farm, checker) = setup().await;
        let before = farm.requests.load(Ordering::Relaxed);
        // The farm listens on loopback; reached by its address instead of a route, it is refused.
        for url in [format!("http://{}/", farm.http), "http://169.254.169.254/latest/meta-data/".to_owned()] {
            let r = checker.run(&target(&url), None, Utc::now()).await;
            assert_eq!(r.health, Health::Denied, "{url}");
            assert!(r.findings.is_empty());
        }
        assert_eq!(farm.requests.load(Ordering::Relaxed), before, "no request reached the farm");
        // A redirect to a denied address is refused at that hop.
        farm.set("hop.farm.test", Site { redirect: Some("http://169.254.169.254/latest/".into()), ..Site::default() });
        let r = checker.run(&target("http://hop.farm.test/"), None, Utc::now()).await;
        assert_eq!(r.health, Health::Denied);
        assert_eq!(farm.requests.load(Ordering::Relaxed), before + 1, "only the first hop was sent");
    }
}
