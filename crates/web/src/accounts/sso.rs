//! Single sign-on through the campus identity service (统一身份认证): CAS
//! 2.0 / 3.0. The service names a person by staff number (工号, the user
//! name or an attribute); the person's account signs in. Nobody unknown is
//! let in and no account is made: an admin grants roles.
//!
//! The identity server is set by an admin in `wangan.toml` and, like the
//! SMTP server, is not subject to `[network]`.

use crate::AppState;
use crate::accounts::session::{anonymous_locale, session_cookie};
use crate::platform::extract::ClientAddr;
use crate::platform::page::{Ctx, PageRejection, PageResult, render_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use wangan_core::accounts::cas::{self, Validation};
use wangan_core::accounts::service::{self as accounts, SsoRefusal};
use wangan_core::platform::secret;

/// `[sso]` in `wangan.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SsoConfig {
    pub cas: Option<CasConfig>,
    pub oidc: Option<super::oidc::OidcConfig>,
}

/// `[sso.cas]`: sign-in at `{server}/login`, validation at
/// `{server}/p3/serviceValidate` (`version = 2`: `{server}/serviceValidate`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CasConfig {
    pub server: String,
    /// Empty: the CAS user name is the staff number; else the attribute that carries it.
    #[serde(default)]
    pub attribute: String,
    /// The button on the sign-in page.
    #[serde(default = "default_cas_label")]
    pub label: String,
    /// 3 (default) or 2.
    #[serde(default = "default_cas_version")]
    pub version: u8,
}

fn default_cas_label() -> String {
    "统一身份认证登录".into()
}

fn default_cas_version() -> u8 {
    3
}

impl CasConfig {
    pub fn check(&self) -> Result<(), String> {
        let u = url::Url::parse(&self.server).map_err(|e| format!("[sso.cas] server {:?}: {e}", self.server))?;
        if !matches!(u.scheme(), "https" | "http") || u.query().is_some() {
            return Err(format!("[sso.cas] server {:?}: an http(s) address without a query", self.server));
        }
        if !matches!(self.version, 2 | 3) {
            return Err(format!("[sso.cas] version {}: 2 or 3", self.version));
        }
        Ok(())
    }

    fn protocol(&self) -> cas::Version {
        if self.version == 2 { cas::Version::V2 } else { cas::Version::V3 }
    }
}

/// The HTTP client for the identity server: no redirects followed, ten seconds.
pub fn client() -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("wangan/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("sso http client: {e}"))
}

