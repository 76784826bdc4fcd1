//! The notification outbox and the channels it delivers to. Messages are
//! written in the transaction of the change that causes them (`Outbox`),
//! claimed by a delivery worker (`claim`) and settled with their result
//! (`settle`); every attempt is kept.

use crate::directory::entity::person;
use crate::directory::entity::responsibility;
use crate::directory::entity::unit;
use crate::notify::entity::channel;
use crate::notify::entity::delivery_attempt;
use crate::notify::entity::outbox;
use crate::notify::texts::{self, Message};
use crate::notify::{Audience, ChannelKind, ChannelOwner, DeliveryStatus, RetryPolicy, valid_target};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::scope_condition;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// Where one message goes, and in which language.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub channel_id: Option<i64>,
    pub kind: ChannelKind,
    pub target: String,
    /// A person's is their account's language; a group channel's the default.
    pub locale: &'static str,
}

/// A digest's channel, event and unit.
type DigestKey = (Target, String, Option<i64>);

/// Writes messages into the outbox inside a transaction, resolving each
/// audience to channels once per unit (an escalation pass asks many times).
#[derive(Default)]
pub struct Outbox {
    cache: HashMap<(Option<i64>, Audience), Vec<Target>>,
    pending: Vec<outbox::ActiveModel>,
    /// In digest mode, messages wait here per channel and event, and a
    /// channel that would get several gets one list instead.
    digest: Option<HashMap<DigestKey, Vec<Message>>>,
    /// The time of the latest message, for digests written at flush.
    now: Option<DateTime<Utc>>,
}

/// How many items a digest lists before "and N more".
const DIGEST_LINES: usize = 20;

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// An outbox for a background pass: one message per channel and event,
    /// listing the items, rather than hundreds of messages to one person.
    pub fn digest() -> Self {
        Outbox { digest: Some(HashMap::new()), ..Self::default() }
    }

    async fn resolve<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        unit_id: Option<i64>,
        a: Audience,
    ) -> Result<Vec<Target>> {
        if let Some(t) = self.cache.get(&(unit_id, a)) {
            return Ok(t.clone());
        }
        let targets = match (a, unit_id) {
            (Audience::Center, _) => channels_of(conn, ChannelOwner::Center, None).await?,
            (Audience::Unit, Some(u)) => channels_of(conn, ChannelOwner::Unit, Some(u)).await?,
            (_, Some(u)) => {
                let kind = a.responsibility().unwrap_or_default();
                let people: Vec<i64> = responsibility::Entity::find()
                    .filter(responsibility::Column::UnitId.eq(u))
                    .filter(responsibility::Column::Kind.eq(kind))
                    .all(conn)
                    .await?
                    .into_iter()
                    .map(|r| r.person_id)
                    .collect();
                let mut out = Vec::new();
                for pid in people {
                    out.extend(person_targets(conn, pid).await?);
                }
                out
            }
            (_, None) => Vec::new(),
        };
        self.cache.insert((unit_id, a), targets.clone());
        Ok(targets)
    }

    /// Queue `msg` for one person (the person on duty): their channels, or
    /// their address. Returns how many targets it reached.
    pub async fn add_person<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        now: DateTime<Utc>,
        unit_id: Option<i64>,
        person_id: i64,
        msg: &Message,
    ) -> Result<usize> {
        let targets = person_targets(conn, person_id).await?;
        self.now = Some(now);
        let n = targets.len();
        for t in targets {
            self.push(now, unit_id, t, msg);
        }
        Ok(n)
    }

    /// Queue `msg` for every channel of the audiences (each channel once).
    pub async fn add<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        now: DateTime<Utc>,
        unit_id: Option<i64>,
        audiences: &[Audience],
        msg: &Message,
    ) -> Result<usize> {
        let mut seen: Vec<Target> = Vec::new();
        for a in audiences {
            for t in self.resolve(conn, unit_id, *a).await? {
                if !seen.iter().any(|s| s.kind == t.kind && s.target == t.target) {
                    seen.push(t);
                }
            }
        }
        let n = seen.len();
        self.now = Some(now);
        if let Some(groups) = &mut self.digest {
            for t in seen {
                groups.entry((t, msg.event.clone(), unit_id)).or_default().push(msg.clone());
            }
            return Ok(n);
        }
        for t in seen {
            self.push(now, unit_id, t, msg);
        }
        Ok(n)
    }

    fn push(&mut self, now: DateTime<Utc>, unit_id: Option<i64>, t: Target, msg: &Message) {
        {
            self.pending.push(outbox::ActiveModel {
                event: Set(msg.event.clone()),
                unit_id: Set(unit_id),
                subject: Set(msg.subject(t.locale).to_owned()),
                body: Set(msg.body(t.locale).to_owned()),
                link: Set(msg.link.clone()),
                channel_id: Set(t.channel_id),
                kind: Set(t.kind),
                target: Set(t.target),
                status: Set(DeliveryStatus::Queued),
                attempts: Set(0),
                next_attempt_at: Set(now),
                leased_until: Set(None),
                last_error: Set(String::new()),
                created_at: Set(now),
                sent_at: Set(None),
                ..Default::default()
            });
        }
    }

    /// Write what was queued (in the caller's transaction), as of `now`.
    pub async fn flush<C: ConnectionTrait>(&mut self, conn: &C) -> Result<usize> {
        if let Some(groups) = self.digest.take() {
            let mut groups: Vec<_> = groups.into_iter().collect();
            groups.sort_by(|a, b| {
                (a.0.0.kind.as_str(), a.0.0.target.as_str()).cmp(&(b.0.0.kind.as_str(), b.0.0.target.as_str()))
            });
            // Every digested message came through `add`, which set `now`.
            if let Some(now) = self.now {
                for ((target, _, unit_id), messages) in groups {
                    let msg = if messages.len() == 1 { messages[0].clone() } else { digest_of(&messages) };
                    self.push(now, unit_id, target, &msg);
                }
            }
            self.digest = Some(HashMap::new());
        }
        let rows = std::mem::take(&mut self.pending);
        let n = rows.len();
        for chunk in rows.chunks(500) {
            outbox::Entity::insert_many(chunk.to_vec()).exec(conn).await?;
        }
        Ok(n)
    }
}

