//! Go-live requests (上线申请, issue 14 rule 6; §四(一) of the notice: 先备案
//! 后上线). With `[registry] golive_approval`, a unit asks the center to put
//! its system online, sending the filing certificate (备案证明) for an
//! internet-facing one; an officer checks it and approves (the system goes
//! online through its gates) or refuses with a reason.

use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::notify::texts::{Message, line, t};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean, scope_condition};
use crate::platform::entity::attachment;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::platform::uploads::{self, Upload};
use crate::registry::entity::golive_request;
use crate::registry::entity::system;
use crate::registry::rules::gates::{self, Reason};
use crate::registry::{GoLiveState, Stage};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CertificateView {
    pub file_name: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct GoLiveView {
    pub id: i64,
    pub system_id: i64,
    pub system_name: String,
    pub internet_facing: bool,
    /// The system's stage now.
    pub system_stage: Stage,
    /// Owner unit code and name.
    pub unit: String,
    pub unit_name: String,
    pub state: GoLiveState,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub note: String,
    /// The filing certificate (备案证明), when one was sent.
    pub certificate: Option<CertificateView>,
    pub decided_by: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    /// The caller may approve or refuse it now.
    pub decidable: bool,
}

/// A go-live request. The filing certificate comes with a page's form, or
/// afterwards through `PUT /golive-requests/{id}/certificate`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoLiveInput {
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
    #[serde(skip)]
    pub certificate: Option<Upload>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoLiveDecision {
    /// Required to refuse: the unit reads why.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

async fn views(store: &Store, who: &Principal, rows: Vec<golive_request::Model>) -> Result<Vec<GoLiveView>> {
    let conn = store.db();
    let system_ids: Vec<i64> = rows.iter().map(|r| r.system_id).collect();
    let systems: HashMap<i64, system::Model> = system::Entity::find()
        .filter(system::Column::Id.is_in(system_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let units = crate::directory::service::units::by_ids(conn, rows.iter().map(|r| r.unit_id)).await?;
    let cert_ids: Vec<i64> = rows.iter().filter_map(|r| r.certificate_attachment_id).collect();
    let certs: HashMap<i64, attachment::Model> = attachment::Entity::find()
        .filter(attachment::Column::Id.is_in(cert_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let may_decide = who.may(Permission::DecideEnforcement);
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = systems.get(&r.system_id);
            let u = units.get(&r.unit_id);
            GoLiveView {
                id: r.id,
                system_id: r.system_id,
                system_name: s.map(|s| s.name.clone()).unwrap_or_default(),
                internet_facing: s.is_some_and(|s| s.internet_facing),
                system_stage: s.map_or(Stage::Planned, |s| s.stage),
                unit: u.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: u.map(|u| u.name.clone()).unwrap_or_default(),
                decidable: may_decide && r.state == GoLiveState::Pending,
                state: r.state,
                requested_by: r.requested_by,
                requested_at: r.requested_at,
                note: r.note,
                certificate: r
                    .certificate_attachment_id
                    .and_then(|id| certs.get(&id))
                    .map(|a| CertificateView { file_name: a.file_name.clone(), size: a.size }),
                decided_by: r.decided_by,
                decided_at: r.decided_at,
                decision_note: r.decision_note,
            }
        })
        .collect())
}

async fn find_visible<C: sea_orm::ConnectionTrait>(
    conn: &C,
    who: &Principal,
    id: i64,
) -> Result<golive_request::Model> {
    golive_request::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), golive_request::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

/// Requests in the caller's scope, newest first; `state` filters.
pub async fn list(
    store: &Store,
    who: &Principal,
    state: Option<GoLiveState>,
    page: PageRequest,
) -> Result<Page<GoLiveView>> {
    let mut q = golive_request::Entity::find().filter(scope_condition(&who.scope(), golive_request::Column::UnitId));
    if let Some(st) = state {
        q = q.filter(golive_request::Column::State.eq(st));
    }
    let total = q.clone().count(store.db()).await?;
    let rows = q
        .order_by_desc(golive_request::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(store.db())
        .await?;
    Ok(Page { items: views(store, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<GoLiveView> {
    let r = find_visible(store.db(), who, id).await?;
    views(store, who, vec![r]).await?.pop().ok_or(CoreError::NotFound)
}

/// The latest request of a system (for its page), if any.
pub async fn latest_for_system(store: &Store, who: &Principal, system_id: i64) -> Result<Option<GoLiveView>> {
    let r = golive_request::Entity::find()
        .filter(scope_condition(&who.scope(), golive_request::Column::UnitId))
        .filter(golive_request::Column::SystemId.eq(system_id))
        .order_by_desc(golive_request::Column::Id)
        .one(store.db())
        .await?;
    match r {
        Some(r) => Ok(views(store, who, vec![r]).await?.pop()),
        None => Ok(None),
    }
}

/// Pending requests in the caller's scope (the dashboard's tile).
pub async fn pending_count(store: &Store, who: &Principal) -> Result<u64> {
    Ok(golive_request::Entity::find()
        .filter(scope_condition(&who.scope(), golive_request::Column::UnitId))
        .filter(golive_request::Column::State.eq(GoLiveState::Pending))
        .count(store.db())
        .await?)
}

/// The unit asks to put its system online.
pub async fn request(store: &Store, who: &Principal, system_id: i64, input: GoLiveInput) -> Result<GoLiveView> {
    let txn = store.begin_write().await?;
    let s = system::Entity::find_by_id(system_id)
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .one(&*txn)
        .await?
        .ok_or(CoreError::NotFound)?;
    who.require(Permission::ManageSystems(s.unit_id))?;
    if !gates::is_step(s.stage, Stage::Online) {
        return Err(CoreError::GateFailed(vec![if s.stage == Stage::Shutdown {
            Reason::ShutdownOrderOnly
        } else {
            Reason::InvalidTransition
        }]));
    }
    let pending = golive_request::Entity::find()
        .filter(golive_request::Column::SystemId.eq(system_id))
        .filter(golive_request::Column::State.eq(GoLiveState::Pending))
        .one(&*txn)
        .await?;
    if pending.is_some() {
        return Err(CoreError::Conflict("golive_pending"));
    }
    let mut errors = Vec::new();
    let note = clean(&input.note, 2000).unwrap_or_else(|| {
        errors.push(FieldError::new("note", "too_long"));
        String::new()
    });
    let upload = input.certificate.as_ref().and_then(|up| uploads::check("certificate", up, &mut errors));
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let now = store.now();
    let certificate = match upload {
        Some((up, ct)) => Some(uploads::save(store, &*txn, who, up, ct).await?),
        None => None,
    };
    let r = golive_request::ActiveModel {
        system_id: Set(s.id),
        unit_id: Set(s.unit_id),
        state: Set(GoLiveState::Pending),
        requested_by: Set(who.username.clone()),
        requested_at: Set(now),
        note: Set(note.clone()),
        certificate_attachment_id: Set(certificate),
        decided_by: Set(String::new()),
        decided_at: Set(None),
        decision_note: Set(String::new()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let mut outbox = Outbox::new();
    let msg = Message::new("golive_requested", format!("/golive-requests/{}", r.id), |l| {
        let shown = if note.is_empty() { t(l, "none", &[]) } else { note.clone() };
        let body = [line(l, "system", &s.name), line(l, "requested_by", &who.username), line(l, "note", &shown)];
        (t(l, "golive.requested", &[("system", &s.name)]), body.join("\n"))
    });
    outbox.add(&*txn, now, Some(s.unit_id), &[Audience::Center], &msg).await?;
    outbox.flush(&*txn).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event("golive_request", "system", s.id, Some(s.unit_id))
            .with_after(json!({"request": r.id, "note": note, "certificate": certificate})),
    )
    .await?;
    txn.commit().await?;
    get(store, who, r.id).await
}

/// Attach (or replace) the filing certificate of a pending request.
pub async fn put_certificate(store: &Store, who: &Principal, id: i64, up: Upload) -> Result<GoLiveView> {
    let txn = store.begin_write().await?;
    let r = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageSystems(r.unit_id))?;
    if r.state != GoLiveState::Pending {
        return Err(CoreError::Conflict("golive_decided"));
    }
    let mut errors = Vec::new();
    let Some((up, ct)) = uploads::check("certificate", &up, &mut errors) else {
        if errors.is_empty() {
            errors.push(FieldError::new("certificate", "required"));
        }
        return Err(CoreError::Invalid(errors));
    };
    let att = uploads::save(store, &*txn, who, up, ct).await?;
    let mut am: golive_request::ActiveModel = r.clone().into();
    am.certificate_attachment_id = Set(Some(att));
    am.update(&*txn).await?;
    audit::append(
        &*txn,
        store.now(),
        &Actor::from(who),
        Change::event("golive_certificate", "system", r.system_id, Some(r.unit_id))
            .with_after(json!({"request": r.id, "certificate": att})),
    )
    .await?;
    txn.commit().await?;
    get(store, who, id).await
}

/// The certificate's file: (file name, content type, bytes).
pub async fn certificate(store: &Store, who: &Principal, id: i64) -> Result<(String, String, Vec<u8>)> {
    let r = find_visible(store.db(), who, id).await?;
    let a = attachment::Entity::find_by_id(r.certificate_attachment_id.ok_or(CoreError::NotFound)?)
        .one(store.db())
        .await?
        .ok_or(CoreError::NotFound)?;
    let bytes = store.attachments()?.get(&a.sha256)?;
    Ok((a.file_name, a.content_type, bytes))
}

/// The center approves (the system goes online, through its gates) or refuses (with a reason).
pub async fn decide(
    store: &Store,
    who: &Principal,
    id: i64,
    approve: bool,
    input: GoLiveDecision,
) -> Result<GoLiveView> {
    find_visible(store.db(), who, id).await?;
    who.require(Permission::DecideEnforcement)?;
    let note = clean(&input.note, 2000).ok_or_else(|| CoreError::invalid("note", "too_long"))?;
    if !approve && note.is_empty() {
        return Err(CoreError::invalid("note", "required"));
    }
    let txn = store.begin_write().await?;
    let r = find_visible(&*txn, who, id).await?;
    if r.state != GoLiveState::Pending {
        return Err(CoreError::Conflict("golive_decided"));
    }
    let s = system::Entity::find_by_id(r.system_id).one(&*txn).await?.ok_or(CoreError::NotFound)?;
    let now = store.now();
    if approve {
        if let Some(code) = gates::golive_missing(s.internet_facing, r.certificate_attachment_id.is_some()) {
            return Err(CoreError::Conflict(code));
        }
        let reasons = super::systems::online_reasons(store, &*txn, &s).await?;
        if !reasons.is_empty() {
            return Err(CoreError::GateFailed(reasons));
        }
        let mut am: system::ActiveModel = s.clone().into();
        super::systems::enter_stage(store, &mut am, &s, Stage::Online, now);
        am.update(&*txn).await?;
    }
    let state = if approve { GoLiveState::Approved } else { GoLiveState::Refused };
    let mut am: golive_request::ActiveModel = r.clone().into();
    am.state = Set(state);
    am.decided_by = Set(who.username.clone());
    am.decided_at = Set(Some(now));
    am.decision_note = Set(note.clone());
    am.update(&*txn).await?;
    let mut changes = vec![
        Change::event(if approve { "golive_approved" } else { "golive_refused" }, "system", s.id, Some(s.unit_id))
            .with_after(json!({"request": r.id, "note": note})),
    ];
    if approve {
        changes.push(Change {
            action: "transition",
            ..Change::updated(
                "system",
                s.id,
                Some(s.unit_id),
                json!({"stage": s.stage}),
                json!({"stage": Stage::Online}),
            )
        });
    }
    audit::append_many(&*txn, now, &Actor::from(who), changes).await?;
    let mut outbox = Outbox::new();
    let event = if approve { "golive_approved" } else { "golive_refused" };
    let msg = Message::new(event, format!("/systems/{}", s.id), |l| {
        let args = [("system", s.name.as_str())];
        let what = if approve { t(l, "golive.approved.body", &[]) } else { line(l, "reason", &note) };
        let subject = t(l, if approve { "golive.approved" } else { "golive.refused" }, &args);
        (subject, [line(l, "system", &s.name), what].join("\n"))
    });
    outbox.add(&*txn, now, Some(s.unit_id), &[Audience::Direct, Audience::Main, Audience::Unit], &msg).await?;
    outbox.flush(&*txn).await?;
    txn.commit().await?;
    get(store, who, id).await
}
