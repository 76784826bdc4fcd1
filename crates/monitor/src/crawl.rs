//! The whole site, not its home page: a polite crawl within the site's
//! host — `sitemap.xml` and the links from the home page, depth 2, up to
//! 200 pages — with the content checks on every page (hidden links, spam,
//! decoded scripts and the site's script files), the spider and search
//! views on a sample, tampering on the key pages (栏目首页), the outbound
//! links of every page and the dates that say when each column was last
//! updated. Needs no database: the engine passes what it remembers
//! (validators for conditional requests, the key pages' baselines) and
//! stores what comes back; `wangan check URL --crawl` prints it.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use url::Url;

use crate::analyze::dates::{self, Dated};
use crate::analyze::outbound::{self, Outbound};
use crate::check::{Baseline, Checker, Target, Validators};
use crate::finding::{Check, Finding};
use crate::views::View;

/// How much of a site to crawl and how politely.
#[derive(Debug, Clone)]
pub struct CrawlOptions {
    /// Pages at most (the start page included).
    pub max_pages: usize,
    /// Links followed from the start page this many steps deep.
    pub max_depth: u8,
    /// Pause between two requests to the site (after each page).
    pub delay: Duration,
    /// Views fetched on the first pages of the crawl (spider, search visitor, phone).
    pub views: Vec<View>,
    /// How many pages get the views.
    pub view_sample: usize,
    /// Pages that differ only in their query: at most this many of one path
    /// (calendars and search pages never end).
    pub per_path: usize,
}

impl Default for CrawlOptions {
    fn default() -> Self {
        CrawlOptions {
            max_pages: 200,
            max_depth: 2,
            delay: Duration::from_millis(100),
            views: Vec::new(),
            view_sample: 5,
            per_path: 20,
        }
    }
}

/// What was learnt of a page at an earlier crawl.
#[derive(Debug, Clone, Default)]
pub struct Remembered {
    pub validators: Validators,
    pub depth: u8,
    pub newest_date: Option<NaiveDate>,
    pub dated_items: usize,
    pub modified_on: Option<NaiveDate>,
    pub title: String,
}

/// What the engine remembers of a site from its last crawl.
#[derive(Debug, Clone, Default)]
pub struct Memory {
    /// Each page seen before (visited again even when no changed page links
    /// to it any more; asked for only if changed; what it said stands when not).
    pub pages: HashMap<String, Remembered>,
    /// The key pages (栏目首页) and their accepted baselines (`None`: not yet taken).
    pub key: HashMap<String, Option<Baseline>>,
}

/// One page of the crawl.
#[derive(Debug, Clone, Serialize)]
pub struct CrawledPage {
    pub url: String,
    pub depth: u8,
    pub status: Option<u16>,
    /// Why the page could not be fetched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `304 Not Modified`: the page is as it was (its earlier results stand).
    pub unchanged: bool,
    pub title: String,
    /// The answer's `Last-Modified`, as a date.
    pub modified_on: Option<NaiveDate>,
    /// The dates on the page (a list page — 栏目 — has three or more).
    pub newest_date: Option<NaiveDate>,
    pub dated_items: usize,
    pub key: bool,
    pub bytes: usize,
    pub latency_ms: Option<u64>,
    /// What the content checks found on this page (subjects and summaries name the page).
    pub findings: Vec<Finding>,
    pub outbound: Vec<Outbound>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validators: Option<Validators>,
    /// The page's fingerprint, for a key page without a baseline yet.
    #[serde(skip)]
    pub fingerprint: Option<crate::analyze::tamper::Fingerprint>,
}

impl CrawledPage {
    /// A list page (栏目): three or more dated items.
    pub fn is_list(&self) -> bool {
        self.dated_items >= 3
    }
}

/// One external domain over the whole site.
#[derive(Debug, Clone, Serialize)]
pub struct SiteOutbound {
    pub domain: String,
    pub host: String,
    pub href: String,
    pub hidden: bool,
    pub text: String,
    /// Pages linking to it (the first few).
    pub pages: Vec<String>,
    /// How many pages link to it.
    pub page_count: usize,
}

