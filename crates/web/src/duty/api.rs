//! The duty roster: the JSON API.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser, IdPath, PageQuery, parse_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::Page;
use wangan_core::duty::service::{alerts, shifts};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_shifts, create_shift))
        .routes(routes!(delete_shift))
        .routes(routes!(create_rota))
        .routes(routes!(on_duty_now))
        .routes(routes!(coverage))
        .routes(routes!(request_swap))
        .routes(routes!(list_swaps))
        .routes(routes!(decide_swap))
        .routes(routes!(list_handovers, write_handover))
        .routes(routes!(list_alerts))
        .routes(routes!(acknowledge_alert))
}

#[utoipa::path(get, path = "/duty/shifts", tag = "duty",
    summary = "Shifts in a window (default: from a day ago, 14 days; at most 62): the center's and the units' in scope",
    params(shifts::ShiftFilter), responses((status = 200, description = "OK", body = Vec<shifts::ShiftView>)))]
async fn list_shifts(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<shifts::ShiftFilter>,
) -> ApiResult<Json<Vec<shifts::ShiftView>>> {
    Ok(Json(shifts::list(&s.store, &p, &q).await?))
}

#[utoipa::path(post, path = "/duty/shifts", tag = "duty",
    summary = "Add a shift: a person of the unit (any person for the center's roster), from, to (the center: officer, admin; a unit: also its network admin or head)",
    request_body = shifts::ShiftInput, responses((status = 201, description = "Added", body = shifts::ShiftView)))]
async fn create_shift(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<shifts::ShiftInput>,
) -> ApiResult<(StatusCode, Json<shifts::ShiftView>)> {
    Ok((StatusCode::CREATED, Json(shifts::create(&s.store, &p, input).await?)))
}

#[utoipa::path(delete, path = "/duty/shifts/{id}", tag = "duty",
    summary = "Remove a shift (whoever keeps the roster)",
    params(IdPath), responses((status = 204, description = "Removed")))]
async fn delete_shift(State(s): State<AppState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    shifts::delete(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/duty/rotas", tag = "duty",
    summary = "Write a rota: the people in turn, a day each from a date, the shift changing at a local hour (a weekly rota: seven people from a Monday)",
    request_body = shifts::RotaInput, responses((status = 201, description = "Added", body = Vec<shifts::ShiftView>)))]
async fn create_rota(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<shifts::RotaInput>,
) -> ApiResult<(StatusCode, Json<Vec<shifts::ShiftView>>)> {
    Ok((StatusCode::CREATED, Json(shifts::create_rota(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/duty/now", tag = "duty",
    summary = "Who is on duty now for every important system in scope: the unit's shift, else the center's, else nobody",
    responses((status = 200, description = "OK", body = Vec<shifts::OnDuty>)))]
async fn on_duty_now(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Vec<shifts::OnDuty>>> {
    Ok(Json(shifts::now(&s.store, &p).await?))
}

#[utoipa::path(get, path = "/duty/coverage", tag = "duty",
    summary = "The coming days' coverage of the center's roster and of every unit with important systems: gaps and overlaps",
    responses((status = 200, description = "OK", body = Vec<shifts::Coverage>)))]
async fn coverage(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Vec<shifts::Coverage>>> {
    Ok(Json(shifts::coverage(&s.store, &p).await?))
}

#[utoipa::path(post, path = "/duty/shifts/{id}/swaps", tag = "duty",
    summary = "Ask to hand a shift to someone else (the person on it, or whoever keeps the roster); it changes hands once approved",
    params(IdPath), request_body = shifts::SwapInput,
    responses((status = 201, description = "Requested", body = shifts::SwapView)))]
async fn request_swap(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<shifts::SwapInput>,
) -> ApiResult<(StatusCode, Json<shifts::SwapView>)> {
    Ok((StatusCode::CREATED, Json(shifts::request_swap(&s.store, &p, parse_id(&id)?, input).await?)))
}

#[utoipa::path(get, path = "/duty/swaps", tag = "duty",
    summary = "Swap requests in scope, newest first",
    responses((status = 200, description = "OK", body = Vec<shifts::SwapView>)))]
async fn list_swaps(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Vec<shifts::SwapView>>> {
    Ok(Json(shifts::swaps(&s.store, &p).await?))
}

#[utoipa::path(post, path = "/duty/swaps/{id}/decision", tag = "duty",
    summary = "Approve or refuse a swap (a unit's: its head or the center; the center's: officer, admin); a refusal says why",
    params(IdPath), request_body = shifts::SwapDecision,
    responses((status = 200, description = "OK", body = shifts::SwapView)))]
async fn decide_swap(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<shifts::SwapDecision>,
) -> ApiResult<Json<shifts::SwapView>> {
    Ok(Json(shifts::decide_swap(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(get, path = "/duty/handovers", tag = "duty",
    summary = "The handover log in scope, newest first",
    responses((status = 200, description = "OK", body = Vec<shifts::HandoverView>)))]
async fn list_handovers(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Vec<shifts::HandoverView>>> {
    Ok(Json(shifts::handovers(&s.store, &p).await?))
}

#[utoipa::path(post, path = "/duty/handovers", tag = "duty",
    summary = "Write the handover (交接班记录): the person on duty, or whoever keeps the roster",
    request_body = shifts::HandoverInput, responses((status = 201, description = "Written", body = shifts::HandoverView)))]
async fn write_handover(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<shifts::HandoverInput>,
) -> ApiResult<(StatusCode, Json<shifts::HandoverView>)> {
    Ok((StatusCode::CREATED, Json(shifts::handover(&s.store, &p, input).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AlertQuery {
    /// Only those not yet acknowledged.
    #[serde(default)]
    open: bool,
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/duty/alerts", tag = "duty",
    summary = "Alerts on the duty ladder in scope, newest first: who they went to, the rung they reached, who acknowledged",
    params(AlertQuery), responses((status = 200, description = "OK", body = Page<alerts::AlertView>)))]
async fn list_alerts(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<AlertQuery>,
) -> ApiResult<Json<Page<alerts::AlertView>>> {
    let page = PageQuery { page: q.page, per_page: q.per_page }.request();
    Ok(Json(alerts::list(&s.store, &p, &alerts::AlertFilter { open: q.open }, page).await?))
}

#[utoipa::path(post, path = "/duty/alerts/{id}/acknowledge", tag = "duty",
    summary = "Acknowledge an alert: it climbs no further (the person it went to, the unit's network admin or head, the center)",
    params(IdPath), responses((status = 200, description = "OK", body = alerts::AlertView)))]
async fn acknowledge_alert(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<alerts::AlertView>> {
    Ok(Json(alerts::acknowledge(&s.store, &p, parse_id(&id)?).await?))
}
