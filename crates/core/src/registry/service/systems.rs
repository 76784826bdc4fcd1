//! The registry of information systems (信息系统/网站): registration, filing
//! (备案), protections, MLPS (等级保护) and the life cycle with its gates.

use crate::directory::entity::responsibility;
use crate::directory::entity::unit;
use crate::directory::service::units::resolve_code;
use crate::platform::access::{Permission, Principal};
use crate::platform::audit::{self, Actor, Change};
use crate::platform::common::check_choice;
use crate::platform::common::clean;
use crate::platform::common::scope_condition;
use crate::platform::entity::attachment;
use crate::platform::error::{CoreError, FieldError, Result};
use crate::platform::page::{Page, PageRequest};
use crate::platform::site_url::SiteUrl;
use crate::platform::store::Store;
use crate::platform::uploads::Upload;
use crate::registry::entity::mlps_evaluation;
use crate::registry::entity::protection;
use crate::registry::entity::system;
use crate::registry::rules::gates::{self, Reason, SystemFacts};
use crate::registry::rules::mlps::{DueState, due_state};
use crate::registry::{EvaluationResult, FilingStatus, Hosting, ProtectionKind, Stage, SystemKind};
use chrono::{Duration, NaiveDate};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

const MAX_LIST_ITEMS: usize = 50;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FilingView {
    pub status: FilingStatus,
    pub public_security_no: String,
    pub icp_no: String,
    pub filed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct MlpsView {
    pub level: Option<i32>,
    pub graded_on: Option<NaiveDate>,
    pub filing_no: String,
    pub filed_on: Option<NaiveDate>,
    pub evaluation_due_on: Option<NaiveDate>,
    pub evaluation: DueState,
    /// The day the system first went online.
    pub went_online_on: Option<NaiveDate>,
    /// When the MLPS filing number is due (art. 15: 30 days after grading or
    /// going online); `None` once it is recorded or when none is needed.
    pub filing_due_on: Option<NaiveDate>,
    /// The filing number is past due.
    pub filing_overdue: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SystemView {
    pub id: i64,
    pub name: String,
    pub kind: SystemKind,
    /// Owner unit (主管单位) code.
    pub unit: String,
    pub unit_name: String,
    pub urls: Vec<String>,
    /// Host names of the URLs.
    pub domains: Vec<String>,
    pub ips: Vec<String>,
    pub internet_facing: bool,
    pub important: bool,
    pub operator_unit: Option<String>,
    pub operator_vendor: String,
    pub operator_contact: String,
    pub users: String,
    pub hosting: Hosting,
    pub tags: Vec<String>,
    pub notes: String,
    pub stage: Stage,
    pub filing: FilingView,
    pub mlps: MlpsView,
    pub override_note: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ProtectionView {
    pub kind: ProtectionKind,
    pub product: String,
    pub since: Option<NaiveDate>,
    pub notes: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct EvaluationView {
    pub id: i64,
    pub agency: String,
    pub evaluated_on: NaiveDate,
    pub result: EvaluationResult,
    pub score: Option<f64>,
    pub rectification_items: Vec<String>,
    /// The evaluation report's file name and size, when one was attached.
    pub report: Option<ReportView>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
#[schema(as = EvaluationReport)]
pub struct ReportView {
    pub file_name: String,
    pub size: i64,
}

/// A possible next stage and what stands in its way.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct NextStep {
    pub to: Stage,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SystemDetail {
    #[serde(flatten)]
    pub system: SystemView,
    pub protections: Vec<ProtectionView>,
    pub required_protections: Vec<ProtectionKind>,
    pub evaluations: Vec<EvaluationView>,
    pub next_steps: Vec<NextStep>,
    /// What the caller may do next on it.
    pub actions: gates::SystemActions,
    /// The latest go-live request (上线申请), if any.
    pub golive: Option<super::golive::GoLiveView>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemInput {
    #[schema(min_length = 1, pattern = "\\S", max_length = 200)]
    pub name: String,
    #[schema(value_type = SystemKind)]
    pub kind: String,
    pub unit: String,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub urls: Vec<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub ips: Vec<String>,
    #[serde(default)]
    pub internet_facing: bool,
    #[serde(default)]
    pub important: bool,
    #[serde(default)]
    pub operator_unit: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub operator_vendor: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub operator_contact: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub users: String,
    #[serde(default)]
    #[schema(value_type = Option<Hosting>)]
    pub hosting: Option<String>,
    #[serde(default)]
    #[schema(max_items = 50)]
    pub tags: Vec<String>,
    #[serde(default)]
    #[schema(max_length = 5000)]
    pub notes: String,
    /// Take addresses another system holds: they are removed from it (whoever
    /// may manage that system, i.e. the network center; audited on both).
    #[serde(default)]
    pub move_urls: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemPatch {
    #[schema(value_type = Option<String>, min_length = 1, pattern = "\\S", max_length = 200)]
    pub name: Option<String>,
    #[schema(value_type = Option<SystemKind>)]
    pub kind: Option<String>,
    pub unit: Option<String>,
    #[schema(max_items = 50)]
    pub urls: Option<Vec<String>>,
    #[schema(max_items = 50)]
    pub ips: Option<Vec<String>>,
    pub internet_facing: Option<bool>,
    pub important: Option<bool>,
    #[serde(default, with = "crate::platform::common::double_option")]
    pub operator_unit: Option<Option<String>>,
    #[schema(max_length = 200)]
    pub operator_vendor: Option<String>,
    #[schema(max_length = 200)]
    pub operator_contact: Option<String>,
    #[schema(max_length = 200)]
    pub users: Option<String>,
    #[schema(value_type = Option<Hosting>)]
    pub hosting: Option<String>,
    #[schema(max_items = 50)]
    pub tags: Option<Vec<String>>,
    #[schema(max_length = 5000)]
    pub notes: Option<String>,
    /// As in `SystemInput`: take the named addresses from the system that holds them.
    #[serde(default)]
    pub move_urls: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemFilter {
    pub unit: Option<String>,
    pub stage: Option<String>,
    pub level: Option<i32>,
    pub filing: Option<String>,
    pub internet_facing: Option<bool>,
    pub important: Option<bool>,
    /// `overdue` or `due_soon` (which includes overdue).
    pub evaluation: Option<String>,
    /// `overdue`: level 2 and above without an MLPS filing number past its day (art. 15).
    pub mlps_filing: Option<String>,
    /// Substring of the name or a URL.
    pub q: Option<String>,
    /// `name` (default), `stage`, `updated`, `due`; prefix `-` for descending.
    pub sort: Option<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingInput {
    #[schema(value_type = FilingStatus)]
    pub status: String,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub public_security_no: String,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub icp_no: String,
    #[serde(default, deserialize_with = "crate::platform::common::blank_as_none")]
    pub filed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProtectionInput {
    #[schema(value_type = ProtectionKind)]
    pub kind: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub product: String,
    #[serde(default, deserialize_with = "crate::platform::common::blank_as_none")]
    pub since: Option<NaiveDate>,
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub notes: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MlpsInput {
    #[schema(minimum = 1, maximum = 5)]
    pub level: Option<i32>,
    #[serde(default, deserialize_with = "crate::platform::common::blank_as_none")]
    pub graded_on: Option<NaiveDate>,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub filing_no: String,
    #[serde(default, deserialize_with = "crate::platform::common::blank_as_none")]
    pub filed_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    #[schema(min_length = 1, pattern = "\\S", max_length = 200)]
    pub agency: String,
    pub evaluated_on: NaiveDate,
    #[schema(value_type = EvaluationResult)]
    pub result: String,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub score: Option<f64>,
    #[serde(default)]
    pub rectification_items: Vec<String>,
    /// The evaluation report (from a page's upload; the JSON API sends none).
    #[serde(skip)]
    pub report: Option<Upload>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    #[schema(value_type = Stage)]
    pub to: String,
    /// Admins only: move past failed gates, with this written reason.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub override_reason: Option<String>,
}

// ---- pure helpers -------------------------------------------------------

fn join(list: &[String]) -> String {
    list.join("\n")
}

pub(crate) fn split(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The host of an `http(s)://` URL, lower-cased; `None` when it is not one.
/// The host of a site's address, lowercase; `None` when it is not one.
pub fn url_host(url: &str) -> Option<String> {
    SiteUrl::parse(url).ok().map(|u| u.host())
}

pub fn valid_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 32
        && t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._+-".contains(c))
}

/// Normalize and check list fields; errors name the field.
fn clean_lists(
    urls: &[String],
    ips: &[String],
    tags: &[String],
    errors: &mut Vec<FieldError>,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut urls: Vec<String> = urls.iter().map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()).collect();
    if urls.len() > MAX_LIST_ITEMS || urls.iter().any(|u| SiteUrl::parse(u).is_err()) {
        errors.push(FieldError::new("urls", "url_format"));
    } else {
        // Kept as parsed: host lowercase, default port dropped, no fragment.
        urls = urls.iter().filter_map(|u| SiteUrl::parse(u).ok()).map(|u| u.normalized()).collect();
        let mut seen = std::collections::HashSet::new();
        urls.retain(|u| SiteUrl::parse(u).is_ok_and(|p| seen.insert(p.key())));
    }
    let ips: Vec<String> = ips.iter().map(|i| i.trim().to_owned()).filter(|i| !i.is_empty()).collect();
    if ips.len() > MAX_LIST_ITEMS || ips.iter().any(|i| i.parse::<std::net::IpAddr>().is_err()) {
        errors.push(FieldError::new("ips", "ip_format"));
    }
    let mut tags: Vec<String> = tags.iter().map(|t| t.trim().to_ascii_lowercase()).filter(|t| !t.is_empty()).collect();
    tags.sort();
    tags.dedup();
    if tags.len() > MAX_LIST_ITEMS || !tags.iter().all(|t| valid_tag(t)) {
        errors.push(FieldError::new("tags", "tag_format"));
    }
    (urls, ips, tags)
}

/// The checks of `create` that a spreadsheet row needs too; returns the cleaned lists.
pub(crate) fn check_inventory_fields(
    r: &crate::registry::rules::inventory::InventoryRow,
    errors: &mut Vec<FieldError>,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    check_text(errors, "name", &r.name, 200, true);
    for (field, value) in
        [("operator_vendor", &r.operator_vendor), ("operator_contact", &r.operator_contact), ("users", &r.users)]
    {
        check_text(errors, field, value, 200, false);
    }
    for (field, value) in
        [("public_security_no", &r.public_security_no), ("icp_no", &r.icp_no), ("mlps_filing_no", &r.mlps_filing_no)]
    {
        check_text(errors, field, value, 64, false);
    }
    check_text(errors, "notes", &r.notes, 5000, false);
    clean_lists(&r.urls, &r.ips, &r.tags, errors)
}

/// A free-text field: required or not, and at most `max` characters.
pub(crate) fn check_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize, required: bool) {
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, "required"));
    } else if clean(value, max).is_none() {
        errors.push(FieldError::new(field, "too_long"));
    }
}

/// The comparable forms (`SiteUrl::key`) of a system's addresses.
pub(crate) fn url_keys(urls: &[String]) -> Vec<String> {
    urls.iter().filter_map(|u| SiteUrl::parse(u).ok()).map(|u| u.key()).collect()
}

/// Refuse addresses that another system holds, in any unit: one address,
/// one system (else a unit could register another's site and read its
/// monitor's findings). `except` is the system being changed. With `take`,
/// whoever may manage the holder (the network center) moves them instead:
/// they are removed from the holder (its filing then needs updating), and
/// the holder's changes are returned for the audit log.
async fn check_urls_free<C: ConnectionTrait>(
    conn: &C,
    who: &Principal,
    urls: &[String],
    except: Option<i64>,
    take: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Change>> {
    let wanted = url_keys(urls);
    let mut moved = Vec::new();
    if wanted.is_empty() {
        return Ok(moved);
    }
    let mut hosts: Vec<String> = urls.iter().filter_map(|u| url_host(u)).collect();
    hosts.sort();
    hosts.dedup();
    let mut near = sea_orm::Condition::any();
    for h in &hosts {
        near = near.add(system::Column::Urls.contains(h.as_str()));
    }
    let candidates = system::Entity::find().filter(near).all(conn).await?;
    for other in candidates.into_iter().filter(|o| Some(o.id) != except) {
        let theirs = split(&other.urls);
        let Some(k) = url_keys(&theirs).into_iter().find(|k| wanted.contains(k)) else { continue };
        if !(take && who.may(Permission::ManageSystems(other.unit_id))) {
            let unit = unit::Entity::find_by_id(other.unit_id).one(conn).await?.map(|u| u.name).unwrap_or_default();
            return Err(CoreError::UrlTaken { url: k, unit, system: other.name });
        }
        let kept: Vec<String> =
            theirs.into_iter().filter(|u| SiteUrl::parse(u).map_or(true, |p| !wanted.contains(&p.key()))).collect();
        let before = snapshot(&other);
        let (id, unit_id) = (other.id, other.unit_id);
        let filing = gates::filing_after_change(other.filing_status, true);
        let mut am: system::ActiveModel = other.into();
        am.urls = Set(join(&kept));
        am.filing_status = Set(filing);
        am.updated_at = Set(now);
        let after = am.update(conn).await?;
        moved.push(Change::updated("system", id, Some(unit_id), before, snapshot(&after)).with_action("urls_moved"));
    }
    Ok(moved)
}

// ---- reading ------------------------------------------------------------

struct Units(HashMap<i64, unit::Model>);

impl Units {
    async fn load<C: ConnectionTrait>(conn: &C, ids: Vec<i64>) -> Result<Units> {
        Ok(Units(crate::directory::service::units::by_ids(conn, ids).await?))
    }
    fn code(&self, id: i64) -> String {
        self.0.get(&id).map(|u| u.code.clone()).unwrap_or_default()
    }
    fn name(&self, id: i64) -> String {
        self.0.get(&id).map(|u| u.name.clone()).unwrap_or_default()
    }
}

fn view(store: &Store, m: system::Model, units: &Units) -> SystemView {
    let today = store.now().date_naive();
    let urls = split(&m.urls);
    let mut domains: Vec<String> = urls.iter().filter_map(|u| url_host(u)).collect();
    domains.dedup();
    SystemView {
        unit: units.code(m.unit_id),
        unit_name: units.name(m.unit_id),
        operator_unit: m.operator_unit_id.map(|id| units.code(id)),
        urls,
        domains,
        ips: split(&m.ips),
        tags: split(&m.tags),
        filing: FilingView {
            status: m.filing_status,
            public_security_no: m.public_security_no,
            icp_no: m.icp_no,
            filed_on: m.filed_on,
        },
        mlps: MlpsView {
            level: m.mlps_level,
            graded_on: m.mlps_graded_on,
            filing_no: m.mlps_filing_no,
            filed_on: m.mlps_filed_on,
            evaluation_due_on: m.evaluation_due_on,
            evaluation: due_state(today, m.evaluation_due_on, &store.registry_policy().evaluations),
            went_online_on: m.went_online_on,
            filing_due_on: m.mlps_filing_due_on,
            filing_overdue: m.mlps_filing_due_on.is_some_and(|d| d < today),
        },
        id: m.id,
        name: m.name,
        kind: m.kind,
        internet_facing: m.internet_facing,
        important: m.important,
        operator_vendor: m.operator_vendor,
        operator_contact: m.operator_contact,
        users: m.users,
        hosting: m.hosting,
        notes: m.notes,
        stage: m.stage,
        override_note: m.override_note,
    }
}

/// A system's history (the latest 100 changes), for whoever may see the system.
pub async fn history(store: &Store, who: &Principal, id: i64) -> Result<Vec<audit::AuditView>> {
    find_visible(store.db(), who, id).await?;
    audit::history(store.db(), "system", id, 100).await
}

async fn find_visible<C: ConnectionTrait>(conn: &C, who: &Principal, id: i64) -> Result<system::Model> {
    system::Entity::find_by_id(id)
        .filter(scope_condition(&who.scope(), system::Column::UnitId))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)
}

/// The filtered list as a query (scope applied, not yet ordered), for lists and exports.
pub async fn filtered_query(
    store: &Store,
    who: &Principal,
    f: &SystemFilter,
) -> Result<Option<sea_orm::Select<system::Entity>>> {
    let mut cond = scope_condition(&who.scope(), system::Column::UnitId);
    if let Some(code) = f.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match crate::directory::service::units::find_visible(store.db(), who, code).await {
            Ok(u) => cond = cond.add(system::Column::UnitId.eq(u.id)),
            Err(CoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    if let Some(v) = f.stage.as_deref().filter(|s| !s.is_empty()) {
        cond = cond.add(system::Column::Stage.eq(v));
    }
    if let Some(v) = f.level {
        cond = cond.add(system::Column::MlpsLevel.eq(v));
    }
    if let Some(v) = f.filing.as_deref().filter(|s| !s.is_empty()) {
        cond = cond.add(system::Column::FilingStatus.eq(v));
    }
    if let Some(v) = f.internet_facing {
        cond = cond.add(system::Column::InternetFacing.eq(v));
    }
    if let Some(v) = f.important {
        cond = cond.add(system::Column::Important.eq(v));
    }
    let today = store.now().date_naive();
    match f.evaluation.as_deref().and_then(DueState::parse) {
        Some(DueState::Overdue) => cond = cond.add(system::Column::EvaluationDueOn.lt(today)),
        Some(DueState::DueSoon) => {
            let horizon = today + Duration::days(store.registry_policy().evaluations.warn_days);
            cond = cond.add(system::Column::EvaluationDueOn.lte(horizon));
        }
        _ => {}
    }
    if f.mlps_filing.as_deref() == Some(DueState::Overdue.as_str()) {
        cond = cond.add(system::Column::MlpsFilingDueOn.lt(today));
    }
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        cond = cond
            .add(Condition::any().add(system::Column::Name.contains(text)).add(system::Column::Urls.contains(text)));
    }
    Ok(Some(system::Entity::find().filter(cond)))
}

/// The list's order (`sort`), with the id as the tie-breaker.
pub fn ordered(q: sea_orm::Select<system::Entity>, sort: Option<&str>) -> sea_orm::Select<system::Entity> {
    let (col, desc) = match sort.unwrap_or("name") {
        s if s.starts_with('-') => (s.trim_start_matches('-'), true),
        s => (s, false),
    };
    let column = match col {
        "stage" => system::Column::Stage,
        "updated" => system::Column::UpdatedAt,
        "due" => system::Column::EvaluationDueOn,
        "unit" => system::Column::UnitId,
        _ => system::Column::Name,
    };
    // The tie-breaker follows the main order, so one index can serve both.
    if desc {
        q.order_by_desc(column).order_by_desc(system::Column::Id)
    } else {
        q.order_by_asc(column).order_by_asc(system::Column::Id)
    }
}

pub async fn list(store: &Store, who: &Principal, f: &SystemFilter, page: PageRequest) -> Result<Page<SystemView>> {
    let empty = Page { items: vec![], total: 0, page: page.page(), per_page: page.per_page() };
    let Some(q) = filtered_query(store, who, f).await? else { return Ok(empty) };
    let conn = store.db();
    // Counted before ordering: an ORDER BY inside the count would sort every match.
    let total = q.clone().count(conn).await?;
    let models = ordered(q, f.sort.as_deref()).offset(page.offset()).limit(page.per_page()).all(conn).await?;
    let mut unit_ids: Vec<i64> = models.iter().map(|m| m.unit_id).collect();
    unit_ids.extend(models.iter().filter_map(|m| m.operator_unit_id));
    let units = Units::load(conn, unit_ids).await?;
    let items = models.into_iter().map(|m| view(store, m, &units)).collect();
    Ok(Page { items, total, page: page.page(), per_page: page.per_page() })
}

/// Whether a unit has named all three responsible persons.
async fn has_responsibles<C: ConnectionTrait>(conn: &C, unit_id: i64) -> Result<bool> {
    let n = responsibility::Entity::find().filter(responsibility::Column::UnitId.eq(unit_id)).count(conn).await?;
    Ok(n >= 3)
}

async fn protections_of<C: ConnectionTrait>(conn: &C, system_id: i64) -> Result<Vec<protection::Model>> {
    Ok(protection::Entity::find()
        .filter(protection::Column::SystemId.eq(system_id))
        .order_by_asc(protection::Column::Kind)
        .all(conn)
        .await?)
}

/// Every reason the system cannot move to `to` now.
/// Why the gates would refuse `m` going online now (empty when they allow it).
pub(crate) async fn online_reasons<C: ConnectionTrait>(
    store: &Store,
    conn: &C,
    m: &system::Model,
) -> Result<Vec<Reason>> {
    reasons_for(store, conn, m, Stage::Online).await
}

async fn reasons_for<C: ConnectionTrait>(store: &Store, conn: &C, m: &system::Model, to: Stage) -> Result<Vec<Reason>> {
    let prots = protections_of(conn, m.id).await?;
    let facts = SystemFacts {
        kind: m.kind,
        stage: m.stage,
        internet_facing: m.internet_facing,
        filing_status: m.filing_status,
        has_public_security_no: !m.public_security_no.trim().is_empty(),
        mlps_level: m.mlps_level,
        protections: prots.iter().map(|p| p.kind).collect(),
        owner_has_responsibles: has_responsibles(conn, m.unit_id).await?,
    };
    Ok(gates::check_transition(&facts, to, &store.registry_policy().gates))
}

pub async fn get(store: &Store, who: &Principal, id: i64) -> Result<SystemDetail> {
    let conn = store.db();
    let m = find_visible(conn, who, id).await?;
    let prots = protections_of(conn, m.id).await?;
    let rows = mlps_evaluation::Entity::find()
        .filter(mlps_evaluation::Column::SystemId.eq(m.id))
        .order_by_desc(mlps_evaluation::Column::EvaluatedOn)
        .all(conn)
        .await?;
    let report_ids: Vec<i64> = rows.iter().filter_map(|e| e.report_attachment_id).collect();
    let reports: HashMap<i64, attachment::Model> = if report_ids.is_empty() {
        HashMap::new()
    } else {
        attachment::Entity::find()
            .filter(attachment::Column::Id.is_in(report_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect()
    };
    let evaluations = rows
        .into_iter()
        .map(|e| EvaluationView {
            report: e
                .report_attachment_id
                .and_then(|id| reports.get(&id))
                .map(|a| ReportView { file_name: a.file_name.clone(), size: a.size }),
            id: e.id,
            agency: e.agency,
            evaluated_on: e.evaluated_on,
            result: e.result,
            score: e.score,
            rectification_items: split(&e.rectification_items),
        })
        .collect();
    let mut next_steps = Vec::new();
    for &to in Stage::ALL {
        if gates::is_step(m.stage, to) {
            let reasons = reasons_for(store, conn, &m, to).await?;
            next_steps.push(NextStep { to, reasons });
        }
    }
    let required_protections = store.registry_policy().gates.required(m.kind, m.internet_facing, m.mlps_level);
    let unit_ids: Vec<i64> = [Some(m.unit_id), m.operator_unit_id].into_iter().flatten().collect();
    let units = Units::load(conn, unit_ids).await?;
    let actions = gates::actions(who, m.unit_id, m.stage, store.registry_policy().golive_approval);
    let golive = super::golive::latest_for_system(store, who, m.id).await?;
    Ok(SystemDetail {
        actions,
        golive,
        system: view(store, m, &units),
        protections: prots
            .into_iter()
            .map(|p| ProtectionView { kind: p.kind, product: p.product, since: p.since, notes: p.notes })
            .collect(),
        required_protections,
        evaluations,
        next_steps,
    })
}

// ---- writing ------------------------------------------------------------

pub(crate) fn snapshot(m: &system::Model) -> serde_json::Value {
    json!({
        "name": m.name, "kind": m.kind, "unit_id": m.unit_id, "urls": split(&m.urls), "ips": split(&m.ips),
        "internet_facing": m.internet_facing, "important": m.important, "operator_unit_id": m.operator_unit_id,
        "operator_vendor": m.operator_vendor, "operator_contact": m.operator_contact, "users": m.users,
        "hosting": m.hosting, "tags": split(&m.tags), "notes": m.notes, "stage": m.stage,
        "filing_status": m.filing_status, "public_security_no": m.public_security_no, "icp_no": m.icp_no,
        "filed_on": m.filed_on, "mlps_level": m.mlps_level, "mlps_graded_on": m.mlps_graded_on,
        "mlps_filing_no": m.mlps_filing_no, "mlps_filed_on": m.mlps_filed_on,
    })
}

/// Resolve an optional operator unit code (empty means none).
async fn operator_unit<C: ConnectionTrait>(
    conn: &C,
    code: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<Option<i64>> {
    match code.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(c) => {
            // Any unit may operate a system, also one outside the caller's scope.
            match unit::Entity::find().filter(unit::Column::Code.eq(c)).one(conn).await? {
                Some(u) => Ok(Some(u.id)),
                None => {
                    errors.push(FieldError::new("operator_unit", "unknown_unit"));
                    Ok(None)
                }
            }
        }
    }
}

async fn commit_change(
    store: &Store,
    txn: crate::platform::store::WriteTxn,
    who: &Principal,
    change: Change,
) -> Result<()> {
    audit::append(&*txn, store.now(), &Actor::from(who), change).await?;
    txn.commit().await
}

pub async fn create(store: &Store, who: &Principal, input: SystemInput) -> Result<SystemDetail> {
    let mut errors = Vec::new();
    check_text(&mut errors, "name", &input.name, 200, true);
    let kind = check_choice::<SystemKind>(&mut errors, "kind", &input.kind);
    let hosting = match input.hosting.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(Hosting::Campus),
        Some(h) => check_choice::<Hosting>(&mut errors, "hosting", h),
    };
    for (field, value) in [
        ("operator_vendor", &input.operator_vendor),
        ("operator_contact", &input.operator_contact),
        ("users", &input.users),
    ] {
        check_text(&mut errors, field, value, 200, false);
    }
    check_text(&mut errors, "notes", &input.notes, 5000, false);
    let (urls, ips, tags) = clean_lists(&input.urls, &input.ips, &input.tags, &mut errors);
    let txn = store.begin_write().await?;
    let owner = match resolve_code(&*txn, who, "unit", &input.unit).await {
        Ok(u) => Some(u),
        Err(CoreError::Invalid(mut e)) => {
            errors.append(&mut e);
            None
        }
        Err(e) => return Err(e),
    };
    let operator = operator_unit(&*txn, input.operator_unit.as_deref(), &mut errors).await?;
    let (Some(kind), Some(hosting)) = (kind, hosting) else { return Err(CoreError::Invalid(errors)) };
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let owner = owner.ok_or(CoreError::NotFound)?;
    who.require(Permission::ManageSystems(owner.id))?;
    let moved = check_urls_free(&*txn, who, &urls, None, input.move_urls, store.now()).await?;
    for change in moved {
        audit::append(&*txn, store.now(), &Actor::from(who), change).await?;
    }
    let now = store.now();
    let m = system::ActiveModel {
        unit_id: Set(owner.id),
        name: Set(input.name.trim().to_owned()),
        kind: Set(kind),
        urls: Set(join(&urls)),
        ips: Set(join(&ips)),
        internet_facing: Set(input.internet_facing),
        important: Set(input.important),
        operator_unit_id: Set(operator),
        operator_vendor: Set(input.operator_vendor.trim().to_owned()),
        operator_contact: Set(input.operator_contact.trim().to_owned()),
        users: Set(input.users.trim().to_owned()),
        hosting: Set(hosting),
        tags: Set(join(&tags)),
        notes: Set(input.notes.trim().to_owned()),
        stage: Set(Stage::Planned),
        stage_before_shutdown: Set(None),
        filing_status: Set(FilingStatus::NotFiled),
        public_security_no: Set(String::new()),
        icp_no: Set(String::new()),
        filed_on: Set(None),
        mlps_level: Set(None),
        mlps_graded_on: Set(None),
        mlps_filing_no: Set(String::new()),
        mlps_filed_on: Set(None),
        evaluation_due_on: Set(None),
        override_note: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let id = m.id;
    commit_change(store, txn, who, Change::created("system", id, Some(owner.id), snapshot(&m))).await?;
    get(store, who, id).await
}

pub async fn update(store: &Store, who: &Principal, id: i64, patch: SystemPatch) -> Result<SystemDetail> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageSystems(current.unit_id))?;
    let mut errors = Vec::new();
    let name = patch.name.as_deref().unwrap_or(&current.name).trim().to_owned();
    check_text(&mut errors, "name", &name, 200, true);
    let kind = match patch.kind.as_deref() {
        Some(k) => check_choice::<SystemKind>(&mut errors, "kind", k),
        None => Some(current.kind),
    };
    let hosting = match patch.hosting.as_deref() {
        Some(h) => check_choice::<Hosting>(&mut errors, "hosting", h),
        None => Some(current.hosting),
    };
    let text = |new: &Option<String>, old: &str| new.as_deref().unwrap_or(old).trim().to_owned();
    let operator_vendor = text(&patch.operator_vendor, &current.operator_vendor);
    let operator_contact = text(&patch.operator_contact, &current.operator_contact);
    let users = text(&patch.users, &current.users);
    let notes = text(&patch.notes, &current.notes);
    for (field, value) in
        [("operator_vendor", &operator_vendor), ("operator_contact", &operator_contact), ("users", &users)]
    {
        check_text(&mut errors, field, value, 200, false);
    }
    check_text(&mut errors, "notes", &notes, 5000, false);
    let (urls, ips, tags) = clean_lists(
        &patch.urls.clone().unwrap_or_else(|| split(&current.urls)),
        &patch.ips.clone().unwrap_or_else(|| split(&current.ips)),
        &patch.tags.clone().unwrap_or_else(|| split(&current.tags)),
        &mut errors,
    );
    let mut owner_id = current.unit_id;
    if let Some(code) = patch.unit.as_deref() {
        match resolve_code(&*txn, who, "unit", code).await {
            Ok(u) => owner_id = u.id,
            Err(CoreError::Invalid(mut e)) => errors.append(&mut e),
            Err(e) => return Err(e),
        }
    }
    let operator = match &patch.operator_unit {
        Some(code) => operator_unit(&*txn, code.as_deref(), &mut errors).await?,
        None => current.operator_unit_id,
    };
    let (Some(kind), Some(hosting)) = (kind, hosting) else { return Err(CoreError::Invalid(errors)) };
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    if owner_id != current.unit_id {
        who.require(Permission::ManageSystems(owner_id))?;
    }
    let urls_changed = patch.urls.is_some() && url_keys(&urls) != url_keys(&split(&current.urls));
    if urls_changed {
        for change in check_urls_free(&*txn, who, &urls, Some(current.id), patch.move_urls, store.now()).await? {
            audit::append(&*txn, store.now(), &Actor::from(who), change).await?;
        }
    }
    // Addresses not named in the patch stay as they were kept.
    let (urls, ips) = (if urls_changed { join(&urls) } else { current.urls.clone() }, join(&ips));
    let identity_changed = urls_changed || ips != current.ips || owner_id != current.unit_id;
    let filing = gates::filing_after_change(current.filing_status, identity_changed);
    let before = snapshot(&current);
    let mut am: system::ActiveModel = current.into();
    am.name = Set(name);
    am.kind = Set(kind);
    am.unit_id = Set(owner_id);
    am.urls = Set(urls);
    am.ips = Set(ips);
    am.tags = Set(join(&tags));
    if let Some(v) = patch.internet_facing {
        am.internet_facing = Set(v);
    }
    if let Some(v) = patch.important {
        am.important = Set(v);
    }
    am.operator_unit_id = Set(operator);
    am.operator_vendor = Set(operator_vendor);
    am.operator_contact = Set(operator_contact);
    am.users = Set(users);
    am.hosting = Set(hosting);
    am.notes = Set(notes);
    am.filing_status = Set(filing);
    am.updated_at = Set(store.now());
    let m = am.update(&*txn).await?;
    let after = snapshot(&m);
    if after != before {
        commit_change(store, txn, who, Change::updated("system", id, Some(m.unit_id), before, after)).await?;
    } else {
        txn.commit().await?;
    }
    get(store, who, id).await
}

/// Only a system still `planned` can be deleted (a mistaken entry); later ones are closed.
pub async fn delete(store: &Store, who: &Principal, id: i64) -> Result<()> {
    let txn = store.begin_write().await?;
    let m = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageSystems(m.unit_id))?;
    if !m.stage.may_be_deleted() {
        return Err(CoreError::Conflict("system_not_planned"));
    }
    protection::Entity::delete_many().filter(protection::Column::SystemId.eq(id)).exec(&*txn).await?;
    mlps_evaluation::Entity::delete_many().filter(mlps_evaluation::Column::SystemId.eq(id)).exec(&*txn).await?;
    system::Entity::delete_by_id(id).exec(&*txn).await?;
    commit_change(store, txn, who, Change::deleted("system", id, Some(m.unit_id), snapshot(&m))).await
}

pub async fn put_filing(store: &Store, who: &Principal, id: i64, input: FilingInput) -> Result<SystemDetail> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageSystems(current.unit_id))?;
    let mut errors = Vec::new();
    let status = check_choice::<FilingStatus>(&mut errors, "status", &input.status);
    check_text(&mut errors, "public_security_no", &input.public_security_no, 64, false);
    check_text(&mut errors, "icp_no", &input.icp_no, 64, false);
    if status == Some(FilingStatus::Filed) {
        if input.public_security_no.trim().is_empty() && input.icp_no.trim().is_empty() {
            errors.push(FieldError::new("public_security_no", "filing_number_required"));
        }
        if input.filed_on.is_none() {
            errors.push(FieldError::new("filed_on", "required"));
        }
    }
    let Some(status) = status.filter(|_| errors.is_empty()) else { return Err(CoreError::Invalid(errors)) };
    let before = snapshot(&current);
    let mut am: system::ActiveModel = current.into();
    am.filing_status = Set(status);
    am.public_security_no = Set(input.public_security_no.trim().to_owned());
    am.icp_no = Set(input.icp_no.trim().to_owned());
    am.filed_on = Set(input.filed_on);
    am.updated_at = Set(store.now());
    let m = am.update(&*txn).await?;
    commit_change(store, txn, who, Change::updated("system", id, Some(m.unit_id), before, snapshot(&m))).await?;
    get(store, who, id).await
}

pub async fn put_protections(
    store: &Store,
    who: &Principal,
    id: i64,
    input: Vec<ProtectionInput>,
) -> Result<SystemDetail> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageSystems(current.unit_id))?;
    let mut errors = Vec::new();
    let mut seen: Vec<ProtectionKind> = Vec::new();
    for p in &input {
        match check_choice::<ProtectionKind>(&mut errors, "kind", &p.kind) {
            Some(kind) if seen.contains(&kind) => errors.push(FieldError::new("kind", "duplicate_kind")),
            Some(kind) => seen.push(kind),
            None => {}
        }
        check_text(&mut errors, "product", &p.product, 200, false);
        check_text(&mut errors, "notes", &p.notes, 1000, false);
    }
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let before = json!(
        protections_of(&*txn, id)
            .await?
            .iter()
            .map(|p| json!({"kind": p.kind, "product": p.product, "since": p.since}))
            .collect::<Vec<_>>()
    );
    protection::Entity::delete_many().filter(protection::Column::SystemId.eq(id)).exec(&*txn).await?;
    for (p, kind) in input.iter().zip(seen) {
        protection::ActiveModel {
            system_id: Set(id),
            kind: Set(kind),
            product: Set(p.product.trim().to_owned()),
            since: Set(p.since),
            notes: Set(p.notes.trim().to_owned()),
        }
        .insert(&*txn)
        .await?;
    }
    let after = json!(
        protections_of(&*txn, id)
            .await?
            .iter()
            .map(|p| json!({"kind": p.kind, "product": p.product, "since": p.since}))
            .collect::<Vec<_>>()
    );
    let mut am: system::ActiveModel = current.clone().into();
    am.updated_at = Set(store.now());
    am.update(&*txn).await?;
    commit_change(
        store,
        txn,
        who,
        Change {
            action: "protections",
            ..Change::updated(
                "system",
                id,
                Some(current.unit_id),
                json!({"protections": before}),
                json!({"protections": after}),
            )
        },
    )
    .await?;
    get(store, who, id).await
}

async fn last_evaluation<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<NaiveDate>> {
    Ok(mlps_evaluation::Entity::find()
        .filter(mlps_evaluation::Column::SystemId.eq(id))
        .order_by_desc(mlps_evaluation::Column::EvaluatedOn)
        .one(conn)
        .await?
        .map(|e| e.evaluated_on))
}

pub async fn put_mlps(store: &Store, who: &Principal, id: i64, input: MlpsInput) -> Result<SystemDetail> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageSystems(current.unit_id))?;
    let mut errors = Vec::new();
    if input.level.is_some_and(|l| !(1..=5).contains(&l)) {
        errors.push(FieldError::new("level", "level_range"));
    }
    check_text(&mut errors, "filing_no", &input.filing_no, 64, false);
    if !errors.is_empty() {
        return Err(CoreError::Invalid(errors));
    }
    let last = last_evaluation(&*txn, id).await?;
    let policy = &store.registry_policy().evaluations;
    let due = policy.next_due(input.level, last, input.graded_on);
    let filing_due =
        policy.filing_due(input.level, !input.filing_no.trim().is_empty(), input.graded_on, current.went_online_on);
    let before = snapshot(&current);
    let mut am: system::ActiveModel = current.into();
    am.mlps_filing_due_on = Set(filing_due);
    am.mlps_level = Set(input.level);
    am.mlps_graded_on = Set(input.graded_on);
    am.mlps_filing_no = Set(input.filing_no.trim().to_owned());
    am.mlps_filed_on = Set(input.filed_on);
    am.evaluation_due_on = Set(due);
    am.updated_at = Set(store.now());
    let m = am.update(&*txn).await?;
    commit_change(store, txn, who, Change::updated("system", id, Some(m.unit_id), before, snapshot(&m))).await?;
    get(store, who, id).await
}

