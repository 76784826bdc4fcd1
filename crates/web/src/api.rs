//! JSON API under `/api/v1`, bearer tokens. Every route here is listed in
//! `openapi::ROUTES`, which the OpenAPI document and the authorization
//! matrix test are both built from.

use crate::AppState;
use crate::error::{ApiError, ApiResult, WebError};
use crate::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use serde::{Deserialize, Serialize};
use wangan_core::accounts::service as accounts;
use wangan_core::directory::service::leadership;
use wangan_core::directory::service::people;
use wangan_core::directory::service::responsibilities;
use wangan_core::directory::service::units;
use wangan_core::monitoring::service as monitoring;
use wangan_core::notices::service::notices;
use wangan_core::notices::service::rectifications;
use wangan_core::notify::service as notify;
use wangan_core::platform::audit::{self, AuditFilter, AuditView};
use wangan_core::registry::service::systems;
use wangan_core::{CoreError, Page, PageRequest, platform::access::Permission};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_doc))
        .route("/me", get(me))
        .route("/units", get(list_units).post(create_unit))
        .route("/units/{code}", get(get_unit).patch(update_unit).delete(delete_unit))
        .route("/units/{code}/responsibilities", get(get_responsibilities).put(put_responsibilities))
        .route("/people", get(list_people).post(create_person))
        .route("/people/{id}", get(get_person).patch(update_person))
        .route("/leadership", get(list_leadership))
        .route("/systems", get(list_systems).post(create_system))
        .route("/systems/export.xlsx", get(export_systems))
        .route("/systems/{id}", get(get_system).patch(update_system).delete(delete_system))
        .route("/systems/{id}/filing", put(put_filing))
        .route("/systems/{id}/protections", put(put_protections))
        .route("/systems/{id}/mlps", put(put_mlps))
        .route("/systems/{id}/mlps/evaluations", post(add_evaluation))
        .route("/systems/{id}/transition", post(transition))
        .route("/notices", get(list_notices).post(create_notice))
        .route(
            "/notices/import",
            post(import_notices).layer(axum::extract::DefaultBodyLimit::max(wangan_office::MAX_BYTES)),
        )
        .route("/notices/{id}", get(get_notice).patch(update_notice))
        .route("/rectifications", get(list_rectifications))
        .route("/rectifications/export.xlsx", get(export_rectifications))
        .route("/rectifications/{id}", get(get_rectification))
        .route("/rectifications/{id}/start", post(start_rectification))
        .route("/rectifications/{id}/report", post(report_rectification))
        .route("/rectifications/{id}/approve", post(approve_rectification))
        .route("/rectifications/{id}/review", post(review_rectification))
        .route("/rectifications/{id}/report.docx", get(rectification_docx))
        .route("/violations", get(list_violations))
        .route("/channels", get(list_channels).post(add_channel))
        .route("/channels/{id}", axum::routing::patch(update_channel).delete(delete_channel))
        .route("/deliveries", get(list_deliveries))
        .route("/deliveries/{id}/retry", post(retry_delivery))
        .route("/monitors", get(list_monitors).post(create_monitor))
        .route("/monitors/{id}", get(get_monitor).patch(update_monitor).delete(delete_monitor))
        .route("/monitors/{id}/baseline", post(accept_baseline))
        .route("/monitors/{id}/baselines", get(list_baselines))
        .route("/monitors/{id}/history", get(monitor_history))
        .route("/findings", get(list_findings))
        .route("/findings/{id}", get(get_finding))
        .route("/audit", get(list_audit))
        .route("/tokens/{id}", delete(revoke_token))
        .fallback(|| async { ApiError(WebError::Core(CoreError::NotFound)) })
}

async fn openapi_doc() -> impl IntoResponse {
    Json(crate::openapi::document())
}

#[derive(Serialize)]
struct Me {
    id: i64,
    username: String,
    person_id: Option<i64>,
    locale: String,
    roles: Vec<accounts::GrantView>,
}

async fn me(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Me>> {
    let roles = accounts::grant_views(&s.store, &p).await?;
    Ok(Json(Me { id: p.user_id, username: p.username, person_id: p.person_id, locale: p.locale, roles }))
}

#[derive(Deserialize)]
struct UnitQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    unit: Option<String>,
    kind: Option<String>,
    q: Option<String>,
}

