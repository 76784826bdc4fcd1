//! Attachments: files kept under the data directory, named by their SHA-256
//! (the same content is stored once), with their metadata in the database.
//! Only document and image types are taken, by their first bytes, not by the
//! name the browser sends.

use crate::platform::error::{CoreError, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Largest attachment accepted.
pub const MAX_BYTES: usize = 20 * 1024 * 1024;

/// The content type of an accepted file, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"PK\x03\x04") {
        // Office Open XML documents are zip files; so is any zip, which is fine to keep.
        Some("application/vnd.openxmlformats-officedocument")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// A file name safe to store and to send back in a header.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control() && !"\"<>:|?*".contains(*c)).take(120).collect();
    if cleaned.trim().is_empty() { "attachment".into() } else { cleaned.trim().to_owned() }
}

#[derive(Debug, Clone)]
pub struct AttachmentDir(PathBuf);

impl AttachmentDir {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        AttachmentDir(dir.into())
    }

    fn path(&self, sha256: &str) -> PathBuf {
        self.0.join(&sha256[..2]).join(sha256)
    }

    /// Write the content (once per distinct content); returns its SHA-256.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.path(&sha);
        if path.exists() {
            return Ok(sha);
        }
        let io = |e: std::io::Error| CoreError::Internal(format!("attachment store: {e}"));
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = dir.join(format!(".{sha}.{}", crate::platform::secret::random_token()));
        std::fs::write(&tmp, bytes).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(sha)
    }

    pub fn get(&self, sha256: &str) -> Result<Vec<u8>> {
        if sha256.len() != 64 || !sha256.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(CoreError::NotFound);
        }
        std::fs::read(self.path(sha256)).map_err(|_| CoreError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_by_content_and_names_cleaned() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nxx"), Some("image/png"));
        assert_eq!(sniff(b"<html>"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None, "no executables");
        assert_eq!(clean_name("C:\\报告\\测评报告.pdf"), "测评报告.pdf");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_name(""), "attachment");
    }

    #[test]
    fn same_content_is_kept_once() {
        let dir = std::env::temp_dir().join(format!("wangan-att-{}", crate::platform::secret::random_token()));
        let store = AttachmentDir::new(&dir);
        let a = store.put(b"%PDF-1.7 one").unwrap();
        let b = store.put(b"%PDF-1.7 one").unwrap();
        assert_eq!(a, b);
        assert_eq!(store.get(&a).unwrap(), b"%PDF-1.7 one");
        assert!(matches!(store.get("../../x"), Err(CoreError::NotFound)));
        let _ = std::fs::remove_dir_all(dir);
    }
}
