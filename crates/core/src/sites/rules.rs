//! The whole site: the rules for outbound links (allow-lists, names that
//! look like spam domains, how serious a new one is), 双非 sites (outside
//! the institution's domains or campus addresses) and zombie sites and
//! columns (not updated for months). Pure: no storage, no network.

use std::net::IpAddr;

use chrono::NaiveDate;

use crate::monitoring::FindingSeverity;
use crate::platform::netpolicy::Net;

crate::closed_set! {
    /// Where an outbound domain stands with the institution.
    pub enum LinkReview {
        /// Seen, not on a list, not yet reviewed: raises `external_link`.
        Pending = "pending",
        /// On the institution's or the site's allow-list (approved by an officer, or a default).
        Approved = "approved",
    }
}

crate::closed_set! {
    /// Why a site is 双非 (非学校域名 / 非学校IP).
    pub enum OutsideReason {
        /// Its host is outside `[institution] domains`.
        Domain = "domain",
        /// Its host resolves to an address outside the campus networks and the known hosting.
        Address = "address",
    }
}

crate::closed_set! {
    /// What the officer decided about a 双非 site.
    pub enum OutsideDecision {
        /// Not decided yet.
        Open = "open",
        /// Confirmed as acceptable, with a reason (approved cloud hosting, a vendor platform).
        Accepted = "accepted",
        /// Ordered to move onto the campus or to close.
        OrderedClosed = "ordered_closed",
    }
}

crate::closed_set! {
    /// What a zombie site or column should do (the suggested action).
    pub enum ZombieAction {
        Update = "update",
        TakeOffline = "take_offline",
        Close = "close",
    }
}

impl LinkReview {
    pub fn is_pending(self) -> bool {
        self == LinkReview::Pending
    }
}

impl OutsideDecision {
    /// The officer has decided (accepted or ordered closed).
    pub fn is_decided(self) -> bool {
        self != OutsideDecision::Open
    }
}

/// The allow-list every deployment starts with: government and education
/// domains, and the national sites university pages link to everywhere
/// (reporting centres, news agencies, the student information service).
pub const DEFAULT_ALLOW: &[&str] = &[
    "gov.cn",
    "edu.cn",
    "ac.cn",
    "12377.cn",
    "12321.cn",
    "cyberpolice.cn",
    "people.com.cn",
    "xinhuanet.com",
    "news.cn",
    "cctv.com",
    "chsi.com.cn",
    "cnki.net",
];

/// A domain entry as written: lower case, no scheme, no `*.`, no dots at the ends.
pub fn normalize_domain(raw: &str) -> Option<String> {
    let d = raw.trim().trim_start_matches("*.").trim_matches('.').to_ascii_lowercase();
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.contains('.')
        && d.split('.').all(|l| {
            !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b >= 0x80)
        });
    ok.then_some(d)
}

/// Does an allow-list entry cover `host` (the entry itself or a subdomain of it)?
pub fn covers(entry: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.eq_ignore_ascii_case(entry)
        || (host.len() > entry.len()
            && host.as_bytes()[host.len() - entry.len() - 1] == b'.'
            && host[host.len() - entry.len()..].eq_ignore_ascii_case(entry))
}

/// Is `host` covered by any entry of the list?
pub fn allowed(list: &[String], host: &str) -> bool {
    list.iter().any(|e| covers(e, host))
}

/// Words of gambling and adult sites as they appear in domain names
/// (pinyin initials of the casino brands spam kits advertise included).
const SPAM_WORDS: &[&str] = &[
    "bet",
    "betway",
    "casino",
    "bocai",
    "duchang",
    "poker",
    "slot",
    "lottery",
    "caipiao",
    "baccarat",
    "bjl",
    "dafa",
    "sbobet",
    "xpj",
    "amjs",
    "vns",
    "weinisi",
    "jinsha",
    "pujing",
    "hgw",
    "huangguan",
    "taiyangcheng",
    "yabo",
    "kaiyun",
    "leyu",
    "bbin",
    "ag88",
    "qipai",
    "porn",
    "sex",
    "xxx",
    "jav",
    "hentai",
    "av",
    "lutube",
    "caoliu",
    "seqing",
    "luoliao",
];

/// Top-level domains spam kits register in bulk (cheap, little checked):
/// one sign among others, never enough alone.
const CHEAP_TLDS: &[&str] = &[
    "xyz", "top", "vip", "cc", "club", "icu", "win", "bet", "casino", "shop", "site", "online", "fun", "live", "work",
    "buzz", "tk", "ml", "ga", "cf", "gq", "pw", "ws", "loan", "rest", "bar", "sbs", "cfd",
];

