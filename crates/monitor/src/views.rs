//! Several views of a page: as search spiders see it, as a phone sees it,
//! as a visitor arriving from a search engine sees it. Hacked sites show
//! their spam only to spiders (so it ranks) or send only search visitors
//! away (so the site's own staff never see it); what a view gets and the
//! plain visit does not is the finding:
//!  - spam or hidden links only a view gets: `cloaking` (critical);
//!  - a redirect, meta refresh or script navigation off the site only a
//!    view gets: `search_hijack` (critical).
//!
//! The page's own natural change is measured by SimHash over text
//! shingles (two plain fetches) and reported beside the view's distance.

use serde::Serialize;
use serde_json::json;
use url::Url;

use crate::analyze::content::{Own, external_host, site_of};
use crate::analyze::html::Page;
use crate::finding::{Check, Finding, FindingCode, Severity};

/// Who a view pretends to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    Spider,
    Mobile,
    SearchVisitor,
}

/// One way of visiting a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct View {
    /// Stable and short: `spider:baiduspider`, `mobile`, `search:baidu`.
    pub name: String,
    pub kind: ViewKind,
    /// Shown to people: `Baiduspider`, `手机浏览器`, `百度搜索访客`.
    pub label: String,
    pub user_agent: String,
    pub referer: Option<String>,
}

/// A desktop browser, for search visitors (kits check for a browser too).
const DESKTOP: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36";
const MOBILE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

/// The spiders' own `User-Agent`s; a name not listed here is sent as `(compatible; NAME)`.
const SPIDERS: &[(&str, &str)] = &[
    ("Baiduspider", "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"),
    (
        "Baiduspider-render",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X) AppleWebKit/601.1.46 (KHTML, like Gecko) Version/9.0 Mobile/13B143 Safari/601.1 (compatible; Baiduspider-render/2.0; +http://www.baidu.com/search/spider.html)",
    ),
    ("Googlebot", "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"),
    (
        "360Spider",
        "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/50.0.2661.102 Safari/537.36; 360Spider",
    ),
    ("Sogou web spider", "Sogou web spider/4.0(+http://www.sogou.com/docs/help/webmasters.htm#07)"),
    (
        "Bytespider",
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    ),
];

/// The default spiders (`[monitor] spiders`).
pub fn default_spiders() -> Vec<String> {
    SPIDERS.iter().map(|s| s.0.to_owned()).collect()
}

/// Search engines whose result links send visitors: (code, label, referer).
const SEARCH: &[(&str, &str, &str)] = &[
    ("baidu", "百度搜索访客", "https://www.baidu.com/link?url=Wq5tbTsZ0i7d&wd=&eqid=9f3c2a7e000a1b2c0000000366a1b2c3"),
    ("sogou", "搜狗搜索访客", "https://www.sogou.com/link?url=hedJjaC291P3yGwc7N55kLSc2ls_Ks2xYJ0Dvx4BNmw."),
    ("so", "360搜索访客", "https://www.so.com/link?m=ewLKmBi6VzzOn6I5l6bWE4KZnR9V6gZJKh0s"),
];

/// The views in the order they take turns: the most telling first (Baidu's
/// spider, then a Baidu visitor), each spider and engine in turn, the phone.
pub fn views(spiders: &[String]) -> Vec<View> {
    let spider = |name: &str| View {
        name: format!("spider:{}", name.to_ascii_lowercase().replace(' ', "_")),
        kind: ViewKind::Spider,
        label: name.to_owned(),
        user_agent: SPIDERS
            .iter()
            .find(|s| s.0.eq_ignore_ascii_case(name))
            .map_or_else(|| format!("Mozilla/5.0 (compatible; {name})"), |s| s.1.to_owned()),
        referer: None,
    };
    let search = |(code, label, referer): &(&str, &str, &str)| View {
        name: format!("search:{code}"),
        kind: ViewKind::SearchVisitor,
        label: (*label).to_owned(),
        user_agent: DESKTOP.to_owned(),
        referer: Some((*referer).to_owned()),
    };
    let mut spiders = spiders.iter().filter(|s| !s.trim().is_empty()).map(|s| spider(s.trim()));
    let mut engines = SEARCH.iter().map(search);
    let mut out = Vec::new();
    loop {
        let (a, b) = (spiders.next(), engines.next());
        if a.is_none() && b.is_none() {
            break;
        }
        out.extend(a);
        out.extend(b);
    }
    out.push(View {
        name: "mobile".into(),
        kind: ViewKind::Mobile,
        label: "手机浏览器".into(),
        user_agent: MOBILE.into(),
        referer: None,
    });
    out
}

