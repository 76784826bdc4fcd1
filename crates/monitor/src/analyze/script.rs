//! Static decoding of inline scripts: what a script writes into the page
//! and where it sends the visitor, through the layers spam kits hide them
//! in — `\x` / `\u` escapes, `unescape` / `%uXXXX`, `atob`, base64,
//! `String.fromCharCode`, string concatenation and variables, `split` /
//! `reverse` / `join` / `replace`, `eval` (and `Function`, `setTimeout` of
//! a string) of a decoded string, Dean Edwards' packer — down to the
//! `document.write`, `innerHTML`, `insertAdjacentHTML`, jQuery `.html()`
//! or location change at the end. Nothing is executed: expressions of
//! strings and numbers are evaluated, anything else is "unresolved".
//!
//! Also: whether the script tests `navigator.userAgent` or
//! `document.referrer` against search spiders' or search engines' names
//! (the cloaking of spam kits), and whether it is a statistics snippet
//! (Baidu 统计, CNZZ, 51.la, Google Analytics), which stays quiet.

use std::collections::HashMap;

/// What a script does to the page, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// HTML the script writes into the page, in order.
    pub written: String,
    /// Where it sends the visitor (`location`, `location.replace`,
    /// `window.open`); `?` when the target could not be decoded.
    pub navigates: Vec<String>,
    /// The layers it took to get there: `escapes`, `unescape`, `atob`,
    /// `fromCharCode`, `eval`, `packer`, `reverse`.
    pub layers: Vec<&'static str>,
    /// What it reads of the visitor: `user_agent`, `referrer`.
    pub tests: Vec<&'static str>,
    /// Spider or search-engine names it compares against.
    pub engines: Vec<String>,
    /// A write, navigation or `eval` whose argument could not be decoded.
    pub unresolved: bool,
    /// Writes, navigations and evals seen (decoded or not).
    pub sinks: u32,
    /// A statistics snippet (`baidu_tongji`, `cnzz`, `51la`, `google_analytics`).
    pub analytics: Option<&'static str>,
}

impl Decoded {
    /// Tests the visitor for spiders or search engines and then writes or navigates.
    pub fn cloaks(&self) -> bool {
        !self.tests.is_empty() && !self.engines.is_empty() && self.sinks > 0
    }

    fn layer(&mut self, l: &'static str) {
        if !self.layers.contains(&l) {
            self.layers.push(l);
        }
    }

    fn merge(&mut self, o: Decoded) {
        self.written.push_str(&o.written);
        for n in o.navigates {
            if self.navigates.len() < 20 && !self.navigates.contains(&n) {
                self.navigates.push(n);
            }
        }
        for l in o.layers {
            self.layer(l);
        }
        for t in o.tests {
            if !self.tests.contains(&t) {
                self.tests.push(t);
            }
        }
        for e in o.engines {
            if !self.engines.contains(&e) {
                self.engines.push(e);
            }
        }
        self.unresolved |= o.unresolved;
        self.sinks += o.sinks;
        self.analytics = self.analytics.or(o.analytics);
    }
}

/// Bounds: nesting of decoded layers, decoded output, tokens per script.
const MAX_DEPTH: u8 = 6;
const MAX_OUTPUT: usize = 1 << 20;
const MAX_TOKENS: usize = 200_000;

/// Names of search spiders and search engines as kits test for them.
const ENGINES: &[&str] = &[
    "baiduspider",
    "baidu",
    "googlebot",
    "google",
    "360spider",
    "haosouspider",
    "so.com",
    "haosou",
    "sogou",
    "bytespider",
    "toutiao",
    "yisouspider",
    "sm.cn",
    "bingbot",
    "bing",
    "msnbot",
    "yahoo",
    "slurp",
    "youdao",
    "soso",
    "spider",
    "crawler",
];

/// Statistics snippets: a host or name they carry, and what to call them.
const ANALYTICS: &[(&str, &str)] = &[
    ("hm.baidu.com", "baidu_tongji"),
    ("_hmt", "baidu_tongji"),
    ("zz.bdstatic.com/linksubmit", "baidu_push"),
    ("push.zhanzhang.baidu.com", "baidu_push"),
    ("cnzz.com", "cnzz"),
    ("cnzz_stat_icon", "cnzz"),
    ("51.la", "51la"),
    ("google-analytics.com", "google_analytics"),
    ("googletagmanager.com", "google_analytics"),
    ("gtag(", "google_analytics"),
    ("jspassport.ssl.qhimg.com", "360_push"),
];

/// Would decoding find anything here? (A cheap test, so that ordinary
/// scripts cost a scan, not a tokenization.)
fn worth_decoding(s: &str) -> bool {
    [
        "write",
        "HTML",
        "eval",
        "location",
        "open(",
        "Function",
        "setTimeout",
        "setInterval",
        ".html(",
        "append",
        "userAgent",
        "referrer",
        "prepend",
        // Names hidden in escapes or computed: `document["\x77rite"]`.
        "\\x",
        "\\u",
        "atob",
        "fromCharCode",
    ]
    .iter()
    .any(|n| s.contains(n))
}

/// Decode one inline script.
pub fn decode(script: &str) -> Decoded {
    let mut d = decode_at(script, 0);
    // Only worth knowing when the script does something a finding could be made of.
    if d.sinks > 0 || d.unresolved || !d.tests.is_empty() {
        d.analytics = analytics(script);
    }
    d
}

/// The statistics snippet a script is, if it is one.
pub fn analytics(script: &str) -> Option<&'static str> {
    let lower = script.to_ascii_lowercase();
    ANALYTICS.iter().find(|(n, _)| lower.contains(&n.to_ascii_lowercase())).map(|x| x.1)
}

