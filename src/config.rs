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
        let eval = wangan_core::registry::mlps::EvaluationPolicy::default();
        RegistryConfig {
            evaluation_months_level3: eval.months_level3,
            evaluation_months_level2: eval.months_level2,
            evaluation_warn_days: eval.warn_days,
            protections_internet_facing: gates.internet_facing,
            protections_website: gates.website,
            protections_level3: gates.level3,
        }
    }
}

impl RegistryConfig {
    /// The policy, or what is wrong with the configuration.
    pub fn policy(&self) -> anyhow::Result<wangan_core::store::RegistryPolicy> {
        use wangan_core::registry::gates::PROTECTION_KINDS;
        for kind in
            self.protections_internet_facing.iter().chain(&self.protections_website).chain(&self.protections_level3)
        {
            if !PROTECTION_KINDS.contains(&kind.as_str()) {
                anyhow::bail!("[registry]: unknown protection {kind:?}; known: {}", PROTECTION_KINDS.join(", "));
            }
        }
        if self.evaluation_months_level3 == 0 || self.evaluation_months_level2 == 0 || self.evaluation_warn_days < 0 {
            anyhow::bail!("[registry]: evaluation intervals must be positive");
        }
        Ok(wangan_core::store::RegistryPolicy {
            gates: wangan_core::registry::GatePolicy {
                internet_facing: self.protections_internet_facing.clone(),
                website: self.protections_website.clone(),
                level3: self.protections_level3.clone(),
            },
            evaluations: wangan_core::registry::mlps::EvaluationPolicy {
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
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| wangan_core::store::sqlite_url(&self.data_dir))
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
    fn registry_rules_come_from_the_file() {
        let c: Config = toml::from_str("[registry]\nevaluation_months_level2 = 12\nprotections_internet_facing = [\"firewall\", \"access_control\"]").unwrap();
        let p = c.registry.policy().unwrap();
        assert_eq!(p.evaluations.months_level2, 12);
        assert_eq!(p.evaluations.months_level3, 12, "defaults stay");
        assert_eq!(p.gates.internet_facing, ["firewall", "access_control"]);
        assert_eq!(p.gates.website, ["tamper_protection"]);
        let bad: Config = toml::from_str("[registry]\nprotections_website = [\"moat\"]").unwrap();
        assert!(bad.registry.policy().is_err());
    }
}