/// Why a domain name looks like a spam domain (empty: it does not).
/// Signs: a gambling or adult word, a run of four or more digits, a
/// random-looking label (five consonants in a row, or few vowels in a
/// long label, or letters and digits interleaved), and — only together
/// with another sign — a cheap top-level domain.
pub fn spam_signs(domain: &str) -> Vec<&'static str> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((tld, rest)) = labels.split_last() else { return Vec::new() };
    // Government and education names are what they say.
    if labels.iter().any(|l| matches!(*l, "gov" | "edu")) && tld.len() == 2 {
        return Vec::new();
    }
    let mut signs = Vec::new();
    let names: Vec<&str> =
        rest.iter().copied().filter(|l| !matches!(*l, "www" | "m" | "wap" | "com" | "net" | "org")).collect();
    if names.iter().any(|l| SPAM_WORDS.iter().any(|w| spam_word_in(l, w))) {
        signs.push("spam_word");
    }
    // Digits among letters (`hg0088`); a label of digits alone is a service number (`12377`, `10086`).
    let mixed = |l: &str| l.bytes().any(|c| c.is_ascii_alphabetic());
    if names.iter().any(|l| mixed(l) && longest_run(l, |c| c.is_ascii_digit()) >= 4) {
        signs.push("digit_run");
    }
    if names.iter().any(|l| random_looking(l)) {
        signs.push("random_label");
    }
    if !signs.is_empty() && CHEAP_TLDS.contains(tld) {
        signs.push("cheap_tld");
    }
    if CHEAP_TLDS.contains(tld) && matches!(*tld, "bet" | "casino") {
        signs.push("spam_word");
    }
    signs.dedup();
    signs
}

/// Does the name look like a spam domain?
pub fn looks_spammy(domain: &str) -> bool {
    !spam_signs(domain).is_empty()
}

/// A spam word in a label: words of four letters or more anywhere; short
/// ones (`av`, `bet`, `sex`, `xpj`) only between the label's ends, digits or
/// hyphens, so `alphabet`, `avenue`, `essex` and `javascript` stay innocent.
fn spam_word_in(label: &str, word: &str) -> bool {
    if word.len() >= 4 {
        return label.contains(word);
    }
    let b = label.as_bytes();
    let edge = |c: Option<&u8>| c.is_none_or(|c| c.is_ascii_digit() || *c == b'-');
    label
        .match_indices(word)
        .any(|(start, _)| edge(start.checked_sub(1).and_then(|j| b.get(j))) && edge(b.get(start + word.len())))
}