async fn list_units(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Page<units::UnitView>>> {
    let filter = units::UnitFilter { unit: q.unit, kind: q.kind, q: q.q };
    let page = PageRequest { page: q.page, per_page: q.per_page };
    Ok(Json(units::list(&s.store, &p, &filter, page).await?))
}

async fn create_unit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<units::UnitInput>,
) -> ApiResult<(StatusCode, Json<units::UnitView>)> {
    Ok((StatusCode::CREATED, Json(units::create(&s.store, &p, input).await?)))
}

async fn get_unit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<units::UnitView>> {
    Ok(Json(units::get(&s.store, &p, &code).await?))
}

async fn update_unit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
    ApiJson(patch): ApiJson<units::UnitPatch>,
) -> ApiResult<Json<units::UnitView>> {
    Ok(Json(units::update(&s.store, &p, &code, patch).await?))
}

async fn delete_unit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    units::delete(&s.store, &p, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_responsibilities(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<responsibilities::ResponsibilitiesView>> {
    Ok(Json(responsibilities::get(&s.store, &p, &code).await?))
}

async fn put_responsibilities(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<responsibilities::ResponsibilitiesInput>,
) -> ApiResult<Json<responsibilities::ResponsibilitiesView>> {
    Ok(Json(responsibilities::put(&s.store, &p, &code, input).await?))
}

#[derive(Deserialize)]
struct PeopleQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    unit: Option<String>,
    q: Option<String>,
}

async fn list_people(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<Page<people::PersonView>>> {
    let filter = people::PersonFilter { unit: q.unit, q: q.q };
    Ok(Json(people::list(&s.store, &p, &filter, PageRequest { page: q.page, per_page: q.per_page }).await?))
}

async fn create_person(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<people::PersonInput>,
) -> ApiResult<(StatusCode, Json<people::PersonView>)> {
    Ok((StatusCode::CREATED, Json(people::create(&s.store, &p, input).await?)))
}

/// Ids in paths: anything that is not a number names no record.
fn parse_id(raw: &str) -> Result<i64, CoreError> {
    raw.parse::<i64>().map_err(|_| CoreError::NotFound)
}

async fn get_person(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<people::PersonView>> {
    Ok(Json(people::get(&s.store, &p, parse_id(&id)?).await?))
}

async fn update_person(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<people::PersonPatch>,
) -> ApiResult<Json<people::PersonView>> {
    Ok(Json(people::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

async fn list_leadership(
    State(s): State<AppState>,
    ApiUser(_p): ApiUser,
) -> ApiResult<Json<Vec<leadership::MemberView>>> {
    Ok(Json(leadership::list(&s.store).await?))
}

#[derive(Deserialize)]
struct AuditQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    entity: Option<String>,
    entity_id: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    unit: Option<String>,
}

async fn list_audit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditView>>> {
    let unit_id = match q.unit.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => Some(units::get(&s.store, &p, code).await?.id),
        None => None,
    };
    let filter = AuditFilter { entity: q.entity, entity_id: q.entity_id, actor: q.actor, action: q.action, unit_id };
    let page = PageRequest { page: q.page, per_page: q.per_page };
    Ok(Json(audit::list(s.store.db(), &p, &filter, page).await?))
}

async fn revoke_token(State(s): State<AppState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    accounts::revoke_token(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct SystemQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    unit: Option<String>,
    stage: Option<String>,
    level: Option<i32>,
    filing: Option<String>,
    internet_facing: Option<bool>,
    important: Option<bool>,
    evaluation: Option<String>,
    q: Option<String>,
    sort: Option<String>,
}

impl SystemQuery {
    fn filter(self) -> systems::SystemFilter {
        systems::SystemFilter {
            unit: self.unit,
            stage: self.stage,
            level: self.level,
            filing: self.filing,
            internet_facing: self.internet_facing,
            important: self.important,
            evaluation: self.evaluation,
            q: self.q,
            sort: self.sort,
        }
    }
}

async fn list_systems(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<SystemQuery>,
) -> ApiResult<Json<Page<systems::SystemView>>> {
    let (page, filter) = (PageRequest { page: q.page, per_page: q.per_page }, q.filter());
    Ok(Json(systems::list(&s.store, &p, &filter, page).await?))
}

async fn create_system(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<systems::SystemInput>,
) -> ApiResult<(StatusCode, Json<systems::SystemDetail>)> {
    Ok((StatusCode::CREATED, Json(systems::create(&s.store, &p, input).await?)))
}

async fn get_system(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::get(&s.store, &p, parse_id(&id)?).await?))
}

async fn update_system(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<systems::SystemPatch>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

async fn delete_system(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    systems::delete(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn put_filing(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<systems::FilingInput>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::put_filing(&s.store, &p, parse_id(&id)?, input).await?))
}

async fn put_protections(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Vec<systems::ProtectionInput>>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::put_protections(&s.store, &p, parse_id(&id)?, input).await?))
}

async fn put_mlps(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<systems::MlpsInput>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::put_mlps(&s.store, &p, parse_id(&id)?, input).await?))
}

