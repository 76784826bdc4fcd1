//! Judging the rendered view: the page as the browser left it, with what
//! the browser computed to be invisible marked, gets the content rules —
//! but only for what the HTML itself did not already hold. Links and text
//! in the fetched HTML were judged by the static analysis; the browser's
//! view of them (a menu or a tab hidden by an external style sheet) is no
//! new evidence, and would only turn ordinary navigation into alarms. What
//! is new is what scripts built: that is the rendered view's finding.

use std::collections::HashSet;

use serde_json::json;
use url::Url;

use super::content::{self, Own};
use super::html::Page;
use super::keywords::Dictionary;
use crate::finding::{Finding, FindingCode};

/// The part of `rendered` that `seen` (the fetched page, with what static
/// decoding wrote) did not hold: new text blocks, hidden elements with new
/// links or new text, new links and frames, a title or meta tags scripts changed.
pub fn delta(seen: &Page, mut rendered: Page) -> Page {
    let full = seen.scripted.as_deref().unwrap_or(seen);
    let mut links: HashSet<&str> = HashSet::new();
    let mut texts: HashSet<&str> = HashSet::new();
    for p in [seen, full] {
        links.extend(p.links.iter().map(|l| l.href.as_str()));
        links.extend(p.iframes.iter().map(|l| l.href.as_str()));
        links.extend(p.hidden.iter().flat_map(|h| h.links.iter().map(String::as_str)));
        links.extend(p.scripts.iter().flat_map(|s| s.written_links.iter().map(String::as_str)));
        texts.extend(p.blocks.iter().map(String::as_str));
        texts.extend(p.hidden.iter().map(|h| h.text.as_str()));
    }
    let old_text = |t: &str| texts.contains(t) || texts.iter().any(|old| old.len() >= t.len() && old.contains(t));
    rendered.blocks.retain(|b| !old_text(b));
    rendered.hidden.retain_mut(|h| {
        h.links.retain(|l| !links.contains(l.as_str()));
        if old_text(&h.text) {
            h.text.clear();
        }
        !h.links.is_empty() || !h.text.is_empty()
    });
    rendered.links.retain(|l| !links.contains(l.href.as_str()));
    rendered.iframes.retain(|l| !links.contains(l.href.as_str()));
    if rendered.title == seen.title || rendered.title == full.title {
        rendered.title.clear();
    }
    rendered.meta.retain(|m| !seen.meta.contains(m) && !full.meta.contains(m));
    // Link text runs links together and cannot be split back: new links'
    // text is in the new blocks already.
    rendered.link_text.clear();
    rendered.excluded_text.clear();
    rendered.scripts.clear();
    rendered.scripted = None;
    rendered
}

/// The subjects of the rendered view's findings start so.
pub const SUBJECT_PREFIX: &str = "rendered:";

/// The findings of the rendered view that the static analysis (`static_found`)
/// did not already make, each naming the view. Their subjects start with
/// `rendered:` so they stand apart from the static findings of the same kind.
pub fn check(
    seen: &Page,
    rendered: Page,
    base: &Url,
    dict: &Dictionary,
    own: &Own,
    static_found: &[Finding],
    summary: &serde_json::Value,
) -> Vec<Finding> {
    let new = delta(seen, rendered);
    let mut out = content::check(&new, base, dict, None, own);
    out.retain(|f| !static_found.iter().any(|s| s.subject == f.subject && s.severity >= f.severity));
    for f in &mut out {
        f.subject = format!("{SUBJECT_PREFIX}{}", f.subject);
        // Where to look: not in the HTML file (it is not there) but in what the page runs.
        let what = f.summary.split_once("。请在").map_or(f.summary.as_str(), |(w, _)| w);
        f.summary = if f.code == FindingCode::HiddenLink {
            format!(
                "浏览器渲染后可见：{what}。页面文件中没有它，是脚本运行时生成的：请检查页面引用的脚本（含被改动的公共脚本库）"
            )
        } else {
            format!("浏览器渲染后可见：{what}")
        };
        if let Some(e) = f.evidence.as_object_mut() {
            e.insert("view".into(), json!("rendered"));
            e.insert("rendered".into(), summary.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::html::parse;
    use crate::finding::Severity;

    fn dict() -> Dictionary {
        Dictionary::new(&[]).unwrap()
    }

    fn base() -> Url {
        Url::parse("https://www.univ.example/").unwrap()
    }

    #[test]
    fn links_the_html_already_had_are_no_new_finding_even_when_the_browser_hides_them() {
        // A tab panel hidden by an external style sheet: static parsing saw it visible.
        let fetched =
            parse(r#"<div class="tab"><a href="https://partner.example.org/">合作单位</a></div><p>学院新闻</p>"#, &[]);
        let rendered = parse(
            r#"<div class="tab" style="display:none"><a href="https://partner.example.org/">合作单位</a></div><p>学院新闻</p>"#,
            &[],
        );
        let found = check(&fetched, rendered, &base(), &dict(), &Own::default(), &[], &json!({}));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn what_a_script_built_and_hid_is_critical_and_says_it_was_rendered() {
        let fetched = parse(r#"<p>学院新闻</p><script>var k=[1,2,3];/* builds links at run time */</script>"#, &[]);
        let rendered = parse(
            r#"<p>学院新闻</p><div id="x7" style="position:absolute;left:-9999px"><a href="http://bet365.example/">百家乐 在线赌场</a></div>"#,
            &[],
        );
        let found = check(&fetched, rendered, &base(), &dict(), &Own::default(), &[], &json!({"elapsed_ms": 10}));
        let link = found.iter().find(|f| f.code == FindingCode::HiddenLink).expect("hidden link");
        assert_eq!(link.severity, Severity::Critical);
        assert!(link.subject.starts_with("rendered:hidden_link:"), "{}", link.subject);
        assert_eq!(link.evidence["view"], "rendered");
        assert!(
            link.summary.starts_with("浏览器渲染后可见") && link.summary.contains("脚本运行时生成"),
            "{}",
            link.summary
        );
        assert!(found.iter().any(|f| f.code == FindingCode::HiddenSpam));
    }

    #[test]
    fn a_finding_static_analysis_already_made_is_not_repeated() {
        let html = r#"<p>新闻</p><div style="display:none"><a href="http://bet.example/">百家乐</a></div>"#;
        let fetched = parse(html, &[]);
        let static_found = content::check(&fetched, &base(), &dict(), None, &Own::default());
        assert!(!static_found.is_empty());
        // The browser sees the same hidden block plus a new paragraph of ordinary text.
        let rendered = parse(&format!("{html}<p>今天天气很好</p>"), &[]);
        let found = check(&fetched, rendered, &base(), &dict(), &Own::default(), &static_found, &json!({}));
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_title_a_script_changed_is_judged() {
        let fetched = parse("<title>计算机学院</title><p>新闻</p>", &[]);
        let rendered = parse("<title>澳门百家乐 真人娱乐 在线赌场</title><p>新闻</p>", &[]);
        let found = check(&fetched, rendered, &base(), &dict(), &Own::default(), &[], &json!({}));
        let spam = found.iter().find(|f| f.code == FindingCode::SpamKeywords).expect("spam");
        assert_eq!(spam.severity, Severity::Critical);
        assert_eq!(spam.subject, "rendered:keywords");
    }
}
