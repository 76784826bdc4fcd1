//! A small HTML tokenizer for analysis: start tags with their attributes,
//! end tags, text, and the raw text of `<script>`, `<style>`, `<title>`,
//! `<textarea>`. It follows the HTML tokenizer where analysis depends on
//! it (comments, raw-text elements, quoted and unquoted attributes, a `<`
//! that starts no tag is text) and never fails on broken markup. It is
//! here because every general parser measured (lol_html, html5ever via
//! scraper) spends more than the whole budget of the ≥ 100 MB/s target on
//! allocation per element before any analysis runs (see
//! docs/ARCHITECTURE.md); this one allocates nothing per token.

use memchr::memchr;

/// One attribute, as spans of the input.
#[derive(Debug, Clone, Copy)]
pub struct Attr {
    name: (usize, usize),
    value: (usize, usize),
}

/// The attributes the analysis reads on most elements, found once per tag
/// while tokenizing instead of by a search per lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Id,
    Class,
    Style,
    Hidden,
    Href,
    Src,
    Rel,
    Name,
    Content,
    HttpEquiv,
    Width,
    Height,
}

const KEYS: usize = 12;

fn key_of(name: &[u8]) -> Option<Key> {
    let is = |k: &[u8]| name.eq_ignore_ascii_case(k);
    match name.len() {
        2 if is(b"id") => Some(Key::Id),
        3 if is(b"src") => Some(Key::Src),
        3 if is(b"rel") => Some(Key::Rel),
        4 if is(b"href") => Some(Key::Href),
        4 if is(b"name") => Some(Key::Name),
        5 if is(b"class") => Some(Key::Class),
        5 if is(b"style") => Some(Key::Style),
        5 if is(b"width") => Some(Key::Width),
        6 if is(b"hidden") => Some(Key::Hidden),
        6 if is(b"height") => Some(Key::Height),
        7 if is(b"content") => Some(Key::Content),
        10 if is(b"http-equiv") => Some(Key::HttpEquiv),
        _ => None,
    }
}

/// A start tag's attributes; lookups are ASCII case-insensitive.
pub struct Attrs<'a> {
    src: &'a str,
    list: &'a [Attr],
    /// Index + 1 into `list` of the first attribute of each `Key` (0: absent).
    known: [u8; KEYS],
}

impl<'a> Attrs<'a> {
    /// The raw value of the first attribute of a common name.
    pub fn key(&self, key: Key) -> Option<&'a str> {
        let i = usize::from(self.known[key as usize]);
        let a = self.list.get(i.checked_sub(1)?)?;
        Some(&self.src[a.value.0..a.value.1])
    }

    /// The raw (not entity-decoded) value of the first attribute named `name`.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.list
            .iter()
            .find(|a| self.src[a.name.0..a.name.1].eq_ignore_ascii_case(name))
            .map(|a| &self.src[a.value.0..a.value.1])
    }
}