/// The bracketed head of a subject (`【整改逾期】`, `[Overdue] `), if it has one.
fn subject_prefix(subject: &str) -> Option<&str> {
    let close = if subject.starts_with('【') {
        '】'
    } else if subject.starts_with('[') {
        ']'
    } else {
        return None;
    };
    let end = subject.find(close)? + close.len_utf8();
    let spaced = subject[end..].starts_with(' ');
    Some(&subject[..end + usize::from(spaced)])
}

/// One message standing for several of the same event to the same channel:
/// their subjects listed under the event's head; the link is the list they
/// belong to (`/rectifications/7` → `/rectifications`).
fn digest_of(messages: &[Message]) -> Message {
    let first = &messages[0];
    let list = first.link.split('/').nth(1).map(|p| format!("/{p}")).unwrap_or_else(|| "/".into());
    Message::new(first.event.clone(), list, |l| {
        let default_prefix = texts::t(l, "digest.prefix", &[]);
        let prefix = subject_prefix(first.subject(l)).map(str::to_owned).unwrap_or(default_prefix);
        let mut body: Vec<String> = messages
            .iter()
            .take(DIGEST_LINES)
            .map(|m| format!("· {}", m.subject(l).strip_prefix(prefix.as_str()).unwrap_or(m.subject(l))))
            .collect();
        if messages.len() > DIGEST_LINES {
            let more = (messages.len() - DIGEST_LINES).to_string();
            body.push(texts::t(l, "digest.more", &[("count", &more)]));
        }
        let count = messages.len().to_string();
        (texts::t(l, "digest", &[("prefix", &prefix), ("count", &count)]), body.join("\n"))
    })
}

