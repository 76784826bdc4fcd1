//! The CSS selectors an officer writes to leave a page's dynamic parts
//! (dates, counters) out of the tampering baseline: compound selectors
//! (`div`, `.date`, `#count`, `span.time[title]`, `[data-x=y]`) joined by
//! descendant (space) or child (`>`) combinators, in comma lists.

/// One compound selector: every part must match the element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Compound {
    pub tag: Option<String>,
    pub ids: Vec<String>,
    pub classes: Vec<String>,
    pub attrs: Vec<(String, Option<String>)>,
}

/// `a > b c`: compounds from the outermost, each with whether it must be
/// the direct parent of the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub parts: Vec<(Compound, bool)>,
}

/// The identity of an element as matching needs it.
pub trait Subject {
    fn tag(&self) -> &str;
    fn id(&self) -> Option<&str>;
    fn has_class(&self, class: &str) -> bool;
    fn attr(&self, name: &str) -> Option<&str>;
}

fn ident(s: &str) -> Option<(&str, &str)> {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')).unwrap_or(s.len());
    (end > 0).then(|| (&s[..end], &s[end..]))
}

fn compound(mut s: &str) -> Result<Compound, String> {
    let mut c = Compound::default();
    if let Some(rest) = s.strip_prefix('*') {
        s = rest;
    } else if let Some((tag, rest)) = ident(s) {
        c.tag = Some(tag.to_ascii_lowercase());
        s = rest;
    }
    while !s.is_empty() {
        if let Some(rest) = s.strip_prefix('.') {
            let (name, rest) = ident(rest).ok_or("class name expected")?;
            c.classes.push(name.to_owned());
            s = rest;
        } else if let Some(rest) = s.strip_prefix('#') {
            let (name, rest) = ident(rest).ok_or("id expected")?;
            c.ids.push(name.to_owned());
            s = rest;
        } else if let Some(rest) = s.strip_prefix('[') {
            let end = rest.find(']').ok_or("] expected")?;
            let inner = &rest[..end];
            let (name, value) = match inner.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim().trim_matches(['"', '\'']).to_owned())),
                None => (inner.trim(), None),
            };
            if ident(name).is_none_or(|(_, r)| !r.is_empty()) {
                return Err("attribute name expected".into());
            }
            c.attrs.push((name.to_ascii_lowercase(), value));
            s = &rest[end + 1..];
        } else {
            return Err(format!("unsupported selector syntax at {s:?}"));
        }
    }
    Ok(c)
}

/// Parse a comma-separated list of selectors.
pub fn parse_list(list: &str) -> Result<Vec<Selector>, String> {
    let mut out = Vec::new();
    for one in list.split(',') {
        let one = one.trim();
        if one.is_empty() {
            return Err("empty selector".into());
        }
        let spaced = one.replace('>', " > ");
        let mut parts: Vec<(Compound, bool)> = Vec::new();
        let mut child = false;
        for token in spaced.split_whitespace() {
            if token == ">" {
                if parts.is_empty() || child {
                    return Err("misplaced >".into());
                }
                child = true;
                continue;
            }
            if let Some(last) = parts.last_mut() {
                last.1 = child;
            }
            child = false;
            parts.push((compound(token)?, false));
        }
        if child || parts.is_empty() {
            return Err("selector ends with >".into());
        }
        out.push(Selector { parts });
    }
    Ok(out)
}

fn matches_compound(c: &Compound, e: &dyn Subject) -> bool {
    c.tag.as_deref().is_none_or(|t| t == e.tag())
        && c.ids.iter().all(|id| e.id() == Some(id.as_str()))
        && c.classes.iter().all(|cl| e.has_class(cl))
        && c.attrs.iter().all(|(n, v)| match (e.attr(n), v) {
            (Some(_), None) => true,
            (Some(have), Some(want)) => have == want,
            (None, _) => false,
        })
}

impl Selector {
    /// Does the selector match `element`, whose ancestors are `ancestors` (outermost first)?
    pub fn matches<S: Subject>(&self, element: &dyn Subject, ancestors: &[S]) -> bool {
        let Some(((last, _), rest)) = self.parts.split_last() else { return false };
        if !matches_compound(last, element) {
            return false;
        }
        // The remaining compounds right to left, each matched greedily to the nearest ancestor.
        let mut at = ancestors.len();
        for (c, parent_of_next) in rest.iter().rev() {
            loop {
                if at == 0 {
                    return false;
                }
                at -= 1;
                if matches_compound(c, &ancestors[at]) {
                    break;
                }
                if *parent_of_next {
                    return false;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct E(&'static str, Option<&'static str>, &'static [&'static str]);

    impl Subject for &E {
        fn tag(&self) -> &str {
            self.0
        }
        fn id(&self) -> Option<&str> {
            self.1
        }
        fn has_class(&self, class: &str) -> bool {
            self.2.contains(&class)
        }
        fn attr(&self, name: &str) -> Option<&str> {
            (name == "title").then_some("t")
        }
    }

    impl Subject for E {
        fn tag(&self) -> &str {
            self.0
        }
        fn id(&self) -> Option<&str> {
            self.1
        }
        fn has_class(&self, class: &str) -> bool {
            self.2.contains(&class)
        }
        fn attr(&self, name: &str) -> Option<&str> {
            (name == "title").then_some("t")
        }
    }

    fn m(sel: &str, e: &E, anc: &[&E]) -> bool {
        parse_list(sel).unwrap().iter().any(|s| s.matches(e, anc))
    }

    #[test]
    fn compounds_and_combinators() {
        let span = E("span", None, &["time", "small"]);
        let div = E("div", Some("news"), &["box"]);
        let body = E("body", None, &[]);
        assert!(m(".time", &span, &[]));
        assert!(m("span.time.small", &span, &[]));
        assert!(!m("div.time", &span, &[]));
        assert!(m("#news .time", &span, &[&body, &div]));
        assert!(m("div > span", &span, &[&body, &div]));
        assert!(!m("body > span", &span, &[&body, &div]));
        assert!(m("body span", &span, &[&body, &div]));
        assert!(m("span[title]", &span, &[]) && m("[title=t]", &span, &[]) && !m("[title=u]", &span, &[]));
        assert!(m(".nomatch, .small", &span, &[]));
        assert!(m("*", &span, &[]));
    }

    #[test]
    fn unsupported_or_broken_selectors_are_refused() {
        for bad in ["", "a:hover", "a + b", "> a", "a >", ".", "#", "[x", "a,,b", "[=x]"] {
            assert!(parse_list(bad).is_err(), "{bad:?}");
        }
        assert!(parse_list("div.news > span.time, #count").is_ok());
    }
}
