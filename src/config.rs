//! Configuration: `wangan.toml`, then `WANGAN_*` environment variables, then
//! command-line flags; each later source wins.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on.
    pub listen: String,
    /// Where the SQLite database and attachments live.
    pub data_dir: PathBuf,
    /// `sqlite://...` or `postgres://...`; default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Set when users reach the platform over HTTPS (via a TLS-terminating proxy).
    pub secure_cookies: bool,
    /// IANA zone in which times are shown.
    pub time_zone: String,
    /// Database pool size (default: for SQLite twice the cores, 4 to 8; 10 for PostgreSQL).
    pub max_connections: Option<u32>,
    /// Rules of the systems registry.
    pub registry: RegistryConfig,
    /// The platform's address as users reach it, for links in notifications.
    pub base_url: String,
    /// Deadlines and the escalation ladder.
    pub notices: NoticesConfig,
    /// The mail server notifications go through (none: email channels fail and are shown).
    pub smtp: Option<wangan_notify::SmtpConfig>,
    /// The background runner.
    pub jobs: JobsConfig,
    /// Where the platform may send requests (webhooks, robots, site checks).
    pub network: NetworkConfig,
    /// Site monitoring.
    pub monitor: MonitorConfig,
    /// Bounds on reading an imported spreadsheet.
    pub import: ImportConfig,
    /// The throttle on failed sign-ins.
    pub signin: SigninConfig,
    /// `/metrics`.
    pub metrics: MetricsConfig,
    /// The working-day calendar.
    pub calendar: CalendarConfig,
    /// The institution's and the center's names.
    pub institution: InstitutionConfig,
    /// Violations' correction deadline.
    pub accountability: AccountabilityConfig,
    /// The unit scorecard's weights.
    pub scorecard: ScorecardConfig,
    /// Incidents' reporting targets.
    pub incidents: IncidentsConfig,
    /// The duty roster's alert ladder and horizon.
    pub duty: DutyConfig,
    /// Campus single sign-on (`[sso.cas]`).
    pub sso: wangan_web::accounts::sso::SsoConfig,
    /// The access log.
    pub logs: LogsConfig,
    /// Scheduled backups.
    pub backup: BackupConfig,
}

/// `[backup]` in `wangan.toml`: a backup daily at a local time, the newest
/// `keep` kept. SQLite: a consistent copy of the database with the audit
/// anchor beside it. PostgreSQL: the `hook` command, which writes the file
/// named by `WANGAN_BACKUP_FILE` (e.g. `pg_dump --format=custom --file="$WANGAN_BACKUP_FILE" "$WANGAN_DATABASE_URL"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BackupConfig {
    pub enabled: bool,
    pub daily_at: String,
    pub keep: usize,
    /// Default `DATA_DIR/backups`.
    pub dir: Option<PathBuf>,
    pub hook: Option<String>,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig { enabled: true, daily_at: "03:00".into(), keep: 14, dir: None, hook: None }
    }
}

/// Where the access log goes (`[logs]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessLogTo {
    /// Daily files under `DATA_DIR/logs` (default).
    File,
    /// Standard output, for journald.
    Stdout,
    Off,
}

/// `[logs]` in `wangan.toml`: one line per request (网络安全法 §21 asks that
/// network logs be kept at least six months).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogsConfig {
    pub access: AccessLogTo,
    /// Daily files kept (the oldest removed beyond); at least 180.
    pub retain_days: usize,
    /// Default `DATA_DIR/logs`.
    pub dir: Option<PathBuf>,
}

impl Default for LogsConfig {
    fn default() -> Self {
        LogsConfig { access: AccessLogTo::File, retain_days: 180, dir: None }
    }
}

/// `[incidents]` in `wangan.toml`: hours from detection to the reports,
/// by grade (0: no target at that grade).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentsConfig {
    /// To the supervising authority and the police: 特别重大, 重大, 较大, 一般.
    pub report_hours: [u32; 4],
    /// To the cyberspace administration: 特别重大, 重大, 较大, 一般.
    pub cac_hours: [u32; 4],
    /// For 较大 and above on critical information infrastructure.
    pub cii_hours: u32,
    /// The system tag that marks critical information infrastructure.
    pub cii_tag: String,
}

impl Default for IncidentsConfig {
    fn default() -> Self {
        let p = wangan_core::incidents::ReportingPolicy::default();
        IncidentsConfig {
            report_hours: p.report_hours.map(|h| h.unwrap_or(0)),
            cac_hours: p.cac_hours.map(|h| h.unwrap_or(0)),
            cii_hours: p.cii_hours,
            cii_tag: p.cii_tag,
        }
    }
}

impl IncidentsConfig {
    pub fn policy(&self) -> anyhow::Result<wangan_core::incidents::ReportingPolicy> {
        if self.report_hours.iter().chain(&self.cac_hours).chain([&self.cii_hours]).any(|h| *h > 720) {
            anyhow::bail!("[incidents] hours must be 0 to 720");
        }
        if self.cii_hours == 0 {
            anyhow::bail!("[incidents] cii_hours must be 1 to 720");
        }
        let opt = |h: u32| (h > 0).then_some(h);
        Ok(wangan_core::incidents::ReportingPolicy {
            report_hours: self.report_hours.map(opt),
            cac_hours: self.cac_hours.map(opt),
            cii_hours: self.cii_hours,
            cii_tag: self.cii_tag.trim().to_owned(),
        })
    }
}

/// `[duty]` in `wangan.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DutyConfig {
    /// Minutes an alert waits for acknowledgement before it climbs a rung.
    pub ack_minutes: u32,
    /// Days ahead in which gaps in the roster are flagged and reminded.
    pub horizon_days: u32,
}