pub async fn add_evaluation(store: &Store, who: &Principal, id: i64, input: EvaluationInput) -> Result<SystemDetail> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageSystems(current.unit_id))?;
    let mut errors = Vec::new();
    check_text(&mut errors, "agency", &input.agency, 200, true);
    let result = check_choice::<EvaluationResult>(&mut errors, "result", &input.result);
    // The current report template: 优 / 良 / 中 / 差 with the score they follow from.
    match input.score {
        None => errors.push(FieldError::new("score", "required")),
        Some(s) if !(0.0..=100.0).contains(&s) || s.is_nan() => errors.push(FieldError::new("score", "score_range")),
        Some(s) => {
            if let Some(r) = result {
                if r.is_legacy() {
                    errors.push(FieldError::new("result", "legacy_result"));
                } else if EvaluationResult::for_score(s) != Some(r) {
                    errors.push(FieldError::new("result", "result_score_mismatch"));
                }
            }
        }
    }
    if input.evaluated_on > store.now().date_naive() {
        errors.push(FieldError::new("evaluated_on", "date_in_future"));
    }
    let items: Vec<String> =
        input.rectification_items.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    if items.len() > 200 || items.iter().any(|i| i.chars().count() > 500) {
        errors.push(FieldError::new("rectification_items", "too_long"));
    }
    let report = match &input.report {
        Some(up) if up.bytes.len() > crate::platform::attachments::MAX_BYTES => {
            errors.push(FieldError::new("report", "file_too_large"));
            None
        }
        Some(up) if !up.bytes.is_empty() => match crate::platform::attachments::sniff(&up.bytes) {
            Some(content_type) => Some((up, content_type)),
            None => {
                errors.push(FieldError::new("report", "file_type"));
                None
            }
        },
        _ => None,
    };
    let Some(result) = result.filter(|_| errors.is_empty()) else { return Err(CoreError::Invalid(errors)) };
    let now = store.now();
    let report_attachment_id = match report {
        Some((up, content_type)) => {
            // Content-addressed: a file left behind by a failed transaction is only a duplicate-free blob.
            let sha = store.attachments()?.put(&up.bytes)?;
            let a = attachment::ActiveModel {
                sha256: Set(sha),
                file_name: Set(crate::platform::attachments::clean_name(&up.file_name)),
                content_type: Set(content_type.to_owned()),
                size: Set(up.bytes.len() as i64),
                uploaded_by: Set((who.user_id != 0).then_some(who.user_id)),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(&*txn)
            .await?;
            Some(a.id)
        }
        None => None,
    };
    let e = mlps_evaluation::ActiveModel {
        system_id: Set(id),
        agency: Set(input.agency.trim().to_owned()),
        evaluated_on: Set(input.evaluated_on),
        result: Set(result),
        score: Set(input.score),
        rectification_items: Set(join(&items)),
        report_attachment_id: Set(report_attachment_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    let last = last_evaluation(&*txn, id).await?;
    let due = store.registry_policy().evaluations.next_due(current.mlps_level, last, current.mlps_graded_on);
    let unit_id = current.unit_id;
    let mut am: system::ActiveModel = current.into();
    am.evaluation_due_on = Set(due);
    am.updated_at = Set(store.now());
    am.update(&*txn).await?;
    let after = json!({"agency": e.agency, "evaluated_on": e.evaluated_on, "result": e.result, "score": e.score,
        "rectification_items": items, "report_attachment_id": e.report_attachment_id});
    commit_change(store, txn, who, Change::event("evaluation", "system", id, Some(unit_id)).with_after(after)).await?;
    get(store, who, id).await
}

/// The report attached to an evaluation: (file name, content type, content).
pub async fn evaluation_report(
    store: &Store,
    who: &Principal,
    id: i64,
    evaluation_id: i64,
) -> Result<(String, String, Vec<u8>)> {
    let conn = store.db();
    find_visible(conn, who, id).await?;
    let e = mlps_evaluation::Entity::find_by_id(evaluation_id)
        .filter(mlps_evaluation::Column::SystemId.eq(id))
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let a = attachment::Entity::find_by_id(e.report_attachment_id.ok_or(CoreError::NotFound)?)
        .one(conn)
        .await?
        .ok_or(CoreError::NotFound)?;
    let bytes = store.attachments()?.get(&a.sha256)?;
    Ok((a.file_name, a.content_type, bytes))
}

/// Why a unit's filings must be updated (变更备案), besides a change of a
/// system's own URLs, addresses or owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingChange {
    /// The unit's name changed.
    UnitRenamed,
    /// A responsible person named in the filing was replaced or removed.
    ResponsiblesChanged,
}

impl FilingChange {
    pub fn as_str(self) -> &'static str {
        match self {
            FilingChange::UnitRenamed => "unit_renamed",
            FilingChange::ResponsiblesChanged => "responsibles_changed",
        }
    }
}

