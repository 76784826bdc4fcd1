//! The filing numbers a Chinese site shows in its footer — the ICP number
//! (ICP备案号) and the public-security filing number (公网安备号, 公安部令第33号)
//! — and whether they are the ones registered for the system.

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

/// Every public-security filing number in `text`, normalized
/// (`京公网安备11010802000001号`), in order, once each. Footers write it as
/// `京公网安备 11010802000001号`, `京公网安备：11010802000001`, `京公安网备…`
/// (a common slip), with or without the province.
pub fn find_public_security(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for marker in ["公网安备", "公安网备", "公网安備"] {
        let finder = memchr::memmem::Finder::new(marker);
        let mut from = 0;
        while let Some(i) = finder.find(&text.as_bytes()[from..]).map(|i| i + from) {
            from = i + marker.len();
            let province = text[..i].chars().next_back().filter(|c| PROVINCES.contains(*c));
            let rest = text[from..].trim_start_matches(|c: char| c.is_whitespace() || matches!(c, ':' | '：' | '第'));
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            // Region code (6) and sequence: 14 digits today, a few shorter early ones.
            if digits.len() < 8 {
                continue;
            }
            let number = format!("{}公网安备{digits}号", province.map(String::from).unwrap_or_default());
            if !out.iter().any(|n| public_security_digits(n) == digits) {
                out.push(number);
            }
        }
    }
    out
}

/// The digits that identify a public-security filing, however it is written.
pub fn public_security_digits(n: &str) -> String {
    n.chars().filter(char::is_ascii_digit).collect()
}

/// The public-security finding for a page's numbers, given the registered one.
pub fn check_public_security(found: &[String], registered: &str, internet_facing: bool) -> Vec<Finding> {
    let registered = registered.trim();
    if found.is_empty() {
        // Only worth saying when the system faces the internet (where 公安部令第33号 asks for it).
        if !internet_facing {
            return Vec::new();
        }
        return vec![
            Finding::new(
                Check::Icp,
                "public_security_missing",
                FindingCode::PublicSecurityMissing,
                Severity::Low,
                "页面底部未显示公安备案号（公网安备号）",
            )
            .with(json!({"registered": registered})),
        ];
    }
    let want = public_security_digits(registered);
    if want.is_empty() || found.iter().any(|f| public_security_digits(f) == want) {
        return Vec::new();
    }
    vec![
        Finding::new(
            Check::Icp,
            "public_security_mismatch",
            FindingCode::PublicSecurityMismatch,
            Severity::Medium,
            format!("页面显示的公安备案号 {} 与登记的 {registered} 不符", found.join("、")),
        )
        .with(json!({"shown": found, "registered": registered})),
    ]
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

    /// 公安部令第33号: the 公网安备 number in its usual spellings.
    #[test]
    fn public_security_numbers_are_found_in_their_variants() {
        let f = find_public_security;
        assert_eq!(f("京ICP备05004617号-3 京公网安备 11010802000001号"), ["京公网安备11010802000001号"]);
        assert_eq!(f("京公网安备11010802000001号"), ["京公网安备11010802000001号"]);
        assert_eq!(f("沪公网安备：31010402001234"), ["沪公网安备31010402001234号"]);
        assert_eq!(f("京公安网备11010802000001号"), ["京公网安备11010802000001号"], "the common slip");
        assert_eq!(f("公网安备 44030502008569号"), ["公网安备44030502008569号"], "no province");
        assert_eq!(
            f("京公网安备 11010802000001号 | 京公网安备11010802000001号"),
            ["京公网安备11010802000001号"],
            "once each"
        );
        assert!(f("京公网安备 123号").is_empty(), "too short");
        assert!(f("请到公网安备案网站查询").is_empty(), "no number");
    }

    #[test]
    fn public_security_numbers_are_compared_by_their_digits() {
        let shown = find_public_security("京公网安备 11010802000001号");
        assert!(check_public_security(&shown, "11010802000001", true).is_empty());
        assert!(check_public_security(&shown, "京公网安备11010802000001号", true).is_empty());
        let wrong = check_public_security(&shown, "京公网安备11010802099999号", true);
        assert_eq!(wrong[0].code, FindingCode::PublicSecurityMismatch);
        assert_eq!(wrong[0].severity, Severity::Medium);
        assert_eq!(check_public_security(&[], "11010802000001", true)[0].code, FindingCode::PublicSecurityMissing);
        assert!(check_public_security(&[], "", false).is_empty(), "intranet systems need not show it");
        assert!(check_public_security(&shown, "", true).is_empty(), "nothing registered to compare");
    }

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