impl Default for DutyConfig {
    fn default() -> Self {
        let p = wangan_core::duty::DutyPolicy::default();
        DutyConfig { ack_minutes: p.ack_minutes, horizon_days: p.horizon_days }
    }
}

impl DutyConfig {
    pub fn policy(&self) -> anyhow::Result<wangan_core::duty::DutyPolicy> {
        if !(1..=1440).contains(&self.ack_minutes) {
            anyhow::bail!("[duty] ack_minutes must be 1 to 1440");
        }
        if !(1..=62).contains(&self.horizon_days) {
            anyhow::bail!("[duty] horizon_days must be 1 to 62");
        }
        Ok(wangan_core::duty::DutyPolicy { ack_minutes: self.ack_minutes, horizon_days: self.horizon_days })
    }
}

/// `[accountability]` in `wangan.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountabilityConfig {
    /// Days from a violation's confirmation to its correction deadline (责令限期改正).
    pub correction_days: u32,
}

impl Default for AccountabilityConfig {
    fn default() -> Self {
        AccountabilityConfig {
            correction_days: wangan_core::enforcement::AccountabilityPolicy::default().correction_days,
        }
    }
}

impl AccountabilityConfig {
    pub fn policy(&self) -> anyhow::Result<wangan_core::enforcement::AccountabilityPolicy> {
        if !(1..=365).contains(&self.correction_days) {
            anyhow::bail!("[accountability] correction_days must be 1 to 365");
        }
        Ok(wangan_core::enforcement::AccountabilityPolicy { correction_days: self.correction_days })
    }
}

/// `[scorecard]` in `wangan.toml`: the weight of each factor (they need not
/// sum to 100: the score is scaled) and the points one open violation costs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScorecardConfig {
    pub responsibles: f64,
    pub filed: f64,
    pub graded: f64,
    pub protections: f64,
    pub evaluations: f64,
    pub rectifications: f64,
    pub inspections: f64,
    pub warnings: f64,
    pub readiness: f64,
    pub violations: f64,
    pub violation_penalty: f64,
}

impl Default for ScorecardConfig {
    fn default() -> Self {
        let w = wangan_core::scorecard::ScoreWeights::default();
        ScorecardConfig {
            responsibles: w.responsibles,
            filed: w.filed,
            graded: w.graded,
            protections: w.protections,
            evaluations: w.evaluations,
            rectifications: w.rectifications,
            inspections: w.inspections,
            warnings: w.warnings,
            readiness: w.readiness,
            violations: w.violations,
            violation_penalty: w.violation_penalty,
        }
    }
}

impl ScorecardConfig {
    pub fn weights(&self) -> anyhow::Result<wangan_core::scorecard::ScoreWeights> {
        let w = wangan_core::scorecard::ScoreWeights {
            responsibles: self.responsibles,
            filed: self.filed,
            graded: self.graded,
            protections: self.protections,
            evaluations: self.evaluations,
            rectifications: self.rectifications,
            inspections: self.inspections,
            warnings: self.warnings,
            readiness: self.readiness,
            violations: self.violations,
            violation_penalty: self.violation_penalty,
        };
        w.check().map_err(|e| anyhow::anyhow!("[scorecard]: {e}"))?;
        Ok(w)
    }
}

/// `[metrics]` in `wangan.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// When set, `/metrics` answers only `Authorization: Bearer <token>` (else 401).
    pub token: Option<String>,
}

/// `[signin]` in `wangan.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SigninConfig {
    /// Failed sign-ins one client address may make per minute (then 429 with `Retry-After`).
    pub failures_per_minute: u32,
    /// Reverse proxies (addresses) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Accounts with the admin role must use two-factor sign-in (TOTP) with
    /// their password (or sign in through the campus identity service).
    pub require_totp_for_admin: bool,
}

impl Default for SigninConfig {
    fn default() -> Self {
        SigninConfig {
            failures_per_minute: wangan_core::accounts::rules::ThrottlePolicy::default().per_minute,
            trusted_proxies: Vec::new(),
            require_totp_for_admin: false,
        }
    }
}

/// `[import]` in `wangan.toml`: how much one imported spreadsheet may cost
/// to read (these are the defaults). A file past a bound is refused, with
/// the bound named, before it is read in full.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportConfig {
    pub max_rows: usize,
    pub max_columns: usize,
    /// Bytes of one cell's text.
    pub max_cell_bytes: usize,
    /// Bytes of one CSV line.
    pub max_line_bytes: usize,
    /// Size of an `.xlsx` once inflated, MiB.
    pub max_expanded_mib: u64,
    /// Seconds of reading.
    pub max_seconds: u64,
}

impl Default for ImportConfig {
    fn default() -> Self {
        let l = wangan_office::Limits::default();
        ImportConfig {
            max_rows: l.max_rows,
            max_columns: l.max_columns,
            max_cell_bytes: l.max_cell_bytes,
            max_line_bytes: l.max_line_bytes,
            max_expanded_mib: l.max_expanded_bytes >> 20,
            max_seconds: l.max_time.as_secs(),
        }
    }
}

