//! The JSON API under `/api/v1` (bearer tokens): every feature's `api::routes()`
//! and the OpenAPI document (`platform::openapi`), which lists every route
//! (a shape test compares the two).

use crate::AppState;
use crate::platform::error::{ApiError, WebError};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use wangan_core::CoreError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_doc))
        .merge(crate::accounts::api::routes())
        .merge(crate::directory::api::routes())
        .merge(crate::registry::api::routes())
        .merge(crate::notices::api::routes())
        .merge(crate::notify::api::routes())
        .merge(crate::monitoring::api::routes())
        .merge(crate::audit::api::routes())
        .fallback(|| async { ApiError(WebError::Core(CoreError::NotFound)) })
}

async fn openapi_doc() -> impl IntoResponse {
    Json(crate::platform::openapi::document())
}
