//! JSON API: Channels and the delivery log. Each handler declares its operation
//! (`#[utoipa::path]`); `routes()` builds the router and the API document from them.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use crate::platform::extract::{IdPath, parse_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::notify::service as notify;
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels, add_channel))
        .routes(routes!(update_channel, delete_channel))
        .routes(routes!(list_deliveries))
        .routes(routes!(retry_delivery))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ChannelQuery {
    #[param(value_type = wangan_core::notify::ChannelOwner)]
    owner_kind: String,
    owner: Option<String>,
}

#[utoipa::path(
    get,
    path = "/channels",
    tag = "notifications",
    summary = "The notification channels of a unit, a person or the center",
    params(ChannelQuery),
    responses((status = 200, description = "OK", body = Vec<notify::ChannelView>))
)]
async fn list_channels(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ChannelQuery>,
) -> ApiResult<Json<Vec<notify::ChannelView>>> {
    Ok(Json(notify::channels(&s.store, &p, &q.owner_kind, q.owner.as_deref()).await?))
}

#[utoipa::path(
    post,
    path = "/channels",
    tag = "notifications",
    summary = "Add a channel (unit: its admin, officers; person: the person, people managers; center: admin)",
    request_body = notify::ChannelInput,
    responses((status = 201, description = "OK", body = notify::ChannelView))
)]
async fn add_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<notify::ChannelInput>,
) -> ApiResult<(StatusCode, Json<notify::ChannelView>)> {
    Ok((StatusCode::CREATED, Json(notify::add_channel(&s.store, &p, input).await?)))
}

#[utoipa::path(
    patch,
    path = "/channels/{id}",
    tag = "notifications",
    summary = "Change a channel; the secret is write-only",
    params(IdPath),
    request_body = notify::ChannelPatch,
    responses((status = 200, description = "OK", body = notify::ChannelView))
)]
async fn update_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<notify::ChannelPatch>,
) -> ApiResult<Json<notify::ChannelView>> {
    Ok(Json(notify::update_channel(&s.store, &p, parse_id(&id)?, patch).await?))
}

#[utoipa::path(
    delete,
    path = "/channels/{id}",
    tag = "notifications",
    summary = "Remove a channel",
    params(IdPath),
    responses((status = 204, description = "Done"))
)]
async fn delete_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    notify::delete_channel(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DeliveryQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    #[param(schema_with = wangan_core::notify::DeliveryStatus::schema_or_empty)]
    status: Option<String>,
    unit: Option<String>,
}

#[utoipa::path(
    get,
    path = "/deliveries",
    tag = "notifications",
    summary = "Every queued, sent and failed message with its attempts (admin)",
    params(DeliveryQuery),
    responses((status = 200, description = "OK", body = Page<notify::DeliveryView>))
)]
async fn list_deliveries(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<Page<notify::DeliveryView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    let f = notify::DeliveryFilter { status: q.status, unit: q.unit };
    Ok(Json(notify::deliveries(&s.store, &p, &f, page).await?))
}

#[utoipa::path(
    post,
    path = "/deliveries/{id}/retry",
    tag = "notifications",
    summary = "Queue a failed message again (admin)",
    params(IdPath),
    responses((status = 204, description = "Done"))
)]
async fn retry_delivery(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    notify::retry(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
