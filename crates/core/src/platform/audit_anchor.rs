//! The audit chain anchored outside the database. The chain and its head
//! row live in the same database, so whoever can write the database can
//! delete the newest entries and rewind the head, and the chain still holds.
//! The head (sequence and hash) is therefore also appended, at least hourly
//! and at shutdown, to a file in the data directory that is only ever
//! appended to (and copied into every backup); `verify` fails when the
//! database's chain is shorter than the last anchor or disagrees with it.
//!
//! The file is text, one anchor per line: `2026-12-03T10:00:00Z 1234 <sha256 hex>`.

use crate::platform::audit::{self, Broken, VerifyOutcome};
use crate::platform::entity::{audit_head, audit_log};
use crate::platform::error::{CoreError, Result};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file's name in the data directory.
pub const FILE_NAME: &str = "audit-anchor.log";

/// One line of the anchor file: the chain's head at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    pub at: DateTime<Utc>,
    pub seq: i64,
    pub hash: String,
}

impl Anchor {
    fn line(&self) -> String {
        format!("{} {} {}\n", self.at.format("%Y-%m-%dT%H:%M:%SZ"), self.seq, self.hash)
    }

    /// A line as written by `line`; `None` for anything else (a torn last line).
    pub fn parse(line: &str) -> Option<Anchor> {
        let mut parts = line.split_whitespace();
        let at = DateTime::parse_from_rfc3339(parts.next()?).ok()?.with_timezone(&Utc);
        let seq = parts.next()?.parse().ok()?;
        let hash = parts.next()?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || parts.next().is_some() {
            return None;
        }
        Some(Anchor { at, seq, hash: hash.to_owned() })
    }
}

/// The anchor file of a data directory.
#[derive(Debug, Clone)]
pub struct AnchorFile {
    path: PathBuf,
}

impl AnchorFile {
    pub fn in_dir(data_dir: &Path) -> AnchorFile {
        AnchorFile { path: data_dir.join(FILE_NAME) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The last anchor written, if any.
    pub fn last(&self) -> Result<Option<Anchor>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text.lines().rev().find_map(Anchor::parse)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CoreError::Internal(format!("{}: {e}", self.path.display()))),
        }
    }

    /// Append the database's current head, unless the last anchor already
    /// says the same; returns the anchor now last in the file.
    pub async fn anchor<C: ConnectionTrait>(&self, conn: &C, now: DateTime<Utc>) -> Result<Option<Anchor>> {
        let Some(head) = audit_head::Entity::find_by_id(1).one(conn).await? else { return self.last() };
        let last = self.last()?;
        if last.as_ref().is_some_and(|a| a.seq == head.seq && a.hash == head.hash) {
            return Ok(last);
        }
        let anchor = Anchor { at: chrono::SubsecRound::trunc_subsecs(now, 0), seq: head.seq, hash: head.hash };
        let io = |e: std::io::Error| CoreError::Internal(format!("{}: {e}", self.path.display()));
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&self.path).map_err(io)?;
        f.write_all(anchor.line().as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        Ok(Some(anchor))
    }

    /// Walk the chain (see `audit::verify`), then hold it against the last
    /// anchor: the chain must reach the anchored entry and have its hash.
    pub async fn verify<C: ConnectionTrait>(&self, conn: &C) -> Result<VerifyOutcome> {
        let outcome = audit::verify(conn).await?;
        if outcome.broken.is_some() {
            return Ok(outcome);
        }
        let Some(anchor) = self.last()? else { return Ok(outcome) };
        let last_seq = i64::try_from(outcome.checked).unwrap_or(i64::MAX);
        let broken = if last_seq < anchor.seq {
            Some(Broken { seq: last_seq + 1, reason: "truncated" })
        } else {
            match audit_log::Entity::find_by_id(anchor.seq).one(conn).await? {
                Some(row) if row.hash == anchor.hash => None,
                _ => Some(Broken { seq: anchor.seq, reason: "anchor" }),
            }
        };
        Ok(VerifyOutcome { broken, ..outcome })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_torn_lines_are_skipped() {
        let a = Anchor {
            at: DateTime::parse_from_rfc3339("2026-12-03T10:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default(),
            seq: 42,
            hash: "ab".repeat(32),
        };
        assert_eq!(Anchor::parse(&a.line()), Some(a.clone()));
        assert_eq!(Anchor::parse("2026-12-03T10:00:00Z 43 abab"), None);
        assert_eq!(Anchor::parse("garbage"), None);
        assert_eq!(Anchor::parse(&format!("2026-12-03T10:00:00Z x {}", "ab".repeat(32))), None);
    }
}
