//! Go-live requests (上线申请) in the JSON API: the unit asks, sends the
//! filing certificate, the center approves or refuses.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use crate::platform::extract::{IdPath, parse_id};
use crate::platform::openapi::Binary;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::platform::uploads::Upload;
use wangan_core::registry::GoLiveState;
use wangan_core::registry::service::golive;
use wangan_core::{Page, PageRequest};

/// The certificate's body: a PDF or an image, as scanned.
pub const CERTIFICATE_TYPES: &str = "application/octet-stream";

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_golive))
        .routes(routes!(list_requests))
        .routes(routes!(get_request))
        .routes({
            let (schemas, paths, router) = routes!(put_certificate, get_certificate);
            let limit = wangan_core::platform::attachments::MAX_BYTES;
            (schemas, paths, router.layer(axum::extract::DefaultBodyLimit::max(limit)))
        })
        .routes(routes!(approve_request))
        .routes(routes!(refuse_request))
}

#[utoipa::path(
    post,
    path = "/systems/{id}/golive",
    tag = "systems",
    summary = "Ask the center to put the system online (上线申请); send the filing certificate next (unit admin)",
    params(IdPath),
    request_body = golive::GoLiveInput,
    responses((status = 201, description = "OK", body = golive::GoLiveView))
)]
async fn request_golive(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<golive::GoLiveInput>,
) -> ApiResult<(StatusCode, Json<golive::GoLiveView>)> {
    Ok((StatusCode::CREATED, Json(golive::request(&s.store, &p, parse_id(&id)?, input).await?)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RequestQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    #[param(schema_with = GoLiveState::schema_or_empty)]
    state: Option<String>,
}

#[utoipa::path(
    get,
    path = "/golive-requests",
    tag = "systems",
    summary = "Go-live requests in scope, newest first (`state=pending`: those waiting for the center)",
    params(RequestQuery),
    responses((status = 200, description = "OK", body = Page<golive::GoLiveView>))
)]
async fn list_requests(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> ApiResult<Json<Page<golive::GoLiveView>>> {
    let state = crate::platform::extract::closed_word::<GoLiveState>("state", q.state.as_deref())?;
    Ok(Json(golive::list(&s.store, &p, state, PageRequest { page: q.page, per_page: q.per_page }).await?))
}

#[utoipa::path(
    get,
    path = "/golive-requests/{id}",
    tag = "systems",
    summary = "A go-live request",
    params(IdPath),
    responses((status = 200, description = "OK", body = golive::GoLiveView))
)]
async fn get_request(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<golive::GoLiveView>> {
    Ok(Json(golive::get(&s.store, &p, parse_id(&id)?).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CertificateQuery {
    /// The file's name, as it should be kept (备案证明.pdf).
    #[param(max_length = 200)]
    file_name: Option<String>,
}

#[utoipa::path(
    put,
    path = "/golive-requests/{id}/certificate",
    tag = "systems",
    summary = "Send the filing certificate (备案证明) of a pending request: a PDF or an image as the body (unit admin)",
    params(IdPath, CertificateQuery),
    request_body(content = Binary, content_type = CERTIFICATE_TYPES, description = "The certificate (PDF, PNG or JPEG)"),
    responses((status = 200, description = "OK", body = golive::GoLiveView))
)]
async fn put_certificate(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<CertificateQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<golive::GoLiveView>> {
    let up = Upload { file_name: q.file_name.unwrap_or_else(|| "备案证明".into()), bytes: body.to_vec() };
    Ok(Json(golive::put_certificate(&s.store, &p, parse_id(&id)?, up).await?))
}

#[utoipa::path(
    get,
    path = "/golive-requests/{id}/certificate",
    tag = "systems",
    summary = "The filing certificate sent with a request",
    params(IdPath),
    responses((status = 200, description = "OK", content_type = CERTIFICATE_TYPES, body = Binary))
)]
async fn get_certificate(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    let id = parse_id(&id)?;
    let (name, content_type, bytes) = golive::certificate(&s.store, &p, id).await?;
    Ok(crate::platform::download::file_download(bytes, &content_type, &format!("certificate-{id}"), &name))
}

#[utoipa::path(
    post,
    path = "/golive-requests/{id}/approve",
    tag = "systems",
    summary = "Approve a request: the system goes online through its gates (officer, admin)",
    params(IdPath),
    request_body = golive::GoLiveDecision,
    responses((status = 200, description = "OK", body = golive::GoLiveView))
)]
async fn approve_request(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<golive::GoLiveDecision>,
) -> ApiResult<Json<golive::GoLiveView>> {
    Ok(Json(golive::decide(&s.store, &p, parse_id(&id)?, true, input).await?))
}

#[utoipa::path(
    post,
    path = "/golive-requests/{id}/refuse",
    tag = "systems",
    summary = "Refuse a request, with the reason the unit reads (officer, admin)",
    params(IdPath),
    request_body = golive::GoLiveDecision,
    responses((status = 200, description = "OK", body = golive::GoLiveView))
)]
async fn refuse_request(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<golive::GoLiveDecision>,
) -> ApiResult<Json<golive::GoLiveView>> {
    Ok(Json(golive::decide(&s.store, &p, parse_id(&id)?, false, input).await?))
}
