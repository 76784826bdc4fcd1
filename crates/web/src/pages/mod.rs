//! Server-rendered pages. Each handler: parse, call one core function, render.

mod account;
mod directory;
mod monitoring;
mod notices;
mod registry;
mod session;

use crate::AppState;
use crate::error::{WebError, field_messages};
use crate::extract::{PageUser, SessionRejection};
use crate::i18n::{self, Msg};
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, Page, Principal};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/password", get(session::password_page).post(session::change_password))
        .route("/lang", post(session::set_language))
        .route("/", get(directory::dashboard))
        .route("/units", get(directory::units).post(directory::create_unit))
        .route("/units/{code}", get(directory::unit).post(directory::update_unit))
        .route("/units/{code}/delete", post(directory::delete_unit))
        .route("/units/{code}/responsibilities", post(directory::set_responsibilities))
        .route("/people", get(directory::people).post(directory::create_person))
        .route("/people/{id}", get(directory::person).post(directory::update_person))
        .route("/systems", get(registry::list).post(registry::create))
        .route("/systems/export.xlsx", get(registry::export))
        .route("/systems/template.xlsx", get(registry::template))
        .route(
            "/systems/import",
            get(registry::import_form)
                .post(registry::import_upload)
                .layer(axum::extract::DefaultBodyLimit::max(wangan_office::MAX_BYTES + 64 * 1024)),
        )
        .route("/systems/import/confirm", post(registry::import_confirm))
        .route("/systems/{id}", get(registry::show).post(registry::update))
        .route("/systems/{id}/filing", post(registry::filing))
        .route("/systems/{id}/protections", post(registry::protections))
        .route("/systems/{id}/mlps", post(registry::mlps))
        .route(
            "/systems/{id}/evaluations",
            post(registry::evaluation)
                .layer(axum::extract::DefaultBodyLimit::max(wangan_core::platform::attachments::MAX_BYTES + 64 * 1024)),
        )
        .route("/systems/{id}/evaluations/{eid}/report", get(registry::evaluation_report))
        .route("/systems/{id}/transition", post(registry::transition))
        .route("/systems/{id}/delete", post(registry::delete))
        .route(
            "/notices",
            get(notices::list).post(notices::create).layer(axum::extract::DefaultBodyLimit::max(
                2 * wangan_core::platform::attachments::MAX_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/notices/import",
            post(notices::import).layer(axum::extract::DefaultBodyLimit::max(wangan_office::MAX_BYTES + 64 * 1024)),
        )
        .route("/notices/{id}", get(notices::show).post(notices::update))
        .route("/notices/{id}/evidence/{aid}", get(notices::evidence))
        .route("/rectifications", get(notices::rectifications))
        .route("/rectifications/export.xlsx", get(notices::export))
        .route("/rectifications/{id}", get(notices::rectification))
        .route(
            "/rectifications/{id}/report",
            post(notices::report).layer(axum::extract::DefaultBodyLimit::max(
                2 * wangan_core::platform::attachments::MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/rectifications/{id}/approve", post(notices::approve))
        .route("/rectifications/{id}/review", post(notices::review))
        .route("/rectifications/{id}/report.docx", get(notices::report_docx))
        .route("/rectifications/{id}/files/{aid}", get(notices::rectification_file))
        .route("/channels", get(notices::channels).post(notices::add_channel))
        .route("/channels/{id}", post(notices::change_channel))
        .route("/deliveries", get(notices::deliveries))
        .route("/deliveries/{id}/retry", post(notices::retry_delivery))
        .route("/monitors", get(monitoring::wall).post(monitoring::create))
        .route("/monitors/{id}", get(monitoring::show).post(monitoring::tune))
        .route("/monitors/{id}/baseline", post(monitoring::accept))
        .route("/findings", get(monitoring::findings))
        .route("/findings/{id}", get(monitoring::finding))
        .route("/leadership", get(directory::leadership).post(directory::add_member))
        .route("/leadership/{id}/delete", post(directory::remove_member))
        .route("/audit", get(account::audit))
        .route("/users", get(account::users).post(account::create_user))
        .route("/users/reset-password", post(account::reset_password))
        .route("/users/grant-role", post(account::grant_role))
        .route("/users/revoke-role", post(account::revoke_role))
        .route("/users/active", post(account::set_active))
        .route("/account", get(account::account))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .fallback(not_found)
}

async fn not_found() -> PageRejection {
    PageRejection::Error(WebError::Core(CoreError::NotFound), i18n::DEFAULT_LOCALE)
}

pub fn locale_of(p: &Principal) -> &'static str {
    if p.locale == "en" { "en" } else { i18n::DEFAULT_LOCALE }
}

/// `?ok=KEY`: the flash message a page shows after a successful change.
#[derive(serde::Deserialize)]
pub struct OkQuery {
    pub ok: Option<String>,
}

/// What every page's layout needs.
pub struct Ctx {
    pub m: Msg<'static>,
    pub user: Option<UserCtx>,
    pub csrf: String,
    pub section: &'static str,
    pub flash: Option<String>,
    pub errors: Vec<String>,
    tz: chrono_tz::Tz,
}

pub struct UserCtx {
    pub username: String,
    pub can_audit: bool,
    pub can_manage_users: bool,
    pub can_deliveries: bool,
}

impl Ctx {
    pub fn new(state: &AppState, user: Option<&PageUser>, section: &'static str) -> Ctx {
        let locale = user.map(|u| locale_of(&u.principal)).unwrap_or(i18n::DEFAULT_LOCALE);
        Ctx {
            m: i18n::msg(locale),
            user: user.map(|u| UserCtx {
                username: u.principal.username.clone(),
                can_audit: u.principal.may(Permission::ReadAudit),
                can_manage_users: u.principal.may(Permission::ManageUsers),
                can_deliveries: u.principal.may(Permission::ManageDelivery),
            }),
            csrf: user.map(|u| u.csrf.clone()).unwrap_or_default(),
            section,
            flash: None,
            errors: Vec::new(),
            tz: state.config.time_zone,
        }
    }

    pub fn anonymous(state: &AppState, locale: &'static str) -> Ctx {
        let mut c = Ctx::new(state, None, "");
        c.m = i18n::msg(locale);
        c
    }

    /// A flash message from `?ok=KEY`, only for keys that are in the catalog.
    pub fn with_flash(mut self, key: Option<&str>) -> Ctx {
        self.flash = key.map(|k| self.m.t(k)).filter(|s| *s != i18n::MISSING).map(str::to_owned);
        self
    }

    pub fn with_error(mut self, e: &WebError) -> Ctx {
        let fields = crate::error::field_messages_in(&self.m, self.section, e.fields());
        self.errors = if fields.is_empty() { vec![e.message(&self.m)] } else { fields };
        self
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.m.t(key)
    }

    /// A closed set's value in words: `label(s.stage)` → 已上线.
    pub fn label<T: crate::i18n::AsLabel + ?Sized>(&self, value: &T) -> String {
        self.m.label(value)
    }

    /// A rung of the escalation ladder in words.
    pub fn rung(&self, rung: &wangan_core::notices::Rung) -> String {
        use wangan_core::notices::Rung;
        match rung {
            Rung::Reminder(p) => self.m.fmt("rung.reminder", &[("n", &p.to_string())]),
            Rung::Overdue => self.t("rung.overdue").into(),
            Rung::Shutdown => self.t("rung.shutdown").into(),
        }
    }

    /// A stable code in words: `word("check", "tamper")` → 篡改.
    pub fn word(&self, prefix: &str, code: &str) -> String {
        self.m.code(prefix, code)
    }

    /// An MLPS level in words.
    pub fn level(&self, n: &i32) -> String {
        self.m.fmt("mlps.level_n", &[("n", &n.to_string())])
    }

    /// A date for a form field or a table (empty when there is none).
    pub fn date(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
    }

    pub fn time(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&self.tz).format("%Y-%m-%d %H:%M:%S").to_string()
    }

    pub fn role(&self, role: wangan_core::Role, unit: Option<&str>) -> String {
        let name = self.m.code("role", role.as_str());
        match unit {
            Some(u) => format!("{name}（{u}）"),
            None => name,
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    message: String,
}

/// A page request that did not produce its page.
#[derive(Debug)]
pub enum PageRejection {
    SignIn,
    ChangePassword,
    Redirect(String),
    Error(WebError, &'static str),
}

impl From<SessionRejection> for PageRejection {
    fn from(r: SessionRejection) -> Self {
        match r {
            SessionRejection::SignIn => PageRejection::SignIn,
            SessionRejection::ChangePassword => PageRejection::ChangePassword,
            SessionRejection::Error(e, l) => PageRejection::Error(e, l),
        }
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        PageRejection::from(self).into_response()
    }
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::SignIn => Redirect::to("/login").into_response(),
            PageRejection::ChangePassword => Redirect::to("/password").into_response(),
            PageRejection::Redirect(to) => Redirect::to(&to).into_response(),
            PageRejection::Error(e, locale) => {
                if e.status().is_server_error() {
                    tracing::error!(error = %e, "page failed");
                }
                let m = i18n::msg(locale);
                let message = e.message(&m);
                let mut ctx = Ctx {
                    m,
                    user: None,
                    csrf: String::new(),
                    section: "",
                    flash: None,
                    errors: Vec::new(),
                    tz: chrono_tz::Asia::Shanghai,
                };
                ctx.errors = field_messages(&m, e.fields());
                let body = ErrorPage { ctx, message }.render().unwrap_or_else(|_| "error".into());
                (e.status(), Html(body)).into_response()
            }
        }
    }
}

pub type PageResult = Result<Response, PageRejection>;

/// Render a template into a response.
pub fn render<T: Template>(t: T) -> PageResult {
    render_status(StatusCode::OK, t)
}

pub fn render_status<T: Template>(status: StatusCode, t: T) -> PageResult {
    match t.render() {
        Ok(body) => Ok((status, Html(body)).into_response()),
        Err(e) => Err(PageRejection::Error(WebError::Core(CoreError::Internal(e.to_string())), i18n::DEFAULT_LOCALE)),
    }
}

/// Field errors and conflicts re-render the form they came from; anything else shows the error page.
pub fn is_form_error(e: &WebError) -> bool {
    matches!(e, WebError::Core(CoreError::Invalid(_) | CoreError::Conflict(_) | CoreError::GateFailed(_)))
}

/// The error page for a failed request, in the user's language.
pub fn fail(user: &PageUser, e: impl Into<WebError>) -> PageRejection {
    PageRejection::Error(e.into(), locale_of(&user.principal))
}

/// An id from a path: anything that is not a number names no record (404).
pub fn path_id(raw: &str, user: &PageUser) -> Result<i64, PageRejection> {
    raw.parse().map_err(|_| fail(user, CoreError::NotFound))
}

/// Attach the user's locale to a core error.
pub trait OrPage<T> {
    fn or_page(self, user: &PageUser) -> Result<T, PageRejection>;
}

impl<T, E: Into<WebError>> OrPage<T> for Result<T, E> {
    fn or_page(self, user: &PageUser) -> Result<T, PageRejection> {
        self.map_err(|e| fail(user, e))
    }
}

/// Previous / next links for a paginated list.
pub struct Pager {
    pub prev: Option<String>,
    pub next: Option<String>,
    pub label: String,
}

impl Pager {
    /// `base` is the list's URL with its filters, ending in `?` or `&`.
    pub fn new<T>(m: &Msg, page: &Page<T>, base: &str) -> Pager {
        let pages = page.pages();
        Pager {
            prev: (page.page > 1).then(|| format!("{base}page={}", page.page - 1)),
            next: (page.page < pages).then(|| format!("{base}page={}", page.page + 1)),
            label: m.fmt(
                "common.page_of",
                &[("page", &page.page.to_string()), ("pages", &pages.to_string()), ("total", &page.total.to_string())],
            ),
        }
    }
}

/// Build `path?k=v&...&` from non-empty filter values.
pub fn list_url(path: &str, params: &[(&str, &str)]) -> String {
    let mut s = format!("{path}?");
    for (k, v) in params {
        if !v.is_empty() {
            s.push_str(k);
            s.push('=');
            s.extend(percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC));
            s.push('&');
        }
    }
    s
}
