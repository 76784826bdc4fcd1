//! Security headers (HSTS, CSP, X-Content-Type-Options, X-Frame-Options or
//! `frame-ancestors`, Referrer-Policy), cookie flags, and the score out of
//! 100 they add up to; version banners (`Server: Apache/2.4.29`).

use serde_json::json;

use crate::finding::{Check, Finding, FindingCode, Severity};

/// Response headers as (lower-case name, value).
pub type Headers = [(String, String)];

fn get<'a>(headers: &'a Headers, name: &str) -> impl Iterator<Item = &'a str> {
    headers.iter().filter(move |(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The headers' score (0–100) and a finding per missing protection.
pub fn check(headers: &Headers, https: bool) -> (u8, Vec<Finding>) {
    let mut score: u32 = 0;
    let mut out = Vec::new();
    let csp: Vec<&str> = get(headers, "content-security-policy").collect();
    let hsts = get(headers, "strict-transport-security").any(|v| v.to_ascii_lowercase().contains("max-age="));
    let nosniff = get(headers, "x-content-type-options").any(|v| v.trim().eq_ignore_ascii_case("nosniff"));
    let framing = get(headers, "x-frame-options").next().is_some() || csp.iter().any(|c| c.contains("frame-ancestors"));
    let referrer = get(headers, "referrer-policy").next().is_some();
    if !https {
        // A plain-HTTP site cannot earn HSTS's points, and says so.
        out.push(Finding::new(Check::Headers, "no_https", FindingCode::NoHttps, Severity::Low, "站点未使用 HTTPS"));
    }
    let table: [(&str, u32, bool, Severity, bool); 5] = [
        ("Strict-Transport-Security", 25, hsts, Severity::Low, https),
        ("Content-Security-Policy", 25, !csp.is_empty(), Severity::Info, true),
        ("X-Content-Type-Options", 15, nosniff, Severity::Info, true),
        ("X-Frame-Options", 20, framing, Severity::Low, true),
        ("Referrer-Policy", 15, referrer, Severity::Info, true),
    ];
    for (name, points, present, severity, applies) in table {
        if !applies {
            continue;
        }
        if present {
            score += points;
        } else {
            out.push(
                Finding::new(
                    Check::Headers,
                    format!("missing:{name}"),
                    FindingCode::MissingHeader,
                    severity,
                    format!("响应缺少安全头 {name}"),
                )
                .with(json!({"header": name})),
            );
        }
    }

    let mut weak: Vec<String> = Vec::new();
    for cookie in get(headers, "set-cookie") {
        let name = cookie.split('=').next().unwrap_or("").trim().to_owned();
        let attrs: Vec<String> = cookie.split(';').skip(1).map(|a| a.trim().to_ascii_lowercase()).collect();
        let secure = attrs.iter().any(|a| a == "secure");
        let http_only = attrs.iter().any(|a| a == "httponly");
        if (https && !secure) || !http_only {
            weak.push(name);
        }
    }
    if !weak.is_empty() {
        out.push(
            Finding::new(
                Check::Headers,
                "cookies",
                FindingCode::WeakCookies,
                Severity::Low,
                format!("Cookie 缺少 Secure/HttpOnly：{}", weak.join("、")),
            )
            .with(json!({"cookies": weak})),
        );
        score = score.saturating_sub(10);
    }
    (score.min(100) as u8, out)
}

/// A header that names software and its version (`Apache/2.4.29`, `PHP/5.6.40`).
pub fn banners(headers: &Headers) -> Vec<Finding> {
    let mut out = Vec::new();
    for name in ["server", "x-powered-by", "x-aspnet-version"] {
        for v in get(headers, name) {
            let versioned = v.split(['/', ' ']).skip(1).any(|p| p.chars().next().is_some_and(|c| c.is_ascii_digit()))
                || name == "x-aspnet-version";
            if versioned {
                out.push(
                    Finding::new(
                        Check::Exposure,
                        format!("banner:{name}"),
                        FindingCode::ServerBanner,
                        Severity::Low,
                        format!("响应头暴露软件版本：{v}"),
                    )
                    .with(json!({"header": name, "value": v})),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_well_configured_site_scores_100() {
        let headers = h(&[
            ("strict-transport-security", "max-age=31536000"),
            ("content-security-policy", "default-src 'self'; frame-ancestors 'none'"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "same-origin"),
            ("set-cookie", "sid=1; Path=/; Secure; HttpOnly"),
        ]);
        let (score, found) = check(&headers, true);
        assert_eq!((score, found.len()), (100, 0), "{found:?}");
    }

    #[test]
    fn missing_headers_and_weak_cookies_cost_points() {
        let (score, found) = check(&h(&[("set-cookie", "JSESSIONID=x; Path=/")]), true);
        assert_eq!(score, 0);
        let subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "missing:Strict-Transport-Security",
                "missing:Content-Security-Policy",
                "missing:X-Content-Type-Options",
                "missing:X-Frame-Options",
                "missing:Referrer-Policy",
                "cookies"
            ]
        );
        let (score, found) = check(&h(&[("x-frame-options", "SAMEORIGIN")]), false);
        assert_eq!(score, 20);
        assert!(found.iter().any(|f| f.code == FindingCode::NoHttps));
    }

    #[test]
    fn version_banners_are_exposure() {
        let found = banners(&h(&[("server", "Apache/2.4.29 (Ubuntu)"), ("x-powered-by", "PHP/5.6.40")]));
        assert_eq!(found.len(), 2);
        assert!(banners(&h(&[("server", "nginx"), ("server", "cloudflare")])).is_empty());
    }
}
