//! Tampering (网页篡改): a page against its accepted baseline. The
//! baseline keeps a fingerprint of the visible text (a hash and length per
//! block) and of the structure (tag counts, scripts, iframes, external link
//! domains); a change beyond the threshold, or a new external script or
//! iframe, is a finding with a readable diff.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};
use serde_json::json;
use url::Url;

use super::content::{external_host, link_domains, site_of};
use super::html::{Page, char_count, text_hash};
use crate::finding::{Check, Finding, FindingCode, Severity};

/// What is kept of an accepted page (small: compared on every check).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Hash and length in characters of each visible text block (stored as
    /// one hex string: read on every check, it must parse fast).
    #[serde(with = "hex_blocks")]
    pub blocks: Vec<(u64, u32)>,
    pub tags: BTreeMap<String, u32>,
    /// External scripts (absolute URLs) and inline script hashes.
    pub scripts: BTreeSet<String>,
    pub iframes: BTreeSet<String>,
    pub link_domains: BTreeSet<String>,
    pub title: String,
}

impl Fingerprint {
    pub fn of(page: &Page, base: &Url) -> Fingerprint {
        Fingerprint {
            blocks: page.blocks.iter().map(|b| (text_hash(b.as_bytes()), char_count(b) as u32)).collect(),
            tags: page.tags.clone(),
            scripts: page.scripts.iter().filter_map(|s| s.src.as_ref().map(|src| absolute(base, src))).collect(),
            iframes: page.iframes.iter().map(|f| absolute(base, &f.href)).collect(),
            link_domains: link_domains(page, base),
            title: page.title.clone(),
        }
    }
}

/// The keys are hashes already: use them as they are.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

