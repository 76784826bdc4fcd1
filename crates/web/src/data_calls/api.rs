//! Data calls: the JSON API.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser, IdPath, PageQuery, parse_id};
use crate::platform::openapi::{Binary, XLSX};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::data_calls::service;
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_calls, create_call))
        .routes(routes!(get_call))
        .routes(routes!(close_call))
        .routes(routes!(list_submissions, submit))
        .routes(routes!(export_xlsx))
}

#[utoipa::path(get, path = "/data-calls", tag = "data_calls",
    summary = "Data calls the caller sees (unit roles: those sent to their units), newest first, with completion",
    params(PageQuery), responses((status = 200, description = "OK", body = Page<service::DataCallView>)))]
async fn list_calls(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<service::DataCallView>>> {
    Ok(Json(service::list(&s.store, &p, PageRequest { page: q.page, per_page: q.per_page }).await?))
}

#[utoipa::path(post, path = "/data-calls", tag = "data_calls",
    summary = "Send a data call (a form of text, number, date, choice and file fields) to every unit or chosen units, with a deadline (officer, admin)",
    request_body = service::DataCallInput, responses((status = 201, description = "Sent", body = service::DataCallDetail)))]
async fn create_call(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<service::DataCallInput>,
) -> ApiResult<(StatusCode, Json<service::DataCallDetail>)> {
    Ok((StatusCode::CREATED, Json(service::create(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/data-calls/{id}", tag = "data_calls",
    summary = "A data call with each unit's completion (in scope)",
    params(IdPath), responses((status = 200, description = "OK", body = service::DataCallDetail)))]
async fn get_call(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<service::DataCallDetail>> {
    Ok(Json(service::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(post, path = "/data-calls/{id}/close", tag = "data_calls",
    summary = "Close a data call: no more submissions (officer, admin)",
    params(IdPath), responses((status = 200, description = "OK", body = service::DataCallDetail)))]
async fn close_call(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<service::DataCallDetail>> {
    Ok(Json(service::close(&s.store, &p, parse_id(&id)?).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UnitQuery {
    /// One unit's versions (its code); empty: every unit in scope.
    unit: Option<String>,
}

#[utoipa::path(get, path = "/data-calls/{id}/submissions", tag = "data_calls",
    summary = "Every submitted version, newest first: a correction is a new version with its reason, the earlier one kept",
    params(IdPath, UnitQuery), responses((status = 200, description = "OK", body = Vec<service::SubmissionView>)))]
async fn list_submissions(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Vec<service::SubmissionView>>> {
    Ok(Json(service::submissions(&s.store, &p, parse_id(&id)?, q.unit.as_deref()).await?))
}

#[utoipa::path(post, path = "/data-calls/{id}/submissions", tag = "data_calls",
    summary = "Submit a unit's answers; a later submission is a correction and needs its reason (the unit's network admin or head). File fields are sent from the page",
    params(IdPath), request_body = service::SubmissionInput,
    responses((status = 201, description = "Submitted", body = service::SubmissionView)))]
async fn submit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<service::SubmissionInput>,
) -> ApiResult<(StatusCode, Json<service::SubmissionView>)> {
    Ok((StatusCode::CREATED, Json(service::submit(&s.store, &p, parse_id(&id)?, input).await?)))
}

#[utoipa::path(get, path = "/data-calls/{id}/export.xlsx", tag = "data_calls",
    summary = "The latest answers of every unit in scope, as a spreadsheet",
    params(IdPath), responses((status = 200, description = "OK", content_type = XLSX, body = Binary)))]
async fn export_xlsx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    Ok(export_download(&s.store, &p, parse_id(&id)?).await?)
}

pub(crate) async fn export_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    id: i64,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let (title, headers, rows) = service::export_rows(store, who, id).await?;
    crate::platform::download::sheet_download(
        "填报数据",
        headers,
        rows,
        &format!("data-call-{id}.xlsx"),
        &format!("{title}.xlsx"),
    )
    .await
}
