#![recursion_limit = "512"]
//! Wangan's HTTP front: server-rendered pages, the JSON API under `/api/v1`,
//! sessions, CSRF protection. Handlers parse, authorize via the core, call one
//! service function and render; no business rule lives here.

pub mod api;
pub mod chart;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod inventory_text;
pub mod metrics;
pub mod openapi;
pub mod pages;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use wangan_core::Store;

/// Largest request body accepted anywhere (uploads get their own limit later).
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when the platform is served over TLS).
    pub secure_cookies: bool,
    /// Zone in which times are shown.
    pub time_zone: chrono_tz::Tz,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig { secure_cookies: false, time_zone: chrono_tz::Asia::Shanghai }
    }
}

#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<metrics::Metrics>,
    /// Fetches pages on request (accepting a monitored page as its baseline).
    pub checker: Option<wangan_monitor::check::Checker>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        AppState { store, config: Arc::new(config), metrics: Arc::new(metrics::Metrics::default()), checker: None }
    }

    pub fn with_checker(mut self, checker: wangan_monitor::check::Checker) -> Self {
        self.checker = Some(checker);
        self
    }
}

/// The filtered systems list as an `.xlsx` download.
pub(crate) async fn xlsx_download(
    store: &Store,
    who: &wangan_core::Principal,
    filter: &wangan_core::registry::service::systems::SystemFilter,
) -> Result<axum::response::Response, error::WebError> {
    let rows = wangan_core::registry::service::inventory::export_rows(store, who, filter).await?;
    workbook_response(rows, "systems.xlsx").await
}

/// Rows under the inventory headers as a workbook download (built off the async threads).
pub(crate) async fn workbook_response(
    rows: Vec<Vec<String>>,
    ascii_name: &str,
) -> Result<axum::response::Response, error::WebError> {
    let headers: Vec<String> =
        wangan_core::registry::rules::inventory::HEADERS.iter().map(|h| (*h).to_owned()).collect();
    sheet_download("信息系统台账", headers, rows, ascii_name, "信息系统台账.xlsx").await
}

/// A sheet as an `.xlsx` download, built off the async threads.
pub(crate) async fn sheet_download(
    sheet: &'static str,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    ascii_name: &str,
    name: &str,
) -> Result<axum::response::Response, error::WebError> {
    let bytes = tokio::task::spawn_blocking(move || {
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        wangan_office::write_xlsx(sheet, &h, &rows)
    })
    .await
    .map_err(|e| wangan_core::CoreError::Internal(e.to_string()))?
    .map_err(|e| wangan_core::CoreError::Internal(e.to_string()))?;
    Ok(file_download(bytes, openapi::XLSX, ascii_name, name))
}

/// A file download: the UTF-8 name for browsers that read RFC 5987, the ASCII one for the rest.
pub(crate) fn file_download(
    bytes: Vec<u8>,
    content_type: &str,
    ascii_name: &str,
    name: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    let disposition = format!("attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}");
    ([(header::CONTENT_TYPE, content_type.to_owned()), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response()
}

/// The batch summary of rectifications as a workbook.
pub(crate) async fn rectification_summary_download(
    store: &Store,
    who: &wangan_core::Principal,
    filter: &wangan_core::notices::service::rectifications::RectificationFilter,
) -> Result<axum::response::Response, error::WebError> {
    let mut rows = wangan_core::notices::service::rectifications::summary_rows(store, who, filter).await?;
    let headers = if rows.is_empty() { Vec::new() } else { rows.remove(0) };
    sheet_download("整改情况汇总", headers, rows, "rectifications.xlsx", "整改情况汇总.xlsx").await
}

pub(crate) const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// The rectification report (风险整改报告) as a Word download.
pub(crate) async fn report_download(
    store: &Store,
    who: &wangan_core::Principal,
    id: i64,
) -> Result<axum::response::Response, error::WebError> {
    let (name, bytes) = wangan_core::notices::service::rectifications::report_docx(store, who, id).await?;
    Ok(file_download(bytes, DOCX, &format!("rectification-report-{id}.docx"), &name))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/static/app.css", get(stylesheet))
        .nest("/api/v1", api::router())
        .merge(pages::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ))
        .with_state(state)
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
