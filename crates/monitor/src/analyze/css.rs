//! Just enough CSS to tell hidden content: inline `style` declarations and
//! the simple rules of embedded `<style>` sheets (`.class`, `#id`,
//! `tag.class`), judged by the tricks link spammers use.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Fx hashing (as in rustc): class names are short and looked up for every element.
#[derive(Default)]
pub struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

type FxMap<V> = HashMap<String, V, BuildHasherDefault<Fx>>;

/// Why a piece of a page is not seen by a visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HideReason {
    DisplayNone,
    VisibilityHidden,
    FontSizeZero,
    TextIndent,
    Offscreen,
    ZeroSize,
    OpacityZero,
    SameColour,
    TinyMarquee,
    HiddenAttribute,
}

impl HideReason {
    pub fn code(self) -> &'static str {
        match self {
            HideReason::DisplayNone => "display_none",
            HideReason::VisibilityHidden => "visibility_hidden",
            HideReason::FontSizeZero => "font_size_zero",
            HideReason::TextIndent => "text_indent",
            HideReason::Offscreen => "offscreen",
            HideReason::ZeroSize => "zero_size",
            HideReason::OpacityZero => "opacity_zero",
            HideReason::SameColour => "same_colour",
            HideReason::TinyMarquee => "tiny_marquee",
            HideReason::HiddenAttribute => "hidden_attribute",
        }
    }
}

/// What one declaration block says that matters here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Style {
    pub hide: Option<HideReason>,
    /// Normalized `#rrggbb` (or a keyword we do not map), when set.
    pub color: Option<Colour>,
    pub background: Option<Colour>,
}

/// A length in CSS pixels, roughly (em and rem as 16 px); `None` when not a length.
fn px(value: &str) -> Option<f64> {
    let v = value.trim().trim_end_matches("!important").trim();
    let (num, unit) = match v.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+')) {
        Some(i) => (&v[..i], v[i..].trim()),
        None => (v, ""),
    };
    let n: f64 = num.parse().ok()?;
    match unit {
        "" | "px" => Some(n),
        "em" | "rem" => Some(n * 16.0),
        "pt" => Some(n * 4.0 / 3.0),
        "%" | "vw" | "vh" => Some(n * 10.0),
        "cm" => Some(n * 37.8),
        "mm" => Some(n * 3.78),
        "in" => Some(n * 96.0),
        _ => None,
    }
}

/// Colours written in the common ways, as `#rrggbb`.
pub fn colour(value: &str) -> Option<Colour> {
    let v = value.trim().trim_end_matches("!important").trim().to_ascii_lowercase();
    if let Some(hex) = v.strip_prefix('#') {
        let hex = hex.split_whitespace().next().unwrap_or("");
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| hex.as_bytes().get(i).and_then(|b| (*b as char).to_digit(16)).unwrap_or(0) as u8;
        return match hex.len() {
            3 | 4 => Some(Colour([digit(0) * 17, digit(1) * 17, digit(2) * 17])),
            6 | 8 => Some(Colour([digit(0) * 16 + digit(1), digit(2) * 16 + digit(3), digit(4) * 16 + digit(5)])),
            _ => None,
        };
    }
    if let Some(args) = v.strip_prefix("rgb(").or_else(|| v.strip_prefix("rgba(")) {
        let args = args.trim_end_matches(')');
        let parts: Vec<u8> = args
            .split([',', ' ', '/'])
            .filter(|s| !s.is_empty())
            .take(3)
            .filter_map(|s| s.trim().parse::<f64>().ok())
            .map(|f| f.clamp(0.0, 255.0) as u8)
            .collect();
        return (parts.len() == 3).then(|| Colour([parts[0], parts[1], parts[2]]));
    }
    let named = match v.as_str() {
        "white" => [255, 255, 255],
        "black" => [0, 0, 0],
        "red" => [255, 0, 0],
        "green" => [0, 128, 0],
        "blue" => [0, 0, 255],
        "yellow" => [255, 255, 0],
        "gray" | "grey" => [128, 128, 128],
        "silver" => [192, 192, 192],
        _ => return None,
    };
    Some(Colour(named))
}