/// Mark the filed systems of `unit_id` `needs_update` (公安部令第33号: the
/// filing follows the unit's name and its responsible persons), in the
/// caller's transaction, audited. Returns how many.
pub async fn filings_need_update<C: ConnectionTrait>(
    conn: &C,
    now: chrono::DateTime<chrono::Utc>,
    actor: &Actor,
    unit_id: i64,
    because: FilingChange,
) -> Result<u64> {
    let filed = system::Entity::find()
        .filter(system::Column::UnitId.eq(unit_id))
        .filter(system::Column::FilingStatus.eq(FilingStatus::Filed))
        .all(conn)
        .await?;
    let mut changes = Vec::with_capacity(filed.len());
    for m in &filed {
        let mut am: system::ActiveModel = m.clone().into();
        am.filing_status = Set(FilingStatus::NeedsUpdate);
        am.updated_at = Set(now);
        am.update(conn).await?;
        changes.push(Change {
            action: "filing_needs_update",
            ..Change::updated(
                "system",
                m.id,
                Some(unit_id),
                json!({"filing_status": FilingStatus::Filed}),
                json!({"filing_status": FilingStatus::NeedsUpdate, "because": because.as_str()}),
            )
        });
    }
    audit::append_many(conn, now, actor, changes).await?;
    Ok(filed.len() as u64)
}

