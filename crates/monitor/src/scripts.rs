//! The site's own script files (`<script src>` on the page's host or the
//! institution's domains): fetched and kept for an hour, so that what
//! they write is judged with the page (kits append their code to a
//! site's `jquery.min.js` or `common.js` as often as to its HTML). Other
//! sites' scripts (CDNs, statistics) are not fetched.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use crate::analyze::content::Own;
use crate::analyze::html::{self, Page, Script};
use crate::fetch::Fetcher;

/// Script files fetched per page at most.
pub const MAX_FILES: usize = 6;
/// A larger file is not read (a library bundle, not a kit).
pub const MAX_BYTES: usize = 512 << 10;
/// Files kept in memory at most (a node with many sites forgets the oldest half).
const MAX_KEPT: usize = 50_000;

/// When a file was fetched, and what it does (`None`: nothing that counts).
type Kept = (Instant, Option<Arc<Script>>);

/// Fetched script files by URL, analysed, for `ttl` (`None`: nothing in it
/// that counts, or it could not be fetched).
pub struct ScriptFiles {
    ttl: Duration,
    kept: Mutex<HashMap<String, Kept>>,
}

impl std::fmt::Debug for ScriptFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScriptFiles").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl Default for ScriptFiles {
    fn default() -> Self {
        ScriptFiles::new(Duration::from_secs(3600))
    }
}

/// A page where a script was asked for (a server's "not found" page, or
/// every path answered with the home page): it begins with markup no
/// script engine parses (browsers run a script whatever its `Content-Type`,
/// so the type is not asked; `<!--` alone is a comment in a script).
fn is_html(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
    let head = body.get(start..(start + 16).min(body.len())).unwrap_or(&[]).to_ascii_lowercase();
    [&b"<!doctype"[..], b"<html", b"<head", b"<?xml"].iter().any(|m| head.starts_with(m))
}

impl ScriptFiles {
    pub fn new(ttl: Duration) -> ScriptFiles {
        ScriptFiles { ttl, kept: Mutex::new(HashMap::new()) }
    }

    /// What the page's own script files do, by `src` as written (those that
    /// do something: see `html::analyze_file`): from memory when fetched
    /// within `ttl`, else fetched now (one that cannot be fetched, or is not
    /// text, does nothing). With `close`, each file is asked for on a
    /// connection of its own, closed after it (the engine's checks: nothing
    /// else of the site follows for minutes, and an idle pooled connection
    /// holds its read buffer meanwhile).
    pub async fn of(
        &self,
        fetcher: &Fetcher,
        page: &Page,
        base: &Url,
        own: &Own,
        close: bool,
    ) -> HashMap<String, Arc<Script>> {
        let close_header = [crate::fetch::connection_close()];
        let extra: &[_] = if close { &close_header } else { &[] };
        let mut out = HashMap::new();
        let host = base.host_str().unwrap_or("");
        let srcs = page
            .scripts
            .iter()
            .filter_map(|s| s.src.as_deref())
            .filter_map(|src| Some((src, base.join(src).ok()?)))
            .filter(|(_, u)| matches!(u.scheme(), "http" | "https"))
            .filter(|(_, u)| u.host_str().is_some_and(|h| h == host || own.covers(h)))
            .take(MAX_FILES);
        for (src, url) in srcs {
            let file = match self.kept(url.as_str()) {
                Some(f) => f,
                None => {
                    let file = match fetcher.get_as(&url, MAX_BYTES, None, extra, true).await {
                        Ok(f) if f.status < 400 && !f.truncated && !is_html(&f.body) => {
                            String::from_utf8(f.body).ok().and_then(|t| html::analyze_file(&t)).map(Arc::new)
                        }
                        _ => None,
                    };
                    self.keep(url.as_str(), file.clone());
                    file
                }
            };
            if let Some(f) = file {
                out.insert(src.to_owned(), f);
            }
        }
        out
    }

    /// `Some(file)` when fetched within `ttl` (`Some(None)`: fetched, nothing in it).
    fn kept(&self, url: &str) -> Option<Option<Arc<Script>>> {
        let kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.get(url).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, t)| t.clone())
    }

    fn keep(&self, url: &str, file: Option<Arc<Script>>) {
        let mut kept = self.kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() >= MAX_KEPT {
            let ttl = self.ttl;
            kept.retain(|_, (at, _)| at.elapsed() < ttl / 2);
        }
        kept.insert(url.to_owned(), (Instant::now(), file));
    }
}

#[cfg(test)]
mod tests {
    use super::is_html;

    #[test]
    fn html_served_for_a_script_is_no_script() {
        for page in
            [&b"<!DOCTYPE html><html>"[..], b"\r\n  <html lang=zh>", b"<HEAD><title>404", b"<?xml version=\"1.0\"?>"]
        {
            assert!(is_html(page), "{}", String::from_utf8_lossy(page));
        }
        for script in [
            &b"var a = '<html>';"[..],
            b"<!-- old browsers\ndocument.write('x')",
            b"document.write('<html>')",
            b"",
            b"   ",
        ] {
            assert!(!is_html(script), "{}", String::from_utf8_lossy(script));
        }
    }
}
