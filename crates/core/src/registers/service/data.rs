//! Personal data (§四(四)): the register of personal-information processing
//! per system, exported as a spreadsheet; and requests to provide personal
//! data outside the university, approved by the unit's head and then by
//! the center, each decision recorded.

use super::{required_field, system_names, unit_names};
use crate::notify::Audience;
use crate::notify::service::Outbox;
use crate::notify::texts::{Message, line, t};
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::{clean_field, scope_condition};
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::store::Store;
use crate::registers::entity::{data_request, personal_data};
use crate::registers::rules::{self, Approver, RequestState};
use crate::registry::entity::system;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonalDataInput {
    /// The system that processes the data.
    pub system_id: i64,
    /// The categories of personal information (姓名、身份证号、手机号…).
    #[schema(min_length = 1, max_length = 2000)]
    pub categories: String,
    /// Whose information (students, staff, alumni, visitors).
    #[schema(min_length = 1, max_length = 500)]
    pub subjects: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub purpose: String,
    /// How it is processed (collected, stored, used, shared…).
    #[schema(min_length = 1, max_length = 500)]
    pub method: String,
    /// How much (number of people, which groups).
    #[serde(default)]
    #[schema(max_length = 500)]
    pub scope: String,
    /// Where it is stored (the machine room, a cloud, a vendor).
    #[schema(min_length = 1, max_length = 500)]
    pub storage_place: String,
    /// How long it is kept.
    #[schema(min_length = 1, max_length = 200)]
    pub retention: String,
    /// The security measures (encryption, masking, access control, audit).
    #[schema(min_length = 1, max_length = 2000)]
    pub measures: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PersonalDataView {
    pub id: i64,
    pub system_id: i64,
    pub system_name: String,
    pub unit: String,
    pub unit_name: String,
    pub categories: String,
    pub subjects: String,
    pub purpose: String,
    pub method: String,
    pub scope: String,
    pub storage_place: String,
    pub retention: String,
    pub measures: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
    pub may_edit: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DataFilter {
    pub unit: Option<String>,
    pub system_id: Option<i64>,
}

async fn pd_views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    rows: Vec<personal_data::Model>,
) -> Result<Vec<PersonalDataView>> {
    let systems: std::collections::HashMap<i64, (i64, String)> = system::Entity::find()
        .select_only()
        .columns([system::Column::Id, system::Column::UnitId, system::Column::Name])
        .filter(system::Column::Id.is_in(rows.iter().map(|r| r.system_id).collect::<Vec<_>>()))
        .into_tuple::<(i64, i64, String)>()
        .all(conn)
        .await?
        .into_iter()
        .map(|(id, u, n)| (id, (u, n)))
        .collect();
    let units = unit_names(conn, systems.values().map(|s| s.0)).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (unit_id, system_name) = systems.get(&r.system_id).cloned().unwrap_or_default();
            let (unit, unit_name) = units.get(&unit_id).cloned().unwrap_or_default();
            PersonalDataView {
                id: r.id,
                system_id: r.system_id,
                system_name,
                unit,
                unit_name,
                categories: r.categories,
                subjects: r.subjects,
                purpose: r.purpose,
                method: r.method,
                scope: r.scope,
                storage_place: r.storage_place,
                retention: r.retention,
                measures: r.measures,
                updated_by: r.updated_by,
                updated_at: r.updated_at,
                may_edit: who.may(Permission::KeepRegisters(unit_id)),
            }
        })
        .collect())
}

/// The systems in scope (of one unit), as a subquery's ids.
async fn systems_in_scope<C: ConnectionTrait>(conn: &C, who: &Principal, unit_id: Option<i64>) -> Result<Vec<i64>> {
    let mut q = system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .filter(scope_condition(&who.scope(), system::Column::UnitId));
    if let Some(u) = unit_id {
        q = q.filter(system::Column::UnitId.eq(u));
    }
    Ok(q.into_tuple().all(conn).await?)
}

fn pd_query(ids: Vec<i64>, system_id: Option<i64>) -> sea_orm::Select<personal_data::Entity> {
    let mut q = personal_data::Entity::find().filter(personal_data::Column::SystemId.is_in(ids));
    if let Some(s) = system_id {
        q = q.filter(personal_data::Column::SystemId.eq(s));
    }
    q.order_by_asc(personal_data::Column::SystemId).order_by_asc(personal_data::Column::Id)
}

