//! Dates on a page: when a list page (栏目) was last updated. Reads ISO
//! and Chinese dates (`2026-03-01`, `2026/3/1`, `2026.03.01`,
//! `2026年3月1日`), month-day dates of news lists (`[03-01]`, `03-01`,
//! `3月1日` — the year is the latest one that is not in the future),
//! relative ones (`3天前`, `昨天`, `2 days ago`) and dates in article
//! addresses (`/2026/0301/c123a4/page.htm`, `/20260301/`, `t20260301_1.html`).
//! A clock on the page (`2026年12月6日 星期日`, `今天是…`) is no update.

use chrono::{Datelike, Days, Months, NaiveDate};

/// What the dates of one page say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dated {
    /// The newest date on the page that is not in the future.
    pub newest: Option<NaiveDate>,
    /// How many items carry a date (text and article addresses, the larger).
    pub items: usize,
}

impl Dated {
    /// A list page lists dated items: three or more.
    pub fn is_list(&self) -> bool {
        self.items >= 3
    }
}

/// The dates of a page's text blocks and the addresses of its links.
pub fn of_page<'a>(
    blocks: impl IntoIterator<Item = &'a str>,
    hrefs: impl IntoIterator<Item = &'a str>,
    today: NaiveDate,
) -> Dated {
    let mut newest = None;
    let mut in_text = 0;
    for b in blocks {
        for d in in_text_of(b, today).into_iter().chain(relative(b, today)) {
            in_text += 1;
            newest = newest.max(Some(d));
        }
    }
    let mut in_urls = 0;
    for h in hrefs {
        if let Some(d) = in_url(h, today) {
            in_urls += 1;
            newest = newest.max(Some(d));
        }
    }
    Dated { newest, items: in_text.max(in_urls) }
}

fn valid(y: i32, m: u32, d: u32, today: NaiveDate) -> Option<NaiveDate> {
    let date = NaiveDate::from_ymd_opt(y, m, d)?;
    // Not before the web, not after tomorrow (time zones).
    (y >= 1995 && date <= today.checked_add_days(Days::new(1))?).then_some(date)
}

/// A month-day without a year: the latest such date not after tomorrow.
fn month_day(m: u32, d: u32, today: NaiveDate) -> Option<NaiveDate> {
    valid(today.year(), m, d, today).or_else(|| valid(today.year() - 1, m, d, today))
}

/// Digits at `i` (at most `max`), as a number and the index after them.
fn number(b: &[u8], i: usize, max: usize) -> Option<(u32, usize)> {
    let mut j = i;
    let mut n = 0u32;
    while j < b.len() && j - i < max && b[j].is_ascii_digit() {
        n = n * 10 + u32::from(b[j] - b'0');
        j += 1;
    }
    (j > i && !(j < b.len() && b[j].is_ascii_digit())).then_some((n, j))
}

fn starts(b: &[u8], i: usize, s: &str) -> bool {
    b.get(i..i + s.len()) == Some(s.as_bytes())
}

/// Is what follows a date (after spaces) a weekday, as a clock shows it?
fn weekday_after(b: &[u8], mut i: usize) -> bool {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    ["星期", "礼拜", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "周天"].iter().any(|w| starts(b, i, w))
}

/// Is a clock's words just before `i` (`今天是`, `当前时间`)?
fn clock_before(text: &str, i: usize) -> bool {
    let head = &text[..i];
    let head = head.trim_end_matches([' ', '：', ':']);
    ["今天是", "今日", "当前时间", "现在是", "今天"].iter().any(|w| head.ends_with(w))
}

/// Every date in a text, in order.
pub fn in_text_of(text: &str, today: NaiveDate) -> Vec<NaiveDate> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !c.is_ascii_digit() {
            i += if (0xE0..=0xEF).contains(&c) { relative_word(text, i, today, &mut out).unwrap_or(1) } else { 1 };
            continue;
        }
        // A number inside a longer run of digits or letters is not a date's start.
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-' || b[i - 1] == b'/' || b[i - 1] == b'.') {
            i += 1;
            continue;
        }
        match date_at(text, i, today) {
            Some((date, end)) => {
                if let Some(d) = date {
                    out.push(d);
                }
                i = end;
            }
            None => {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
        }
    }
    out
}