async fn add_evaluation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<systems::EvaluationInput>,
) -> ApiResult<(StatusCode, Json<systems::SystemDetail>)> {
    Ok((StatusCode::CREATED, Json(systems::add_evaluation(&s.store, &p, parse_id(&id)?, input).await?)))
}

async fn transition(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<systems::TransitionInput>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::transition(&s.store, &p, parse_id(&id)?, input).await?))
}

async fn export_systems(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<SystemQuery>,
) -> ApiResult<axum::response::Response> {
    let filter = q.filter();
    Ok(crate::xlsx_download(&s.store, &p, &filter).await?)
}

#[derive(Deserialize)]
struct NoticeQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    source: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    unit: Option<String>,
    overdue: Option<bool>,
    q: Option<String>,
}

async fn list_notices(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> ApiResult<Json<Page<notices::NoticeView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    let f = notices::NoticeFilter {
        source: q.source,
        severity: q.severity,
        status: q.status,
        unit: q.unit,
        overdue: q.overdue,
        q: q.q,
    };
    Ok(Json(notices::list(&s.store, &p, &f, page).await?))
}

async fn create_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<notices::NoticeInput>,
) -> ApiResult<(StatusCode, Json<notices::NoticeDetail>)> {
    Ok((StatusCode::CREATED, Json(notices::create(&s.store, &p, input).await?)))
}

async fn get_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<notices::NoticeDetail>> {
    Ok(Json(notices::get(&s.store, &p, parse_id(&id)?).await?))
}

async fn update_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<notices::NoticePatch>,
) -> ApiResult<Json<notices::NoticeDetail>> {
    Ok(Json(notices::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

#[derive(Deserialize)]
struct RectificationQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    unit: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    notice: Option<i64>,
    system: Option<i64>,
    overdue: Option<bool>,
    open: Option<bool>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

impl RectificationQuery {
    fn split(self) -> (PageRequest, rectifications::RectificationFilter) {
        (
            PageRequest { page: self.page, per_page: self.per_page },
            rectifications::RectificationFilter {
                unit: self.unit,
                status: self.status,
                severity: self.severity,
                notice: self.notice,
                system: self.system,
                overdue: self.overdue,
                open: self.open,
                from: self.from,
                to: self.to,
            },
        )
    }
}

async fn list_rectifications(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RectificationQuery>,
) -> ApiResult<Json<Page<rectifications::RectificationView>>> {
    let (page, f) = q.split();
    Ok(Json(rectifications::list(&s.store, &p, &f, page).await?))
}

async fn export_rectifications(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RectificationQuery>,
) -> ApiResult<axum::response::Response> {
    let (_, f) = q.split();
    Ok(crate::rectification_summary_download(&s.store, &p, &f).await?)
}

async fn get_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::get(&s.store, &p, parse_id(&id)?).await?))
}

async fn start_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::start(&s.store, &p, parse_id(&id)?).await?))
}

async fn report_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<rectifications::ReportInput>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::report(&s.store, &p, parse_id(&id)?, input).await?))
}

async fn approve_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::approve(&s.store, &p, parse_id(&id)?).await?))
}

async fn review_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<rectifications::ReviewInput>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::review(&s.store, &p, parse_id(&id)?, input).await?))
}

async fn rectification_docx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    Ok(crate::report_download(&s.store, &p, parse_id(&id)?).await?)
}

#[derive(Deserialize)]
struct UnitPageQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    unit: Option<String>,
}

async fn list_violations(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<UnitPageQuery>,
) -> ApiResult<Json<Page<rectifications::ViolationView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    Ok(Json(rectifications::violations(&s.store, &p, q.unit.as_deref(), page).await?))
}

#[derive(Deserialize)]
struct ChannelQuery {
    owner_kind: String,
    owner: Option<String>,
}

async fn list_channels(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ChannelQuery>,
) -> ApiResult<Json<Vec<notify::ChannelView>>> {
    Ok(Json(notify::channels(&s.store, &p, &q.owner_kind, q.owner.as_deref()).await?))
}

