//! What free text may hold. Control characters make documents that are not
//! well-formed XML (a Word file that will not open) and hide in what a person
//! reads; bidirectional overrides make text read differently from what it
//! is (`invoice` + U+202E + `gpj.exe` shows as `invoiceexe.jpg`). Both are refused wherever text comes in:
//! the API, the pages' forms, the cells of an imported sheet.
//!
//! Pure: no `async`, no database.

/// Fields that hold several lines (a report's paragraphs, a description, a
/// list one per line): tab, line feed and carriage return are allowed there.
/// Every other text field is one line.
pub const MULTILINE_FIELDS: &[&str] = &[
    "add_systems",
    "advice",
    "bulletin",
    "categories",
    "cause",
    "comment",
    "contacts",
    "content",
    "description",
    "escalation",
    "exclude",
    "fields",
    "ips",
    "legal_basis",
    "measures",
    "note",
    "notes",
    "participants",
    "problems",
    "products",
    "purpose",
    "rectification_items",
    "remaining_risk",
    "scenarios",
    "systems",
    "text",
    "urls",
    "verification",
    "vulnerability",
    "what_happened",
];

/// Whether `field` (a form name or JSON key) holds several lines.
pub fn is_multiline(field: &str) -> bool {
    MULTILINE_FIELDS.contains(&field)
}

/// Why a text may not be kept, as the stable code of a field error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    /// A C0 or C1 control character, or DEL (tab and line breaks only in multi-line fields).
    ControlCharacter,
    /// A bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069).
    BidiControl,
}

impl TextProblem {
    pub fn code(self) -> &'static str {
        match self {
            TextProblem::ControlCharacter => "control_character",
            TextProblem::BidiControl => "bidi_control",
        }
    }
}

/// The first reason `text` may not be kept in a field of that kind.
pub fn problem(text: &str, multiline: bool) -> Option<TextProblem> {
    for c in text.chars() {
        match c {
            '\t' | '\n' | '\r' if multiline => {}
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => return Some(TextProblem::ControlCharacter),
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => return Some(TextProblem::BidiControl),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_overrides_are_refused() {
        assert_eq!(problem("化学学院网站", false), None);
        assert_eq!(problem("a\u{0}b", false), Some(TextProblem::ControlCharacter));
        assert_eq!(problem("a\u{b}b", true), Some(TextProblem::ControlCharacter));
        assert_eq!(problem("a\u{c}b", true), Some(TextProblem::ControlCharacter));
        assert_eq!(problem("a\u{7f}", true), Some(TextProblem::ControlCharacter));
        assert_eq!(problem("a\u{85}", true), Some(TextProblem::ControlCharacter));
        assert_eq!(problem("invoice\u{202e}gpj.exe", true), Some(TextProblem::BidiControl));
        assert_eq!(problem("\u{2066}x\u{2069}", false), Some(TextProblem::BidiControl));
        // Line breaks and tabs: only where several lines belong.
        assert_eq!(problem("第一段\r\n第二段\t缩进", true), None);
        assert_eq!(problem("门户\n网站", false), Some(TextProblem::ControlCharacter));
        assert_eq!(problem("门户\t网站", false), Some(TextProblem::ControlCharacter));
        // Marks that only hint direction, and emoji joiners, are ordinary text.
        assert_eq!(problem("\u{200e}\u{200f}\u{200d}", false), None);
    }
}
