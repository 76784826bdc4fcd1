//! Single sign-on through an OpenID Connect provider: the authorization
//! code flow with PKCE, the provider found by discovery. The ID token is
//! verified (signature by the provider's keys, issuer, audience, expiry,
//! nonce); the configured claim (usually the staff number, 工号) names the
//! person, whose account signs in — as with CAS, nobody unknown gets in and
//! no account is made. Signing out goes to the provider's end-session
//! endpoint when it has one (RP-initiated logout).

use crate::AppState;
use crate::accounts::session::{anonymous_locale, session_cookie};
use crate::accounts::sso::{base, refused};
use crate::platform::extract::{ClientAddr, cookie};
use crate::platform::page::{PageRejection, PageResult};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use cookie::time;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AsyncHttpClient, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpClientError, HttpRequest, HttpResponse,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout, RedirectUrl, Scope,
    TokenResponse,
};
use serde::Deserialize;
use std::future::Future;
use std::pin::Pin;
use wangan_core::accounts::service as accounts;
use wangan_core::platform::secret;

/// `[sso.oidc]`: discovery at `{issuer}/.well-known/openid-configuration`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    /// The ID token's claim that carries the staff number.
    #[serde(default = "default_claim")]
    pub claim: String,
    /// The button on the sign-in page.
    #[serde(default = "default_label")]
    pub label: String,
    /// Scopes asked for besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

fn default_claim() -> String {
    "staff_no".into()
}

fn default_label() -> String {
    "统一身份认证登录".into()
}

fn default_scopes() -> Vec<String> {
    vec!["profile".into()]
}

impl OidcConfig {
    pub fn check(&self) -> Result<(), String> {
        IssuerUrl::new(self.issuer.clone()).map_err(|e| format!("[sso.oidc] issuer {:?}: {e}", self.issuer))?;
        if self.client_id.trim().is_empty() {
            return Err("[sso.oidc] client_id is required".into());
        }
        if self.claim.trim().is_empty() {
            return Err("[sso.oidc] claim is required (e.g. \"staff_no\")".into());
        }
        Ok(())
    }
}

/// The cookie that carries a sign-in's state, nonce and PKCE verifier from
/// the redirect to the provider until the browser comes back (ten minutes).
const FLOW_COOKIE: &str = "wangan_oidc";

/// Our HTTP client for the `openidconnect` crate (it names its own reqwest).
struct Http<'a>(&'a reqwest::Client);

impl<'c> AsyncHttpClient<'c> for Http<'_> {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(Box::new)?;
            let response = self.0.execute(request).await.map_err(Box::new)?;
            let mut builder = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = response.bytes().await.map_err(Box::new)?.to_vec();
            builder.body(body).map_err(HttpClientError::Http)
        })
    }
}

type Metadata = ProviderMetadataWithLogout;

async fn discover(s: &AppState, cfg: &OidcConfig) -> Result<Metadata, String> {
    let http = s.sso_http.as_ref().ok_or("no HTTP client")?;
    let issuer = IssuerUrl::new(cfg.issuer.clone()).map_err(|e| e.to_string())?;
    Metadata::discover_async(issuer, &Http(http)).await.map_err(|e| e.to_string())
}

fn redirect_uri(s: &AppState, headers: &HeaderMap) -> String {
    format!("{}/login/oidc/callback", base(s, headers))
}

/// The relying party for this provider, sending browsers back to our callback.
fn client(
    s: &AppState,
    headers: &HeaderMap,
    cfg: &OidcConfig,
    metadata: Metadata,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    PageRejection,
> {
    let redirect = RedirectUrl::new(redirect_uri(s, headers)).map_err(|_| not_configured(headers))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(cfg.client_id.clone()),
        Some(ClientSecret::new(cfg.client_secret.clone())).filter(|c| !c.secret().is_empty()),
    )
    .set_redirect_uri(redirect))
}

fn flow_cookie(s: &AppState, value: String, max_age: i64) -> CookieJar {
    let c = Cookie::build((FLOW_COOKIE, value))
        .path("/login/oidc")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .secure(s.config.secure_cookies);
    CookieJar::new().add(c)
}

fn not_configured(headers: &HeaderMap) -> PageRejection {
    PageRejection::Error(
        crate::platform::error::WebError::Core(wangan_core::CoreError::NotFound),
        anonymous_locale(headers),
    )
}

