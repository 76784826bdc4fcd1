//! One pass over a page that collects what every content check needs:
//! the visible text in blocks, hidden text and links with the reason they
//! are hidden, links, scripts (with signs of obfuscation and the links they
//! write), iframes, external resources and the count of each tag.
//!
//! Tokens come from `tokenizer`; the open-element stack here applies the
//! HTML rules for implicit ends (`<p>` by `<div>`, `<li>` by the next
//! `<li>`, a cell by the next cell) and pops down to the element an end
//! tag names, so hidden state never leaks past where a browser would close
//! the element.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;

use super::css::{self, Fx, HideReason, Sheet};
use super::script::{self, Decoded};
use super::selector::{self, Selector, Subject};
use super::tokenizer::{self, Attrs, Key, Sink};

/// What the checks need of a page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub title: String,
    /// Visible text, one entry per block (paragraph, cell, item, heading),
    /// whitespace collapsed, entities decoded; excluded parts left out.
    pub blocks: Vec<String>,
    /// Text in excluded parts (dynamic: dates, counters), kept for keyword checks.
    pub excluded_text: String,
    /// Each outermost hidden element with its text and links.
    pub hidden: Vec<Hidden>,
    pub links: Vec<Link>,
    pub scripts: Vec<Script>,
    /// `src` of each iframe (and frame), with the reason when hidden.
    pub iframes: Vec<Link>,
    /// `src` / `href` of scripts, style sheets, images, iframes, embeds.
    pub resources: Vec<String>,
    pub tags: BTreeMap<String, u32>,
    /// `<meta name=keywords|description>` contents (spam likes them).
    pub meta: Vec<String>,
    /// `<meta http-equiv=refresh>` target, when any.
    pub refresh: Option<String>,
    /// Text of the visible links, run together (spam weighs more there).
    pub link_text: String,
    /// The page as its scripts leave it: the HTML their decoded writes
    /// produce, put where each script stands, parsed again. `None` when
    /// no script writes anything that could be decoded.
    pub scripted: Option<Box<Page>>,
    pub bytes: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    pub reason: HideReason,
    pub tag: String,
    /// Where it sits: the tag with its `id` or first class (`div#links`, `div.hd`).
    pub at: String,
    pub text: String,
    pub links: Vec<String>,
    /// One of a group of siblings alike (same tag and class, or ids that
    /// differ only by a number) of which another is shown: a tab panel, a
    /// carousel slide, a menu's other page — page controls switch it into
    /// view, so it is not hidden from visitors.
    pub switchable: bool,
}

/// Bytes of a link's text kept with it.
const LINK_TEXT: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub hidden: Option<HideReason>,
    /// The link's text (its first 120 bytes or so, whitespace collapsed; empty for frames).
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub src: Option<String>,
    /// `text_hash` of an inline script's text (0 for external scripts).
    pub hash: u64,
    pub len: usize,
    /// Signs of obfuscation: `eval`, `atob`, `fromCharCode`, `unescape`, `long_base64`, `hex_escapes`.
    pub signs: Vec<&'static str>,
    /// Links the script writes into the page (`document.write`, `innerHTML`).
    pub written_links: Vec<String>,
    /// What static decoding made of it, when it writes, navigates, tests
    /// the visitor or is a statistics snippet.
    pub decoded: Option<Box<Decoded>>,
    /// Byte offset in the page's HTML where the script's text ends.
    pub end: usize,
}

impl Page {
    /// All visible text, one block a line.
    pub fn visible_text(&self) -> String {
        self.blocks.join("\n")
    }
}

/// A fast 64-bit hash of text, stable across builds and machines
/// (baselines are stored): eight bytes a step, multiply and rotate.
pub fn text_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h: u64 = (bytes.len() as u64) ^ 0xcbf2_9ce4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// Characters in UTF-8 text (bytes that start a character).
pub fn char_count(text: &str) -> usize {
    text.bytes().filter(|b| (*b as i8) >= -0x40).count()
}

/// Is `selector` one the analysis can use for exclusions?
pub fn valid_selector(selector: &str) -> bool {
    selector::parse_list(selector).is_ok()
}

const BLOCK: u8 = 1;
const CLOSES_P: u8 = 2;
const VOID: u8 = 4;