/// The crawl of one site.
#[derive(Debug, Clone, Serialize)]
pub struct CrawlReport {
    pub start: String,
    pub pages: Vec<CrawledPage>,
    /// Addresses `sitemap.xml` listed.
    pub sitemap: usize,
    /// Same-site addresses found but not visited (over the page budget).
    pub left: usize,
    pub elapsed_ms: u64,
    pub crawled_at: DateTime<Utc>,
    /// The address the start page answered from.
    pub address: Option<std::net::IpAddr>,
}

/// Pages of one site kept with each outbound domain.
const PAGES_PER_DOMAIN: usize = 5;

impl CrawlReport {
    /// Every external domain the crawled pages link to, by name.
    pub fn outbound(&self) -> Vec<SiteOutbound> {
        let mut by: BTreeMap<&str, SiteOutbound> = BTreeMap::new();
        for p in &self.pages {
            for o in &p.outbound {
                let e = by.entry(o.domain.as_str()).or_insert_with(|| SiteOutbound {
                    domain: o.domain.clone(),
                    host: o.host.clone(),
                    href: o.href.clone(),
                    hidden: o.hidden,
                    text: o.text.clone(),
                    pages: Vec::new(),
                    page_count: 0,
                });
                e.page_count += 1;
                if e.pages.len() < PAGES_PER_DOMAIN {
                    e.pages.push(p.url.clone());
                }
                if o.hidden && !e.hidden {
                    (e.hidden, e.text, e.href, e.host) = (true, o.text.clone(), o.href.clone(), o.host.clone());
                }
            }
        }
        by.into_values().collect()
    }

    /// The newest date the site shows: its list pages' newest dates, else any page's
    /// dates and `Last-Modified` (`None`: no date anywhere, which says nothing).
    pub fn updated(&self) -> Option<NaiveDate> {
        let lists = self.pages.iter().filter(|p| p.is_list()).filter_map(|p| p.newest_date).max();
        lists.or_else(|| self.pages.iter().flat_map(|p| [p.newest_date, p.modified_on]).flatten().max())
    }

    /// Every finding of every page.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.pages.iter().flat_map(|p| p.findings.iter())
    }
}

/// File types that are not pages (documents, media, archives, code).
const NOT_PAGES: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "wps", "zip", "rar", "7z", "gz", "tar", "jpg", "jpeg", "png",
    "gif", "bmp", "webp", "svg", "ico", "tif", "mp3", "mp4", "avi", "flv", "wmv", "mov", "mkv", "wav", "css", "js",
    "json", "txt", "apk", "exe", "msi", "iso", "dmg", "woff", "woff2", "ttf", "eot", "caj", "swf",
];

/// The address to crawl for `href` on `page`, when it is a page of the site.
pub fn follow(start: &Url, page: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') || href.len() > 2048 {
        return None;
    }
    let lower = href.get(..11).unwrap_or(href).to_ascii_lowercase();
    if ["javascript:", "mailto:", "tel:", "data:"].iter().any(|p| lower.starts_with(p)) {
        return None;
    }
    let mut url = page.join(href).ok()?;
    url.set_fragment(None);
    if !outbound::same_site(start, &url) {
        return None;
    }
    let ext = url.path().rsplit('/').next().and_then(|last| last.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
    if ext.is_some_and(|e| NOT_PAGES.contains(&e.as_str())) {
        return None;
    }
    Some(url)
}

/// The `<loc>` addresses of a sitemap (or the sitemaps of a sitemap index).
pub fn sitemap_locs(xml: &str, limit: usize) -> (Vec<String>, bool) {
    let index = xml.contains("<sitemapindex");
    let mut out = Vec::new();
    let mut rest = xml;
    while out.len() < limit {
        let Some(i) = rest.find("<loc>") else { break };
        let after = &rest[i + 5..];
        let Some(j) = after.find("</loc>") else { break };
        let loc = after[..j].trim().trim_start_matches("<![CDATA[").trim_end_matches("]]>").trim();
        if !loc.is_empty() {
            out.push(crate::analyze::html::decode_entities(loc).into_owned());
        }
        rest = &after[j + 6..];
    }
    (out, index)
}

/// `Last-Modified` as a date.
fn http_date(raw: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc2822(raw.trim()).ok().map(|d| d.date_naive())
}