/// A date starting at byte `i` (a digit): the date (`None` when it is a
/// clock's) and where it ends.
fn date_at(text: &str, i: usize, today: NaiveDate) -> Option<(Option<NaiveDate>, usize)> {
    let b = text.as_bytes();
    let (first, after_first) = number(b, i, 4)?;
    let width = after_first - i;
    // Year first: 2026-03-01, 2026/3/1, 2026.03.01, 2026年3月1日.
    if width == 4 {
        let (date, end) = if let Some(&sep @ (b'-' | b'/' | b'.')) = b.get(after_first) {
            let (m, j) = number(b, after_first + 1, 2)?;
            if b.get(j) != Some(&sep) {
                return None;
            }
            let (d, k) = number(b, j + 1, 2)?;
            (valid(first as i32, m, d, today), k)
        } else if starts(b, after_first, "年") {
            let (m, j) = number(b, after_first + 3, 2)?;
            if !starts(b, j, "月") {
                return None;
            }
            let (d, k) = number(b, j + 3, 2)?;
            let k = if starts(b, k, "日") || starts(b, k, "号") { k + 3 } else { k };
            (valid(first as i32, m, d, today), k)
        } else {
            return None;
        };
        let date = date?;
        let clock = weekday_after(b, end) || clock_before(text, i);
        return Some(((!clock).then_some(date), end));
    }
    // Month and day: 03-01 (two digits each, as news lists print them), 3月1日.
    if width <= 2 {
        if b.get(after_first) == Some(&b'-') && width == 2 {
            let (d, j) = number(b, after_first + 1, 2)?;
            if j - after_first - 1 != 2 || !standalone(text, i, j) {
                return None;
            }
            let date = month_day(first, d, today)?;
            return Some((Some(date), j));
        }
        if starts(b, after_first, "月") {
            let (d, j) = number(b, after_first + 3, 2)?;
            if !(starts(b, j, "日") || starts(b, j, "号")) {
                return None;
            }
            let date = month_day(first, d, today)?;
            let clock = weekday_after(b, j + 3) || clock_before(text, i);
            return Some(((!clock).then_some(date), j + 3));
        }
    }
    None
}

/// Does `text[i..j]` stand apart (start, space or bracket on each side),
/// as a list's `[03-01]` does, and unlike a range `第10-20页`?
fn standalone(text: &str, i: usize, j: usize) -> bool {
    let before = text[..i].chars().next_back();
    let after = text[j..].chars().next();
    let open = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "[(【（〔<「".contains(c));
    let close = |c: Option<char>| c.is_none_or(|c| c.is_whitespace() || "])】）〕>」".contains(c));
    open(before) && close(after)
}

/// A relative date at byte `i`: `3天前`, `2小时前`, `刚刚`, `今天`, `昨天`,
/// `前天`, `1周前`, `2个月前`. Returns the bytes to skip when one was read.
fn relative_word(text: &str, i: usize, today: NaiveDate, out: &mut Vec<NaiveDate>) -> Option<usize> {
    let b = text.as_bytes();
    for (word, days) in [("刚刚", 0u64), ("昨天", 1), ("前天", 2)] {
        if starts(b, i, word) {
            out.extend(today.checked_sub_days(Days::new(days)));
            return Some(word.len());
        }
    }
    None
}

