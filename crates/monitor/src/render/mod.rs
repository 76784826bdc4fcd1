//! The rendered view: a page run in headless Chromium (Debian's `chromium`)
//! over the DevTools protocol, for what only a browser sees — content a
//! script builds with code static decoding cannot follow.
//!
//! The browser never touches the network itself. Every request it makes is
//! paused (`Fetch.enable` for every URL) and answered by the platform's own
//! fetcher, so the `[network]` allow/deny policy, the `[monitor] hosts`
//! routes, the per-host limit and the body cap apply to it as to any check;
//! a request the policy refuses fails in the browser (`BlockedByClient`) and
//! is reported. Behind that, the browser is started with every name resolving
//! to nothing and a proxy that does not exist, so a request the interception
//! could miss (a WebSocket, WebRTC) goes nowhere either. Images, media and
//! fonts are not fetched (they change no text or link). Only `GET` is sent.
//!
//! Bounded: a pool of tabs (default 2, a semaphore), a time limit per page,
//! at most `max_requests` requests a page, the browser restarted after
//! `recycle_after` pages or when its processes use more than `max_rss`.
//! The memory of the browser's process tree is read from `/proc` and
//! reported with each render and in the status.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use chromiumoxide::Page;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::fetch::{
    EventRequestPaused, FailRequestParams, FulfillRequestParams, HeaderEntry,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, ResourceType, SetUserAgentOverrideParams};
use futures::StreamExt as _;
use serde::Serialize;
use tokio::sync::{Mutex, RwLock, Semaphore};
use url::Url;

use crate::fetch::{FetchError, Fetched, Fetcher};

/// The browser's `User-Agent`: an ordinary desktop Chrome (a kit that
/// hides from "HeadlessChrome" shows a browser what it shows people).
pub const BROWSER_UA: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";

const EXTRACT_JS: &str = include_str!("extract.js");

/// How rendering behaves (`[monitor] render_*`).
#[derive(Debug, Clone)]
pub struct RenderConfig {
    /// The browser; `None`: look for `chromium` (then `chromium-browser`,
    /// `google-chrome`) on `PATH`.
    pub executable: Option<PathBuf>,
    /// Pages rendered at once.
    pub tabs: usize,
    /// The whole render of one page, load and settling included.
    pub timeout: Duration,
    /// How long scripts may run after the page has loaded (timers that
    /// inject a moment later).
    pub settle: Duration,
    /// Requests one page may make; the rest fail.
    pub max_requests: u32,
    /// Pages before the browser is started afresh.
    pub recycle_after: u32,
    /// The browser's processes may use this much memory before it is
    /// started afresh (bytes).
    pub max_rss: u64,
}

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            executable: None,
            tabs: 2,
            timeout: Duration::from_secs(20),
            settle: Duration::from_millis(500),
            max_requests: 150,
            recycle_after: 500,
            max_rss: 450 << 20,
        }
    }
}