/// The language a person reads notifications in: their account's, else the default.
/// Where a person is written to: their own channels, else their address.
async fn person_targets<C: ConnectionTrait>(conn: &C, pid: i64) -> Result<Vec<Target>> {
    let locale = person_locale(conn, pid).await?;
    let own = channels_of(conn, ChannelOwner::Person, Some(pid)).await?;
    if own.is_empty() {
        if let Some(p) = person::Entity::find_by_id(pid).one(conn).await?
            && valid_target(ChannelKind::Email, &p.email)
        {
            return Ok(vec![Target { channel_id: None, kind: ChannelKind::Email, target: p.email, locale }]);
        }
        return Ok(Vec::new());
    }
    Ok(own.into_iter().map(|t| Target { locale, ..t }).collect())
}

async fn person_locale<C: ConnectionTrait>(conn: &C, person_id: i64) -> Result<&'static str> {
    use crate::accounts::entity::user;
    let locale: Option<String> = user::Entity::find()
        .select_only()
        .column(user::Column::Locale)
        .filter(user::Column::PersonId.eq(person_id))
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(texts::locale_of(locale.as_deref().unwrap_or(texts::DEFAULT_LOCALE)))
}

async fn channels_of<C: ConnectionTrait>(
    conn: &C,
    owner_kind: ChannelOwner,
    owner_id: Option<i64>,
) -> Result<Vec<Target>> {
    let mut q = channel::Entity::find()
        .filter(channel::Column::OwnerKind.eq(owner_kind))
        .filter(channel::Column::Enabled.eq(true));
    q = match owner_id {
        Some(id) => q.filter(channel::Column::OwnerId.eq(id)),
        None => q.filter(channel::Column::OwnerId.is_null()),
    };
    Ok(q.order_by_asc(channel::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| Target { channel_id: Some(c.id), kind: c.kind, target: c.target, locale: texts::DEFAULT_LOCALE })
        .collect())
}