/// 64-bit SimHash of a text's 4-character shingles: near texts, near hashes.
/// At most 4,096 shingles are weighed (evenly spread over a longer text),
/// so a long page costs no more than a short one.
pub fn simhash(text: &str) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const MAX: usize = 4096;
    let chars: Vec<u32> = text.chars().filter(|c| !c.is_whitespace()).map(u32::from).collect();
    if chars.is_empty() {
        return 0;
    }
    let n = chars.len().saturating_sub(3).max(1);
    let step = n.div_ceil(MAX);
    let mut weights = [0i32; 64];
    let mut i = 0;
    while i < n {
        let mut h: u64 = 0;
        for c in chars.iter().skip(i).take(4) {
            h = (h.rotate_left(21) ^ u64::from(*c)).wrapping_mul(K);
        }
        h ^= h >> 31;
        for (bit, weight) in weights.iter_mut().enumerate() {
            *weight += ((h >> bit & 1) as i32) * 2 - 1;
        }
        i += step;
    }
    weights.iter().enumerate().fold(0u64, |acc, (bit, w)| if *w > 0 { acc | 1 << bit } else { acc })
}

/// Bits that differ between two SimHashes (0: the same text, ~32: unrelated).
pub fn distance(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// What one visit saw, for comparing and for the evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub view: String,
    pub label: String,
    pub status: u16,
    pub final_url: String,
    pub title: String,
    /// The first visible text, as a person would read it.
    pub text: String,
    #[serde(skip)]
    pub simhash: u64,
    /// Where the page sends the visitor off the site: redirects, meta refresh, script navigation.
    pub leaves_to: Vec<String>,
    /// Serious content findings (spam, hidden links, cloaking scripts): code and subject.
    #[serde(skip)]
    pub serious: Vec<Finding>,
}

impl Seen {
    /// Summarise a visit: `findings` are its content findings.
    pub fn of(
        view: &str,
        label: &str,
        status: u16,
        final_url: &Url,
        page: &Page,
        findings: &[Finding],
        own: &Own,
    ) -> Seen {
        let text = page.visible_text();
        let mut leaves_to = Vec::new();
        let mut leave = |href: &str| {
            if let Some(host) = external_host(final_url, href).filter(|h| !own.covers(h)) {
                let site = site_of(&host);
                if !leaves_to.contains(&site) {
                    leaves_to.push(site);
                }
            }
        };
        // A refresh a script wrote counts like one in the HTML.
        let refresh = page.refresh.as_ref().or(page.scripted.as_ref().and_then(|p| p.refresh.as_ref()));
        if let Some(r) = refresh {
            // `5; url=http://…`
            let lower = r.to_ascii_lowercase();
            let target = lower.find("url=").map_or("", |i| &r[i + 4..]).trim().trim_matches(['\'', '"']);
            leave(target);
        }
        for s in &page.scripts {
            for n in s.decoded.iter().flat_map(|d| d.navigates.iter()) {
                leave(n);
            }
        }
        Seen {
            view: view.to_owned(),
            label: label.to_owned(),
            status,
            final_url: final_url.to_string(),
            title: page.title.clone(),
            text: text.chars().take(300).collect(),
            simhash: simhash(&text),
            leaves_to,
            serious: findings
                .iter()
                .filter(|f| f.check == Check::HiddenLinks && f.severity >= Severity::High)
                .cloned()
                .collect(),
        }
    }
}

