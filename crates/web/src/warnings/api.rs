//! Early warnings: the JSON API.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser, IdPath, PageQuery, parse_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::warnings::service::warnings;
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_warnings, publish_warning))
        .routes(routes!(parse_bulletin))
        .routes(routes!(import_warnings))
        .routes(routes!(get_warning))
        .routes(routes!(list_acknowledgements, acknowledge))
        .routes(routes!(open_rectification))
}

#[utoipa::path(
    get,
    path = "/warnings",
    tag = "warnings",
    summary = "Early warnings the caller sees (unit roles: those sent to their units), newest first, with who acknowledged, who is affected, who is silent",
    params(PageQuery),
    responses((status = 200, description = "OK", body = Page<warnings::WarningView>))
)]
async fn list_warnings(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<warnings::WarningView>>> {
    Ok(Json(warnings::list(&s.store, &p, PageRequest { page: q.page, per_page: q.per_page }).await?))
}

#[utoipa::path(
    post,
    path = "/warnings",
    tag = "warnings",
    summary = "Publish an early warning to every unit, chosen units, or the units whose systems carry its tech-stack tags; they are told at once (officer, admin)",
    request_body = warnings::WarningInput,
    responses((status = 201, description = "Published", body = warnings::WarningDetail))
)]
async fn publish_warning(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<warnings::WarningInput>,
) -> ApiResult<(StatusCode, Json<warnings::WarningDetail>)> {
    Ok((StatusCode::CREATED, Json(warnings::publish(&s.store, &p, input).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct BulletinText {
    /// A bulletin as pasted from a web page or an article.
    #[schema(max_length = 50000)]
    text: String,
}

#[utoipa::path(
    post,
    path = "/warnings/parse",
    tag = "warnings",
    summary = "Read a pasted bulletin into a draft (title, severity, CVE/CNVD number, affected versions, description, advice) to check before publishing (officer, admin)",
    request_body = BulletinText,
    responses((status = 200, description = "OK", body = wangan_core::warnings::BulletinDraft))
)]
async fn parse_bulletin(
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<BulletinText>,
) -> ApiResult<Json<wangan_core::warnings::BulletinDraft>> {
    p.require(wangan_core::platform::access::Permission::PublishWarnings)?;
    if input.text.chars().count() > 50000 {
        return Err(wangan_core::CoreError::invalid("text", "too_long").into());
    }
    Ok(Json(wangan_core::warnings::parse_bulletin(&input.text)))
}

#[utoipa::path(
    get,
    path = "/warnings/{id}",
    tag = "warnings",
    summary = "A warning with each targeted unit's acknowledgement and answer (in scope)",
    params(IdPath),
    responses((status = 200, description = "OK", body = warnings::WarningDetail))
)]
async fn get_warning(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<warnings::WarningDetail>> {
    Ok(Json(warnings::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    get,
    path = "/warnings/{id}/acknowledgements",
    tag = "warnings",
    summary = "Each targeted unit's acknowledgement and answer (in scope)",
    params(IdPath),
    responses((status = 200, description = "OK", body = Vec<warnings::Acknowledgement>))
)]
async fn list_acknowledgements(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<warnings::Acknowledgement>>> {
    Ok(Json(warnings::get(&s.store, &p, parse_id(&id)?).await?.acknowledgements))
}

#[utoipa::path(
    post,
    path = "/warnings/{id}/acknowledgements",
    tag = "warnings",
    summary = "Acknowledge a warning for a unit, and answer whether it is affected, which systems and what was done (the unit's network admin or head)",
    params(IdPath),
    request_body = warnings::AckInput,
    responses((status = 200, description = "OK", body = warnings::WarningDetail))
)]
async fn acknowledge(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<warnings::AckInput>,
) -> ApiResult<Json<warnings::WarningDetail>> {
    Ok(Json(warnings::acknowledge(&s.store, &p, parse_id(&id)?, input).await?))
}

/// A warning's id and a unit's code.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct WarningUnitPath {
    /// The warning's id.
    id: String,
    /// The unit's code.
    code: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct NoticeOpened {
    notice_id: i64,
}

#[utoipa::path(
    post,
    path = "/warnings/{id}/units/{code}/rectification",
    tag = "warnings",
    summary = "Open a rectification from a unit's affected answer: a notice for its affected systems with the warning's severity (officer, admin)",
    params(WarningUnitPath),
    responses((status = 201, description = "Opened", body = NoticeOpened))
)]
async fn open_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, code)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<NoticeOpened>)> {
    let notice_id = warnings::open_rectification(&s.store, &p, parse_id(&id)?, &code).await?;
    Ok((StatusCode::CREATED, Json(NoticeOpened { notice_id })))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// The body is the `.xlsx` or `.csv` file itself: columns 标题, 危害等级, 来源,
/// 编号, 影响产品, 预警内容, 处置建议, 发送范围, 技术栈标签, 发送单位. The report lists
/// every row; nothing is published unless every row passes (`written`).
#[utoipa::path(
    post,
    path = "/warnings/import",
    tag = "warnings",
    summary = "Publish warnings from the .xlsx / .csv file sent as the body; all rows or none (officer, admin)",
    params(ImportQuery),
    request_body(content = crate::platform::openapi::Binary, content_type = crate::platform::openapi::XLSX, description = "The spreadsheet (.xlsx or .csv)"),
    responses((status = 200, description = "OK", body = wangan_core::registry::service::inventory::ImportReport))
)]
async fn import_warnings(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<wangan_core::registry::service::inventory::ImportReport>> {
    p.require(wangan_core::platform::access::Permission::PublishWarnings)?;
    crate::platform::sheet_upload::api::<wangan_core::platform::sheet_import::Warnings>(&s.store, &p, &body, q.dry_run)
        .await
}
