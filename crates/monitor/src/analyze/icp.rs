//! The ICP filing number (ICP备案号) a Chinese site shows in its footer,
//! and whether it is the one registered for the system.

use serde_json::json;

use crate::finding::{Check, Finding, FindingCode, Severity};

const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Every ICP number in `text`, normalized (`京ICP备05004617号-3`), in order, once each.
pub fn find(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut from = 0;
    let finder = memchr::memmem::Finder::new("ICP");
    while let Some(i) = finder.find(&text.as_bytes()[from..]).map(|i| i + from) {
        from = i + 3;
        let Some(province) = text[..i].chars().next_back().filter(|c| PROVINCES.contains(*c)) else { continue };
        let rest = &text[i + 3..];
        let rest = rest.trim_start();
        let Some(kind) = rest.chars().next().filter(|c| *c == '备' || *c == '证') else { continue };
        let rest = rest[kind.len_utf8()..].trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if digits.len() < 4 {
            continue;
        }
        let rest = rest[digits.len()..].trim_start();
        let mut number = format!("{province}ICP{kind}{digits}号");
        if let Some(after) = rest.strip_prefix('号') {
            let after = after.trim_start();
            if let Some(sub) = after.strip_prefix('-').or_else(|| after.strip_prefix('－')) {
                let n: String = sub.chars().take_while(char::is_ascii_digit).collect();
                if !n.is_empty() {
                    number.push('-');
                    number.push_str(&n);
                }
            }
        }
        if !out.contains(&number) {
            out.push(number);
        }
    }
    out
}

/// `京ICP备05004617号-3` and `京ICP备05004617号` name the same filing (the
/// suffix numbers one of its sites); compare on the main number.
fn main_number(n: &str) -> String {
    let n: String = n.chars().filter(|c| !c.is_whitespace()).collect();
    n.split('-').next().unwrap_or("").trim_end_matches('号').to_owned()
}

/// The ICP finding for a page's text, given the system's registered number
/// (empty when none is registered) and whether the system faces the internet.
pub fn check(found: &[String], registered: &str, internet_facing: bool) -> Vec<Finding> {
    let registered = registered.trim();
    if found.is_empty() {
        if !internet_facing {
            return Vec::new();
        }
        return vec![
            Finding::new(Check::Icp, "missing", FindingCode::IcpMissing, Severity::Low, "页面底部未显示 ICP 备案号")
                .with(json!({"registered": registered})),
        ];
    }
    if registered.is_empty() {
        return Vec::new();
    }
    let want = main_number(registered);
    if found.iter().any(|f| main_number(f) == want) {
        return Vec::new();
    }
    vec![
        Finding::new(
            Check::Icp,
            "mismatch",
            FindingCode::IcpMismatch,
            Severity::Medium,
            format!("页面显示的备案号 {} 与登记的 {registered} 不符", found.join("、")),
        )
        .with(json!({"shown": found, "registered": registered})),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_found_in_footers() {
        assert_eq!(
            find("版权所有 © 2026 化学学院 京ICP备05004617号-3 京公网安备11010802020000号"),
            ["京ICP备05004617号-3"]
        );
        assert_eq!(find("沪ICP备 12345678 号"), ["沪ICP备12345678号"]);
        assert_eq!(find("粤ICP证030173号 粤ICP证030173号"), ["粤ICP证030173号"]);
        assert!(find("ICP备12345678号").is_empty(), "a province comes first");
        assert!(find("京ICP备12号").is_empty(), "too short");
        assert!(find("no filing here, only ICP").is_empty());
    }

    #[test]
    fn shown_numbers_are_matched_to_the_registered_one() {
        let shown = find("京ICP备05004617号-3");
        assert!(check(&shown, "京ICP备05004617号", true).is_empty(), "the site suffix is ignored");
        assert!(check(&shown, "", true).is_empty(), "nothing registered: nothing to compare");
        let wrong = check(&shown, "京ICP备99999999号", true);
        assert_eq!(wrong[0].code, FindingCode::IcpMismatch);
        assert_eq!(check(&[], "京ICP备05004617号", true)[0].code, FindingCode::IcpMissing);
        assert!(check(&[], "", false).is_empty(), "intranet systems need no number");
    }
}