/// Sitemaps read at most (an index names more).
const SITEMAPS: usize = 4;

impl Checker {
    /// Crawl the site of `start` (see the module's words), as of `now`.
    pub async fn crawl(&self, start: &Url, options: &CrawlOptions, memory: &Memory, now: DateTime<Utc>) -> CrawlReport {
        let begun = Instant::now();
        let today = now.date_naive();
        let mut queue: VecDeque<(Url, u8)> = VecDeque::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut per_path: HashMap<String, usize> = HashMap::new();
        let mut admit = |url: Url, depth: u8, queue: &mut VecDeque<(Url, u8)>| {
            if !seen.insert(url.to_string()) {
                return;
            }
            if url.query().is_some() {
                let n = per_path.entry(url.path().to_owned()).or_default();
                *n += 1;
                if *n > options.per_path {
                    return;
                }
            }
            queue.push_back((url, depth));
        };
        admit(start.clone(), 0, &mut queue);

        // The sitemap's pages count as linked from the start page.
        let mut sitemap = 0;
        let mut sitemaps = vec![start.join("/sitemap.xml").ok()];
        let mut read = 0;
        while let Some(Some(map)) = sitemaps.pop() {
            if read >= SITEMAPS {
                break;
            }
            read += 1;
            let Ok(f) = self.fetcher.get(&map, self.config().max_body, None).await else { continue };
            if f.status != 200 {
                continue;
            }
            let (locs, index) = sitemap_locs(&String::from_utf8_lossy(&f.body), options.max_pages * 4);
            if index {
                sitemaps.extend(locs.iter().filter_map(|l| follow(start, &map, l)).map(Some));
                continue;
            }
            sitemap += locs.len();
            for l in &locs {
                if let Some(u) = follow(start, &map, l) {
                    admit(u, 1, &mut queue);
                }
            }
        }
        // Pages seen last time, in case nothing links to them any more (old spam pages included).
        let mut remembered: Vec<(&String, u8)> = memory.pages.iter().map(|(u, r)| (u, r.depth)).collect();
        remembered.sort_by(|a, b| (a.1, a.0).cmp(&(b.1, b.0)));

        let mut pages = Vec::new();
        let mut views_left = options.view_sample;
        let mut remembered_added = false;
        let mut address = None;
        while pages.len() < options.max_pages {
            let Some((url, depth)) = queue.pop_front() else {
                if remembered_added {
                    break;
                }
                remembered_added = true;
                for (u, d) in &remembered {
                    if let Ok(url) = Url::parse(u) {
                        admit(url, *d, &mut queue);
                    }
                }
                continue;
            };
            if !pages.is_empty() && !options.delay.is_zero() {
                tokio::time::sleep(options.delay).await;
            }
            let key = memory.key.get(url.as_str());
            let mut target = Target::new(url.clone());
            target.checks = vec![Check::HiddenLinks];
            if key.is_some() {
                target.checks.push(Check::Tamper);
            }
            let with_views = depth <= 1 && views_left > 0 && !options.views.is_empty();
            if with_views {
                views_left -= 1;
                target.checks.push(Check::Views);
                target.views = options.views.clone();
            }
            target.probe_exposure = false;
            target.probe_tls = false;
            target.render_due = false;
            // A key page is compared with its baseline every time: no conditional request.
            if key.is_none() {
                target.validators = memory.pages.get(url.as_str()).map(|r| r.validators.clone());
            }
            let baseline = key.and_then(|b| b.as_ref());
            let report = self.run(&target, baseline, now).await;
            let page = report.page.as_ref();
            if depth < options.max_depth
                && let Some(p) = page
            {
                let base = report.final_url.as_deref().and_then(|u| Url::parse(u).ok()).unwrap_or_else(|| url.clone());
                let hrefs = p.links.iter().map(|l| l.href.as_str()).chain(p.iframes.iter().map(|l| l.href.as_str()));
                for href in hrefs {
                    if let Some(next) = follow(start, &base, href) {
                        admit(next, depth + 1, &mut queue);
                    }
                }
            }
            if address.is_none() {
                address = report.address;
            }
            let mut page = crawled(&url, depth, key.is_some(), report, today, &self.own);
            if page.unchanged
                && let Some(r) = memory.pages.get(url.as_str())
            {
                // Not modified: what it said last time stands.
                page.newest_date = r.newest_date;
                page.dated_items = r.dated_items;
                page.modified_on = page.modified_on.or(r.modified_on);
                page.title.clone_from(&r.title);
                page.validators.get_or_insert_with(|| r.validators.clone());
            }
            pages.push(page);
        }
        CrawlReport {
            start: start.to_string(),
            pages,
            sitemap,
            left: queue.len(),
            elapsed_ms: begun.elapsed().as_millis() as u64,
            crawled_at: now,
            address,
        }
    }
}

