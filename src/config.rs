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
    /// Database pool size (default: 8 for SQLite, 10 for PostgreSQL).
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
}

impl Default for SigninConfig {
    fn default() -> Self {
        SigninConfig {
            failures_per_minute: wangan_core::accounts::rules::ThrottlePolicy::default().per_minute,
            trusted_proxies: Vec::new(),
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
        }
    }
}

impl MonitorConfig {
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
    pub deadline_hours_critical: i64,
    pub deadline_hours_high: i64,
    pub deadline_hours_medium: i64,
    pub deadline_hours_low: i64,
    /// Reminders, in percent of the allowed time.
    pub reminder_percents: Vec<u8>,
    /// Hours after the deadline before a shutdown order.
    pub grace_hours: i64,
}

impl Default for NoticesConfig {
    fn default() -> Self {
        let d = wangan_core::notices::DeadlinePolicy::default();
        let l = wangan_core::notices::LadderPolicy::default();
        NoticesConfig {
            deadline_hours_critical: d.critical.num_hours(),
            deadline_hours_high: d.high.num_hours(),
            deadline_hours_medium: d.medium.num_hours(),
            deadline_hours_low: d.low.num_hours(),
            reminder_percents: l.reminder_percents,
            grace_hours: l.grace.num_hours(),
        }
    }
}

impl NoticesConfig {
    pub fn policy(&self, time_zone: &str) -> anyhow::Result<wangan_core::notices::NoticePolicy> {
        use chrono::Duration;
        let hours = [
            self.deadline_hours_critical,
            self.deadline_hours_high,
            self.deadline_hours_medium,
            self.deadline_hours_low,
        ];
        if hours.iter().any(|h| *h <= 0 || *h > 24 * 365) {
            anyhow::bail!("[notices]: deadlines must be between 1 hour and a year");
        }
        let mut percents = self.reminder_percents.clone();
        percents.sort_unstable();
        percents.dedup();
        if percents.iter().any(|p| *p == 0 || *p >= 100) {
            anyhow::bail!("[notices]: reminder_percents must lie between 1 and 99");
        }
        if self.grace_hours < 0 || self.grace_hours > 24 * 90 {
            anyhow::bail!("[notices]: grace_hours must be between 0 and 2160");
        }
        Ok(wangan_core::notices::NoticePolicy {
            deadlines: wangan_core::notices::DeadlinePolicy {
                critical: Duration::hours(self.deadline_hours_critical),
                high: Duration::hours(self.deadline_hours_high),
                medium: Duration::hours(self.deadline_hours_medium),
                low: Duration::hours(self.deadline_hours_low),
            },
            ladder: wangan_core::notices::LadderPolicy {
                reminder_percents: percents,
                grace: Duration::hours(self.grace_hours),
            },
            time_zone: time_zone.parse().map_err(|_| anyhow::anyhow!("unknown time zone {time_zone}"))?,
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
    /// Months between MLPS evaluations for level 3 and above.
    pub evaluation_months_level3: u32,
    /// Months between MLPS evaluations for level 2.
    pub evaluation_months_level2: u32,
    /// Evaluations due within this many days are flagged.
    pub evaluation_warn_days: i64,
    /// Protections every internet-facing system needs before going online.
    pub protections_internet_facing: Vec<String>,
    /// ... and internet-facing websites in addition.
    pub protections_website: Vec<String>,
    /// ... and internet-facing systems of level 3 or more in addition.
    pub protections_level3: Vec<String>,
}

impl Default for RegistryConfig {
    fn default() -> Self {
        let gates = wangan_core::registry::GatePolicy::default();
        let eval = wangan_core::registry::rules::mlps::EvaluationPolicy::default();
        RegistryConfig {
            evaluation_months_level3: eval.months_level3,
            evaluation_months_level2: eval.months_level2,
            evaluation_warn_days: eval.warn_days,
            protections_internet_facing: words(&gates.internet_facing),
            protections_website: words(&gates.website),
            protections_level3: words(&gates.level3),
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
        if self.evaluation_months_level3 == 0 || self.evaluation_months_level2 == 0 || self.evaluation_warn_days < 0 {
            anyhow::bail!("[registry]: evaluation intervals must be positive");
        }
        Ok(wangan_core::platform::store::RegistryPolicy {
            gates: wangan_core::registry::GatePolicy {
                internet_facing: kinds(&self.protections_internet_facing)?,
                website: kinds(&self.protections_website)?,
                level3: kinds(&self.protections_level3)?,
            },
            evaluations: wangan_core::registry::rules::mlps::EvaluationPolicy {
                months_level3: self.evaluation_months_level3,
                months_level2: self.evaluation_months_level2,
                warn_days: self.evaluation_warn_days,
            },
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
            base_url: String::new(),
            notices: NoticesConfig::default(),
            smtp: None,
            jobs: JobsConfig::default(),
            network: NetworkConfig::default(),
            monitor: MonitorConfig::default(),
            import: ImportConfig::default(),
            signin: SigninConfig::default(),
            metrics: MetricsConfig::default(),
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
        self.max_connections.unwrap_or(if self.is_sqlite() { 8 } else { 10 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let p = c.notices.policy("Asia/Shanghai").unwrap();
        assert_eq!(p.deadlines.high, chrono::Duration::hours(48));
        assert_eq!(p.ladder.reminder_percents, [50, 80]);
        assert_eq!(p.ladder.grace, chrono::Duration::zero());
        assert_eq!(c.smtp.unwrap().port, Some(2525));
        let n: Config = toml::from_str("[network]\nallow = [\"10.0.0.0/8\"]").unwrap();
        assert!(n.network.policy().unwrap().permits("10.2.3.4".parse().unwrap()));
        let n: Config = toml::from_str("[network]\ndeny = [\"campus\"]").unwrap();
        assert!(n.network.policy().is_err());
        let bad: Config = toml::from_str("[notices]\nreminder_percents = [100]").unwrap();
        assert!(bad.notices.policy("Asia/Shanghai").is_err());
        assert!(NoticesConfig::default().policy("Mars/Olympus").is_err());
    }

    #[test]
    fn registry_rules_come_from_the_file() {
        let c: Config = toml::from_str("[registry]\nevaluation_months_level2 = 12\nprotections_internet_facing = [\"firewall\", \"access_control\"]").unwrap();
        let p = c.registry.policy().unwrap();
        assert_eq!(p.evaluations.months_level2, 12);
        assert_eq!(p.evaluations.months_level3, 12, "defaults stay");
        use wangan_core::registry::ProtectionKind as P;
        assert_eq!(p.gates.internet_facing, [P::Firewall, P::AccessControl]);
        assert_eq!(p.gates.website, [P::TamperProtection]);
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
