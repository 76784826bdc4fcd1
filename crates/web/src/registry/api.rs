//! JSON API: Systems: registration, filing, protections, MLPS, transitions, the inventory sheet. Each operation is documented in
//! `platform::openapi::ROUTES`.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::parse_id;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use serde::Deserialize;
use wangan_core::registry::service::systems;
use wangan_core::{Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/systems", get(list_systems).post(create_system))
        .route("/systems/export.xlsx", get(export_systems))
        .route("/systems/{id}", get(get_system).patch(update_system).delete(delete_system))
        .route("/systems/{id}/filing", put(put_filing))
        .route("/systems/{id}/protections", put(put_protections))
        .route("/systems/{id}/mlps", put(put_mlps))
        .route("/systems/{id}/mlps/evaluations", post(add_evaluation))
        .route("/systems/{id}/transition", post(transition))
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
    Ok(crate::registry::xlsx_download(&s.store, &p, &filter).await?)
}