impl ImportConfig {
    pub fn limits(&self) -> anyhow::Result<wangan_office::Limits> {
        if self.max_rows == 0 || self.max_columns == 0 || self.max_cell_bytes == 0 || self.max_line_bytes == 0 {
            anyhow::bail!("[import]: the bounds must be positive");
        }
        if self.max_expanded_mib == 0 || self.max_expanded_mib > 4096 || self.max_seconds == 0 {
            anyhow::bail!("[import]: max_expanded_mib must lie between 1 and 4096, max_seconds be positive");
        }
        Ok(wangan_office::Limits {
            max_rows: self.max_rows,
            max_columns: self.max_columns,
            max_cell_bytes: self.max_cell_bytes,
            max_line_bytes: self.max_line_bytes,
            max_expanded_bytes: self.max_expanded_mib << 20,
            max_time: std::time::Duration::from_secs(self.max_seconds),
            ..wangan_office::Limits::default()
        })
    }
}

/// `[monitor]` in `wangan.toml`: site monitoring (these are the defaults).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitorConfig {
    /// Run checks in this process (with `[jobs] enabled`).
    pub enabled: bool,
    /// Interval of new monitors, seconds.
    pub interval_s: u64,
    /// The shortest interval an officer may set.
    pub min_interval_s: u64,
    pub timeout_s: u64,
    pub max_body_bytes: usize,
    /// Requests in flight to one host at a time.
    pub per_host: usize,
    /// Checks in flight on this node.
    pub concurrency: usize,
    /// Consecutive failures before a site counts as down.
    pub failures_before_down: u32,
    /// An important system down this long opens a notice.
    pub down_notice_minutes: i64,
    /// Certificates are checked at most this often, seconds.
    pub tls_interval_s: u64,
    /// Exposed-file probes run at most this often, seconds.
    pub exposure_interval_s: u64,
    /// Slower answers (ms) count as degraded.
    pub slow_ms: u64,
    /// Share of text or structure that may change before it counts as tampering.
    pub tamper_threshold: f64,
    /// Extra trusted CA certificates (PEM files), e.g. the campus CA.
    pub ca_files: Vec<PathBuf>,
    /// Names answered without DNS: `"intranet.univ.example" = "10.1.2.3"` (or `"10.1.2.3:8443"`
    /// to connect to another port); the name covers its subdomains.
    pub hosts: std::collections::BTreeMap<String, String>,
    /// Words added to the spam dictionary, by category (gambling, pornography, game_cheat, phishing).
    pub keywords: std::collections::BTreeMap<String, Vec<String>>,
    /// The search spiders whose view of each page is fetched, in turn with
    /// search visitors and a phone (a name not known is sent as `(compatible; NAME)`).
    pub spiders: Vec<String>,
    /// One view per page this often (and one at once when its text changes).
    pub views_interval_s: u64,
    /// The rendered view: `"auto"` (headless Chromium when installed),
    /// `"off"`, or the path of the browser.
    pub render: String,
    /// Pages rendered at once.
    pub render_tabs: usize,
    /// Time limit of one page's render, seconds.
    pub render_timeout_s: u64,
    /// Each page is rendered this often, seconds (pages whose scripts static
    /// decoding cannot clear, every `views_interval_s`).
    pub render_interval_s: u64,
    /// A page unchanged byte for byte since its last check keeps that
    /// check's analysis (its content checks are not run again; any change
    /// of the page, the settings, the words or the baseline is analysed).
    pub content_memo: bool,
    /// The whole site: each monitored site crawled this often, seconds (0: never).
    pub crawl_interval_s: u64,
    /// Pages crawled per site at most (a system's own setting overrides it).
    pub crawl_pages: usize,
    /// Links followed this many steps from the home page.
    pub crawl_depth: u8,
    /// Pause between two requests to one site while crawling, milliseconds.
    pub crawl_delay_ms: u64,
    /// Sites crawled at once.
    pub crawl_sites: usize,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            enabled: true,
            interval_s: 300,
            min_interval_s: 30,
            timeout_s: 10,
            max_body_bytes: 2 << 20,
            per_host: 2,
            concurrency: 64,
            failures_before_down: 2,
            down_notice_minutes: 10,
            tls_interval_s: 3600,
            exposure_interval_s: 86_400,
            slow_ms: 3000,
            tamper_threshold: 0.3,
            ca_files: Vec::new(),
            hosts: Default::default(),
            keywords: Default::default(),
            spiders: wangan_monitor::views::default_spiders(),
            views_interval_s: 3600,
            render: "auto".into(),
            render_tabs: 2,
            render_timeout_s: 20,
            render_interval_s: 86_400,
            content_memo: true,
            crawl_interval_s: 86_400,
            crawl_pages: 200,
            crawl_depth: 2,
            crawl_delay_ms: 100,
            crawl_sites: 16,
        }
    }
}

impl MonitorConfig {
    /// How the engine crawls (`None`: never, `crawl_interval_s = 0`).
    pub fn crawl_config(&self) -> Option<wangan_monitor::crawls::CrawlConfig> {
        (self.crawl_interval_s > 0).then(|| wangan_monitor::crawls::CrawlConfig {
            options: self.crawl_options(None),
            interval: chrono::Duration::seconds(i64::try_from(self.crawl_interval_s).unwrap_or(i64::MAX).max(60)),
            sites: self.crawl_sites.clamp(1, 256),
        })
    }

    /// How a crawl goes, as configured (`pages`: the site's own budget when it has one).
    pub fn crawl_options(&self, pages: Option<usize>) -> wangan_monitor::crawl::CrawlOptions {
        wangan_monitor::crawl::CrawlOptions {
            max_pages: pages.unwrap_or(self.crawl_pages).clamp(1, 10_000),
            max_depth: self.crawl_depth.min(10),
            delay: std::time::Duration::from_millis(self.crawl_delay_ms),
            views: wangan_monitor::views::views(&self.spiders),
            ..Default::default()
        }
    }