pub use wangan_core::sites::rules::page_label;

/// A check's report as a crawled page: findings moved to the crawl and named by the page.
fn crawled(
    url: &Url,
    depth: u8,
    key: bool,
    mut report: crate::check::Report,
    today: NaiveDate,
    own: &crate::analyze::content::Own,
) -> CrawledPage {
    let path = page_label(url);
    let base = report.final_url.as_deref().and_then(|u| Url::parse(u).ok()).unwrap_or_else(|| url.clone());
    let (dated, outbound, fingerprint) = match report.page.as_ref() {
        Some(p) => {
            let hrefs = p.links.iter().map(|l| l.href.as_str());
            let dated = dates::of_page(p.blocks.iter().map(String::as_str), hrefs, today);
            let fingerprint = key.then(|| crate::analyze::tamper::Fingerprint::of(p, &base));
            (dated, outbound::of_page(p, &base, own), fingerprint)
        }
        None => (Dated::default(), Vec::new(), None),
    };
    // Availability of deep pages is not the site's health: only content findings are kept.
    let findings = std::mem::take(&mut report.findings)
        .into_iter()
        .filter(|f| matches!(f.check, Check::HiddenLinks | Check::Views | Check::Tamper))
        .map(|mut f| {
            f.subject = format!("{path} {}", f.subject);
            f.summary = format!("页面 {path}：{}", f.summary);
            if let serde_json::Value::Object(m) = &mut f.evidence {
                m.insert("page".into(), serde_json::Value::String(url.to_string()));
                m.insert("check".into(), serde_json::Value::String(f.check.as_str().into()));
            } else {
                f.evidence = serde_json::json!({"page": url.as_str(), "check": f.check.as_str(), "detail": f.evidence});
            }
            f.check = Check::Crawl;
            f
        })
        .collect();
    let error = report.error.as_ref().map(|e| e.to_string());
    let unchanged = report.status == Some(304);
    CrawledPage {
        url: url.to_string(),
        depth,
        status: report.status,
        error,
        unchanged,
        title: report.title.take().unwrap_or_default(),
        modified_on: report.validators.as_ref().and_then(|v| v.last_modified.as_deref()).and_then(http_date),
        newest_date: dated.newest,
        dated_items: dated.items,
        key,
        bytes: report.bytes,
        latency_ms: report.latency_ms,
        findings,
        outbound,
        validators: report.validators.take(),
        fingerprint,
    }
}

/// `external_link` for each outbound domain on no list (`allow`: the
/// institution's and the site's allow-lists and the approved domains).
pub fn external_findings(outbound: &[SiteOutbound], allow: &[String]) -> Vec<Finding> {
    use wangan_core::sites::rules as sites;
    outbound
        .iter()
        .filter(|o| !sites::allowed(allow, &o.host))
        .map(|o| {
            let signs = sites::spam_signs(&o.domain);
            let severity = sites::external_link_severity(o.hidden, !signs.is_empty());
            let how = match (o.hidden, signs.is_empty()) {
                (true, _) => "，链接被隐藏",
                (false, false) => "，域名形似违规站点",
                (false, true) => "",
            };
            let page = o.pages.first().map(String::as_str).unwrap_or("");
            Finding::new(
                Check::Crawl,
                format!("external:{}", o.domain),
                crate::finding::FindingCode::ExternalLink,
                severity,
                format!("新的外链域名 {}{how}（{} 个页面，如 {page}），请审核", o.domain, o.page_count),
            )
            .with(serde_json::json!({
                "domain": o.domain, "host": o.host, "href": o.href, "hidden": o.hidden, "text": o.text,
                "pages": o.pages, "page_count": o.page_count, "signs": signs,
            }))
        })
        .collect()
}