async fn add_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<notify::ChannelInput>,
) -> ApiResult<(StatusCode, Json<notify::ChannelView>)> {
    Ok((StatusCode::CREATED, Json(notify::add_channel(&s.store, &p, input).await?)))
}

async fn update_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<notify::ChannelPatch>,
) -> ApiResult<Json<notify::ChannelView>> {
    Ok(Json(notify::update_channel(&s.store, &p, parse_id(&id)?, patch).await?))
}

async fn delete_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    notify::delete_channel(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct DeliveryQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    status: Option<String>,
    unit: Option<String>,
}

async fn list_deliveries(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<Page<notify::DeliveryView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    let f = notify::DeliveryFilter { status: q.status, unit: q.unit };
    Ok(Json(notify::deliveries(&s.store, &p, &f, page).await?))
}

async fn retry_delivery(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    notify::retry(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// The body is the `.xlsx` or `.csv` file itself. The report lists every row;
/// nothing is written unless every row passes (`written`).
async fn import_notices(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<wangan_core::registry::service::inventory::ImportReport>> {
    p.require(Permission::ManageNotices)?;
    use wangan_core::platform::sheet_import::{self, Notices};
    use wangan_core::registry::service::inventory::ImportMode;
    let mode = if q.dry_run { ImportMode::DryRun } else { ImportMode::AllOrNothing };
    match sheet_import::run::<Notices>(&s.store, &p, &body, mode).await? {
        Ok(report) => Ok(Json(report)),
        Err(u) => Err(WebError::BadRequest(crate::inventory_text::unreadable(&crate::i18n::msg("en"), &u)).into()),
    }
}

#[derive(Deserialize)]
struct MonitorQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    unit: Option<String>,
    system: Option<i64>,
    status: Option<String>,
    q: Option<String>,
    with_findings: Option<bool>,
}

async fn list_monitors(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<MonitorQuery>,
) -> ApiResult<Json<Page<monitoring::MonitorView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    let f = monitoring::MonitorFilter {
        unit: q.unit,
        system: q.system,
        status: q.status,
        q: q.q,
        with_findings: q.with_findings,
    };
    Ok(Json(monitoring::list(&s.store, &p, &f, page).await?))
}

async fn create_monitor(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<monitoring::MonitorInput>,
) -> ApiResult<(StatusCode, Json<monitoring::MonitorView>)> {
    Ok((StatusCode::CREATED, Json(wangan_monitor::manage::create(&s.store, &p, input).await?)))
}

async fn get_monitor(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<monitoring::MonitorView>> {
    Ok(Json(monitoring::get(&s.store, &p, parse_id(&id)?).await?))
}

async fn update_monitor(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<monitoring::MonitorPatch>,
) -> ApiResult<Json<monitoring::MonitorView>> {
    Ok(Json(wangan_monitor::manage::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

async fn delete_monitor(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    monitoring::delete(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
struct BaselineInput {
    #[serde(default)]
    note: String,
}

async fn accept_baseline(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<monitoring::BaselineView>> {
    let id = parse_id(&id)?;
    // The body is optional: `{"note": "…"}` says why the change is accepted.
    let note = if body.iter().all(u8::is_ascii_whitespace) {
        String::new()
    } else {
        serde_json::from_slice::<BaselineInput>(&body).map_err(|_| CoreError::invalid("note", "invalid"))?.note
    };
    Ok(Json(wangan_monitor::manage::accept_current(&s.store, s.checker.as_ref(), &p, id, &note).await?))
}

async fn list_baselines(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<monitoring::BaselineView>>> {
    Ok(Json(monitoring::baselines(&s.store, &p, parse_id(&id)?).await?))
}

async fn monitor_history(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<monitoring::History>> {
    Ok(Json(monitoring::history(&s.store, &p, parse_id(&id)?).await?))
}

#[derive(Deserialize)]
struct FindingQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    system: Option<i64>,
    monitor: Option<i64>,
    check: Option<String>,
    open: Option<bool>,
    unit: Option<String>,
    severity: Option<String>,
}

async fn list_findings(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<FindingQuery>,
) -> ApiResult<Json<Page<monitoring::FindingView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    let f = monitoring::FindingFilter {
        system: q.system,
        monitor: q.monitor,
        check: q.check,
        open: q.open,
        unit: q.unit,
        severity: q.severity,
    };
    Ok(Json(monitoring::findings(&s.store, &p, &f, page).await?))
}

async fn get_finding(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<monitoring::FindingView>> {
    Ok(Json(monitoring::finding(&s.store, &p, parse_id(&id)?).await?))
}
