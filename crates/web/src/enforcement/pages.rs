//! Pages of enforcement: the shutdown orders (proposals to decide, orders
//! standing, their verification) and the violations (propose, confirm,
//! dismiss).

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::page::{
    Ctx, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render, render_status,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{NaiveDateTime, TimeZone};
use serde::Deserialize;
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::enforcement::service::shutdowns::{self, ShutdownOrderView};
use wangan_core::enforcement::service::violations::{self, ViolationView};
use wangan_core::notices::{ShutdownOrderState, ViolationCategory, ViolationState};
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/shutdown-orders", get(orders))
        .route("/shutdown-orders/{id}", get(order))
        .route("/shutdown-orders/{id}/issue", post(issue))
        .route("/shutdown-orders/{id}/extend", post(extend))
        .route("/shutdown-orders/{id}/notice.docx", get(order_docx))
        .route("/violations", get(violation_list).post(propose))
        .route("/violations/{id}", get(violation))
        .route("/violations/{id}/decide", post(decide))
        .route("/violations/{id}/correct", post(correct))
        .route("/violations/{id}/criticize", post(criticize))
        .route("/violations/{id}/criticism.docx", get(criticism_docx))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    state: Option<String>,
    unit: Option<String>,
    category: Option<String>,
    correction: Option<String>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "enforcement/shutdown_orders.html")]
struct OrdersPage {
    ctx: Ctx,
    page: Page<ShutdownOrderView>,
    pager: Pager,
    state: String,
    states: &'static [ShutdownOrderState],
}

async fn orders(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let state = q.state.as_deref().and_then(ShutdownOrderState::parse);
    let page = shutdowns::list(&s.store, &user.principal, state, PageRequest { page: q.page, per_page: Some(50) })
        .await
        .or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "enforcement").with_flash(q.ok.as_deref());
    let word = state.map(|s| s.as_str()).unwrap_or_default().to_owned();
    let pager = Pager::new(&ctx.m, &page, &list_url("/shutdown-orders", &[("state", &word)]));
    render(OrdersPage { ctx, page, pager, state: word, states: ShutdownOrderState::ALL })
}

#[derive(Template)]
#[template(path = "enforcement/shutdown_order.html")]
struct OrderPage {
    ctx: Ctx,
    o: ShutdownOrderView,
    /// The extension form's deadline as typed (after an error).
    deadline: String,
    reason: String,
}

async fn order_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    ok: Option<&str>,
    error: Option<(&WebError, String, String)>,
) -> PageResult {
    let o = shutdowns::get(&s.store, &user.principal, id).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "enforcement").with_flash(ok);
    let (status, deadline, reason) = match error {
        Some((e, d, r)) => {
            ctx = ctx.with_error(e);
            (e.status(), d, r)
        }
        None => (StatusCode::OK, String::new(), String::new()),
    };
    render_status(status, OrderPage { ctx, o, deadline, reason })
}

