//! JSON API: Units, people, responsible persons, the leadership group. Each handler declares its operation
//! (`#[utoipa::path]`); `routes()` builds the router and the API document from them.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use crate::platform::extract::{CodePath, IdPath, parse_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::directory::service::leadership;
use wangan_core::directory::service::people;
use wangan_core::directory::service::responsibilities;
use wangan_core::directory::service::units;
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, update_unit, delete_unit))
        .routes(routes!(get_responsibilities, put_responsibilities))
        .routes(routes!(list_people, create_person))
        .routes(routes!(import_people))
        .routes(routes!(get_person, update_person))
        .routes(routes!(list_leadership))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UnitQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    unit: Option<String>,
    kind: Option<String>,
    q: Option<String>,
}

#[utoipa::path(
    get,
    path = "/units",
    tag = "units",
    summary = "List units in scope",
    params(UnitQuery),
    responses((status = 200, description = "OK", body = Page<units::UnitView>))
)]
async fn list_units(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Page<units::UnitView>>> {
    let filter = units::UnitFilter { unit: q.unit, kind: q.kind, q: q.q };
    let page = PageRequest { page: q.page, per_page: q.per_page };
    Ok(Json(units::list(&s.store, &p, &filter, page).await?))
}

#[utoipa::path(
    post,
    path = "/units",
    tag = "units",
    summary = "Create a unit (admin)",
    request_body = units::UnitInput,
    responses((status = 201, description = "OK", body = units::UnitView))
)]
async fn create_unit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<units::UnitInput>,
) -> ApiResult<(StatusCode, Json<units::UnitView>)> {
    Ok((StatusCode::CREATED, Json(units::create(&s.store, &p, input).await?)))
}

#[utoipa::path(
    get,
    path = "/units/{code}",
    tag = "units",
    summary = "One unit",
    params(CodePath),
    responses((status = 200, description = "OK", body = units::UnitView))
)]
async fn get_unit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<units::UnitView>> {
    Ok(Json(units::get(&s.store, &p, &code).await?))
}

#[utoipa::path(
    patch,
    path = "/units/{code}",
    tag = "units",
    summary = "Change a unit (admin)",
    params(CodePath),
    request_body = units::UnitPatch,
    responses((status = 200, description = "OK", body = units::UnitView))
)]
async fn update_unit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
    ApiJson(patch): ApiJson<units::UnitPatch>,
) -> ApiResult<Json<units::UnitView>> {
    Ok(Json(units::update(&s.store, &p, &code, patch).await?))
}

#[utoipa::path(
    delete,
    path = "/units/{code}",
    tag = "units",
    summary = "Delete an unused unit (admin)",
    params(CodePath),
    responses((status = 204, description = "Done"))
)]
async fn delete_unit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    units::delete(&s.store, &p, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/units/{code}/responsibilities",
    tag = "units",
    summary = "A unit's responsible persons",
    params(CodePath),
    responses((status = 200, description = "OK", body = responsibilities::ResponsibilitiesView))
)]
async fn get_responsibilities(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<responsibilities::ResponsibilitiesView>> {
    Ok(Json(responsibilities::get(&s.store, &p, &code).await?))
}

#[utoipa::path(
    put,
    path = "/units/{code}/responsibilities",
    tag = "units",
    summary = "Appoint a unit's responsible persons",
    params(CodePath),
    request_body = responsibilities::ResponsibilitiesInput,
    responses((status = 200, description = "OK", body = responsibilities::ResponsibilitiesView))
)]
async fn put_responsibilities(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<responsibilities::ResponsibilitiesInput>,
) -> ApiResult<Json<responsibilities::ResponsibilitiesView>> {
    Ok(Json(responsibilities::put(&s.store, &p, &code, input).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PeopleQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    unit: Option<String>,
    q: Option<String>,
}

#[utoipa::path(
    get,
    path = "/people",
    tag = "people",
    summary = "List people in scope",
    params(PeopleQuery),
    responses((status = 200, description = "OK", body = Page<people::PersonView>))
)]
async fn list_people(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<PeopleQuery>,
) -> ApiResult<Json<Page<people::PersonView>>> {
    let filter = people::PersonFilter { unit: q.unit, q: q.q };
    Ok(Json(people::list(&s.store, &p, &filter, PageRequest { page: q.page, per_page: q.per_page }).await?))
}

#[utoipa::path(
    post,
    path = "/people",
    tag = "people",
    summary = "Add a person",
    request_body = people::PersonInput,
    responses((status = 201, description = "OK", body = people::PersonView))
)]
async fn create_person(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<people::PersonInput>,
) -> ApiResult<(StatusCode, Json<people::PersonView>)> {
    Ok((StatusCode::CREATED, Json(people::create(&s.store, &p, input).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// The body is the `.xlsx` or `.csv` file itself: columns 姓名, 单位 (code or
/// full name), 工号, 职务, 电话, 邮箱. A row with a staff number updates the
/// person who has it; without one, the only person of that name in the unit;
/// else it adds one. Nothing is written unless every row passes (`written`).
#[utoipa::path(
    post,
    path = "/people/import",
    tag = "people",
    summary = "Add and update people from the .xlsx / .csv file sent as the body; all rows or none (admin, officer, unit_admin)",
    params(ImportQuery),
    request_body(content = crate::platform::openapi::Binary, content_type = crate::platform::openapi::XLSX, description = "The spreadsheet (.xlsx or .csv)"),
    responses((status = 200, description = "OK", body = wangan_core::registry::service::inventory::ImportReport))
)]
async fn import_people(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<wangan_core::registry::service::inventory::ImportReport>> {
    people::require_import(&p)?;
    crate::platform::sheet_upload::api::<wangan_core::platform::sheet_import::People>(&s.store, &p, &body, q.dry_run)
        .await
}

#[utoipa::path(
    get,
    path = "/people/{id}",
    tag = "people",
    summary = "One person",
    params(IdPath),
    responses((status = 200, description = "OK", body = people::PersonView))
)]
async fn get_person(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<people::PersonView>> {
    Ok(Json(people::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    patch,
    path = "/people/{id}",
    tag = "people",
    summary = "Change a person",
    params(IdPath),
    request_body = people::PersonPatch,
    responses((status = 200, description = "OK", body = people::PersonView))
)]
async fn update_person(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<people::PersonPatch>,
) -> ApiResult<Json<people::PersonView>> {
    Ok(Json(people::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

#[utoipa::path(
    get,
    path = "/leadership",
    tag = "units",
    summary = "The leadership group",
    responses((status = 200, description = "OK", body = Vec<leadership::MemberView>))
)]
async fn list_leadership(
    State(s): State<AppState>,
    ApiUser(_p): ApiUser,
) -> ApiResult<Json<Vec<leadership::MemberView>>> {
    Ok(Json(leadership::list(&s.store).await?))
}