/// The browser to use: the configured one if it exists, else the first of
/// the usual names on `PATH`.
pub fn find_browser(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = configured {
        return p.is_file().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// One page as the browser left it.
#[derive(Debug, Clone, Serialize)]
pub struct Rendered {
    /// The DOM as HTML, each hidden element with an inline style saying so.
    #[serde(skip)]
    pub html: String,
    pub final_url: String,
    /// Requests answered for the browser.
    pub requests: u32,
    /// Requests the network policy refused (the URLs, at most 20).
    pub blocked: Vec<String>,
    /// How many the policy refused (all of them).
    pub blocked_total: u32,
    /// Images, media and fonts not fetched.
    pub skipped: u32,
    pub elapsed_ms: u64,
    /// The browser's processes' memory right after (bytes).
    pub rss: u64,
}

/// What the monitoring page and `/metrics` say of rendering.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RenderStatus {
    pub enabled: bool,
    pub browser: Option<String>,
    pub tabs: usize,
    pub pages: u64,
    pub failures: u64,
    pub blocked: u64,
    pub rss: u64,
    pub peak_rss: u64,
}

/// A running browser.
struct Running {
    browser: Browser,
    pid: Option<u32>,
    pages: AtomicU32,
    handler: tokio::task::JoinHandle<()>,
    profile: PathBuf,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.handler.abort();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Renders pages in a pool of tabs of one headless browser, started on
/// the first page and again when it dies or has done its share.
pub struct Renderer {
    pub config: RenderConfig,
    executable: PathBuf,
    fetcher: Fetcher,
    tabs: Semaphore,
    running: RwLock<Option<Arc<Running>>>,
    starting: Mutex<()>,
    pages: AtomicU64,
    failures: AtomicU64,
    blocked: AtomicU64,
    peak_rss: AtomicU64,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer").field("executable", &self.executable).finish_non_exhaustive()
    }
}

impl Renderer {
    /// A renderer if a browser is installed (`None`: rendering is off).
    pub fn new(config: RenderConfig, fetcher: Fetcher) -> Option<Renderer> {
        let executable = find_browser(config.executable.as_deref())?;
        Some(Renderer {
            tabs: Semaphore::new(config.tabs.max(1)),
            config,
            executable,
            fetcher,
            running: RwLock::new(None),
            starting: Mutex::new(()),
            pages: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            blocked: AtomicU64::new(0),
            peak_rss: AtomicU64::new(0),
        })
    }

    pub fn executable(&self) -> &Path {
        &self.executable
    }

    pub async fn status(&self) -> RenderStatus {
        let rss = match self.running.read().await.as_ref() {
            Some(r) => r.pid.map(tree_memory).unwrap_or(0),
            None => 0,
        };
        RenderStatus {
            enabled: true,
            browser: Some(self.executable.display().to_string()),
            tabs: self.config.tabs.max(1),
            pages: self.pages.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            blocked: self.blocked.load(Ordering::Relaxed),
            rss,
            peak_rss: self.peak_rss.load(Ordering::Relaxed).max(rss),
        }
    }

    /// Render `url` on the first free tab. `document` is the page as the
    /// plain check fetched it (answered to the browser from memory, so the
    /// site is not asked twice).
    pub async fn render(&self, url: &Url, document: Option<&Fetched>) -> Result<Rendered, String> {
        let _tab = self.tabs.acquire().await.map_err(|_| "renderer closed".to_owned())?;
        let running = self.browser().await?;
        if let Some(pid) = running.pid {
            keep_in_background(pid);
        }
        let start = Instant::now();
        let result = tokio::time::timeout(self.config.timeout, self.render_in(&running, url, document)).await;
        // A render cut off by the time limit leaves its tab open (the future that
        // would close it is dropped): the browser is then started afresh.
        let timed_out = result.is_err();
        let result = match result {
            Ok(r) => r,
            Err(_) => Err(format!("渲染超时（{} 秒）", self.config.timeout.as_secs())),
        };
        let rss = running.pid.map(tree_memory).unwrap_or(0);
        self.peak_rss.fetch_max(rss, Ordering::Relaxed);
        let done = running.pages.fetch_add(1, Ordering::Relaxed) + 1;
        if done >= self.config.recycle_after || rss > self.config.max_rss || timed_out {
            // Started afresh for the next page (after the tabs in use are done with it).
            self.retire(&running).await;
        }
        match result {
            Ok(mut r) => {
                self.pages.fetch_add(1, Ordering::Relaxed);
                self.blocked.fetch_add(u64::from(r.blocked_total), Ordering::Relaxed);
                r.elapsed_ms = start.elapsed().as_millis() as u64;
                r.rss = rss;
                Ok(r)
            }
            Err(e) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                Err(e)
            }
        }
    }

    /// The running browser, started if there is none (or it died).
    async fn browser(&self) -> Result<Arc<Running>, String> {
        if let Some(r) = self.running.read().await.as_ref()
            && !r.handler.is_finished()
        {
            return Ok(Arc::clone(r));
        }
        let _one = self.starting.lock().await;
        if let Some(r) = self.running.read().await.as_ref()
            && !r.handler.is_finished()
        {
            return Ok(Arc::clone(r));
        }
        let running = Arc::new(self.launch().await?);
        *self.running.write().await = Some(Arc::clone(&running));
        Ok(running)
    }

    /// Forget `running` (if it is still the current one); it closes when
    /// the last tab using it is done.
    async fn retire(&self, running: &Arc<Running>) {
        let mut current = self.running.write().await;
        if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, running)) {
            *current = None;
        }
    }

    async fn launch(&self) -> Result<Running, String> {
        let profile =
            std::env::temp_dir().join(format!("{}{}", profile_prefix(), LAUNCHES.fetch_add(1, Ordering::Relaxed)));
        let config = BrowserConfig::builder()
            .chrome_executable(&self.executable)
            .no_sandbox()
            .user_data_dir(&profile)
            .enable_request_intercept()
            .disable_cache()
            .launch_timeout(Duration::from_secs(20))
            .request_timeout(self.config.timeout)
            // Keys without dashes: the crate adds them (and merges repeated keys' values).
            .args([
                "disable-gpu",
                "disable-component-update",
                "disable-domain-reliability",
                "no-default-browser-check",
                "no-pings",
            ])
            .arg((
                "disable-features",
                &[
                    "Translate",
                    "OptimizationHints",
                    "MediaRouter",
                    "DialMediaRouteProvider",
                    "AutofillServerCommunication",
                    "CertificateTransparencyComponentUpdater",
                    "HttpsUpgrades",
                    "NetworkPrediction",
                ][..],
            ))
            // Nothing the interception misses reaches a network: no name resolves,
            // and everything not answered by us goes to a proxy that does not exist
            // (loopback included, which is otherwise exempt).
            .arg(("host-resolver-rules", "MAP * ~NOTFOUND"))
            .arg(("proxy-server", "http://127.0.0.1:9"))
            .arg(("proxy-bypass-list", "<-loopback>"))
            .arg(("force-webrtc-ip-handling-policy", "disable_non_proxied_udp"))
            .arg(("blink-settings", "imagesEnabled=false"))
            .arg(("js-flags", "--max-old-space-size=128"))
            .build()
            .map_err(|e| format!("浏览器配置：{e}"))?;
        let executable = self.executable.clone();
        let start = async move {
            let (mut browser, mut handler) =
                Browser::launch(config).await.map_err(|e| format!("无法启动浏览器 {}：{e}", executable.display()))?;
            let mut pid = None;
            if let Some(child) = browser.get_mut_child() {
                pid = child.as_mut_inner().id();
                if let Some(pid) = pid {
                    keep_in_background(pid);
                }
                // Chromium writes to stderr now and then: read it all so it never blocks on a full pipe.
                if let Some(stderr) = child.stderr.take() {
                    let mut stderr = stderr.into_inner();
                    tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut stderr, &mut tokio::io::sink()).await;
                    });
                }
            }
            let handler = tokio::spawn(async move {
                // A message the crate cannot read is skipped; the stream ends when the browser does.
                while handler.next().await.is_some() {}
            });
            Ok::<_, String>((browser, pid, handler))
        };
        // Started from the background thread, the browser inherits its
        // priority and cores from its first instruction (its own start is
        // the heaviest part of a render), and the protocol's messages are
        // read there too.
        let (browser, pid, handler) = match background() {
            Some(runtime) => runtime.spawn(start).await.map_err(|e| format!("无法启动浏览器：{e}"))??,
            None => start.await?,
        };
        Ok(Running { browser, pid, pages: AtomicU32::new(0), handler, profile })
    }

    async fn render_in(&self, running: &Running, url: &Url, document: Option<&Fetched>) -> Result<Rendered, String> {
        let page = running.browser.new_page("about:blank").await.map_err(|e| format!("新建标签页失败：{e}"))?;
        let outcome = self.drive(&page, url, document).await;
        // Whatever happened, the tab is closed (a fresh one per page: nothing carries over).
        let _ = page.close().await;
        outcome
    }

    async fn drive(&self, page: &Page, url: &Url, document: Option<&Fetched>) -> Result<Rendered, String> {
        let e = |what: &str| {
            let what = what.to_owned();
            move |err: chromiumoxide::error::CdpError| format!("{what}：{err}")
        };
        page.set_user_agent(SetUserAgentOverrideParams::new(BROWSER_UA)).await.map_err(e("设置 User-Agent"))?;
        let mut paused = page.event_listener::<EventRequestPaused>().await.map_err(e("拦截请求"))?;
        let answers = Arc::new(Answers::default());
        // The fetched page stands in for the document only when it was not
        // redirected (else the browser must follow the redirect itself).
        let document = document.filter(|d| d.url == *url && d.redirects.is_empty()).map(|d| Arc::new(d.clone()));
        let answering = {
            let page = page.clone();
            let answers = Arc::clone(&answers);
            let fetcher = self.fetcher.clone();
            let max_requests = self.config.max_requests;
            let document = document.clone();
            tokio::spawn(async move {
                while let Some(event) = paused.next().await {
                    let page = page.clone();
                    let answers = Arc::clone(&answers);
                    let fetcher = fetcher.clone();
                    let document = document.clone();
                    tokio::spawn(async move {
                        answer(&page, &fetcher, &answers, max_requests, document.as_deref(), &event).await;
                    });
                }
            })
        };
        let navigated = page.goto(url.as_str()).await;
        let outcome = match navigated {
            Ok(_) => {
                tokio::time::sleep(self.config.settle).await;
                let limit = (self.fetcher.config.max_body * 2).max(1 << 20);
                let script = EXTRACT_JS.replace("__LIMIT__", &limit.to_string());
                match page.evaluate(script).await {
                    Ok(v) => v.into_value::<String>().map_err(|err| format!("读取渲染结果：{err}")),
                    Err(err) => Err(format!("读取渲染结果：{err}")),
                }
            }
            Err(err) => Err(format!("打开页面失败：{err}")),
        };
        answering.abort();
        let html = outcome?;
        let final_url = page.url().await.ok().flatten().unwrap_or_else(|| url.to_string());
        Ok(Rendered {
            html,
            final_url,
            requests: answers.requests.load(Ordering::Relaxed),
            blocked: answers.blocked_urls(),
            blocked_total: answers.blocked.load(Ordering::Relaxed),
            skipped: answers.skipped.load(Ordering::Relaxed),
            elapsed_ms: 0,
            rss: 0,
        })
    }
}