/// A colour as red, green and blue (compared on every element, so it is copied, not allocated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Colour(pub [u8; 3]);

impl std::fmt::Display for Colour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }
}

/// Judge one declaration block (`display:none; color:#fff`).
pub fn parse_declarations(block: &str) -> Style {
    let mut style = Style::default();
    let mut height_zero = false;
    let mut width_zero = false;
    let mut overflow_hidden = false;
    let mut far_off = false;
    for decl in block.split(';') {
        let Some((prop, value)) = decl.split_once(':') else { continue };
        let prop = prop.trim().to_ascii_lowercase();
        let value = value.trim().to_ascii_lowercase();
        let value = value.trim_end_matches("!important").trim();
        let hide = match prop.as_str() {
            "display" if value == "none" => Some(HideReason::DisplayNone),
            "visibility" if value == "hidden" || value == "collapse" => Some(HideReason::VisibilityHidden),
            "font-size" if px(value).is_some_and(|p| p <= 1.0) => Some(HideReason::FontSizeZero),
            "text-indent" if px(value).is_some_and(|p| p <= -500.0) => Some(HideReason::TextIndent),
            "opacity" if value.parse::<f64>().is_ok_and(|o| o <= 0.05) => Some(HideReason::OpacityZero),
            "color" => {
                style.color = colour(value);
                None
            }
            "background-color" => {
                style.background = colour(value);
                None
            }
            "background" => {
                style.background = value.split_whitespace().find_map(colour);
                None
            }
            "height" | "max-height" => {
                height_zero |= px(value).is_some_and(|p| p <= 1.0);
                None
            }
            "width" | "max-width" => {
                width_zero |= px(value).is_some_and(|p| p <= 1.0);
                None
            }
            "overflow" | "overflow-y" | "overflow-x" => {
                overflow_hidden |= value == "hidden" || value == "clip";
                None
            }
            "left" | "top" | "right" | "margin-left" | "margin-top" => {
                far_off |= px(value).is_some_and(|p| p <= -500.0);
                None
            }
            "clip" if value.replace(' ', "").starts_with("rect(0") => Some(HideReason::ZeroSize),
            _ => None,
        };
        if style.hide.is_none() {
            style.hide = hide;
        }
    }
    if style.hide.is_none() {
        if (height_zero || width_zero) && overflow_hidden {
            style.hide = Some(HideReason::ZeroSize);
        } else if far_off {
            // Far off to the left or top: positioned, or pushed by a margin.
            style.hide = Some(HideReason::Offscreen);
        }
    }
    style
}

/// The hiding rules of embedded style sheets, by class and by id.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    pub classes: FxMap<Style>,
    pub ids: FxMap<Style>,
}