// ---- channels -----------------------------------------------------------

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ChannelView {
    pub id: i64,
    pub owner_kind: ChannelOwner,
    /// The unit code, the person id, or nothing for the center.
    pub owner: Option<String>,
    pub kind: ChannelKind,
    pub label: String,
    pub target: String,
    /// Whether a signing secret is set (it is never shown).
    pub has_secret: bool,
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelInput {
    #[schema(value_type = ChannelOwner)]
    pub owner_kind: String,
    /// A unit code or a person id; empty for the center.
    #[serde(default)]
    pub owner: Option<String>,
    #[schema(value_type = ChannelKind)]
    pub kind: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    pub label: String,
    pub target: String,
    #[serde(default)]
    pub secret: String,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelPatch {
    #[schema(max_length = 100)]
    pub label: Option<String>,
    pub target: Option<String>,
    pub secret: Option<String>,
    pub enabled: Option<bool>,
}

/// The owner of a channel, resolved and authorized.
async fn owner_for<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    kind: ChannelOwner,
    owner: Option<&str>,
) -> Result<(Option<i64>, Option<i64>)> {
    match kind {
        ChannelOwner::Center => {
            who.require(Permission::ManageDelivery)?;
            Ok((None, None))
        }
        ChannelOwner::Unit => {
            let code = owner.map(str::trim).filter(|s| !s.is_empty()).ok_or(CoreError::invalid("owner", "required"))?;
            let u = crate::directory::service::units::find_visible(conn, who, code).await?;
            who.require(Permission::ManageUnitChannels(u.id))?;
            Ok((Some(u.id), Some(u.id)))
        }
        ChannelOwner::Person => {
            let id: i64 = owner.and_then(|s| s.trim().parse().ok()).ok_or(CoreError::invalid("owner", "required"))?;
            let p = crate::directory::service::people::find_visible(conn, who, id).await?;
            if who.person_id != Some(p.id) {
                who.require(Permission::ManagePeople(p.unit_id))?;
            }
            Ok((Some(p.id), Some(p.unit_id)))
        }
    }
}

async fn channel_view<C: ConnectionTrait>(conn: &C, c: channel::Model) -> Result<ChannelView> {
    let owner = match (c.owner_kind, c.owner_id) {
        (ChannelOwner::Unit, Some(id)) => unit::Entity::find_by_id(id).one(conn).await?.map(|u| u.code),
        (ChannelOwner::Person, Some(id)) => Some(id.to_string()),
        _ => None,
    };
    Ok(ChannelView {
        id: c.id,
        owner_kind: c.owner_kind,
        owner,
        kind: c.kind,
        label: c.label,
        target: c.target,
        has_secret: !c.secret.is_empty(),
        enabled: c.enabled,
    })
}

fn check_channel(kind: &str, label: &str, target: &str, secret: &str) -> Result<ChannelKind> {
    let mut errors = Vec::new();
    let kind = crate::platform::common::check_choice::<ChannelKind>(&mut errors, "kind", kind);
    if let Some(k) = kind
        && !valid_target(k, target)
    {
        errors.push(FieldError::new("target", if k == ChannelKind::Email { "email_format" } else { "url_format" }));
    }
    if label.chars().count() > 100 {
        errors.push(FieldError::new("label", "too_long"));
    }
    if secret.len() > 200 {
        errors.push(FieldError::new("secret", "too_long"));
    }
    match kind {
        Some(k) if errors.is_empty() => Ok(k),
        _ => Err(CoreError::Invalid(errors)),
    }
}

fn owner_kind(word: &str) -> Result<ChannelOwner> {
    ChannelOwner::parse(word.trim()).ok_or_else(|| CoreError::invalid("owner_kind", "unknown_choice"))
}

/// The channels of one owner (`unit` + code, `person` + id, or `center`).
pub async fn channels(
    store: &Store,
    who: &Principal,
    owner_kind: &str,
    owner: Option<&str>,
) -> Result<Vec<ChannelView>> {
    let conn = store.db();
    let owner_kind = self::owner_kind(owner_kind)?;
    let (owner_id, _) = owner_for(conn, who, owner_kind, owner).await?;
    let mut q = channel::Entity::find().filter(channel::Column::OwnerKind.eq(owner_kind));
    q = match owner_id {
        Some(id) => q.filter(channel::Column::OwnerId.eq(id)),
        None => q.filter(channel::Column::OwnerId.is_null()),
    };
    let mut out = Vec::new();
    for c in q.order_by_asc(channel::Column::Id).all(conn).await? {
        out.push(channel_view(conn, c).await?);
    }
    Ok(out)
}

pub async fn add_channel(store: &Store, who: &Principal, input: ChannelInput) -> Result<ChannelView> {
    let txn = store.begin_write().await?;
    let kind = owner_kind(&input.owner_kind)?;
    let (owner_id, unit_id) = owner_for(&*txn, who, kind, input.owner.as_deref()).await?;
    let (label, target, secret) = (input.label.trim(), input.target.trim(), input.secret.trim());
    let ck = check_channel(&input.kind, label, target, secret)?;
    let now = store.now();
    let c = channel::ActiveModel {
        owner_kind: Set(kind),
        owner_id: Set(owner_id),
        kind: Set(ck),
        label: Set(label.to_owned()),
        target: Set(target.to_owned()),
        secret: Set(secret.to_owned()),
        enabled: Set(input.enabled),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    // The target is recorded; the secret never is.
    let after = json!({"owner_kind": c.owner_kind, "owner_id": c.owner_id, "kind": c.kind, "label": c.label,
        "target": c.target, "enabled": c.enabled, "has_secret": !c.secret.is_empty()});
    audit::append(&*txn, now, &Actor::from(who), Change::created("channel", c.id, unit_id, after)).await?;
    let view = channel_view(&*txn, c).await?;
    txn.commit().await?;
    Ok(view)
}

async fn find_channel<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<(channel::Model, Option<i64>)> {
    let c = channel::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    let owner = match (c.owner_kind, c.owner_id) {
        (ChannelOwner::Unit, Some(uid)) => unit::Entity::find_by_id(uid).one(conn).await?.map(|u| u.code),
        (ChannelOwner::Person, Some(pid)) => Some(pid.to_string()),
        _ => None,
    };
    let (_, unit_id) = match owner_for(conn, who, c.owner_kind, owner.as_deref()).await {
        // A channel the caller may not manage is not shown to exist.
        Err(CoreError::Forbidden) if c.owner_kind == ChannelOwner::Center => return Err(CoreError::NotFound),
        other => other?,
    };
    Ok((c, unit_id))
}

pub async fn update_channel(store: &Store, who: &Principal, id: i64, patch: ChannelPatch) -> Result<ChannelView> {
    let txn = store.begin_write().await?;
    let (c, unit_id) = find_channel(&*txn, who, id).await?;
    let label = patch.label.as_deref().map(str::trim).unwrap_or(&c.label).to_owned();
    let target = patch.target.as_deref().map(str::trim).unwrap_or(&c.target).to_owned();
    let secret = patch.secret.as_deref().map(str::trim).unwrap_or(&c.secret).to_owned();
    check_channel(c.kind.as_str(), &label, &target, &secret)?;
    let before = json!({"label": c.label, "target": c.target, "enabled": c.enabled});
    let mut am: channel::ActiveModel = c.into();
    am.label = Set(label);
    am.target = Set(target);
    am.secret = Set(secret);
    if let Some(e) = patch.enabled {
        am.enabled = Set(e);
    }
    am.updated_at = Set(store.now());
    let c = am.update(&*txn).await?;
    let after = json!({"label": c.label, "target": c.target, "enabled": c.enabled, "has_secret": !c.secret.is_empty()});
    audit::append(&*txn, store.now(), &Actor::from(who), Change::updated("channel", id, unit_id, before, after))
        .await?;
    let view = channel_view(&*txn, c).await?;
    txn.commit().await?;
    Ok(view)
}

pub async fn delete_channel(store: &Store, who: &Principal, id: i64) -> Result<()> {
    let txn = store.begin_write().await?;
    let (c, unit_id) = find_channel(&*txn, who, id).await?;
    let before = json!({"owner_kind": c.owner_kind, "owner_id": c.owner_id, "kind": c.kind, "target": c.target});
    channel::Entity::delete_by_id(id).exec(&*txn).await?;
    audit::append(&*txn, store.now(), &Actor::from(who), Change::deleted("channel", id, unit_id, before)).await?;
    txn.commit().await
}

// ---- deliveries ---------------------------------------------------------

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct AttemptView {
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub detail: String,
    pub duration_ms: i32,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub event: String,
    pub unit: Option<String>,
    pub subject: String,
    pub kind: ChannelKind,
    pub target: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub history: Vec<AttemptView>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeliveryFilter {
    pub status: Option<String>,
    pub unit: Option<String>,
}

/// Every outbox message and its attempts, newest first (admins).
pub async fn deliveries(
    store: &Store,
    who: &Principal,
    f: &DeliveryFilter,
    page: PageRequest,
) -> Result<Page<DeliveryView>> {
    who.require(Permission::ManageDelivery)?;
    let conn = store.db();
    let mut cond = scope_condition(&who.scope(), outbox::Column::UnitId);
    if let Some(s) = f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let s = DeliveryStatus::parse(s).ok_or_else(|| CoreError::invalid("status", "unknown_choice"))?;
        cond = cond.add(outbox::Column::Status.eq(s));
    }
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let u = crate::directory::service::units::find_visible(conn, who, code).await?;
        cond = cond.add(outbox::Column::UnitId.eq(u.id));
    }
    let q = outbox::Entity::find().filter(cond);
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut attempts: HashMap<i64, Vec<AttemptView>> = HashMap::new();
    if !ids.is_empty() {
        for a in delivery_attempt::Entity::find()
            .filter(delivery_attempt::Column::OutboxId.is_in(ids))
            .order_by_asc(delivery_attempt::Column::Id)
            .all(conn)
            .await?
        {
            attempts.entry(a.outbox_id).or_default().push(AttemptView {
                at: a.at,
                ok: a.ok,
                detail: a.detail,
                duration_ms: a.duration_ms,
            });
        }
    }
    let codes = crate::directory::service::units::by_ids(conn, rows.iter().filter_map(|r| r.unit_id)).await?;
    let items = rows
        .into_iter()
        .map(|r| DeliveryView {
            unit: r.unit_id.and_then(|u| codes.get(&u).map(|u| u.code.clone())),
            history: attempts.remove(&r.id).unwrap_or_default(),
            id: r.id,
            event: r.event,
            subject: r.subject,
            kind: r.kind,
            target: r.target,
            status: r.status,
            attempts: r.attempts,
            next_attempt_at: r.next_attempt_at,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
        })
        .collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

/// Queue a failed message again (admins), e.g. after fixing its channel.
pub async fn retry(store: &Store, who: &Principal, id: i64) -> Result<()> {
    who.require(Permission::ManageDelivery)?;
    let txn = store.begin_write().await?;
    let m = outbox::Entity::find_by_id(id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    if !m.status.may_be_retried() {
        return Err(CoreError::Conflict("not_failed"));
    }
    let unit_id = m.unit_id;
    let mut am: outbox::ActiveModel = m.into();
    am.status = Set(DeliveryStatus::Queued);
    am.attempts = Set(0);
    am.next_attempt_at = Set(store.now());
    am.leased_until = Set(None);
    am.update(&*txn).await?;
    audit::append(&*txn, store.now(), &Actor::from(who), Change::event("retry", "outbox", id, unit_id)).await?;
    txn.commit().await
}

// ---- the delivery worker's side ---------------------------------------

/// A message claimed for delivery, with its channel's secret.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: i64,
    pub attempts: i32,
    pub kind: ChannelKind,
    pub target: String,
    pub secret: String,
    pub event: String,
    pub subject: String,
    pub body: String,
    pub link: String,
}

/// The result of one delivery attempt.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub id: i64,
    pub ok: bool,
    pub detail: String,
    pub duration_ms: i32,
}

#[derive(Debug, FromQueryResult)]
struct ClaimRow {
    id: i64,
}

/// Take up to `limit` due messages of the channel `kinds` this worker can
/// send, for `lease`; other workers (on PostgreSQL, other nodes) skip them
/// until the lease runs out, so a worker that dies loses nothing. Messages of
/// other kinds (email without a mail server) wait, untried.
pub async fn claim(store: &Store, limit: u64, lease: Duration, kinds: &[ChannelKind]) -> Result<Vec<Claimed>> {
    let now = store.now();
    let until = now + lease;
    let txn = store.begin_write().await?;
    let due = Condition::all()
        .add(outbox::Column::Kind.is_in(kinds.iter().copied()))
        .add(outbox::Column::Status.eq(DeliveryStatus::Queued))
        .add(outbox::Column::NextAttemptAt.lte(now))
        .add(Condition::any().add(outbox::Column::LeasedUntil.is_null()).add(outbox::Column::LeasedUntil.lt(now)));
    let ids: Vec<i64> = if store.backend() == DbBackend::Postgres {
        let stmt = Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM outbox WHERE status = $4 AND next_attempt_at <= $1 \
             AND (leased_until IS NULL OR leased_until < $1) AND kind = ANY($3) ORDER BY next_attempt_at, id LIMIT $2 \
             FOR UPDATE SKIP LOCKED",
            [
                now.into(),
                i64::try_from(limit).unwrap_or(i64::MAX).into(),
                kinds.iter().map(|k| k.as_str().to_owned()).collect::<Vec<String>>().into(),
                DeliveryStatus::Queued.as_str().into(),
            ],
        );
        ClaimRow::find_by_statement(stmt).all(&*txn).await?.into_iter().map(|r| r.id).collect()
    } else {
        outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .filter(due)
            .order_by_asc(outbox::Column::NextAttemptAt)
            .order_by_asc(outbox::Column::Id)
            .limit(limit)
            .into_tuple()
            .all(&*txn)
            .await?
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::LeasedUntil, until.into())
        .filter(outbox::Column::Id.is_in(ids.clone()))
        .exec(&*txn)
        .await?;
    let rows = outbox::Entity::find().filter(outbox::Column::Id.is_in(ids)).all(&*txn).await?;
    let channel_ids: Vec<i64> = rows.iter().filter_map(|r| r.channel_id).collect();
    let secrets: HashMap<i64, String> = if channel_ids.is_empty() {
        HashMap::new()
    } else {
        channel::Entity::find()
            .filter(channel::Column::Id.is_in(channel_ids))
            .all(&*txn)
            .await?
            .into_iter()
            .map(|c| (c.id, c.secret))
            .collect()
    };
    txn.commit().await?;
    Ok(rows
        .into_iter()
        .map(|r| Claimed {
            secret: r.channel_id.and_then(|c| secrets.get(&c).cloned()).unwrap_or_default(),
            id: r.id,
            attempts: r.attempts,
            kind: r.kind,
            target: r.target,
            event: r.event,
            subject: r.subject,
            body: r.body,
            link: r.link,
        })
        .collect())
}

