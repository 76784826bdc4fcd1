//! One URL type for the sites the platform registers and watches: a system's
//! addresses, a monitor's target, a robot's webhook. A newtype over
//! `url::Url`, so every place parses, lowercases and finds the host alike.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteUrl(url::Url);

/// Why text is not a site's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlProblem {
    Required,
    Invalid,
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlProblem::Required => "no address",
            UrlProblem::Invalid => "not an http(s) address with a host",
        })
    }
}

impl SiteUrl {
    /// Longer addresses are refused (a page's own links are not this long).
    pub const MAX_LEN: usize = 2000;

    /// A site's address as written: `http` or `https`, with a host, no spaces.
    pub fn parse(raw: &str) -> Result<SiteUrl, UrlProblem> {
        let t = raw.trim();
        if t.is_empty() {
            return Err(UrlProblem::Required);
        }
        if t.len() > Self::MAX_LEN || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(UrlProblem::Invalid);
        }
        // `http:///x` would otherwise read as the host `x`.
        let (scheme, rest) = t.split_once("://").ok_or(UrlProblem::Invalid)?;
        if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() {
            return Err(UrlProblem::Invalid);
        }
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(UrlProblem::Invalid);
        }
        let url = url::Url::parse(t).map_err(|_| UrlProblem::Invalid)?;
        match url.host() {
            Some(url::Host::Domain(d)) if is_domain(d) => Ok(SiteUrl(url)),
            // `http://1.2.3/` is read as 1.2.0.3 by the WHATWG rules: only a dotted quad as written.
            Some(url::Host::Ipv4(ip)) if raw_host(rest) == ip.to_string() => Ok(SiteUrl(url)),
            Some(url::Host::Ipv6(_)) => Ok(SiteUrl(url)),
            _ => Err(UrlProblem::Invalid),
        }
    }

    /// The address as compared with others: scheme and host lowercase, the
    /// default port dropped, no fragment, no trailing slash on a path (the
    /// root keeps its `/`). `HTTPS://Www.Univ.Example:443/news/#top` and
    /// `https://www.univ.example/news` are the same site page.
    pub fn key(&self) -> String {
        let mut u = self.0.clone();
        u.set_fragment(None);
        let path = u.path().to_owned();
        if path.len() > 1 && path.ends_with('/') {
            u.set_path(path.trim_end_matches('/'));
        }
        u.to_string()
    }

    /// The address as it is kept: what `parse` read, without a fragment.
    pub fn normalized(&self) -> String {
        let mut u = self.0.clone();
        u.set_fragment(None);
        u.to_string()
    }

    /// An address as a person types it into a monitor: the scheme may be
    /// left out (`http` then), credentials are refused, the fragment dropped.
    pub fn parse_typed(raw: &str) -> Result<SiteUrl, UrlProblem> {
        let t = raw.trim();
        let with_scheme = if t.is_empty() || t.contains("://") { t.to_owned() } else { format!("http://{t}") };
        let mut u = SiteUrl::parse(&with_scheme)?;
        if u.has_credentials() {
            return Err(UrlProblem::Invalid);
        }
        u.0.set_fragment(None);
        Ok(u)
    }

    /// The host, lowercase (an IPv6 address in brackets).
    pub fn host(&self) -> String {
        self.0.host_str().unwrap_or_default().to_ascii_lowercase()
    }

    pub fn has_credentials(&self) -> bool {
        !self.0.username().is_empty() || self.0.password().is_some()
    }

    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn into_url(self) -> url::Url {
        self.0
    }
}

/// The host as written after `scheme://`: without user, port, path.
fn raw_host(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

/// A host name of the internet (or an intranet): dot-separated labels of
/// letters, digits and hyphens (IDN already in punycode), none empty, none
/// starting or ending with a hyphen, at most 253 characters; not all digits
/// at the end (that would be a mistyped address).
fn is_domain(d: &str) -> bool {
    let d = d.strip_suffix('.').unwrap_or(d);
    !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        && !d.rsplit('.').next().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
}

impl fmt::Display for SiteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl serde::Serialize for SiteUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(s: &str) -> Option<String> {
        SiteUrl::parse(s).ok().map(|u| u.host())
    }

    #[test]
    fn hosts_of_addresses() {
        assert_eq!(host("https://www.cs.university.example/news?id=1").as_deref(), Some("www.cs.university.example"));
        assert_eq!(host("http://LIB.University.Example:8080/").as_deref(), Some("lib.university.example"));
        assert_eq!(host("http://user@host.example/").as_deref(), Some("host.example"));
        assert_eq!(host("http://[2001:db8::1]:80/").as_deref(), Some("[2001:db8::1]"));
        assert_eq!(host("HTTPS://WWW.Univ.Example/"), Some("www.univ.example".into()));
        for bad in ["ftp://x.example", "https://", "https://bad host/", "http:///path", "www.univ.example", ""] {
            assert_eq!(host(bad), None, "{bad}");
        }
        assert_eq!(SiteUrl::parse(""), Err(UrlProblem::Required));
        // What a security review stored as addresses.
        for bad in
            ["http://../../../../etc/passwd", "http://a\u{0}b/", "http://-x.example/", "http://a..b/", "http://1.2.3/"]
        {
            assert_eq!(host(bad), None, "{bad}");
        }
        assert_eq!(SiteUrl::parse_typed("../../../../etc/passwd"), Err(UrlProblem::Invalid));
        assert_eq!(SiteUrl::parse_typed("a\u{0}b"), Err(UrlProblem::Invalid));
        assert_eq!(host("http://intranet/").as_deref(), Some("intranet"), "a one-label intranet name");
        assert_eq!(host("https://网安.example/").as_deref(), Some("xn--49sp64f.example"));
        assert_eq!(SiteUrl::parse(&format!("https://a.example/{}", "x".repeat(2000))), Err(UrlProblem::Invalid));
    }

    #[test]
    fn addresses_compare_normalised() {
        let k = |s: &str| SiteUrl::parse(s).map(|u| u.key());
        assert_eq!(k("HTTPS://Www.Univ.Example:443/news/#top"), k("https://www.univ.example/news"));
        assert_eq!(k("http://www.univ.example:80"), k("http://WWW.univ.example/"));
        assert_ne!(k("http://www.univ.example:8080/"), k("http://www.univ.example/"));
        assert_ne!(k("https://www.univ.example/"), k("http://www.univ.example/"));
        assert_eq!(SiteUrl::parse("HTTP://A.Example").map(|u| u.normalized()).as_deref(), Ok("http://a.example/"));
    }

    #[test]
    fn typed_addresses_get_a_scheme_and_lose_the_fragment() {
        let t = |s: &str| SiteUrl::parse_typed(s).map(|u| u.to_string());
        assert_eq!(t("www.univ.example").as_deref(), Ok("http://www.univ.example/"));
        assert_eq!(t("HTTPS://www.univ.example/a?b=1#frag").as_deref(), Ok("https://www.univ.example/a?b=1"));
        assert_eq!(t(""), Err(UrlProblem::Required));
        assert_eq!(t("ftp://x.example/"), Err(UrlProblem::Invalid));
        assert_eq!(t("http://user:pw@x.example/"), Err(UrlProblem::Invalid));
        assert_eq!(t("http:///path"), Err(UrlProblem::Invalid));
        assert_eq!(t("http://a b.example/"), Err(UrlProblem::Invalid));
        assert!(SiteUrl::parse_typed("https://x.example/").unwrap().is_https());
    }
}
