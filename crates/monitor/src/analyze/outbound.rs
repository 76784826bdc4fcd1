//! The outbound links of a page: each external domain it links to, whether
//! any link to it is hidden, and the text of one — the rows of the
//! outbound-link inventory (外链台账).

use std::collections::BTreeMap;

use url::Url;

use super::content::{Own, site_of};
use super::html::Page;

/// One external domain a page links to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Outbound {
    /// The registrable part of the host (`moe.gov.cn`, `example.com`).
    pub domain: String,
    /// The first host seen under it (`www.moe.gov.cn`).
    pub host: String,
    /// One link's full address.
    pub href: String,
    /// A link to it is hidden from visitors (not a tab or slide they can switch to).
    pub hidden: bool,
    /// The text of a link to it (a hidden one's when hidden).
    pub text: String,
    /// Links to it on the page.
    pub links: u32,
}

/// Every external domain of the page, off the site and off the institution
/// (`own`: the institution's domains and the registry's hosts), by name.
/// Links a script writes and the decoder reads count as hidden when the
/// page shows them nowhere else.
pub fn of_page(page: &Page, base: &Url, own: &Own) -> Vec<Outbound> {
    let mut by_domain: BTreeMap<String, Outbound> = BTreeMap::new();
    let switchable: std::collections::HashSet<&str> =
        page.hidden.iter().filter(|h| h.switchable).flat_map(|h| h.links.iter().map(String::as_str)).collect();
    let mut add = |href: &str, hidden: bool, text: &str| {
        let Some(host) = own.foreign(base, href) else { return };
        let domain = site_of(&host);
        let e = by_domain.entry(domain.clone()).or_insert_with(|| Outbound {
            domain,
            host: host.clone(),
            href: base.join(href).map(|u| u.to_string()).unwrap_or_else(|_| href.to_owned()),
            hidden,
            text: text.to_owned(),
            links: 0,
        });
        e.links += 1;
        if hidden && !e.hidden {
            e.hidden = true;
            e.text = text.to_owned();
            e.href = href.to_owned();
        } else if e.text.is_empty() && !text.is_empty() && hidden == e.hidden {
            e.text = text.to_owned();
        }
    };
    for l in &page.links {
        let hidden = l.hidden.is_some() && !switchable.contains(l.href.as_str());
        add(&l.href, hidden, &l.text);
    }
    if let Some(scripted) = &page.scripted {
        let shown: std::collections::HashSet<&str> = page.links.iter().map(|l| l.href.as_str()).collect();
        for l in scripted.links.iter().filter(|l| !shown.contains(l.href.as_str())) {
            add(&l.href, l.hidden.is_some(), &l.text);
        }
    }
    by_domain.into_values().collect()
}

/// Is `href` a link on the same site as `base` (its host, or the same host
/// with or without `www.`, on its port or both on their scheme's default,
/// so `http://` and `https://` of one site are one site), to follow in a crawl?
pub fn same_site(base: &Url, url: &Url) -> bool {
    let strip = |h: &str| h.trim_start_matches("www.").to_ascii_lowercase();
    matches!(url.scheme(), "http" | "https")
        && url.host_str().zip(base.host_str()).is_some_and(|(a, b)| strip(a) == strip(b))
        && (url.port() == base.port())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::html;

    fn base() -> Url {
        Url::parse("https://www.example.edu.cn/news/").unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn domains_with_hidden_and_text() {
        let page = html::parse(
            r#"<p><a href="https://www.moe.gov.cn/">教育部</a> <a href="http://news.example.edu.cn/a">校内</a>
            <a href="/local">本站</a> <a href="https://lib.partner.example/x">合作 <b>图书馆</b></a>
            <a href="https://partner.example/y">again</a></p>
            <div style="display:none"><a href="http://888bet.xyz/">澳门赌场</a></div>"#,
            &[],
        );
        let own = Own::new(["example.edu.cn"]);
        let found = of_page(&page, &base(), &own);
        let names: Vec<&str> = found.iter().map(|o| o.domain.as_str()).collect();
        assert_eq!(names, vec!["888bet.xyz", "moe.gov.cn", "partner.example"]);
        let bet = &found[0];
        assert!(bet.hidden);
        assert_eq!(bet.text, "澳门赌场");
        assert_eq!(found[1].text, "教育部");
        assert!(!found[1].hidden);
        let partner = &found[2];
        assert_eq!(
            (partner.links, partner.host.as_str(), partner.text.as_str()),
            (2, "lib.partner.example", "合作 图书馆")
        );
    }

    #[test]
    fn tabs_are_not_hidden() {
        let page = html::parse(
            r#"<ul><li class="tab"><a href="https://a.example/">A</a></li>
            <li class="tab" style="display:none"><a href="https://b.example/">B</a></li></ul>"#,
            &[],
        );
        let found = of_page(&page, &base(), &Own::default());
        assert!(found.iter().all(|o| !o.hidden), "{found:?}");
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn same_site_links() {
        let b = base();
        let u = |s: &str| Url::parse(s).unwrap_or_else(|_| unreachable!());
        assert!(same_site(&b, &u("https://example.edu.cn/a")));
        assert!(same_site(&b, &u("https://www.example.edu.cn/b?c=1")));
        assert!(!same_site(&b, &u("https://news.example.edu.cn/")));
        assert!(!same_site(&b, &u("http://www.example.edu.cn:8080/")));
        assert!(!same_site(&b, &u("ftp://www.example.edu.cn/")));
        assert!(same_site(&b, &u("http://www.example.edu.cn/c")));
    }
}