/// Bring every system's evaluation and MLPS filing days up to date with the
/// current policy (after a change of `[registry]` or an import); `only`
/// limits it to some systems. Returns how many changed.
pub async fn recompute_dues(store: &Store, only: Option<&[i64]>) -> Result<u64> {
    let conn = store.db();
    let mut changed = 0;
    match only {
        // By a thousand ids at a time: an import of 50,000 rows names more
        // systems than one statement may bind (SQLite: 32,766 variables).
        Some(ids) => {
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids.dedup();
            for chunk in ids.chunks(1000) {
                let rows = system::Entity::find()
                    .filter(system::Column::Id.is_in(chunk.iter().copied()))
                    .order_by_asc(system::Column::Id)
                    .all(conn)
                    .await?;
                changed += recompute_batch(store, rows).await?;
            }
        }
        None => {
            let mut after = 0i64;
            loop {
                let rows = system::Entity::find()
                    .filter(system::Column::Id.gt(after))
                    .order_by_asc(system::Column::Id)
                    .limit(1000)
                    .all(conn)
                    .await?;
                let Some(last_row) = rows.last() else { break };
                after = last_row.id;
                changed += recompute_batch(store, rows).await?;
            }
        }
    }
    Ok(changed)
}

/// [`recompute_dues`] for some systems, in one transaction.
async fn recompute_batch(store: &Store, rows: Vec<system::Model>) -> Result<u64> {
    let policy = store.registry_policy().evaluations.clone();
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let last: HashMap<i64, NaiveDate> = mlps_evaluation::Entity::find()
        .select_only()
        .column(mlps_evaluation::Column::SystemId)
        .column_as(mlps_evaluation::Column::EvaluatedOn.max(), "last")
        .filter(mlps_evaluation::Column::SystemId.is_in(ids))
        .group_by(mlps_evaluation::Column::SystemId)
        .into_tuple::<(i64, NaiveDate)>()
        .all(store.db())
        .await?
        .into_iter()
        .collect();
    let mut changed = 0;
    let txn = store.begin_write().await?;
    for m in rows {
        let due = policy.next_due(m.mlps_level, last.get(&m.id).copied(), m.mlps_graded_on);
        let filing_due =
            policy.filing_due(m.mlps_level, !m.mlps_filing_no.trim().is_empty(), m.mlps_graded_on, m.went_online_on);
        if due == m.evaluation_due_on && filing_due == m.mlps_filing_due_on {
            continue;
        }
        let mut am: system::ActiveModel = m.into();
        am.evaluation_due_on = Set(due);
        am.mlps_filing_due_on = Set(filing_due);
        am.update(&*txn).await?;
        changed += 1;
    }
    txn.commit().await?;
    Ok(changed)
}

