//! The audit chain: append-only rows, each hashing its content and its
//! predecessor's hash. Appends happen inside the caller's write transaction,
//! so a change and its audit entry commit together or not at all.

use crate::platform::access::Principal;
use crate::platform::entity::audit_head;
use crate::platform::entity::audit_log;
use crate::platform::error::Result;
use crate::platform::page::{Page, PageRequest};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// Key of the PostgreSQL advisory lock that serializes chain appends.
const CHAIN_LOCK_KEY: i64 = 0x5741_4e47_414e; // "WANGAN"

/// Who made a change.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Actor { user_id: None, name: name.to_owned() }
    }

    /// The signed-in principal, or the command line when there is none.
    pub fn of(principal: Option<&Principal>) -> Self {
        principal.map(Actor::from).unwrap_or_else(|| Actor::system("cli"))
    }
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        // The system principal (id 0) has no account row.
        Actor { user_id: (p.user_id != 0).then_some(p.user_id), name: p.username.clone() }
    }
}

/// What changed; `before`/`after` are JSON snapshots (absent on create/delete).
#[derive(Debug, Clone)]
pub struct Change {
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: String,
    pub unit_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Change {
    pub fn created(entity: &'static str, id: impl ToString, unit_id: Option<i64>, after: serde_json::Value) -> Change {
        Change { action: "create", entity, entity_id: id.to_string(), unit_id, before: None, after: Some(after) }
    }

    pub fn updated(
        entity: &'static str,
        id: impl ToString,
        unit_id: Option<i64>,
        before: serde_json::Value,
        after: serde_json::Value,
    ) -> Change {
        Change {
            action: "update",
            entity,
            entity_id: id.to_string(),
            unit_id,
            before: Some(before),
            after: Some(after),
        }
    }

    pub fn deleted(entity: &'static str, id: impl ToString, unit_id: Option<i64>, before: serde_json::Value) -> Change {
        Change { action: "delete", entity, entity_id: id.to_string(), unit_id, before: Some(before), after: None }
    }

    /// Something that happened to a record without a snapshot (a lockout, a password change).
    pub fn event(action: &'static str, entity: &'static str, id: impl ToString, unit_id: Option<i64>) -> Change {
        Change { action, entity, entity_id: id.to_string(), unit_id, before: None, after: None }
    }

    pub fn with_action(mut self, action: &'static str) -> Change {
        self.action = action;
        self
    }

    pub fn with_after(mut self, after: serde_json::Value) -> Change {
        self.after = Some(after);
        self
    }
}

fn fmt_time(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The hash of one row; every stored field but `hash` takes part.
pub fn row_hash(row: &audit_log::Model) -> String {
    let canonical = serde_json::json!([
        row.seq,
        fmt_time(&row.at),
        row.actor_id,
        row.actor,
        row.action,
        row.entity,
        row.entity_id,
        row.unit_id,
        row.before,
        row.after,
        row.prev_hash,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

fn snapshot(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// Append one entry. Call inside the write transaction of the change itself.
pub async fn append<C: ConnectionTrait>(conn: &C, at: DateTime<Utc>, actor: &Actor, change: Change) -> Result<i64> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")).await?;
    }
    let head = audit_head::Entity::find_by_id(1).one(conn).await?;
    let (prev_seq, prev_hash) = match &head {
        Some(h) => (h.seq, h.hash.clone()),
        None => (0, GENESIS.to_owned()),
    };
    let mut row = audit_log::Model {
        seq: prev_seq + 1,
        at,
        actor_id: actor.user_id,
        actor: actor.name.clone(),
        action: change.action.to_owned(),
        entity: change.entity.to_owned(),
        entity_id: change.entity_id,
        unit_id: change.unit_id,
        before: snapshot(&change.before),
        after: snapshot(&change.after),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row_hash(&row);
    let seq = row.seq;
    let hash = row.hash.clone();
    audit_log::ActiveModel::from(row).insert(conn).await?;
    let new_head = audit_head::ActiveModel { id: Set(1), seq: Set(seq), hash: Set(hash) };
    if head.is_some() {
        new_head.update(conn).await?;
    } else {
        new_head.insert(conn).await?;
    }
    Ok(seq)
}

/// Append many entries at once (a background pass), in the caller's
/// transaction: one read of the head, inserts in batches, one head update.
pub async fn append_many<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    actor: &Actor,
    changes: Vec<Change>,
) -> Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK_KEY})")).await?;
    }
    let head = audit_head::Entity::find_by_id(1).one(conn).await?;
    let (mut seq, mut prev_hash) = match &head {
        Some(h) => (h.seq, h.hash.clone()),
        None => (0, GENESIS.to_owned()),
    };
    let mut batch: Vec<audit_log::ActiveModel> = Vec::with_capacity(500);
    for change in changes {
        seq += 1;
        let mut row = audit_log::Model {
            seq,
            at,
            actor_id: actor.user_id,
            actor: actor.name.clone(),
            action: change.action.to_owned(),
            entity: change.entity.to_owned(),
            entity_id: change.entity_id,
            unit_id: change.unit_id,
            before: snapshot(&change.before),
            after: snapshot(&change.after),
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
        };
        row.hash = row_hash(&row);
        prev_hash = row.hash.clone();
        batch.push(row.into());
        if batch.len() == 500 {
            audit_log::Entity::insert_many(std::mem::take(&mut batch)).exec(conn).await?;
        }
    }
    if !batch.is_empty() {
        audit_log::Entity::insert_many(batch).exec(conn).await?;
    }
    let new_head = audit_head::ActiveModel { id: Set(1), seq: Set(seq), hash: Set(prev_hash) };
    if head.is_some() {
        new_head.update(conn).await?;
    } else {
        new_head.insert(conn).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// The first sequence number at which the chain does not hold.
    pub seq: i64,
    pub reason: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOutcome {
    pub checked: u64,
    pub broken: Option<Broken>,
}

/// The chain's head as the database records it: (sequence, hash).
pub async fn head<C: ConnectionTrait>(conn: &C) -> Result<Option<(i64, String)>> {
    Ok(audit_head::Entity::find_by_id(1).one(conn).await?.map(|h| (h.seq, h.hash)))
}

/// Walk the whole chain; name the first row that breaks it.
pub async fn verify<C: ConnectionTrait>(conn: &C) -> Result<VerifyOutcome> {
    const BATCH: u64 = 1000;
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS.to_owned();
    let mut checked = 0u64;
    // The head is read first and the rows walked up to it: rows and head are
    // written in one transaction, so every row up to the head read here is
    // committed, and a change committed while the walk runs (rows past this
    // head) does not look like a gap. Rows past the head are then checked
    // against the head as it is by then.
    let mut head = audit_head::Entity::find_by_id(1).one(conn).await?;
    for _ in 0..100 {
        let until = head.as_ref().map_or(0, |h| h.seq);
        loop {
            let rows = audit_log::Entity::find()
                .filter(audit_log::Column::Seq.gte(expected_seq))
                .filter(audit_log::Column::Seq.lte(until))
                .order_by_asc(audit_log::Column::Seq)
                .limit(BATCH)
                .all(conn)
                .await?;
            let n = rows.len() as u64;
            for row in rows {
                let broken = |reason| {
                    Ok(VerifyOutcome { checked, broken: Some(Broken { seq: expected_seq.min(row.seq), reason }) })
                };
                if row.seq != expected_seq {
                    return broken("missing");
                }
                if row.prev_hash != prev_hash {
                    return broken("prev_hash");
                }
                if row_hash(&row) != row.hash {
                    return broken("hash");
                }
                prev_hash = row.hash;
                expected_seq += 1;
                checked += 1;
            }
            if n < BATCH {
                break;
            }
        }
        let last_seq = expected_seq - 1;
        let broken = match &head {
            None if last_seq == 0 => None,
            None => Some(Broken { seq: 1, reason: "head_missing" }),
            Some(h) if h.seq > last_seq => Some(Broken { seq: last_seq + 1, reason: "missing" }),
            Some(h) if h.seq != last_seq || h.hash != prev_hash => Some(Broken { seq: h.seq, reason: "head" }),
            Some(_) => None,
        };
        if broken.is_some() {
            return Ok(VerifyOutcome { checked, broken });
        }
        let beyond = audit_log::Entity::find().filter(audit_log::Column::Seq.gt(last_seq)).count(conn).await?;
        if beyond == 0 {
            return Ok(VerifyOutcome { checked, broken: None });
        }
        // Rows past the head: either written since it was read, or slipped in without it.
        let now = audit_head::Entity::find_by_id(1).one(conn).await?;
        if now.as_ref().map_or(0, |h| h.seq) <= last_seq {
            let seq = last_seq + 1;
            return Ok(VerifyOutcome { checked, broken: Some(Broken { seq, reason: "head" }) });
        }
        head = now;
    }
    Err(crate::platform::error::CoreError::Internal("the audit log kept growing while it was verified".into()))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub unit_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub unit_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub hash: String,
}

fn parse_snapshot(s: &str) -> Option<serde_json::Value> {
    if s.is_empty() { None } else { serde_json::from_str(s).ok() }
}

impl From<audit_log::Model> for AuditView {
    fn from(m: audit_log::Model) -> Self {
        AuditView {
            seq: m.seq,
            at: m.at,
            before: parse_snapshot(&m.before),
            after: parse_snapshot(&m.after),
            actor: m.actor,
            action: m.action,
            entity: m.entity,
            entity_id: m.entity_id,
            unit_id: m.unit_id,
            hash: m.hash,
        }
    }
}

/// The audit log, newest first, for those who may read it (`ReadAudit`).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Page<AuditView>> {
    who.require(crate::platform::access::Permission::ReadAudit)?;
    entries(conn, filter, page).await
}

/// One record's history, newest first (at most `limit` entries). The
/// record's own service decides who may read it (see `systems::history`).
pub(crate) async fn history<C: ConnectionTrait>(conn: &C, entity: &str, id: i64, limit: u64) -> Result<Vec<AuditView>> {
    let filter = AuditFilter { entity: Some(entity.into()), entity_id: Some(id.to_string()), ..Default::default() };
    Ok(entries(conn, &filter, PageRequest::new(1, limit)).await?.items)
}

async fn entries<C: ConnectionTrait>(conn: &C, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditView>> {
    let mut q = audit_log::Entity::find();
    let nonempty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(v) = nonempty(&filter.entity) {
        q = q.filter(audit_log::Column::Entity.eq(v));
    }
    if let Some(v) = nonempty(&filter.entity_id) {
        q = q.filter(audit_log::Column::EntityId.eq(v));
    }
    if let Some(v) = nonempty(&filter.actor) {
        q = q.filter(audit_log::Column::Actor.eq(v));
    }
    if let Some(v) = nonempty(&filter.action) {
        q = q.filter(audit_log::Column::Action.eq(v));
    }
    if let Some(v) = filter.unit_id {
        q = q.filter(audit_log::Column::UnitId.eq(v));
    }
    let total = q.clone().count(conn).await?;
    let items = q
        .order_by_desc(audit_log::Column::Seq)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?
        .into_iter()
        .map(AuditView::from)
        .collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}