mod hex_blocks {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(blocks: &[(u64, u32)], s: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(blocks.len() * 24);
        for (h, l) in blocks {
            out.push_str(&format!("{h:016x}{l:08x}"));
        }
        s.serialize_str(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(u64, u32)>, D::Error> {
        let text = <&str>::deserialize(d)?;
        let bad = || serde::de::Error::custom("blocks: not 24 hex digits a block");
        if text.len() % 24 != 0 || !text.is_ascii() {
            return Err(bad());
        }
        (0..text.len() / 24)
            .map(|i| {
                let chunk = &text[i * 24..i * 24 + 24];
                let h = u64::from_str_radix(&chunk[..16], 16).map_err(|_| bad())?;
                let l = u32::from_str_radix(&chunk[16..], 16).map_err(|_| bad())?;
                Ok((h, l))
            })
            .collect()
    }
}

fn absolute(base: &Url, href: &str) -> String {
    base.join(href).map(|u| u.to_string()).unwrap_or_else(|_| href.to_owned())
}

/// How a page differs from its baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    /// Share of the text changed (0–1), by characters of both sides.
    pub text_change: f64,
    /// Share of the tags changed (0–1).
    pub structure_change: f64,
    pub added_text: Vec<String>,
    pub removed_text: Vec<String>,
    pub new_scripts: Vec<String>,
    pub removed_scripts: Vec<String>,
    pub new_iframes: Vec<String>,
    pub title_before: Option<String>,
}

const DIFF_LINES: usize = 30;

/// Compare a page with its baseline. `baseline_text` is the baseline's
/// blocks (for the removed lines; may be empty when only the measure is wanted).
pub fn compare(base: &Fingerprint, baseline_text: &[String], page: &Page, url: &Url) -> Diff {
    // The page's own fingerprint, less the link domains (the hidden-links check compares those).
    let now = Fingerprint {
        blocks: page.blocks.iter().map(|b| (text_hash(b.as_bytes()), char_count(b) as u32)).collect(),
        tags: BTreeMap::new(),
        scripts: page.scripts.iter().filter_map(|s| s.src.as_ref().map(|src| absolute(url, src))).collect(),
        iframes: page.iframes.iter().map(|f| absolute(url, &f.href)).collect(),
        link_domains: BTreeSet::new(),
        title: page.title.clone(),
    };
    let mut pool: HashMap<u64, u32, BuildHasherDefault<Prehashed>> =
        HashMap::with_capacity_and_hasher(base.blocks.len(), BuildHasherDefault::default());
    for (h, _) in &base.blocks {
        *pool.entry(*h).or_insert(0) += 1;
    }
    let mut changed: u64 = 0;
    let mut added_text = Vec::new();
    for ((h, len), text) in now.blocks.iter().zip(&page.blocks) {
        match pool.get_mut(h) {
            Some(n) if *n > 0 => *n -= 1,
            _ => {
                changed += u64::from(*len);
                if added_text.len() < DIFF_LINES {
                    added_text.push(text.clone());
                }
            }
        }
    }
    let mut removed_text = Vec::new();
    for (i, (h, len)) in base.blocks.iter().enumerate() {
        if let Some(n) = pool.get_mut(h)
            && *n > 0
        {
            *n -= 1;
            changed += u64::from(*len);
            if removed_text.len() < DIFF_LINES
                && let Some(t) = baseline_text.get(i)
            {
                removed_text.push(t.clone());
            }
        }
    }
    let total: u64 = base.blocks.iter().chain(&now.blocks).map(|(_, l)| u64::from(*l)).sum();
    let text_change = if total == 0 { 0.0 } else { changed as f64 / total as f64 };

    let mut tag_diff: u64 = 0;
    let mut tag_total: u64 = 0;
    let names: BTreeSet<&String> = base.tags.keys().chain(page.tags.keys()).collect();
    for name in names {
        let a = u64::from(base.tags.get(name).copied().unwrap_or(0));
        let b = u64::from(page.tags.get(name).copied().unwrap_or(0));
        tag_diff += a.abs_diff(b);
        tag_total += a + b;
    }
    let structure_change = if tag_total == 0 { 0.0 } else { tag_diff as f64 / tag_total as f64 };

    Diff {
        text_change,
        structure_change,
        added_text,
        removed_text,
        new_scripts: now.scripts.difference(&base.scripts).cloned().collect(),
        removed_scripts: base.scripts.difference(&now.scripts).cloned().collect(),
        new_iframes: now.iframes.difference(&base.iframes).cloned().collect(),
        title_before: (now.title != base.title).then(|| base.title.clone()),
    }
}

/// The tampering findings of a diff. `threshold` is the share of text or
/// structure that may change before it counts (0.3 by default).
pub fn judge(diff: &Diff, threshold: f64, url: &Url) -> Vec<Finding> {
    let mut out = Vec::new();
    let evidence = || json!(diff);
    if diff.text_change > threshold || diff.structure_change > threshold {
        out.push(
            Finding::new(
                Check::Tamper,
                "content",
                FindingCode::Tampered,
                Severity::Critical,
                format!(
                    "页面与基线相比变化 {:.0}%（文字）/ {:.0}%（结构），疑似被篡改",
                    diff.text_change * 100.0,
                    diff.structure_change * 100.0
                ),
            )
            .with(evidence()),
        );
    }
    let foreign = |u: &String| external_host(url, u).map(|h| site_of(&h));
    let scripts: BTreeSet<String> = diff.new_scripts.iter().filter_map(foreign).collect();
    for domain in scripts {
        out.push(
            Finding::new(
                Check::Tamper,
                format!("script:{domain}"),
                FindingCode::NewExternalScript,
                Severity::High,
                format!("页面新增了来自 {domain} 的外部脚本"),
            )
            .with(evidence()),
        );
    }
    let frames: BTreeSet<String> = diff.new_iframes.iter().filter_map(foreign).collect();
    for domain in frames {
        out.push(
            Finding::new(
                Check::Tamper,
                format!("iframe:{domain}"),
                FindingCode::NewIframe,
                Severity::High,
                format!("页面新增了指向 {domain} 的框架"),
            )
            .with(evidence()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::html::parse;
    use crate::farm::{Plant, dynamic_selectors, page};

    fn url() -> Url {
        Url::parse("http://site7.farm.test/").unwrap()
    }

    #[test]
    fn a_page_against_itself_and_its_next_revision_does_not_change() {
        let sel = dynamic_selectors();
        let p0 = parse(&page(7, Plant::Clean, 0), &sel);
        let fp = Fingerprint::of(&p0, &url());
        let p1 = parse(&page(7, Plant::Clean, 5), &sel);
        let d = compare(&fp, &p0.blocks, &p1, &url());
        assert_eq!(d.text_change, 0.0, "{:?}", d.added_text);
        assert!(judge(&d, 0.3, &url()).is_empty());
        // Without the exclusions the date and counter differ, but stay far below the threshold.
        let raw0 = parse(&page(7, Plant::Clean, 0), &[]);
        let raw1 = parse(&page(7, Plant::Clean, 5), &[]);
        let d = compare(&Fingerprint::of(&raw0, &url()), &raw0.blocks, &raw1, &url());
        assert!(d.text_change > 0.0 && d.text_change < 0.05, "{}", d.text_change);
        assert_eq!(d.added_text.len(), 2);
    }

    #[test]
    fn a_defaced_page_is_tampering_with_a_readable_diff() {
        let p0 = parse(&page(7, Plant::Clean, 0), &[]);
        let fp = Fingerprint::of(&p0, &url());
        let bad = parse(&page(7, Plant::Defaced, 0), &[]);
        let d = compare(&fp, &p0.blocks, &bad, &url());
        assert!(d.text_change > 0.9);
        assert_eq!(d.added_text[0], "Hacked by Team X");
        assert!(!d.removed_text.is_empty());
        assert_eq!(d.new_scripts, ["http://evil.example/pwn.js"]);
        assert!(d.title_before.is_some());
        let found = judge(&d, 0.3, &url());
        let subjects: Vec<&str> = found.iter().map(|f| f.subject.as_str()).collect();
        assert_eq!(subjects, ["content", "script:evil.example", "iframe:evil.example"]);
        assert!(found.iter().all(|f| f.opens_notice()));
    }

    #[test]
    fn a_small_edit_is_below_the_threshold_but_an_injected_script_is_not() {
        let html = page(9, Plant::Clean, 0);
        let p0 = parse(&html, &[]);
        let fp = Fingerprint::of(&p0, &url());
        let edited = html.replacen("<div class=\"news\">", "<div class=\"news\"><p>新增一条新闻</p>", 1);
        let d = compare(&fp, &p0.blocks, &parse(&edited, &[]), &url());
        assert!(d.text_change > 0.0 && d.text_change < 0.05);
        assert!(judge(&d, 0.3, &url()).is_empty());
        let injected = html.replace("</body>", "<script src=\"https://cdn.bad.example/a.js\"></script></body>");
        let found = judge(&compare(&fp, &p0.blocks, &parse(&injected, &[]), &url()), 0.3, &url());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].subject, "script:bad.example");
        let local = html.replace("</body>", "<script src=\"/js/new.js\"></script></body>");
        assert!(judge(&compare(&fp, &p0.blocks, &parse(&local, &[]), &url()), 0.3, &url()).is_empty());
    }

    #[test]
    fn the_fingerprint_survives_json() {
        let p0 = parse(&page(2, Plant::Clean, 0), &[]);
        let fp = Fingerprint::of(&p0, &url());
        let back: Fingerprint = serde_json::from_str(&serde_json::to_string(&fp).unwrap()).unwrap();
        assert_eq!(fp, back);
    }
}
