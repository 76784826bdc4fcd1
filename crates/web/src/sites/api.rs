//! JSON API: the whole site — crawled pages, the outbound-link inventory and
//! its allow-lists, 双非 sites, zombie sites and columns.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser, IdPath, parse_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::Page;
use wangan_core::sites::service as sites;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(site_pages))
        .routes(routes!(set_key_page))
        .routes(routes!(accept_key_page))
        .routes(routes!(list_outbound))
        .routes(routes!(list_allow, add_allow))
        .routes(routes!(remove_allow))
        .routes(routes!(list_outside))
        .routes(routes!(decide_outside))
        .routes(routes!(list_zombies))
}

#[utoipa::path(
    get,
    path = "/monitors/{id}/pages",
    tag = "sites",
    summary = "The pages the site's last crawl visited, with findings, dates and outbound links per page",
    params(IdPath),
    responses((status = 200, description = "OK", body = sites::SitePagesView))
)]
async fn site_pages(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<sites::SitePagesView>> {
    Ok(Json(sites::pages(&s.store, &p, parse_id(&id)?).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct KeyInput {
    /// A key page (栏目首页): compared with its baseline at every crawl.
    key: bool,
}

#[utoipa::path(
    put,
    path = "/crawled-pages/{id}/key",
    tag = "sites",
    summary = "Mark a crawled page as a key page (栏目首页: tampering baselines too) or not (officer, admin)",
    params(IdPath),
    request_body = KeyInput,
    responses((status = 200, description = "OK", body = sites::CrawledPageView))
)]
async fn set_key_page(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<KeyInput>,
) -> ApiResult<Json<sites::CrawledPageView>> {
    Ok(Json(sites::set_key_page(&s.store, &p, parse_id(&id)?, input.key).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AcceptInput {
    /// Why the change is accepted (a redesign, a new column).
    #[schema(max_length = 500)]
    #[serde(default)]
    note: String,
}

#[utoipa::path(
    post,
    path = "/crawled-pages/{id}/accept",
    tag = "sites",
    summary = "Accept a key page's change: its baseline is taken again at the next crawl and its tampering findings resolve (officer, admin, the unit's admin)",
    params(IdPath),
    request_body = AcceptInput,
    responses((status = 200, description = "OK", body = sites::CrawledPageView))
)]
async fn accept_key_page(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<AcceptInput>,
) -> ApiResult<Json<sites::CrawledPageView>> {
    Ok(Json(sites::accept_key_page(&s.store, &p, parse_id(&id)?, &input.note).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct OutboundQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    /// Part of the domain.
    q: Option<String>,
    /// `pending` (on no list) or `approved`; empty: both.
    #[param(schema_with = wangan_core::sites::LinkReview::schema_or_empty)]
    review: Option<String>,
    /// Only domains linked to in a hidden block.
    hidden: Option<bool>,
    /// One system's site.
    system: Option<i64>,
    /// Also domains the sites no longer link to.
    gone: Option<bool>,
}

impl From<OutboundQuery> for sites::OutboundFilter {
    fn from(q: OutboundQuery) -> Self {
        sites::OutboundFilter {
            q: q.q,
            review: q.review,
            hidden: q.hidden,
            system: q.system,
            gone: q.gone,
            page: q.page,
            per_page: q.per_page,
        }
    }
}

#[utoipa::path(
    get,
    path = "/sites/outbound",
    tag = "sites",
    summary = "The outbound-link inventory (外链台账): every external domain the sites in scope link to, unreviewed first",
    params(OutboundQuery),
    responses((status = 200, description = "OK", body = Page<sites::OutboundView>))
)]
async fn list_outbound(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<OutboundQuery>,
) -> ApiResult<Json<Page<sites::OutboundView>>> {
    Ok(Json(sites::outbound(&s.store, &p, &q.into()).await?))
}

#[utoipa::path(
    get,
    path = "/sites/allow",
    tag = "sites",
    summary = "The allow-lists: the institution's and each site's (officer, admin)",
    responses((status = 200, description = "OK", body = Vec<sites::AllowView>))
)]
async fn list_allow(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Vec<sites::AllowView>>> {
    Ok(Json(sites::allow_list(&s.store, &p).await?))
}

#[utoipa::path(
    post,
    path = "/sites/allow",
    tag = "sites",
    summary = "Approve domains in bulk: added to the institution's or one site's allow-list, their findings resolved (officer, admin)",
    request_body = sites::AllowInput,
    responses((status = 201, description = "OK", body = sites::AllowOutcome))
)]
async fn add_allow(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<sites::AllowInput>,
) -> ApiResult<(StatusCode, Json<sites::AllowOutcome>)> {
    Ok((StatusCode::CREATED, Json(sites::allow(&s.store, &p, input).await?)))
}

#[utoipa::path(
    delete,
    path = "/sites/allow/{id}",
    tag = "sites",
    summary = "Remove an allow-list entry; the domains it covered are pending review again (officer, admin)",
    params(IdPath),
    responses((status = 204, description = "Done"))
)]
async fn remove_allow(State(s): State<AppState>, ApiUser(p): ApiUser, Path(id): Path<String>) -> ApiResult<StatusCode> {
    sites::remove_allow(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get,
    path = "/sites/outside",
    tag = "sites",
    summary = "双非 sites: outside the institution's domains or campus addresses, undecided first",
    responses((status = 200, description = "OK", body = Vec<sites::OutsideView>))
)]
async fn list_outside(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Vec<sites::OutsideView>>> {
    Ok(Json(sites::outside(&s.store, &p).await?))
}

#[utoipa::path(
    post,
    path = "/systems/{id}/outside",
    tag = "sites",
    summary = "Decide on a 双非 site: accepted with a reason, or ordered closed (officer, admin)",
    params(IdPath),
    request_body = sites::OutsideInput,
    responses((status = 200, description = "OK", body = sites::OutsideView))
)]
async fn decide_outside(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<sites::OutsideInput>,
) -> ApiResult<Json<sites::OutsideView>> {
    Ok(Json(sites::decide_outside(&s.store, &p, parse_id(&id)?, input).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ZombieQuery {
    /// One unit's (its code).
    unit: Option<String>,
}

#[utoipa::path(
    get,
    path = "/sites/zombies",
    tag = "sites",
    summary = "Zombie sites and columns: not updated for [institution] zombie_days, with the suggested action",
    params(ZombieQuery),
    responses((status = 200, description = "OK", body = Vec<sites::ZombieView>))
)]
async fn list_zombies(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ZombieQuery>,
) -> ApiResult<Json<Vec<sites::ZombieView>>> {
    let unit = match q.unit.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
        Some(code) => match wangan_core::directory::service::units::find_visible(s.store.db(), &p, code).await {
            Ok(u) => Some(u.id),
            Err(wangan_core::CoreError::NotFound) => return Ok(Json(Vec::new())),
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    Ok(Json(sites::zombies(&s.store, &p, unit).await?))
}