fn decode_at(script: &str, depth: u8) -> Decoded {
    if depth > MAX_DEPTH || !worth_decoding(script) {
        return Decoded::default();
    }
    let toks = tokenize(script);
    let mut e = Eval { t: &toks, env: HashMap::new(), out: Decoded::default(), depth, nest: 0, target: String::new() };
    if toks.iter().any(|t| matches!(t, Tok::Str(_, true))) {
        e.out.layer("escapes");
    }
    e.scan_names();
    let mut i = 0;
    while i < toks.len() {
        let next = e.statement(i);
        i = next.max(i + 1);
    }
    let mut out = e.out;
    // Scripts inside what was written run too.
    let inner = inline_scripts(&out.written);
    for s in inner {
        let d = decode_at(&s, depth + 1);
        out.merge(d);
    }
    out.written.truncate(floor_char(&out.written, MAX_OUTPUT));
    out
}

fn floor_char(s: &str, mut n: usize) -> usize {
    if n >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// The bodies of inline `<script>` elements in written HTML.
fn inline_scripts(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(a) = lower[from..].find("<script").map(|p| p + from) {
        let Some(gt) = lower[a..].find('>').map(|p| p + a + 1) else { break };
        let Some(end) = lower[gt..].find("</script").map(|p| p + gt) else { break };
        if !lower[a..gt].contains(" src") && end > gt {
            out.push(html[gt..end].to_owned());
        }
        from = end + 8;
        if out.len() >= 20 {
            break;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A string literal, and whether it used `\x` / `\u` escapes.
    Str(String, bool),
    Num(f64),
    Ident(String),
    Punct(&'static str),
    Regex(String),
}

const PUNCTS: &[&str] = &[
    "===", "!==", "==", "!=", "+=", "=>", "&&", "||", "<=", ">=", "++", "--", "(", ")", "[", "]", "{", "}", ".", ",",
    ";", "+", "-", "*", "/", "%", "=", "<", ">", "!", "?", ":", "&", "|", "^", "~",
];

fn tokenize(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < MAX_TOKENS {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") || b[i..].starts_with(b"<!--") || b[i..].starts_with(b"-->") {
            i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
        } else if b[i..].starts_with(b"/*") {
            i = memchr::memmem::find(&b[i + 2..], b"*/").map_or(b.len(), |p| i + 2 + p + 2);
        } else if c == b'"' || c == b'\'' || c == b'`' {
            let (text, escaped, end) = string_literal(s, i);
            if c == b'`' && text.contains("${") {
                out.push(Tok::Ident("`template`".into()));
            } else {
                out.push(Tok::Str(text, escaped));
            }
            i = end;
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let start = i;
            if b[i..].len() > 2 && b[i] == b'0' && matches!(b[i + 1], b'x' | b'X') {
                i += 2;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    i += 1;
                }
                out.push(Tok::Num(i64::from_str_radix(&s[start + 2..i], 16).map_or(f64::NAN, |v| v as f64)));
            } else {
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                out.push(Tok::Num(s[start..i].parse().unwrap_or(f64::NAN)));
            }
        } else if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80) {
                i += 1;
            }
            out.push(Tok::Ident(s[start..i].to_owned()));
        } else if c == b'/' && regex_allowed(out.last()) {
            let start = i + 1;
            i += 1;
            let mut class = false;
            while i < b.len() && b[i] != b'\n' {
                match b[i] {
                    b'\\' => i += 1,
                    b'[' => class = true,
                    b']' => class = false,
                    b'/' if !class => break,
                    _ => {}
                }
                i += 1;
            }
            let body = s.get(start..i.min(b.len())).unwrap_or_default().to_owned();
            i += 1;
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Tok::Regex(body));
        } else {
            match PUNCTS.iter().find(|p| b[i..].starts_with(p.as_bytes())) {
                Some(p) => {
                    out.push(Tok::Punct(p));
                    i += p.len();
                }
                None => i += 1,
            }
        }
    }
    out
}

fn regex_allowed(prev: Option<&Tok>) -> bool {
    match prev {
        None => true,
        Some(Tok::Punct(p)) => !matches!(*p, ")" | "]" | "}" | "++" | "--"),
        Some(Tok::Ident(w)) => matches!(w.as_str(), "return" | "typeof" | "case" | "in" | "of" | "new" | "delete"),
        _ => false,
    }
}