/// One table of the tags the analysis knows: their code and whether they
/// start a block of text, end an open `<p>`, or are void. A start tag is
/// looked up once; everything after compares small codes.
macro_rules! tags {
    ($($variant:ident $name:literal $flags:expr;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        enum Tag {
            $($variant,)*
            Other,
        }

        const TAG_NAMES: &[&str] = &[$($name,)*];

        fn classify(name: &str) -> (Tag, u8) {
            match name {
                $($name => (Tag::$variant, $flags),)*
                _ => (Tag::Other, 0),
            }
        }
    };
}

tags! {
    A "a" 0;
    Address "address" BLOCK | CLOSES_P;
    Area "area" VOID;
    Article "article" BLOCK | CLOSES_P;
    Aside "aside" BLOCK | CLOSES_P;
    B "b" 0;
    Base "base" VOID;
    Blockquote "blockquote" BLOCK | CLOSES_P;
    Body "body" BLOCK;
    Br "br" BLOCK | VOID;
    Button "button" 0;
    Caption "caption" BLOCK;
    Center "center" BLOCK;
    Col "col" VOID;
    Datalist "datalist" 0;
    Dd "dd" BLOCK;
    Details "details" BLOCK | CLOSES_P;
    Div "div" BLOCK | CLOSES_P;
    Dl "dl" BLOCK | CLOSES_P;
    Dt "dt" BLOCK;
    Em "em" 0;
    Embed "embed" VOID;
    Fieldset "fieldset" BLOCK | CLOSES_P;
    Figcaption "figcaption" BLOCK | CLOSES_P;
    Figure "figure" BLOCK | CLOSES_P;
    Footer "footer" BLOCK | CLOSES_P;
    Form "form" BLOCK | CLOSES_P;
    Frame "frame" 0;
    H1 "h1" BLOCK | CLOSES_P;
    H2 "h2" BLOCK | CLOSES_P;
    H3 "h3" BLOCK | CLOSES_P;
    H4 "h4" BLOCK | CLOSES_P;
    H5 "h5" BLOCK | CLOSES_P;
    H6 "h6" BLOCK | CLOSES_P;
    Head "head" 0;
    Header "header" BLOCK | CLOSES_P;
    Hgroup "hgroup" CLOSES_P;
    Hr "hr" BLOCK | CLOSES_P | VOID;
    Html "html" 0;
    I "i" 0;
    Iframe "iframe" 0;
    Img "img" VOID;
    Input "input" VOID;
    Keygen "keygen" VOID;
    Label "label" 0;
    Li "li" BLOCK;
    Link "link" VOID;
    Main "main" BLOCK | CLOSES_P;
    Marquee "marquee" BLOCK;
    Menu "menu" CLOSES_P;
    Meta "meta" VOID;
    Nav "nav" BLOCK | CLOSES_P;
    Ol "ol" BLOCK | CLOSES_P;
    Optgroup "optgroup" 0;
    Option "option" BLOCK;
    P "p" BLOCK | CLOSES_P;
    Param "param" VOID;
    Pre "pre" BLOCK | CLOSES_P;
    Script "script" 0;
    Section "section" BLOCK | CLOSES_P;
    Select "select" 0;
    Source "source" VOID;
    Span "span" 0;
    Strong "strong" 0;
    Style "style" 0;
    Table "table" BLOCK | CLOSES_P;
    Tbody "tbody" 0;
    Td "td" BLOCK;
    Tfoot "tfoot" 0;
    Th "th" BLOCK;
    Thead "thead" 0;
    Title "title" 0;
    Tr "tr" BLOCK;
    Track "track" VOID;
    Ul "ul" BLOCK | CLOSES_P;
    Wbr "wbr" VOID;
}

/// A tag name without allocating (names longer than 15 bytes are cut; they only need to compare).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Name([u8; 15], u8, Tag);

impl Name {
    fn new(s: &str, tag: Tag) -> Name {
        let mut b = [0u8; 15];
        let n = s.len().min(15);
        b[..n].copy_from_slice(&s.as_bytes()[..n]);
        Name(b, n as u8, tag)
    }
    fn as_str(&self) -> &str {
        if self.2 != Tag::Other {
            return TAG_NAMES[self.2 as usize];
        }
        std::str::from_utf8(&self.0[..usize::from(self.1)]).unwrap_or("")
    }
    fn is(&self, name: &str, tag: Tag) -> bool {
        if tag != Tag::Other || self.2 != Tag::Other {
            return tag == self.2;
        }
        let n = name.as_bytes();
        &self.0[..usize::from(self.1)] == n.get(..15).unwrap_or(n)
    }
}

#[derive(Debug)]
struct Open {
    name: Name,
    /// `id` and `class`, kept only when exclusions need them for matching ancestors.
    ident: Option<Box<(String, String)>>,
    block: bool,
    excluded: bool,
    /// Index into `Page::hidden` of the outermost hidden element holding this one.
    hidden: Option<usize>,
    color: Option<css::Colour>,
    background: Option<css::Colour>,
    /// Index into `Page::links` while inside `<a>`.
    link: Option<usize>,
    /// Number of this element in the page (for its children's groups).
    serial: u32,
}

struct State {
    page: Page,
    stack: Vec<Open>,
    sheet: Sheet,
    block: String,
    exclude: Vec<Selector>,
    /// Some exclusion names ancestors (`.news .time`): keep `id` and `class` on the stack.
    ancestors_matter: bool,
    /// Start tags counted by code, and the rest by name (`Page::tags` when done).
    tag_counts: [u32; TAG_NAMES.len()],
    other_tags: HashMap<String, u32, BuildHasherDefault<Fx>>,
    /// Address of the HTML being parsed (raw text is a slice of it: its offset).
    source: usize,
    /// Elements started so far (`Open::serial`).
    serial: u32,
    /// Siblings that may form a switchable group: (parent's serial, the
    /// element's signature, the `Page::hidden` entry it starts when hidden).
    siblings: Vec<(u32, u64, Option<usize>)>,
}

impl Default for State {
    fn default() -> State {
        State {
            page: Page::default(),
            stack: Vec::with_capacity(64),
            sheet: Sheet::default(),
            block: String::with_capacity(256),
            exclude: Vec::new(),
            ancestors_matter: false,
            tag_counts: [0; TAG_NAMES.len()],
            other_tags: HashMap::default(),
            source: 0,
            serial: 0,
            siblings: Vec::new(),
        }
    }
}

struct Current<'a, 'b> {
    name: &'a str,
    attrs: &'a Attrs<'b>,
}

impl Subject for Current<'_, '_> {
    fn tag(&self) -> &str {
        self.name
    }
    fn id(&self) -> Option<&str> {
        self.attrs.key(Key::Id).map(str::trim)
    }
    fn has_class(&self, class: &str) -> bool {
        self.attrs.key(Key::Class).is_some_and(|c| c.split_ascii_whitespace().any(|x| x == class))
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.get(name)
    }
}

impl Subject for Open {
    fn tag(&self) -> &str {
        self.name.as_str()
    }
    fn id(&self) -> Option<&str> {
        self.ident.as_ref().map(|b| b.0.as_str()).filter(|s| !s.is_empty())
    }
    fn has_class(&self, class: &str) -> bool {
        self.ident.as_ref().is_some_and(|b| b.1.split_ascii_whitespace().any(|x| x == class))
    }
    fn attr(&self, name: &str) -> Option<&str> {
        match name {
            "id" => self.id(),
            "class" => self.ident.as_ref().map(|b| b.1.as_str()),
            _ => None,
        }
    }
}

impl State {
    fn flush_block(&mut self) {
        if self.block.trim().is_empty() {
            self.block.clear();
            return;
        }
        let text = normalize(&decode_entities(&self.block));
        self.block.clear();
        if !text.is_empty() {
            self.page.blocks.push(text);
        }
    }

    /// Pop to (and including) the nearest open element named in `targets`,
    /// unless one named in `stop` comes first.
    fn close_implied(&mut self, targets: &[Tag], stop: &[Tag]) {
        let found = self
            .stack
            .iter()
            .rposition(|o| o.name.2 != Tag::Other && (targets.contains(&o.name.2) || stop.contains(&o.name.2)));
        if let Some(i) = found
            && targets.contains(&self.stack[i].name.2)
        {
            self.pop_to(i);
        }
    }

    fn pop_to(&mut self, index: usize) {
        while self.stack.len() > index {
            let Some(open) = self.stack.pop() else { break };
            self.closed(open);
        }
    }

    fn closed(&mut self, open: Open) {
        if open.block {
            self.flush_block();
        }
    }

    fn start_tag(&mut self, name: &str, attrs: &Attrs<'_>, self_closing: bool) {
        let (tag, flags) = classify(name);
        if tag == Tag::Other {
            match self.other_tags.get_mut(name) {
                Some(n) => *n += 1,
                None => {
                    self.other_tags.insert(name.to_owned(), 1);
                }
            }
        } else {
            self.tag_counts[tag as usize] += 1;
        }
        match tag {
            Tag::Li => self.close_implied(&[Tag::Li], &[Tag::Ul, Tag::Ol, Tag::Menu]),
            Tag::Dt | Tag::Dd => self.close_implied(&[Tag::Dt, Tag::Dd], &[Tag::Dl]),
            Tag::Tr => self.close_implied(&[Tag::Tr], &[Tag::Table]),
            Tag::Td | Tag::Th => self.close_implied(&[Tag::Td, Tag::Th], &[Tag::Tr, Tag::Table]),
            Tag::Option | Tag::Optgroup => self.close_implied(&[Tag::Option], &[Tag::Select, Tag::Datalist]),
            Tag::Tbody | Tag::Thead | Tag::Tfoot => {
                self.close_implied(&[Tag::Tbody, Tag::Thead, Tag::Tfoot, Tag::Tr], &[Tag::Table])
            }
            Tag::Body => self.close_implied(&[Tag::Head], &[]),
            _ => {}
        }
        if flags & CLOSES_P != 0 {
            self.close_implied(&[Tag::P], &[Tag::Button, Tag::Table, Tag::Td, Tag::Th]);
        }
        let block = flags & BLOCK != 0;
        if block {
            self.flush_block();
        }
        let parent = self.stack.last();
        let mut excluded = parent.is_some_and(|p| p.excluded);
        let inherited_hidden = parent.and_then(|p| p.hidden);
        let mut color = parent.and_then(|p| p.color);
        let mut background = parent.and_then(|p| p.background);
        let mut link = parent.and_then(|p| p.link);

        // Why this element would be hidden: inline style first, then the sheet, then attributes.
        let mut reason = None;
        let mut own_colour = false;
        if let Some(style) = attrs.key(Key::Style) {
            let s = css::parse_declarations(&decode_entities(style));
            reason = s.hide;
            own_colour = s.color.is_some() || s.background.is_some();
            if s.color.is_some() {
                color = s.color;
            }
            if s.background.is_some() {
                background = s.background;
            }
        }
        if !self.sheet.is_empty() {
            let mut apply = |s: &css::Style| {
                if reason.is_none() {
                    reason = s.hide;
                }
                if s.color.is_some() {
                    own_colour = true;
                    color = s.color;
                }
                if s.background.is_some() {
                    own_colour = true;
                    background = s.background;
                }
            };
            if let Some(id) = attrs.key(Key::Id)
                && let Some(s) = self.sheet.ids.get(id.trim())
            {
                apply(s);
            }
            if let Some(class) = attrs.key(Key::Class) {
                for c in class.split_ascii_whitespace() {
                    if let Some(s) = self.sheet.classes.get(c) {
                        apply(s);
                    }
                }
            }
        }
        if reason.is_none() && own_colour && color.is_some() && color == background {
            reason = Some(HideReason::SameColour);
        }
        let number = |v: Option<&str>| v.and_then(|v| v.trim().trim_end_matches("px").parse::<f64>().ok());
        if reason.is_none()
            && tag == Tag::Marquee
            && (number(attrs.key(Key::Height)).is_some_and(|n| n <= 10.0)
                || number(attrs.key(Key::Width)).is_some_and(|n| n <= 10.0))
        {
            reason = Some(HideReason::TinyMarquee);
        }
        if reason.is_none() && attrs.key(Key::Hidden).is_some() {
            reason = Some(HideReason::HiddenAttribute);
        }
        let hidden = match (inherited_hidden, reason) {
            (Some(i), _) => Some(i),
            (None, Some(r)) => {
                let mut at = name.to_owned();
                if let Some(id) = attrs.key(Key::Id).map(str::trim).filter(|v| !v.is_empty()) {
                    at.push('#');
                    at.extend(id.chars().take(60));
                } else if let Some(class) = attrs.key(Key::Class).and_then(|c| c.split_ascii_whitespace().next()) {
                    at.push('.');
                    at.extend(class.chars().take(60));
                }
                self.page.hidden.push(Hidden {
                    reason: r,
                    tag: name.to_owned(),
                    at,
                    text: String::new(),
                    links: Vec::new(),
                    switchable: false,
                });
                Some(self.page.hidden.len() - 1)
            }
            (None, None) => None,
        };
        self.serial = self.serial.wrapping_add(1);
        if inherited_hidden.is_none()
            && self.siblings.len() < 20_000
            && let Some(parent) = self.stack.last().map(|p| p.serial)
            && let Some(sig) = signature(name, tag, attrs)
        {
            self.siblings.push((parent, sig, hidden));
        }
        let hidden_reason = hidden.and_then(|i| self.page.hidden.get(i)).map(|h| h.reason);
        let value = |v: &str| decode_entities(v.trim()).into_owned();

        match tag {
            Tag::A | Tag::Area => {
                if let Some(href) = attrs.key(Key::Href) {
                    let href = value(href);
                    if let Some(i) = hidden
                        && let Some(h) = self.page.hidden.get_mut(i)
                        && h.links.len() < 200
                    {
                        h.links.push(href.clone());
                    }
                    self.page.links.push(Link { href, hidden: hidden_reason, text: String::new() });
                    link = Some(self.page.links.len() - 1);
                }
            }
            Tag::Script => {
                let src = attrs.key(Key::Src).map(value).filter(|s| !s.is_empty());
                if let Some(src) = &src {
                    self.page.resources.push(src.clone());
                }
                self.page.scripts.push(Script {
                    src,
                    hash: 0,
                    len: 0,
                    signs: Vec::new(),
                    written_links: Vec::new(),
                    decoded: None,
                    end: 0,
                });
            }
            Tag::Iframe | Tag::Frame => {
                if let Some(src) = attrs.key(Key::Src) {
                    let src = value(src);
                    self.page.resources.push(src.clone());
                    let tiny = |v: Option<&str>| number(v).is_some_and(|n| n <= 2.0);
                    let reason = hidden_reason.or_else(|| {
                        (tiny(attrs.key(Key::Width)) || tiny(attrs.key(Key::Height))).then_some(HideReason::ZeroSize)
                    });
                    self.page.iframes.push(Link { href: src, hidden: reason, text: String::new() });
                }
            }
            Tag::Img | Tag::Embed | Tag::Source => {
                if let Some(src) = attrs.key(Key::Src) {
                    self.page.resources.push(value(src));
                }
            }
            Tag::Link => {
                let rel = attrs.key(Key::Rel).unwrap_or_default().to_ascii_lowercase();
                if (rel.contains("stylesheet") || rel.contains("icon"))
                    && let Some(href) = attrs.key(Key::Href)
                {
                    self.page.resources.push(value(href));
                }
            }
            Tag::Meta => {
                let meta_name = attrs.key(Key::Name).unwrap_or_default();
                if (meta_name.eq_ignore_ascii_case("keywords") || meta_name.eq_ignore_ascii_case("description"))
                    && let Some(c) = attrs.key(Key::Content)
                {
                    self.page.meta.push(value(c));
                }
                if attrs.key(Key::HttpEquiv).is_some_and(|e| e.trim().eq_ignore_ascii_case("refresh")) {
                    self.page.refresh = attrs.key(Key::Content).map(value);
                }
            }
            _ => {}
        }
        if flags & VOID != 0 || self_closing {
            return;
        }
        if !excluded && !self.exclude.is_empty() {
            let current = Current { name, attrs };
            excluded = self.exclude.iter().any(|sel| sel.matches(&current, &self.stack));
        }
        let ident = self.ancestors_matter.then(|| {
            Box::new((
                attrs.key(Key::Id).unwrap_or("").trim().to_owned(),
                attrs.key(Key::Class).unwrap_or("").to_owned(),
            ))
        });
        let serial = self.serial;
        self.stack.push(Open {
            name: Name::new(name, tag),
            ident,
            block,
            excluded,
            hidden,
            color,
            background,
            link,
            serial,
        });
        // The stack is bounded: a page that never closes anything cannot grow it past 512.
        if self.stack.len() > 512 {
            self.stack.remove(1);
        }
    }

    fn end_tag(&mut self, name: &str) {
        let (tag, _) = classify(name);
        if let Some(i) = self.stack.iter().rposition(|o| o.name.is(name, tag)) {
            self.pop_to(i);
        }
    }

    fn raw_text(&mut self, name: &str, text: &str) {
        match name {
            "script" => {
                if let Some(s) = self.page.scripts.last_mut() {
                    s.end = (text.as_ptr() as usize).wrapping_sub(self.source) + text.len();
                    if s.src.is_none() {
                        analyze_script(s, text);
                    }
                }
            }
            "style" => self.sheet.add(text),
            "title" if self.page.title.is_empty() => self.page.title = normalize(&decode_entities(text)),
            _ => {}
        }
    }

    fn data(&mut self, chunk: &str) {
        let Some(top) = self.stack.last() else {
            self.block.push_str(chunk);
            return;
        };
        if let Some(l) = top.link.and_then(|i| self.page.links.get_mut(i))
            && l.text.len() < LINK_TEXT
        {
            let room = LINK_TEXT - l.text.len();
            let mut end = chunk.len().min(room);
            while !chunk.is_char_boundary(end) {
                end -= 1;
            }
            l.text.push_str(&chunk[..end]);
        }
        if let Some(i) = top.hidden {
            if let Some(h) = self.page.hidden.get_mut(i)
                && h.text.len() < 64 * 1024
            {
                h.text.push_str(chunk);
            }
        } else if top.excluded {
            if self.page.excluded_text.len() < 64 * 1024 {
                self.page.excluded_text.push_str(chunk);
            }
        } else {
            if top.link.is_some() && self.page.link_text.len() < 64 * 1024 {
                self.page.link_text.push_str(chunk);
            }
            self.block.push_str(chunk);
        }
    }

    fn finish(mut self) -> Page {
        self.pop_to(0);
        self.flush_block();
        // A hidden element with a shown sibling alike is switched into view by the page.
        self.siblings.sort_unstable_by_key(|(parent, sig, _)| (*parent, *sig));
        for group in self.siblings.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
            if group.len() > 1 && group.iter().any(|(_, _, h)| h.is_none()) {
                for i in group.iter().filter_map(|(_, _, h)| *h) {
                    if let Some(h) = self.page.hidden.get_mut(i) {
                        h.switchable = true;
                    }
                }
            }
        }
        let counted = TAG_NAMES.iter().zip(self.tag_counts).filter(|(_, n)| *n > 0);
        self.page.tags = counted.map(|(name, n)| ((*name).to_owned(), n)).chain(self.other_tags.drain()).collect();
        for h in &mut self.page.hidden {
            h.text = normalize(&decode_entities(&h.text));
        }
        self.page.excluded_text = normalize(&decode_entities(&self.page.excluded_text));
        self.page.link_text = decode_entities(&self.page.link_text).into_owned();
        for l in &mut self.page.links {
            if !l.text.is_empty() {
                l.text = normalize(&decode_entities(&l.text));
            }
        }
        self.page
    }
}