/// Relative dates written with a number (`3天前`, `5 days ago`): read where the number stands.
pub fn relative(text: &str, today: NaiveDate) -> Vec<NaiveDate> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let Some((n, mut j)) = number(b, i, 3) else {
            i += 1;
            continue;
        };
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        let n64 = u64::from(n);
        let date = if starts(b, j, "分钟前") || starts(b, j, "小时前") || starts(b, j, "秒前") {
            Some(today)
        } else if starts(b, j, "天前") || starts(b, j, "日前") {
            today.checked_sub_days(Days::new(n64))
        } else if starts(b, j, "周前") || starts(b, j, "星期前") {
            today.checked_sub_days(Days::new(n64 * 7))
        } else if starts(b, j, "个月前") || starts(b, j, "月前") {
            today.checked_sub_months(Months::new(n))
        } else if starts(b, j, "年前") {
            today.checked_sub_months(Months::new(n * 12))
        } else {
            let rest = text.get(j..).unwrap_or("").to_ascii_lowercase();
            let unit = ["minute", "hour", "day", "week", "month", "year"].into_iter().find(|u| rest.starts_with(u));
            let ago = unit.is_some_and(|u| {
                let tail = rest[u.len()..].trim_start_matches('s').trim_start();
                tail.starts_with("ago")
            });
            match unit.filter(|_| ago) {
                Some("minute" | "hour") => Some(today),
                Some("day") => today.checked_sub_days(Days::new(n64)),
                Some("week") => today.checked_sub_days(Days::new(n64 * 7)),
                Some("month") => today.checked_sub_months(Months::new(n)),
                Some("year") => today.checked_sub_months(Months::new(n * 12)),
                _ => None,
            }
        };
        out.extend(date);
        i = j.max(i + 1);
    }
    out
}

