//! Slices of the audit chain for archiving (`wangan audit export`): the
//! entries of a period, every field that is hashed and the hash, in JSON
//! lines after a header line. A slice verifies on its own (each entry's
//! hash recomputed, each linked to the one before), and its first entry's
//! `prev_hash` is the last hash of the slice before it, so consecutive
//! archives chain too. The audit log itself is never pruned.

use crate::platform::audit::row_hash;
use crate::platform::entity::audit_log;
use crate::platform::error::{CoreError, Result};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};

pub const FORMAT: &str = "wangan-audit-export/1";

/// The first line of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub exported_at: DateTime<Utc>,
    pub entries: u64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
}

/// One entry, as hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub unit_id: Option<i64>,
    pub before: String,
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<audit_log::Model> for Entry {
    fn from(m: audit_log::Model) -> Entry {
        Entry {
            seq: m.seq,
            at: m.at,
            actor_id: m.actor_id,
            actor: m.actor,
            action: m.action,
            entity: m.entity,
            entity_id: m.entity_id,
            unit_id: m.unit_id,
            before: m.before,
            after: m.after,
            prev_hash: m.prev_hash,
            hash: m.hash,
        }
    }
}

impl Entry {
    fn model(&self) -> audit_log::Model {
        audit_log::Model {
            seq: self.seq,
            at: self.at,
            actor_id: self.actor_id,
            actor: self.actor.clone(),
            action: self.action.clone(),
            entity: self.entity.clone(),
            entity_id: self.entity_id.clone(),
            unit_id: self.unit_id,
            before: self.before.clone(),
            after: self.after.clone(),
            prev_hash: self.prev_hash.clone(),
            hash: self.hash.clone(),
        }
    }
}

fn io(e: impl std::fmt::Display) -> CoreError {
    CoreError::Internal(e.to_string())
}

/// Write the entries made in `[from, to)` — every sequence number from the
/// first such entry to the last, so the slice has no gap — to `out`.
pub async fn export<C: ConnectionTrait, W: Write>(
    conn: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    out: &mut W,
) -> Result<Header> {
    let bound = |first: bool| {
        let q = audit_log::Entity::find()
            .select_only()
            .column(audit_log::Column::Seq)
            .filter(audit_log::Column::At.gte(from))
            .filter(audit_log::Column::At.lt(to));
        let q = if first { q.order_by_asc(audit_log::Column::Seq) } else { q.order_by_desc(audit_log::Column::Seq) };
        q.limit(1).into_tuple::<i64>().one(conn)
    };
    let (first, last) = (bound(true).await?, bound(false).await?);
    let entries = match (first, last) {
        (Some(f), Some(l)) => u64::try_from(l - f + 1).unwrap_or_default(),
        _ => 0,
    };
    let header =
        Header { format: FORMAT.into(), from, to, exported_at: now, entries, first_seq: first, last_seq: last };
    serde_json::to_writer(&mut *out, &header).map_err(io)?;
    out.write_all(b"\n").map_err(io)?;
    if let (Some(mut next), Some(last)) = (first, last) {
        while next <= last {
            let chunk = audit_log::Entity::find()
                .filter(audit_log::Column::Seq.gte(next))
                .filter(audit_log::Column::Seq.lte(last))
                .order_by_asc(audit_log::Column::Seq)
                .limit(1000)
                .all(conn)
                .await?;
            let Some(end) = chunk.last().map(|m| m.seq) else { break };
            for m in chunk {
                serde_json::to_writer(&mut *out, &Entry::from(m)).map_err(io)?;
                out.write_all(b"\n").map_err(io)?;
            }
            next = end + 1;
        }
    }
    out.flush().map_err(io)?;
    Ok(header)
}

/// What checking an export found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub header: Header,
    /// The `prev_hash` of the first entry (the hash the slice continues from).
    pub continues_from: Option<String>,
    /// The last entry's hash (the next slice continues from it).
    pub ends_with: Option<String>,
}

/// Check an export: the header, every entry's hash, every link, no gap,
/// the count. `Err` names the first line that fails.
pub fn verify<R: BufRead>(input: R) -> std::result::Result<Checked, String> {
    let mut lines = input.lines();
    let first = lines.next().ok_or("empty file")?.map_err(|e| e.to_string())?;
    let header: Header = serde_json::from_str(&first).map_err(|e| format!("line 1: not an export header: {e}"))?;
    if header.format != FORMAT {
        return Err(format!("line 1: format {:?}, expected {FORMAT}", header.format));
    }
    let mut previous: Option<Entry> = None;
    let mut continues_from = None;
    let mut count = 0u64;
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let e: Entry = serde_json::from_str(&line).map_err(|err| format!("line {n}: not an entry: {err}"))?;
        if row_hash(&e.model()) != e.hash {
            return Err(format!("line {n}: entry {} does not match its hash (rewritten)", e.seq));
        }
        match &previous {
            None => continues_from = Some(e.prev_hash.clone()),
            Some(p) if e.seq != p.seq + 1 => {
                return Err(format!("line {n}: entry {} follows {} (entries missing)", e.seq, p.seq));
            }
            Some(p) if e.prev_hash != p.hash => {
                return Err(format!("line {n}: entry {} does not link to entry {}", e.seq, p.seq));
            }
            Some(_) => {}
        }
        count += 1;
        previous = Some(e);
    }
    if count != header.entries {
        return Err(format!("{count} entries, the header says {}", header.entries));
    }
    if previous.as_ref().map(|p| p.seq) != header.last_seq {
        return Err("the last entry is not the one the header names (entries missing at the end)".into());
    }
    Ok(Checked { header, continues_from, ends_with: previous.map(|p| p.hash) })
}
