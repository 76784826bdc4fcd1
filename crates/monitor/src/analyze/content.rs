//! Hidden links and spam (暗链): what the page hides, what its scripts
//! write, which spam words it carries, and which external link domains
//! are new since the baseline.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

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

/// The file a person opens to find it: the page's own file, or the home page's.
fn file_of(base: &Url) -> String {
    match base.path_segments().and_then(|mut s| s.next_back()).filter(|f| !f.is_empty()) {
        Some(f) => format!("{}（{}）", f, base.path()),
        None => format!("首页文件（{}index.html 等）", base.path()),
    }
}

/// What the content checks know of the deployment: the institution's own
/// domains and the allow-list (`example.edu.cn` covers its subdomains),
/// and the hosts of every system in its registry (kept up to date by the
/// engine: a sister site on another domain is still the institution's).
#[derive(Debug, Clone, Default)]
pub struct Own {
    pub domains: Vec<String>,
    registered: Arc<std::sync::RwLock<Registered>>,
}

/// The registry's hosts and their digest (SHA-256 of the domains and the
/// sorted hosts: part of the content memo's key, so a page is analysed
/// again when what counts as the institution's own changes).
#[derive(Debug, Default)]
struct Registered {
    hosts: HashSet<String>,
    digest: [u8; 32],
}

impl Own {
    pub fn new(domains: impl IntoIterator<Item = impl AsRef<str>>) -> Own {
        let own = Own {
            domains: domains
                .into_iter()
                .map(|d| d.as_ref().trim().trim_start_matches("*.").trim_matches('.').to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            registered: Arc::default(),
        };
        own.set_registered(Vec::new());
        own
    }

    /// The hosts of the registry's systems, replacing those set before.
    pub fn set_registered(&self, hosts: impl IntoIterator<Item = String>) {
        use sha2::Digest;
        let hosts: HashSet<String> = hosts.into_iter().map(|h| h.trim_end_matches('.').to_ascii_lowercase()).collect();
        let mut sorted: Vec<&String> = hosts.iter().collect();
        sorted.sort();
        let mut h = sha2::Sha256::new();
        for d in &self.domains {
            h.update(d.as_bytes());
            h.update([0]);
        }
        h.update([1]);
        for host in sorted {
            h.update(host.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize().into();
        *self.registered.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Registered { hosts, digest };
    }

    /// SHA-256 of the domains and the registry's hosts.
    pub fn digest(&self) -> [u8; 32] {
        self.registered.read().unwrap_or_else(std::sync::PoisonError::into_inner).digest
    }

    /// Is `host` the institution's own (or allowed, or a registered system's)?
    pub fn covers(&self, host: &str) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.domains.iter().any(|d| host == *d || host.strip_suffix(d.as_str()).is_some_and(|p| p.ends_with('.')))
            || self.registered.read().unwrap_or_else(std::sync::PoisonError::into_inner).hosts.contains(&host)
    }

    /// The host of `href` when it leads off the site and off the institution.
    pub fn foreign(&self, base: &Url, href: &str) -> Option<String> {
        external_host(base, href).filter(|h| !self.covers(h))
    }
}

/// Words that turn a sentence into a warning against what it names
/// (a 保卫处 page warning students against online gambling is not spam).
const WARNINGS: &[&str] = &[
    "警惕", "严禁", "禁止", "防范", "远离", "打击", "谨防", "举报", "抵制", "拒绝", "切勿", "不要", "警示", "提醒",
    "防止", "杜绝", "不得", "严厉", "查处", "违法", "犯罪", "危害", "诈骗", "整治", "勿", "谨慎", "beware", "warning",
    "illegal", "report",
];

/// Where a spam word was seen, and how much that counts: more where a
/// kit puts words for search engines than in a paragraph of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// In a sentence that warns against it.
    Warning,
    Body,
    Excluded,
    LinkText,
    Meta,
    Title,
}

impl Place {
    fn weight(self) -> u32 {
        match self {
            Place::Warning => 0,
            Place::Body | Place::Excluded => 1,
            Place::LinkText | Place::Meta => 2,
            Place::Title => 3,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Place::Warning => "warning_sentence",
            Place::Body => "body_text",
            Place::Excluded => "excluded_text",
            Place::LinkText => "link_text",
            Place::Meta => "meta",
            Place::Title => "title",
        }
    }
}

/// The sentence of `text` around `[a, b)`.
fn sentence(text: &str, a: usize, b: usize) -> &str {
    let stop = |c: char| matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';' | '\n');
    let start = text[..a].rfind(stop).map_or(0, |i| i + text[i..].chars().next().map_or(1, char::len_utf8));
    let end = text[b..].find(stop).map_or(text.len(), |i| b + i);
    &text[start..end]
}

