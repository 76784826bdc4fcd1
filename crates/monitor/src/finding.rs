//! What a check found: one finding per (check, subject), with a severity,
//! a short Chinese summary (for the command line and notices; pages render
//! `code` through the catalog) and evidence.

use serde::{Deserialize, Serialize};

pub use wangan_core::monitoring::{Check, FindingSeverity as Severity};

/// The subject of the availability finding raised while a site does not answer.
pub const SUBJECT_DOWN: &str = "down";

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
