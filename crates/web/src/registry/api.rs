//! JSON API: Systems: registration, filing, protections, MLPS, transitions, the inventory sheet. Each handler declares its operation
//! (`#[utoipa::path]`); `routes()` builds the router and the API document from them.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use crate::platform::extract::{IdPath, parse_id};
use crate::platform::openapi::{Binary, XLSX};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::registry::service::systems;
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_systems, create_system))
        .routes(routes!(export_systems))
        .routes(routes!(get_system, update_system, delete_system))
        .routes(routes!(put_filing))
        .routes(routes!(put_protections))
        .routes(routes!(put_mlps))
        .routes(routes!(add_evaluation))
        .routes(routes!(transition))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct SystemQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    unit: Option<String>,
    stage: Option<String>,
    level: Option<i32>,
    filing: Option<String>,
    internet_facing: Option<bool>,
    important: Option<bool>,
    evaluation: Option<String>,
    /// `overdue`: level 2 and above without an MLPS filing number 30 days after grading or going online.
    mlps_filing: Option<String>,
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
            mlps_filing: self.mlps_filing,
            q: self.q,
            sort: self.sort,
        }
    }
}

#[utoipa::path(
    get,
    path = "/systems",
    tag = "systems",
    summary = "List systems in scope",
    params(SystemQuery),
    responses((status = 200, description = "OK", body = Page<systems::SystemView>))
)]
async fn list_systems(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<SystemQuery>,
) -> ApiResult<Json<Page<systems::SystemView>>> {
    let (page, filter) = (PageRequest { page: q.page, per_page: q.per_page }, q.filter());
    Ok(Json(systems::list(&s.store, &p, &filter, page).await?))
}

#[utoipa::path(
    post,
    path = "/systems",
    tag = "systems",
    summary = "Register a system (stage planned)",
    request_body = systems::SystemInput,
    responses((status = 201, description = "OK", body = systems::SystemDetail))
)]
async fn create_system(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<systems::SystemInput>,
) -> ApiResult<(StatusCode, Json<systems::SystemDetail>)> {
    Ok((StatusCode::CREATED, Json(systems::create(&s.store, &p, input).await?)))
}

#[utoipa::path(
    get,
    path = "/systems/{id}",
    tag = "systems",
    summary = "One system, with protections, evaluations and what blocks each next step",
    params(IdPath),
    responses((status = 200, description = "OK", body = systems::SystemDetail))
)]
async fn get_system(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    patch,
    path = "/systems/{id}",
    tag = "systems",
    summary = "Change a system; changing a filed system's URLs, addresses or owner unit sets its filing to needs_update",
    params(IdPath),
    request_body = systems::SystemPatch,
    responses((status = 200, description = "OK", body = systems::SystemDetail))
)]
async fn update_system(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<systems::SystemPatch>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

#[utoipa::path(
    delete,
    path = "/systems/{id}",
    tag = "systems",
    summary = "Delete a system still in stage planned",
    params(IdPath),
    responses((status = 204, description = "Done"))
)]
async fn delete_system(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    systems::delete(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    put,
    path = "/systems/{id}/filing",
    tag = "systems",
    summary = "Record the filing (备案)",
    params(IdPath),
    request_body = systems::FilingInput,
    responses((status = 200, description = "OK", body = systems::SystemDetail))
)]
async fn put_filing(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<systems::FilingInput>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::put_filing(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    put,
    path = "/systems/{id}/protections",
    tag = "systems",
    summary = "Replace the protections (安全防护措施)",
    params(IdPath),
    request_body = Vec<systems::ProtectionInput>,
    responses((status = 200, description = "OK", body = systems::SystemDetail))
)]
async fn put_protections(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<Vec<systems::ProtectionInput>>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::put_protections(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    put,
    path = "/systems/{id}/mlps",
    tag = "systems",
    summary = "Record the MLPS (等级保护) grading and filing",
    params(IdPath),
    request_body = systems::MlpsInput,
    responses((status = 200, description = "OK", body = systems::SystemDetail))
)]
async fn put_mlps(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<systems::MlpsInput>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::put_mlps(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    post,
    path = "/systems/{id}/mlps/evaluations",
    tag = "systems",
    summary = "Add an MLPS evaluation (测评)",
    params(IdPath),
    request_body = systems::EvaluationInput,
    responses((status = 201, description = "OK", body = systems::SystemDetail))
)]
async fn add_evaluation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<systems::EvaluationInput>,
) -> ApiResult<(StatusCode, Json<systems::SystemDetail>)> {
    Ok((StatusCode::CREATED, Json(systems::add_evaluation(&s.store, &p, parse_id(&id)?, input).await?)))
}

#[utoipa::path(
    post,
    path = "/systems/{id}/transition",
    tag = "systems",
    summary = "Move to another stage through the gates; 409 gate_failed lists every reason",
    params(IdPath),
    request_body = systems::TransitionInput,
    responses((status = 200, description = "OK", body = systems::SystemDetail))
)]
async fn transition(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<systems::TransitionInput>,
) -> ApiResult<Json<systems::SystemDetail>> {
    Ok(Json(systems::transition(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    get,
    path = "/systems/export.xlsx",
    tag = "systems",
    summary = "The filtered list as an Excel workbook with the inventory template's columns",
    params(SystemQuery),
    responses((status = 200, description = "OK", content_type = XLSX, body = Binary))
)]
async fn export_systems(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<SystemQuery>,
) -> ApiResult<axum::response::Response> {
    let filter = q.filter();
    Ok(crate::registry::xlsx_download(&s.store, &p, &filter).await?)
}
