//! A whole site behind a simulated home page: twelve columns (栏目) with
//! dated lists and a second list page each, articles, a `sitemap.xml`,
//! `Last-Modified` and `ETag` (answered `304` when unchanged), partner
//! links and, when planted, spam deep in the site.
//!
//! Paths: `/col/{i}/` (a column's list), `/col/{i}/list2.htm` (its older
//! items), `/col/{i}/{k}.htm`, `/col/{i}/a.html`, `/col/{i}/b.html` and
//! `/info/{n}/{k}.htm` (articles), `/sitemap.xml`.

use std::fmt::Write;

use chrono::{Datelike, Days, NaiveDate};

use super::{Rng, injection};

/// Columns of every deep site.
pub const COLUMNS: usize = 12;
/// Items on a column's first list page (the second holds as many older ones).
pub const ITEMS: usize = 15;

/// The shape of a deep site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deep {
    /// The farm's today: dates are counted back from it.
    pub today: NaiveDate,
    /// Days since each column's newest item, by column (missing columns: 3 days).
    pub column_age_days: Vec<u32>,
    /// Serve `/sitemap.xml` listing every page.
    pub sitemap: bool,
    /// Hidden gambling links planted in one page this many clicks from the
    /// home page: 1 a column's list, 2 an article on it, 3 an article on its second list page.
    pub spam_depth: Option<u8>,
    /// Domains the articles link to in sight (partners, the ministry).
    pub outbound: Vec<String>,
    /// A domain one article links to in a hidden block (no spam words).
    pub hidden_outbound: Option<String>,
    /// A page (by path) replaced by a hacker's page (a key page's tampering).
    pub defaced: Option<String>,
}

impl Deep {
    /// A fresh site as of `today`: every column updated within days, a
    /// sitemap, partner links, nothing planted.
    pub fn fresh(today: NaiveDate) -> Deep {
        Deep {
            today,
            column_age_days: Vec::new(),
            sitemap: true,
            spam_depth: None,
            outbound: vec!["www.partner-univ.example".into(), "www.moe.gov.cn".into()],
            hidden_outbound: None,
            defaced: None,
        }
    }

    /// Days since column `i`'s newest item.
    pub fn age(&self, i: usize) -> u32 {
        self.column_age_days.get(i).copied().unwrap_or(3)
    }

    /// The newest date anywhere on the site.
    pub fn newest(&self) -> NaiveDate {
        let youngest = (0..COLUMNS).map(|i| self.age(i)).min().unwrap_or(3);
        self.today.checked_sub_days(Days::new(u64::from(youngest))).unwrap_or(self.today)
    }

    /// The date of column `i`'s item `k` (0 newest; a week between items).
    pub fn item_date(&self, i: usize, k: usize) -> NaiveDate {
        let days = u64::from(self.age(i)) + 7 * k as u64;
        self.today.checked_sub_days(Days::new(days)).unwrap_or(self.today)
    }

    /// The page that carries the planted spam, if any.
    pub fn spam_path(&self) -> Option<String> {
        match self.spam_depth? {
            1 => Some("/col/3/".into()),
            2 => Some("/col/3/2.htm".into()),
            _ => Some(format!("/col/3/{}.htm", ITEMS + 5)),
        }
    }

    /// The article that carries `hidden_outbound`.
    pub const HIDDEN_OUTBOUND_PATH: &'static str = "/col/5/1.htm";
}

