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
            zh: parse(include_str!("../../locales/zh-CN.toml"))?,
            en: parse(include_str!("../../locales/en.toml"))?,
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

/// A value of a closed set shown on pages, or a reference to one (templates
/// hand over both); its label is `<prefix>.<word>` in the catalog.
pub trait AsLabel {
    fn prefix_and_word(&self) -> (&'static str, &'static str);
}

impl<'a> Msg<'a> {
    /// A closed set's value in words: `label(&Stage::Online)` → 已上线.
    pub fn label<T: AsLabel + ?Sized>(&self, value: &T) -> String {
        let (prefix, word) = value.prefix_and_word();
        self.code(prefix, word)
    }
}

/// Declares each labelled set once; the catalog test walks the same list.
macro_rules! labelled {
    ($($t:ty => $prefix:literal),+ $(,)?) => {
        $(impl AsLabel for $t {
            fn prefix_and_word(&self) -> (&'static str, &'static str) {
                ($prefix, self.as_str())
            }
        }
        impl AsLabel for &$t {
            fn prefix_and_word(&self) -> (&'static str, &'static str) {
                ($prefix, self.as_str())
            }
        })+

        /// Every labelled set as (prefix, words), for the catalog test.
        #[cfg(test)]
        fn labelled_sets() -> Vec<(&'static str, Vec<&'static str>)> {
            vec![$(($prefix, <$t as wangan_core::platform::closed_set::ClosedSet>::all().iter().map(|v| v.as_str()).collect())),+]
        }
    };
}

labelled! {
    wangan_core::registry::Stage => "stage",
    wangan_core::registry::SystemKind => "kind",
    wangan_core::registry::Hosting => "hosting",
    wangan_core::registry::FilingStatus => "filing",
    wangan_core::registry::ProtectionKind => "protection",
    wangan_core::registry::EvaluationResult => "evaluation.result",
    wangan_core::registry::rules::mlps::DueState => "mlps",
    wangan_core::notices::NoticeStatus => "nstatus",
    wangan_core::notices::NoticeSource => "source",
    wangan_core::notices::Severity => "severity",
    wangan_core::notices::ViolationCategory => "violation",
    wangan_core::notices::ViolationState => "vstate",
    wangan_core::notices::ShutdownOrderState => "ostate",
    wangan_core::registry::GoLiveState => "golive",
    wangan_core::notify::ChannelKind => "channel_kind",
    wangan_core::directory::service::units::UnitKind => "unit.kind",
    wangan_core::notify::DeliveryStatus => "outbox",
    wangan_core::monitoring::Check => "check",
    wangan_core::monitoring::FindingCode => "finding.code",
    wangan_core::monitoring::Health => "mstatus",
    wangan_core::monitoring::WallState => "mstatus",
    wangan_core::monitoring::FindingSeverity => "severity",
    wangan_core::notices::RectificationStatus => "rstatus",
    wangan_core::inspections::Answer => "answer",
    wangan_core::inspections::CampaignState => "cstate",
    wangan_core::inspections::SubmissionState => "sstate",
    wangan_core::scorecard::Factor => "factor",
    wangan_core::enforcement::CorrectionFilter => "correction",
    wangan_core::warnings::WarningSource => "wsource",
    wangan_core::warnings::Targeting => "targeting",
    wangan_core::warnings::AckState => "ack",
    wangan_core::data_calls::DataCallState => "dcstate",
    wangan_core::data_calls::FieldKind => "fkind",
    wangan_core::incidents::IncidentKind => "ikind",
    wangan_core::incidents::IncidentGrade => "grade",
    wangan_core::incidents::IncidentSource => "isource",
    wangan_core::incidents::IncidentState => "istate",
    wangan_core::incidents::IncidentStep => "istep",
    wangan_core::incidents::EventKind => "ievent",
    wangan_core::incidents::ClockState => "clock",
    wangan_core::duty::AlertRung => "rung_duty",
    wangan_core::duty::DutyLevel => "dlevel",
    wangan_core::duty::SwapState => "swap",
    wangan_core::key_periods::PeriodKind => "pkind",
    wangan_core::key_periods::ReportState => "rstate_kp",
    wangan_core::registers::PolicyKind => "policy_kind",
    wangan_core::registers::ActionState => "action",
    wangan_core::registers::RequestState => "drstate",
    wangan_core::registers::BudgetCategory => "bcat",
    wangan_core::registers::TrainingKind => "tkind",
    wangan_core::registers::CertificateKind => "ckind",
    wangan_core::registers::CertificateState => "cstate_cert",
    wangan_core::registers::RecordKind => "record_kind",
    wangan_core::registers::PlanStatus => "plan_status",
    wangan_core::sites::LinkReview => "link_review",
    wangan_core::sites::OutsideReason => "outside_reason",
    wangan_core::sites::OutsideDecision => "outside_decision",
    wangan_core::sites::ZombieAction => "zombie_action",
}

static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
static NAMES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();

/// The catalog's name for the network center, as it stands in zh-CN.
pub const DEFAULT_CENTER: &str = "网络信息中心";
/// The catalog's name for the leadership group, as it stands in zh-CN.
pub const DEFAULT_LEADERSHIP_GROUP: &str = "网络安全与信息化领导小组";

