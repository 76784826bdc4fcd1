//! Sign-in, sign-out, password change, language.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{ClientAddr, CsrfForm, LANG_COOKIE, PageUser, PlainForm, SESSION_COOKIE, cookie};
use crate::platform::i18n;
use crate::platform::page::{Ctx, OrPage, PageRejection, PageResult, render, render_status};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use cookie::time;
use serde::Deserialize;
use wangan_core::CoreError;
use wangan_core::accounts::service as accounts;

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub(crate) struct LoginPage {
    ctx: Ctx,
    error: Option<String>,
    username: String,
    /// The campus sign-in buttons, when CAS or OIDC is set up.
    cas_label: Option<String>,
    oidc_label: Option<String>,
}

impl LoginPage {
    pub(crate) fn new(s: &AppState, ctx: Ctx, error: Option<String>, username: String) -> LoginPage {
        let cas_label = s.config.sso.cas.as_ref().map(|c| c.label.clone());
        let oidc_label = s.config.sso.oidc.as_ref().map(|c| c.label.clone());
        LoginPage { ctx, error, username, cas_label, oidc_label }
    }
}

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// Before sign-in: zh-CN unless English was chosen on this browser (the
/// switch on the sign-in page sets a cookie). After sign-in the account's
/// own choice applies.
pub(crate) fn anonymous_locale(headers: &HeaderMap) -> &'static str {
    match cookie(headers, LANG_COOKIE).as_deref() {
        Some("en") => "en",
        _ => i18n::DEFAULT_LOCALE,
    }
}

pub async fn login_page(State(s): State<AppState>, headers: HeaderMap, Query(q): Query<LangQuery>) -> PageResult {
    let (locale, set_cookie) = match q.lang.as_deref() {
        Some("en") => ("en", Some("en")),
        Some(_) => (i18n::DEFAULT_LOCALE, Some(i18n::DEFAULT_LOCALE)),
        None => (anonymous_locale(&headers), None),
    };
    let page = render(LoginPage::new(&s, Ctx::anonymous(&s, locale), None, String::new()))?;
    Ok(match set_cookie {
        Some(l) => {
            let c =
                Cookie::build((LANG_COOKIE, l)).path("/").max_age(time::Duration::days(365)).same_site(SameSite::Lax);
            (CookieJar::new().add(c), page).into_response()
        }
        None => page,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

pub(crate) fn session_cookie(state: &AppState, value: String, max_age: i64) -> CookieJar {
    let c = Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .secure(state.config.secure_cookies);
    CookieJar::new().add(c)
}

pub async fn login(
    State(s): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    PlainForm(f): PlainForm<LoginForm>,
) -> PageResult {
    let locale = anonymous_locale(&headers);
    if let Some(addr) = client
        && let Err(wait) = s.signin.check(addr, s.store.now())
    {
        let seconds = (wait.num_milliseconds() + 999) / 1000;
        tracing::warn!(client = %addr, username = %f.username, "sign-in throttled");
        let ctx = Ctx::anonymous(&s, locale);
        let error = ctx.m.fmt("login.throttled", &[("seconds", &seconds.to_string())]);
        let page = render_status(StatusCode::TOO_MANY_REQUESTS, LoginPage::new(&s, ctx, Some(error), f.username))?;
        return Ok(([(axum::http::header::RETRY_AFTER, seconds.to_string())], page).into_response());
    }
    match accounts::authenticate(&s.store, &f.username, &f.password).await {
        // The account's second factor is on: the sign-in waits for its code.
        Ok(p) if p.second_factor => {
            let pending = wangan_core::accounts::second_factor::begin(&s.store, &p)
                .await
                .map_err(|e| PageRejection::Error(e.into(), locale))?;
            Ok((super::two_factor::pending_cookie(&s, pending, 300), Redirect::to("/login/totp")).into_response())
        }
        Ok(p) => {
            let (secret, _csrf) =
                accounts::create_session(&s.store, &p).await.map_err(|e| PageRejection::Error(e.into(), locale))?;
            let to = if p.must_change_password { "/password" } else { "/" };
            Ok((session_cookie(&s, secret, accounts::SESSION_HOURS * 3600), Redirect::to(to)).into_response())
        }
        // A locked account is answered as a wrong password: the answer must not
        // tell which names exist. The log tells the difference.
        Err(e @ (CoreError::BadCredentials | CoreError::Locked(_))) => {
            if let Some(addr) = client {
                s.signin.failed(addr, s.store.now());
            }
            match &e {
                CoreError::Locked(until) => {
                    tracing::info!(username = %f.username, client = ?client, %until, "sign-in refused: account locked")
                }
                _ => tracing::info!(username = %f.username, client = ?client, "sign-in failed"),
            }
            let ctx = Ctx::anonymous(&s, locale);
            let error = ctx.t("login.failed").to_owned();
            render_status(StatusCode::UNAUTHORIZED, LoginPage::new(&s, ctx, Some(error), f.username))
        }
        Err(e) => Err(PageRejection::Error(e.into(), locale)),
    }
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(State(s): State<AppState>, headers: HeaderMap, form: CsrfForm<Empty>) -> PageResult {
    let mut to = "/login".to_owned();
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        let sso = accounts::end_session(&s.store, &secret).await.or_page(&form.user)?;
        // A session the campus identity service opened ends there too.
        if let Some(there) = super::sso::logout_target(&s, &headers, sso.as_deref()).await {
            to = there;
        }
    }
    Ok((session_cookie(&s, String::new(), 0), Redirect::to(&to)).into_response())
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
struct PasswordPage {
    ctx: Ctx,
    forced: bool,
}

pub async fn password_page(State(s): State<AppState>, user: PageUser) -> PageResult {
    let forced = user.principal.must_change_password;
    render(PasswordPage { ctx: Ctx::new(&s, Some(&user), "account"), forced })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

pub async fn change_password(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<PasswordForm>) -> PageResult {
    let forced = user.principal.must_change_password;
    let result = if form.new != form.confirm {
        Err(WebError::Core(CoreError::invalid("password", "mismatch")))
    } else {
        accounts::change_password(&s.store, &user.principal, &form.current, &form.new).await.map_err(WebError::from)
    };
    match result {
        Ok(()) => Ok(Redirect::to("/account?ok=password.changed").into_response()),
        Err(e) if e.status() == StatusCode::UNPROCESSABLE_ENTITY => {
            let mut ctx = Ctx::new(&s, Some(&user), "account").with_error(&e);
            if form.new != form.confirm {
                ctx.errors = vec![ctx.t("password.mismatch").to_owned()];
            }
            render_status(StatusCode::UNPROCESSABLE_ENTITY, PasswordPage { ctx, forced })
        }
        Err(e) => Err(crate::platform::page::fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct LangForm {
    locale: String,
}

pub async fn set_language(
    State(s): State<AppState>,
    headers: HeaderMap,
    CsrfForm { user, form }: CsrfForm<LangForm>,
) -> PageResult {
    accounts::set_locale(&s.store, &user.principal, &form.locale).await.or_page(&user)?;
    // Back to the page the switch was pressed on, when it is one of ours.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".into());
    Ok(Redirect::to(&back).into_response())
}
