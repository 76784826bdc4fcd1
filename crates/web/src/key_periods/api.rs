//! Key periods (重保): the JSON API.

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
use wangan_core::Page;
use wangan_core::key_periods::service;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_periods, create_period))
        .routes(routes!(get_period))
        .routes(routes!(list_reports, file_report))
        .routes(routes!(summary_xlsx))
}

#[utoipa::path(get, path = "/key-periods", tag = "key_periods",
    summary = "Key periods the caller sees (unit roles: those covering their units), newest first, with today's reports filed and missing",
    params(PageQuery), responses((status = 200, description = "OK", body = Page<service::PeriodView>)))]
async fn list_periods(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<service::PeriodView>>> {
    Ok(Json(service::list(&s.store, &p, q.request()).await?))
}

#[utoipa::path(post, path = "/key-periods", tag = "key_periods",
    summary = "Declare a key period for every unit or chosen units: the daily report's hour and the monitoring interval for their sites; the units are told (officer, admin)",
    request_body = service::PeriodInput, responses((status = 201, description = "Declared", body = service::PeriodDetail)))]
async fn create_period(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<service::PeriodInput>,
) -> ApiResult<(StatusCode, Json<service::PeriodDetail>)> {
    Ok((StatusCode::CREATED, Json(service::create(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/key-periods/{id}", tag = "key_periods",
    summary = "A key period with each unit's daily reports of the last 7 days (filed, late, missing, due), the missing first",
    params(IdPath), responses((status = 200, description = "OK", body = service::PeriodDetail)))]
async fn get_period(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<service::PeriodDetail>> {
    Ok(Json(service::get(&s.store, &p, parse_id(&id)?).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UnitQuery {
    /// One unit's reports (its code); empty: every unit in scope.
    unit: Option<String>,
}

#[utoipa::path(get, path = "/key-periods/{id}/reports", tag = "key_periods",
    summary = "The daily reports filed, newest first",
    params(IdPath, UnitQuery), responses((status = 200, description = "OK", body = Vec<service::ReportView>)))]
async fn list_reports(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Vec<service::ReportView>>> {
    Ok(Json(service::reports(&s.store, &p, parse_id(&id)?, q.unit.as_deref()).await?))
}

#[utoipa::path(post, path = "/key-periods/{id}/reports", tag = "key_periods",
    summary = "File a unit's daily report, once a day (零报告: `zero` with no content) (the unit's network admin or head)",
    params(IdPath), request_body = service::ReportInput,
    responses((status = 201, description = "Filed", body = service::ReportView)))]
async fn file_report(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<service::ReportInput>,
) -> ApiResult<(StatusCode, Json<service::ReportView>)> {
    Ok((StatusCode::CREATED, Json(service::report(&s.store, &p, parse_id(&id)?, input).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DayQuery {
    /// The day (default: today).
    day: Option<chrono::NaiveDate>,
}

#[utoipa::path(get, path = "/key-periods/{id}/summary.xlsx", tag = "key_periods",
    summary = "A day's summary: every unit in scope, filed, late or missing, and what it reported, as a spreadsheet",
    params(IdPath, DayQuery), responses((status = 200, description = "OK", content_type = XLSX, body = Binary)))]
async fn summary_xlsx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> ApiResult<axum::response::Response> {
    Ok(summary_download(&s.store, &p, parse_id(&id)?, q.day).await?)
}

pub(crate) async fn summary_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    id: i64,
    day: Option<chrono::NaiveDate>,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let (title, headers, rows) = service::summary_rows(store, who, id, day).await?;
    crate::platform::download::sheet_download(
        "重保日报",
        headers.into_iter().map(str::to_owned).collect(),
        rows,
        &format!("key-period-{id}.xlsx"),
        &format!("{title}.xlsx"),
    )
    .await
}