/// A crawl a person can read.
pub fn render_text(r: &CrawlReport) -> String {
    let mut s = format!(
        "{}\n  全站巡查 / crawl: {} 个页面 pages, {} ms{}{}\n",
        r.start,
        r.pages.len(),
        r.elapsed_ms,
        if r.sitemap > 0 { format!(", sitemap.xml {} 个地址", r.sitemap) } else { String::new() },
        if r.left > 0 { format!(", {} 个未巡查 (over the page budget)", r.left) } else { String::new() },
    );
    if let Some(u) = r.updated() {
        s.push_str(&format!("  最近更新 / last updated: {u}\n"));
    }
    for p in &r.pages {
        let state = match (&p.error, p.status) {
            (Some(e), _) => format!("无法访问 {e}"),
            (None, Some(code)) => format!("HTTP {code}"),
            (None, None) => String::new(),
        };
        let list = match (p.is_list(), p.newest_date) {
            (true, Some(d)) => format!(" · 栏目，最新 {d}"),
            _ => String::new(),
        };
        s.push_str(&format!("  [{}] {} — {state}{list}\n", p.depth, p.url));
        for f in &p.findings {
            s.push_str(&format!("      {} {}\n", f.severity.as_str(), f.summary));
        }
    }
    let outbound = r.outbound();
    if !outbound.is_empty() {
        s.push_str(&format!("  外链 / outbound domains: {}\n", outbound.len()));
        for o in &outbound {
            s.push_str(&format!(
                "    {}{} — {} 个页面{}\n",
                o.domain,
                if o.hidden { " (隐藏 hidden)" } else { "" },
                o.page_count,
                if o.text.is_empty() { String::new() } else { format!(", “{}”", o.text) },
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn follows_pages_of_the_site_only() {
        let start = u("http://www.example.edu.cn/");
        let page = u("http://www.example.edu.cn/news/index.htm");
        assert_eq!(
            follow(&start, &page, "a.htm").map(String::from),
            Some("http://www.example.edu.cn/news/a.htm".into())
        );
        assert_eq!(follow(&start, &page, "/x#top").map(String::from), Some("http://www.example.edu.cn/x".into()));
        assert!(follow(&start, &page, "https://example.edu.cn/y").is_some());
        assert!(follow(&start, &page, "http://other.example/").is_none());
        assert!(follow(&start, &page, "javascript:void(0)").is_none());
        assert!(follow(&start, &page, "mailto:a@example.edu.cn").is_none());
        assert!(follow(&start, &page, "/files/report.PDF").is_none());
        assert!(follow(&start, &page, "/img/a.jpg?x=1").is_none());
        assert!(follow(&start, &page, "#").is_none());
        assert!(follow(&start, &page, "/list.jsp?page=2").is_some());
    }

    #[test]
    fn sitemaps_and_indexes() {
        let xml = r#"<?xml version="1.0"?><urlset><url><loc>http://a.example/1</loc></url>
            <url><loc> http://a.example/2?x=1&amp;y=2 </loc></url><url><loc><![CDATA[http://a.example/3]]></loc></url></urlset>"#;
        let (locs, index) = sitemap_locs(xml, 10);
        assert!(!index);
        assert_eq!(locs, vec!["http://a.example/1", "http://a.example/2?x=1&y=2", "http://a.example/3"]);
        assert_eq!(sitemap_locs(xml, 2).0.len(), 2);
        let (maps, index) =
            sitemap_locs("<sitemapindex><sitemap><loc>http://a.example/s1.xml</loc></sitemap></sitemapindex>", 10);
        assert!(index);
        assert_eq!(maps, vec!["http://a.example/s1.xml"]);
    }

    #[test]
    fn last_modified_dates() {
        assert_eq!(http_date("Wed, 21 Oct 2015 07:28:00 GMT"), NaiveDate::from_ymd_opt(2015, 10, 21));
        assert_eq!(http_date("yesterday"), None);
    }
}