impl Sheet {
    /// Add the rules of one `<style>` element's text. Selectors we cannot
    /// judge (descendants of tags, attributes, pseudo-classes) are skipped;
    /// for a compound selector its last part counts (`.box a` hides `a`s
    /// inside `.box`, which we take as hiding `.box`'s links: close enough).
    pub fn add(&mut self, css: &str) {
        let css = strip_comments(css);
        for rule in css.split('}') {
            let Some((selectors, block)) = rule.rsplit_once('{') else { continue };
            let style = parse_declarations(block);
            if style.hide.is_none() && style.color.is_none() && style.background.is_none() {
                continue;
            }
            // Rules inside `@media` and other blocks apply only sometimes (print, narrow screens).
            if selectors.contains('{') || selectors.contains('@') {
                continue;
            }
            for selector in selectors.split(',') {
                let Some(last) = selector.split_whitespace().last() else { continue };
                let last = last.trim_start_matches('>');
                if last.contains(':') || last.contains('[') {
                    continue;
                }
                for (i, part) in last.match_indices(['.', '#']) {
                    let name = last[i + 1..].split(['.', '#']).next().unwrap_or("");
                    if name.is_empty() {
                        continue;
                    }
                    let map = if part == "." { &mut self.classes } else { &mut self.ids };
                    let entry = map.entry(name.to_owned()).or_default();
                    if entry.hide.is_none() {
                        entry.hide = style.hide;
                    }
                    if style.color.is_some() {
                        entry.color = style.color;
                    }
                    if style.background.is_some() {
                        entry.background = style.background;
                    }
                }
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.classes.is_empty() && self.ids.is_empty()
    }
}

fn strip_comments(css: &str) -> std::borrow::Cow<'_, str> {
    if !css.contains("/*") {
        return css.into();
    }
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = match rest[i + 2..].find("*/") {
            Some(j) => &rest[i + 2 + j + 2..],
            None => "",
        };
    }
    out.push_str(rest);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spammers_tricks_are_recognized() {
        let cases = [
            ("display:none", HideReason::DisplayNone),
            ("DISPLAY : NONE !important", HideReason::DisplayNone),
            ("visibility:hidden", HideReason::VisibilityHidden),
            ("font-size:0", HideReason::FontSizeZero),
            ("font-size: 0px", HideReason::FontSizeZero),
            ("text-indent:-9999px", HideReason::TextIndent),
            ("position:absolute;left:-3000px;top:0", HideReason::Offscreen),
            ("position:absolute; top:-999em", HideReason::Offscreen),
            ("height:0;overflow:hidden", HideReason::ZeroSize),
            ("height:1px;width:1px;overflow:hidden", HideReason::ZeroSize),
            ("opacity:0", HideReason::OpacityZero),
        ];
        for (css, want) in cases {
            assert_eq!(parse_declarations(css).hide, Some(want), "{css}");
        }
    }

    #[test]
    fn ordinary_styles_hide_nothing() {
        for css in [
            "display:block",
            "font-size:14px",
            "text-indent:2em",
            "position:absolute;left:10px",
            "height:0",
            "overflow:hidden",
            "opacity:0.9",
            "color:#333;background:#fff url(bg.png)",
            "",
            "garbage;;;:",
        ] {
            assert_eq!(parse_declarations(css).hide, None, "{css}");
        }
    }

    #[test]
    fn colours_are_normalized() {
        assert_eq!(colour("#FFF").map(|c| c.to_string()).as_deref(), Some("#ffffff"));
        assert_eq!(colour("#ffffff").map(|c| c.to_string()).as_deref(), Some("#ffffff"));
        assert_eq!(colour("white").map(|c| c.to_string()).as_deref(), Some("#ffffff"));
        assert_eq!(colour("rgb(255, 255, 255)").map(|c| c.to_string()).as_deref(), Some("#ffffff"));
        assert_eq!(colour("rgba(0,0,0,0.5)").map(|c| c.to_string()).as_deref(), Some("#000000"));
        assert_eq!(colour("#12"), None);
        assert_eq!(colour("inherit"), None);
        let s = parse_declarations("color: #fff; background-color: white");
        assert_eq!(s.color, s.background);
    }

    #[test]
    fn sheet_rules_by_class_and_id() {
        let mut sheet = Sheet::default();
        sheet.add(
            "/* links */ .nav a:hover{color:red} .xy, #zz { display : none } div.tc{text-indent:-9999px}\n\
             .ok{font-size:14px} @media print { .noprint { display:none } }",
        );
        assert!(!sheet.classes.contains_key("noprint"), "print-only rules do not hide");
        assert_eq!(sheet.classes.get("xy").and_then(|s| s.hide), Some(HideReason::DisplayNone));
        assert_eq!(sheet.ids.get("zz").and_then(|s| s.hide), Some(HideReason::DisplayNone));
        assert_eq!(sheet.classes.get("tc").and_then(|s| s.hide), Some(HideReason::TextIndent));
        assert!(!sheet.classes.contains_key("ok"));
        assert!(!sheet.classes.contains_key("nav"), "pseudo-class selectors are skipped");
        let mut broken = Sheet::default();
        broken.add("}}{{ .a { display:none");
        assert!(broken.classes.is_empty(), "an unterminated rule is not judged");
    }
}
