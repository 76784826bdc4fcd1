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

/// A finding as the findings memo sees it: check, subject, code, severity,
/// and whether it asks for a notice.
pub type FoundKey<'a> = (Check, &'a str, FindingCode, FindingSeverity, bool);

/// What a check found, digested per check, for the findings memo. A monitor
/// stores a key (`check:digest`, space-separated) whose every entry says what
/// it has open for that check, exactly: recording a check whose every
/// digest is in the stored key changes none of its findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDigests {
    /// The checks that ran: after a record, what they found is exactly what is open.
    exact: std::collections::BTreeMap<Check, String>,
    /// Checks that did not run but found something (a banner seen in every
    /// response, the exposure probe's check): a record opens what is new, resolves nothing.
    partial: std::collections::BTreeMap<Check, String>,
}

impl FoundDigests {
    /// `None` when a finding asks for a notice (one is sought at every check until it opens).
    pub fn of<'a>(checks_run: &[Check], found: impl IntoIterator<Item = FoundKey<'a>>) -> Option<FoundDigests> {
        use sha2::{Digest, Sha256};
        let mut found: Vec<FoundKey<'a>> = found.into_iter().collect();
        if found.iter().any(|f| f.4) {
            return None;
        }
        found.sort_unstable_by(|a, b| (a.0, a.1, a.2.as_str(), a.3).cmp(&(b.0, b.1, b.2.as_str(), b.3)));
        let digest = |c: Check| {
            let mut h = Sha256::new();
            let mut field = |bytes: &[u8]| {
                h.update((bytes.len() as u64).to_le_bytes());
                h.update(bytes);
            };
            field(b"wangan findings memo 1");
            for (_, subject, code, severity, _) in found.iter().filter(|f| f.0 == c) {
                field(subject.as_bytes());
                field(code.as_str().as_bytes());
                field(severity.as_str().as_bytes());
            }
            hex::encode(&h.finalize()[..16])
        };
        let exact = checks_run.iter().map(|c| (*c, digest(*c))).collect();
        let partial = found.iter().map(|f| f.0).filter(|c| !checks_run.contains(c)).map(|c| (c, digest(c))).collect();
        Some(FoundDigests { exact, partial })
    }

    /// Whether a monitor whose stored key is `stored` has open exactly what
    /// these checks found, for each of them: recording them changes nothing.
    pub fn kept_by(&self, stored: &str) -> bool {
        let has = |c: &Check, d: &String| stored_entries(stored).any(|(sc, sd)| sc == c.as_str() && sd == d);
        self.exact.iter().chain(&self.partial).all(|(c, d)| has(c, d))
    }

    /// The key to store after recording these checks on a monitor whose key
    /// was `stored`: the checks that ran, and what `stored` said of the others
    /// where the record did not touch them.
    pub fn stored_after(&self, stored: Option<&str>) -> String {
        let mut entries: Vec<(String, String)> =
            self.exact.iter().map(|(c, d)| (c.as_str().to_owned(), d.clone())).collect();
        for (c, d) in stored_entries(stored.unwrap_or_default()) {
            let ran = self.exact.keys().any(|e| e.as_str() == c);
            let touched = self.partial.iter().any(|(p, pd)| p.as_str() == c && pd != d);
            if !ran && !touched {
                entries.push((c.to_owned(), d.to_owned()));
            }
        }
        entries.sort();
        entries.iter().map(|(c, d)| format!("{c}:{d}")).collect::<Vec<_>>().join(" ")
    }
}

fn stored_entries(stored: &str) -> impl Iterator<Item = (&str, &str)> {
    stored.split(' ').filter_map(|e| e.split_once(':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_findings_memo_keeps_what_each_check_found() {
        use FindingCode as C;
        use FindingSeverity as S;
        let (h, e, a) = (Check::Headers, Check::Exposure, Check::Availability);
        let x = (h, "x-frame-options", C::MissingHeader, S::Low, false);
        let y = (e, "server", C::ServerBanner, S::Info, false);
        let of = |checks: &[Check], found: &[FoundKey<'static>]| FoundDigests::of(checks, found.iter().copied());
        let all = of(&[a, h, e], &[x, y]).unwrap();
        assert_eq!(Some(all.clone()), of(&[e, a, h], &[y, x]), "order does not matter");
        let stored = all.stored_after(None);
        assert_eq!(stored.split(' ').count(), 3, "one entry a check: {stored}");
        assert!(all.kept_by(&stored));
        // Fewer checks that found the same: kept (a banner seen outside its check too).
        assert!(of(&[a, h], &[x]).unwrap().kept_by(&stored));
        assert!(of(&[a, h], &[x, y]).unwrap().kept_by(&stored));
        // What a check that ran no longer finds, or finds otherwise: not kept.
        assert!(!of(&[a, h], &[]).unwrap().kept_by(&stored), "a finding gone");
        let graver = (h, "x-frame-options", C::MissingHeader, S::Medium, false);
        assert!(!of(&[a, h], &[graver]).unwrap().kept_by(&stored), "severity");
        let other = (h, "x-frame-optionsX", C::MissingHeader, S::Low, false);
        assert!(!of(&[a, h], &[other]).unwrap().kept_by(&stored), "subject");
        let more = (h, "content-security-policy", C::MissingHeader, S::Low, false);
        assert!(!of(&[a, h], &[x, more]).unwrap().kept_by(&stored), "a finding more");
        let banner = (e, "server2", C::ServerBanner, S::Info, false);
        assert!(!of(&[a, h], &[x, banner]).unwrap().kept_by(&stored), "another banner");
        // A check that did not run then: what is open for it is unknown.
        let fewer = of(&[a, h], &[x]).unwrap().stored_after(None);
        assert!(!all.kept_by(&fewer));
        assert!(!of(&[a, h], &[x, y]).unwrap().kept_by(&fewer));
        // Fields are delimited: moving bytes between subject and code changes the digest.
        assert_ne!(
            of(&[h], &[(h, "ab", C::MissingHeader, S::Low, false)]),
            of(&[h], &[(h, "a", C::MissingHeader, S::Low, false)])
        );
        // After a record: the checks that ran as found, the others as stored unless touched.
        let after = of(&[a, h], &[]).unwrap().stored_after(Some(&stored));
        assert!(!of(&[a, h], &[x]).unwrap().kept_by(&after), "headers now found nothing");
        assert!(of(&[a, h], &[]).unwrap().kept_by(&after));
        assert!(of(&[a, h, e], &[y]).unwrap().kept_by(&after), "exposure's entry was kept");
        let touched = of(&[a, h], &[x, banner]).unwrap().stored_after(Some(&stored));
        assert!(!touched.contains("exposure:"), "a new banner opened: exposure's entry is no longer exact: {touched}");
        assert!(!of(&[a, h, e], &[x, y]).unwrap().kept_by(&touched));
        // Nothing ran, nothing found: nothing to record.
        assert!(of(&[], &[]).unwrap().kept_by(&stored));
        assert!(of(&[], &[]).unwrap().kept_by(""));
        let notice = (a, "down", C::Unreachable, S::High, true);
        assert_eq!(of(&[a], &[notice]), None, "a notice sought: never kept");
    }

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
