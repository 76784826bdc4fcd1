//! Data calls' words and rules: the kinds of field, a form's checks, an
//! answer's checks, the form written as lines on a page. Pure.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

crate::closed_set! {
    /// What a field of a data call takes.
    pub enum FieldKind { Text = "text", Number = "number", Date = "date", Choice = "choice", File = "file" }
}

crate::closed_set! {
    /// Whether a data call still takes submissions.
    pub enum DataCallState { Open = "open", Closed = "closed" }
}

/// One field of a data call's form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Stable within the form (`f1`, `f2`… when written on the page).
    #[schema(min_length = 1, max_length = 20, pattern = "^[0-9A-Za-z_]+$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 100)]
    pub label: String,
    pub kind: FieldKind,
    /// The choices of a `choice` field.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

pub const MAX_FIELDS: usize = 100;

/// What is wrong with a form (field, problem).
pub fn check_fields(fields: &[FormField]) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    if fields.is_empty() {
        out.push(("fields".to_owned(), "required"));
    }
    if fields.len() > MAX_FIELDS {
        out.push(("fields".to_owned(), "too_many"));
    }
    let mut keys = std::collections::HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        let at = |x: &str| format!("fields[{i}].{x}");
        if f.key.is_empty() || f.key.len() > 20 || !f.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push((at("key"), "key_format"));
        } else if !keys.insert(f.key.as_str()) {
            out.push((at("key"), "duplicate"));
        }
        if f.label.trim().is_empty() {
            out.push((at("label"), "required"));
        } else if f.label.chars().count() > 100 {
            out.push((at("label"), "too_long"));
        }
        if f.kind == FieldKind::Choice && f.choices.iter().filter(|c| !c.trim().is_empty()).count() < 2 {
            out.push((at("choices"), "choices_required"));
        }
        if f.choices.len() > 50 || f.choices.iter().any(|c| c.chars().count() > 100) {
            out.push((at("choices"), "too_long"));
        }
    }
    out
}

/// An answer checked against its form: the values kept (trimmed, numbers
/// and dates in one spelling), or the problems by field key. File fields
/// are given as `has_file` (their attachments are kept by the service).
pub fn check_values(
    fields: &[FormField],
    values: &BTreeMap<String, String>,
    has_file: &dyn Fn(&str) -> bool,
) -> Result<BTreeMap<String, String>, Vec<(String, &'static str)>> {
    let mut out = BTreeMap::new();
    let mut problems = Vec::new();
    for k in values.keys() {
        if !fields.iter().any(|f| &f.key == k) {
            problems.push((k.clone(), "unknown_field"));
        }
    }
    for f in fields {
        let v = values.get(&f.key).map(|v| v.trim()).unwrap_or("");
        if f.kind == FieldKind::File {
            if f.required && !has_file(&f.key) {
                problems.push((f.key.clone(), "required"));
            }
            continue;
        }
        if v.is_empty() {
            if f.required {
                problems.push((f.key.clone(), "required"));
            }
            continue;
        }
        let kept = match f.kind {
            FieldKind::Text if v.chars().count() > 2000 => Err("too_long"),
            FieldKind::Text => Ok(v.to_owned()),
            FieldKind::Number => v
                .replace([',', '，'], "")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(|n| if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() })
                .ok_or("number_format"),
            FieldKind::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.format("%Y-%m-%d").to_string())
                .map_err(|_| "date_format"),
            FieldKind::Choice if f.choices.iter().any(|c| c.trim() == v) => Ok(v.to_owned()),
            FieldKind::Choice => Err("unknown_choice"),
            FieldKind::File => Ok(String::new()),
        };
        match kept {
            Ok(k) => {
                out.insert(f.key.clone(), k);
            }
            Err(p) => problems.push((f.key.clone(), p)),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// A correction (every version after the first) says why.
pub fn reason_required(version: i32) -> bool {
    version > 1
}

/// The form as a page writes it, one field per line:
/// `名称 | 类型 | 选项（以、分隔） | 必填`, e.g. `机房数量 | 数字 | | 必填`.
/// Types: 文本 / 数字 / 日期 / 选项 / 文件 (or their English words).
pub fn parse_field_lines(text: &str) -> Result<Vec<FormField>, (usize, &'static str)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
        let label = parts.first().copied().unwrap_or("");
        if label.is_empty() {
            return Err((i + 1, "required"));
        }
        let kind = match parts.get(1).copied().unwrap_or("文本") {
            "" | "文本" | "text" => FieldKind::Text,
            "数字" | "数值" | "number" => FieldKind::Number,
            "日期" | "date" => FieldKind::Date,
            "选项" | "单选" | "choice" => FieldKind::Choice,
            "文件" | "附件" | "file" => FieldKind::File,
            _ => return Err((i + 1, "unknown_kind")),
        };
        let choices = parts
            .get(2)
            .map(|c| {
                c.split(['、', ',', '，', '/']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect()
            })
            .unwrap_or_default();
        let required = parts.get(3).is_some_and(|r| matches!(*r, "必填" | "是" | "required" | "yes"));
        out.push(FormField { key: format!("f{}", i + 1), label: label.to_owned(), kind, choices, required });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Vec<FormField> {
        parse_field_lines("机房数量 | 数字 | | 必填\n最近一次演练日期 | 日期\n是否有专职安全员 | 选项 | 是、否 | 必填\n网络安全制度文件 | 文件 | | 必填\n备注").unwrap()
    }

    #[test]
    fn a_form_written_as_lines() {
        let f = form();
        assert_eq!(f.len(), 5);
        assert_eq!((f[0].key.as_str(), f[0].kind, f[0].required), ("f1", FieldKind::Number, true));
        assert_eq!(f[2].choices, ["是", "否"]);
        assert_eq!(f[4].kind, FieldKind::Text);
        assert!(check_fields(&f).is_empty());
        assert_eq!(parse_field_lines("数量 | 数目"), Err((1, "unknown_kind")));
        let bad = parse_field_lines("是否 | 选项 | 是").unwrap();
        assert_eq!(check_fields(&bad), [("fields[0].choices".to_owned(), "choices_required")]);
    }

    #[test]
    fn answers_are_checked_and_kept_in_one_spelling() {
        let f = form();
        let v = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let with_file = |k: &str| k == "f4";
        let ok = check_values(&f, &v(&[("f1", " 1,200 "), ("f2", "2026-11-03"), ("f3", "是")]), &with_file).unwrap();
        assert_eq!(ok.get("f1").map(String::as_str), Some("1200"));
        let err = check_values(&f, &v(&[("f1", "十二"), ("f2", "11/03"), ("f3", "也许"), ("x", "1")]), &|_| false)
            .unwrap_err();
        for want in [
            ("f1", "number_format"),
            ("f2", "date_format"),
            ("f3", "unknown_choice"),
            ("f4", "required"),
            ("x", "unknown_field"),
        ] {
            assert!(err.contains(&(want.0.to_owned(), want.1)), "{want:?} in {err:?}");
        }
        assert!(check_values(&f, &v(&[]), &with_file).unwrap_err().contains(&("f1".to_owned(), "required")));
        assert!(!reason_required(1) && reason_required(2));
    }
}
