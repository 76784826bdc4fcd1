#![recursion_limit = "512"]
//! Wangan's HTTP front: server-rendered pages, the JSON API under `/api/v1`,
//! sessions, CSRF protection. Handlers parse, authorize via the core, call one
//! service function and render; no business rule lives here.
#![forbid(unsafe_code)]

pub mod api;
pub mod pages;
pub mod platform;

pub mod accounts;
pub mod audit;
pub mod dashboard;
pub mod data_calls;
pub mod directory;
pub mod duty;
pub mod enforcement;
pub mod incidents;
pub mod inspections;
pub mod key_periods;
pub mod monitoring;
pub mod notices;
pub mod notify;
pub mod operations;
pub mod registers;
pub mod registry;
pub mod scorecard;
pub mod sites;
pub mod warnings;

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
    /// Failed sign-ins one client address may make per minute.
    pub signin: wangan_core::accounts::rules::ThrottlePolicy,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// Wangan's own address (`base_url`): the identity service sends browsers back here.
    pub base_url: String,
    /// Campus single sign-on (`[sso]`).
    pub sso: accounts::sso::SsoConfig,
    /// Admins must sign in with a second factor (TOTP) or through the campus service.
    pub require_totp_for_admin: bool,
    /// One line per request (`[logs]`), when kept.
    pub access_log: Option<platform::access_log::AccessLog>,
    /// Backups and logs as configured, for the status page.
    pub operations: wangan_core::platform::operations::Configured,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            time_zone: chrono_tz::Asia::Shanghai,
            signin: Default::default(),
            trusted_proxies: Vec::new(),
            metrics_token: None,
            base_url: String::new(),
            sso: Default::default(),
            require_totp_for_admin: false,
            access_log: None,
            operations: Default::default(),
        }
    }
}

/// What every handler reads: one pointer, so that handing it to each request
/// (every extractor and middleware takes its own copy) costs one reference
/// count, not one per part.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
#[derive(Clone, Debug)]
pub struct Shared {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub metrics: Arc<platform::metrics::Metrics>,
    /// Fetches pages on request (accepting a monitored page as its baseline).
    pub checker: Option<wangan_monitor::check::Checker>,
    /// Failed sign-ins by client address, on this node.
    pub signin: Arc<wangan_core::accounts::throttle::SignInThrottle>,
    /// The monitoring engine's counters on this node (`/metrics`), when it runs here.
    pub monitor_stats: Option<Arc<wangan_monitor::engine::Stats>>,
    /// Asks the campus identity service (CAS ticket validation).
    pub sso_http: Option<reqwest::Client>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        platform::i18n::set_names(&store.documents().center, &store.documents().leadership_group);
        // Only with single sign-on set up: a client loads the system's root certificates.
        let sso_http = (config.sso.cas.is_some() || config.sso.oidc.is_some())
            .then(|| accounts::sso::client().map_err(|e| tracing::error!(error = %e, "no single sign-on")).ok())
            .flatten();
        AppState(Arc::new(Shared {
            store,
            signin: Arc::new(wangan_core::accounts::throttle::SignInThrottle::new(config.signin)),
            config: Arc::new(config),
            metrics: Arc::new(platform::metrics::Metrics::default()),
            checker: None,
            monitor_stats: None,
            sso_http,
        }))
    }

    pub fn with_checker(mut self, checker: wangan_monitor::check::Checker) -> Self {
        Arc::make_mut(&mut self.0).checker = Some(checker);
        self
    }

    pub fn with_monitor_stats(mut self, stats: Arc<wangan_monitor::engine::Stats>) -> Self {
        Arc::make_mut(&mut self.0).monitor_stats = Some(stats);
        self
    }
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
    // Served over TLS (behind a proxy that terminates it): browsers are told to keep to HTTPS.
    let hsts = state.config.secure_cookies.then(|| HeaderValue::from_static("max-age=31536000"));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(platform::metrics::render))
        .route("/static/app.css", get(stylesheet))
        .nest("/api/v1", api::router())
        .merge(pages::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(axum::middleware::from_fn_with_state(state.clone(), platform::metrics::track))
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
        // Pages, API answers and downloads hold what a shared or proxy cache
        // must not keep; only the stylesheet says otherwise.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
        .with_state(state)
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
