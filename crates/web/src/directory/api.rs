//! JSON API: Units, people, responsible persons, the leadership group. Each operation is documented in
//! `platform::openapi::ROUTES`.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::parse_id;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use wangan_core::directory::service::leadership;
use wangan_core::directory::service::people;
use wangan_core::directory::service::responsibilities;
use wangan_core::directory::service::units;
use wangan_core::{Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", get(list_units).post(create_unit))
        .route("/units/{code}", get(get_unit).patch(update_unit).delete(delete_unit))
        .route("/units/{code}/responsibilities", get(get_responsibilities).put(put_responsibilities))
        .route("/people", get(list_people).post(create_person))
        .route("/people/{id}", get(get_person).patch(update_person))
        .route("/leadership", get(list_leadership))
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
