//! Two-factor sign-in (TOTP): the code page after a right password, the
//! account's own enrolment, recovery codes and switching off, and an
//! admin's reset of someone else's lost device.

use crate::AppState;
use crate::accounts::session::{LoginPage, anonymous_locale, session_cookie};
use crate::platform::error::WebError;
use crate::platform::extract::{ClientAddr, CsrfForm, PENDING_COOKIE, PageUser, PlainForm, cookie};
use crate::platform::page::{Ctx, OrPage, PageRejection, PageResult, fail, is_form_error, render, render_status};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use cookie::time;
use serde::Deserialize;
use wangan_core::CoreError;
use wangan_core::accounts::second_factor::{self, CodeOutcome};
use wangan_core::accounts::service as accounts;

pub(crate) fn pending_cookie(s: &AppState, value: String, max_age: i64) -> CookieJar {
    let c = Cookie::build((PENDING_COOKIE, value))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(time::Duration::seconds(max_age))
        .secure(s.config.secure_cookies);
    CookieJar::new().add(c)
}

#[derive(Template)]
#[template(path = "accounts/login_code.html")]
struct CodePage {
    ctx: Ctx,
    error: Option<String>,
}

/// `GET /login/totp`: the code form, while a sign-in waits for it.
pub async fn code_page(State(s): State<AppState>, headers: HeaderMap) -> PageResult {
    let locale = anonymous_locale(&headers);
    let waiting = match cookie(&headers, PENDING_COOKIE) {
        Some(p) => second_factor::pending(&s.store, &p).await.map_err(|e| PageRejection::Error(e.into(), locale))?,
        None => false,
    };
    if !waiting {
        return Ok(Redirect::to("/login").into_response());
    }
    render(CodePage { ctx: Ctx::anonymous(&s, locale), error: None })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /login/totp`: the code (or a recovery code) finishes the sign-in.
pub async fn submit_code(
    State(s): State<AppState>,
    headers: HeaderMap,
    ClientAddr(client): ClientAddr,
    PlainForm(f): PlainForm<CodeForm>,
) -> PageResult {
    let locale = anonymous_locale(&headers);
    let fail_page = |status: StatusCode, key: &str| {
        let ctx = Ctx::anonymous(&s, locale);
        let error = Some(ctx.t(key).to_owned());
        render_status(status, CodePage { ctx, error })
    };
    if let Some(addr) = client
        && s.signin.check(addr, s.store.now()).is_err()
    {
        return fail_page(StatusCode::TOO_MANY_REQUESTS, "sso.throttled");
    }
    let Some(pending) = cookie(&headers, PENDING_COOKIE) else {
        return Ok(Redirect::to("/login").into_response());
    };
    match second_factor::finish(&s.store, &pending, &f.code)
        .await
        .map_err(|e| PageRejection::Error(e.into(), locale))?
    {
        CodeOutcome::SignedIn(p) => {
            let (secret, _csrf) =
                accounts::create_session(&s.store, &p).await.map_err(|e| PageRejection::Error(e.into(), locale))?;
            let to = if p.must_change_password { "/password" } else { "/" };
            let jar = session_cookie(&s, secret, accounts::SESSION_HOURS * 3600)
                .add(Cookie::build((PENDING_COOKIE, "")).path("/login").max_age(time::Duration::ZERO));
            Ok((jar, Redirect::to(to)).into_response())
        }
        CodeOutcome::Wrong => {
            if let Some(addr) = client {
                s.signin.failed(addr, s.store.now());
            }
            tracing::info!(client = ?client, "second factor: wrong code");
            fail_page(StatusCode::UNAUTHORIZED, "totp.wrong_code")
        }
        CodeOutcome::Ended => {
            tracing::info!(client = ?client, "second factor: sign-in ended");
            let ctx = Ctx::anonymous(&s, locale);
            let error = Some(ctx.t("totp.ended").to_owned());
            let page = render_status(StatusCode::UNAUTHORIZED, LoginPage::new(&s, ctx, error, String::new()))?;
            Ok((pending_cookie(&s, String::new(), 0), page).into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "accounts/totp.html")]
struct TotpPage {
    ctx: Ctx,
    enabled: bool,
    required: bool,
    /// "N recovery codes left".
    recovery_text: String,
    /// The key and the QR code (SVG) while enrolling.
    secret_text: Option<String>,
    qr_svg: String,
    /// Recovery codes, shown this once.
    new_codes: Vec<String>,
}

fn required_of(s: &AppState, user: &PageUser) -> bool {
    s.config.require_totp_for_admin && user.principal.has_role(wangan_core::Role::Admin)
}

async fn totp_page(s: &AppState, user: &PageUser, new_codes: Vec<String>, error: Option<&WebError>) -> PageResult {
    let st = second_factor::status(&s.store, &user.principal).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "account");
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let (secret_text, qr_svg) = match &st.enrolling {
        Some(e) => {
            let svg = qrcode::QrCode::new(e.otpauth_url.as_bytes())
                .map(|q| q.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build())
                .unwrap_or_default();
            // In groups of four, as the apps' key fields take it (spaces are ignored).
            let grouped: Vec<String> =
                e.secret_text.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            (Some(grouped.join(" ")), svg)
        }
        None => (None, String::new()),
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let recovery_text = ctx.m.fmt("totp.recovery_left", &[("count", &st.recovery_left.to_string())]);
    render_status(
        status,
        TotpPage {
            recovery_text,
            ctx,
            enabled: st.enabled,
            required: required_of(s, user),
            secret_text,
            qr_svg,
            new_codes,
        },
    )
}

/// `GET /account/totp`: the account's two-factor sign-in.
pub async fn totp(State(s): State<AppState>, user: PageUser) -> PageResult {
    totp_page(&s, &user, Vec::new(), None).await
}

/// `POST /account/totp/start`: a new key to scan.
pub async fn start(
    State(s): State<AppState>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    second_factor::start_enrolment(&s.store, &user.principal).await.or_page(&user)?;
    Ok(Redirect::to("/account/totp").into_response())
}

async fn answer(s: &AppState, user: &PageUser, r: Result<Vec<String>, CoreError>) -> PageResult {
    match r.map_err(WebError::from) {
        Ok(codes) => totp_page(s, user, codes, None).await,
        Err(e) if is_form_error(&e) => totp_page(s, user, Vec::new(), Some(&e)).await,
        Err(e) => Err(fail(user, e)),
    }
}

/// `POST /account/totp/enable`: the app's code confirms the key; the
/// recovery codes are shown once.
pub async fn enable(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<CodeForm>) -> PageResult {
    let r = second_factor::confirm_enrolment(&s.store, &user.principal, &form.code).await;
    answer(&s, &user, r).await
}

#[derive(Deserialize)]
pub struct PasswordConfirm {
    #[serde(default)]
    current: String,
}

/// `POST /account/totp/recovery`: new recovery codes.
pub async fn recovery(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<PasswordConfirm>) -> PageResult {
    let r = second_factor::new_recovery_codes(&s.store, &user.principal, &form.current).await;
    answer(&s, &user, r).await
}

/// `POST /account/totp/disable`.
pub async fn disable(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<PasswordConfirm>) -> PageResult {
    let required = required_of(&s, &user);
    let r =
        second_factor::disable(&s.store, &user.principal, &form.current, required).await.map(|()| Vec::<String>::new());
    match r {
        Ok(_) => Ok(Redirect::to("/account?ok=totp.disabled").into_response()),
        Err(e) => answer(&s, &user, Err(e)).await,
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    username: String,
}

/// `POST /users/totp-reset`: an admin turns off someone's lost second factor.
pub async fn reset(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<ResetForm>) -> PageResult {
    match second_factor::reset(&s.store, &user.principal, &form.username).await {
        Ok(()) => Ok(Redirect::to("/users?ok=users.totp_reset").into_response()),
        Err(e) => Err(fail(&user, WebError::from(e))),
    }
}