/// A string literal starting at `start` (its quote): its value, whether it
/// used `\x` / `\u` escapes, and the index after it.
fn string_literal(s: &str, start: usize) -> (String, bool, usize) {
    let b = s.as_bytes();
    let q = b[start];
    let mut out = String::new();
    let mut escaped = false;
    let mut i = start + 1;
    while i < b.len() {
        let c = b[i];
        if c == q {
            return (out, escaped, i + 1);
        }
        if c == b'\n' && q != b'`' {
            break;
        }
        if c == b'\\' && i + 1 < b.len() {
            let e = b[i + 1];
            i += 2;
            match e {
                b'n' => out.push('\n'),
                b't' => out.push('\t'),
                b'r' => out.push('\r'),
                b'b' | b'f' | b'v' => {}
                b'0'..=b'7' => {
                    let mut v = u32::from(e - b'0');
                    while i < b.len() && (b'0'..=b'7').contains(&b[i]) && v < 32 {
                        v = v * 8 + u32::from(b[i] - b'0');
                        i += 1;
                    }
                    out.extend(char::from_u32(v));
                }
                b'x' => {
                    if let Some(v) = s.get(i..i + 2).and_then(|h| u32::from_str_radix(h, 16).ok()) {
                        out.extend(char::from_u32(v));
                        escaped = true;
                        i += 2;
                    }
                }
                b'u' => {
                    escaped = true;
                    if b.get(i) == Some(&b'{') {
                        let end = s[i..].find('}').map_or(i, |p| i + p);
                        if let Some(v) = s.get(i + 1..end).and_then(|h| u32::from_str_radix(h, 16).ok()) {
                            out.extend(char::from_u32(v));
                        }
                        i = end + 1;
                    } else if let Some(v) = s.get(i..i + 4).and_then(|h| u32::from_str_radix(h, 16).ok()) {
                        i += 4;
                        // A surrogate pair written as two escapes.
                        if (0xD800..0xDC00).contains(&v)
                            && s.get(i..i + 2) == Some("\\u")
                            && let Some(lo) = s.get(i + 2..i + 6).and_then(|h| u32::from_str_radix(h, 16).ok())
                        {
                            out.extend(char::from_u32(
                                0x10000 + ((v - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF),
                            ));
                            i += 6;
                        } else {
                            out.extend(char::from_u32(v));
                        }
                    }
                }
                b'\n' => {}
                b'\r' => {
                    if b.get(i) == Some(&b'\n') {
                        i += 1;
                    }
                }
                _ => {
                    // Any other escaped character stands for itself (`\'`, `\/`, a multi-byte one).
                    let ch = s[i - 1..].chars().next().unwrap_or('\\');
                    out.push(ch);
                    i += ch.len_utf8() - 1;
                }
            }
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    (out, escaped, b.len())
}

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Str(String),
    Num(f64),
    Arr(Vec<Val>),
}

impl Val {
    fn text(&self) -> String {
        match self {
            Val::Str(s) => s.clone(),
            Val::Num(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Val::Num(n) => n.to_string(),
            Val::Arr(a) => a.iter().map(Val::text).collect::<Vec<_>>().join(","),
        }
    }
    fn num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::Str(s) => s.trim().parse().ok(),
            Val::Arr(_) => None,
        }
    }
}

struct Eval<'a> {
    t: &'a [Tok],
    env: HashMap<String, Val>,
    out: Decoded,
    depth: u8,
    /// Nesting of expressions now (bounded: hostile input nests deep).
    nest: u32,
    /// What the last operand names, for an assignment to it: `a`,
    /// `window.location.href`, `?.innerHTML` (a property of something computed).
    target: String,
}

const MAX_NEST: u32 = 200;

/// Paths that navigate when assigned.
fn is_location(path: &str) -> bool {
    let p = path.strip_prefix("window.").or_else(|| path.strip_prefix("self.")).unwrap_or(path);
    let p = p.strip_prefix("top.").or_else(|| p.strip_prefix("parent.")).unwrap_or(p);
    let p = p.strip_prefix("document.").unwrap_or(p);
    matches!(p, "location" | "location.href")
}