/// Set a system's new stage on `am`; the first day online starts the MLPS
/// filing clock (art. 15) as well.
pub(crate) fn enter_stage(
    store: &Store,
    am: &mut system::ActiveModel,
    current: &system::Model,
    to: Stage,
    now: chrono::DateTime<chrono::Utc>,
) {
    if to == Stage::Online && current.went_online_on.is_none() {
        let day = now.date_naive();
        am.went_online_on = Set(Some(day));
        am.mlps_filing_due_on = Set(store.registry_policy().evaluations.filing_due(
            current.mlps_level,
            !current.mlps_filing_no.trim().is_empty(),
            current.mlps_graded_on,
            Some(day),
        ));
    }
    am.stage = Set(to);
    am.updated_at = Set(now);
}

/// Move a system to another stage, through its gates.
pub async fn transition(store: &Store, who: &Principal, id: i64, input: TransitionInput) -> Result<SystemDetail> {
    let txn = store.begin_write().await?;
    let current = find_visible(&*txn, who, id).await?;
    who.require(Permission::ManageSystems(current.unit_id))?;
    let Some(to) = Stage::parse(input.to.trim()) else {
        return Err(CoreError::invalid("to", "unknown_choice"));
    };
    let mut reasons = reasons_for(store, &*txn, &current, to).await?;
    // A unit asks the center to go online (a go-live request) rather than moving itself.
    if gates::is_step(current.stage, to)
        && gates::needs_golive_request(
            store.registry_policy().golive_approval,
            who.may(Permission::DecideEnforcement),
            to,
        )
    {
        reasons.insert(0, Reason::GoLiveRequest);
    }
    let override_reason = input.override_reason.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let overriding = !reasons.is_empty() && override_reason.is_some();
    if !reasons.is_empty() {
        let Some(why) = override_reason else {
            return Err(CoreError::GateFailed(reasons));
        };
        if !reasons.iter().all(Reason::overridable) {
            return Err(CoreError::GateFailed(reasons));
        }
        who.require(Permission::OverrideGate)?;
        if why.chars().count() > 1000 {
            return Err(CoreError::invalid("override_reason", "too_long"));
        }
    }
    let codes: Vec<String> = reasons.iter().map(Reason::code).collect();
    let now = store.now();
    let before = json!({"stage": current.stage});
    let unit_id = current.unit_id;
    let mut am: system::ActiveModel = current.clone().into();
    enter_stage(store, &mut am, &current, to, now);
    if let (true, Some(why)) = (overriding, override_reason) {
        am.override_note = Set(format!("{} {}: {} ({})", now.format("%Y-%m-%d"), who.username, why, codes.join(", ")));
    }
    am.update(&*txn).await?;
    let mut after = json!({"stage": to});
    if let (true, Some(why)) = (overriding, override_reason) {
        after["override_reason"] = json!(why);
        after["overridden"] = json!(codes);
    }
    let action = if overriding { "override" } else { "transition" };
    commit_change(store, txn, who, Change { action, ..Change::updated("system", id, Some(unit_id), before, after) })
        .await?;
    get(store, who, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_fields_are_checked() {
        let mut e = Vec::new();
        let (urls, ips, tags) = clean_lists(
            &[" https://a.example/ ".into(), "".into()],
            &["10.0.0.1".into(), "2001:db8::1".into()],
            &["PHP".into(), "nginx".into(), "php".into()],
            &mut e,
        );
        assert!(e.is_empty());
        assert_eq!(urls, ["https://a.example/"]);
        assert_eq!(ips.len(), 2);
        assert_eq!(tags, ["nginx", "php"]);
        clean_lists(&["a.example".into()], &["300.1.1.1".into()], &["两个字".into()], &mut e);
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["urls", "ips", "tags"]);
    }
}