/// Wangan's own address as the identity server must see it: `base_url`
/// when set, else this request's host.
pub fn base(s: &AppState, headers: &HeaderMap) -> String {
    if !s.config.base_url.trim().is_empty() {
        return s.config.base_url.trim().trim_end_matches('/').to_owned();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = if s.config.secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The CAS `service`: where the CAS server sends the browser back with a ticket.
fn cas_service(s: &AppState, headers: &HeaderMap) -> String {
    format!("{}/login/cas", base(s, headers))
}

#[derive(Template)]
#[template(path = "accounts/sso_refused.html")]
struct RefusedPage {
    ctx: Ctx,
    /// The catalog key of the reason.
    reason: &'static str,
    /// The staff number the identity service gave, when there was one.
    staff_no: String,
}

pub(crate) fn refused(
    s: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    reason: &'static str,
    staff_no: &str,
) -> PageResult {
    let ctx = Ctx::anonymous(s, anonymous_locale(headers));
    render_status(status, RefusedPage { ctx, reason, staff_no: staff_no.to_owned() })
}

/// The catalog key of why the identity service's word let nobody in.
pub(crate) fn refusal_key(refusal: SsoRefusal) -> &'static str {
    match refusal {
        SsoRefusal::UnknownPerson => "sso.unknown_person",
        SsoRefusal::NoAccount => "sso.no_account",
        SsoRefusal::Disabled => "sso.disabled",
    }
}

#[derive(Deserialize)]
pub struct CasQuery {
    ticket: Option<String>,
}

/// `GET /login/cas`: without a ticket, off to the CAS server; with one,
/// validated there, and the person it names signed in.
pub async fn cas_login(
    State(s): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    Query(q): Query<CasQuery>,
) -> PageResult {
    let Some(cfg) = s.config.sso.cas.clone() else {
        return Err(PageRejection::Error(
            crate::platform::error::WebError::Core(wangan_core::CoreError::NotFound),
            anonymous_locale(&headers),
        ));
    };
    let service = cas_service(&s, &headers);
    let Some(ticket) = q.ticket else {
        return Ok(Redirect::to(&cas::login_url(&cfg.server, &service)).into_response());
    };
    if let Some(addr) = client
        && s.signin.check(addr, s.store.now()).is_err()
    {
        tracing::warn!(client = %addr, "cas sign-in throttled");
        return refused(&s, &headers, StatusCode::TOO_MANY_REQUESTS, "sso.throttled", "");
    }
    let failed = |why: &str| {
        if let Some(addr) = client {
            s.signin.failed(addr, s.store.now());
        }
        tracing::info!(client = ?client, why, "cas sign-in refused");
    };
    if !cas::plausible_ticket(&ticket) {
        failed("not a ticket");
        return refused(&s, &headers, StatusCode::FORBIDDEN, "sso.ticket_refused", "");
    }
    let url = cas::validate_url(&cfg.server, cfg.protocol(), &service, &ticket);
    let Some(http) = &s.sso_http else {
        return refused(&s, &headers, StatusCode::BAD_GATEWAY, "sso.unavailable", "");
    };
    let answer = match http.get(&url).send().await {
        Ok(r) if r.status().is_success() => r.text().await.map_err(|e| e.to_string()),
        Ok(r) => Err(format!("HTTP {}", r.status())),
        Err(e) => Err(e.to_string()),
    };
    let validation = match answer.map(|body| cas::parse_validation(&body)) {
        Ok(Ok(v)) => v,
        Ok(Err(cas::Unreadable(why))) | Err(why) => {
            tracing::warn!(server = %cfg.server, %why, "cas server did not validate");
            return refused(&s, &headers, StatusCode::BAD_GATEWAY, "sso.unavailable", "");
        }
    };
    if let Validation::Failure { code, message } = &validation {
        failed(&format!("{code}: {message}"));
        return refused(&s, &headers, StatusCode::FORBIDDEN, "sso.ticket_refused", "");
    }
    let Some(staff_no) = cas::identity(&validation, &cfg.attribute) else {
        tracing::warn!(attribute = %cfg.attribute, "cas answer carries no staff number");
        return refused(&s, &headers, StatusCode::FORBIDDEN, "sso.no_identity", "");
    };
    let locale = anonymous_locale(&headers);
    let p = match accounts::sso_principal(&s.store, &staff_no).await {
        Ok(Ok(p)) => p,
        Ok(Err(refusal)) => {
            tracing::info!(%staff_no, reason = refusal.code(), "cas sign-in refused");
            return refused(&s, &headers, StatusCode::FORBIDDEN, refusal_key(refusal), &staff_no);
        }
        Err(e) => return Err(PageRejection::Error(e.into(), locale)),
    };
    let sso = format!("cas:{}", secret::token_hash(&ticket));
    let (cookie, _csrf) = accounts::create_session_from(&s.store, &p, Some(sso))
        .await
        .map_err(|e| PageRejection::Error(e.into(), locale))?;
    tracing::info!(username = %p.username, %staff_no, "signed in through cas");
    Ok((session_cookie(&s, cookie, accounts::SESSION_HOURS * 3600), Redirect::to("/")).into_response())
}

#[derive(Deserialize)]
pub struct LogoutRequestForm {
    #[serde(rename = "logoutRequest", default)]
    logout_request: String,
}

/// `POST /login/cas`: the CAS server's single logout (a SAML
/// `LogoutRequest` naming the ticket the session was opened with).
pub async fn cas_single_logout(
    State(s): State<AppState>,
    axum::Form(f): axum::Form<LogoutRequestForm>,
) -> Result<StatusCode, StatusCode> {
    if s.config.sso.cas.is_none() {
        return Err(StatusCode::NOT_FOUND);
    }
    let Some(ticket) = cas::logout_session_index(&f.logout_request) else {
        return Err(StatusCode::BAD_REQUEST);
    };
    let sso = format!("cas:{}", secret::token_hash(&ticket));
    match accounts::end_sso_sessions(&s.store, &sso).await {
        Ok(n) => {
            tracing::info!(sessions = n, "cas single logout");
            Ok(StatusCode::OK)
        }
        Err(e) => {
            tracing::error!(error = %e, "cas single logout failed");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Where the browser goes after signing out of a session the identity
/// service opened: out of that service too.
pub async fn logout_target(s: &AppState, headers: &HeaderMap, sso_session: Option<&str>) -> Option<String> {
    if let Some(cfg) = s.config.sso.cas.as_ref()
        && sso_session.is_some_and(|k| k.starts_with("cas:"))
    {
        return Some(cas::logout_url(&cfg.server, &format!("{}/login", base(s, headers))));
    }
    super::oidc::logout_target(s, headers, sso_session).await
}