impl Eval<'_> {
    fn punct(&self, i: usize, p: &str) -> bool {
        matches!(self.t.get(i), Some(Tok::Punct(x)) if *x == p)
    }

    /// What the script reads of the visitor, and the engine names in its literals.
    fn scan_names(&mut self) {
        for t in self.t {
            match t {
                Tok::Ident(w) | Tok::Str(w, _) if w == "userAgent" && !self.out.tests.contains(&"user_agent") => {
                    self.out.tests.push("user_agent");
                }
                Tok::Ident(w) if w == "referrer" && !self.out.tests.contains(&"referrer") => {
                    self.out.tests.push("referrer");
                }
                _ => {}
            }
            let lit = match t {
                // A URL names a host, not a visitor to compare against.
                Tok::Str(s, _) if !s.contains('/') && s.len() < 200 => s,
                Tok::Regex(r) => r,
                _ => continue,
            };
            let lower = lit.to_ascii_lowercase();
            for e in ENGINES {
                if lower.contains(e) && !self.out.engines.iter().any(|x| x == e) && self.out.engines.len() < 20 {
                    self.out.engines.push((*e).to_owned());
                }
            }
        }
    }

    /// One statement from `i` (or as much of one as is understood); the index after it.
    fn statement(&mut self, i: usize) -> usize {
        match self.t.get(i) {
            Some(Tok::Ident(w)) if matches!(w.as_str(), "var" | "let" | "const") => {
                let mut j = i + 1;
                loop {
                    let Some(Tok::Ident(name)) = self.t.get(j) else { return j };
                    let name = name.clone();
                    if self.punct(j + 1, "=") {
                        let (v, k) = self.expr(j + 2);
                        match v {
                            Some(v) => self.env.insert(name, v),
                            None => self.env.remove(&name),
                        };
                        j = k;
                    } else {
                        j += 1;
                    }
                    if self.punct(j, ",") {
                        j += 1;
                    } else {
                        return j;
                    }
                }
            }
            Some(Tok::Ident(_)) => {
                let (v, j) = self.unary(i);
                let append = if self.punct(j, "=") {
                    false
                } else if self.punct(j, "+=") {
                    true
                } else {
                    // A call or an expression: evaluating it recorded its sinks.
                    return self.expr_rest(v, j).1;
                };
                let target = std::mem::take(&mut self.target);
                let (v, k) = self.expr(j + 1);
                self.assign(&target, append, v);
                k
            }
            _ => i + 1,
        }
    }

    /// `a.b.c` from `i`: the dotted name and the index after it.
    fn path(&self, i: usize) -> (String, usize) {
        let mut p = String::new();
        let mut j = i;
        while let Some(Tok::Ident(w)) = self.t.get(j) {
            if !p.is_empty() {
                p.push('.');
            }
            p.push_str(w);
            if self.punct(j + 1, ".") && matches!(self.t.get(j + 2), Some(Tok::Ident(_))) {
                j += 2;
            } else if self.punct(j + 1, "[")
                && matches!(self.t.get(j + 2), Some(Tok::Str(..)))
                && self.punct(j + 3, "]")
            {
                // `navigator["userAgent"]`, `window["location"]`.
                if let Some(Tok::Str(s, _)) = self.t.get(j + 2) {
                    p.push('.');
                    p.push_str(s);
                }
                j += 4;
                if !(self.punct(j, ".") && matches!(self.t.get(j + 1), Some(Tok::Ident(_)))) {
                    return (p, j);
                }
                j += 1;
                p.push('.');
                if let Some(Tok::Ident(w)) = self.t.get(j) {
                    p.push_str(w);
                }
                if !(self.punct(j + 1, ".") && matches!(self.t.get(j + 2), Some(Tok::Ident(_)))) {
                    return (p, j + 1);
                }
                j += 2;
                continue;
            } else {
                return (p, j + 1);
            }
        }
        (p, j)
    }

    fn assign(&mut self, path: &str, append: bool, v: Option<Val>) {
        let last = path.rsplit('.').next().unwrap_or(path);
        if matches!(last, "innerHTML" | "outerHTML") {
            self.sink_write(v);
        } else if is_location(path) {
            self.sink_navigate(v);
        } else if matches!(path, "document.title" | "document.body.innerText" | "document.body.textContent") {
            // Changes what the visitor sees (a kit shows spiders one title, people another).
            self.out.sinks += 1;
        } else if !path.contains('.') {
            let v = match (append, v) {
                (false, v) => v,
                (true, Some(v)) => self.env.get(path).map(|old| Val::Str(old.text() + &v.text())),
                (true, None) => None,
            };
            match v {
                Some(v) if v.text().len() <= MAX_OUTPUT => {
                    self.env.insert(path.to_owned(), v);
                }
                _ => {
                    self.env.remove(path);
                }
            }
        }
    }

    fn sink_write(&mut self, v: Option<Val>) {
        self.out.sinks += 1;
        match v {
            Some(v) if self.out.written.len() < MAX_OUTPUT => self.out.written.push_str(&v.text()),
            Some(_) => {}
            None => self.out.unresolved = true,
        }
    }

    fn sink_navigate(&mut self, v: Option<Val>) {
        self.out.sinks += 1;
        let target = v.map_or_else(|| "?".to_owned(), |v| v.text());
        if self.out.navigates.len() < 20 && !self.out.navigates.contains(&target) {
            self.out.navigates.push(target);
        }
    }

    fn sink_eval(&mut self, v: Option<Val>) {
        self.out.sinks += 1;
        self.out.layer("eval");
        match v {
            Some(Val::Str(code)) => {
                let d = decode_at(&code, self.depth + 1);
                self.out.merge(d);
            }
            Some(_) => {}
            None => self.out.unresolved = true,
        }
    }

    /// An expression: the value when it is made of strings and numbers, and the index after it.
    fn expr(&mut self, i: usize) -> (Option<Val>, usize) {
        let (v, j) = self.unary(i);
        self.expr_rest(v, j)
    }

    /// The rest of an expression whose first operand is `v`, from `j`.
    fn expr_rest(&mut self, mut v: Option<Val>, mut j: usize) -> (Option<Val>, usize) {
        loop {
            if self.punct(j, "+") {
                let (r, k) = self.unary(j + 1);
                v = match (v, r) {
                    (Some(Val::Num(a)), Some(Val::Num(b))) => Some(Val::Num(a + b)),
                    (Some(a), Some(b)) => Some(Val::Str(a.text() + &b.text())),
                    _ => None,
                };
                if v.as_ref().is_some_and(|v| matches!(v, Val::Str(s) if s.len() > MAX_OUTPUT)) {
                    v = None;
                }
                j = k;
            } else if matches!(self.t.get(j), Some(Tok::Punct("-" | "*" | "%" | "?" | "&&" | "||"))) {
                // Arithmetic and conditions: not followed; the operands still run.
                let (_, k) = self.unary(j + 1);
                v = None;
                j = if self.punct(k, ":") { self.unary(k + 1).1 } else { k };
            } else {
                return (v, j);
            }
        }
    }

    /// Arguments of a call at `i` (an open parenthesis): their values and the index after `)`.
    fn args(&mut self, i: usize) -> (Vec<Option<Val>>, usize) {
        let mut out = Vec::new();
        let mut j = i + 1;
        if self.punct(j, ")") {
            return (out, j + 1);
        }
        loop {
            let (v, k) = self.expr(j);
            out.push(v);
            j = k;
            if self.punct(j, ",") {
                j += 1;
            } else if self.punct(j, ")") {
                return (out, j + 1);
            } else {
                // Something not understood: skip to the matching parenthesis.
                return (out, self.skip_to_close(i));
            }
        }
    }

    /// The index after the bracket matching the one at `i`.
    fn skip_to_close(&self, i: usize) -> usize {
        let mut depth = 0i32;
        let mut j = i;
        while j < self.t.len() {
            match self.t[j] {
                Tok::Punct("(" | "[" | "{") => depth += 1,
                Tok::Punct(")" | "]" | "}") => {
                    depth -= 1;
                    if depth <= 0 {
                        return j + 1;
                    }
                }
                _ => {}
            }
            j += 1;
        }
        j
    }

    fn unary(&mut self, i: usize) -> (Option<Val>, usize) {
        if self.nest >= MAX_NEST {
            return (None, self.t.len());
        }
        self.nest += 1;
        let r = self.unary_inner(i);
        self.nest -= 1;
        r
    }

    fn unary_inner(&mut self, i: usize) -> (Option<Val>, usize) {
        self.target.clear();
        let (mut v, mut j, mut path) = match self.t.get(i) {
            Some(Tok::Str(s, _)) => (Some(Val::Str(s.clone())), i + 1, None),
            Some(Tok::Num(n)) => (Some(Val::Num(*n)), i + 1, None),
            Some(Tok::Punct("(")) => {
                let (v, k) = self.expr(i + 1);
                let k = if self.punct(k, ")") { k + 1 } else { self.skip_to_close(i) };
                (v, k, None)
            }
            Some(Tok::Punct("[")) => {
                let mut items = Vec::new();
                let mut k = i + 1;
                let mut ok = true;
                while !self.punct(k, "]") && k < self.t.len() {
                    let (x, n) = self.expr(k);
                    match x {
                        Some(x) => items.push(x),
                        None => ok = false,
                    }
                    k = n;
                    if self.punct(k, ",") {
                        k += 1;
                    } else if !self.punct(k, "]") {
                        ok = false;
                        k = self.skip_to_close(i);
                        break;
                    }
                }
                if self.punct(k, "]") {
                    k += 1;
                }
                (ok.then_some(Val::Arr(items)), k, None)
            }
            Some(Tok::Punct("!" | "-" | "+" | "~")) => {
                let (_, k) = self.unary(i + 1);
                (None, k, None)
            }
            Some(Tok::Ident(w)) if w == "function" => {
                // A function expression: its body is scanned as statements.
                let mut k = i + 1;
                while k < self.t.len() && !self.punct(k, "{") {
                    k += 1;
                }
                let end = self.skip_to_close(k);
                let packer = self.packer_call(i, end);
                let mut s = k + 1;
                while s < end.saturating_sub(1) {
                    s = self.statement(s).max(s + 1);
                }
                if let Some(v) = packer {
                    return (Some(v), self.skip_to_close(end));
                }
                (None, end, None)
            }
            Some(Tok::Ident(w)) if w == "new" => return self.unary(i + 1),
            Some(Tok::Ident(_)) => {
                let (p, k) = self.path(i);
                (None, k, Some(p))
            }
            _ => return (None, i + 1),
        };
        loop {
            if self.punct(j, "(") {
                let (args, k) = self.args(j);
                v = match (path.take(), v) {
                    (Some(p), _) => self.call(&p, args),
                    (None, _) => None,
                };
                self.target = "?".into();
                j = k;
            } else if self.punct(j, ".") {
                let Some(Tok::Ident(m)) = self.t.get(j + 1) else { return (None, j + 1) };
                let m = m.clone();
                if let Some(p) = path.as_mut() {
                    p.push('.');
                    p.push_str(&m);
                    j += 2;
                    continue;
                }
                if self.punct(j + 2, "(") {
                    let (args, k) = self.args(j + 2);
                    // On something computed (`$('#f').html(…)`), only the writers are known.
                    v = if v.is_none() { self.call(&format!("?.{m}"), args) } else { self.method(v, &m, args) };
                    self.target = "?".into();
                    j = k;
                } else {
                    v = match (&v, m.as_str()) {
                        (Some(Val::Str(s)), "length") => Some(Val::Num(s.chars().count() as f64)),
                        _ => None,
                    };
                    self.target = format!("?.{m}");
                    j += 2;
                }
            } else if self.punct(j, "[") {
                let (idx, k) = self.expr(j + 1);
                let k = if self.punct(k, "]") { k + 1 } else { self.skip_to_close(j) };
                if let Some(p) = path.take() {
                    v = self.lookup(&p);
                    // A member named by a computed string: `document[_0x1a[0]]`, `window["location"]`.
                    if v.is_none()
                        && let Some(Val::Str(name)) = &idx
                        && !name.is_empty()
                        && name.len() < 64
                    {
                        path = Some(format!("{p}.{name}"));
                        self.target = format!("{p}.{name}");
                        j = k;
                        continue;
                    }
                }
                v = match (v, idx.and_then(|x| x.num())) {
                    (Some(Val::Str(s)), Some(n)) => s.chars().nth(n as usize).map(|c| Val::Str(c.to_string())),
                    (Some(Val::Arr(a)), Some(n)) => a.get(n as usize).cloned(),
                    _ => None,
                };
                self.target = "?".into();
                j = k;
            } else {
                break;
            }
        }
        if let Some(p) = path {
            v = self.lookup(&p);
            self.target = p;
        }
        (v, j)
    }

    fn lookup(&self, path: &str) -> Option<Val> {
        self.env.get(path).cloned()
    }

    fn call(&mut self, path: &str, args: Vec<Option<Val>>) -> Option<Val> {
        let p = path.strip_prefix("window.").unwrap_or(path);
        let first = args.first().cloned().flatten();
        let last = p.rsplit('.').next().unwrap_or(p);
        match p {
            "document.write" | "document.writeln" => {
                let mut all = Some(String::new());
                for a in &args {
                    all = match (all, a) {
                        (Some(s), Some(v)) => Some(s + &v.text()),
                        _ => None,
                    };
                }
                self.sink_write(all.map(Val::Str));
                None
            }
            "eval" | "Function" | "setTimeout" | "setInterval" | "execScript" => {
                // `Function("a", "body")`: the body is the last argument.
                let code = if p == "Function" { args.last().cloned().flatten() } else { first };
                match code {
                    Some(Val::Str(c)) => self.sink_eval(Some(Val::Str(c))),
                    // `setTimeout(function…)`: the function was scanned already.
                    _ if p.starts_with("set") => {}
                    other => self.sink_eval(other),
                }
                None
            }
            "unescape" | "decodeURIComponent" | "decodeURI" => {
                let s = first?.text();
                if s.contains('%') {
                    self.out.layer("unescape");
                }
                Some(Val::Str(percent_decode(&s)))
            }
            // Kept as text: `decodeURIComponent(escape(atob(x)))` reads UTF-8 either way.
            "escape" | "encodeURIComponent" | "String" => first,
            "atob" => {
                let s = first?.text();
                self.out.layer("atob");
                base64_decode(&s).map(Val::Str)
            }
            "String.fromCharCode" | "String.fromCodePoint" => {
                self.out.layer("fromCharCode");
                from_char_codes(args.iter().map(|a| a.as_ref().and_then(Val::num)))
            }
            "String.fromCharCode.apply" | "String.fromCodePoint.apply" => {
                self.out.layer("fromCharCode");
                match args.get(1).cloned().flatten() {
                    Some(Val::Arr(a)) => from_char_codes(a.iter().map(Val::num)),
                    _ => None,
                }
            }
            "parseInt" => {
                let s = first?.text();
                let radix = args.get(1).cloned().flatten().and_then(|r| r.num()).unwrap_or(10.0) as u32;
                i64::from_str_radix(s.trim(), radix.clamp(2, 36)).ok().map(|n| Val::Num(n as f64))
            }
            _ if matches!(last, "replace" | "assign")
                && is_location(p.trim_end_matches(last).trim_end_matches('.')) =>
            {
                self.sink_navigate(first);
                None
            }
            "open" => {
                self.sink_navigate(first);
                None
            }
            _ if last == "insertAdjacentHTML" => {
                self.sink_write(args.get(1).cloned().flatten());
                None
            }
            _ if matches!(last, "html" | "append" | "prepend" | "after" | "before" | "replaceWith") => {
                // jQuery's writers; only markup counts (`.append(node)` is not decoded).
                if let Some(v) = first.filter(|v| v.text().contains('<')) {
                    self.sink_write(Some(v));
                }
                None
            }
            _ => {
                // A variable holding a string, then a method on it: `s.split("")`.
                let (obj, m) = path.rsplit_once('.')?;
                let v = self.lookup(obj)?;
                self.method(Some(v), m, args)
            }
        }
    }

    fn method(&mut self, v: Option<Val>, m: &str, args: Vec<Option<Val>>) -> Option<Val> {
        let v = v?;
        let arg = |n: usize| args.get(n).cloned().flatten();
        match (v, m) {
            (Val::Str(s), "split") => {
                let sep = arg(0)?.text();
                Some(Val::Arr(if sep.is_empty() {
                    s.chars().map(|c| Val::Str(c.to_string())).collect()
                } else {
                    s.split(sep.as_str()).map(|x| Val::Str(x.to_owned())).collect()
                }))
            }
            (Val::Arr(mut a), "reverse") => {
                self.out.layer("reverse");
                a.reverse();
                Some(Val::Arr(a))
            }
            (Val::Arr(a), "join") => {
                let sep = arg(0).map_or_else(|| ",".to_owned(), |s| s.text());
                Some(Val::Str(a.iter().map(Val::text).collect::<Vec<_>>().join(&sep)))
            }
            (Val::Arr(a), "concat") => {
                let mut a = a;
                for x in args {
                    match x? {
                        Val::Arr(b) => a.extend(b),
                        other => a.push(other),
                    }
                }
                Some(Val::Arr(a))
            }
            (Val::Str(s), "replace" | "replaceAll") => {
                let from = arg(0)?.text();
                let to = arg(1)?.text();
                Some(Val::Str(if m == "replaceAll" { s.replace(&from, &to) } else { s.replacen(&from, &to, 1) }))
            }
            (Val::Str(s), "concat") => {
                let mut s = s;
                for a in args {
                    s.push_str(&a?.text());
                }
                Some(Val::Str(s))
            }
            (Val::Str(s), "toLowerCase") => Some(Val::Str(s.to_lowercase())),
            (Val::Str(s), "toUpperCase") => Some(Val::Str(s.to_uppercase())),
            (Val::Str(s), "trim") => Some(Val::Str(s.trim().to_owned())),
            (v @ Val::Str(_), "toString") => Some(v),
            (Val::Num(n), "toString") => {
                let radix = arg(0).and_then(|r| r.num()).unwrap_or(10.0) as u32;
                Some(Val::Str(to_radix(n as i64, radix)))
            }
            (Val::Str(s), "charAt") => {
                let n = arg(0).and_then(|x| x.num()).unwrap_or(0.0) as usize;
                Some(Val::Str(s.chars().nth(n).map(String::from).unwrap_or_default()))
            }
            (Val::Str(s), "charCodeAt") => {
                let n = arg(0).and_then(|x| x.num()).unwrap_or(0.0) as usize;
                s.encode_utf16().nth(n).map(|c| Val::Num(f64::from(c)))
            }
            (Val::Str(s), "substr" | "substring" | "slice") => {
                let chars: Vec<char> = s.chars().collect();
                let n = chars.len() as i64;
                let a = arg(0).and_then(|x| x.num()).unwrap_or(0.0) as i64;
                let b = arg(1).and_then(|x| x.num()).map(|x| x as i64);
                let norm = |x: i64| if x < 0 && m != "substring" { (n + x).max(0) } else { x.clamp(0, n) };
                let start = norm(a);
                let end = match (m, b) {
                    ("substr", Some(len)) => (start + len.max(0)).min(n),
                    (_, Some(e)) => norm(e),
                    (_, None) => n,
                };
                let (start, end) = if m == "substring" && end < start { (end, start) } else { (start, end) };
                Some(Val::Str(chars[start as usize..end.max(start) as usize].iter().collect()))
            }
            _ => None,
        }
    }

    /// Dean Edwards' packer, `function(p,a,c,k,e,d){…}('payload',62,n,'a|b'.split('|'),0,{})`,
    /// called right after the function body ending before `end`: its unpacked code, evaluated.
    fn packer_call(&mut self, i: usize, end: usize) -> Option<Val> {
        let params: Vec<&str> = self.t[i..end.min(self.t.len())]
            .iter()
            .take(14)
            .filter_map(|t| if let Tok::Ident(w) = t { Some(w.as_str()) } else { None })
            .collect();
        if params.get(1..5) != Some(&["p", "a", "c", "k"][..]) || !self.punct(end, "(") {
            return None;
        }
        let (args, _) = self.args(end);
        let payload = args.first().cloned().flatten()?.text();
        let radix = args.get(1).cloned().flatten()?.num()? as u32;
        let words = match args.get(3).cloned().flatten()? {
            Val::Arr(a) => a.iter().map(Val::text).collect::<Vec<_>>(),
            Val::Str(s) => s.split('|').map(str::to_owned).collect(),
            Val::Num(_) => return None,
        };
        self.out.layer("packer");
        Some(Val::Str(unpack(&payload, radix, &words)))
    }
}