impl Sink for State {
    fn start(&mut self, name: &str, attrs: &Attrs<'_>, self_closing: bool) {
        self.start_tag(name, attrs, self_closing);
    }
    fn end(&mut self, name: &str) {
        self.end_tag(name);
    }
    fn text(&mut self, text: &str) {
        self.data(text);
    }
    fn raw(&mut self, name: &str, text: &str) {
        self.raw_text(name, text);
    }
}

/// Fill in what a script's text says: its hash and length, signs of
/// hidden code, the links it writes and what static decoding made of it.
fn analyze_script(s: &mut Script, text: &str) {
    s.hash = text_hash(text.as_bytes());
    s.len = text.len();
    s.signs = obfuscation_signs(text);
    let mut d = script::decode(text);
    if d.analytics.is_none() && !s.signs.is_empty() {
        // Hidden code: a statistics snippet is forgiven it.
        d.analytics = script::analytics(text);
    }
    s.written_links = written_links(text);
    for l in written_links(&d.written) {
        if !s.written_links.contains(&l) {
            s.written_links.push(l);
        }
    }
    if !d.written.is_empty() || !d.navigates.is_empty() || d.cloaks() || d.analytics.is_some() || d.unresolved {
        s.decoded = Some(Box::new(d));
    }
}

/// What one of the site's script files (`<script src>`) does, decoded
/// once when fetched. A library is full of markup and code built at run
/// time: from a file, only what decoding reads through counts (what it
/// writes, where it sends the visitor, a test for spiders) — not signs of
/// hidden code, nor what could not be followed. `None`: nothing of that.
pub fn analyze_file(text: &str) -> Option<Script> {
    let mut s =
        Script { src: None, hash: 0, len: 0, signs: Vec::new(), written_links: Vec::new(), decoded: None, end: 0 };
    analyze_script(&mut s, text);
    s.signs.clear();
    if let Some(d) = s.decoded.as_deref_mut() {
        d.unresolved = false;
    }
    if s.decoded.as_deref().is_some_and(|d| d.written.is_empty() && d.navigates.is_empty() && !d.cloaks()) {
        s.decoded = None;
    }
    (s.decoded.is_some() || !s.written_links.is_empty()).then_some(s)
}

