//! Enforcement: shutdown orders (责令关停) that the ladder proposes and an
//! officer issues or withdraws with a new deadline, and violations
//! (责任追究) that rules or people propose and an officer confirms or
//! dismisses. The JSON API.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use crate::platform::extract::{IdPath, parse_id};
use crate::platform::openapi::{Binary, DOCX};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::enforcement::CorrectionFilter;
use wangan_core::enforcement::service::{shutdowns, violations};
use wangan_core::notices::{ShutdownOrderState, ViolationCategory, ViolationState};
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_orders))
        .routes(routes!(get_order))
        .routes(routes!(issue_order))
        .routes(routes!(extend_order))
        .routes(routes!(order_docx))
        .routes(routes!(list_violations, propose_violation))
        .routes(routes!(get_violation))
        .routes(routes!(confirm_violation))
        .routes(routes!(dismiss_violation))
        .routes(routes!(correct_violation))
        .routes(routes!(criticize_violation))
        .routes(routes!(criticism_docx))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct OrderQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    #[param(schema_with = ShutdownOrderState::schema_or_empty)]
    state: Option<String>,
}

#[utoipa::path(
    get,
    path = "/shutdown-orders",
    tag = "enforcement",
    summary = "Shutdown orders in scope, newest first (`state=proposed`: those waiting for the center)",
    params(OrderQuery),
    responses((status = 200, description = "OK", body = Page<shutdowns::ShutdownOrderView>))
)]
async fn list_orders(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<OrderQuery>,
) -> ApiResult<Json<Page<shutdowns::ShutdownOrderView>>> {
    let state = crate::platform::extract::closed_word::<ShutdownOrderState>("state", q.state.as_deref())?;
    let page = PageRequest { page: q.page, per_page: q.per_page };
    Ok(Json(shutdowns::list(&s.store, &p, state, page).await?))
}

#[utoipa::path(
    get,
    path = "/shutdown-orders/{id}",
    tag = "enforcement",
    summary = "A shutdown order, with the monitor's last verification",
    params(IdPath),
    responses((status = 200, description = "OK", body = shutdowns::ShutdownOrderView))
)]
async fn get_order(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<shutdowns::ShutdownOrderView>> {
    Ok(Json(shutdowns::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    post,
    path = "/shutdown-orders/{id}/issue",
    tag = "enforcement",
    summary = "Issue a proposed order: the system's stage becomes shutdown, everyone is told (officer, admin)",
    params(IdPath),
    request_body = shutdowns::IssueInput,
    responses((status = 200, description = "OK", body = shutdowns::ShutdownOrderView))
)]
async fn issue_order(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<shutdowns::IssueInput>,
) -> ApiResult<Json<shutdowns::ShutdownOrderView>> {
    Ok(Json(shutdowns::issue(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    post,
    path = "/shutdown-orders/{id}/extend",
    tag = "enforcement",
    summary = "Withdraw a proposed order and give a new deadline, with a reason (officer, admin)",
    params(IdPath),
    request_body = shutdowns::ExtendInput,
    responses((status = 200, description = "OK", body = shutdowns::ShutdownOrderView))
)]
async fn extend_order(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<shutdowns::ExtendInput>,
) -> ApiResult<Json<shutdowns::ShutdownOrderView>> {
    Ok(Json(shutdowns::extend(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    get,
    path = "/shutdown-orders/{id}/notice.docx",
    tag = "enforcement",
    summary = "The 责令关停通知 of an issued order, as a Word document",
    params(IdPath),
    responses((status = 200, description = "OK", content_type = DOCX, body = Binary))
)]
async fn order_docx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    Ok(order_download(&s.store, &p, parse_id(&id)?).await?)
}

/// The 责令关停通知 as a Word download.
pub(crate) async fn order_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    id: i64,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let (name, bytes) = shutdowns::notice_docx(store, who, id).await?;
    Ok(crate::platform::download::file_download(
        bytes,
        crate::platform::download::DOCX,
        &format!("shutdown-notice-{id}.docx"),
        &name,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ViolationQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    unit: Option<String>,
    #[param(schema_with = ViolationState::schema_or_empty)]
    state: Option<String>,
    #[param(schema_with = ViolationCategory::schema_or_empty)]
    category: Option<String>,
    /// `open`: not yet corrected; `corrected`: corrected; `criticism_due`: confirmed, past the correction deadline, no notice of criticism yet.
    #[param(schema_with = CorrectionFilter::schema_or_empty)]
    correction: Option<String>,
}

/// The `correction` filter: (open, criticism due).
pub(crate) fn correction_filter(word: Option<&str>) -> Result<(Option<bool>, bool), wangan_core::CoreError> {
    Ok(match crate::platform::extract::closed_word::<CorrectionFilter>("correction", word)? {
        None => (None, false),
        Some(CorrectionFilter::Open) => (Some(true), false),
        Some(CorrectionFilter::Corrected) => (Some(false), false),
        Some(CorrectionFilter::CriticismDue) => (None, true),
    })
}

#[utoipa::path(
    get,
    path = "/violations",
    tag = "enforcement",
    summary = "Violations (责任追究) against units in scope, newest first; only confirmed ones count",
    params(ViolationQuery),
    responses((status = 200, description = "OK", body = Page<violations::ViolationView>))
)]
async fn list_violations(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ViolationQuery>,
) -> ApiResult<Json<Page<violations::ViolationView>>> {
    let state = crate::platform::extract::closed_word::<ViolationState>("state", q.state.as_deref())?;
    let page = PageRequest { page: q.page, per_page: q.per_page };
    let category = crate::platform::extract::closed_word::<ViolationCategory>("category", q.category.as_deref())?;
    let (open, criticism_due) = correction_filter(q.correction.as_deref())?;
    let f = violations::ViolationFilter { unit: q.unit, state, category, open, criticism_due };
    Ok(Json(violations::list(&s.store, &p, &f, page).await?))
}

#[utoipa::path(
    post,
    path = "/violations",
    tag = "enforcement",
    summary = "Propose a violation: one of the six behaviours of §三(四) (officer, reviewer, admin)",
    request_body = violations::ViolationInput,
    responses((status = 201, description = "Proposed", body = violations::ViolationView))
)]
async fn propose_violation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<violations::ViolationInput>,
) -> ApiResult<(StatusCode, Json<violations::ViolationView>)> {
    Ok((StatusCode::CREATED, Json(violations::propose(&s.store, &p, input).await?)))
}

#[utoipa::path(
    get,
    path = "/violations/{id}",
    tag = "enforcement",
    summary = "A violation",
    params(IdPath),
    responses((status = 200, description = "OK", body = violations::ViolationView))
)]
async fn get_violation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<violations::ViolationView>> {
    Ok(Json(violations::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    post,
    path = "/violations/{id}/confirm",
    tag = "enforcement",
    summary = "Confirm a proposed violation, with an optional note; it then counts against the unit (officer, admin)",
    params(IdPath),
    request_body = violations::DecisionInput,
    responses((status = 200, description = "OK", body = violations::ViolationView))
)]
async fn confirm_violation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<violations::DecisionInput>,
) -> ApiResult<Json<violations::ViolationView>> {
    Ok(Json(violations::decide(&s.store, &p, parse_id(&id)?, true, input).await?))
}