/// A page of the deep site at `path`: its HTML and its date (for
/// `Last-Modified`), or `None` when the site has no such page.
pub fn page(deep: &Deep, n: u64, path: &str) -> Option<(String, NaiveDate)> {
    if deep.defaced.as_deref() == Some(path) {
        return Some((super::page(n, super::Plant::Defaced, 0), deep.today));
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let html = match parts.as_slice() {
        ["col", i, ""] => {
            let i = column(i)?;
            (list(deep, n, i, 0), deep.item_date(i, 0))
        }
        ["col", i, "list2.htm"] => {
            let i = column(i)?;
            (list(deep, n, i, 1), deep.item_date(i, ITEMS))
        }
        ["col", i, file] => {
            let i = column(i)?;
            let k = match *file {
                "a.html" => 0,
                "b.html" => 1,
                f => f.strip_suffix(".htm")?.parse::<usize>().ok().filter(|k| *k < 2 * ITEMS)?,
            };
            (article(deep, n, i, k, path), deep.item_date(i, k))
        }
        ["info", _, file] => {
            let k = file.strip_suffix(".htm")?.parse::<usize>().ok()?;
            let i = k % COLUMNS;
            (article(deep, n, i, k % (2 * ITEMS), path), deep.item_date(i, k % (2 * ITEMS)))
        }
        _ => return None,
    };
    Some(html)
}

fn column(s: &str) -> Option<usize> {
    s.parse::<usize>().ok().filter(|i| *i < COLUMNS)
}

/// A date as column `i` prints it: ISO, Chinese, or `[MM-DD]` for recent items.
fn printed(i: usize, d: NaiveDate, today: NaiveDate) -> String {
    match i % 3 {
        0 => d.format("%Y-%m-%d").to_string(),
        1 => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
        _ if (today - d).num_days() < 300 => d.format("[%m-%d]").to_string(),
        _ => d.format("[%Y-%m-%d]").to_string(),
    }
}

/// The head and the site's navigation, as every page of a CMS template carries it.
fn head(title: &str) -> String {
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width\"><link rel=\"stylesheet\" href=\"/css/style.css\">\
         <style>.menu-sub{{display:none}} .nav li{{float:left}}</style>\
         <script src=\"/js/jquery.min.js\"></script><script src=\"/js/common.js\"></script></head><body>\
         <div class=\"header\"><div class=\"logo\"><img src=\"/images/logo.png\" alt=\"\"></div><a href=\"/\">首页</a></div><ul class=\"nav\">"
    );
    for i in 0..COLUMNS {
        let _ = write!(
            html,
            "<li><a href=\"/col/{i}/\">栏目{i}</a><ul class=\"menu-sub\"><li><a href=\"/col/{i}/a.html\">概况</a></li><li><a href=\"/col/{i}/b.html\">动态</a></li></ul></li>"
        );
    }
    html.push_str("</ul>");
    html
}

const FOOT: &str = "<div class=\"footer\"><p>版权所有 © 2005-2026 大学</p></div></body></html>";

