//! JSON API: The caller's account and API tokens. Each handler declares its operation
//! (`#[utoipa::path]`); `routes()` builds the router and the API document from them.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::ApiUser;
use crate::platform::extract::{IdPath, parse_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::accounts::service as accounts;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(me)).routes(routes!(revoke_token))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Me {
    id: i64,
    username: String,
    person_id: Option<i64>,
    locale: String,
    roles: Vec<accounts::GrantView>,
}

#[utoipa::path(
    get,
    path = "/me",
    tag = "accounts",
    summary = "The caller's account and roles",
    responses((status = 200, description = "OK", body = Me))
)]
async fn me(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Me>> {
    let roles = accounts::grant_views(&s.store, &p).await?;
    Ok(Json(Me { id: p.user_id, username: p.username, person_id: p.person_id, locale: p.locale, roles }))
}

#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    tag = "accounts",
    summary = "Revoke an API token (its owner or an admin)",
    params(IdPath),
    responses((status = 204, description = "Done"))
)]
async fn revoke_token(State(s): State<AppState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    accounts::revoke_token(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