fn longest_run(label: &str, f: impl Fn(char) -> bool) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in label.chars() {
        run = if f(c) { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// A label no person chose to read: machine-made names (`x7k2qp9z`,
/// `qwxzkbdf`). Pinyin and English names have vowels every few letters;
/// pinyin initials (`zjgsdx`) are short, so only labels of eight or more count.
fn random_looking(label: &str) -> bool {
    let letters = label.chars().filter(char::is_ascii_alphabetic).count();
    if label.len() < 8 || letters == 0 || label.contains('-') || label.starts_with("xn--") {
        return false;
    }
    let consonant_run = longest_run(label, |c| c.is_ascii_alphabetic() && !is_vowel(c));
    let vowels = label.chars().filter(|c| is_vowel(*c)).count();
    // Letters and digits interleaved: a switch between them more than three times.
    let switches = label.as_bytes().windows(2).filter(|w| w[0].is_ascii_digit() != w[1].is_ascii_digit()).count();
    consonant_run >= 6 || (letters >= 8 && vowels == 0) || switches >= 4
}

/// How serious a new outbound domain is: high when a link to it is hidden,
/// medium when its name looks like a spam domain, else low.
pub fn external_link_severity(hidden: bool, spammy: bool) -> FindingSeverity {
    match (hidden, spammy) {
        (true, _) => FindingSeverity::High,
        (false, true) => FindingSeverity::Medium,
        (false, false) => FindingSeverity::Low,
    }
}

/// Why a site is 双非, from its host and the addresses it resolves to.
/// `domains`: the institution's own (`example.edu.cn` covers its
/// subdomains); `networks`: the campus ranges and the known hosting. With
/// no domains configured the domain is not judged, with no networks the
/// address is not; an address literal as the host is judged by its address.
pub fn outside_reasons(host: &str, addresses: &[IpAddr], domains: &[String], networks: &[Net]) -> Vec<OutsideReason> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let literal = host.trim_matches(['[', ']']).parse::<IpAddr>().ok();
    let mut reasons = Vec::new();
    if literal.is_none() && !domains.is_empty() && !domains.iter().any(|d| covers(d, &host)) {
        reasons.push(OutsideReason::Domain);
    }
    let addresses: Vec<IpAddr> = literal.into_iter().chain(addresses.iter().copied()).collect();
    if !networks.is_empty()
        && !addresses.is_empty()
        && addresses.iter().any(|a| !networks.iter().any(|n| n.contains(*a)))
    {
        reasons.push(OutsideReason::Address);
    }
    reasons
}

/// How a crawled page names itself in its findings' subjects (`{label} {subject}`): its path and query.
pub fn page_label(url: &url::Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The column (栏目) a list page belongs to: its address up to the last `/`
/// of the path, query dropped — `/news/`, `/news/index2.htm` and
/// `/news/list.jsp?page=3` are one column, updated when any of them shows a
/// newer date (a column's second page is old by nature).
pub fn column_key(url: &str) -> String {
    let no_query = url.split(['?', '#']).next().unwrap_or(url);
    let path_start =
        no_query.find("://").map_or(0, |i| no_query[i + 3..].find('/').map_or(no_query.len(), |j| i + 3 + j));
    match no_query[path_start..].rfind('/') {
        Some(i) => no_query[..path_start + i + 1].to_owned(),
        None => format!("{no_query}/"),
    }
}

/// Is any of a system's addresses (one per line) outside the institution's
/// domains (双非 by name)? `false` when no domains are configured.
pub fn named_outside(urls: &str, domains: &[String]) -> bool {
    !domains.is_empty()
        && urls.lines().filter_map(|u| url::Url::parse(u.trim()).ok()).any(|u| {
            u.host_str().is_some_and(|h| outside_reasons(h, &[], domains, &[]).contains(&OutsideReason::Domain))
        })
}

/// Days without an update after which a site or column is a zombie.
pub const ZOMBIE_DAYS: i64 = 180;

/// Is something last updated on `updated` a zombie on `today`? (`None`:
/// no date was found, which says nothing.)
pub fn is_zombie(updated: Option<NaiveDate>, today: NaiveDate, days: i64) -> bool {
    updated.is_some_and(|u| (today - u).num_days() >= days)
}

/// The suggested action for a zombie: update it when it was updated within
/// two years (a column someone forgot), take it offline after two years, close
/// it after three (nobody answers for it any more).
pub fn zombie_action(updated: NaiveDate, today: NaiveDate) -> ZombieAction {
    match (today - updated).num_days() {
        d if d >= 3 * 365 => ZombieAction::Close,
        d if d >= 2 * 365 => ZombieAction::TakeOffline,
        _ => ZombieAction::Update,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_entries_cover_subdomains_only_at_a_dot() {
        assert!(covers("gov.cn", "www.moe.gov.cn"));
        assert!(covers("gov.cn", "gov.cn"));
        assert!(covers("edu.cn", "WWW.PKU.EDU.CN."));
        assert!(!covers("gov.cn", "fakegov.cn"));
        assert!(!covers("example.com", "example.com.evil.test"));
        let list = vec!["partner.example".to_owned()];
        assert!(allowed(&list, "lib.partner.example"));
        assert!(!allowed(&list, "partner.example.test"));
    }

    #[test]
    fn entries_are_normalized_or_refused() {
        assert_eq!(normalize_domain(" *.Partner.Example. ").as_deref(), Some("partner.example"));
        assert_eq!(normalize_domain("gov.cn").as_deref(), Some("gov.cn"));
        assert_eq!(normalize_domain("localhost"), None);
        assert_eq!(normalize_domain("http://x.example/"), None);
        assert_eq!(normalize_domain("a..b"), None);
        assert_eq!(normalize_domain(""), None);
    }

    #[test]
    fn spam_domains_are_told_from_ordinary_names() {
        for spam in [
            "888bet.xyz",
            "hg0088.com",
            "amjs1234.vip",
            "xpj-casino.top",
            "x7k2qp9z.com",
            "qwxzkbdf.net",
            "sbobet-asia.com",
            "bocai518.cc",
            "www.av91.club",
            "betway.com",
            "bet365.com",
            "a1b2c3d4.cn",
            "best-porn-site.example",
            "lucky.bet",
        ] {
            assert!(looks_spammy(spam), "{spam} should look like spam: {:?}", spam_signs(spam));
        }
        for fine in [
            "www.moe.gov.cn",
            "baidu.com",
            "weixin.qq.com",
            "alphabet.com",
            "avenue.example",
            "essex.ac.uk",
            "javascript.info",
            "github.com",
            "zhongguancun.com",
            "xuexi.cn",
            "bilibili.com",
            "people.com.cn",
            "beta.example",
            "better.com",
            "strengths.example",
            "zjgsdx.com",
            "10086.cn",
            "91.com",
            "cnki.net",
            "12377.cn",
            "scholar.google.com",
            "ieee.org",
            "xn--fiqs8s.cn",
        ] {
            assert!(!looks_spammy(fine), "{fine} should not look like spam: {:?}", spam_signs(fine));
        }
    }

    #[test]
    fn a_cheap_tld_alone_is_no_sign() {
        assert!(!looks_spammy("conference.top"));
        assert!(!looks_spammy("museum.xyz"));
        assert_eq!(spam_signs("hg0088.xyz"), vec!["digit_run", "cheap_tld"]);
    }

    #[test]
    fn severity_follows_hidden_then_name() {
        assert_eq!(external_link_severity(true, false), FindingSeverity::High);
        assert_eq!(external_link_severity(false, true), FindingSeverity::Medium);
        assert_eq!(external_link_severity(false, false), FindingSeverity::Low);
    }

    #[test]
    fn double_outside_sites() {
        let domains = vec!["example.edu.cn".to_owned()];
        let campus: Vec<Net> = ["10.0.0.0/8", "202.100.0.0/16"].iter().filter_map(|s| Net::parse(s)).collect();
        let ip = |s: &str| s.parse::<IpAddr>().ok().into_iter().collect::<Vec<_>>();
        assert!(outside_reasons("www.example.edu.cn", &ip("10.1.2.3"), &domains, &campus).is_empty());
        assert_eq!(outside_reasons("lab.example.com", &ip("10.1.2.3"), &domains, &campus), vec![OutsideReason::Domain]);
        assert_eq!(
            outside_reasons("news.example.edu.cn", &ip("47.95.1.1"), &domains, &campus),
            vec![OutsideReason::Address]
        );
        assert_eq!(
            outside_reasons("shop.example.test", &ip("47.95.1.1"), &domains, &campus),
            vec![OutsideReason::Domain, OutsideReason::Address]
        );
        // A literal address is judged by its address only.
        assert_eq!(outside_reasons("202.100.3.4", &[], &domains, &campus), Vec::<OutsideReason>::new());
        assert_eq!(outside_reasons("8.8.8.8", &[], &domains, &campus), vec![OutsideReason::Address]);
        // Nothing configured, nothing judged; an unresolved name is not judged by address.
        assert!(outside_reasons("lab.example.com", &ip("47.95.1.1"), &[], &[]).is_empty());
        assert!(named_outside("https://www.example.edu.cn/\nhttp://shop.vendor.example/", &domains));
        assert!(!named_outside("https://www.example.edu.cn/\nhttp://10.1.2.3:8080/", &domains));
        assert!(!named_outside("http://shop.vendor.example/", &[]));
        assert_eq!(outside_reasons("news.example.edu.cn", &[], &domains, &campus), Vec::<OutsideReason>::new());
    }

    #[test]
    fn a_column_is_the_directory_of_its_list_pages() {
        let k = column_key;
        assert_eq!(k("https://a.example/news/"), "https://a.example/news/");
        assert_eq!(k("https://a.example/news/index2.htm"), "https://a.example/news/");
        assert_eq!(k("https://a.example/news/list.jsp?page=3"), "https://a.example/news/");
        assert_eq!(k("https://a.example/list.jsp?col=5/6"), "https://a.example/");
        assert_eq!(k("https://a.example"), "https://a.example/");
        assert_ne!(k("https://a.example/col/1/"), k("https://a.example/col/2/"));
    }

    #[test]
    fn zombies_and_what_to_do() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert!(!is_zombie(Some(d(2026, 6, 10)), today, ZOMBIE_DAYS));
        assert!(is_zombie(Some(d(2026, 6, 9)), today, ZOMBIE_DAYS));
        assert!(!is_zombie(None, today, ZOMBIE_DAYS));
        assert_eq!(zombie_action(d(2026, 1, 1), today), ZombieAction::Update);
        assert_eq!(zombie_action(d(2024, 6, 1), today), ZombieAction::TakeOffline);
        assert_eq!(zombie_action(d(2021, 6, 1), today), ZombieAction::Close);
    }
}