#[utoipa::path(
    post,
    path = "/violations/{id}/dismiss",
    tag = "enforcement",
    summary = "Dismiss a proposed violation, with the reason (officer, admin)",
    params(IdPath),
    request_body = violations::DecisionInput,
    responses((status = 200, description = "OK", body = violations::ViolationView))
)]
async fn dismiss_violation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<violations::DecisionInput>,
) -> ApiResult<Json<violations::ViolationView>> {
    Ok(Json(violations::decide(&s.store, &p, parse_id(&id)?, false, input).await?))
}

#[utoipa::path(
    post,
    path = "/violations/{id}/correct",
    tag = "enforcement",
    summary = "Record that a confirmed violation was corrected, with how (officer, admin); the rules record it by themselves for the facts they watch",
    params(IdPath),
    request_body = violations::DecisionInput,
    responses((status = 200, description = "OK", body = violations::ViolationView))
)]
async fn correct_violation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<violations::DecisionInput>,
) -> ApiResult<Json<violations::ViolationView>> {
    Ok(Json(violations::record_correction(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    post,
    path = "/violations/{id}/criticize",
    tag = "enforcement",
    summary = "Issue the notice of criticism (通报批评) for a confirmed violation uncorrected past its deadline (admin)",
    params(IdPath),
    request_body = violations::DecisionInput,
    responses((status = 200, description = "OK", body = violations::ViolationView))
)]
async fn criticize_violation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<violations::DecisionInput>,
) -> ApiResult<Json<violations::ViolationView>> {
    Ok(Json(violations::criticize(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    get,
    path = "/violations/{id}/criticism.docx",
    tag = "enforcement",
    summary = "The notice of criticism (通报批评) issued for a violation, as a Word document",
    params(IdPath),
    responses((status = 200, description = "OK", content_type = DOCX, body = Binary))
)]
async fn criticism_docx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    Ok(criticism_download(&s.store, &p, parse_id(&id)?).await?)
}

/// The 通报批评 as a Word download.
pub(crate) async fn criticism_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    id: i64,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let (name, bytes) = violations::criticism_docx(store, who, id).await?;
    Ok(crate::platform::download::file_download(
        bytes,
        crate::platform::download::DOCX,
        &format!("criticism-{id}.docx"),
        &name,
    ))
}
