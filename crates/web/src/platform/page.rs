//! Server-rendered pages. Each handler: parse, call one core function, render.

use crate::AppState;
use crate::platform::error::{WebError, field_messages};
use crate::platform::extract::{PageUser, SessionRejection};
use crate::platform::i18n::{self, Msg};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, Page, Principal};

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
    /// The network center (officer, admin): may move an address between units' systems.
    pub center: bool,
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
                center: u.principal.may(Permission::ManageNotices),
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
        let fields = crate::platform::error::field_messages_in(&self.m, self.section, e.fields());
        self.errors = if fields.is_empty() { vec![e.message(&self.m)] } else { fields };
        self
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.m.t(key)
    }

    /// A closed set's value in words: `label(s.stage)` → 已上线.
    pub fn label<T: crate::platform::i18n::AsLabel + ?Sized>(&self, value: &T) -> String {
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

    /// A recurring campaign's rule in words: `yearly:03-01` → 每年3月1日.
    pub fn recurrence(&self, rule: &str) -> String {
        use wangan_core::inspections::{Holiday, Recurrence};
        match Recurrence::parse(rule) {
            Some(Recurrence::Yearly { month, day }) => {
                self.m.fmt("recurrence.yearly", &[("month", &month.to_string()), ("day", &day.to_string())])
            }
            Some(Recurrence::BeforeHoliday { holiday, days }) => {
                let key = match holiday {
                    Holiday::NationalDay => "recurrence.before_national_day",
                    Holiday::SpringFestival => "recurrence.before_spring_festival",
                };
                self.m.fmt(key, &[("days", &days.to_string())])
            }
            None => rule.to_owned(),
        }
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
#[template(path = "platform/error.html")]
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
            SessionRejection::EnrolSecondFactor => PageRejection::Redirect("/account/totp".into()),
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
