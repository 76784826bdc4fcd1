//! The words of site monitoring, shared by the monitor (which checks),
//! the store (which keeps monitors and findings) and the pages.

crate::closed_set! {
    /// A check a monitor runs, by its stored name.
    #[derive(PartialOrd, Ord)]
    pub enum Check {
        Availability = "availability",
        Tamper = "tamper",
        HiddenLinks = "hidden_links",
        Certificate = "certificate",
        Headers = "headers",
        Icp = "icp",
        Exposure = "exposure",
        /// The page as search spiders, search visitors and phones see it.
        Views = "views",
        /// The whole site: its deep pages' content and its outbound links (a daily crawl).
        Crawl = "crawl",
    }
}

crate::closed_set! {
    /// What a finding is, within its check (`finding.code.<word>` in the
    /// catalog; stored as the word).
    pub enum FindingCode {
        // Availability
        Unreachable = "unreachable",
        HttpError = "http_error",
        HttpStatus = "http_status",
        Slow = "slow",
        // Tamper
        Tampered = "tampered",
        NewExternalScript = "new_external_script",
        NewIframe = "new_iframe",
        // Hidden links and spam
        SpamKeywords = "spam_keywords",
        HiddenSpam = "hidden_spam",
        HiddenLink = "hidden_link",
        HiddenIframe = "hidden_iframe",
        ScriptLinks = "script_links",
        ObfuscatedScript = "obfuscated_script",
        /// A script that tests the visitor for search spiders or search engines, then writes or navigates.
        CloakingScript = "cloaking_script",
        /// Spam or hidden links that only search spiders (or search visitors, or phones) are shown.
        Cloaking = "cloaking",
        /// A redirect off the site that only search visitors (or spiders, or phones) get.
        SearchHijack = "search_hijack",
        NewLinkDomains = "new_link_domains",
        /// An external domain the site links to that is on no allow-list and not yet reviewed.
        ExternalLink = "external_link",
        // Certificate and TLS
        CertExpired = "cert_expired",
        CertExpiring = "cert_expiring",
        CertNotYetValid = "cert_not_yet_valid",
        CertNameMismatch = "cert_name_mismatch",
        CertSelfSigned = "cert_self_signed",
        CertUntrusted = "cert_untrusted",
        TlsOld = "tls_old",
        TlsFailed = "tls_failed",
        // Headers
        MissingHeader = "missing_header",
        NoHttps = "no_https",
        WeakCookies = "weak_cookies",
        ServerBanner = "server_banner",
        /// A system under a shutdown order, or closed, still serves its pages.
        StillOnline = "still_online",
        // Filing number on the page
        IcpMissing = "icp_missing",
        IcpMismatch = "icp_mismatch",
        PublicSecurityMissing = "public_security_missing",
        PublicSecurityMismatch = "public_security_mismatch",
        // Exposure
        ExposedFile = "exposed_file",
        DirectoryListing = "directory_listing",
    }
}

crate::closed_set! {
    /// How serious a finding is, lowest first (so `>=` compares).
    #[derive(PartialOrd, Ord)]
    pub enum FindingSeverity {
        Info = "info",
        Low = "low",
        Medium = "medium",
        High = "high",
        Critical = "critical",
    }
}

crate::closed_set! {
    /// How a site answered its last check (`pending` before the first).
    pub enum Health {
        Pending = "pending",
        Up = "up",
        Degraded = "degraded",
        Down = "down",
        /// Not checked: the address is outside `[network]`.
        Denied = "denied",
    }
}

crate::closed_set! {
    /// How the wall counts and filters a monitor: paused, or by its health
    /// (worst first, the order of the wall's tiles).
    #[derive(PartialOrd, Ord)]
    pub enum WallState {
        Down = "down",
        Degraded = "degraded",
        Up = "up",
        Pending = "pending",
        Denied = "denied",
        Paused = "paused",
    }
}

impl WallState {
    pub fn of(health: Health, paused: bool) -> WallState {
        match (paused, health) {
            (true, _) => WallState::Paused,
            (false, Health::Down) => WallState::Down,
            (false, Health::Degraded) => WallState::Degraded,
            (false, Health::Up) => WallState::Up,
            (false, Health::Pending) => WallState::Pending,
            (false, Health::Denied) => WallState::Denied,
        }
    }

    /// The health this state filters on (`None`: paused monitors, whatever their health).
    pub fn health(self) -> Option<Health> {
        match self {
            WallState::Down => Some(Health::Down),
            WallState::Degraded => Some(Health::Degraded),
            WallState::Up => Some(Health::Up),
            WallState::Pending => Some(Health::Pending),
            WallState::Denied => Some(Health::Denied),
            WallState::Paused => None,
        }
    }

    /// A tile that must catch the eye when it counts any monitor.
    pub fn is_alarm(self) -> bool {
        self == WallState::Down
    }

    pub fn is_warning(self) -> bool {
        self == WallState::Degraded
    }
}

impl Check {
    /// A list of checks as a monitor stores it (comma-separated, in the
    /// declared order, each once); `Err` names the first unknown word.
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
        checks.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",")
    }
}

/// The content memo's key of an analysed page: the page's own key (the
/// monitor's hash of the page and of everything its analysis depends on)
/// and the accepted baseline it was compared with. A baseline is never
/// changed, only replaced by a new one, so its id names its content.
pub fn content_key(page_key: &str, baseline_id: Option<i64>) -> String {
    match baseline_id {
        Some(id) => format!("{page_key}/{id}"),
        None => format!("{page_key}/-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_content_key_names_the_page_and_its_baseline() {
        assert_eq!(content_key("ab", Some(7)), "ab/7");
        assert_eq!(content_key("ab", None), "ab/-");
        assert_ne!(content_key("ab", Some(7)), content_key("ab", Some(8)));
        assert_ne!(content_key("ab", None), content_key("ab", Some(7)));
    }

    #[test]
    fn check_lists_parse_and_join() {
        assert_eq!(Check::parse_list("tamper, availability,tamper").unwrap(), [Check::Availability, Check::Tamper]);
        assert_eq!(Check::parse_list("tamper,ping"), Err("ping".into()));
        assert_eq!(
            Check::join(Check::ALL),
            "availability,tamper,hidden_links,certificate,headers,icp,exposure,views,crawl"
        );
        assert_eq!(Check::parse_list(&Check::join(Check::ALL)).unwrap().len(), 9);
        assert!(FindingSeverity::Critical > FindingSeverity::High);
        assert!(FindingSeverity::Info < FindingSeverity::Low);
        assert_eq!(FindingSeverity::parse("low"), Some(FindingSeverity::Low));
    }

    #[test]
    fn the_wall_state_is_paused_or_the_health() {
        for h in Health::ALL {
            assert_eq!(WallState::of(*h, true), WallState::Paused);
            let s = WallState::of(*h, false);
            assert_eq!(s.health(), Some(*h));
            assert_eq!(s.as_str(), h.as_str(), "the wall filters by the same words");
        }
        assert_eq!(WallState::Paused.health(), None);
    }
}
