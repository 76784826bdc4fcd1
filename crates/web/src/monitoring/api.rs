//! JSON API: Monitors, baselines, check history, findings. Each operation is documented in
//! `platform::openapi::ROUTES`.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::parse_id;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::monitoring::service as monitoring;
use wangan_core::{CoreError, Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitors", get(list_monitors).post(create_monitor))
        .route("/monitors/{id}", get(get_monitor).patch(update_monitor).delete(delete_monitor))
        .route("/monitors/{id}/baseline", post(accept_baseline))
        .route("/monitors/{id}/baselines", get(list_baselines))
        .route("/monitors/{id}/history", get(monitor_history))
        .route("/findings", get(list_findings))
        .route("/findings/{id}", get(get_finding))
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