async fn order(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    order_page(&s, &user, id, q.ok.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct IssueForm {
    #[serde(default)]
    note: String,
}

async fn issue(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<IssueForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    match shutdowns::issue(&s.store, &user.principal, id, shutdowns::IssueInput { note: form.note })
        .await
        .map_err(WebError::from)
    {
        Ok(_) => Ok(Redirect::to(&format!("/shutdown-orders/{id}?ok=order.issued")).into_response()),
        Err(e) if is_form_error(&e) => order_page(&s, &user, id, None, Some((&e, String::new(), String::new()))).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct ExtendForm {
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    reason: String,
}

async fn extend(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<ExtendForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    // Who may decide is settled before what was typed is read.
    shutdowns::get(&s.store, &user.principal, id).await.or_page(&user)?;
    user.principal.require(Permission::DecideEnforcement).map_err(|e| fail(&user, WebError::from(e)))?;
    let tz = s.store.notice_policy().time_zone;
    // A local date and time from the form (`datetime-local`), or a date (the end of that day).
    let typed = form.deadline.trim();
    let local = NaiveDateTime::parse_from_str(typed, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(typed, "%Y-%m-%d %H:%M"))
        .ok()
        .or_else(|| chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(23, 59, 0)));
    let Some(deadline) =
        local.and_then(|l| tz.from_local_datetime(&l).earliest()).map(|t| t.with_timezone(&chrono::Utc))
    else {
        let e = WebError::from(CoreError::invalid("deadline", "time_format"));
        return order_page(&s, &user, id, None, Some((&e, form.deadline, form.reason))).await;
    };
    let input = shutdowns::ExtendInput { deadline, reason: form.reason.clone() };
    match shutdowns::extend(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/shutdown-orders/{id}?ok=order.extended")).into_response()),
        Err(e) if is_form_error(&e) => order_page(&s, &user, id, None, Some((&e, form.deadline, form.reason))).await,
        Err(e) => Err(fail(&user, e)),
    }
}

async fn order_docx(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    crate::enforcement::api::order_download(&s.store, &user.principal, id).await.map_err(|e| fail(&user, e))
}

#[derive(Template)]
#[template(path = "enforcement/violations.html")]
struct ViolationsPage {
    ctx: Ctx,
    page: Page<ViolationView>,
    pager: Pager,
    state: String,
    states: &'static [ViolationState],
    categories: &'static [ViolationCategory],
    /// The filters as chosen (words; empty: any).
    unit: String,
    category: String,
    correction: String,
    /// Units in scope, for the filter.
    all_units: Vec<UnitView>,
    corrections: &'static [wangan_core::enforcement::CorrectionFilter],
    /// Units a violation may be proposed against (empty: the caller may not propose).
    units: Vec<UnitView>,
    draft: ProposeForm,
}

async fn violations_page(
    s: &AppState,
    user: &PageUser,
    q: ListQuery,
    error: Option<(&WebError, ProposeForm)>,
) -> PageResult {
    let p = &user.principal;
    let state = q.state.as_deref().and_then(ViolationState::parse);
    let category = q.category.as_deref().and_then(ViolationCategory::parse);
    let (open, criticism_due) =
        crate::enforcement::api::correction_filter(q.correction.as_deref()).unwrap_or((None, false));
    let f = violations::ViolationFilter { unit: q.unit.clone(), state, category, open, criticism_due };
    let page =
        violations::list(&s.store, p, &f, PageRequest { page: q.page, per_page: Some(50) }).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "enforcement").with_flash(q.ok.as_deref());
    let (status, draft) = match error {
        Some((e, d)) => {
            ctx = ctx.with_error(e);
            (e.status(), d)
        }
        None => (StatusCode::OK, ProposeForm::default()),
    };
    let all_units = units::all_visible(&s.store, p).await.or_page(user)?;
    let units = if p.may(Permission::ProposeViolation) { all_units.clone() } else { Vec::new() };
    let word = state.map(|s| s.as_str()).unwrap_or_default().to_owned();
    let unit = q.unit.clone().unwrap_or_default();
    let category = category.map(|c| c.as_str()).unwrap_or_default().to_owned();
    let correction = q
        .correction
        .clone()
        .filter(|c| crate::enforcement::api::correction_filter(Some(c)).is_ok())
        .unwrap_or_default();
    let pager = Pager::new(
        &ctx.m,
        &page,
        &list_url(
            "/violations",
            &[("state", &word), ("unit", &unit), ("category", &category), ("correction", &correction)],
        ),
    );
    render_status(
        status,
        ViolationsPage {
            ctx,
            page,
            pager,
            state: word,
            states: ViolationState::ALL,
            categories: ViolationCategory::ALL,
            unit,
            category,
            correction,
            all_units,
            corrections: wangan_core::enforcement::CorrectionFilter::ALL,
            units,
            draft,
        },
    )
}

async fn violation_list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    violations_page(&s, &user, q, None).await
}

#[derive(Deserialize, Default, Clone)]
pub struct ProposeForm {
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
}

async fn propose(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<ProposeForm>) -> PageResult {
    let input = violations::ViolationInput {
        unit: form.unit.clone(),
        category: form.category.clone(),
        system_id: None,
        description: form.description.clone(),
        occurred_at: None,
    };
    match violations::propose(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to("/violations?state=proposed&ok=violation.proposed").into_response()),
        Err(e) if is_form_error(&e) => violations_page(&s, &user, ListQuery::default(), Some((&e, form))).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<DecideForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "dismiss" => false,
        _ => return Err(fail(&user, WebError::from(CoreError::invalid("decision", "unknown_choice")))),
    };
    let input = violations::DecisionInput { note: form.note };
    match violations::decide(&s.store, &user.principal, id, confirm, input).await.map_err(WebError::from) {
        Ok(_) => {
            let ok = if confirm { "violation.confirmed" } else { "violation.dismissed" };
            Ok(Redirect::to(&format!("/violations?ok={ok}")).into_response())
        }
        Err(e) if is_form_error(&e) => {
            violations_page(&s, &user, ListQuery::default(), Some((&e, ProposeForm::default()))).await
        }
        Err(e) => Err(fail(&user, e)),
    }
}

async fn correct(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<DecideForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let input = violations::DecisionInput { note: form.note };
    match violations::record_correction(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to("/violations?ok=violation.corrected").into_response()),
        Err(e) if is_form_error(&e) => {
            violations_page(&s, &user, ListQuery::default(), Some((&e, ProposeForm::default()))).await
        }
        Err(e) => Err(fail(&user, e)),
    }
}

async fn criticize(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<DecideForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let input = violations::DecisionInput { note: form.note };
    match violations::criticize(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to("/violations?ok=violation.criticized_ok").into_response()),
        Err(e) if is_form_error(&e) => {
            violations_page(&s, &user, ListQuery::default(), Some((&e, ProposeForm::default()))).await
        }
        Err(e) => Err(fail(&user, e)),
    }
}

async fn criticism_docx(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    crate::enforcement::api::criticism_download(&s.store, &user.principal, id).await.map_err(|e| fail(&user, e))
}

#[derive(Template)]
#[template(path = "enforcement/violation.html")]
struct ViolationPage {
    ctx: Ctx,
    v: ViolationView,
    history: Vec<crate::audit::pages::AuditRow>,
}

/// One violation: what was seen, the decision, the correction, the criticism, its history.
async fn violation(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    let v = violations::get(&s.store, &user.principal, id).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "enforcement");
    let history = violations::history(&s.store, &user.principal, id)
        .await
        .or_page(&user)?
        .iter()
        .map(|e| crate::audit::pages::AuditRow::of(&ctx, e))
        .collect();
    render(ViolationPage { ctx, v, history })
}