/// Put what the page's own script files do (`files`, by `src` as written;
/// see `analyze_file`) where each stands, as if inline, and take the page
/// as they leave it again.
pub fn add_script_files(
    page: &mut Page,
    html: &str,
    exclude: &[String],
    files: &HashMap<String, std::sync::Arc<Script>>,
) {
    if files.is_empty() {
        return;
    }
    for s in page.scripts.iter_mut() {
        let Some(file) = s.src.as_deref().and_then(|src| files.get(src)) else { continue };
        s.hash = file.hash;
        s.len = file.len;
        s.written_links.clone_from(&file.written_links);
        s.decoded.clone_from(&file.decoded);
    }
    let exclude: Vec<Selector> = exclude.iter().filter_map(|s| selector::parse_list(s).ok()).flatten().collect();
    page.scripted = with_writes(html, &page.scripts).map(|spliced| Box::new(parse_once(&spliced, &exclude)));
}

/// What makes siblings alike: the tag with its first class, else with its
/// id less a trailing number (`con_one_2` → `con_one_`); a list item alike
/// by its tag alone (carousel slides). `None`: an element like any other.
fn signature(name: &str, tag: Tag, attrs: &Attrs<'_>) -> Option<u64> {
    let tag_hash = text_hash(name.as_bytes()).rotate_left(17);
    if let Some(class) = attrs.key(Key::Class).and_then(|c| c.split_ascii_whitespace().next()) {
        return Some(tag_hash ^ text_hash(class.as_bytes()));
    }
    let id = attrs.key(Key::Id).map(str::trim).unwrap_or("");
    let stem = id.trim_end_matches(|c: char| c.is_ascii_digit());
    if !stem.is_empty() && stem.len() < id.len() {
        return Some(tag_hash ^ text_hash(stem.as_bytes()).rotate_left(31));
    }
    (tag == Tag::Li).then_some(tag_hash)
}