    /// The rendered view's browser as configured (`None`: off, or no browser installed).
    pub fn renderer(&self, fetcher: wangan_monitor::fetch::Fetcher) -> Option<wangan_monitor::render::Renderer> {
        let executable = match self.render.trim() {
            "off" | "false" | "" => return None,
            "auto" => None,
            path => {
                if !std::path::Path::new(path).is_file() {
                    tracing::warn!(
                        browser = path,
                        "[monitor] render names a browser that does not exist: rendering is off"
                    );
                }
                Some(PathBuf::from(path))
            }
        };
        let config = wangan_monitor::render::RenderConfig {
            executable,
            tabs: self.render_tabs.clamp(1, 16),
            timeout: std::time::Duration::from_secs(self.render_timeout_s.clamp(3, 300)),
            ..Default::default()
        };
        wangan_monitor::render::Renderer::new(config, fetcher)
    }

    /// The fetcher's settings under `network`.
    pub fn fetch_config(
        &self,
        network: wangan_core::platform::netpolicy::NetPolicy,
    ) -> anyhow::Result<wangan_monitor::fetch::FetchConfig> {
        let hosts = host_routes("[monitor]", &self.hosts)?;
        let mut extra_roots = Vec::new();
        for f in &self.ca_files {
            extra_roots
                .push(std::fs::read(f).map_err(|e| anyhow::anyhow!("[monitor] ca_files: {}: {e}", f.display()))?);
        }
        if self.timeout_s == 0 || self.max_body_bytes == 0 {
            anyhow::bail!("[monitor] timeout_s and max_body_bytes must be above 0");
        }
        Ok(wangan_monitor::fetch::FetchConfig {
            network,
            timeout: std::time::Duration::from_secs(self.timeout_s),
            max_body: self.max_body_bytes,
            max_redirects: 5,
            per_host: self.per_host.max(1),
            hosts,
            extra_roots,
        })
    }

    /// Defaults and bounds of monitors, for the registry's sync and the API.
    pub fn policy(&self) -> anyhow::Result<wangan_core::monitoring::service::MonitorPolicy> {
        let secs = |v: u64, what: &str| {
            i32::try_from(v).ok().filter(|v| *v > 0).ok_or_else(|| anyhow::anyhow!("[monitor] {what} is out of range"))
        };
        let min = secs(self.min_interval_s, "min_interval_s")?;
        let interval = secs(self.interval_s, "interval_s")?;
        if interval < min {
            anyhow::bail!("[monitor] interval_s ({interval}) is below min_interval_s ({min})");
        }
        if !(0.01..=1.0).contains(&self.tamper_threshold) {
            anyhow::bail!("[monitor] tamper_threshold must be between 0.01 and 1");
        }
        Ok(wangan_core::monitoring::service::MonitorPolicy {
            interval_s: interval,
            min_interval_s: min,
            timeout_s: secs(self.timeout_s, "timeout_s")?.min(60),
            tamper_percent: (self.tamper_threshold * 100.0).round() as i32,
        })
    }

    /// The shipped spam dictionary plus `keywords`.
    pub fn dictionary(&self) -> anyhow::Result<wangan_monitor::analyze::keywords::Dictionary> {
        use wangan_monitor::analyze::keywords::{Category, Dictionary};
        let mut extra = Vec::new();
        for (category, words) in &self.keywords {
            let c = Category::parse(category).ok_or_else(|| {
                anyhow::anyhow!(
                    "[monitor] keywords: unknown category {category:?} (gambling, pornography, game_cheat, phishing)"
                )
            })?;
            extra.extend(words.iter().map(|w| (w.clone(), c)));
        }
        Dictionary::new(&extra).map_err(|e| anyhow::anyhow!("[monitor] keywords: {e}"))
    }
}

/// `[network]` in `wangan.toml`: public addresses only, unless `allow` opens
/// special ranges (e.g. the campus `10.0.0.0/8`); `deny` wins over all.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    /// Names of webhooks and robots answered without DNS, as `[monitor.hosts]`
    /// does for site checks: `"hooks.univ.example" = "10.1.2.3"` (or `"10.1.2.3:8443"`).
    pub hosts: std::collections::BTreeMap<String, String>,
}

/// `"name" = "address"` or `"address:port"` entries as routes.
pub fn host_routes(
    section: &str,
    hosts: &std::collections::BTreeMap<String, String>,
) -> anyhow::Result<Vec<wangan_core::platform::netpolicy::HostRoute>> {
    use wangan_core::platform::netpolicy::HostRoute;
    let mut routes = Vec::new();
    for (name, to) in hosts {
        let bad = || anyhow::anyhow!("{section} hosts: {to:?} is not an address or address:port");
        let route = match to.parse::<std::net::IpAddr>() {
            Ok(ip) => HostRoute::new(name, ip, None),
            Err(_) => {
                let sa: std::net::SocketAddr = to.parse().map_err(|_| bad())?;
                HostRoute::new(name, sa.ip(), Some(sa.port()))
            }
        };
        routes.push(route);
    }
    Ok(routes)
}

impl NetworkConfig {
    pub fn routes(&self) -> anyhow::Result<Vec<wangan_core::platform::netpolicy::HostRoute>> {
        host_routes("[network]", &self.hosts)
    }

    pub fn policy(&self) -> anyhow::Result<wangan_core::platform::netpolicy::NetPolicy> {
        wangan_core::platform::netpolicy::NetPolicy::from_lists(&self.allow, &self.deny)
            .map_err(|e| anyhow::anyhow!("[network]: {e}"))
    }
}