/// Column `i`'s list page (`page` 0 the first, 1 the second).
fn list(deep: &Deep, n: u64, i: usize, page: usize) -> String {
    let mut rng = Rng(n.wrapping_mul(31).wrapping_add(i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let name = rng.sentence(2);
    let mut html = head(&format!("{name} - 栏目"));
    let _ = write!(html, "<div class=\"col-title\"><h2>{name}</h2></div><ul class=\"list\">");
    let mut t = String::new();
    for k in page * ITEMS..(page + 1) * ITEMS {
        let d = deep.item_date(i, k);
        let _ = write!(
            html,
            "<li><a href=\"/col/{i}/{k}.htm\">{}</a><span class=\"date\">{}</span>",
            rng.sentence_into(&mut t, 5),
            printed(i, d, deep.today)
        );
        let _ = write!(html, "<p class=\"summary\">{}</p></li>", rng.sentence_into(&mut t, 25));
    }
    html.push_str("</ul><div class=\"pager\">");
    if page == 0 {
        let _ = write!(html, "<a href=\"/col/{i}/list2.htm\">下一页</a>");
    } else {
        let _ = write!(html, "<a href=\"/col/{i}/\">上一页</a>");
    }
    html.push_str("</div>");
    if deep.spam_path().as_deref() == Some(&format!("/col/{i}/")[..]) && page == 0 {
        html.push_str(&injection(n));
    }
    html.push_str(FOOT);
    html
}

/// An article of column `i`.
fn article(deep: &Deep, n: u64, i: usize, k: usize, path: &str) -> String {
    let mut rng =
        Rng(n.wrapping_mul(1009).wrapping_add(i as u64 * 37 + k as u64 + 7).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let title = rng.sentence(6);
    let mut html = head(&title);
    let d = deep.item_date(i, k);
    let _ = write!(
        html,
        "<div class=\"article\"><h1>{title}</h1><p class=\"info\">发布时间：{} 来源：{}</p>",
        d.format("%Y-%m-%d"),
        rng.sentence(2)
    );
    let mut t = String::new();
    // Articles of 12–40 KB, as news pages are.
    let target = 12_000 + rng.below(28_000);
    while html.len() < target {
        let _ = write!(html, "<p>{}</p>", rng.sentence_into(&mut t, 40));
    }
    if !deep.outbound.is_empty() {
        html.push_str("<div class=\"related\">相关链接：");
        for (j, host) in deep.outbound.iter().enumerate() {
            if (k + j).is_multiple_of(2) {
                let _ = write!(html, "<a href=\"https://{host}/news/{k}.html\">{}</a> ", rng.sentence(2));
            }
        }
        html.push_str("</div>");
    }
    html.push_str("</div>");
    if let Some(host) = &deep.hidden_outbound
        && path == Deep::HIDDEN_OUTBOUND_PATH
    {
        let _ = write!(html, "<div style=\"display:none\"><a href=\"http://{host}/\">资料下载</a></div>");
    }
    if deep.spam_path().as_deref() == Some(path) {
        html.push_str(&injection(n));
    }
    html.push_str(FOOT);
    html
}

/// The sitemap: every column, its second page and its articles.
pub fn sitemap(origin: &str) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for i in 0..COLUMNS {
        let _ = writeln!(xml, "<url><loc>{origin}/col/{i}/</loc></url>");
        let _ = writeln!(xml, "<url><loc>{origin}/col/{i}/list2.htm</loc></url>");
        for k in 0..2 * ITEMS {
            let _ = writeln!(xml, "<url><loc>{origin}/col/{i}/{k}.htm</loc></url>");
        }
    }
    xml.push_str("</urlset>\n");
    xml
}

/// The home page's news dates moved to the site's newest date.
pub fn home(page: String, deep: &Deep) -> String {
    let newest = deep.newest();
    // The home page prints `2026-11-DD`: days 1–28, newest 28.
    let month = newest.checked_sub_days(Days::new(27)).unwrap_or(newest);
    page.replace("<span class=\"time\">2026-11-", &format!("<span class=\"time\">{}-", month.format("%Y-%m")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default()
    }

    #[test]
    fn pages_exist_where_links_lead() {
        let deep = Deep::fresh(today());
        for p in ["/col/0/", "/col/11/list2.htm", "/col/4/29.htm", "/col/2/a.html", "/info/7/33.htm"] {
            assert!(page(&deep, 1, p).is_some(), "{p}");
        }
        for p in ["/col/12/", "/col/1/30.htm", "/other", "/col/x/"] {
            assert!(page(&deep, 1, p).is_none(), "{p}");
        }
    }

    #[test]
    fn spam_sits_where_planted() {
        let mut deep = Deep::fresh(today());
        for depth in 1..=3 {
            deep.spam_depth = Some(depth);
            let path = deep.spam_path().unwrap_or_default();
            let (html, _) = page(&deep, 1, &path).unwrap_or_default();
            assert!(html.contains(".example/\">"), "depth {depth}: {path}");
            let (clean, _) = page(&deep, 1, "/col/4/2.htm").unwrap_or_default();
            assert!(!clean.contains("casino") && !clean.contains("bet.example"));
        }
    }

    #[test]
    fn columns_carry_their_age() {
        let mut deep = Deep::fresh(today());
        deep.column_age_days = vec![400, 3, 250];
        let (html, date) = page(&deep, 1, "/col/0/").unwrap_or_default();
        assert_eq!(date, NaiveDate::from_ymd_opt(2025, 11, 1).unwrap_or_default());
        assert!(html.contains("2025-11-01"), "{html}");
        let (html, _) = page(&deep, 1, "/col/2/").unwrap_or_default();
        assert!(html.contains(&deep.item_date(2, 0).format("[%m-%d]").to_string()));
    }
}