/// Parse a page (already decoded to UTF-8). `exclude` are CSS selectors of
/// dynamic parts whose text is left out of `blocks`; a selector that does
/// not parse is ignored (check it with `valid_selector` when it is saved).
pub fn parse(html: &str, exclude: &[String]) -> Page {
    let exclude: Vec<Selector> = exclude.iter().filter_map(|s| selector::parse_list(s).ok()).flatten().collect();
    let mut page = parse_once(html, &exclude);
    if let Some(spliced) = with_writes(html, &page.scripts) {
        page.scripted = Some(Box::new(parse_once(&spliced, &exclude)));
    }
    page
}

fn parse_once(html: &str, exclude: &[Selector]) -> Page {
    let mut state = State {
        ancestors_matter: exclude.iter().any(|s| s.parts.len() > 1),
        exclude: exclude.to_vec(),
        source: html.as_ptr() as usize,
        ..State::default()
    };
    tokenizer::tokenize(html, &mut state);
    let mut page = state.finish();
    page.bytes = html.len();
    page
}

/// The HTML with what each script writes put right after the script
/// (where `document.write` puts it); `None` when no script writes.
fn with_writes(html: &str, scripts: &[Script]) -> Option<String> {
    let writes: Vec<(usize, &str)> = scripts
        .iter()
        .filter_map(|s| Some((s.end, s.decoded.as_ref()?.written.as_str())))
        .filter(|(_, w)| !w.is_empty())
        .collect();
    if writes.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(html.len() + writes.iter().map(|w| w.1.len()).sum::<usize>());
    let mut at = 0;
    for (end, written) in writes {
        // After the end tag that closes the script (`</script>`).
        let Some(close) = html.get(end..).and_then(|r| r.find('>')).map(|p| end + p + 1) else { continue };
        if close < at {
            continue;
        }
        out.push_str(&html[at..close]);
        out.push_str(written);
        at = close;
    }
    out.push_str(&html[at..]);
    Some(out)
}