/// What the tokenizer reports.
pub trait Sink {
    /// A start tag; `name` is lower case.
    fn start(&mut self, name: &str, attrs: &Attrs<'_>, self_closing: bool);
    fn end(&mut self, name: &str);
    /// Text between tags (character references not yet decoded).
    fn text(&mut self, text: &str);
    /// The content of a raw-text element (`script`, `style`, `title`, `textarea`, ...).
    fn raw(&mut self, name: &str, text: &str);
}

const RAW: &[&str] = &["script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes", "plaintext"];

/// Tokenize `html`, reporting to `sink`.
pub fn tokenize(html: &str, sink: &mut impl Sink) {
    let b = html.as_bytes();
    let n = b.len();
    let mut i = 0;
    let mut attrs: Vec<Attr> = Vec::with_capacity(16);
    let mut name_buf = String::with_capacity(16);
    while i < n {
        let Some(lt) = memchr(b'<', &b[i..]).map(|p| p + i) else {
            sink.text(&html[i..]);
            break;
        };
        if lt > i {
            sink.text(&html[i..lt]);
        }
        i = lt;
        let next = b.get(i + 1).copied().unwrap_or(0);
        if next == b'!' {
            if b[i..].starts_with(b"<!--") {
                // Comment: up to `-->` (or the end).
                i = find(b, i + 4, b"-->").map(|e| e + 3).unwrap_or(n);
            } else {
                // Doctype, CDATA or a bogus comment: up to `>`.
                i = memchr(b'>', &b[i..]).map(|e| i + e + 1).unwrap_or(n);
            }
            continue;
        }
        if next == b'?' {
            i = memchr(b'>', &b[i..]).map(|e| i + e + 1).unwrap_or(n);
            continue;
        }
        let closing = next == b'/';
        let name_start = if closing { i + 2 } else { i + 1 };
        if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            if closing && b.get(name_start) == Some(&b'>') {
                i = name_start + 1; // `</>` is dropped
            } else {
                sink.text("<");
                i += 1;
            }
            continue;
        }
        let mut j = name_start;
        while j < n && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>') {
            j += 1;
        }
        name_buf.clear();
        name_buf.push_str(&html[name_start..j]);
        name_buf.make_ascii_lowercase();
        // Attributes (end tags may carry them too; they are ignored).
        attrs.clear();
        let mut self_closing = false;
        loop {
            while j < n && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                j += 1;
            }
            if j >= n {
                break;
            }
            match b[j] {
                b'>' => {
                    j += 1;
                    break;
                }
                b'/' => {
                    j += 1;
                    if b.get(j) == Some(&b'>') {
                        self_closing = true;
                        j += 1;
                        break;
                    }
                    continue;
                }
                _ => {}
            }
            let an = j;
            j += 1; // an attribute name may start with `=`
            while j < n && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>' | b'=') {
                j += 1;
            }
            let name = (an, j);
            while j < n && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                j += 1;
            }
            let mut value = (j, j);
            if j < n && b[j] == b'=' {
                j += 1;
                while j < n && matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                    j += 1;
                }
                if j < n && (b[j] == b'"' || b[j] == b'\'') {
                    let q = b[j];
                    let end = memchr(q, &b[j + 1..]).map(|e| j + 1 + e).unwrap_or(n);
                    value = (j + 1, end);
                    j = (end + 1).min(n);
                } else {
                    let vs = j;
                    while j < n && !matches!(b[j], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'>') {
                        j += 1;
                    }
                    value = (vs, j);
                }
            }
            if attrs.len() < 64 && html.is_char_boundary(name.0) && html.is_char_boundary(name.1) {
                attrs.push(Attr { name, value });
            }
        }
        // Spans end on ASCII bytes or the input's end, so they are char boundaries; check anyway.
        attrs.retain(|a| html.is_char_boundary(a.value.0) && html.is_char_boundary(a.value.1));
        i = j;
        if closing {
            sink.end(&name_buf);
            continue;
        }
        let mut known = [0u8; KEYS];
        for (k, a) in attrs.iter().enumerate() {
            if let Some(key) = key_of(&b[a.name.0..a.name.1])
                && known[key as usize] == 0
            {
                // At most 64 attributes are kept, so the index fits.
                known[key as usize] = u8::try_from(k + 1).unwrap_or(0);
            }
        }
        sink.start(&name_buf, &Attrs { src: html, list: &attrs, known }, self_closing);
        if RAW.contains(&name_buf.as_str()) && !self_closing {
            // Raw text up to `</name` followed by a space, `/` or `>`.
            let start = i;
            let mut k = i;
            let end = loop {
                let Some(p) = memchr(b'<', &b[k..]).map(|p| p + k) else { break n };
                let m = p + 2 + name_buf.len();
                if b.get(p + 1) == Some(&b'/')
                    && m <= n
                    && b[p + 2..m].eq_ignore_ascii_case(name_buf.as_bytes())
                    && (m == n || matches!(b[m], b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>'))
                {
                    break p;
                }
                k = p + 1;
            };
            if name_buf == "plaintext" {
                sink.raw(&name_buf, &html[start..]);
                return;
            }
            sink.raw(&name_buf, &html[start..end]);
            if end < n {
                i = memchr(b'>', &b[end..]).map(|e| end + e + 1).unwrap_or(n);
                sink.end(&name_buf);
            } else {
                i = n;
            }
        }
    }
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut k = from;
    while k < hay.len() {
        let p = memchr(needle[0], &hay[k..])? + k;
        if hay[p..].starts_with(needle) {
            return Some(p);
        }
        k = p + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Log(Vec<String>);

    impl Sink for Log {
        fn start(&mut self, name: &str, attrs: &Attrs<'_>, self_closing: bool) {
            let list: Vec<String> = attrs
                .list
                .iter()
                .map(|a| format!("{}={}", &attrs.src[a.name.0..a.name.1], &attrs.src[a.value.0..a.value.1]))
                .collect();
            self.0.push(format!(
                "<{name}{}{}>",
                if list.is_empty() { String::new() } else { format!(" {}", list.join(" ")) },
                if self_closing { "/" } else { "" }
            ));
        }
        fn end(&mut self, name: &str) {
            self.0.push(format!("</{name}>"));
        }
        fn text(&mut self, text: &str) {
            self.0.push(text.to_owned());
        }
        fn raw(&mut self, name: &str, text: &str) {
            self.0.push(format!("{name}:{text}"));
        }
    }

    fn log(html: &str) -> Vec<String> {
        let mut l = Log::default();
        tokenize(html, &mut l);
        l.0
    }

    #[test]
    fn tags_attributes_and_text() {
        assert_eq!(
            log(r#"<DIV Class="a b" id=x data-v='1>2' hidden>文字<br/></div>"#),
            ["<div Class=a b id=x data-v=1>2 hidden=>", "文字", "<br/>", "</div>"]
        );
        assert_eq!(log("<a href=/x?a=1&amp;b=2>x</a >"), ["<a href=/x?a=1&amp;b=2>", "x", "</a>"]);
    }

    #[test]
    fn common_attributes_are_found_while_tokenizing() {
        struct Keys(Vec<(Option<String>, Option<String>, Option<String>)>);
        impl Sink for Keys {
            fn start(&mut self, _: &str, attrs: &Attrs<'_>, _: bool) {
                let own = |v: Option<&str>| v.map(str::to_owned);
                self.0.push((own(attrs.key(Key::Class)), own(attrs.key(Key::HttpEquiv)), own(attrs.get("data-x"))));
            }
            fn end(&mut self, _: &str) {}
            fn text(&mut self, _: &str) {}
            fn raw(&mut self, _: &str, _: &str) {}
        }
        let mut k = Keys(Vec::new());
        tokenize(r#"<meta HTTP-EQUIV=refresh CLASS="a" class="b" data-x=1><p>"#, &mut k);
        let want = |c: Option<&str>, h: Option<&str>, x: Option<&str>| {
            (c.map(str::to_owned), h.map(str::to_owned), x.map(str::to_owned))
        };
        assert_eq!(
            k.0,
            [want(Some("a"), Some("refresh"), Some("1")), want(None, None, None)],
            "the first of a name wins"
        );
    }

    #[test]
    fn comments_doctype_and_raw_text() {
        assert_eq!(
            log("<!DOCTYPE html><!-- <p>no</p> --><script>if (a<b) document.write('</p>')</script><p>y"),
            ["<script>", "script:if (a<b) document.write('</p>')", "</script>", "<p>", "y"]
        );
        assert_eq!(
            log("<style>a{}</STYLE ><title>x &amp; y</title>"),
            ["<style>", "style:a{}", "</style>", "<title>", "title:x &amp; y", "</title>"]
        );
    }

    #[test]
    fn broken_markup_never_fails() {
        assert_eq!(log("a < b <3 </> <!-- open"), ["a ", "<", " b ", "<", "3 ", " "]);
        assert_eq!(log("<p class=\"unterminated>text"), ["<p class=unterminated>text>"]);
        assert_eq!(log("<script>never closed"), ["<script>", "script:never closed"]);
        assert_eq!(log("<div\u{4e2d}>x"), ["<div\u{4e2d}>", "x"]);
        for cut in 0..40 {
            let s = "<div a=\"1\" b='2'>中文<!-- c --><script>x</script></div>";
            if s.is_char_boundary(cut) {
                log(&s[..cut]);
            }
        }
    }
}
