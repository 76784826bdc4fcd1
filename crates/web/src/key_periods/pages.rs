//! Pages of key periods (重保): the list with the form to declare one, a
//! period with each unit's daily reports (the missing first) and the form
//! to file today's report.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::page::{Ctx, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render_status};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::key_periods::service::{self, PeriodDetail, PeriodView};
use wangan_core::key_periods::{PeriodKind, ReportState};
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, FieldError, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/key-periods", get(list).post(create))
        .route("/key-periods/{id}", get(detail))
        .route("/key-periods/{id}/reports", post(report))
        .route("/key-periods/{id}/summary.xlsx", get(summary))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    ok: Option<String>,
}

#[derive(Default, Clone)]
pub struct Draft {
    title: String,
    kind: String,
    starts_on: String,
    ends_on: String,
    report_by: String,
    interval_s: String,
    units: Vec<String>,
}

#[derive(Template)]
#[template(path = "key_periods/list.html")]
struct ListPage {
    ctx: Ctx,
    page: wangan_core::Page<PeriodView>,
    pager: Pager,
    may_manage: bool,
    units: Vec<(String, String)>,
    draft: Draft,
}

impl ListPage {
    fn kinds(&self) -> &'static [PeriodKind] {
        PeriodKind::ALL
    }

    fn chosen(&self, code: &str) -> bool {
        self.draft.units.iter().any(|u| u == code)
    }
}

async fn list_page(s: &AppState, user: &PageUser, q: ListQuery, error: Option<&WebError>, draft: Draft) -> PageResult {
    let page = service::list(&s.store, &user.principal, PageRequest { page: q.page, per_page: Some(30) })
        .await
        .or_page(user)?;
    let may_manage = user.principal.may(Permission::ManageReadiness);
    let units = if may_manage {
        wangan_core::directory::service::units::all_visible(&s.store, &user.principal)
            .await
            .or_page(user)?
            .into_iter()
            .map(|u| (u.code, u.name))
            .collect()
    } else {
        Vec::new()
    };
    let mut ctx = Ctx::new(s, Some(user), "readiness").with_flash(q.ok.as_deref());
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    let pager = Pager::new(&ctx.m, &page, &list_url("/key-periods", &[]));
    render_status(status, ListPage { ctx, page, pager, may_manage, units, draft })
}

async fn list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    list_page(&s, &user, q, None, Draft::default()).await
}

async fn create(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>) -> PageResult {
    user.principal.require(Permission::ManageReadiness).map_err(|e| fail(&user, WebError::from(e)))?;
    let one = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
    let draft = Draft {
        title: one("title"),
        kind: one("kind"),
        starts_on: one("starts_on"),
        ends_on: one("ends_on"),
        report_by: one("report_by"),
        interval_s: one("interval_s"),
        units: form.iter().filter(|(k, _)| k == "units").map(|(_, v)| v.clone()).collect(),
    };
    let mut errors = Vec::new();
    let date = |field: &str, raw: &str, errors: &mut Vec<FieldError>| {
        let d = chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
        if d.is_none() {
            errors.push(FieldError::new(field, "date_format"));
        }
        d
    };
    let starts_on = date("starts_on", &draft.starts_on, &mut errors);
    let ends_on = date("ends_on", &draft.ends_on, &mut errors);
    let kind = PeriodKind::parse(draft.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "unknown_choice"));
    }
    let interval_s = match draft.interval_s.trim() {
        "" => None,
        t => match t.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new("interval_s", "number_format"));
                None
            }
        },
    };
    let (Some(starts_on), Some(ends_on), Some(kind), true) = (starts_on, ends_on, kind, errors.is_empty()) else {
        let e = WebError::from(CoreError::Invalid(errors));
        return list_page(&s, &user, ListQuery::default(), Some(&e), draft).await;
    };
    let input = service::PeriodInput {
        title: draft.title.clone(),
        kind,
        starts_on,
        ends_on,
        report_by: draft.report_by.clone(),
        interval_s,
        units: draft.units.clone(),
    };
    match service::create(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(d) => Ok(Redirect::to(&format!("/key-periods/{}?ok=key_period.declared_ok", d.period.id)).into_response()),
        Err(e) if is_form_error(&e) => list_page(&s, &user, ListQuery::default(), Some(&e), draft).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Template)]
#[template(path = "key_periods/detail.html")]
struct DetailPage {
    ctx: Ctx,
    d: PeriodDetail,
    today: String,
}

impl DetailPage {
    fn state_class(&self, s: &ReportState) -> &'static str {
        match s {
            ReportState::Filed => "ok",
            ReportState::Late => "warn",
            ReportState::Missing => "bad",
            ReportState::Due => "",
        }
    }

    /// Units the caller files for.
    fn mine(&self) -> Vec<&service::UnitReports> {
        self.d.units.iter().filter(|u| u.may_report).collect()
    }
}

async fn detail_page(s: &AppState, user: &PageUser, id: i64, ok: Option<&str>, error: Option<&WebError>) -> PageResult {
    let d = service::get(&s.store, &user.principal, id).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "readiness").with_flash(ok);
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    let today = s.store.now().with_timezone(&s.store.notice_policy().time_zone).date_naive().to_string();
    render_status(status, DetailPage { ctx, d, today })
}

async fn detail(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    detail_page(&s, &user, id, q.ok.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    day: String,
    #[serde(default)]
    zero: Option<String>,
    #[serde(default)]
    content: String,
}

async fn report(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<ReportForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let day = match form.day.trim() {
        "" => None,
        t => match chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                let e = WebError::from(CoreError::invalid("day", "date_format"));
                return detail_page(&s, &user, id, None, Some(&e)).await;
            }
        },
    };
    let input = service::ReportInput { unit: form.unit, day, zero: form.zero.is_some(), content: form.content };
    match service::report(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/key-periods/{id}?ok=key_period.reported_ok")).into_response()),
        Err(e) if is_form_error(&e) => detail_page(&s, &user, id, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct DayQuery {
    day: Option<String>,
}

async fn summary(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<DayQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let day = q.day.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    crate::key_periods::api::summary_download(&s.store, &user.principal, id, day).await.map_err(|e| fail(&user, e))
}
