//! JSON API: Notices, rectifications, violations. Each operation is documented in
//! `platform::openapi::ROUTES`.

use crate::AppState;
use crate::platform::error::{ApiResult, WebError};
use crate::platform::extract::parse_id;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser};
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::notices::service::notices;
use wangan_core::notices::service::rectifications;
use wangan_core::{Page, PageRequest, platform::access::Permission};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notices", get(list_notices).post(create_notice))
        .route(
            "/notices/import",
            post(import_notices).layer(axum::extract::DefaultBodyLimit::max(wangan_office::MAX_BYTES)),
        )
        .route("/notices/{id}", get(get_notice).patch(update_notice))
        .route("/rectifications", get(list_rectifications))
        .route("/rectifications/export.xlsx", get(export_rectifications))
        .route("/rectifications/{id}", get(get_rectification))
        .route("/rectifications/{id}/start", post(start_rectification))
        .route("/rectifications/{id}/report", post(report_rectification))
        .route("/rectifications/{id}/approve", post(approve_rectification))
        .route("/rectifications/{id}/review", post(review_rectification))
        .route("/rectifications/{id}/report.docx", get(rectification_docx))
        .route("/violations", get(list_violations))
}

#[derive(Deserialize)]
struct NoticeQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    source: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    unit: Option<String>,
    overdue: Option<bool>,
    q: Option<String>,
}

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

async fn create_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<notices::NoticeInput>,
) -> ApiResult<(StatusCode, Json<notices::NoticeDetail>)> {
    Ok((StatusCode::CREATED, Json(notices::create(&s.store, &p, input).await?)))
}

async fn get_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<notices::NoticeDetail>> {
    Ok(Json(notices::get(&s.store, &p, parse_id(&id)?).await?))
}

async fn update_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<notices::NoticePatch>,
) -> ApiResult<Json<notices::NoticeDetail>> {
    Ok(Json(notices::update(&s.store, &p, parse_id(&id)?, patch).await?))
}

#[derive(Deserialize)]
struct RectificationQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    unit: Option<String>,
    status: Option<String>,
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

async fn list_rectifications(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RectificationQuery>,
) -> ApiResult<Json<Page<rectifications::RectificationView>>> {
    let (page, f) = q.split();
    Ok(Json(rectifications::list(&s.store, &p, &f, page).await?))
}

async fn export_rectifications(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RectificationQuery>,
) -> ApiResult<axum::response::Response> {
    let (_, f) = q.split();
    Ok(crate::notices::rectification_summary_download(&s.store, &p, &f).await?)
}

async fn get_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::get(&s.store, &p, parse_id(&id)?).await?))
}

async fn start_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::start(&s.store, &p, parse_id(&id)?).await?))
}

async fn report_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<rectifications::ReportInput>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::report(&s.store, &p, parse_id(&id)?, input).await?))
}

async fn approve_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::approve(&s.store, &p, parse_id(&id)?).await?))
}

async fn review_rectification(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<rectifications::ReviewInput>,
) -> ApiResult<Json<rectifications::RectificationDetail>> {
    Ok(Json(rectifications::review(&s.store, &p, parse_id(&id)?, input).await?))
}

async fn rectification_docx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    Ok(crate::notices::report_download(&s.store, &p, parse_id(&id)?).await?)
}

#[derive(Deserialize)]
struct UnitPageQuery {
    page: Option<u64>,
    per_page: Option<u64>,
    unit: Option<String>,
}

async fn list_violations(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<UnitPageQuery>,
) -> ApiResult<Json<Page<rectifications::ViolationView>>> {
    let page = PageRequest { page: q.page, per_page: q.per_page };
    Ok(Json(rectifications::violations(&s.store, &p, q.unit.as_deref(), page).await?))
}

#[derive(Deserialize)]
struct ImportQuery {
    #[serde(default)]
    dry_run: bool,
}

/// The body is the `.xlsx` or `.csv` file itself. The report lists every row;
/// nothing is written unless every row passes (`written`).
async fn import_notices(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<Json<wangan_core::registry::service::inventory::ImportReport>> {
    p.require(Permission::ManageNotices)?;
    use wangan_core::platform::sheet_import::{self, Notices};
    use wangan_core::registry::service::inventory::ImportMode;
    let mode = if q.dry_run { ImportMode::DryRun } else { ImportMode::AllOrNothing };
    match sheet_import::run::<Notices>(&s.store, &p, &body, mode).await? {
        Ok(report) => Ok(Json(report)),
        Err(u) => Err(WebError::BadRequest(crate::registry::inventory_text::unreadable(
            &crate::platform::i18n::msg("en"),
            &u,
        ))
        .into()),
    }
}