/// `[notices]` in `wangan.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NoticesConfig {
    /// Allowed time per severity, counted from when the center issues the
    /// rectification (下发): `"24h"`, `"72 hours"`, `"3 workdays"`, `"7 days"`.
    pub deadline_critical: String,
    pub deadline_high: String,
    pub deadline_medium: String,
    pub deadline_low: String,
    /// Earlier releases' keys, in hours; they win over the words above when set.
    pub deadline_hours_critical: Option<i64>,
    pub deadline_hours_high: Option<i64>,
    pub deadline_hours_medium: Option<i64>,
    pub deadline_hours_low: Option<i64>,
    /// Reminders, in percent of the allowed time.
    pub reminder_percents: Vec<u8>,
    /// Hours after the deadline before a shutdown order is proposed (or issued).
    pub grace_hours: i64,
    /// `"confirm"` (default): the ladder proposes the order and an officer
    /// issues it or extends the deadline; `"automatic"`: the ladder issues it.
    pub shutdown: String,
}

impl Default for NoticesConfig {
    fn default() -> Self {
        let d = wangan_core::notices::DeadlinePolicy::default();
        let l = wangan_core::notices::LadderPolicy::default();
        NoticesConfig {
            deadline_critical: d.critical.to_string(),
            deadline_high: d.high.to_string(),
            deadline_medium: d.medium.to_string(),
            deadline_low: d.low.to_string(),
            deadline_hours_critical: None,
            deadline_hours_high: None,
            deadline_hours_medium: None,
            deadline_hours_low: None,
            reminder_percents: l.reminder_percents,
            grace_hours: l.grace.num_hours(),
            shutdown: wangan_core::notices::ShutdownMode::Confirm.as_str().into(),
        }
    }
}

/// `[calendar]` in `wangan.toml`: the working-day calendar deadlines in
/// working days count by. Either list, when given, replaces the shipped one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    /// Days off (法定节假日及调休放假), `YYYY-MM-DD`.
    pub holidays: Option<Vec<String>>,
    /// Weekend days worked (调休上班), `YYYY-MM-DD`.
    pub workdays: Option<Vec<String>>,
}

impl CalendarConfig {
    pub fn calendar(&self) -> anyhow::Result<wangan_core::platform::calendar::WorkCalendar> {
        use wangan_core::platform::calendar::WorkCalendar;
        let shipped = WorkCalendar::default();
        let words = |set: &std::collections::BTreeSet<chrono::NaiveDate>| -> Vec<String> {
            set.iter().map(|d| d.to_string()).collect()
        };
        let holidays = self.holidays.clone().unwrap_or_else(|| words(&shipped.holidays));
        let workdays = self.workdays.clone().unwrap_or_else(|| words(&shipped.workdays));
        WorkCalendar::from_lists(&holidays, &workdays).map_err(|d| {
            anyhow::anyhow!("[calendar]: {d:?} is not a date (YYYY-MM-DD) or is both a holiday and a workday")
        })
    }
}

/// `[institution]` in `wangan.toml`: the names documents and pages use.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InstitutionConfig {
    /// In document titles: 《某某大学网站（信息系统）风险整改报告》.
    pub name: String,
    /// The network center, one name throughout.
    pub center: String,
    /// The leadership group.
    pub leadership_group: String,
    /// The institution's own domains (`example.edu.cn` covers its
    /// subdomains) and any others it answers for: hidden links to them
    /// (skip links, login modals, menus) are not 暗链; a registered site
    /// outside them is 双非 (非学校域名).
    pub domains: Vec<String>,
    /// The campus address ranges (`202.100.0.0/16`): a site whose address
    /// is outside them and outside `hosting` is 双非 (非学校IP).
    pub networks: Vec<String>,
    /// Known hosting the institution uses (its cloud ranges), counted as campus.
    pub hosting: Vec<String>,
    /// A site or column not updated for this many days is a zombie (僵尸网站 / 僵尸栏目).
    pub zombie_days: i64,
}

impl Default for InstitutionConfig {
    fn default() -> Self {
        let d = wangan_core::platform::store::DocumentNames::default();
        InstitutionConfig {
            name: d.institution,
            center: d.center,
            leadership_group: d.leadership_group,
            domains: Vec::new(),
            networks: Vec::new(),
            hosting: Vec::new(),
            zombie_days: wangan_core::sites::rules::ZOMBIE_DAYS,
        }
    }
}

impl InstitutionConfig {
    /// Where the institution's borders are, for 双非 and zombies.
    pub fn sites_policy(&self) -> anyhow::Result<wangan_core::sites::service::SitesPolicy> {
        let mut networks = Vec::new();
        for (key, list) in [("networks", &self.networks), ("hosting", &self.hosting)] {
            for n in list {
                let net = wangan_core::platform::netpolicy::Net::parse(n.trim()).ok_or_else(|| {
                    anyhow::anyhow!("[institution]: {key}: {n:?} is not a network such as \"202.100.0.0/16\"")
                })?;
                networks.push(net);
            }
        }
        if !(1..=3650).contains(&self.zombie_days) {
            anyhow::bail!("[institution]: zombie_days must be between 1 and 3650");
        }
        Ok(wangan_core::sites::service::SitesPolicy {
            domains: self.domains.iter().filter_map(|d| wangan_core::sites::rules::normalize_domain(d)).collect(),
            networks,
            zombie_days: self.zombie_days,
        })
    }

