//! The words of notifications in each language: a catalog per language
//! (`crates/core/locales/messages.<locale>.toml`, embedded), filled in per
//! recipient. A message is written in every language at once and the outbox
//! keeps, for each recipient, the one of their language (a person's is their
//! account's; group channels get the default, Chinese).

use std::collections::HashMap;
use std::sync::OnceLock;

pub const DEFAULT_LOCALE: &str = "zh-CN";
/// The languages messages are written in, default first.
pub const LOCALES: [&str; 2] = ["zh-CN", "en"];

fn parse(src: &str) -> HashMap<String, String> {
    toml::from_str(src).unwrap_or_default()
}

fn catalog(locale: &str) -> &'static HashMap<String, String> {
    static ZH: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    if locale == "en" {
        EN.get_or_init(|| parse(include_str!("../../locales/messages.en.toml")))
    } else {
        ZH.get_or_init(|| parse(include_str!("../../locales/messages.zh-CN.toml")))
    }
}

/// The language a recipient reads: one of `LOCALES`, else the default.
pub fn locale_of(word: &str) -> &'static str {
    LOCALES.iter().find(|l| **l == word).copied().unwrap_or(DEFAULT_LOCALE)
}

/// The text of `key` in `locale` with `{name}` filled in from `args` (the key itself when missing).
pub fn t(locale: &str, key: &str, args: &[(&str, &str)]) -> String {
    let Some(text) = catalog(locale).get(key) else { return key.to_owned() };
    let mut out = text.clone();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A labelled line of a body: `单位：化学学院` / `Unit: School of Chemistry`.
pub fn line(locale: &str, label: &str, value: &str) -> String {
    format!("{}{}{value}", t(locale, &format!("label.{label}"), &[]), t(locale, "label.sep", &[]))
}

/// A message: the event word, the link, and its subject and body in each language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub event: String,
    pub link: String,
    /// (subject, body) in each of `LOCALES`, in that order.
    pub texts: Vec<(String, String)>,
}

impl Message {
    /// Write the message in every language: `f(locale)` gives its subject and body.
    pub fn new(event: impl Into<String>, link: impl Into<String>, f: impl Fn(&str) -> (String, String)) -> Message {
        Message { event: event.into(), link: link.into(), texts: LOCALES.iter().map(|l| f(l)).collect() }
    }

    fn index(locale: &str) -> usize {
        LOCALES.iter().position(|l| *l == locale).unwrap_or(0)
    }

    pub fn subject(&self, locale: &str) -> &str {
        self.texts.get(Self::index(locale)).map_or("", |t| t.0.as_str())
    }

    pub fn body(&self, locale: &str) -> &str {
        self.texts.get(Self::index(locale)).map_or("", |t| t.1.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(src: &str) -> Vec<String> {
        let mut k: Vec<String> = parse(src).into_keys().collect();
        k.sort();
        k
    }

    fn placeholders(text: &str) -> Vec<String> {
        let mut out: Vec<String> =
            text.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned())).collect();
        out.sort();
        out
    }

    #[test]
    fn both_catalogs_say_the_same_things() {
        let zh_src = include_str!("../../locales/messages.zh-CN.toml");
        let en_src = include_str!("../../locales/messages.en.toml");
        assert!(!parse(zh_src).is_empty() && !parse(en_src).is_empty(), "both parse");
        assert_eq!(keys(zh_src), keys(en_src));
        for k in keys(zh_src) {
            assert_eq!(placeholders(&t("zh-CN", &k, &[])), placeholders(&t("en", &k, &[])), "{k}");
        }
    }

    #[test]
    fn texts_are_filled_in_per_language() {
        assert_eq!(
            t("zh-CN", "rect.overdue", &[("system", "化学学院网站")]),
            "【整改逾期】化学学院网站 已超过整改期限"
        );
        assert!(t("en", "rect.overdue", &[("system", "Chem site")]).starts_with("[Overdue] Chem site"));
        assert_eq!(line("zh-CN", "unit", "化学学院"), "单位：化学学院");
        assert_eq!(line("en", "unit", "Chemistry"), "Unit: Chemistry");
        assert_eq!(locale_of("fr"), "zh-CN");
        let m = Message::new("x", "/", |l| (t(l, "severity.high", &[]), String::new()));
        assert_eq!((m.subject("zh-CN"), m.subject("en"), m.subject("fr")), ("高危", "high", "高危"));
    }
}