/// The first index from `i` whose byte may start a space (below 0x21, or
/// 0xC2 or 0xE3), eight bytes a step: most of a page's text has none.
fn next_candidate(bytes: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let x = u64::from_le_bytes(w);
        let below = x.wrapping_sub(ONES * 0x21) & !x & HIGH;
        if below | zero_byte(x ^ (ONES * 0xC2)) | zero_byte(x ^ (ONES * 0xE3)) != 0 {
            // Some byte of these eight may be one (the test can flag a byte after a real one): look byte by byte.
            return i;
        }
        i += 8;
    }
    i
}

/// Collapse runs of whitespace (including the ideographic space and nbsp) to one space.
pub fn normalize(text: &str) -> String {
    /// Bytes that may start a space: ASCII white space, and the lead bytes of U+00A0 and U+3000.
    static CANDIDATE: [bool; 256] = {
        let mut t = [false; 256];
        t[b' ' as usize] = true;
        t[b'\t' as usize] = true;
        t[b'\n' as usize] = true;
        t[b'\r' as usize] = true;
        t[0x0c] = true;
        t[0xC2] = true;
        t[0xE3] = true;
        t
    };
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut run = 0; // start of the current run of text
    let mut pending_space = false;
    while i < bytes.len() {
        i = next_candidate(bytes, i);
        if i >= bytes.len() {
            break;
        }
        if !CANDIDATE[usize::from(bytes[i])] {
            i += 1;
            continue;
        }
        let b = bytes[i];
        let width = if b.is_ascii_whitespace() {
            1
        } else if b == 0xC2 && bytes.get(i + 1) == Some(&0xA0) {
            2
        } else if b == 0xE3 && bytes.get(i + 1) == Some(&0x80) && bytes.get(i + 2) == Some(&0x80) {
            3
        } else {
            i += 1;
            continue;
        };
        if run < i {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&text[run..i]);
        }
        pending_space = true;
        i += width;
        run = i;
    }
    if run < bytes.len() {
        if pending_space && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text[run..]);
    }
    out
}

