//! JSON API: Monitors, baselines, check history, findings. Each handler declares its operation
//! (`#[utoipa::path]`); `routes()` builds the router and the API document from them.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use crate::platform::extract::{IdPath, parse_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::monitoring::service as monitoring;
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_monitors, create_monitor))
        .routes(routes!(get_monitor, update_monitor, delete_monitor))
        .routes(routes!(accept_baseline))
        .routes(routes!(list_baselines))
        .routes(routes!(monitor_history))
        .routes(routes!(list_findings))
        .routes(routes!(get_finding))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct MonitorQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    unit: Option<String>,
    system: Option<i64>,
    #[param(schema_with = wangan_core::monitoring::WallState::schema_or_empty)]
    status: Option<String>,
    q: Option<String>,
    with_findings: Option<bool>,
}

#[utoipa::path(
    get,
    path = "/monitors",
    tag = "monitoring",
    summary = "Monitors in scope, trouble first (down, degraded, pending)",
    params(MonitorQuery),
    responses((status = 200, description = "OK", body = Page<monitoring::MonitorView>))
)]
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

#[utoipa::path(
    post,
    path = "/monitors",
    tag = "monitoring",
    summary = "Add a monitor for a URL of a system (officer, admin)",
    request_body = monitoring::MonitorInput,
    responses((status = 201, description = "OK", body = monitoring::MonitorView))
)]
async fn create_monitor(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<monitoring::MonitorInput>,
) -> ApiResult<(StatusCode, Json<monitoring::MonitorView>)> {
    Ok((StatusCode::CREATED, Json(wangan_monitor::manage::create(&s.store, &p, input).await?)))
}

#[utoipa::path(
    get,
    path = "/monitors/{id}",
    tag = "monitoring",
    summary = "One monitor",
    params(IdPath),
    responses((status = 200, description = "OK", body = monitoring::MonitorView))
)]
async fn get_monitor(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<monitoring::MonitorView>> {
    Ok(Json(monitoring::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    patch,
    path = "/monitors/{id}",
    tag = "monitoring",
    summary = "Pause or tune a monitor: interval, timeout, checks, exclusions, threshold (officer, admin)",
    params(IdPath),
    request_body = monitoring::MonitorPatch,
    responses((status = 200, description = "OK", body = monitoring::MonitorView))
)]
async fn update_monitor(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<monitoring::MonitorPatch>,
) -> ApiResult<Json<monitoring::MonitorView>> {
    Ok(Json(wangan_monitor::manage::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

#[utoipa::path(
    delete,
    path = "/monitors/{id}",
    tag = "monitoring",
    summary = "Remove a monitor added by hand (registry monitors are paused instead: 409)",
    params(IdPath),
    responses((status = 204, description = "Done"))
)]
async fn delete_monitor(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    monitoring::delete(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BaselineInput {
    #[schema(max_length = 500)]
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/monitors/{id}/baseline",
    tag = "monitoring",
    summary = "Fetch the page now and accept it as the baseline (officer, admin, the unit's admin)",
    params(IdPath),
    request_body(content = Option<BaselineInput>, content_type = "application/json", description = "Optional: why the change is accepted"),
    responses((status = 200, description = "OK", body = monitoring::BaselineView))
)]
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
        // `null` is no note, as an empty body is.
        let value: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|_| crate::platform::error::WebError::BadRequest("not JSON".into()))?;
        crate::platform::extract::from_json::<Option<BaselineInput>>(value)?.map(|b| b.note).unwrap_or_default()
    };
    Ok(Json(wangan_monitor::manage::accept_current(&s.store, s.checker.as_ref(), &p, id, &note).await?))
}

#[utoipa::path(
    get,
    path = "/monitors/{id}/baselines",
    tag = "monitoring",
    summary = "The accepted baselines, newest first",
    params(IdPath),
    responses((status = 200, description = "OK", body = Vec<monitoring::BaselineView>))
)]
async fn list_baselines(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<monitoring::BaselineView>>> {
    Ok(Json(monitoring::baselines(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    get,
    path = "/monitors/{id}/history",
    tag = "monitoring",
    summary = "Checks of the last 24 hours, hours of 30 days, uptime",
    params(IdPath),
    responses((status = 200, description = "OK", body = monitoring::History))
)]
async fn monitor_history(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<monitoring::History>> {
    Ok(Json(monitoring::history(&s.store, &p, parse_id(&id)?).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FindingQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    system: Option<i64>,
    monitor: Option<i64>,
    #[param(schema_with = wangan_core::monitoring::Check::schema_or_empty)]
    check: Option<String>,
    open: Option<bool>,
    unit: Option<String>,
    #[param(schema_with = wangan_core::monitoring::FindingSeverity::schema_or_empty)]
    severity: Option<String>,
}

#[utoipa::path(
    get,
    path = "/findings",
    tag = "monitoring",
    summary = "Findings of the monitors in scope",
    params(FindingQuery),
    responses((status = 200, description = "OK", body = Page<monitoring::FindingView>))
)]
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

#[utoipa::path(
    get,
    path = "/findings/{id}",
    tag = "monitoring",
    summary = "One finding with its evidence",
    params(IdPath),
    responses((status = 200, description = "OK", body = monitoring::FindingView))
)]
async fn get_finding(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<monitoring::FindingView>> {
    Ok(Json(monitoring::finding(&s.store, &p, parse_id(&id)?).await?))
}
