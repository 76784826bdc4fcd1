//! Pages of data calls: the list with the form to send one (its fields
//! written one per line), a call with each unit's completion, the unit's
//! form and its versions.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::form::read_multipart;
use crate::platform::page::{Ctx, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render_status};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::BTreeMap;
use wangan_core::CoreError;
use wangan_core::PageRequest;
use wangan_core::data_calls::service::{self, DataCallDetail, DataCallView, SubmissionView};
use wangan_core::data_calls::{DataCallState, FieldKind};
use wangan_core::platform::access::Permission;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/data-calls", get(list).post(create))
        .route("/data-calls/{id}", get(detail))
        .route(
            "/data-calls/{id}/submit",
            post(submit).layer(axum::extract::DefaultBodyLimit::max(
                4 * wangan_core::platform::attachments::MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/data-calls/{id}/close", post(close))
        .route("/data-calls/{id}/export.xlsx", get(export))
        .route("/data-calls/{id}/files/{aid}", get(file))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    ok: Option<String>,
}

#[derive(Default, Clone)]
pub struct Draft {
    title: String,
    description: String,
    fields: String,
    due_on: String,
}

#[derive(Template)]
#[template(path = "data_calls/list.html")]
struct ListPage {
    ctx: Ctx,
    page: wangan_core::Page<DataCallView>,
    pager: Pager,
    may_manage: bool,
    draft: Draft,
}

async fn list_page(s: &AppState, user: &PageUser, q: ListQuery, error: Option<&WebError>, draft: Draft) -> PageResult {
    let page = service::list(&s.store, &user.principal, PageRequest { page: q.page, per_page: Some(30) })
        .await
        .or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "data_calls").with_flash(q.ok.as_deref());
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    let pager = Pager::new(&ctx.m, &page, &list_url("/data-calls", &[]));
    let may_manage = user.principal.may(Permission::PublishWarnings);
    render_status(status, ListPage { ctx, page, pager, may_manage, draft })
}

async fn list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    list_page(&s, &user, q, None, Draft::default()).await
}

async fn create(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>) -> PageResult {
    user.principal.require(Permission::PublishWarnings).map_err(|e| fail(&user, WebError::from(e)))?;
    let one = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
    let draft =
        Draft { title: one("title"), description: one("description"), fields: one("fields"), due_on: one("due_on") };
    let bad = |field: &str, code: &str| WebError::from(CoreError::invalid(field, code));
    let fields = match wangan_core::data_calls::parse_field_lines(&draft.fields) {
        Ok(f) => f,
        Err((line, code)) => {
            let e = bad(&format!("fields:{line}"), code);
            return list_page(&s, &user, ListQuery::default(), Some(&e), draft).await;
        }
    };
    let Ok(due_on) = chrono::NaiveDate::parse_from_str(draft.due_on.trim(), "%Y-%m-%d") else {
        return list_page(&s, &user, ListQuery::default(), Some(&bad("due_on", "date_format")), draft).await;
    };
    let input = service::DataCallInput {
        title: draft.title.clone(),
        description: draft.description.clone(),
        fields,
        due_on,
        units: Vec::new(),
    };
    match service::create(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(d) => Ok(Redirect::to(&format!("/data-calls/{}?ok=data_call.sent_ok", d.data_call.id)).into_response()),
        Err(e) if is_form_error(&e) => list_page(&s, &user, ListQuery::default(), Some(&e), draft).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Template)]
#[template(path = "data_calls/detail.html")]
struct DetailPage {
    ctx: Ctx,
    d: DataCallDetail,
    versions: Vec<SubmissionView>,
}

impl DetailPage {
    /// The latest value the unit gave for a field (to prefill the correction form).
    fn latest(&self, unit: &str, key: &str) -> String {
        self.versions.iter().find(|v| v.unit == unit).and_then(|v| v.values.get(key).cloned()).unwrap_or_default()
    }

    fn is_file(&self, kind: &FieldKind) -> bool {
        *kind == FieldKind::File
    }
}

async fn detail_page(s: &AppState, user: &PageUser, id: i64, ok: Option<&str>, error: Option<&WebError>) -> PageResult {
    let d = service::get(&s.store, &user.principal, id).await.or_page(user)?;
    let versions = service::submissions(&s.store, &user.principal, id, None).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "data_calls").with_flash(ok);
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    render_status(status, DetailPage { ctx, d, versions })
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

async fn submit(
    State(s): State<AppState>,
    Path(id): Path<String>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let form = read_multipart(&user, multipart, "").await?;
    let values: BTreeMap<String, String> =
        form.fields.iter().filter_map(|(k, v)| Some((k.strip_prefix("value:")?.to_owned(), v.clone()))).collect();
    let files =
        form.named_files.iter().filter_map(|(k, up)| Some((k.strip_prefix("file:")?.to_owned(), up.clone()))).collect();
    let input = service::SubmissionInput {
        unit: form.get("unit").to_owned(),
        values,
        reason: form.get("reason").to_owned(),
        files,
    };
    match service::submit(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/data-calls/{id}?ok=data_call.submitted_ok")).into_response()),
        Err(e) if is_form_error(&e) => detail_page(&s, &user, id, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

async fn close(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    service::close(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to(&format!("/data-calls/{id}?ok=data_call.closed_ok")).into_response())
}

async fn export(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    crate::data_calls::api::export_download(&s.store, &user.principal, id).await.map_err(|e| fail(&user, e))
}

async fn file(State(s): State<AppState>, user: PageUser, Path((id, aid)): Path<(String, String)>) -> PageResult {
    let (id, aid) = (path_id(&id, &user)?, path_id(&aid, &user)?);
    let (name, ct, bytes) = service::file(&s.store, &user.principal, id, aid).await.or_page(&user)?;
    Ok(crate::platform::download::file_download(bytes, &ct, "attachment", &name))
}

/// For templates: still taking submissions.
pub fn is_open(s: &DataCallState) -> bool {
    *s == DataCallState::Open
}
