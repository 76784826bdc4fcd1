//! The message catalog: zh-CN first, English second. Catalogs are TOML files
//! embedded in the binary; a missing key shows the key itself (and a test
//! keeps both catalogs' keys identical).

use std::collections::HashMap;

pub const DEFAULT_LOCALE: &str = "zh-CN";

/// Shown instead of a message whose key is not in the catalog (tests look for it).
pub const MISSING: &str = "⟦missing message⟧";

#[derive(Debug)]
pub struct Catalog {
    zh: HashMap<String, String>,
    en: HashMap<String, String>,
}

fn parse(src: &str) -> Result<HashMap<String, String>, String> {
    toml::from_str::<HashMap<String, String>>(src).map_err(|e| e.to_string())
}

impl Catalog {
    pub fn load() -> Result<Catalog, String> {
        Ok(Catalog {
            zh: parse(include_str!("../locales/zh-CN.toml"))?,
            en: parse(include_str!("../locales/en.toml"))?,
        })
    }

    /// A view of the catalog in one locale (unknown locales fall back to zh-CN).
    pub fn locale<'a>(&'a self, locale: &str) -> Msg<'a> {
        if locale == "en" { Msg { locale: "en", map: &self.en } } else { Msg { locale: DEFAULT_LOCALE, map: &self.zh } }
    }

    pub fn keys(&self) -> (Vec<&String>, Vec<&String>) {
        let mut a: Vec<&String> = self.zh.keys().collect();
        let mut b: Vec<&String> = self.en.keys().collect();
        a.sort();
        b.sort();
        (a, b)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Msg<'a> {
    pub locale: &'static str,
    map: &'a HashMap<String, String>,
}

impl<'a> Msg<'a> {
    pub fn t(&self, key: &str) -> &'a str {
        match self.map.get(key) {
            Some(v) => v.as_str(),
            None => {
                tracing::warn!(key, locale = self.locale, "missing message");
                MISSING
            }
        }
    }

    /// `t` with `{name}` placeholders filled in.
    pub fn fmt(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut s = self.t(key).to_owned();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    /// A message for a stable machine code, e.g. `invalid.required`; falls back to the code.
    pub fn code(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}.{code}");
        match self.map.get(&key) {
            Some(v) => v.clone(),
            None => code.to_owned(),
        }
    }
}

static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();

/// The process-wide catalog (embedded; parsed once).
pub fn catalog() -> &'static Catalog {
    CATALOG.get_or_init(|| {
        Catalog::load().unwrap_or_else(|e| {
            tracing::error!(error = %e, "message catalog does not parse");
            Catalog { zh: HashMap::new(), en: HashMap::new() }
        })
    })
}

/// Shorthand: the catalog in one locale.
pub fn msg(locale: &str) -> Msg<'static> {
    catalog().locale(locale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogs_have_the_same_keys() {
        let c = Catalog::load().unwrap();
        let (zh, en) = c.keys();
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(only_zh.is_empty() && only_en.is_empty(), "zh only: {only_zh:?}; en only: {only_en:?}");
        assert!(zh.len() > 100);
    }

    #[test]
    fn lookup_and_fallback() {
        let c = Catalog::load().unwrap();
        assert_eq!(c.locale("zh-CN").t("nav.units"), "单位");
        assert_eq!(c.locale("en").t("nav.units"), "Units");
        assert_eq!(c.locale("fr").t("nav.units"), "单位");
        assert_eq!(
            c.locale("en").fmt("common.page_of", &[("page", "2"), ("pages", "3"), ("total", "41")]),
            "Page 2 of 3, 41 in all"
        );
        assert_eq!(c.locale("en").code("invalid", "no_such_code"), "no_such_code");
    }
}