/// What a view got that the plain visit did not. `natural` is the SimHash
/// distance between two plain visits (the page's own change), when known.
pub fn judge(plain: &Seen, view: &Seen, kind: ViewKind, natural: Option<u32>, own: &Own) -> Vec<Finding> {
    let mut out = Vec::new();
    let plain_host = Url::parse(&plain.final_url).ok().and_then(|u| u.host_str().map(site_of));
    let view_url = Url::parse(&view.final_url).ok();
    let view_host = view_url.as_ref().and_then(|u| u.host_str().map(str::to_owned));
    let d = distance(plain.simhash, view.simhash);
    let side_by_side = json!({
        "view": view.view, "kind": kind, "plain": plain, "seen": view,
        "distance": d, "natural_distance": natural,
    });
    // A redirect off the site, or a navigation, that only this view gets.
    let mut leaves: Vec<String> = view.leaves_to.iter().filter(|s| !plain.leaves_to.contains(s)).cloned().collect();
    if let Some(h) = view_host.filter(|h| !own.covers(h))
        && plain_host.as_deref() != Some(site_of(&h).as_str())
        && !leaves.contains(&site_of(&h))
    {
        leaves.insert(0, site_of(&h));
    }
    if !leaves.is_empty() {
        out.push(
            Finding::new(
                Check::Views,
                format!("search_hijack:{}", view.view),
                FindingCode::SearchHijack,
                Severity::Critical,
                format!("以{}访问时页面被劫持跳转到 {}（普通访问不跳转）", view.label, leaves.join("、")),
            )
            .with(with_rules(side_by_side.clone(), &["leaves_only_for_view"], 0.95, &leaves)),
        );
    }
    // Spam or hidden links that only this view gets.
    let only: Vec<&Finding> = view
        .serious
        .iter()
        .filter(|f| f.code != FindingCode::CloakingScript)
        .filter(|f| !plain.serious.iter().any(|p| p.subject == f.subject))
        .collect();
    if !only.is_empty() {
        // In a few words: the spam words, the hidden links' domains, anything else by its summary.
        let mut what: Vec<String> = Vec::new();
        let mut words: Vec<String> = Vec::new();
        for f in &only {
            if let Some(d) = f.evidence["domain"].as_str() {
                what.push(format!("隐藏外链 {d}"));
            } else if let Some(ws) = f.evidence["words"].as_array() {
                words.extend(ws.iter().filter_map(|w| w["word"].as_str().map(str::to_owned)));
            } else {
                what.push(f.summary.clone());
            }
        }
        words.dedup();
        if !words.is_empty() {
            words.truncate(8);
            what.insert(0, format!("违规关键词 {}", words.join("、")));
        }
        let mut ev = with_rules(
            side_by_side,
            &["content_only_for_view"],
            if d > natural.unwrap_or(0) + 3 { 0.95 } else { 0.8 },
            &what,
        );
        ev["findings"] = json!(
            only.iter()
                .map(|f| json!({"code": f.code, "subject": f.subject, "summary": f.summary}))
                .collect::<Vec<_>>()
        );
        out.push(
            Finding::new(
                Check::Views,
                format!("cloaking:{}", view.view),
                FindingCode::Cloaking,
                Severity::Critical,
                format!("页面对{}显示了普通访问看不到的内容：{}", view.label, what.join("；")),
            )
            .with(ev),
        );
    }
    out
}