/// What was answered for one page.
#[derive(Default)]
struct Answers {
    requests: AtomicU32,
    blocked: AtomicU32,
    skipped: AtomicU32,
    blocked_urls: std::sync::Mutex<Vec<String>>,
}

impl Answers {
    fn block(&self, url: &str) {
        self.blocked.fetch_add(1, Ordering::Relaxed);
        let mut list = match self.blocked_urls.lock() {
            Ok(l) => l,
            Err(p) => p.into_inner(),
        };
        if list.len() < 20 {
            list.push(url.to_owned());
        }
    }

    fn blocked_urls(&self) -> Vec<String> {
        match self.blocked_urls.lock() {
            Ok(l) => l.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }
}

/// Answer one paused request: through the fetcher, from the plain check's
/// copy of the document, or not at all.
async fn answer(
    page: &Page,
    fetcher: &Fetcher,
    answers: &Answers,
    max_requests: u32,
    document: Option<&Fetched>,
    event: &EventRequestPaused,
) {
    let id = event.request_id.clone();
    let fail = |reason: ErrorReason| FailRequestParams::new(id.clone(), reason);
    let skip = matches!(event.resource_type, ResourceType::Image | ResourceType::Media | ResourceType::Font);
    if skip {
        answers.skipped.fetch_add(1, Ordering::Relaxed);
        let _ = page.execute(fail(ErrorReason::BlockedByClient)).await;
        return;
    }
    let Ok(url) = Url::parse(&event.request.url) else {
        let _ = page.execute(fail(ErrorReason::BlockedByClient)).await;
        return;
    };
    if event.request.method != "GET"
        || answers.requests.fetch_add(1, Ordering::Relaxed) >= max_requests
        || !matches!(url.scheme(), "http" | "https")
    {
        let _ = page.execute(fail(ErrorReason::BlockedByClient)).await;
        return;
    }
    let fetched = match document {
        Some(d) if d.url == url && event.resource_type == ResourceType::Document => Ok(d.clone()),
        _ => {
            let headers = [(reqwest::header::USER_AGENT, BROWSER_UA.to_owned())];
            fetcher.get_as(&url, fetcher.config.max_body, None, &headers, false).await
        }
    };
    let f = match fetched {
        Ok(f) => f,
        Err(FetchError::Denied(_)) => {
            answers.block(url.as_str());
            let _ = page.execute(fail(ErrorReason::BlockedByClient)).await;
            return;
        }
        Err(_) => {
            let _ = page.execute(fail(ErrorReason::Failed)).await;
            return;
        }
    };
    let headers: Vec<HeaderEntry> = f
        .headers
        .iter()
        .filter(|(n, _)| {
            !matches!(n.as_str(), "content-length" | "content-encoding" | "transfer-encoding" | "connection")
        })
        .map(|(n, v)| HeaderEntry::new(n.clone(), v.clone()))
        .collect();
    let mut fulfil = FulfillRequestParams::new(id, i64::from(f.status));
    fulfil.response_headers = Some(headers);
    fulfil.body = Some(base64::engine::general_purpose::STANDARD.encode(&f.body).into());
    let _ = page.execute(fulfil).await;
}

/// A process's proportional share of memory (bytes): its own pages, and
/// shared pages divided among the processes sharing them — so a browser's
/// processes, which share most of their code, add up to what they really use.
fn pss(pid: u32) -> u64 {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else { return 0 };
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The memory of a process and all its descendants (bytes, by proportional
/// share), from `/proc`.
pub fn tree_memory(root: u32) -> u64 {
    tree(root).into_iter().map(pss).sum()
}

/// Browsers this process has started (each gets a profile of its own).
static LAUNCHES: AtomicU32 = AtomicU32::new(0);

/// The start of the profile directory's name of every browser this process
/// starts (the directory is made under the system's temporary directory).
fn profile_prefix() -> String {
    format!("wangan-render-{}-", std::process::id())
}

/// Stop every browser this process started, with all their processes, and
/// remove their profiles. Called when a command ends: a browser that was
/// still starting then is held only by the browser's thread
/// ([`background`]), which nothing stops, so nothing would kill it (under
/// a load that left no core idle its start can take many seconds). A
/// browser is known by its profile directory on its command line.
pub fn stop_browsers() {
    // Most commands never start one: nothing to look for.
    if LAUNCHES.load(Ordering::Relaxed) > 0 {
        stop_marked(&profile_prefix());
    }
}

/// Stop the browsers whose command line holds `marker` and remove the
/// profiles whose name starts with it.
fn stop_marked(marker: &str) {
    let own = std::process::id();
    let mut killed = std::collections::HashSet::new();
    // A process comes before its descendants here: a browser's own
    // processes, which may carry the marker too, are killed with it.
    for pid in tree(own).into_iter().filter(|p| *p != own) {
        if killed.contains(&pid) {
            continue;
        }
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else { continue };
        if !String::from_utf8_lossy(&cmdline).contains(marker) {
            continue;
        }
        // Its descendants first found, then all killed: none is left to be reparented unseen.
        for p in tree(pid) {
            if let Some(p) = rustix::process::Pid::from_raw(p as i32) {
                let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
            }
            killed.insert(p);
        }
    }
    let Ok(dir) = std::fs::read_dir(std::env::temp_dir()) else { return };
    for entry in dir.flatten() {
        if entry.file_name().to_str().is_some_and(|n| n.starts_with(marker)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A process and all its descendants, from `/proc`.
fn tree(root: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return vec![root] };
    // pid → parent
    let mut procs: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
    for entry in dir.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // The command name may hold spaces and parentheses: the fields follow the last ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let ppid = rest.split_whitespace().nth(1).and_then(|f| f.parse::<u32>().ok()).unwrap_or(0);
        procs.insert(pid, ppid);
    }
    let mut found = Vec::new();
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        found.push(pid);
        queue.extend(procs.iter().filter(|(_, ppid)| **ppid == pid).map(|(child, _)| *child));
    }
    found
}

/// The niceness of the browser's processes: the lowest CPU priority. The
/// rendered view is background work; a page a user asked for must not wait
/// behind it (at a start, the first renders of every site took a third of
/// two cores and halved the API's rate).
pub const BROWSER_NICENESS: i32 = 19;

/// Nothing this process starts may raise a CPU priority again. Run as
/// root, Chromium put some of its threads back from niceness 19 to 0 and −8
/// (its renderer's main thread, its display threads), which it may do while
/// it holds `CAP_SYS_NICE` — measured at a start: the demo's first renders
/// then took most of a core from the API. The platform never raises a
/// priority, so this drops that capability from the calling thread's
/// bounding set: every thread and process the thread creates afterwards
/// inherits the set, and a program started without the capability in it
/// cannot hold it, root or not. Call it before the runtime's threads exist.
/// Not run as root, there is nothing to drop (and no privilege to drop it
/// with): nothing changes. Returns whether the capability is now out of
/// the set.
pub fn keep_priorities_from_rising() -> bool {
    use rustix::thread::{CapabilitySet, capability_is_in_bounding_set, remove_capability_from_bounding_set};
    if capability_is_in_bounding_set(CapabilitySet::SYS_NICE).unwrap_or(true) {
        // EPERM without CAP_SETPCAP: an unprivileged process, which cannot raise a priority anyway.
        let _ = remove_capability_from_bounding_set(CapabilitySet::SYS_NICE);
    }
    capability_is_in_bounding_set(CapabilitySet::SYS_NICE).is_ok_and(|held| !held)
}

/// The cores the browser may run on: every core this process may use but
/// the first, so that one core is never the browser's and what a user asked
/// for never waits there behind it. A niceness alone does not give that:
/// the scheduler lets a thread that got a core keep it for its time slice
/// (~1.5 ms) before a woken request preempts it, and the API's requests
/// wake many times each. Measured at a start on 2 cores, alternated with
/// the browser on every core: started from [`background`] on these cores,
/// the API's p99 was lower in seven of eight pairs (7.0–14.0 ms against
/// 10.2–17.0 ms), its rate the same within the noise, as many pages
/// rendered. `None` on one core.
pub fn browser_cores() -> Option<rustix::thread::CpuSet> {
    use rustix::thread::{CpuSet, sched_getaffinity};
    static CORES: std::sync::OnceLock<Option<CpuSet>> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| {
        let mut cores = sched_getaffinity(None).ok()?;
        if cores.count() < 2 {
            return None;
        }
        let first = (0..CpuSet::MAX_CPU).find(|c| cores.is_set(*c))?;
        cores.unset(first);
        Some(cores)
    })
}

/// Every thread of the browser's processes at [`BROWSER_NICENESS`] and on
/// [`browser_cores`]. Linux keeps both per thread and a new thread or
/// process inherits its creator's, so what the browser starts after this
/// runs so too; done again before each render for what started in between.
/// Neither needs a privilege for one's own children.
fn keep_in_background(root: u32) {
    let cores = browser_cores();
    for pid in tree(root) {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { continue };
        for task in tasks.flatten() {
            let Some(tid) = task.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else { continue };
            let Some(tid) = rustix::process::Pid::from_raw(tid) else { continue };
            to_background(tid, cores.as_ref());
        }
    }
}

/// One thread at [`BROWSER_NICENESS`] and on `cores`. A thread that ended
/// meanwhile is no error worth telling.
fn to_background(tid: rustix::process::Pid, cores: Option<&rustix::thread::CpuSet>) {
    let _ = rustix::process::setpriority_process(Some(tid), BROWSER_NICENESS);
    if let Some(cores) = cores {
        let _ = rustix::thread::sched_setaffinity(Some(tid), cores);
    }
}

/// The calling thread under `SCHED_IDLE`, the policy for background work:
/// it runs only when no thread of an ordinary policy wants the core, and a
/// woken request preempts it at once, where a niceness alone still lets the
/// running thread finish its slice. A process inherits it from the thread
/// that starts it, and Chromium's threads keep it (checked on all of its
/// threads after renders). Lowering a policy needs no privilege. The
/// browser's start and the demo's first eight renders take about 4.5
/// CPU-seconds, while the API is loaded right after a start. Measured there
/// on 2 cores (the API under wrk for 10 s, alternated with niceness 19 and
/// the cores alone, four triples with rendering off as the ceiling): the
/// API's rate 10,800–14,100 req/s against 9,400–11,700 (off: 12,500–15,200),
/// its p99 6.1–8.5 ms against 7.7–9.4 (off: 4.3–4.9); 0–3 pages rendered
/// during the load against 4–8, the rest right after it (four more triples:
/// 12,000–14,000 against 10,400–14,100, p99 5.6–6.2 against 6.6–8.1). Under
/// `SCHED_IDLE` on every core the API gained nothing (9,400–12,200, p99
/// 6.8–8.1), so the browser keeps off the first core. The cost is the
/// render benchmark's rate (`bench/render.sh`, where the platform's own
/// answering of the browser's requests shares its core): 1.1 pages/s
/// against 1.9, still some 95,000 pages a day where each page is rendered
/// once a day. Under a load that leaves no core idle the browser waits, and
/// a render that waits past its time limit fails and is tried again later,
/// as any failed render is. Returns whether the policy is now in force.
fn to_idle_policy() -> bool {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id, thread_schedule_policy,
    };
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    // The crate sets the policy, then a niceness of 0, which fails (and is
    // not wanted) for a thread already above 0; the caller sets its own.
    let _ = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle);
    thread_schedule_policy().is_ok_and(|p| p == idle)
}

