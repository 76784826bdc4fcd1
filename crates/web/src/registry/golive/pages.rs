//! Pages of go-live requests (上线申请): the center's list of requests to
//! decide, one request with its certificate and the system's gates, the
//! decision. The unit's request form sits on the system's page.

use crate::AppState;
use crate::platform::error::{WebError, gate_reason};
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::page::{
    Ctx, OkQuery, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render, render_status,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::registry::GoLiveState;
use wangan_core::registry::service::golive::{self, GoLiveView};
use wangan_core::registry::service::systems;
use wangan_core::{CoreError, Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/golive-requests", get(list))
        .route("/golive-requests/{id}", get(show))
        .route("/golive-requests/{id}/certificate", get(certificate))
        .route("/golive-requests/{id}/decide", post(decide))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    state: Option<String>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "registry/golive_requests.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<GoLiveView>,
    pager: Pager,
    state: String,
    states: &'static [GoLiveState],
}

async fn list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let state = q.state.as_deref().and_then(GoLiveState::parse);
    let page = golive::list(&s.store, &user.principal, state, PageRequest { page: q.page, per_page: Some(50) })
        .await
        .or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "systems").with_flash(q.ok.as_deref());
    let word = state.map(|s| s.as_str()).unwrap_or_default().to_owned();
    let pager = Pager::new(&ctx.m, &page, &list_url("/golive-requests", &[("state", &word)]));
    render(ListPage { ctx, page, pager, state: word, states: GoLiveState::ALL })
}

#[derive(Template)]
#[template(path = "registry/golive_request.html")]
struct RequestPage {
    ctx: Ctx,
    r: GoLiveView,
    /// What the gates still miss for going online (in words).
    reasons: Vec<String>,
    note: String,
}

async fn request_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    ok: Option<&str>,
    error: Option<(&WebError, String)>,
) -> PageResult {
    let r = golive::get(&s.store, &user.principal, id).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "systems").with_flash(ok);
    let d = systems::get(&s.store, &user.principal, r.system_id).await.or_page(user)?;
    let reasons = d
        .next_steps
        .iter()
        .filter(|n| n.to == wangan_core::registry::Stage::Online)
        .flat_map(|n| n.reasons.iter().map(|x| gate_reason(&ctx.m, x)))
        .collect();
    let (status, note) = match error {
        Some((e, note)) => {
            ctx = ctx.with_error(e);
            (e.status(), note)
        }
        None => (axum::http::StatusCode::OK, String::new()),
    };
    render_status(status, RequestPage { ctx, r, reasons, note })
}

async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    request_page(&s, &user, id, q.ok.as_deref(), None).await
}

async fn certificate(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    let (name, content_type, bytes) = golive::certificate(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(crate::platform::download::file_download(bytes, &content_type, &format!("certificate-{id}"), &name))
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
    let approve = match form.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(fail(&user, WebError::from(CoreError::invalid("decision", "unknown_choice")))),
    };
    let input = golive::GoLiveDecision { note: form.note.clone() };
    match golive::decide(&s.store, &user.principal, id, approve, input).await.map_err(WebError::from) {
        Ok(_) => {
            let ok = if approve { "golive.approved_flash" } else { "golive.refused_flash" };
            Ok(Redirect::to(&format!("/golive-requests/{id}?ok={ok}")).into_response())
        }
        Err(e) if is_form_error(&e) => request_page(&s, &user, id, None, Some((&e, form.note))).await,
        Err(e) => Err(fail(&user, e)),
    }
}
