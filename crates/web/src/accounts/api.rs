//! JSON API: The caller's account and API tokens. Each operation is documented in
//! `platform::openapi::ROUTES`.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::ApiUser;
use crate::platform::extract::parse_id;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use serde::Serialize;
use wangan_core::accounts::service as accounts;

pub fn routes() -> Router<AppState> {
    Router::new().route("/me", get(me)).route("/tokens/{id}", delete(revoke_token))
}

#[derive(Serialize)]
struct Me {
    id: i64,
    username: String,
    person_id: Option<i64>,
    locale: String,
    roles: Vec<accounts::GrantView>,
}

async fn me(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Me>> {
    let roles = accounts::grant_views(&s.store, &p).await?;
    Ok(Json(Me { id: p.user_id, username: p.username, person_id: p.person_id, locale: p.locale, roles }))
}

async fn revoke_token(State(s): State<AppState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    accounts::revoke_token(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
