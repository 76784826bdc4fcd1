//! What a check found: one finding per (check, subject), with a severity,
//! a short Chinese summary (for the command line and notices; pages render
//! `code` through the catalog) and evidence.

use serde::{Deserialize, Serialize};

pub use wangan_core::monitoring::{Check, FindingCode, FindingSeverity as Severity};

/// The subject of the availability finding raised while a site does not answer.
pub const SUBJECT_DOWN: &str = "down";

/// The subject of the finding raised while a system under a shutdown order still serves pages.
pub const SUBJECT_STILL_ONLINE: &str = "still_online";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check: Check,
    /// What exactly, stable between checks (`down`, `hidden_link:casino.example`, `file:/.git/HEAD`).
    pub subject: String,
    /// What the finding is, within its check (`finding.code.<word>` in the catalog).
    pub code: FindingCode,
    pub severity: Severity,
    /// One line in Chinese, for the command line and notice texts.
    pub summary: String,
    pub evidence: serde_json::Value,
}

impl Finding {
    pub fn new(
        check: Check,
        subject: impl Into<String>,
        code: FindingCode,
        severity: Severity,
        summary: impl Into<String>,
    ) -> Finding {
        Finding {
            check,
            subject: subject.into(),
            code,
            severity,
            summary: summary.into(),
            evidence: serde_json::Value::Null,
        }
    }

    pub fn with(mut self, evidence: serde_json::Value) -> Finding {
        self.evidence = evidence;
        self
    }

    /// As the store records it; `open_notice` when it opens one (see `opens_notice`).
    pub fn input(&self, open_notice: bool) -> wangan_core::monitoring::service::FindingInput {
        wangan_core::monitoring::service::FindingInput {
            check: self.check,
            subject: self.subject.clone(),
            code: self.code,
            severity: self.severity,
            summary: self.summary.clone(),
            evidence: self.evidence.clone(),
            open_notice,
        }
    }

    /// Serious findings open a notice (tampering, hidden links or spam, cloaking for spiders,
    /// an exposed repository or secrets file, an expired certificate).
    pub fn opens_notice(&self) -> bool {
        match self.check {
            Check::Tamper | Check::HiddenLinks | Check::Views => self.severity >= Severity::High,
            // A deep page's spam or hidden links; a new outbound domain is for review, not a notice.
            Check::Crawl => self.severity >= Severity::High && self.code != FindingCode::ExternalLink,
            Check::Exposure => self.severity >= Severity::Critical,
            Check::Certificate => self.code == FindingCode::CertExpired,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_findings_open_notices() {
        use FindingCode as C;
        let f = |c, code, s| Finding::new(c, "x", code, s, "");
        assert!(f(Check::Tamper, C::Tampered, Severity::Critical).opens_notice());
        assert!(f(Check::HiddenLinks, C::HiddenLink, Severity::High).opens_notice());
        assert!(!f(Check::HiddenLinks, C::NewLinkDomains, Severity::Low).opens_notice());
        assert!(f(Check::Exposure, C::ExposedFile, Severity::Critical).opens_notice());
        assert!(!f(Check::Exposure, C::ServerBanner, Severity::Low).opens_notice());
        assert!(f(Check::Certificate, C::CertExpired, Severity::Critical).opens_notice());
        assert!(!f(Check::Certificate, C::CertExpiring, Severity::Critical).opens_notice());
        assert!(!f(Check::Headers, C::MissingHeader, Severity::Medium).opens_notice());
    }
}