/// `GET /login/oidc`: off to the provider, with a fresh state, nonce and PKCE challenge.
pub async fn oidc_login(State(s): State<AppState>, headers: HeaderMap) -> PageResult {
    let Some(cfg) = s.config.sso.oidc.clone() else { return Err(not_configured(&headers)) };
    let metadata = match discover(&s, &cfg).await {
        Ok(m) => m,
        Err(why) => {
            tracing::warn!(issuer = %cfg.issuer, %why, "oidc discovery failed");
            return refused(&s, &headers, StatusCode::BAD_GATEWAY, "sso.unavailable", "");
        }
    };
    let client = client(&s, &headers, &cfg, metadata)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request =
        client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    for scope in &cfg.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    let value = format!("{}.{}.{}", state.secret(), nonce.secret(), verifier.secret());
    Ok((flow_cookie(&s, value, 600), Redirect::to(url.as_str())).into_response())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The claim named `claim` from a verified ID token's payload (a string or a number).
fn claim_of(id_token: &str, claim: &str) -> Option<String> {
    use base64::Engine;
    let payload = id_token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    match json.get(claim)? {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// `GET /login/oidc/callback`: the code exchanged (with the PKCE verifier),
/// the ID token verified, the person it names signed in.
pub async fn oidc_callback(
    State(s): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client_addr): ClientAddr,
    Query(q): Query<CallbackQuery>,
) -> PageResult {
    let Some(cfg) = s.config.sso.oidc.clone() else { return Err(not_configured(&headers)) };
    let locale = anonymous_locale(&headers);
    let clear = flow_cookie(&s, String::new(), 0);
    let refuse = |status: StatusCode, reason: &'static str, staff_no: &str| {
        let page = refused(&s, &headers, status, reason, staff_no)?;
        Ok((clear.clone(), page).into_response())
    };
    if let Some(addr) = client_addr
        && s.signin.check(addr, s.store.now()).is_err()
    {
        return refuse(StatusCode::TOO_MANY_REQUESTS, "sso.throttled", "");
    }
    let failed = |why: &str| {
        if let Some(addr) = client_addr {
            s.signin.failed(addr, s.store.now());
        }
        tracing::info!(client = ?client_addr, why, "oidc sign-in refused");
    };
    if let Some(e) = &q.error {
        failed(&format!("provider: {e}"));
        return refuse(StatusCode::FORBIDDEN, "sso.ticket_refused", "");
    }
    // The state must be the one this browser was sent with (no forged callbacks).
    let flow = cookie(&headers, FLOW_COOKIE).unwrap_or_default();
    let mut parts = flow.splitn(3, '.');
    let (Some(state), Some(nonce), Some(verifier), Some(given), Some(code)) =
        (parts.next(), parts.next(), parts.next(), q.state.as_deref(), q.code.clone())
    else {
        failed("no sign-in under way");
        return refuse(StatusCode::FORBIDDEN, "sso.ticket_refused", "");
    };
    if state.is_empty() || !secret::same(state, given) {
        failed("state mismatch");
        return refuse(StatusCode::FORBIDDEN, "sso.ticket_refused", "");
    }
    let metadata = match discover(&s, &cfg).await {
        Ok(m) => m,
        Err(why) => {
            tracing::warn!(issuer = %cfg.issuer, %why, "oidc discovery failed");
            return refuse(StatusCode::BAD_GATEWAY, "sso.unavailable", "");
        }
    };
    let Some(http) = s.sso_http.as_ref() else { return refuse(StatusCode::BAD_GATEWAY, "sso.unavailable", "") };
    let client = client(&s, &headers, &cfg, metadata)?;
    let exchange = match client.exchange_code(AuthorizationCode::new(code)) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(error = %e, "oidc provider has no token endpoint");
            return refuse(StatusCode::BAD_GATEWAY, "sso.unavailable", "");
        }
    };
    let tokens =
        match exchange.set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned())).request_async(&Http(http)).await {
            Ok(t) => t,
            Err(e) => {
                failed(&format!("code exchange: {e}"));
                return refuse(StatusCode::FORBIDDEN, "sso.ticket_refused", "");
            }
        };
    let Some(id_token) = tokens.id_token() else {
        failed("no ID token");
        return refuse(StatusCode::FORBIDDEN, "sso.ticket_refused", "");
    };
    let claims = match id_token.claims(&client.id_token_verifier(), &Nonce::new(nonce.to_owned())) {
        Ok(c) => c,
        Err(e) => {
            failed(&format!("ID token: {e}"));
            return refuse(StatusCode::FORBIDDEN, "sso.ticket_refused", "");
        }
    };
    let raw = id_token.to_string();
    let Some(staff_no) = claim_of(&raw, &cfg.claim) else {
        tracing::warn!(claim = %cfg.claim, subject = %claims.subject().as_str(), "oidc ID token carries no staff number");
        return refuse(StatusCode::FORBIDDEN, "sso.no_identity", "");
    };
    let p = match accounts::sso_principal(&s.store, &staff_no).await {
        Ok(Ok(p)) => p,
        Ok(Err(refusal)) => {
            tracing::info!(%staff_no, reason = refusal.code(), "oidc sign-in refused");
            return refuse(StatusCode::FORBIDDEN, crate::accounts::sso::refusal_key(refusal), &staff_no);
        }
        Err(e) => return Err(PageRejection::Error(e.into(), locale)),
    };
    let sso = format!("oidc:{}", secret::token_hash(&raw));
    let (value, _csrf) = accounts::create_session_from(&s.store, &p, Some(sso))
        .await
        .map_err(|e| PageRejection::Error(e.into(), locale))?;
    tracing::info!(username = %p.username, %staff_no, "signed in through oidc");
    let jar = session_cookie(&s, value, accounts::SESSION_HOURS * 3600)
        .add(Cookie::build((FLOW_COOKIE, "")).path("/login/oidc").max_age(time::Duration::ZERO));
    Ok((jar, Redirect::to("/")).into_response())
}

/// Where the browser goes after signing out of a session the provider
/// opened: its end-session endpoint, when discovery names one.
pub async fn logout_target(s: &AppState, headers: &HeaderMap, sso_session: Option<&str>) -> Option<String> {
    let cfg = s.config.sso.oidc.as_ref()?;
    sso_session.filter(|k| k.starts_with("oidc:"))?;
    let metadata = discover(s, cfg).await.ok()?;
    let end = metadata.additional_metadata().end_session_endpoint.as_ref()?;
    let mut url = end.url().clone();
    url.query_pairs_mut()
        .append_pair("client_id", &cfg.client_id)
        .append_pair("post_logout_redirect_uri", &format!("{}/login", base(s, headers)));
    Some(url.to_string())
}