    pub fn names(&self) -> anyhow::Result<wangan_core::platform::store::DocumentNames> {
        for (key, v) in [("name", &self.name), ("center", &self.center), ("leadership_group", &self.leadership_group)] {
            if v.chars().count() > 100 || v.chars().any(char::is_control) {
                anyhow::bail!("[institution]: {key} must be one line of at most 100 characters");
            }
        }
        if self.center.trim().is_empty() {
            anyhow::bail!("[institution]: center must not be empty");
        }
        for d in &self.domains {
            let bare = d.trim().trim_start_matches("*.");
            if bare.is_empty() || !bare.contains('.') || bare.contains(['/', ':', ' ']) || bare.len() > 253 {
                anyhow::bail!("[institution]: domains: {d:?} is not a domain name such as \"example.edu.cn\"");
            }
        }
        Ok(wangan_core::platform::store::DocumentNames {
            institution: self.name.trim().into(),
            center: self.center.trim().into(),
            leadership_group: self.leadership_group.trim().into(),
        })
    }
}

impl NoticesConfig {
    pub fn policy(
        &self,
        time_zone: &str,
        calendar: &CalendarConfig,
    ) -> anyhow::Result<wangan_core::notices::NoticePolicy> {
        use chrono::Duration;
        use wangan_core::platform::calendar::Allowed;
        let allowed = |key: &str, words: &str, hours: Option<i64>| -> anyhow::Result<Allowed> {
            let a = match hours {
                Some(h) => Allowed::Hours(h),
                None => Allowed::parse(words).ok_or_else(|| {
                    anyhow::anyhow!(
                        "[notices]: {key} = {words:?}: write \"24h\", \"72 hours\", \"3 workdays\" or \"7 days\""
                    )
                })?,
            };
            if !a.is_sane() {
                anyhow::bail!("[notices]: {key} must be between 1 hour and a year");
            }
            Ok(a)
        };
        let mut percents = self.reminder_percents.clone();
        percents.sort_unstable();
        percents.dedup();
        if percents.iter().any(|p| *p == 0 || *p >= 100) {
            anyhow::bail!("[notices]: reminder_percents must lie between 1 and 99");
        }
        if self.grace_hours < 0 || self.grace_hours > 24 * 90 {
            anyhow::bail!("[notices]: grace_hours must be between 0 and 2160");
        }
        let shutdown = wangan_core::notices::ShutdownMode::parse(self.shutdown.trim())
            .ok_or_else(|| anyhow::anyhow!("[notices]: shutdown must be \"confirm\" or \"automatic\""))?;
        Ok(wangan_core::notices::NoticePolicy {
            deadlines: wangan_core::notices::DeadlinePolicy {
                critical: allowed("deadline_critical", &self.deadline_critical, self.deadline_hours_critical)?,
                high: allowed("deadline_high", &self.deadline_high, self.deadline_hours_high)?,
                medium: allowed("deadline_medium", &self.deadline_medium, self.deadline_hours_medium)?,
                low: allowed("deadline_low", &self.deadline_low, self.deadline_hours_low)?,
            },
            ladder: wangan_core::notices::LadderPolicy {
                reminder_percents: percents,
                grace: Duration::hours(self.grace_hours),
            },
            time_zone: time_zone.parse().map_err(|_| anyhow::anyhow!("unknown time zone {time_zone}"))?,
            calendar: calendar.calendar()?,
            shutdown,
        })
    }
}

/// `[jobs]` in `wangan.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Run the background jobs in this process (turn off on extra web-only nodes).
    pub enabled: bool,
    /// Seconds between escalation passes.
    pub escalation_interval_s: u64,
    /// Seconds between looks at the outbox when it is idle.
    pub delivery_interval_s: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig { enabled: true, escalation_interval_s: 60, delivery_interval_s: 5 }
    }
}

/// `[registry]` in `wangan.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegistryConfig {
    /// Months between MLPS evaluations for level 2 (the institution's rule).
    pub evaluation_months_level2: u32,
    /// ... for level 3 (art. 14: at least yearly).
    pub evaluation_months_level3: u32,
    /// ... for level 4 (art. 14: at least every six months).
    pub evaluation_months_level4: u32,
    /// ... for level 5 (art. 14: by special requirement).
    pub evaluation_months_level5: u32,
    /// Days after grading (or going online) to obtain the MLPS filing number (art. 15).
    pub mlps_filing_days: u64,
    /// Evaluations due within this many days are flagged.
    pub evaluation_warn_days: i64,
    /// Protections every internet-facing system needs before going online.
    pub protections_internet_facing: Vec<String>,
    /// ... and internet-facing websites in addition.
    pub protections_website: Vec<String>,
    /// ... and internet-facing systems of level 3 or more in addition.
    pub protections_level3: Vec<String>,
    /// A unit's system goes online only on the center's approval of its
    /// go-live request (with the filing certificate).
    pub golive_approval: bool,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        let gates = wangan_core::registry::GatePolicy::default();
        let eval = wangan_core::registry::rules::mlps::EvaluationPolicy::default();
        RegistryConfig {
            evaluation_months_level2: eval.months_level2,
            evaluation_months_level3: eval.months_level3,
            evaluation_months_level4: eval.months_level4,
            evaluation_months_level5: eval.months_level5,
            mlps_filing_days: eval.filing_days,
            evaluation_warn_days: eval.warn_days,
            protections_internet_facing: words(&gates.internet_facing),
            protections_website: words(&gates.website),
            protections_level3: words(&gates.level3),
            golive_approval: true,
        }
    }
}

fn words(kinds: &[wangan_core::registry::ProtectionKind]) -> Vec<String> {
    kinds.iter().map(|k| k.as_str().to_owned()).collect()
}