/// A thread of its own under `SCHED_IDLE` ([`to_idle_policy`]), at
/// [`BROWSER_NICENESS`] and on [`browser_cores`], with a single-threaded
/// runtime: the browser is started from it (a process inherits its
/// creator's policy, priority and cores) and its messages are read on it. Lives as long as the process. `None` if it could not start
/// (the browser is then started from the caller's thread and set back
/// after, as before).
fn background() -> Option<&'static tokio::runtime::Handle> {
    static HANDLE: std::sync::OnceLock<Option<tokio::runtime::Handle>> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let (send, receive) = std::sync::mpsc::channel();
            let started = std::thread::Builder::new().name("wangan-browser".into()).spawn(move || {
                // Whoever asks first (`serve` has dropped it already; a test may not have).
                keep_priorities_from_rising();
                if !to_idle_policy() {
                    tracing::debug!("the browser's thread could not be put under SCHED_IDLE; niceness and cores only");
                }
                to_background(rustix::thread::gettid(), browser_cores().as_ref());
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
                if send.send(runtime.handle().clone()).is_ok() {
                    runtime.block_on(std::future::pending::<()>());
                }
            });
            started.ok().and_then(|_| receive.recv().ok())
        })
        .as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::keywords::Dictionary;
    use crate::check::{Checker, Target};
    use crate::farm::{Farm, Plant, Site};
    use crate::fetch::{FetchConfig, Route};
    use crate::finding::{FindingCode, Severity};

    /// A checker with a renderer, or `None` (and why) when no browser is
    /// installed; `WANGAN_REQUIRE_BROWSER=1` (CI) makes that a failure.
    async fn setup() -> Option<(Farm, Checker)> {
        let farm = Farm::start(&["farm.test"]).await.unwrap();
        let config = FetchConfig {
            hosts: vec![Route::new("farm.test", "127.0.0.1".parse().unwrap(), Some(farm.http.port()))],
            timeout: Duration::from_secs(3),
            ..FetchConfig::default()
        };
        let mut checker = Checker::new(config, Arc::new(Dictionary::new(&[]).unwrap())).unwrap();
        let Some(renderer) = Renderer::new(RenderConfig::default(), checker.fetcher.clone()) else {
            assert!(
                std::env::var("WANGAN_REQUIRE_BROWSER").is_err(),
                "WANGAN_REQUIRE_BROWSER is set but no chromium is installed"
            );
            eprintln!("skipped: chromium is not installed (apt-get install chromium), the rendered view is not tested");
            return None;
        };
        checker.renderer = Some(Arc::new(renderer));
        checker.own = Arc::new(crate::analyze::content::Own::new(["univ.example"]));
        Some((farm, checker))
    }

    fn target(url: &str) -> Target {
        let mut t = Target::new(Url::parse(url).unwrap());
        t.icp_registered = crate::farm::ICP.into();
        t.probe_exposure = false;
        t
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_browser_sees_what_scripts_build_and_static_decoding_cannot() {
        let Some((farm, checker)) = setup().await else { return };
        for n in 0..3u64 {
            let host = format!("s{:05}.farm.test", 300 + n);
            farm.set(&host, Site { plant: Plant::ScriptBuilt, ..Site::default() });
            let mut t = target(&format!("http://{host}/"));
            // Without the browser: no more than a medium "obfuscated script".
            t.render_due = false;
            let plain = checker.run(&t, None, chrono::Utc::now()).await;
            assert!(plain.findings.iter().all(|f| f.severity < Severity::High), "{:?}", plain.findings);
            assert!(plain.unclear, "static decoding cannot clear the loop");
            t.render_due = true;
            let r = checker.run(&t, None, chrono::Utc::now()).await;
            assert!(r.render_error.is_none(), "{:?}", r.render_error);
            let rendered = r.rendered.as_ref().expect("rendered");
            assert!(rendered.requests >= 1);
            let link = r
                .findings
                .iter()
                .find(|f| f.code == FindingCode::HiddenLink && f.subject.starts_with("rendered:"))
                .unwrap_or_else(|| panic!("variant {n}: {:?}", r.findings));
            assert_eq!(link.severity, Severity::Critical, "{link:?}");
            assert_eq!(link.evidence["view"], "rendered");
        }
        // Look-alikes rendered: menus, sign-in modals, statistics, warnings stay quiet.
        for (i, plant) in Plant::LOOK_ALIKES.iter().enumerate() {
            let host = format!("s{:05}.farm.test", 310 + i);
            farm.set(&host, Site { plant: *plant, ..Site::default() });
            let mut t = target(&format!("http://{host}/"));
            t.render_due = true;
            let r = checker.run(&t, None, chrono::Utc::now()).await;
            assert!(r.rendered.is_some(), "{plant:?}: {:?}", r.render_error);
            let loud: Vec<_> = r.findings.iter().filter(|f| f.severity >= Severity::High).collect();
            assert!(loud.is_empty(), "{plant:?}: {loud:?}");
        }
        let status = checker.renderer.as_ref().unwrap().status().await;
        assert!(status.pages >= 7 && status.peak_rss > 0, "{status:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_page_cannot_make_the_browser_reach_a_denied_address() {
        let Some((farm, checker)) = setup().await else { return };
        // A listener on loopback, which the policy denies: it must see no connection at all.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let reached = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&reached);
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::Relaxed);
                let mut buf = vec![0u8; 512];
                use tokio::io::AsyncReadExt;
                if let Ok(n) = conn.read(&mut buf).await {
                    eprintln!("denied address reached: {}", String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let denied = format!("http://127.0.0.1:{port}");
        farm.set(
            "s00320.farm.test",
            Site {
                extra: format!(
                    "<script src=\"{denied}/x.js\"></script><link rel=\"stylesheet\" href=\"{denied}/x.css\">\
                     <iframe src=\"{denied}/frame\"></iframe><script>fetch('{denied}/steal').catch(function(){{}});\
                     var x=new XMLHttpRequest();x.open('GET','{denied}/xhr');x.send();\
                     try{{new WebSocket('ws://127.0.0.1:{port}/ws');}}catch(e){{}}\
                     navigator.sendBeacon && navigator.sendBeacon('{denied}/beacon','x');\
                     fetch('http://metadata.google.internal/computeMetadata/v1/').catch(function(){{}});</script>"
                ),
                ..Site::default()
            },
        );
        let mut t = target("http://s00320.farm.test/");
        t.render_due = true;
        let r = checker.run(&t, None, chrono::Utc::now()).await;
        let rendered = r.rendered.as_ref().unwrap_or_else(|| panic!("{:?}", r.render_error));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(reached.load(Ordering::Relaxed), 0, "the browser reached a denied address");
        assert!(rendered.blocked.iter().any(|u| u == &format!("{denied}/x.js")), "{:?}", rendered.blocked);
        assert!(rendered.blocked.iter().any(|u| u.ends_with("/steal")), "{:?}", rendered.blocked);
    }

    /// Field `field` of `stat` (numbered as proc(5) numbers them) of every
    /// thread of `pid`, from `/proc/PID/task/TID/stat`.
    fn stat_field(pid: u32, field: usize) -> Vec<i32> {
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).map(|d| d.flatten().collect()).unwrap_or(Vec::new());
        tasks
            .iter()
            .filter_map(|t| std::fs::read_to_string(t.path().join("stat")).ok())
            .filter_map(|stat| field_of(&stat, field))
            .collect()
    }

    /// One field of a `stat` line: the command name may hold spaces and
    /// parentheses, so the fields after its last ')' begin with field 3.
    fn field_of(stat: &str, field: usize) -> Option<i32> {
        stat.rsplit_once(')')?.1.split_whitespace().nth(field - 3)?.parse().ok()
    }

    /// The niceness of every thread of `pid` (field 19).
    fn niceness(pid: u32) -> Vec<i32> {
        stat_field(pid, 19)
    }

    /// `SCHED_IDLE`, as `/proc` shows a thread's policy.
    const SCHED_IDLE: i32 = 5;

    /// The scheduling policy of every thread of `pid` (field 41).
    fn policies(pid: u32) -> Vec<i32> {
        stat_field(pid, 41)
    }

    /// Field `field` of one thread of this process.
    fn thread_field(tid: i32, field: usize) -> Option<i32> {
        field_of(&std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?, field)
    }

    /// The niceness of one thread of this process.
    fn thread_niceness(tid: i32) -> i32 {
        thread_field(tid, 19).expect("nice")
    }

    /// The members of a set of cores, in order.
    fn members(set: &rustix::thread::CpuSet) -> Vec<usize> {
        (0..rustix::thread::CpuSet::MAX_CPU).filter(|c| set.is_set(*c)).collect()
    }

    /// The cores each thread of `pid` may run on.
    fn cores(pid: u32) -> Vec<Vec<usize>> {
        let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).map(|d| d.flatten().collect()).unwrap_or(Vec::new());
        tasks
            .iter()
            .filter_map(|t| t.file_name().to_str()?.parse::<i32>().ok())
            .filter_map(|tid| rustix::thread::sched_getaffinity(rustix::process::Pid::from_raw(tid)).ok())
            .map(|set| members(&set))
            .collect()
    }

    /// The cores the process's main thread may use.
    fn main_thread_cores() -> Vec<usize> {
        let main = rustix::process::Pid::from_raw(std::process::id() as i32).expect("this process");
        members(&rustix::thread::sched_getaffinity(Some(main)).expect("the main thread's cores"))
    }

    /// The cores this process may use, and those the browser may.
    fn own_and_browser_cores() -> (Vec<usize>, Vec<usize>) {
        let own = main_thread_cores();
        let browser = match browser_cores() {
            Some(set) => members(&set),
            None => own.clone(),
        };
        (own, browser)
    }

    #[test]
    fn the_browser_may_use_every_core_but_the_first() {
        let (own, browser) = own_and_browser_cores();
        if own.len() < 2 {
            assert!(browser_cores().is_none(), "one core is left as it is");
        } else {
            assert_eq!(browser, own[1..].to_vec());
        }
    }

    #[test]
    fn the_browser_is_started_from_an_idle_thread_at_the_lowest_priority_off_the_first_core() {
        let runtime = background().expect("the background thread");
        let (own, browser) = own_and_browser_cores();
        let thread = std::fs::read_dir("/proc/self/task")
            .expect("tasks")
            .flatten()
            .find(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == "wangan-browser"))
            .expect("the thread, by its name");
        let tid = thread.file_name().to_str().and_then(|t| t.parse::<i32>().ok()).expect("its id");
        assert_eq!(thread_niceness(tid), BROWSER_NICENESS);
        assert_eq!(thread_field(tid, 41), Some(SCHED_IDLE));
        let set = rustix::thread::sched_getaffinity(rustix::process::Pid::from_raw(tid)).expect("its cores");
        assert_eq!(members(&set), browser);
        // What it starts has both from its start, before anything sets them.
        let (send, receive) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let _ = send.send(std::process::Command::new("sleep").arg("30").spawn());
        });
        let mut child = receive.recv().expect("the task ran").expect("sleep");
        let (child_nice, child_cores, child_policy) = (niceness(child.id()), cores(child.id()), policies(child.id()));
        let _ = child.kill();
        let _ = child.wait();
        assert!(!child_nice.is_empty() && child_nice.iter().all(|n| *n == BROWSER_NICENESS), "{child_nice:?}");
        assert!(!child_policy.is_empty() && child_policy.iter().all(|p| *p == SCHED_IDLE), "{child_policy:?}");
        assert!(child_cores.iter().all(|c| *c == browser), "{child_cores:?}");
        // The process's main thread keeps the first core.
        if own.len() > 1 {
            assert_ne!(main_thread_cores(), browser, "the main thread was moved to the browser's cores");
        }
    }

    #[test]
    fn a_process_tree_is_put_at_the_lowest_priority_and_this_process_is_not() {
        // Compared with this thread's own niceness: `nice cargo test` starts it above 0.
        let this = rustix::thread::gettid().as_raw_nonzero().get();
        let own = thread_niceness(this);
        assert!(own < BROWSER_NICENESS, "the tests run at the lowest priority already: nothing to show");
        // A shell with two children: the tree has three processes.
        let mut child =
            std::process::Command::new("sh").args(["-c", "sleep 30 & sleep 30 & wait"]).spawn().expect("sh");
        let root = child.id();
        let deadline = Instant::now() + Duration::from_secs(5);
        while tree(root).len() < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let processes = tree(root);
        assert_eq!(processes.len(), 3, "{processes:?}");
        assert!(processes.iter().all(|p| niceness(*p).iter().all(|n| *n == own)));
        keep_in_background(root);
        let (own_cores, browser) = own_and_browser_cores();
        for p in &processes {
            let threads = niceness(*p);
            assert!(!threads.is_empty() && threads.iter().all(|n| *n == BROWSER_NICENESS), "process {p}: {threads:?}");
            assert!(cores(*p).iter().all(|c| *c == browser), "process {p}: {:?}", cores(*p));
        }
        assert_eq!(thread_niceness(this), own, "this thread keeps its priority");
        let kept = rustix::thread::sched_getaffinity(None).expect("this thread's cores");
        assert_eq!(members(&kept), own_cores, "this thread keeps its cores");
        let _ = child.kill();
        let _ = child.wait();
    }

    /// The bounding set of a process (`CapBnd` of its status), as bits.
    fn bounding_set(pid: u32) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("CapBnd:"))
            .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
            .expect("CapBnd")
    }

    const CAP_SYS_NICE: u64 = 1 << 23;

    #[test]
    fn what_this_thread_starts_cannot_raise_a_priority() {
        // On a thread of its own: the bounding set is per thread, and the other tests' threads keep theirs.
        std::thread::spawn(|| {
            let before = bounding_set(std::process::id());
            let dropped = keep_priorities_from_rising();
            let mut child = std::process::Command::new("sleep").arg("30").spawn().expect("sleep");
            let child_set = bounding_set(child.id());
            let _ = child.kill();
            let _ = child.wait();
            if before & CAP_SYS_NICE != 0 && rustix::process::geteuid().is_root() {
                assert!(dropped, "root may drop it");
                assert_eq!(child_set & CAP_SYS_NICE, 0, "{child_set:x}");
                // Nothing else is taken away.
                assert_eq!(child_set, before & !CAP_SYS_NICE);
            } else {
                // Unprivileged: the child holds no more than this process may.
                assert_eq!(child_set & !before, 0);
            }
        })
        .join()
        .expect("the thread");
    }

    #[test]
    fn the_browser_runs_idle_at_the_lowest_cpu_priority_off_the_first_core() {
        // As `serve` does it: before the runtime's threads exist, so the browser is started without the privilege.
        keep_priorities_from_rising();
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(async {
            let Some((farm, checker)) = setup().await else { return };
            farm.set("s00400.farm.test", Site::default());
            let mut t = target("http://s00400.farm.test/");
            t.render_due = true;
            let r = checker.run(&t, None, chrono::Utc::now()).await;
            assert!(r.rendered.is_some(), "{:?}", r.render_error);
            let renderer = checker.renderer.as_ref().expect("renderer");
            let pid = renderer.running.read().await.as_ref().and_then(|r| r.pid).expect("a running browser");
            // The browser, its zygote, its renderer and utility processes.
            let processes = tree(pid);
            assert!(processes.len() >= 3);
            // Every thread of every one of them: Chromium raises some of its
            // threads itself (display, its foreground renderer) when it may.
            let (_, browser) = own_and_browser_cores();
            for p in processes {
                let threads = niceness(p);
                assert!(threads.iter().all(|n| *n == BROWSER_NICENESS), "process {p}: {threads:?}");
                assert!(cores(p).iter().all(|c| *c == browser), "process {p}: {:?}", cores(p));
                // The policy is only inherited (nothing sets it again): none of its threads left it.
                let policy = policies(p);
                assert!(policy.iter().all(|q| *q == SCHED_IDLE), "process {p}: {policy:?}");
            }
        });
    }

    #[test]
    fn the_browsers_this_process_started_are_stopped_with_their_children_and_profiles() {
        let profile = std::env::temp_dir().join(format!("{}stop-test", profile_prefix()));
        std::fs::create_dir_all(&profile).expect("profile");
        // A stand-in for a browser: its profile on its command line, and a child of its own.
        let mut browser = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .spawn()
            .expect("sh");
        let mut other = std::process::Command::new("sleep").arg("30").spawn().expect("sleep");
        let deadline = Instant::now() + Duration::from_secs(5);
        while tree(browser.id()).len() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let processes = tree(browser.id());
        assert_eq!(processes.len(), 2, "{processes:?}");
        // Marked for this test alone: other tests' browsers run in this process meanwhile.
        stop_marked(&format!("{}stop-test", profile_prefix()));
        assert!(browser.wait().is_ok_and(|s| !s.success()), "the browser was killed");
        // Its child, reparented once its parent died, is gone or a zombie.
        let gone = |pid: u32| {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map_or(true, |s| s.rsplit_once(')').is_some_and(|(_, r)| r.trim_start().starts_with('Z')))
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while !processes.iter().all(|p| gone(*p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(processes.iter().all(|p| gone(*p)), "{processes:?}");
        assert!(!profile.exists(), "the profile is removed");
        assert!(other.try_wait().is_ok_and(|s| s.is_none()), "another child is left alone");
        let _ = other.kill();
        let _ = other.wait();
    }

    #[test]
    fn this_process_has_memory_and_a_missing_one_none() {
        assert!(tree_memory(std::process::id()) > 1 << 20);
        assert_eq!(tree_memory(u32::MAX - 7), 0);
    }

    #[test]
    fn a_configured_browser_must_exist() {
        assert_eq!(find_browser(Some(Path::new("/nonexistent/chromium"))), None);
        assert!(find_browser(Some(Path::new("/bin/sh"))).is_some());
    }
}
