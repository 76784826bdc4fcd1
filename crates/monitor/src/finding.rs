//! What a check found: one finding per (check, subject), with a severity,
//! a short Chinese summary (for the command line and notices; pages render
//! `code` through the catalog) and evidence.

use serde::{Deserialize, Serialize};

/// The checks, by their stored names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Availability,
    Tamper,
    HiddenLinks,
    Certificate,
    Headers,
    Icp,
    Exposure,
}

impl Check {
    pub const ALL: [Check; 7] = [
        Check::Availability,
        Check::Tamper,
        Check::HiddenLinks,
        Check::Certificate,
        Check::Headers,
        Check::Icp,
        Check::Exposure,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Check::Availability => "availability",
            Check::Tamper => "tamper",
            Check::HiddenLinks => "hidden_links",
            Check::Certificate => "certificate",
            Check::Headers => "headers",
            Check::Icp => "icp",
            Check::Exposure => "exposure",
        }
    }

    pub fn parse(s: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.code() == s)
    }

    /// The checks stored as one line-separated list.
    pub fn parse_list(s: &str) -> Result<Vec<Check>, String> {
        let mut out = Vec::new();
        for part in s.split([',', '\n', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
            let c = Check::parse(part).ok_or_else(|| part.to_owned())?;
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out.sort();
        Ok(out)
    }

    pub fn join(checks: &[Check]) -> String {
        checks.iter().map(|c| c.code()).collect::<Vec<_>>().join(",")
    }
}

/// Severities, as the notices use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Info, Severity::Low, Severity::Medium, Severity::High, Severity::Critical]
            .into_iter()
            .find(|v| v.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check: Check,
    /// What exactly, stable between checks (`down`, `hidden_link:casino.example`, `file:/.git/HEAD`).
    pub subject: String,
    /// The kind of finding, a message key (`finding.<code>` in the catalog).
    pub code: String,
    pub severity: Severity,
    /// One line in Chinese, for the command line and notice texts.
    pub summary: String,
    pub evidence: serde_json::Value,
}

impl Finding {
    pub fn new(
        check: Check,
        subject: impl Into<String>,
        code: &str,
        severity: Severity,
        summary: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            subject: subject.into(),
            code: code.to_owned(),
            severity,
            summary: summary.into(),
            evidence: serde_json::Value::Null,
        }
    }

    pub fn with(mut self, evidence: serde_json::Value) -> Finding {
        self.evidence = evidence;
        self
    }

    /// Serious findings open a notice (tampering, hidden links or spam,
    /// an exposed repository or secrets file, an expired certificate).
    pub fn opens_notice(&self) -> bool {
        match self.check {
            Check::Tamper | Check::HiddenLinks => self.severity >= Severity::High,
            Check::Exposure => self.severity >= Severity::Critical,
            Check::Certificate => self.code == "cert_expired",
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_lists_parse_and_join() {
        assert_eq!(Check::parse_list("tamper, availability,tamper").unwrap(), [Check::Availability, Check::Tamper]);
        assert_eq!(Check::parse_list("tamper,ping"), Err("ping".into()));
        assert_eq!(Check::join(&Check::ALL), "availability,tamper,hidden_links,certificate,headers,icp,exposure");
        assert_eq!(Check::parse_list(&Check::join(&Check::ALL)).unwrap().len(), 7);
        assert!(Severity::Critical > Severity::High && Severity::parse("low") == Some(Severity::Low));
    }

    #[test]
    fn which_findings_open_notices() {
        let f = |c, code, s| Finding::new(c, "x", code, s, "");
        assert!(f(Check::Tamper, "tampered", Severity::Critical).opens_notice());
        assert!(f(Check::HiddenLinks, "hidden_link", Severity::High).opens_notice());
        assert!(!f(Check::HiddenLinks, "new_link_domain", Severity::Low).opens_notice());
        assert!(f(Check::Exposure, "exposed_file", Severity::Critical).opens_notice());
        assert!(!f(Check::Exposure, "server_banner", Severity::Low).opens_notice());
        assert!(f(Check::Certificate, "cert_expired", Severity::Critical).opens_notice());
        assert!(!f(Check::Certificate, "cert_expiring", Severity::Critical).opens_notice());
        assert!(!f(Check::Headers, "missing_header", Severity::Medium).opens_notice());
    }
}