/// Record the attempts and move each message on: sent, queued again after
/// a backoff, or failed when its tries are used up.
pub async fn settle(store: &Store, outcomes: &[Outcome], policy: &RetryPolicy) -> Result<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let now = store.now();
    let txn = store.begin_write().await?;
    let ids: Vec<i64> = outcomes.iter().map(|o| o.id).collect();
    let rows: HashMap<i64, outbox::Model> = outbox::Entity::find()
        .filter(outbox::Column::Id.is_in(ids))
        .all(&*txn)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let attempts: Vec<delivery_attempt::ActiveModel> = outcomes
        .iter()
        .map(|o| delivery_attempt::ActiveModel {
            outbox_id: Set(o.id),
            at: Set(now),
            ok: Set(o.ok),
            detail: Set(o.detail.chars().take(500).collect()),
            duration_ms: Set(o.duration_ms),
            ..Default::default()
        })
        .collect();
    for chunk in attempts.chunks(500) {
        delivery_attempt::Entity::insert_many(chunk.to_vec()).exec(&*txn).await?;
    }
    let sent: Vec<i64> = outcomes.iter().filter(|o| o.ok).map(|o| o.id).collect();
    for chunk in sent.chunks(500) {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, DeliveryStatus::Sent.into())
            .col_expr(outbox::Column::SentAt, Some(now).into())
            .col_expr(outbox::Column::LeasedUntil, Option::<DateTime<Utc>>::None.into())
            .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
            .filter(outbox::Column::Id.is_in(chunk.to_vec()))
            .exec(&*txn)
            .await?;
    }
    for o in outcomes.iter().filter(|o| !o.ok) {
        let Some(row) = rows.get(&o.id) else { continue };
        let tries = row.attempts + 1;
        let mut am: outbox::ActiveModel = row.clone().into();
        am.attempts = Set(tries);
        am.leased_until = Set(None);
        am.last_error = Set(o.detail.chars().take(500).collect());
        match policy.after_failure(tries) {
            Some(wait) => am.next_attempt_at = Set(now + wait),
            None => am.status = Set(DeliveryStatus::Failed),
        }
        am.update(&*txn).await?;
    }
    txn.commit().await
}

/// Counts by status, for the dashboard and `/metrics`.
pub async fn outbox_counts(store: &Store) -> Result<HashMap<DeliveryStatus, u64>> {
    let rows: Vec<(DeliveryStatus, i64)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Status)
        .column_as(outbox::Column::Id.count(), "n")
        .group_by(outbox::Column::Status)
        .into_tuple()
        .all(store.db())
        .await?;
    Ok(rows.into_iter().map(|(s, n)| (s, u64::try_from(n).unwrap_or(0))).collect())
}