pub async fn list_register(
    store: &Store,
    who: &Principal,
    f: &DataFilter,
    page: PageRequest,
) -> Result<Page<PersonalDataView>> {
    let conn = store.db();
    let unit_id = super::filter_unit(conn, who, f.unit.as_deref()).await?;
    let q = pd_query(systems_in_scope(conn, who, unit_id).await?, f.system_id);
    let total = q.clone().count(conn).await?;
    let rows = q.offset(page.offset()).limit(page.per_page()).all(conn).await?;
    Ok(Page { items: pd_views(conn, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

/// The register as a sheet: headers and rows.
pub async fn register_rows(
    store: &Store,
    who: &Principal,
    f: &DataFilter,
) -> Result<(Vec<&'static str>, Vec<Vec<String>>)> {
    let conn = store.db();
    let unit_id = super::filter_unit(conn, who, f.unit.as_deref()).await?;
    let rows = pd_query(systems_in_scope(conn, who, unit_id).await?, f.system_id).all(conn).await?;
    let tz = store.notice_policy().time_zone;
    let rows = pd_views(conn, who, rows)
        .await?
        .into_iter()
        .map(|v| {
            vec![
                v.unit_name,
                v.system_name,
                v.categories,
                v.subjects,
                v.purpose,
                v.method,
                v.scope,
                v.storage_place,
                v.retention,
                v.measures,
                v.updated_by,
                v.updated_at.with_timezone(&tz).format("%Y-%m-%d").to_string(),
            ]
        })
        .collect();
    Ok((
        vec![
            "单位",
            "系统",
            "个人信息类别",
            "信息主体",
            "处理目的",
            "处理方式",
            "处理范围",
            "存储地点",
            "保存期限",
            "安全措施",
            "登记人",
            "更新日期",
        ],
        rows,
    ))
}

struct Checked {
    unit_id: i64,
    fields: [String; 8],
}

async fn check_entry<C: ConnectionTrait>(conn: &C, who: &Principal, input: &PersonalDataInput) -> Result<Checked> {
    let s = system::Entity::find_by_id(input.system_id)
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::invalid("system_id", "unknown_system"))?;
    who.require(Permission::KeepRegisters(s.unit_id))?;
    let mut e: Vec<FieldError> = Vec::new();
    let fields = [
        required_field(&mut e, "categories", &input.categories, 2000),
        required_field(&mut e, "subjects", &input.subjects, 500),
        required_field(&mut e, "purpose", &input.purpose, 2000),
        required_field(&mut e, "method", &input.method, 500),
        clean_field(&mut e, "scope", &input.scope, 500),
        required_field(&mut e, "storage_place", &input.storage_place, 500),
        required_field(&mut e, "retention", &input.retention, 200),
        required_field(&mut e, "measures", &input.measures, 2000),
    ];
    if !e.is_empty() {
        return Err(CoreError::Invalid(e));
    }
    Ok(Checked { unit_id: s.unit_id, fields })
}

fn pd_snapshot(system_id: i64, f: &[String; 8]) -> serde_json::Value {
    json!({"system_id": system_id, "categories": f[0], "subjects": f[1], "purpose": f[2], "method": f[3],
        "scope": f[4], "storage_place": f[5], "retention": f[6], "measures": f[7]})
}

fn fill(am: &mut personal_data::ActiveModel, f: [String; 8]) {
    let [categories, subjects, purpose, method, scope, storage_place, retention, measures] = f;
    am.categories = Set(categories);
    am.subjects = Set(subjects);
    am.purpose = Set(purpose);
    am.method = Set(method);
    am.scope = Set(scope);
    am.storage_place = Set(storage_place);
    am.retention = Set(retention);
    am.measures = Set(measures);
}

pub async fn create_entry(store: &Store, who: &Principal, input: PersonalDataInput) -> Result<PersonalDataView> {
    let txn = store.begin_write().await?;
    let c = check_entry(&*txn, who, &input).await?;
    let now = store.now();
    let after = pd_snapshot(input.system_id, &c.fields);
    let mut am = personal_data::ActiveModel {
        system_id: Set(input.system_id),
        updated_by: Set(who.username.clone()),
        updated_at: Set(now),
        ..Default::default()
    };
    fill(&mut am, c.fields);
    let r = am.insert(&*txn).await?;
    audit::append(&*txn, now, &Actor::from(who), Change::created("personal_data", r.id, Some(c.unit_id), after))
        .await?;
    let v = pd_views(&*txn, who, vec![r]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

async fn find_entry<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<(personal_data::Model, i64)> {
    let r = personal_data::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    let unit_id: i64 = system::Entity::find_by_id(r.system_id)
        .select_only()
        .column(system::Column::UnitId)
        .into_tuple()
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    who.require_visible(unit_id)?;
    Ok((r, unit_id))
}

pub async fn get_entry(store: &Store, who: &Principal, id: i64) -> Result<PersonalDataView> {
    let (r, _) = find_entry(store.db(), who, id).await?;
    pd_views(store.db(), who, vec![r]).await?.pop().ok_or(CoreError::NotFound)
}

/// Replace an entry (it may move to another system of the caller's).
pub async fn update_entry(
    store: &Store,
    who: &Principal,
    id: i64,
    input: PersonalDataInput,
) -> Result<PersonalDataView> {
    let txn = store.begin_write().await?;
    let (r, unit_id) = find_entry(&*txn, who, id).await?;
    who.require(Permission::KeepRegisters(unit_id))?;
    let c = check_entry(&*txn, who, &input).await?;
    let before = pd_snapshot(
        r.system_id,
        &[
            r.categories.clone(),
            r.subjects.clone(),
            r.purpose.clone(),
            r.method.clone(),
            r.scope.clone(),
            r.storage_place.clone(),
            r.retention.clone(),
            r.measures.clone(),
        ],
    );
    let after = pd_snapshot(input.system_id, &c.fields);
    let now = store.now();
    let mut am: personal_data::ActiveModel = r.into();
    am.system_id = Set(input.system_id);
    am.updated_by = Set(who.username.clone());
    am.updated_at = Set(now);
    fill(&mut am, c.fields);
    let r = am.update(&*txn).await?;
    audit::append(&*txn, now, &Actor::from(who), Change::updated("personal_data", id, Some(c.unit_id), before, after))
        .await?;
    let v = pd_views(&*txn, who, vec![r]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// Remove an entry (the processing ended); the audit log keeps what it said.
pub async fn delete_entry(store: &Store, who: &Principal, id: i64) -> Result<()> {
    let txn = store.begin_write().await?;
    let (r, unit_id) = find_entry(&*txn, who, id).await?;
    who.require(Permission::KeepRegisters(unit_id))?;
    let before =
        json!({"system_id": r.system_id, "categories": r.categories, "subjects": r.subjects, "purpose": r.purpose});
    personal_data::Entity::delete_by_id(id).exec(&*txn).await?;
    audit::append(&*txn, store.now(), &Actor::from(who), Change::deleted("personal_data", id, Some(unit_id), before))
        .await?;
    txn.commit().await?;
    Ok(())
}

// ---- Requests to provide personal data outside the university ----

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataRequestInput {
    /// The unit's code.
    #[schema(min_length = 1, max_length = 32)]
    pub unit: String,
    /// The system the data comes from, if one.
    #[serde(default)]
    pub system_id: Option<i64>,
    /// Who receives the data.
    #[schema(min_length = 1, max_length = 200)]
    pub recipient: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub purpose: String,
    /// Which fields are provided.
    #[schema(min_length = 1, max_length = 2000)]
    pub fields: String,
    /// The legal basis (consent, a statute, a contract…).
    #[schema(min_length = 1, max_length = 2000)]
    pub legal_basis: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestDecision {
    pub approve: bool,
    /// Why (required for a refusal).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DataRequestView {
    pub id: i64,
    pub unit: String,
    pub unit_name: String,
    pub system_id: Option<i64>,
    pub system_name: String,
    pub recipient: String,
    pub purpose: String,
    pub fields: String,
    pub legal_basis: String,
    pub state: RequestState,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub leader_by: String,
    pub leader_at: Option<DateTime<Utc>>,
    pub leader_note: String,
    pub center_by: String,
    pub center_at: Option<DateTime<Utc>>,
    pub center_note: String,
    /// The caller decides the request's current step.
    pub may_decide: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestFilter {
    pub unit: Option<String>,
    pub state: Option<RequestState>,
}

fn may_decide(who: &Principal, r: &data_request::Model) -> bool {
    match rules::approver(r.state) {
        Some(Approver::UnitLeader) => who.may(Permission::ApproveDataRequest(r.unit_id)),
        Some(Approver::Center) => who.may(Permission::ManageReadiness),
        None => false,
    }
}

async fn request_views<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    rows: Vec<data_request::Model>,
) -> Result<Vec<DataRequestView>> {
    let units = unit_names(conn, rows.iter().map(|r| r.unit_id)).await?;
    let systems = system_names(conn, rows.iter().filter_map(|r| r.system_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (unit, unit_name) = units.get(&r.unit_id).cloned().unwrap_or_default();
            DataRequestView {
                may_decide: may_decide(who, &r),
                unit,
                unit_name,
                system_name: r.system_id.and_then(|s| systems.get(&s).cloned()).unwrap_or_default(),
                id: r.id,
                system_id: r.system_id,
                recipient: r.recipient,
                purpose: r.purpose,
                fields: r.fields,
                legal_basis: r.legal_basis,
                state: r.state,
                requested_by: r.requested_by,
                requested_at: r.requested_at,
                leader_by: r.leader_by,
                leader_at: r.leader_at,
                leader_note: r.leader_note,
                center_by: r.center_by,
                center_at: r.center_at,
                center_note: r.center_note,
            }
        })
        .collect())
}

pub async fn list_requests(
    store: &Store,
    who: &Principal,
    f: &RequestFilter,
    page: PageRequest,
) -> Result<Page<DataRequestView>> {
    let conn = store.db();
    let mut q = data_request::Entity::find().filter(scope_condition(&who.scope(), data_request::Column::UnitId));
    if let Some(u) = super::filter_unit(conn, who, f.unit.as_deref()).await? {
        q = q.filter(data_request::Column::UnitId.eq(u));
    }
    if let Some(s) = f.state {
        q = q.filter(data_request::Column::State.eq(s));
    }
    let total = q.clone().count(conn).await?;
    let rows = q
        .order_by_desc(data_request::Column::RequestedAt)
        .order_by_desc(data_request::Column::Id)
        .offset(page.offset())
        .limit(page.per_page())
        .all(conn)
        .await?;
    Ok(Page { items: request_views(conn, who, rows).await?, total, page: page.page(), per_page: page.per_page() })
}

async fn find_request<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<data_request::Model> {
    let r = data_request::Entity::find_by_id(id).one(conn).await?.ok_or(CoreError::NotFound)?;
    who.require_visible(r.unit_id)?;
    Ok(r)
}

pub async fn get_request(store: &Store, who: &Principal, id: i64) -> Result<DataRequestView> {
    let r = find_request(store.db(), who, id).await?;
    request_views(store.db(), who, vec![r]).await?.pop().ok_or(CoreError::NotFound)
}

/// A unit asks to provide personal data outside the university; its head is told.
pub async fn create_request(store: &Store, who: &Principal, input: DataRequestInput) -> Result<DataRequestView> {
    let txn = store.begin_write().await?;
    let unit =
        super::owner_unit(&*txn, who, &input.unit, false).await?.ok_or(CoreError::invalid("unit", "required"))?;
    let mut e = Vec::new();
    let recipient = required_field(&mut e, "recipient", &input.recipient, 200);
    let purpose = required_field(&mut e, "purpose", &input.purpose, 2000);
    let fields = required_field(&mut e, "fields", &input.fields, 2000);
    let legal_basis = required_field(&mut e, "legal_basis", &input.legal_basis, 2000);
    if let Some(sid) = input.system_id {
        let found = system::Entity::find_by_id(sid).one(&*txn).await?;
        if found.is_none_or(|s| s.unit_id != unit.id) {
            e.push(FieldError::new("system_id", "unknown_system"));
        }
    }
    if !e.is_empty() {
        return Err(CoreError::Invalid(e));
    }
    let now = store.now();
    let r = data_request::ActiveModel {
        unit_id: Set(unit.id),
        system_id: Set(input.system_id),
        recipient: Set(recipient.clone()),
        purpose: Set(purpose.clone()),
        fields: Set(fields.clone()),
        legal_basis: Set(legal_basis.clone()),
        state: Set(RequestState::PendingLeader),
        requested_by: Set(who.username.clone()),
        requested_at: Set(now),
        leader_by: Set(String::new()),
        leader_at: Set(None),
        leader_note: Set(String::new()),
        center_by: Set(String::new()),
        center_at: Set(None),
        center_note: Set(String::new()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let msg = Message::new("data_request", format!("/data-requests/{}", r.id), |l| {
        let subject = t(l, "data_request.submitted", &[("recipient", recipient.as_str())]);
        let body =
            [line(l, "unit", &unit.name), t(l, "data_request.submitted.body", &[("recipient", recipient.as_str())])]
                .join("\n");
        (subject, body)
    });
    let mut outbox = Outbox::new();
    outbox.add(&*txn, now, Some(unit.id), &[Audience::Main, Audience::First], &msg).await?;
    outbox.flush(&*txn).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::created(
            "data_request",
            r.id,
            Some(unit.id),
            json!({"recipient": recipient, "purpose": purpose, "fields": fields, "legal_basis": legal_basis,
                "system_id": input.system_id, "state": RequestState::PendingLeader}),
        ),
    )
    .await?;
    let v = request_views(&*txn, who, vec![r]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}

/// Decide a request's current step: the unit's head, then the center.
pub async fn decide(store: &Store, who: &Principal, id: i64, input: RequestDecision) -> Result<DataRequestView> {
    let txn = store.begin_write().await?;
    let r = find_request(&*txn, who, id).await?;
    let Some(step) = rules::approver(r.state) else {
        return Err(CoreError::Conflict("request_decided"));
    };
    match step {
        Approver::UnitLeader => who.require(Permission::ApproveDataRequest(r.unit_id))?,
        Approver::Center => who.require(Permission::ManageReadiness)?,
    }
    let mut e = Vec::new();
    let note = clean_field(&mut e, "note", &input.note, 2000);
    if !input.approve && note.is_empty() && e.is_empty() {
        e.push(FieldError::new("note", "required"));
    }
    if !e.is_empty() {
        return Err(CoreError::Invalid(e));
    }
    let next = rules::after_decision(r.state, input.approve).ok_or(CoreError::Conflict("request_decided"))?;
    let now = store.now();
    let unit_id = r.unit_id;
    let recipient = r.recipient.clone();
    let mut am: data_request::ActiveModel = r.into();
    am.state = Set(next);
    match step {
        Approver::UnitLeader => {
            am.leader_by = Set(who.username.clone());
            am.leader_at = Set(Some(now));
            am.leader_note = Set(note.clone());
        }
        Approver::Center => {
            am.center_by = Set(who.username.clone());
            am.center_at = Set(Some(now));
            am.center_note = Set(note.clone());
        }
    }
    let r = am.update(&*txn).await?;
    let unit_name = unit_names(&*txn, [unit_id]).await?.remove(&unit_id).map(|u| u.1).unwrap_or_default();
    let mut outbox = Outbox::new();
    if next == RequestState::PendingCenter {
        let msg = Message::new("data_request", format!("/data-requests/{id}"), |l| {
            let subject =
                t(l, "data_request.to_center", &[("unit", unit_name.as_str()), ("recipient", recipient.as_str())]);
            (subject, t(l, "data_request.to_center.body", &[]))
        });
        outbox.add(&*txn, now, Some(unit_id), &[Audience::Center], &msg).await?;
    } else {
        let approved = next == RequestState::Approved;
        let msg = Message::new("data_request", format!("/data-requests/{id}"), |l| {
            let result = t(l, if approved { "data_request.approved" } else { "data_request.refused" }, &[]);
            let subject =
                t(l, "data_request.decided", &[("recipient", recipient.as_str()), ("result", result.as_str())]);
            (subject, note.clone())
        });
        outbox.add(&*txn, now, Some(unit_id), &[Audience::Direct, Audience::Unit], &msg).await?;
    }
    outbox.flush(&*txn).await?;
    audit::append(
        &*txn,
        now,
        &Actor::from(who),
        Change::event(if input.approve { "approve" } else { "refuse" }, "data_request", id, Some(unit_id))
            .with_after(json!({"state": next, "note": note})),
    )
    .await?;
    let v = request_views(&*txn, who, vec![r]).await?.pop().ok_or(CoreError::NotFound)?;
    txn.commit().await?;
    Ok(v)
}