/// The packer's substitution: each word of the payload, read in `radix`, is an index into `words`.
fn unpack(payload: &str, radix: u32, words: &[String]) -> String {
    let mut out = String::with_capacity(payload.len() * 2);
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            match packer_index(word, radix).and_then(|n| words.get(n)).filter(|w| !w.is_empty()) {
                Some(w) => out.push_str(w),
                None => out.push_str(word),
            }
            word.clear();
        }
    };
    for c in payload.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
        if out.len() > MAX_OUTPUT {
            break;
        }
    }
    flush(&mut word, &mut out);
    out
}

/// The packer's base: 0-9, a-z, then A-Z for radices above 36.
fn packer_index(word: &str, radix: u32) -> Option<usize> {
    let mut n: usize = 0;
    for c in word.chars() {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 10,
            'A'..='Z' => c as u32 - 'A' as u32 + 36,
            _ => return None,
        };
        if d >= radix.max(2) {
            return None;
        }
        n = n.checked_mul(radix as usize)?.checked_add(d as usize)?;
    }
    Some(n)
}

fn to_radix(mut n: i64, radix: u32) -> String {
    let radix = i64::from(radix.clamp(2, 36));
    if n == 0 {
        return "0".into();
    }
    let neg = n < 0;
    let mut digits = Vec::new();
    while n != 0 {
        let d = (n % radix).unsigned_abs() as u32;
        digits.push(char::from_digit(d, radix as u32).unwrap_or('0'));
        n /= radix;
    }
    if neg {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

fn from_char_codes(codes: impl Iterator<Item = Option<f64>>) -> Option<Val> {
    let mut units: Vec<u16> = Vec::new();
    for c in codes {
        let c = c?;
        let c = c as u32;
        if c > 0xFFFF {
            let ch = char::from_u32(c)?;
            let mut buf = [0u16; 2];
            units.extend_from_slice(ch.encode_utf16(&mut buf));
        } else {
            units.push(c as u16);
        }
    }
    Some(Val::Str(String::from_utf16_lossy(&units)))
}

/// `%XX` (read as UTF-8 where the bytes form it) and `%uXXXX`.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut bytes: Vec<u8> = Vec::with_capacity(b.len());
    let mut out = String::with_capacity(b.len());
    let flush = |bytes: &mut Vec<u8>, out: &mut String| {
        if !bytes.is_empty() {
            match std::str::from_utf8(bytes) {
                Ok(t) => out.push_str(t),
                // Not UTF-8: each byte a Latin-1 character, as `unescape` does.
                Err(_) => out.extend(bytes.iter().map(|&x| char::from(x))),
            }
            bytes.clear();
        }
    };
    let hex = |h: &[u8]| std::str::from_utf8(h).ok().and_then(|h| u32::from_str_radix(h, 16).ok());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if matches!(b.get(i + 1), Some(b'u' | b'U'))
                && let Some(v) = b.get(i + 2..i + 6).and_then(hex)
            {
                flush(&mut bytes, &mut out);
                out.extend(char::from_u32(v));
                i += 6;
                continue;
            }
            if let Some(v) = b.get(i + 1..i + 3).and_then(hex) {
                bytes.push(v as u8);
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    flush(&mut bytes, &mut out);
    out
}

/// Base64 (standard or URL-safe, spaces ignored, padding optional) as text:
/// UTF-8 when the bytes are, else Latin-1 (what `atob` gives).
pub fn base64_decode(s: &str) -> Option<String> {
    use base64::Engine;
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let clean = clean.trim_end_matches('=').replace('-', "+").replace('_', "/");
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(clean.as_bytes()).ok()?;
    Some(match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => e.into_bytes().iter().map(|&x| char::from(x)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    const LINK: &str = "<div style=\"display:none\"><a href=\"http://bet.example/\">百家乐</a></div>";

    #[test]
    fn plain_writes_and_concatenation() {
        let d = decode("document.write('<a href=\"http://bet' + '.example/\">' + \"x</a>\");");
        assert_eq!(d.written, "<a href=\"http://bet.example/\">x</a>");
        assert!(!d.unresolved && d.layers.is_empty());
        let d = decode(
            "var a = '<a href=\"http://'; a += 'bet.example/\">x</a>'; document.getElementById('f').innerHTML = a;",
        );
        assert_eq!(d.written, "<a href=\"http://bet.example/\">x</a>");
    }

    #[test]
    fn every_layer_is_peeled() {
        let escaped: String = LINK.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
        let d = decode(&format!("document.write(\"{escaped}\")"));
        assert_eq!(d.written, LINK);
        assert_eq!(d.layers, ["escapes"]);

        let pct: String = LINK.encode_utf16().map(|u| format!("%u{u:04X}")).collect();
        let d = decode(&format!("document.write(unescape('{pct}'))"));
        assert_eq!(d.written, LINK);
        assert_eq!(d.layers, ["unescape"]);

        let utf8_pct: String = LINK.bytes().map(|b| format!("%{b:02X}")).collect();
        let d = decode(&format!("document.write(decodeURIComponent(\"{utf8_pct}\"))"));
        assert_eq!(d.written, LINK);

        let d = decode(&format!("eval(atob('{}'))", b64(&format!("document.write('{LINK}')"))));
        assert_eq!(d.written, LINK);
        assert_eq!(d.layers, ["atob", "eval"]);

        let codes: Vec<String> = LINK.encode_utf16().map(|u| u.to_string()).collect();
        let d = decode(&format!("var s = String.fromCharCode({}); document.write(s);", codes.join(",")));
        assert_eq!(d.written, LINK);

        let reversed: String = LINK.chars().rev().collect();
        let d = decode(&format!("document.write('{reversed}'.split('').reverse().join(''))"));
        assert_eq!(d.written, LINK);

        // Two layers deep: eval of an escaped eval of base64.
        let inner = format!("eval(window.atob(\"{}\"))", b64(&format!("$('#f').html('{LINK}')")));
        let esc: String = inner.bytes().map(|b| format!("\\x{b:02x}")).collect();
        let d = decode(&format!("eval(\"{esc}\")"));
        assert_eq!(d.written, LINK);
        assert!(d.layers.contains(&"atob") && d.layers.contains(&"escapes"));
    }

    #[test]
    fn members_named_by_computed_strings() {
        let d = decode(
            r#"var _0x3f=["\x77\x72\x69\x74\x65","<a href='http://bet.example/'>x</a>"];document[_0x3f[0]](_0x3f[1]);"#,
        );
        assert_eq!(d.written, "<a href='http://bet.example/'>x</a>");
        let d = decode(r#"window["location"]["href"] = "http://bet" + ".example/";"#);
        assert_eq!(d.navigates, ["http://bet.example/"]);
        let d = decode(
            r#"var k = "inner" + "HTML"; document.getElementById("x")[k] = "<a href='http://bet.example/'>y</a>";"#,
        );
        assert!(d.written.is_empty() || d.written.contains("bet.example"));
    }

    #[test]
    fn packed_scripts_are_unpacked() {
        // What Dean Edwards' packer makes of `document.write('<a href="http://bet.example/">x</a>')`.
        let packed = r#"eval(function(p,a,c,k,e,d){e=function(c){return c};if(!''.replace(/^/,String)){while(c--){d[c]=k[c]||c}k=[function(e){return d[e]}];e=function(){return'\\w+'};c=1};while(c--){if(k[c]){p=p.replace(new RegExp('\\b'+e(c)+'\\b','g'),k[c])}}return p}('0.1(\'<a 2="3://4.5/">x</a>\')',6,6,'document|write|href|http|bet|example'.split('|'),0,{}))"#;
        let d = decode(packed);
        assert_eq!(d.written, "<a href=\"http://bet.example/\">x</a>");
        assert!(d.layers.contains(&"packer"));
    }

    #[test]
    fn redirects_and_cloaking() {
        let kit = r#"var s = document.referrer.toLowerCase();
            if (s.indexOf("baidu") > 0 || s.indexOf("sogou") > 0 || s.indexOf("so.com") > 0) {
                window.location.href = "http://bet.example/";
            }"#;
        let d = decode(kit);
        assert_eq!(d.navigates, ["http://bet.example/"]);
        assert_eq!(d.tests, ["referrer"]);
        assert_eq!(d.engines, ["baidu", "sogou", "so.com"]);
        assert!(d.cloaks());

        let ua = r#"if(/Baiduspider|Googlebot|360Spider/i.test(navigator.userAgent)){document.write(unescape("%3Ca%20href%3D%22http%3A//bet.example/%22%3Ex%3C/a%3E"))}"#;
        let d = decode(ua);
        assert!(d.cloaks());
        assert_eq!(d.written, "<a href=\"http://bet.example/\">x</a>");

        // A mobile redirect tests the visitor but not for spiders.
        let mobile = r#"if (/Android|iPhone|iPad/i.test(navigator.userAgent)) { location.replace("/m/index.html"); }"#;
        let d = decode(mobile);
        assert_eq!(d.navigates, ["/m/index.html"]);
        assert!(!d.cloaks());
    }

    #[test]
    fn statistics_snippets_are_recognised() {
        let baidu = r#"var _hmt = _hmt || [];
            (function() {
              var hm = document.createElement("script");
              hm.src = "https://hm.baidu.com/hm.js?0123456789abcdef0123456789abcdef";
              var s = document.getElementsByTagName("script")[0];
              s.parentNode.insertBefore(hm, s);
            })();"#;
        let d = decode(baidu);
        assert_eq!(analytics(baidu), Some("baidu_tongji"));
        assert_eq!(d.analytics, None, "it does nothing a finding could be made of: not even looked up");
        assert!(!d.cloaks() && d.written.is_empty());

        let cnzz = r#"var cnzz_protocol = (("https:" == document.location.protocol) ? "https://" : "http://");document.write(unescape("%3Cspan id='cnzz_stat_icon_1000'%3E%3C/span%3E%3Cscript src='" + cnzz_protocol + "s9.cnzz.com/z_stat.php%3Fid%3D1000' type='text/javascript'%3E%3C/script%3E"));"#;
        let d = decode(cnzz);
        assert_eq!(d.analytics, Some("cnzz"));
        assert!(!d.cloaks());
    }

    #[test]
    fn ordinary_scripts_decode_to_nothing() {
        for s in [
            "$(function(){ $('.banner').slick({autoplay:true}); });",
            "function tab(n){ for (var i=0;i<4;i++){ document.getElementById('t'+i).className = i==n ? 'on' : ''; } }",
            "var d = new Date(); document.getElementById('today').innerHTML = d.getFullYear() + '年';",
            "x = a / b / c; y = /re[/]gex/.test(z);",
        ] {
            let d = decode(s);
            assert!(d.written.is_empty() && d.navigates.is_empty() && !d.cloaks(), "{s}: {d:?}");
        }
        // A write of something computed is unresolved, not an error.
        assert!(decode("document.write(new Date().getFullYear())").unresolved);
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = "eval(".repeat(5000);
        let _ = decode(&deep);
        let long = format!("var a='{}'; for(;;){{ a += a; }} document.write(a)", "x".repeat(1000));
        let d = decode(&long);
        assert!(d.written.len() <= MAX_OUTPUT);
        let _ = decode("document.write('\\u{110000}\\uD800\\x' + \"\\");
        assert_eq!(percent_decode("%E4%B8%AD%u6587%zz%"), "中文%zz%");
        assert_eq!(base64_decode("5Lit5paH"), Some("中文".into()));
    }
}
