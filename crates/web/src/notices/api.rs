//! JSON API: Notices, rectifications, violations. Each handler declares its operation
//! (`#[utoipa::path]`); `routes()` builds the router and the API document from them.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use crate::platform::extract::{IdPath, parse_id};
use crate::platform::openapi::{Binary, DOCX, XLSX};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::notices::service::notices;
use wangan_core::notices::service::rectifications;
use wangan_core::{Page, PageRequest, platform::access::Permission};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notices, create_notice))
        .routes({
            let (schemas, paths, router) = routes!(import_notices);
            (schemas, paths, router.layer(axum::extract::DefaultBodyLimit::max(wangan_office::MAX_BYTES)))
        })
        .routes(routes!(get_notice, update_notice))
        .routes(routes!(list_rectifications))
        .routes(routes!(export_rectifications))
        .routes(routes!(get_rectification))
        .routes(routes!(start_rectification))
        .routes(routes!(report_rectification))
        .routes(routes!(approve_rectification))
        .routes(routes!(review_rectification))
        .routes(routes!(rectification_docx))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct NoticeQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    #[param(schema_with = wangan_core::notices::NoticeSource::schema_or_empty)]
    source: Option<String>,
    #[param(schema_with = wangan_core::notices::Severity::schema_or_empty)]
    severity: Option<String>,
    #[param(schema_with = wangan_core::notices::NoticeStatus::schema_or_empty)]
    status: Option<String>,
    unit: Option<String>,
    overdue: Option<bool>,
    q: Option<String>,
}

#[utoipa::path(
    get,
    path = "/notices",
    tag = "notices",
    summary = "Notices in scope (unit roles: those about their units), newest first",
    params(NoticeQuery),
    responses((status = 200, description = "OK", body = Page<notices::NoticeView>))
)]
async fn list_notices(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<NoticeQuery>,
) -> ApiResult<Json<Page<notices::NoticeView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    let f = notices::NoticeFilter {
        source: q.source,
        severity: q.severity,
        status: q.status,
        unit: q.unit,
        overdue: q.overdue,
        q: q.q,
    };
    Ok(Json(notices::list(&s.store, &p, &f, page).await?))
}

#[utoipa::path(
    post,
    path = "/notices",
    tag = "notices",
    summary = "Record a notice; one rectification per system goes to its owner unit (officer, admin)",
    request_body = notices::NoticeInput,
    responses((status = 201, description = "OK", body = notices::NoticeDetail))
)]
async fn create_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<notices::NoticeInput>,
) -> ApiResult<(StatusCode, Json<notices::NoticeDetail>)> {
    Ok((StatusCode::CREATED, Json(notices::create(&s.store, &p, input).await?)))
}

#[utoipa::path(
    get,
    path = "/notices/{id}",
    tag = "notices",
    summary = "A notice with its rectifications",
    params(IdPath),
    responses((status = 200, description = "OK", body = notices::NoticeDetail))
)]
async fn get_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<notices::NoticeDetail>> {
    Ok(Json(notices::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    patch,
    path = "/notices/{id}",
    tag = "notices",
    summary = "Edit a notice; a new deadline moves its open rectifications; systems are added (officer, admin)",
    params(IdPath),
    request_body = notices::NoticePatch,
    responses((status = 200, description = "OK", body = notices::NoticeDetail))
)]
async fn update_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<notices::NoticePatch>,
) -> ApiResult<Json<notices::NoticeDetail>> {
    Ok(Json(notices::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RectificationQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    unit: Option<String>,
    #[param(schema_with = wangan_core::notices::RectificationStatus::schema_or_empty)]
    status: Option<String>,
    #[param(schema_with = wangan_core::notices::Severity::schema_or_empty)]
    severity: Option<String>,
    notice: Option<i64>,
    system: Option<i64>,
    overdue: Option<bool>,
    open: Option<bool>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
}

impl RectificationQuery {
    fn split(self) -> (PageRequest, rectifications::RectificationFilter) {
        (
            PageRequest { page: self.page, per_page: self.per_page },
            rectifications::RectificationFilter {
                unit: self.unit,
                status: self.status,
                severity: self.severity,
                notice: self.notice,
                system: self.system,
                overdue: self.overdue,
                open: self.open,
                from: self.from,
                to: self.to,
            },
        )
    }
}

#[utoipa::path(
    get,
    path = "/rectifications",
    tag = "rectifications",
    summary = "Rectifications in scope, nearest deadline first",
    params(RectificationQuery),
    responses((status = 200, description = "OK", body = Page<rectifications::RectificationView>))
)]
async fn list_rectifications(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RectificationQuery>,
) -> ApiResult<Json<Page<rectifications::RectificationView>>> {
    let (page, f) = q.split();
    Ok(Json(rectifications::list(&s.store, &p, &f, page).await?))
}