impl RegistryConfig {
    /// The policy, or what is wrong with the configuration.
    pub fn policy(&self) -> anyhow::Result<wangan_core::platform::store::RegistryPolicy> {
        use wangan_core::registry::ProtectionKind;
        let kinds = |list: &[String]| -> anyhow::Result<Vec<ProtectionKind>> {
            list.iter()
                .map(|kind| {
                    ProtectionKind::parse(kind).ok_or_else(|| {
                        let known: Vec<&str> = ProtectionKind::ALL.iter().map(|k| k.as_str()).collect();
                        anyhow::anyhow!("[registry]: unknown protection {kind:?}; known: {}", known.join(", "))
                    })
                })
                .collect()
        };
        let months = [
            self.evaluation_months_level2,
            self.evaluation_months_level3,
            self.evaluation_months_level4,
            self.evaluation_months_level5,
        ];
        if months.contains(&0) || self.evaluation_warn_days < 0 || self.mlps_filing_days == 0 {
            anyhow::bail!("[registry]: evaluation intervals must be positive");
        }
        Ok(wangan_core::platform::store::RegistryPolicy {
            gates: wangan_core::registry::GatePolicy {
                internet_facing: kinds(&self.protections_internet_facing)?,
                website: kinds(&self.protections_website)?,
                level3: kinds(&self.protections_level3)?,
            },
            evaluations: wangan_core::registry::rules::mlps::EvaluationPolicy {
                months_level2: self.evaluation_months_level2,
                months_level3: self.evaluation_months_level3,
                months_level4: self.evaluation_months_level4,
                months_level5: self.evaluation_months_level5,
                warn_days: self.evaluation_warn_days,
                filing_days: self.mlps_filing_days,
            },
            golive_approval: self.golive_approval,
        })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("wangan-data"),
            database_url: None,
            secure_cookies: false,
            time_zone: "Asia/Shanghai".into(),
            max_connections: None,
            registry: RegistryConfig::default(),
            accountability: AccountabilityConfig::default(),
            scorecard: ScorecardConfig::default(),
            incidents: IncidentsConfig::default(),
            duty: DutyConfig::default(),
            base_url: String::new(),
            notices: NoticesConfig::default(),
            smtp: None,
            jobs: JobsConfig::default(),
            network: NetworkConfig::default(),
            monitor: MonitorConfig::default(),
            import: ImportConfig::default(),
            signin: SigninConfig::default(),
            calendar: CalendarConfig::default(),
            institution: InstitutionConfig::default(),
            metrics: MetricsConfig::default(),
            sso: Default::default(),
            logs: LogsConfig::default(),
            backup: BackupConfig::default(),
        }
    }
}

