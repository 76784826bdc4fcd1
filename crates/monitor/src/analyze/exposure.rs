//! Exposed files (`/.git/HEAD`, `/.env`, backups, ...) and directory
//! listings. A probe counts only when the answer is the file itself (its
//! signature), so a site that answers every path with its home page or a
//! friendly 404 page raises nothing.

use serde_json::json;

use crate::finding::{Check, Finding, FindingCode, Severity};

/// What a probe looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    GitHead,
    SvnEntries,
    DotEnv,
    DsStore,
    WebXml,
    Zip,
    Gzip,
    Rar,
    Sql,
    Listing,
}

/// The paths probed, with what the file must look like and how serious it is.
pub const PROBES: &[(&str, Signature, Severity)] = &[
    ("/.git/HEAD", Signature::GitHead, Severity::Critical),
    ("/.svn/entries", Signature::SvnEntries, Severity::Critical),
    ("/.env", Signature::DotEnv, Severity::Critical),
    ("/.DS_Store", Signature::DsStore, Severity::Medium),
    ("/WEB-INF/web.xml", Signature::WebXml, Severity::Critical),
    ("/www.zip", Signature::Zip, Severity::Critical),
    ("/wwwroot.zip", Signature::Zip, Severity::Critical),
    ("/web.zip", Signature::Zip, Severity::Critical),
    ("/backup.zip", Signature::Zip, Severity::Critical),
    ("/backup.tar.gz", Signature::Gzip, Severity::Critical),
    ("/www.tar.gz", Signature::Gzip, Severity::Critical),
    ("/www.rar", Signature::Rar, Severity::Critical),
    ("/backup.sql", Signature::Sql, Severity::Critical),
    ("/uploads/", Signature::Listing, Severity::Medium),
    ("/upload/", Signature::Listing, Severity::Medium),
    ("/files/", Signature::Listing, Severity::Medium),
    ("/backup/", Signature::Listing, Severity::Medium),
];

/// Bytes of a probe's answer worth reading.
pub const PROBE_BYTES: usize = 16 * 1024;

/// Is `body` a directory listing page (Apache, nginx, IIS, Tomcat, Python)?
pub fn is_listing(body: &[u8]) -> bool {
    let head = &body[..body.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    text.contains("<title>Index of /")
        || text.contains("<h1>Index of /")
        || text.contains("[To Parent Directory]")
        || text.contains("Directory listing for /")
        || (text.contains("<title>Directory Listing For") && text.contains("Tomcat"))
}

fn looks_like(sig: Signature, body: &[u8]) -> bool {
    let text = || String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned();
    let html = || {
        let t = text().trim_start().to_ascii_lowercase();
        t.starts_with("<!doctype") || t.starts_with("<html") || t.contains("<body")
    };
    match sig {
        Signature::GitHead => {
            let t = text();
            let t = t.trim();
            t.starts_with("ref: refs/") || (t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        }
        Signature::SvnEntries => {
            let t = text();
            let first = t.lines().next().unwrap_or("").trim();
            !first.is_empty() && first.len() <= 3 && first.bytes().all(|b| b.is_ascii_digit()) && !html()
        }
        Signature::DotEnv => {
            if html() {
                return false;
            }
            let t = text();
            let pairs = t
                .lines()
                .filter(|l| {
                    let l = l.trim();
                    l.split_once('=').is_some_and(|(k, _)| {
                        !k.is_empty() && k.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                    })
                })
                .count();
            pairs >= 2
        }
        Signature::DsStore => body.starts_with(b"\0\0\0\x01Bud1"),
        Signature::WebXml => text().contains("<web-app"),
        Signature::Zip => body.starts_with(b"PK\x03\x04"),
        Signature::Gzip => body.starts_with(&[0x1f, 0x8b]),
        Signature::Rar => body.starts_with(b"Rar!"),
        Signature::Sql => {
            let t = text().to_ascii_uppercase();
            !html() && (t.contains("CREATE TABLE") || t.contains("INSERT INTO") || t.contains("-- MYSQL DUMP"))
        }
        Signature::Listing => is_listing(body),
    }
}

/// The finding for one probe's answer, if the file is exposed.
pub fn judge(path: &str, sig: Signature, severity: Severity, status: u16, body: &[u8]) -> Option<Finding> {
    if status != 200 && status != 206 {
        return None;
    }
    if !looks_like(sig, body) {
        return None;
    }
    let (code, summary) = if sig == Signature::Listing {
        (FindingCode::DirectoryListing, format!("目录 {path} 开放了列目录"))
    } else {
        (FindingCode::ExposedFile, format!("敏感文件 {path} 可被公开下载"))
    };
    let sample: String = String::from_utf8_lossy(&body[..body.len().min(120)])
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    Some(
        Finding::new(Check::Exposure, format!("file:{path}"), code, severity, summary)
            .with(json!({"path": path, "status": status, "sample": sample})),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(path: &str) -> (Signature, Severity) {
        PROBES.iter().find(|(p, _, _)| *p == path).map(|(_, s, v)| (*s, *v)).unwrap()
    }

    #[test]
    fn real_files_are_found() {
        let cases: [(&str, &[u8]); 8] = [
            ("/.git/HEAD", b"ref: refs/heads/main\n"),
            ("/.svn/entries", b"12\n"),
            ("/.env", b"APP_KEY=base64:xx\nDB_PASSWORD=secret\n"),
            ("/.DS_Store", b"\0\0\0\x01Bud1\0\0\x10\0"),
            ("/WEB-INF/web.xml", b"<?xml version=\"1.0\"?><web-app xmlns=\"x\">"),
            ("/www.zip", b"PK\x03\x04\x14\0"),
            ("/backup.tar.gz", b"\x1f\x8b\x08\0"),
            ("/uploads/", b"<html><head><title>Index of /uploads</title></head>"),
        ];
        for (path, body) in cases {
            let (sig, sev) = probe(path);
            let f = judge(path, sig, sev, 200, body).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(f.subject, format!("file:{path}"));
        }
        let f = judge("/.git/HEAD", Signature::GitHead, Severity::Critical, 200, b"ref: refs/heads/master").unwrap();
        assert!(f.opens_notice());
    }

    #[test]
    fn soft_404s_and_home_pages_are_not_files() {
        let home =
            b"<!DOCTYPE html><html><head><title>\xe5\xad\xa6\xe9\x99\xa2</title></head><body>A=1\nB=2</body></html>";
        for (path, sig, sev) in PROBES {
            assert!(judge(path, *sig, *sev, 200, home).is_none(), "{path}");
            assert!(judge(path, *sig, *sev, 404, b"ref: refs/heads/main").is_none(), "{path}");
        }
        assert!(judge("/.env", Signature::DotEnv, Severity::Critical, 200, b"just one=line").is_none());
    }
}