#[utoipa::path(
    get,
    path = "/rectifications/export.xlsx",
    tag = "rectifications",
    summary = "The batch summary of the filtered rectifications as a workbook",
    params(RectificationQuery),
    responses((status = 200, description = "OK", content_type = XLSX, body = Binary))
)]
async fn export_rectifications(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RectificationQuery>,
) -> ApiResult<axum::response::Response> {
    let (_, f) = q.split();
    Ok(crate::notices::rectification_summary_download(&s.store, &p, &f).await?)
}

#[utoipa::path(
    get,
    path = "/rectifications/{id}",
    tag = "rectifications",
    summary = "A rectification with its report",
    params(IdPath),
    responses((status = 200, description = "OK", body = rectifications::RectificationDetail))
)]
async fn get_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    post,
    path = "/rectifications/{id}/start",
    tag = "rectifications",
    summary = "Start work (the unit's admin)",
    params(IdPath),
    responses((status = 200, description = "OK", body = rectifications::RectificationDetail))
)]
async fn start_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::start(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    post,
    path = "/rectifications/{id}/report",
    tag = "rectifications",
    summary = "Save (submit=false) or submit the rectification report (the unit's admin)",
    params(IdPath),
    request_body = rectifications::ReportInput,
    responses((status = 200, description = "OK", body = rectifications::RectificationDetail))
)]
async fn report_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<rectifications::ReportInput>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::report(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    post,
    path = "/rectifications/{id}/approve",
    tag = "rectifications",
    summary = "Approve the submitted report (the unit's leader); it goes to the center",
    params(IdPath),
    responses((status = 200, description = "OK", body = rectifications::RectificationDetail))
)]
async fn approve_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::approve(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    post,
    path = "/rectifications/{id}/review",
    tag = "rectifications",
    summary = "Accept (closes, lifts a shutdown order) or reject with a comment (officer, admin)",
    params(IdPath),
    request_body = rectifications::ReviewInput,
    responses((status = 200, description = "OK", body = rectifications::RectificationDetail))
)]
async fn review_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<rectifications::ReviewInput>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::review(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    get,
    path = "/rectifications/{id}/report.docx",
    tag = "rectifications",
    summary = "The rectification report (风险整改报告) as a Word document",
    params(IdPath),
    responses((status = 200, description = "OK", content_type = DOCX, body = Binary))
)]
async fn rectification_docx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    Ok(crate::notices::report_download(&s.store, &p, parse_id(&id)?).await?)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// The body is the `.xlsx` or `.csv` file itself. The report lists every row;
/// nothing is written unless every row passes (`written`).
#[utoipa::path(
    post,
    path = "/notices/import",
    tag = "notices",
    summary = "Import notices from the .xlsx / .csv file sent as the body; all rows or none (officer, admin)",
    params(ImportQuery),
    request_body(content = Binary, content_type = XLSX, description = "The spreadsheet (.xlsx or .csv)"),
    responses((status = 200, description = "OK", body = wangan_core::registry::service::inventory::ImportReport))
)]
async fn import_notices(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<wangan_core::registry::service::inventory::ImportReport>> {
    p.require(Permission::ManageNotices)?;
    crate::platform::sheet_upload::api::<wangan_core::platform::sheet_import::Notices>(&s.store, &p, &body, q.dry_run)
        .await
}