/// Decode character references: the common named ones and every numeric one.
pub fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end =
            rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '#')).map(|e| e + 1).unwrap_or(rest.len());
        let name = &rest[1..end];
        let decoded = if let Some(num) = name.strip_prefix('#') {
            let n = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            n.and_then(char::from_u32)
        } else {
            match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                "copy" => Some('©'),
                "reg" => Some('®'),
                "middot" => Some('·'),
                "mdash" => Some('—'),
                "ndash" => Some('–'),
                "hellip" => Some('…'),
                "laquo" => Some('«'),
                "raquo" => Some('»'),
                _ => None,
            }
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end..];
                rest = rest.strip_prefix(';').unwrap_or(rest);
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

/// Signs that an inline script hides what it does.
pub fn obfuscation_signs(script: &str) -> Vec<&'static str> {
    use memchr::memmem;
    let mut signs = Vec::new();
    let b = script.as_bytes();
    // One SIMD search per needle (these run over every inline script and site script file).
    let has = |needle: &str| memmem::find(b, needle.as_bytes()).is_some();
    if has("eval(") || has("eval (") {
        signs.push("eval");
    }
    if has("atob(") {
        signs.push("atob");
    }
    if has("fromCharCode") {
        signs.push("fromCharCode");
    }
    if has("unescape(") || has("decodeURIComponent('%") || has("decodeURIComponent(\"%") {
        signs.push("unescape");
    }
    if longest_base64_run(b) >= 200 {
        signs.push("long_base64");
    }
    let at_least = |needle: &str, n: usize| memmem::find_iter(b, needle.as_bytes()).take(n).count() >= n;
    if at_least("\\x", 20) || at_least("\\u00", 20) {
        signs.push("hex_escapes");
    }
    signs
}

/// Bytes of base64's alphabet (letters, digits, `+`, `/`, `=`).
static BASE64: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'=';
        i += 1;
    }
    t
};

/// The longest run of base64's alphabet (stops counting at 200: enough to tell).
fn longest_base64_run(b: &[u8]) -> usize {
    let (mut run, mut longest) = (0usize, 0usize);
    for &c in b {
        if BASE64[usize::from(c)] {
            run += 1;
            if run > longest {
                longest = run;
                if longest >= 200 {
                    return longest;
                }
            }
        } else {
            run = 0;
        }
    }
    longest
}

