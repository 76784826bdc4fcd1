//! Hidden links and spam (暗链): what the page hides, what its scripts
//! write, which spam words it carries, and which external link domains
//! are new since the baseline.

use std::collections::BTreeSet;

use serde_json::json;
use url::Url;

use super::html::Page;
use super::keywords::{Dictionary, Hit};
use crate::finding::{Check, Finding, FindingCode, Severity};

/// A site URL as an officer types it: `www.univ.example` means `http://www.univ.example/`.
pub fn parse_site_url(input: &str) -> Result<Url, String> {
    let input = input.trim();
    if input.is_empty() {
        return Err("empty URL".into());
    }
    let with_scheme = if input.contains("://") { input.to_owned() } else { format!("http://{input}") };
    let url = Url::parse(&with_scheme).map_err(|e| e.to_string())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("scheme {} is not http or https", url.scheme()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no host".into());
    }
    Ok(url)
}

/// The part of a host name that names the site's owner: the last two
/// labels, or three under `edu.cn`-style second-level domains.
pub fn site_of(host: &str) -> String {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<std::net::IpAddr>().is_ok() {
        return host;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let n = labels.len();
    let keep = if n >= 3
        && matches!(labels[n - 2], "edu" | "com" | "gov" | "org" | "net" | "ac")
        && labels[n - 1].len() == 2
    {
        3
    } else {
        2
    };
    labels[n.saturating_sub(keep)..].join(".")
}

/// The host of `href` when it leads off the page's site; `None` for
/// relative links, same-site links, `javascript:`, `mailto:` and the like.
pub fn external_host(base: &Url, href: &str) -> Option<String> {
    let href = href.trim();
    // Relative links stay on the site: no URL to parse.
    if !(href.starts_with("//") || href.get(..8).is_some_and(|p| p.contains("://"))) {
        return None;
    }
    let url = base.join(href).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let own = base.host_str().map(site_of).unwrap_or_default();
    (site_of(&host) != own).then_some(host)
}

/// Every external link domain of the page (visible or not), sorted.
pub fn link_domains(page: &Page, base: &Url) -> BTreeSet<String> {
    page.links.iter().filter_map(|l| external_host(base, &l.href)).map(|h| site_of(&h)).collect()
}

fn words(hits: &[Hit]) -> serde_json::Value {
    json!(
        hits.iter()
            .map(|h| json!({"word": h.word, "category": h.category.code(), "count": h.count}))
            .collect::<Vec<_>>()
    )
}

fn snippet(text: &str) -> String {
    text.chars().take(200).collect()
}

/// The hidden-link and spam findings of a page. `known_domains` are the
/// external link domains of the baseline (`None`: no baseline yet).
pub fn check(page: &Page, base: &Url, dict: &Dictionary, known_domains: Option<&BTreeSet<String>>) -> Vec<Finding> {
    let mut out = Vec::new();

    // Spam words in what visitors see (title, text, meta tags).
    let mut seen = String::with_capacity(page.title.len() + 64);
    seen.push_str(&page.title);
    for m in &page.meta {
        seen.push('\n');
        seen.push_str(m);
    }
    seen.push('\n');
    seen.push_str(&page.visible_text());
    let mut hits = dict.find(&seen);
    for h in dict.find(&page.excluded_text) {
        if !hits.iter().any(|x| x.word == h.word) {
            hits.push(h);
        }
    }
    if !hits.is_empty() {
        let list: Vec<&str> = hits.iter().map(|h| h.word.as_str()).collect();
        out.push(
            Finding::new(
                Check::HiddenLinks,
                "keywords",
                FindingCode::SpamKeywords,
                Severity::Critical,
                format!("页面含违规关键词：{}", list.join("、")),
            )
            .with(json!({"words": words(&hits)})),
        );
    }

    // Hidden elements: external links in them, spam words in them.
    let mut hidden_hits: Vec<Hit> = Vec::new();
    let mut by_domain: std::collections::BTreeMap<String, (Vec<String>, &'static str, String)> = Default::default();
    for h in &page.hidden {
        let found = dict.find(&h.text);
        for f in &found {
            if !hidden_hits.iter().any(|x| x.word == f.word) {
                hidden_hits.push(f.clone());
            }
        }
        for link in &h.links {
            if let Some(host) = external_host(base, link) {
                let e =
                    by_domain.entry(site_of(&host)).or_insert_with(|| (Vec::new(), h.reason.code(), snippet(&h.text)));
                if e.0.len() < 10 && !e.0.contains(link) {
                    e.0.push(link.clone());
                }
            }
        }
    }
    let spam_hidden = !hidden_hits.is_empty();
    if spam_hidden {
        let list: Vec<&str> = hidden_hits.iter().map(|h| h.word.as_str()).collect();
        out.push(
            Finding::new(
                Check::HiddenLinks,
                "hidden_keywords",
                FindingCode::HiddenSpam,
                Severity::Critical,
                format!("页面隐藏内容含违规关键词：{}", list.join("、")),
            )
            .with(json!({"words": words(&hidden_hits)})),
        );
    }
    for (domain, (links, reason, text)) in by_domain {
        out.push(
            Finding::new(
                Check::HiddenLinks,
                format!("hidden_link:{domain}"),
                FindingCode::HiddenLink,
                if spam_hidden { Severity::Critical } else { Severity::High },
                format!("页面隐藏了指向 {domain} 的外部链接（{reason}）"),
            )
            .with(json!({"domain": domain, "links": links, "hidden_by": reason, "text": text})),
        );
    }

    // Hidden iframes to other sites.
    for f in &page.iframes {
        if let (Some(reason), Some(host)) = (f.hidden, external_host(base, &f.href)) {
            let domain = site_of(&host);
            out.push(
                Finding::new(
                    Check::HiddenLinks,
                    format!("hidden_iframe:{domain}"),
                    FindingCode::HiddenIframe,
                    Severity::High,
                    format!("页面含隐藏的外部框架 {domain}"),
                )
                .with(json!({"src": f.href, "hidden_by": reason.code()})),
            );
        }
    }

    // Scripts that write links or hide what they do.
    for s in page.scripts.iter().filter(|s| s.src.is_none()) {
        let external: Vec<String> =
            s.written_links.iter().filter(|l| external_host(base, l).is_some()).cloned().collect();
        if !external.is_empty() {
            out.push(
                Finding::new(
                    Check::HiddenLinks,
                    format!("script_links:{:016x}", s.hash),
                    FindingCode::ScriptLinks,
                    if s.signs.is_empty() { Severity::High } else { Severity::Critical },
                    format!("脚本向页面写入外部链接：{}", external.join(" ")),
                )
                .with(json!({"links": external, "signs": s.signs, "length": s.len})),
            );
        } else if !s.signs.is_empty() {
            out.push(
                Finding::new(
                    Check::HiddenLinks,
                    format!("obfuscated_script:{:016x}", s.hash),
                    FindingCode::ObfuscatedScript,
                    Severity::Medium,
                    format!("页面含混淆脚本（{}）", s.signs.join("、")),
                )
                .with(json!({"signs": s.signs, "length": s.len})),
            );
        }
    }

    // External link domains not in the baseline.
    if let Some(known) = known_domains {
        let new: Vec<String> = link_domains(page, base).into_iter().filter(|d| !known.contains(d)).collect();
        if !new.is_empty() {
            out.push(
                Finding::new(
                    Check::HiddenLinks,
                    "new_link_domains",
                    FindingCode::NewLinkDomains,
                    Severity::Low,
                    format!("页面出现基线中没有的外部链接域名：{}", new.join("、")),
                )
                .with(json!({"domains": new})),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::html::parse;
    use crate::farm::{Plant, page};

    fn base() -> Url {
        Url::parse("https://www.chem.univ.edu.cn/index.html").unwrap()
    }

    #[test]
    fn sites_and_external_hosts() {
        assert_eq!(site_of("www.chem.univ.edu.cn"), "univ.edu.cn");
        assert_eq!(site_of("news.example.com"), "example.com");
        assert_eq!(site_of("casino.example"), "casino.example");
        assert_eq!(site_of("127.0.0.1"), "127.0.0.1");
        let b = base();
        assert_eq!(external_host(&b, "/news/1.htm"), None);
        assert_eq!(external_host(&b, "https://lib.univ.edu.cn/"), None, "same university");
        assert_eq!(external_host(&b, "//bet.example/x").as_deref(), Some("bet.example"));
        assert_eq!(external_host(&b, "javascript:void(0)"), None);
        assert_eq!(external_host(&b, "mailto:a@b.example"), None);
    }

    #[test]
    fn a_clean_university_page_has_no_finding() {
        let dict = Dictionary::new(&[]).unwrap();
        for n in 0..30 {
            let html = page(n, Plant::Clean, n);
            let p = parse(&html, &[]);
            let found = check(&p, &base(), &dict, Some(&link_domains(&p, &base())));
            assert!(found.is_empty(), "site {n}: {found:?}");
        }
    }

    #[test]
    fn planted_hidden_links_are_found() {
        let dict = Dictionary::new(&[]).unwrap();
        let p = parse(&page(3, Plant::HiddenLinks, 0), &[]);
        let known = link_domains(&parse(&page(3, Plant::Clean, 0), &[]), &base());
        let found = check(&p, &base(), &dict, Some(&known));
        let subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(
            subjects,
            [
                "hidden_keywords",
                "hidden_link:bet.example",
                "hidden_link:casino.example",
                "hidden_link:slots.example",
                "new_link_domains"
            ]
        );
        assert!(found[..4].iter().all(|f| f.severity == Severity::Critical && f.opens_notice()));
        assert_eq!(found[1].evidence["hidden_by"], "offscreen");
    }

    #[test]
    fn a_gbk_page_declared_in_meta_is_read_before_it_is_judged() {
        let dict = Dictionary::new(&[]).unwrap();
        let html = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"><title>图书馆</title></head>\
                    <body><p>馆藏检索</p><div style=\"display:none\"><a href=\"http://bet.example/\">百家乐</a></div></body></html>";
        let (bytes, _, _) = encoding_rs::GBK.encode(html);
        let (text, enc) = crate::analyze::charset::decode(&bytes, Some("text/html"));
        assert_eq!(enc.name(), "GBK");
        let p = parse(&text, &[]);
        assert_eq!(p.title, "图书馆");
        let found = check(&p, &base(), &dict, None);
        let subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(subjects, ["hidden_keywords", "hidden_link:bet.example"]);
    }

    #[test]
    fn hidden_internal_menus_are_not_spam() {
        let dict = Dictionary::new(&[]).unwrap();
        let p = parse(r#"<ul><li>学院<ul style="display:none"><li><a href="/a">概况</a></ul></ul>"#, &[]);
        assert!(check(&p, &base(), &dict, None).is_empty());
    }

    #[test]
    fn visible_spam_scripts_and_iframes() {
        let dict = Dictionary::new(&[]).unwrap();
        let p = parse(
            r#"<title>欢迎</title><p>线上赌场 首存送</p>
            <iframe src="http://ads.example/x" style="display:none"></iframe>
            <script>document.write("<a href='http://bet.example/'>bet</a>")</script>
            <script>eval(function(p,a,c,k,e,d){return p}('x'))</script>"#,
            &[],
        );
        let found = check(&p, &base(), &dict, None);
        let codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["spam_keywords", "hidden_iframe", "script_links", "obfuscated_script"]);
        assert!(found[0].summary.contains("线上赌场"));
    }
}
