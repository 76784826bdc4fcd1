//! The JSON API under `/api/v1` (bearer tokens): every feature's
//! `api::routes()`, whose handlers declare their operations, so the router
//! and the OpenAPI document (`platform::openapi`) come from one source.

use crate::AppState;
use crate::platform::error::{ApiError, WebError};
use axum::Router;
use axum::response::IntoResponse;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::CoreError;

/// The API's routes with their declarations.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(openapi_doc))
        .merge(crate::accounts::api::routes())
        .merge(crate::directory::api::routes())
        .merge(crate::registry::api::routes())
        .merge(crate::registry::golive::api::routes())
        .merge(crate::notices::api::routes())
        .merge(crate::enforcement::api::routes())
        .merge(crate::inspections::api::routes())
        .merge(crate::scorecard::api::routes())
        .merge(crate::warnings::api::routes())
        .merge(crate::data_calls::api::routes())
        .merge(crate::incidents::api::routes())
        .merge(crate::duty::api::routes())
        .merge(crate::key_periods::api::routes())
        .merge(crate::registers::api::routes())
        .merge(crate::notify::api::routes())
        .merge(crate::monitoring::api::routes())
        .merge(crate::sites::api::routes())
        .merge(crate::audit::api::routes())
}

/// The router mounted at `/api/v1`.
pub fn router() -> Router<AppState> {
    // The document is made from the same declarations when it is first asked for.
    let (router, _) = routes().split_for_parts();
    router.fallback(|| async { ApiError(WebError::Core(CoreError::NotFound)) })
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", summary = "This document",
    responses((status = 200, description = "OK", content_type = "application/json", body = Object)))]
async fn openapi_doc() -> impl IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, crate::platform::openapi::JSON)], crate::platform::openapi::text())
}
