//! Pages of early warnings: the list with the publish form (typed in or
//! read from a pasted bulletin), a warning with who acknowledged, who is
//! affected, who is silent, and the units' answer forms.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::form::{lines, read_multipart};
use crate::platform::page::{Ctx, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render_status};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::notices::Severity;
use wangan_core::platform::access::Permission;
use wangan_core::warnings::service::warnings::{self, WarningDetail, WarningView};
use wangan_core::warnings::{AckState, Targeting, WarningSource};
use wangan_core::{Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/warnings",
            get(list).post(publish).layer(axum::extract::DefaultBodyLimit::max(
                2 * wangan_core::platform::attachments::MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/warnings/parse", post(parse))
        .route(
            "/warnings/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(wangan_office::MAX_BYTES + 64 * 1024)),
        )
        .route("/warnings/{id}", get(detail))
        .route("/warnings/{id}/acknowledge", post(acknowledge))
        .route("/warnings/{id}/units/{code}/rectification", post(rectification))
        .route("/warnings/{id}/files/{aid}", get(file))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    ok: Option<String>,
}

/// The publish form as typed (or as read from a bulletin).
#[derive(Default, Clone)]
pub struct Draft {
    pub title: String,
    pub severity: String,
    pub source: String,
    pub reference: String,
    pub products: String,
    pub description: String,
    pub advice: String,
    pub targeting: String,
    pub units: Vec<String>,
    pub tags: String,
    pub bulletin: String,
}

#[derive(Template)]
#[template(path = "warnings/warnings.html")]
struct ListPage {
    ctx: Ctx,
    page: Page<WarningView>,
    pager: Pager,
    may_publish: bool,
    units: Vec<UnitView>,
    draft: Draft,
    severities: &'static [Severity],
    sources: &'static [WarningSource],
    targetings: &'static [Targeting],
    /// What stood in the way of an import (nothing was published).
    import_problems: Vec<String>,
}

async fn list_page(s: &AppState, user: &PageUser, q: ListQuery, error: Option<&WebError>, draft: Draft) -> PageResult {
    list_page_with(s, user, q, error, draft, Vec::new()).await
}

async fn list_page_with(
    s: &AppState,
    user: &PageUser,
    q: ListQuery,
    error: Option<&WebError>,
    draft: Draft,
    import_problems: Vec<String>,
) -> PageResult {
    let p = &user.principal;
    let page = warnings::list(&s.store, p, PageRequest { page: q.page, per_page: Some(30) }).await.or_page(user)?;
    let may_publish = p.may(Permission::PublishWarnings);
    let units = if may_publish { units::all_visible(&s.store, p).await.or_page(user)? } else { Vec::new() };
    let mut ctx = Ctx::new(s, Some(user), "warnings").with_flash(q.ok.as_deref());
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    let pager = Pager::new(&ctx.m, &page, &list_url("/warnings", &[]));
    render_status(
        status,
        ListPage {
            ctx,
            page,
            pager,
            may_publish,
            units,
            draft,
            severities: Severity::ALL,
            sources: WarningSource::ALL,
            targetings: Targeting::ALL,
            import_problems,
        },
    )
}

async fn list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    let draft =
        Draft { severity: "high".into(), targeting: "all".into(), source: "edusrc".into(), ..Default::default() };
    list_page(&s, &user, q, None, draft).await
}

/// Read a pasted bulletin into the publish form, for the officer to check.
async fn parse(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>) -> PageResult {
    user.principal.require(Permission::PublishWarnings).map_err(|e| fail(&user, WebError::from(e)))?;
    let text = form.iter().find(|(k, _)| k == "bulletin").map(|(_, v)| v.clone()).unwrap_or_default();
    let d = wangan_core::warnings::parse_bulletin(&text);
    let draft = Draft {
        title: d.title,
        severity: d.severity.as_str().into(),
        source: "other".into(),
        reference: d.reference,
        products: d.products.join("\n"),
        description: d.description,
        advice: d.advice,
        targeting: "all".into(),
        bulletin: text,
        ..Default::default()
    };
    list_page(&s, &user, ListQuery { ok: Some("warning.parsed".into()), ..Default::default() }, None, draft).await
}

async fn publish(State(s): State<AppState>, user: PageUser, multipart: axum::extract::Multipart) -> PageResult {
    let form = read_multipart(&user, multipart, "attachments").await?;
    let draft = Draft {
        title: form.get("title").to_owned(),
        severity: form.get("severity").to_owned(),
        source: form.get("source").to_owned(),
        reference: form.get("reference").to_owned(),
        products: form.get("products").to_owned(),
        description: form.get("description").to_owned(),
        advice: form.get("advice").to_owned(),
        targeting: form.get("targeting").to_owned(),
        units: form.fields.iter().filter(|(k, _)| k == "units").map(|(_, v)| v.clone()).collect(),
        tags: form.get("tags").to_owned(),
        bulletin: String::new(),
    };
    let input = warnings::WarningInput {
        title: draft.title.clone(),
        severity: draft.severity.clone(),
        source: draft.source.clone(),
        reference: draft.reference.clone(),
        products: lines(&draft.products),
        description: draft.description.clone(),
        advice: draft.advice.clone(),
        targeting: draft.targeting.clone(),
        units: draft.units.clone(),
        tags: vec![draft.tags.clone()],
        ack_due_at: None,
        attachments: form.files.clone(),
    };
    match warnings::publish(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(d) => Ok(Redirect::to(&format!("/warnings/{}?ok=warning.published_ok", d.warning.id)).into_response()),
        Err(e) if is_form_error(&e) => list_page(&s, &user, ListQuery::default(), Some(&e), draft).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Template)]
#[template(path = "warnings/warning.html")]
struct DetailPage {
    ctx: Ctx,
    d: WarningDetail,
}

impl DetailPage {
    /// The caller's own systems of a unit, for its answer form.
    /// A system ticked in the answer form: answered as affected, or matched by the tags.
    fn preselected(&self, a: &warnings::Acknowledgement, sid: &i64) -> bool {
        a.systems.iter().chain(&a.matched_systems).any(|(id, _)| id == sid)
    }

    fn systems_of(&self, unit: &str) -> Vec<(i64, String)> {
        self.d.own_systems.iter().filter(|(u, _, _)| u == unit).map(|(_, id, n)| (*id, n.clone())).collect()
    }
}

async fn detail_page(s: &AppState, user: &PageUser, id: i64, ok: Option<&str>, error: Option<&WebError>) -> PageResult {
    let d = warnings::get(&s.store, &user.principal, id).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "warnings").with_flash(ok);
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    render_status(status, DetailPage { ctx, d })
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

async fn acknowledge(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let one = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let affected = match one("affected").as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    };
    let input = warnings::AckInput {
        unit: one("unit"),
        affected,
        systems: form.iter().filter(|(k, _)| k == "systems").filter_map(|(_, v)| v.parse().ok()).collect(),
        measures: one("measures"),
    };
    match warnings::acknowledge(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/warnings/{id}?ok=warning.acknowledged_ok")).into_response()),
        Err(e) if is_form_error(&e) => detail_page(&s, &user, id, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

async fn rectification(
    State(s): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let notice = warnings::open_rectification(&s.store, &user.principal, id, &code).await.or_page(&user)?;
    Ok(Redirect::to(&format!("/notices/{notice}")).into_response())
}

async fn file(State(s): State<AppState>, user: PageUser, Path((id, aid)): Path<(String, String)>) -> PageResult {
    let (id, aid) = (path_id(&id, &user)?, path_id(&aid, &user)?);
    let (name, ct, bytes) = warnings::attachment(&s.store, &user.principal, id, aid).await.or_page(&user)?;
    Ok(crate::platform::download::file_download(bytes, &ct, "attachment", &name))
}

/// For templates: the state's word.
pub fn is_pending(s: &AckState) -> bool {
    *s == AckState::Pending
}

/// Publish warnings from a spreadsheet: every row checked; all published, or none.
async fn import(State(s): State<AppState>, user: PageUser, multipart: axum::extract::Multipart) -> PageResult {
    let form = read_multipart(&user, multipart, "file").await?;
    user.principal.require(Permission::PublishWarnings).map_err(|e| fail(&user, WebError::from(e)))?;
    let Some(lines) =
        crate::platform::sheet_upload::page::<wangan_core::platform::sheet_import::Warnings>(&s.store, &user, &form)
            .await?
    else {
        return Ok(Redirect::to("/warnings?ok=warning.imported").into_response());
    };
    let e = WebError::Core(wangan_core::CoreError::Invalid(Vec::new()));
    list_page_with(&s, &user, ListQuery::default(), Some(&e), Draft::default(), lines).await
}