impl Config {
    /// Read `path` if it exists (a missing default file is fine), then apply the environment.
    pub fn load(path: &Path, required: bool) -> anyhow::Result<Config> {
        let mut cfg = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Config::default(),
            Err(e) => anyhow::bail!("cannot read {}: {e}", path.display()),
        };
        cfg.apply_env(|k| std::env::var(k).ok());
        if cfg.logs.retain_days < 180 {
            anyhow::bail!(
                "{}: [logs] retain_days = {}: network logs are kept at least 180 days (网络安全法 §21)",
                path.display(),
                cfg.logs.retain_days
            );
        }
        if let Some(cas) = &cfg.sso.cas {
            cas.check().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        if let Some(oidc) = &cfg.sso.oidc {
            oidc.check().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        }
        Ok(cfg)
    }

    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("WANGAN_LISTEN").filter(|v| !v.is_empty()) {
            self.listen = v;
        }
        if let Some(v) = get("WANGAN_DATA_DIR").filter(|v| !v.is_empty()) {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("WANGAN_DATABASE_URL").filter(|v| !v.is_empty()) {
            self.database_url = Some(v);
        }
        if let Some(v) = get("WANGAN_SECURE_COOKIES") {
            self.secure_cookies = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = get("WANGAN_METRICS_TOKEN").filter(|v| !v.is_empty()) {
            self.metrics.token = Some(v);
        }
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| wangan_core::platform::store::sqlite_url(&self.data_dir))
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    pub fn pool_size(&self) -> u32 {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        self.max_connections.unwrap_or(if self.is_sqlite() { sqlite_pool_size(cores) } else { 10 })
    }
}

/// SQLite's pool by default: twice the cores, 4 to 8. Each connection has a
/// thread of its own and its own caches; more connections than the cores can
/// run only hold memory (on 2 cores, 4 instead of 8 answered the API as fast
/// and held ~3 MB less, measured 2026-12-07).
fn sqlite_pool_size(cores: usize) -> u32 {
    u32::try_from(cores.saturating_mul(2)).unwrap_or(u32::MAX).clamp(4, 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlites_pool_follows_the_cores_within_bounds() {
        assert_eq!(sqlite_pool_size(1), 4);
        assert_eq!(sqlite_pool_size(2), 4);
        assert_eq!(sqlite_pool_size(3), 6);
        assert_eq!(sqlite_pool_size(4), 8);
        assert_eq!(sqlite_pool_size(64), 8);
        let set = Config { max_connections: Some(12), ..Config::default() };
        assert_eq!(set.pool_size(), 12, "a configured size is kept");
    }

    #[test]
    fn environment_wins_over_file() {
        let mut c: Config = toml::from_str("listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/wangan\"").unwrap();
        assert_eq!(c.listen, "0.0.0.0:9000");
        c.apply_env(|k| (k == "WANGAN_LISTEN").then(|| "127.0.0.1:7000".to_owned()));
        assert_eq!(c.listen, "127.0.0.1:7000");
        assert_eq!(c.data_dir, PathBuf::from("/srv/wangan"));
        assert_eq!(c.database_url(), "sqlite:///srv/wangan/wangan.db");
        assert!(toml::from_str::<Config>("lisen = 1").is_err(), "typos are reported");
    }

    #[test]
    fn notice_rules_come_from_the_file() {
        let c: Config = toml::from_str("[notices]\ndeadline_hours_high = 48\nreminder_percents = [80, 50, 80]\ngrace_hours = 0\n[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nsecurity = \"none\"\nfrom = \"wangan@university.example\"").unwrap();
        let p = c.notices.policy("Asia/Shanghai", &c.calendar).unwrap();
        use wangan_core::platform::calendar::Allowed;
        assert_eq!(p.deadlines.high, Allowed::Hours(48), "the earlier key still reads");
        assert_eq!(p.deadlines.critical, Allowed::Hours(24));
        assert_eq!(p.deadlines.medium, Allowed::Workdays(5));
        assert_eq!(p.shutdown, wangan_core::notices::ShutdownMode::Confirm, "people decide by default");
        assert_eq!(p.ladder.reminder_percents, [50, 80]);
        assert_eq!(p.ladder.grace, chrono::Duration::zero());
        assert_eq!(c.smtp.unwrap().port, Some(2525));
        let n: Config = toml::from_str("[network]\nallow = [\"10.0.0.0/8\"]").unwrap();
        assert!(n.network.policy().unwrap().permits("10.2.3.4".parse().unwrap()));
        let n: Config = toml::from_str("[network]\ndeny = [\"campus\"]").unwrap();
        assert!(n.network.policy().is_err());
        let bad: Config = toml::from_str("[notices]\nreminder_percents = [100]").unwrap();
        assert!(bad.notices.policy("Asia/Shanghai", &bad.calendar).is_err());
        assert!(NoticesConfig::default().policy("Mars/Olympus", &CalendarConfig::default()).is_err());
        // Issue 14 rule 5: deadlines in working days, a holiday calendar with make-up days.
        let w: Config = toml::from_str("[notices]\ndeadline_high = \"3 workdays\"\ndeadline_critical = \"24h\"\nshutdown = \"automatic\"\n[calendar]\nholidays = [\"2026-12-07\"]\nworkdays = [\"2026-12-12\"]").unwrap();
        let p = w.notices.policy("Asia/Shanghai", &w.calendar).unwrap();
        assert_eq!(p.deadlines.high, Allowed::Workdays(3));
        assert_eq!(p.shutdown, wangan_core::notices::ShutdownMode::Automatic);
        assert!(!p.calendar.is_workday(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()));
        assert!(p.calendar.is_workday(chrono::NaiveDate::from_ymd_opt(2026, 12, 12).unwrap()));
        for bad in [
            "[notices]\ndeadline_high = \"3 fortnights\"",
            "[notices]\nshutdown = \"maybe\"",
            "[calendar]\nholidays = [\"2026-02-30\"]",
        ] {
            let c: Config = toml::from_str(bad).unwrap();
            assert!(c.notices.policy("Asia/Shanghai", &c.calendar).is_err(), "{bad}");
        }
    }

    #[test]
    fn registry_rules_come_from_the_file() {
        let c: Config = toml::from_str("[registry]\nevaluation_months_level2 = 12\nprotections_internet_facing = [\"firewall\", \"access_control\"]").unwrap();
        let p = c.registry.policy().unwrap();
        assert_eq!(p.evaluations.months_level2, 12);
        assert_eq!(p.evaluations.months_level3, 12, "defaults stay");
        assert_eq!(p.evaluations.months_level4, 6, "art. 14: level 4 every six months");
        use wangan_core::registry::ProtectionKind as P;
        assert_eq!(p.gates.internet_facing, [P::Firewall, P::AccessControl]);
        assert_eq!(p.gates.website, [P::TamperProtection]);
        let c: Config =
            toml::from_str("[registry]\nevaluation_months_level4 = 3\nevaluation_months_level5 = 2").unwrap();
        let p = c.registry.policy().unwrap();
        assert_eq!((p.evaluations.months_level4, p.evaluations.months_level5), (3, 2));
        let bad: Config = toml::from_str("[registry]\nprotections_website = [\"moat\"]").unwrap();
        assert!(bad.registry.policy().is_err());
    }

    #[test]
    fn monitor_section() {
        let c: Config = toml::from_str(
            "[monitor]\ninterval_s = 600\ntamper_threshold = 0.25\n[monitor.hosts]\n\"oa.intranet.example\" = \"10.1.2.3\"\n\"vpn.intranet.example\" = \"10.1.2.4:8443\"\n[monitor.keywords]\nphishing = [\"代写论文\"]\n",
        )
        .unwrap();
        let policy = c.monitor.policy().unwrap();
        assert_eq!((policy.interval_s, policy.tamper_percent), (600, 25));
        let fetch = c.monitor.fetch_config(c.network.policy().unwrap()).unwrap();
        assert_eq!(fetch.hosts.len(), 2);
        assert_eq!(fetch.hosts.iter().find(|r| r.name == "vpn.intranet.example").and_then(|r| r.port), Some(8443));
        assert_eq!(c.monitor.dictionary().unwrap().find("专业代写论文").len(), 1);
        for bad in [
            "[monitor]\ninterval_s = 10",
            "[monitor]\ntamper_threshold = 2.0",
            "[monitor.hosts]\nx = \"not-an-address\"",
            "[monitor.keywords]\nweather = [\"雨\"]",
        ] {
            let c: Config = toml::from_str(bad).unwrap();
            let failed = c.monitor.policy().is_err()
                || c.monitor.fetch_config(c.network.policy().unwrap()).is_err()
                || c.monitor.dictionary().is_err();
            assert!(failed, "{bad}");
        }
    }
}