/// Spam words of the visible page by place: word → (category, count, best place, places seen).
type Spot = (super::keywords::Category, usize, Place, Vec<Place>);
type Seen = std::collections::BTreeMap<String, Spot>;

fn spam_seen(page: &Page, dict: &Dictionary) -> Seen {
    let mut seen: Seen = Default::default();
    let mut add = |text: &str, place: Place| {
        let folded = text.to_ascii_lowercase();
        for (a, b, word, category) in dict.occurrences(&folded) {
            let place = if place == Place::Body {
                let s = sentence(&folded, a, b);
                if WARNINGS.iter().any(|w| s.contains(w)) { Place::Warning } else { Place::Body }
            } else {
                place
            };
            let e = seen.entry(word.to_owned()).or_insert((category, 0, place, Vec::new()));
            e.1 += 1;
            e.2 = e.2.max(place);
            if !e.3.contains(&place) {
                e.3.push(place);
            }
        }
    };
    add(&page.title, Place::Title);
    for m in &page.meta {
        add(m, Place::Meta);
    }
    add(&page.link_text, Place::LinkText);
    for b in &page.blocks {
        add(b, Place::Body);
    }
    // A tab or slide out of view now is body text a visitor switches to.
    for h in page.hidden.iter().filter(|h| h.switchable) {
        add(&h.text, Place::Body);
    }
    add(&page.excluded_text, Place::Excluded);
    seen
}

/// Whether the page has a script static decoding could not read through
/// (hidden code left undecoded, or a write or navigation whose argument
/// it could not follow): the rendered view must look.
pub fn unclear(page: &Page) -> bool {
    page.scripts.iter().filter(|s| s.src.is_none()).any(|s| {
        let d = s.decoded.as_deref();
        if d.is_some_and(|d| d.analytics.is_some() && !d.unresolved) {
            return false;
        }
        d.is_some_and(|d| d.unresolved) || (!s.signs.is_empty() && d.is_none())
    })
}

