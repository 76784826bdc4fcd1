//! JSON API: Channels and the delivery log. Each operation is documented in
//! `platform::openapi::ROUTES`.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::parse_id;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::notify::service as notify;
use wangan_core::{Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/channels", get(list_channels).post(add_channel))
        .route("/channels/{id}", axum::routing::patch(update_channel).delete(delete_channel))
        .route("/deliveries", get(list_deliveries))
        .route("/deliveries/{id}/retry", post(retry_delivery))
}

#[derive(Deserialize)]
struct ChannelQuery {
    owner_kind: String,
    owner: Option<String>,
}

async fn list_channels(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ChannelQuery>,
) -> ApiResult<Json<Vec<notify::ChannelView>>> {
    Ok(Json(notify::channels(&s.store, &p, &q.owner_kind, q.owner.as_deref()).await?))
}

async fn add_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<notify::ChannelInput>,
) -> ApiResult<(StatusCode, Json<notify::ChannelView>)> {
    Ok((StatusCode::CREATED, Json(notify::add_channel(&s.store, &p, input).await?)))
}

async fn update_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<notify::ChannelPatch>,
) -> ApiResult<Json<notify::ChannelView>> {
    Ok(Json(notify::update_channel(&s.store, &p, parse_id(&id)?, patch).await?))
}

async fn delete_channel(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    notify::delete_channel(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct DeliveryQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    status: Option<String>,
    unit: Option<String>,
}

async fn list_deliveries(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<DeliveryQuery>,
) -> ApiResult<Json<Page<notify::DeliveryView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    let f = notify::DeliveryFilter { status: q.status, unit: q.unit };
    Ok(Json(notify::deliveries(&s.store, &p, &f, page).await?))
}

async fn retry_delivery(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    notify::retry(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