/// The deployment's names for its network center and its leadership group
/// (`[institution] center`, `leadership_group`), used throughout the Chinese
/// pages in place of the defaults. Set once, at start, before the first
/// page; later calls change nothing.
pub fn set_names(center: &str, leadership_group: &str) {
    let or =
        |name: &str, default: &str| if name.trim().is_empty() { default.to_owned() } else { name.trim().to_owned() };
    let _ = NAMES.set((or(center, DEFAULT_CENTER), or(leadership_group, DEFAULT_LEADERSHIP_GROUP)));
}

impl Catalog {
    /// The zh-CN messages with the deployment's own names.
    fn with_names(mut self, center: &str, leadership_group: &str) -> Catalog {
        for (default, name) in [(DEFAULT_CENTER, center), (DEFAULT_LEADERSHIP_GROUP, leadership_group)] {
            if name == default {
                continue;
            }
            for v in self.zh.values_mut() {
                if v.contains(default) {
                    *v = v.replace(default, name);
                }
            }
        }
        self
    }
}

/// The process-wide catalog (embedded; parsed once).
pub fn catalog() -> &'static Catalog {
    CATALOG.get_or_init(|| {
        let c = Catalog::load().unwrap_or_else(|e| {
            tracing::error!(error = %e, "message catalog does not parse");
            Catalog { zh: HashMap::new(), en: HashMap::new() }
        });
        match NAMES.get() {
            Some((center, group)) => c.with_names(center, group),
            None => c,
        }
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
    fn the_center_has_one_configurable_name() {
        let c = Catalog::load().unwrap().with_names("信息化建设与管理处", "网络安全和信息化委员会");
        let zh = c.locale("zh-CN");
        assert!(zh.t("order.hint").contains("信息化建设与管理处"), "{}", zh.t("order.hint"));
        assert_eq!(zh.t("leadership.title"), "网络安全和信息化委员会");
        assert!(!c.zh.values().any(|v| v.contains(DEFAULT_CENTER)), "no other name is left");
        let shipped = Catalog::load().unwrap();
        assert!(shipped.zh.values().any(|v| v.contains(DEFAULT_CENTER)));
        assert!(!shipped.zh.values().any(|v| v.contains("网络与信息中心")), "one spelling of the center");
    }

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

    /// Every string literal passed as a key in `t("…")`, `fmt("…", …)`, and
    /// `word("prefix", "value")` / `code("prefix", "value")` in the web
    /// crate's code and templates.
    fn keys_used() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                    out.push(p);
                }
            }
        }
        fn literal(s: &str) -> Option<(&str, &str)> {
            let s = s.strip_prefix('"')?;
            let end = s.find('"')?;
            Some((&s[..end], &s[end + 1..]))
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        walk(&root.join("src"), &mut files);
        walk(&root.join("templates"), &mut files);
        let mut used = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let name = f.strip_prefix(root).unwrap().display().to_string();
            if name.ends_with("i18n.rs") {
                continue; // this file's own tests name keys that must not exist
            }
            for call in ["t(", "fmt("] {
                for (i, _) in text.match_indices(call) {
                    let before = text[..i].chars().last();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    if let Some((key, _)) = literal(&text[i + call.len()..]) {
                        used.push((name.clone(), key.to_owned()));
                    }
                }
            }
            for call in ["word(", "code("] {
                for (i, _) in text.match_indices(call) {
                    let Some((prefix, rest)) = literal(&text[i + call.len()..]) else { continue };
                    if let Some((value, _)) = rest.strip_prefix(", ").and_then(literal) {
                        used.push((name.clone(), format!("{prefix}.{value}")));
                    }
                }
            }
        }
        used
    }

    #[test]
    fn every_key_used_in_code_and_templates_is_in_both_catalogs() {
        let c = Catalog::load().unwrap();
        let used = keys_used();
        assert!(used.len() > 600, "the scan finds the keys: {}", used.len());
        let missing: Vec<_> = used
            .iter()
            .filter(|(_, k)| !c.zh.contains_key(k) || !c.en.contains_key(k))
            .map(|(f, k)| format!("{f}: {k}"))
            .collect();
        assert!(missing.is_empty(), "keys missing from a catalog:\n{}", missing.join("\n"));
    }

    /// Every value of every closed set shown on a page has a label in both
    /// languages (`Ctx::word` would otherwise show the code word itself).
    #[test]
    fn every_value_of_a_closed_set_has_a_label_in_both_languages() {
        let roles: Vec<&str> = wangan_core::Role::ALL.iter().map(|r| r.as_str()).collect();
        let mut sets: Vec<(&str, Vec<&str>)> = labelled_sets();
        sets.extend([("role", roles)]);
        let c = Catalog::load().unwrap();
        let mut missing = Vec::new();
        for (prefix, values) in &sets {
            for v in values {
                let key = format!("{prefix}.{v}");
                for (lang, map) in [("zh-CN", &c.zh), ("en", &c.en)] {
                    match map.get(&key) {
                        Some(label) if !label.trim().is_empty() && label != v => {}
                        _ => missing.push(format!("{lang}: {key}")),
                    }
                }
            }
        }
        assert!(missing.is_empty(), "closed-set values without a label:\n{}", missing.join("\n"));
    }
}