/// The hidden-link and spam findings of a page. `known_domains` are the
/// external link domains of the baseline (`None`: no baseline yet). When
/// the page's scripts write content that static decoding reads, the page
/// as they leave it is judged (and the findings say what the scripts did).
pub fn check(
    page: &Page,
    base: &Url,
    dict: &Dictionary,
    known_domains: Option<&BTreeSet<String>>,
    own: &Own,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let full = page.scripted.as_deref().unwrap_or(page);
    // What the scripts wrote, decoded, and how (for the evidence).
    let written: Vec<(&str, &Vec<&'static str>)> = page
        .scripts
        .iter()
        .filter_map(|s| s.decoded.as_deref())
        .filter(|d| !d.written.is_empty())
        .map(|d| (d.written.as_str(), &d.layers))
        .collect();
    let by_script = |needle: &str| -> Option<serde_json::Value> {
        let (w, layers) = written.iter().find(|(w, _)| w.contains(needle))?;
        Some(json!({"decoded": snippet(w), "layers": layers}))
    };

    // Spam words in what visitors see, weighed by where they stand.
    let seen = spam_seen(full, dict);
    let score: u32 = seen.values().map(|(_, _, place, _)| place.weight()).sum();
    if score > 0 {
        let counted: Vec<(&String, &Spot)> = seen.iter().filter(|(_, v)| v.2 != Place::Warning).collect();
        let list: Vec<&str> = counted.iter().map(|(w, _)| w.as_str()).collect();
        let mut rules: Vec<&str> = counted.iter().map(|(_, v)| v.2.code()).collect();
        rules.sort_unstable();
        rules.dedup();
        let warned: Vec<&String> = seen.iter().filter(|(_, v)| v.2 == Place::Warning).map(|(w, _)| w).collect();
        let confidence = (f64::from(score) / 6.0).min(1.0);
        let severity = if score >= 3 { Severity::Critical } else { Severity::Medium };
        let mut evidence = json!({
            "words": counted.iter().map(|(w, v)| json!({
                "word": w, "category": v.0.code(), "count": v.1,
                "places": v.3.iter().map(|p| p.code()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "rules": rules,
            "score": score,
            "confidence": (confidence * 100.0).round() / 100.0,
        });
        if !warned.is_empty() {
            evidence["in_warnings"] = json!(warned);
        }
        if let Some(s) = list.first().and_then(|w| by_script(w)) {
            evidence["script"] = s;
        }
        out.push(
            Finding::new(
                Check::HiddenLinks,
                "keywords",
                FindingCode::SpamKeywords,
                severity,
                if severity == Severity::Critical {
                    format!("页面含违规关键词：{}", list.join("、"))
                } else {
                    format!("页面正文提到违规关键词（可能是正常内容，请核实）：{}", list.join("、"))
                },
            )
            .with(evidence),
        );
    }

    // Hidden elements: external links in them, spam words in them.
    let mut hidden_hits: Vec<Hit> = Vec::new();
    type Hid<'p> = (Vec<String>, &'static str, String, &'p str);
    let mut by_domain: std::collections::BTreeMap<String, Hid<'_>> = Default::default();
    for h in full.hidden.iter().filter(|h| !h.switchable) {
        let found = dict.find(&h.text);
        for f in &found {
            if !hidden_hits.iter().any(|x| x.word == f.word) {
                hidden_hits.push(f.clone());
            }
        }
        for link in &h.links {
            if let Some(host) = own.foreign(base, link) {
                let e = by_domain
                    .entry(site_of(&host))
                    .or_insert_with(|| (Vec::new(), h.reason.code(), snippet(&h.text), h.at.as_str()));
                if e.0.len() < 10 && !e.0.contains(link) {
                    e.0.push(link.clone());
                }
            }
        }
    }
    let spam_hidden = !hidden_hits.is_empty();
    if spam_hidden {
        let list: Vec<&str> = hidden_hits.iter().map(|h| h.word.as_str()).collect();
        let mut evidence = json!({"words": words(&hidden_hits), "rules": ["hidden_text"], "confidence": 1.0});
        if let Some(s) = list.first().and_then(|w| by_script(w)) {
            evidence["script"] = s;
        }
        out.push(
            Finding::new(
                Check::HiddenLinks,
                "hidden_keywords",
                FindingCode::HiddenSpam,
                Severity::Critical,
                format!("页面隐藏内容含违规关键词：{}", list.join("、")),
            )
            .with(evidence),
        );
    }
    for (domain, (links, reason, text, at)) in by_domain {
        let script = links.iter().find_map(|l| by_script(l));
        let mut evidence = json!({
            "domain": domain, "links": links, "hidden_by": reason, "text": text, "at": at,
            "confidence": if spam_hidden { 1.0 } else { 0.8 },
        });
        let whence = match &script {
            Some(s) => {
                evidence["script"] = s.clone();
                format!("。由脚本写入：请在{}及其引用的脚本中查找编码后的 document.write/innerHTML", file_of(base))
            }
            None => format!("。请在{}中查找 {at}", file_of(base)),
        };
        out.push(
            Finding::new(
                Check::HiddenLinks,
                format!("hidden_link:{domain}"),
                FindingCode::HiddenLink,
                if spam_hidden { Severity::Critical } else { Severity::High },
                format!("页面隐藏了指向 {domain} 的外部链接（{reason}，位于 {at}）{whence}"),
            )
            .with(evidence),
        );
    }

    // Hidden iframes to other sites.
    for f in &full.iframes {
        if let (Some(reason), Some(host)) = (f.hidden, own.foreign(base, &f.href)) {
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

    // Scripts: cloaking for search engines, links they write, what stays hidden.
    let hidden_links: BTreeSet<&str> = full.hidden.iter().flat_map(|h| h.links.iter().map(String::as_str)).collect();
    // Inline scripts, and the site's script files when they were fetched (`add_script_files`).
    for s in &page.scripts {
        let d = s.decoded.as_deref();
        if let Some(d) = d.filter(|d| d.cloaks()) {
            let what = if d.navigates.is_empty() { "改写页面内容" } else { "跳转" };
            out.push(
                Finding::new(
                    Check::HiddenLinks,
                    format!("cloaking_script:{:016x}", s.hash),
                    FindingCode::CloakingScript,
                    Severity::Critical,
                    format!(
                        "脚本判断访客是否为搜索引擎（{}）后{what}{}",
                        d.engines.join("、"),
                        d.navigates.first().map(|n| format!("：{n}")).unwrap_or_default()
                    ),
                )
                .with(json!({
                    "tests": d.tests, "engines": d.engines, "navigates": d.navigates,
                    "decoded": snippet(&d.written), "layers": d.layers, "length": s.len, "src": s.src,
                    "rules": ["tests_visitor", "engine_names"], "confidence": 0.9,
                })),
            );
            continue;
        }
        // Statistics snippets stay quiet.
        if d.is_some_and(|d| d.analytics.is_some()) {
            continue;
        }
        let layers: &[&str] = d.map_or(&[], |d| d.layers.as_slice());
        let external: Vec<String> = s
            .written_links
            .iter()
            .filter(|l| own.foreign(base, l).is_some() && !hidden_links.contains(l.as_str()))
            .cloned()
            .collect();
        let navigates: Vec<&String> =
            d.map(|d| d.navigates.iter().filter(|n| own.foreign(base, n).is_some()).collect()).unwrap_or_default();
        if !external.is_empty() || (!navigates.is_empty() && !layers.is_empty()) {
            let hidden_code = !s.signs.is_empty() || !layers.is_empty();
            let mut all: Vec<&str> = external.iter().map(String::as_str).collect();
            all.extend(navigates.iter().map(|n| n.as_str()));
            out.push(
                Finding::new(
                    Check::HiddenLinks,
                    format!("script_links:{:016x}", s.hash),
                    FindingCode::ScriptLinks,
                    if hidden_code { Severity::Critical } else { Severity::High },
                    format!("脚本向页面写入外部链接：{}", all.join(" ")),
                )
                .with(json!({
                    "links": external, "navigates": navigates, "signs": s.signs, "layers": layers, "length": s.len,
                    "src": s.src,
                    "decoded": d.map(|d| snippet(&d.written)).unwrap_or_default(),
                })),
            );
        } else if !s.signs.is_empty()
            && d.is_none_or(|d| d.unresolved || (d.written.is_empty() && d.navigates.is_empty()))
        {
            // Hidden code that decoding could not read through: a person (or the rendered view) must look.
            out.push(
                Finding::new(
                    Check::HiddenLinks,
                    format!("obfuscated_script:{:016x}", s.hash),
                    FindingCode::ObfuscatedScript,
                    Severity::Medium,
                    format!("页面含无法静态解码的混淆脚本（{}）", s.signs.join("、")),
                )
                .with(json!({"signs": s.signs, "length": s.len})),
            );
        }
    }

    // External link domains not in the baseline.
    if let Some(known) = known_domains {
        let new: Vec<String> =
            link_domains(page, base).into_iter().filter(|d| !known.contains(d) && !own.covers(d)).collect();
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
            let found = check(&p, &base(), &dict, Some(&link_domains(&p, &base())), &Own::default());
            assert!(found.is_empty(), "site {n}: {found:?}");
        }
    }

    #[test]
    fn planted_hidden_links_are_found() {
        let dict = Dictionary::new(&[]).unwrap();
        let p = parse(&page(3, Plant::HiddenLinks, 0), &[]);
        let known = link_domains(&parse(&page(3, Plant::Clean, 0), &[]), &base());
        let found = check(&p, &base(), &dict, Some(&known), &Own::default());
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
        let found = check(&p, &base(), &dict, None, &Own::default());
        let subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(subjects, ["hidden_keywords", "hidden_link:bet.example"]);
    }

    #[test]
    fn hidden_internal_menus_are_not_spam() {
        let dict = Dictionary::new(&[]).unwrap();
        let p = parse(r#"<ul><li>学院<ul style="display:none"><li><a href="/a">概况</a></ul></ul>"#, &[]);
        assert!(check(&p, &base(), &dict, None, &Own::default()).is_empty());
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
        let found = check(&p, &base(), &dict, None, &Own::default());
        let codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["spam_keywords", "hidden_iframe", "script_links", "obfuscated_script"]);
        assert!(found[0].summary.contains("线上赌场"));
    }

    fn codes(found: &[Finding]) -> Vec<(&'static str, Severity)> {
        found.iter().map(|f| (f.code.as_str(), f.severity)).collect()
    }

    fn b64(s: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    const GAMBLING: &str =
        r#"<div style="position:absolute;left:-9999px"><a href="http://bet.example/">澳门赌场</a></div>"#;

    #[test]
    fn links_written_by_encoded_scripts_count_as_if_in_the_html() {
        let dict = Dictionary::new(&[]).unwrap();
        let escaped: String = GAMBLING.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
        let pct: String = GAMBLING.encode_utf16().map(|u| format!("%u{u:04X}")).collect();
        for script in [
            format!("document.write(\"{escaped}\");"),
            format!("document.write(unescape('{pct}'));"),
            format!("eval(atob('{}'));", b64(&format!("document.write('{GAMBLING}')"))),
            format!(
                "var x = '{}'; document.getElementById('f').innerHTML = decodeURIComponent(escape(atob(x)));",
                b64(GAMBLING)
            ),
        ] {
            let html = format!(
                "<title>化学学院</title><p>学院新闻</p><div id=f></div><script>{script}</script><p>通知公告</p>"
            );
            let found = check(&parse(&html, &[]), &base(), &dict, None, &Own::default());
            let c = codes(&found);
            assert!(c.contains(&("hidden_spam", Severity::Critical)), "{script}: {c:?}");
            assert!(c.contains(&("hidden_link", Severity::Critical)), "{script}: {c:?}");
            let link = found.iter().find(|f| f.code == FindingCode::HiddenLink).unwrap();
            assert!(
                link.evidence["script"]["decoded"].as_str().unwrap().contains("bet.example"),
                "{:?}",
                link.evidence
            );
            assert!(
                !c.iter().any(|(code, _)| *code == "obfuscated_script"),
                "{script}: decoded, so not merely obfuscated"
            );
        }
        // A kit that opens the hiding element in one write and closes it in another.
        let html = "<p>新闻</p><script>document.write('<div style=\"display:none\">')</script>\
                    <a href=\"http://casino.example/\">casino</a><script>document.write('</div>')</script>";
        let c = codes(&check(&parse(html, &[]), &base(), &dict, None, &Own::default()));
        assert!(c.contains(&("hidden_link", Severity::Critical)), "{c:?}");
    }

    #[test]
    fn scripts_that_test_for_spiders_or_search_visitors_are_cloaking() {
        let dict = Dictionary::new(&[]).unwrap();
        for script in [
            r#"var r = document.referrer; if (r.indexOf("baidu.com") > -1 || r.indexOf("sogou") > -1) { top.location.href = "http://bet.example/"; }"#,
            r#"(function(){var u=navigator.userAgent.toLowerCase();if(/baiduspider|360spider|sogou/.test(u)){document.title="澳门赌场";}else{}})()"#,
            &format!(
                "eval(atob('{}'))",
                b64(
                    r#"if(navigator.userAgent.indexOf("Baiduspider")!=-1){document.write("<a href='http://bet.example/'>x</a>")}"#
                )
            ),
        ] {
            let html = format!("<p>学院新闻</p><script>{script}</script>");
            let c = codes(&check(&parse(&html, &[]), &base(), &dict, None, &Own::default()));
            assert!(c.contains(&("cloaking_script", Severity::Critical)), "{script}: {c:?}");
        }
    }

    #[test]
    fn the_universitys_own_pages_are_not_spam() {
        let dict = Dictionary::new(&[]).unwrap();
        // 保卫处 warns against gambling: no spam finding.
        let warning = "<title>保卫处 · 安全提示</title><h1>关于防范网络赌博的安全提示</h1>\
            <p>近期发现不法分子通过“线上赌场”“百家乐”等名义诱骗学生，请同学们提高警惕，远离网络赌博。</p>\
            <p>严禁参与任何形式的网上赌博，发现可疑情况请及时举报。</p>";
        let found = check(&parse(warning, &[]), &base(), &dict, None, &Own::default());
        assert!(found.is_empty(), "{found:?}");
        // The same words as a kit puts them: in the title and link text.
        let spam = "<title>百家乐 线上赌场</title><p><a href=\"/x\">百家乐官网</a></p>";
        let found = check(&parse(spam, &[]), &base(), &dict, None, &Own::default());
        assert_eq!(codes(&found), [("spam_keywords", Severity::Critical)]);
        assert_eq!(found[0].evidence["confidence"], 1.0);
        // A passing mention in a paragraph: worth a look, not an alarm.
        let news = "<p>讲座介绍了六合彩的历史。</p>";
        assert_eq!(
            codes(&check(&parse(news, &[]), &base(), &dict, None, &Own::default())),
            [("spam_keywords", Severity::Medium)]
        );

        // A login modal and a skip link of the institution: hidden, but its own.
        let modal = r##"<a class="skip" href="#main">跳到正文</a>
            <div id="login" style="display:none"><a href="https://sso.univ.example/login?service=x">统一身份认证</a>
            <a href="https://mail.univ-group.example/">邮箱</a></div>"##;
        let site = Url::parse("https://www.chem.univ.example/").unwrap();
        let own = Own::new(["univ.example", "*.univ-group.example"]);
        assert!(check(&parse(modal, &[]), &site, &dict, None, &own).is_empty());
        let c = codes(&check(&parse(modal, &[]), &site, &dict, None, &Own::default()));
        assert_eq!(c, [("hidden_link", Severity::High)], "without the institution's domains the other one is foreign");
    }

    #[test]
    fn a_tab_out_of_view_is_no_hidden_link_but_a_lone_hidden_block_beside_it_is() {
        let dict = Dictionary::new(&[]).unwrap();
        let tabs = r#"<div class="tabs"><div class="pane"><a href="/a">学院新闻</a></div>
            <div class="pane" style="display:none"><a href="https://partner.example.org/">合作院校</a></div></div>"#;
        assert!(check(&parse(tabs, &[]), &base(), &dict, None, &Own::default()).is_empty());
        // Spam in a tab is still judged, as body text a visitor switches to.
        let spam_tab = tabs.replace("合作院校", "澳门百家乐 线上赌场 真人娱乐 开户送彩金");
        let c = codes(&check(&parse(&spam_tab, &[]), &base(), &dict, None, &Own::default()));
        assert!(c.contains(&("spam_keywords", Severity::Critical)), "{c:?}");
        // A hidden block among plain divs, or alone of its class, is not a tab.
        for kit in [
            r#"<div><p>新闻</p></div><div style="display:none"><a href="http://bet.example/">官网</a></div><div><p>通知</p></div>"#,
            r#"<div class="pane"><p>新闻</p></div><div class="ft9" style="display:none"><a href="http://bet.example/">官网</a></div>"#,
            r#"<div class="pane" style="display:none"><a href="http://bet.example/">官网</a></div><div class="pane" style="display:none"><p>x</p></div>"#,
        ] {
            let c = codes(&check(&parse(kit, &[]), &base(), &dict, None, &Own::default()));
            assert_eq!(c, [("hidden_link", Severity::High)], "{kit}");
        }
    }

    #[test]
    fn links_to_the_registrys_other_systems_are_the_institutions_own() {
        let dict = Dictionary::new(&[]).unwrap();
        let modal = r#"<p>新闻</p><div style="display:none"><a href="https://jwxt.univ-edu.example.com/login">教务系统</a></div>"#;
        let own = Own::new(["univ.example"]);
        let c = codes(&check(&parse(modal, &[]), &base(), &dict, None, &own));
        assert_eq!(c, [("hidden_link", Severity::High)], "not registered yet: foreign");
        own.clone().set_registered(["JWXT.univ-edu.example.com".to_owned()]);
        assert!(check(&parse(modal, &[]), &base(), &dict, None, &own).is_empty(), "a clone shares the registry");
        // Only that host: its parent domain's other sites are not vouched for.
        assert!(!own.covers("shop.univ-edu.example.com"));
    }

    #[test]
    fn statistics_snippets_stay_quiet() {
        let dict = Dictionary::new(&[]).unwrap();
        let html = r#"<p>学院新闻</p>
            <script>var _hmt = _hmt || [];(function() {var hm = document.createElement("script");hm.src = "https://hm.baidu.com/hm.js?0123456789abcdef";var s = document.getElementsByTagName("script")[0];s.parentNode.insertBefore(hm, s);})();</script>
            <script type="text/javascript">var cnzz_protocol = (("https:" == document.location.protocol) ? "https://" : "http://");document.write(unescape("%3Cspan id='cnzz_stat_icon_1000'%3E%3C/span%3E%3Cscript src='" + cnzz_protocol + "s9.cnzz.com/z_stat.php%3Fid%3D1000%26show%3Dpic' type='text/javascript'%3E%3C/script%3E"));</script>
            <script async src="https://www.googletagmanager.com/gtag/js?id=G-XXXX"></script>
            <script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);} gtag('js', new Date()); gtag('config', 'G-XXXX');</script>"#;
        let found = check(&parse(html, &[]), &base(), &dict, None, &Own::default());
        assert!(found.is_empty(), "{found:?}");
    }

    /// The farm's corpus: every trick on 60 pages, every look-alike on 60.
    /// Prints recall and false alarms (the figures in the notes).
    #[test]
    fn the_farms_tricks_are_caught_and_its_look_alikes_left_alone() {
        let dict = Dictionary::new(&[]).unwrap();
        let own = Own::new(["univ.example"]);
        let site = Url::parse("https://site1.univ.example/").unwrap();
        for plant in Plant::TRICKS {
            let caught = (0..60u64)
                .filter(|n| {
                    let p = parse(&page(*n, *plant, 0), &[]);
                    check(&p, &site, &dict, None, &own).iter().any(|f| f.severity == Severity::Critical)
                })
                .count();
            eprintln!("farm corpus: {plant:?}: {caught}/60 caught (critical)");
            assert_eq!(caught, 60, "{plant:?}");
        }
        for plant in Plant::LOOK_ALIKES {
            let alarms: Vec<String> = (0..60u64)
                .flat_map(|n| {
                    let p = parse(&page(n, *plant, 0), &[]);
                    check(&p, &site, &dict, None, &own)
                        .into_iter()
                        .filter(|f| f.severity >= Severity::High)
                        .map(move |f| format!("page {n}: {}", f.summary))
                })
                .collect();
            eprintln!("farm corpus: {plant:?}: {} false alarms (high or critical) on 60 pages", alarms.len());
            assert!(alarms.is_empty(), "{plant:?}: {alarms:?}");
        }
    }
}