/// Links a script writes into the page with `document.write` / `innerHTML`.
pub fn written_links(script: &str) -> Vec<String> {
    if !(script.contains("document.write") || script.contains("innerHTML") || script.contains("insertAdjacentHTML")) {
        return Vec::new();
    }
    let mut links = Vec::new();
    let mut rest = script;
    while let Some(i) = rest.find("href=") {
        rest = &rest[i + 5..];
        let trimmed = rest.trim_start_matches(['\\', '"', '\'']);
        let end = trimmed.find(['"', '\'', '\\', ' ', '>']).unwrap_or(trimmed.len());
        let href = &trimmed[..end];
        if !href.is_empty() && !links.iter().any(|l| l == href) {
            links.push(href.to_owned());
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(html: &str) -> Page {
        parse(html, &[])
    }

    #[test]
    fn visible_text_comes_in_blocks_with_entities_decoded() {
        let page = p("<html><head><title>化学 &amp; 化工学院</title></head><body>\
                      <div>学院新闻</div><p>本科生&nbsp;教育<br>研究生教育</p><ul><li>一<li>二</ul>&#x8D4C;</body></html>");
        assert_eq!(page.title, "化学 & 化工学院");
        assert_eq!(page.blocks, ["学院新闻", "本科生 教育", "研究生教育", "一", "二", "赌"]);
        assert!(page.hidden.is_empty());
        assert_eq!(page.tags.get("li"), Some(&2));
    }

    #[test]
    fn hidden_links_by_inline_style_and_by_sheet() {
        let page = p(r#"<style>.hh{display:none} #far{position:absolute;left:-9999px}</style>
            <div class="nav"><a href="/news">新闻</a></div>
            <div style="display:none"><a href="http://casino.example/">澳门赌场</a><span>百家乐</span></div>
            <div class="x hh"><a href="http://bet.example/">bet</a></div>
            <p id="far"><a href="http://spam.example/">x</a></p>
            <span style="font-size:0"><a href="http://tiny.example/">t</a></span>
            <a href="http://white.example/" style="color:#fff;background:#FFFFFF">w</a>
            <marquee height=1 width=1><a href="http://m.example/">m</a></marquee>
            <p>可见</p>"#);
        let reasons: Vec<(HideReason, Vec<String>)> = page.hidden.iter().map(|h| (h.reason, h.links.clone())).collect();
        assert_eq!(
            reasons,
            [
                (HideReason::DisplayNone, vec!["http://casino.example/".to_owned()]),
                (HideReason::DisplayNone, vec!["http://bet.example/".to_owned()]),
                (HideReason::Offscreen, vec!["http://spam.example/".to_owned()]),
                (HideReason::FontSizeZero, vec!["http://tiny.example/".to_owned()]),
                (HideReason::SameColour, vec!["http://white.example/".to_owned()]),
                (HideReason::TinyMarquee, vec!["http://m.example/".to_owned()]),
            ]
        );
        assert_eq!(page.hidden[0].text, "澳门赌场百家乐");
        assert!(page.blocks.contains(&"可见".to_owned()) && page.blocks.contains(&"新闻".to_owned()));
        assert!(!page.visible_text().contains("赌场"), "hidden text is not visible text");
        assert_eq!(page.links[0].hidden, None);
        assert_eq!(page.links[1].hidden, Some(HideReason::DisplayNone));
    }

    #[test]
    fn implicitly_closed_elements_do_not_hide_what_follows() {
        // `<p>` ends at `<div>`, `<li>` at the next `<li>`, anything at its parent's end tag.
        let page = p(r#"<p style="display:none">h1<div>v1</div>
            <ul><li style="display:none">h2<li>v2</ul>
            <div><p style="visibility:hidden">h3</div><p>v3
            <table><tr><td style="display:none">h4<td>v4</table>"#);
        let hidden: Vec<&str> = page.hidden.iter().map(|h| h.text.as_str()).collect();
        assert_eq!(hidden, ["h1", "h2", "h3", "h4"]);
        for v in ["v1", "v2", "v3", "v4"] {
            assert!(page.blocks.iter().any(|b| b == v), "{v} is visible: {:?}", page.blocks);
        }
    }

    #[test]
    fn broken_html_still_parses() {
        let page = p(
            "<div><p>未闭合 <b>粗<i>斜</b> 文</i><a href='/x'>链接<div style=display:none>隐</p></div><<>>&bogus; &#99999999;",
        );
        assert!(page.visible_text().contains("未闭合"));
        assert_eq!(page.links.len(), 1);
        assert_eq!(page.hidden.len(), 1);
        assert_eq!(page.hidden[0].text, "隐");
        assert!(p("").blocks.is_empty());
        assert!(p("\u{feff}<<<").blocks.len() <= 1);
    }

    #[test]
    fn scripts_are_judged() {
        let page = p(r#"<script src="https://cdn.example/jquery.js"></script>
            <script>var _hmt=_hmt||[];(function(){var hm=document.createElement("script");hm.src="https://hm.baidu.com/hm.js?x";})();</script>
            <script>eval(atob("ZG9jdW1lbnQud3JpdGUoJzxhIGhyZWY9Imh0dHA6Ly9jYXNpbm8uZXhhbXBsZS8iPmJldDwvYT4nKQ=="))</script>
            <script>document.write('<div style="display:none"><a href="http://bet.example/">百家乐</a></div>');</script>"#);
        assert_eq!(page.scripts.len(), 4);
        assert_eq!(page.scripts[0].src.as_deref(), Some("https://cdn.example/jquery.js"));
        assert!(page.scripts[1].signs.is_empty() && page.scripts[1].written_links.is_empty());
        assert_eq!(page.scripts[2].signs, ["eval", "atob"]);
        assert_eq!(page.scripts[3].written_links, ["http://bet.example/"]);
        assert_ne!(page.scripts[1].hash, page.scripts[3].hash);
        assert!(page.blocks.is_empty(), "script text is not page text");
        let long = format!("<script>var p='{}';</script>", "QUJD".repeat(80));
        assert_eq!(p(&long).scripts[0].signs, ["long_base64"]);
    }

    #[test]
    fn exclusions_leave_dynamic_parts_out() {
        let html = r#"<div class="date">2026年12月2日 星期三</div><div id="count">访问量 12345</div><p>正文</p>"#;
        let page = parse(html, &[".date".into(), "#count".into(), "[[bad".into()]);
        assert_eq!(page.blocks, ["正文"]);
        assert!(page.excluded_text.contains("访问量"));
        assert!(valid_selector("div.news > span.time") && !valid_selector("[[bad"));
    }

    #[test]
    fn iframes_resources_meta_and_refresh() {
        let page = p(
            r#"<head><meta name="keywords" content="博彩,百家乐"><meta http-equiv="refresh" content="0;url=http://x.example/">
            <link rel="stylesheet" href="/s.css"></head><body><img src="a.png">
            <iframe src="http://ads.example/" width="0" height="0"></iframe><iframe src="/map.html" width=600></iframe>"#,
        );
        assert_eq!(page.meta, ["博彩,百家乐"]);
        assert!(page.refresh.as_deref().is_some_and(|r| r.contains("x.example")));
        assert_eq!(page.resources, ["/s.css", "a.png", "http://ads.example/", "/map.html"]);
        assert_eq!(page.iframes[0].hidden, Some(HideReason::ZeroSize));
        assert_eq!(page.iframes[1].hidden, None);
    }

    #[test]
    fn entities_decode_and_text_normalizes() {
        assert_eq!(decode_entities("a&lt;b&gt;&amp;&#20013;&#x6587;&unknown;&"), "a<b>&中文&unknown;&");
        assert_eq!(normalize("  a \n\t b\u{3000}c  "), "a b c");
        assert_ne!(text_hash(b"abcdefgh1"), text_hash(b"abcdefgh2"));
        assert_ne!(text_hash(b""), text_hash(b"\0"));
        assert_eq!(text_hash("学院新闻".as_bytes()), text_hash("学院新闻".as_bytes()));
        assert_eq!(char_count("学院 news"), 7);
    }

    #[test]
    fn normalize_skips_ahead_without_missing_a_space() {
        // The word-at-a-time scan must find every kind of space wherever it falls in a word.
        let naive = |t: &str| {
            t.split(|c: char| c.is_ascii_whitespace() || c == '\u{a0}' || c == '\u{3000}')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let pieces =
            ["学院", "新闻", "abc", " ", "\n", "\t", "\u{a0}", "\u{3000}", "。", "、", "\u{c2}", "x", "\r", "\u{c}"];
        let mut seed: u64 = 7;
        for _ in 0..2_000 {
            let mut t = String::new();
            for _ in 0..(seed % 23) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                t.push_str(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            assert_eq!(normalize(&t), naive(&t), "{t:?}");
        }
    }
}