fn with_rules(mut v: serde_json::Value, rules: &[&str], confidence: f64, what: &[String]) -> serde_json::Value {
    v["rules"] = json!(rules);
    v["confidence"] = json!(confidence);
    v["what"] = json!(what);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::content::check;
    use crate::analyze::html::parse;
    use crate::analyze::keywords::Dictionary;

    fn seen(name: &str, url: &str, html: &str) -> Seen {
        let dict = Dictionary::new(&[]).unwrap();
        let url = Url::parse(url).unwrap();
        let page = parse(html, &[]);
        let found = check(&page, &url, &dict, None, &Own::default());
        Seen::of(name, name, 200, &url, &page, &found, &Own::default())
    }

    const PLAIN: &str = "<title>化学学院</title><p>学院新闻 通知公告 本科生教育 研究生教育 科学研究</p>";

    #[test]
    fn the_views_take_turns_spiders_and_engines_alternating() {
        let v = views(&default_spiders());
        let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(&names[..4], ["spider:baiduspider", "search:baidu", "spider:baiduspider-render", "search:sogou"]);
        assert_eq!(names.last(), Some(&"mobile"));
        assert_eq!(v.len(), 6 + 3 + 1);
        assert!(v[1].referer.as_deref().is_some_and(|r| r.starts_with("https://www.baidu.com/link?")));
        let custom = views(&["YisouSpider".into()]);
        assert_eq!(custom[0].user_agent, "Mozilla/5.0 (compatible; YisouSpider)");
    }

    #[test]
    fn simhash_tells_near_texts_from_different_ones() {
        let a = simhash("化学学院 学院新闻 关于举办2026年学术年会的通知 本科生教育 研究生教育 科学研究 招生就业");
        let b = simhash(
            "化学学院 学院新闻 关于举办2026年学术年会的通知 本科生教育 研究生教育 科学研究 招生就业 访问量：1002",
        );
        let c = simhash("澳门赌场 百家乐 真人娱乐 线上赌场 开户送彩金 体育投注 首存送 老虎机 六合彩");
        assert!(distance(a, b) < distance(a, c), "{} {}", distance(a, b), distance(a, c));
        assert!(distance(a, c) > 16);
    }

    #[test]
    fn spam_only_spiders_get_is_cloaking() {
        let plain = seen("plain", "http://www.univ.example/", PLAIN);
        let spider = seen(
            "spider:baiduspider",
            "http://www.univ.example/",
            "<title>澳门赌场_百家乐_真人娱乐</title><p>线上赌场 开户送</p>",
        );
        let found = judge(&plain, &spider, ViewKind::Spider, Some(2), &Own::default());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, FindingCode::Cloaking);
        assert_eq!(found[0].severity, Severity::Critical);
        assert_eq!(found[0].evidence["plain"]["title"], "化学学院");
        assert_eq!(found[0].evidence["seen"]["title"], "澳门赌场_百家乐_真人娱乐");
        // The same page for both: nothing.
        assert!(
            judge(&plain, &seen("mobile", "http://www.univ.example/", PLAIN), ViewKind::Mobile, None, &Own::default())
                .is_empty()
        );
    }

    #[test]
    fn a_redirect_only_search_visitors_get_is_search_hijack() {
        let plain = seen("plain", "http://www.univ.example/", PLAIN);
        // Sent away by the server: the visit ends on another site.
        let away = seen("search:baidu", "http://bet.example/landing", "<title>欢迎</title>");
        let found = judge(&plain, &away, ViewKind::SearchVisitor, None, &Own::default());
        assert_eq!(found[0].code, FindingCode::SearchHijack);
        assert!(found[0].summary.contains("bet.example"));
        // Sent away by a meta refresh.
        let refresh = seen(
            "search:sogou",
            "http://www.univ.example/",
            "<meta http-equiv=\"refresh\" content=\"0; url=http://casino.example/\">",
        );
        assert_eq!(
            judge(&plain, &refresh, ViewKind::SearchVisitor, None, &Own::default())[0].code,
            FindingCode::SearchHijack
        );
        // A phone sent to the university's own mobile site: no finding.
        let m = seen("mobile", "http://m.univ.example/", PLAIN);
        assert!(judge(&plain, &m, ViewKind::Mobile, None, &Own::default()).is_empty());
        let own = Own::new(["univ-mobile.example"]);
        let m = seen("mobile", "http://www.univ-mobile.example/", PLAIN);
        assert!(judge(&plain, &m, ViewKind::Mobile, None, &own).is_empty());
    }
}