/// A date in an article's address, as Chinese CMSs write them:
/// `/2026/0301/c123a4/page.htm`, `/2026/03/01/`, `/20260301/`,
/// `t20260301_12345.html`, `/2026-03-01/`.
pub fn in_url(href: &str, today: NaiveDate) -> Option<NaiveDate> {
    let path = href.split(['?', '#']).next().unwrap_or("");
    // Only the path: skip a scheme and host.
    let path = match path.find("://") {
        Some(p) => path[p + 3..].find('/').map_or("", |q| &path[p + 3 + q..]),
        None => path,
    };
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_digit()) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        let run = &path[i..j];
        let prev = i.checked_sub(1).map(|k| b[k]);
        let bounded = matches!(prev, Some(b'/' | b't' | b'_' | b'-')) || prev.is_none();
        let parse = |s: &str| s.parse::<u32>().ok();
        let found = match run.len() {
            // 20260301
            8 if bounded => {
                let (y, m, d) = (parse(&run[..4])?, parse(&run[4..6])?, parse(&run[6..])?);
                valid(y as i32, m, d, today)
            }
            // 2026/0301, 2026/03/01, 2026-03-01
            4 if bounded && matches!(b.get(j), Some(b'/' | b'-')) => {
                let y = parse(run)?;
                let rest = &path[j + 1..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if digits.len() == 4 && !rest[4..].starts_with(|c: char| c.is_ascii_digit()) {
                    valid(y as i32, parse(&digits[..2])?, parse(&digits[2..])?, today)
                } else if digits.len() == 2 && rest.as_bytes().get(2) == b.get(j) {
                    let day: String = rest[3..].chars().take_while(char::is_ascii_digit).collect();
                    (day.len() == 2).then(|| valid(y as i32, parse(&digits)?, parse(&day)?, today)).flatten()
                } else {
                    None
                }
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
        i = j;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }
    const TODAY: (i32, u32, u32) = (2026, 12, 6);
    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn iso_and_chinese_dates() {
        let t = today();
        assert_eq!(in_text_of("发布时间：2026-03-01 10:20", t), vec![d(2026, 3, 1)]);
        assert_eq!(in_text_of("2026/3/1", t), vec![d(2026, 3, 1)]);
        assert_eq!(in_text_of("2026.03.01", t), vec![d(2026, 3, 1)]);
        assert_eq!(in_text_of("2026年3月1日召开", t), vec![d(2026, 3, 1)]);
        assert_eq!(in_text_of("2025年12月31号", t), vec![d(2025, 12, 31)]);
        assert_eq!(in_text_of("学院新闻 2024-05-07 学院新闻 2024-06-07", t), vec![d(2024, 5, 7), d(2024, 6, 7)]);
    }

    #[test]
    fn month_day_takes_the_latest_year_not_in_the_future() {
        let t = today();
        assert_eq!(in_text_of("关于举办讲座的通知 [03-01]", t), vec![d(2026, 3, 1)]);
        assert_eq!(in_text_of("【12-20】年终总结", t), vec![d(2025, 12, 20)]);
        assert_eq!(in_text_of("12-06", t), vec![d(2026, 12, 6)]);
        assert_eq!(in_text_of("3月1日", t), vec![d(2026, 3, 1)]);
    }

    #[test]
    fn not_dates() {
        let t = today();
        for s in [
            "电话：0371-65781234",
            "版权所有 2005-2026",
            "2026-13-01",
            "2026-02-30",
            "1990-01-01",
            "2027-05-01",
            "邮编 450001",
            "ISBN 978-7-04-012345-6",
            "第10-20页",
            "v1.2.3",
            "10:20-12:30",
            "abc2026-03-01",
        ] {
            assert!(in_text_of(s, t).is_empty(), "{s:?} gave {:?}", in_text_of(s, t));
        }
    }

    #[test]
    fn a_clock_is_no_update() {
        let t = today();
        assert!(in_text_of("2026年12月6日 星期日", t).is_empty());
        assert!(in_text_of("今天是：2026-12-06", t).is_empty());
        assert!(in_text_of("12月6日 周日", t).is_empty());
        assert_eq!(in_text_of("2026年3月1日 会议纪要", t), vec![d(2026, 3, 1)]);
    }

    #[test]
    fn relative_dates() {
        let t = today();
        assert_eq!(in_text_of("刚刚", t), vec![t]);
        assert_eq!(in_text_of("昨天 10:00", t), vec![d(2026, 12, 5)]);
        assert_eq!(relative("3天前", t), vec![d(2026, 12, 3)]);
        assert_eq!(relative("5 小时前", t), vec![t]);
        assert_eq!(relative("2个月前", t), vec![d(2026, 10, 6)]);
        assert_eq!(relative("1年前", t), vec![d(2025, 12, 6)]);
        assert_eq!(relative("2 weeks ago", t), vec![d(2026, 11, 22)]);
        assert_eq!(relative("posted 4 days ago", t), vec![d(2026, 12, 2)]);
        assert!(relative("共3天", t).is_empty());
        assert!(relative("30 days", t).is_empty());
    }

    #[test]
    fn dates_in_addresses() {
        let t = today();
        assert_eq!(in_url("/2026/0301/c1234a56789/page.htm", t), Some(d(2026, 3, 1)));
        assert_eq!(in_url("https://news.example.edu.cn/2025/11/30/article.html", t), Some(d(2025, 11, 30)));
        assert_eq!(in_url("/info/20240715/1234.htm", t), Some(d(2024, 7, 15)));
        assert_eq!(in_url("./t20230102_98765.html", t), Some(d(2023, 1, 2)));
        assert_eq!(in_url("/2026-03-01/x.html", t), Some(d(2026, 3, 1)));
        assert_eq!(in_url("/info/1012/12345.htm", t), None);
        assert_eq!(in_url("/news/2026.html", t), None);
        assert_eq!(in_url("http://2026.example/x?d=20260301", t), None);
        assert_eq!(in_url("/content/12345678.htm", t), None);
    }

    #[test]
    fn a_list_page_has_three_dated_items() {
        let t = today();
        let blocks = ["通知一 2024-01-05", "通知二 2024-02-11", "通知三 2024-03-20", "版权所有 2005-2026"];
        let dated = of_page(blocks, [], t);
        assert!(dated.is_list());
        assert_eq!(dated.newest, Some(d(2024, 3, 20)));
        let article = of_page(["发布日期：2024-03-20", "正文"], [], t);
        assert!(!article.is_list());
        let by_links =
            of_page([], ["/2023/0105/c1a1/page.htm", "/2023/0211/c1a2/page.htm", "/2023/0320/c1a3/page.htm"], t);
        assert!(by_links.is_list());
        assert_eq!(by_links.newest, Some(d(2023, 3, 20)));
    }
}
