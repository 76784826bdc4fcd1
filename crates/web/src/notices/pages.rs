//! Notices and rectifications pages: the center records notices, units
//! work their rectifications and file the report, leaders approve, the
//! center reviews; channels and the delivery log.

use crate::AppState;
use crate::audit::pages::AuditRow;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::form::{form_time, lines, local_input, read_multipart};
use crate::platform::page::{
    Ctx, OkQuery, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render, render_status,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::notices::service::notices::{self, NoticeDetail, NoticeView};
use wangan_core::notices::service::rectifications::{self, RectificationDetail, RectificationView};
use wangan_core::notices::{NoticeSource, NoticeStatus, RectificationStatus, Rung, Severity, ShutdownOrderState};
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/notices",
            get(list).post(create).layer(axum::extract::DefaultBodyLimit::max(
                2 * wangan_core::platform::attachments::MAX_BYTES + 64 * 1024,
            )),
        )
        .route(
            "/notices/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(wangan_office::MAX_BYTES + 64 * 1024)),
        )
        .route("/notices/{id}", get(show).post(update))
        .route("/notices/{id}/evidence/{aid}", get(evidence))
        .route("/rectifications", get(rectifications))
        .route("/rectifications/export.xlsx", get(export))
        .route("/rectifications/{id}", get(rectification))
        .route(
            "/rectifications/{id}/report",
            post(report).layer(axum::extract::DefaultBodyLimit::max(
                2 * wangan_core::platform::attachments::MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/rectifications/{id}/approve", post(approve))
        .route("/rectifications/{id}/review", post(review))
        .route("/rectifications/{id}/report.docx", get(report_docx))
        .route("/rectifications/{id}/files/{aid}", get(rectification_file))
}

// ---- notices ------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct NoticeListQuery {
    page: Option<u64>,
    source: Option<String>,
    severity: Option<String>,
    status: Option<String>,
    unit: Option<String>,
    overdue: Option<String>,
    q: Option<String>,
    ok: Option<String>,
}

pub struct NoticeDraft {
    pub source: String,
    pub reference: String,
    pub received_at: String,
    pub title: String,
    pub vuln_type: String,
    pub severity: String,
    pub description: String,
    pub deadline: String,
    pub systems: String,
}

#[derive(Template)]
#[template(path = "notices/notices.html")]
struct NoticesPage {
    ctx: Ctx,
    page: Page<NoticeView>,
    pager: Pager,
    f: NoticeListFilters,
    sources: &'static [NoticeSource],
    severities: &'static [Severity],
    statuses: &'static [NoticeStatus],
    all_units: Vec<UnitView>,
    can_record: bool,
    draft: NoticeDraft,
}

pub struct NoticeListFilters {
    pub source: String,
    pub severity: String,
    pub status: String,
    pub unit: String,
    pub overdue: bool,
    pub q: String,
}

async fn notices_page(
    s: &AppState,
    user: &PageUser,
    q: NoticeListQuery,
    draft: NoticeDraft,
    error: Option<&WebError>,
) -> PageResult {
    notices_page_with(s, user, q, draft, error, Vec::new()).await
}

/// The list page; `lines` (an import's problems) replace the error's own words.
async fn notices_page_with(
    s: &AppState,
    user: &PageUser,
    q: NoticeListQuery,
    draft: NoticeDraft,
    error: Option<&WebError>,
    lines: Vec<String>,
) -> PageResult {
    let f = NoticeListFilters {
        source: q.source.clone().unwrap_or_default(),
        severity: q.severity.clone().unwrap_or_default(),
        status: q.status.clone().unwrap_or_default(),
        unit: q.unit.clone().unwrap_or_default(),
        overdue: q.overdue.as_deref() == Some("true"),
        q: q.q.clone().unwrap_or_default(),
    };
    let filter = notices::NoticeFilter {
        source: q.source,
        severity: q.severity,
        status: q.status,
        unit: q.unit,
        overdue: f.overdue.then_some(true),
        q: q.q,
    };
    let page = notices::list(&s.store, &user.principal, &filter, PageRequest { page: q.page, per_page: Some(50) })
        .await
        .or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "notices").with_flash(q.ok.as_deref());
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    if !lines.is_empty() {
        ctx.errors = lines;
    }
    let overdue = if f.overdue { "true" } else { "" };
    let base = list_url(
        "/notices",
        &[
            ("source", &f.source),
            ("severity", &f.severity),
            ("status", &f.status),
            ("unit", &f.unit),
            ("overdue", overdue),
            ("q", &f.q),
        ],
    );
    let pager = Pager::new(&ctx.m, &page, &base);
    let all_units = units::all_visible(&s.store, &user.principal).await.or_page(user)?;
    let status = error.map(|e| e.status()).unwrap_or(StatusCode::OK);
    render_status(
        status,
        NoticesPage {
            ctx,
            page,
            pager,
            f,
            sources: NoticeSource::ALL,
            severities: Severity::ALL,
            statuses: NoticeStatus::ALL,
            all_units,
            can_record: user.principal.may(Permission::ManageNotices),
            draft,
        },
    )
}

fn empty_draft(s: &AppState) -> NoticeDraft {
    NoticeDraft {
        source: "edusrc".into(),
        reference: String::new(),
        received_at: local_input(s, &s.store.now()),
        title: String::new(),
        vuln_type: String::new(),
        severity: "high".into(),
        description: String::new(),
        deadline: String::new(),
        systems: String::new(),
    }
}

pub async fn list(State(s): State<AppState>, user: PageUser, Query(q): Query<NoticeListQuery>) -> PageResult {
    let draft = empty_draft(&s);
    notices_page(&s, &user, q, draft, None).await
}

pub async fn create(State(s): State<AppState>, user: PageUser, multipart: axum::extract::Multipart) -> PageResult {
    let form = read_multipart(&user, multipart, "evidence").await?;
    if !user.principal.may(Permission::ManageNotices) {
        return Err(fail(&user, CoreError::Forbidden));
    }
    let draft = NoticeDraft {
        source: form.get("source").to_owned(),
        reference: form.get("reference").to_owned(),
        received_at: form.get("received_at").to_owned(),
        title: form.get("title").to_owned(),
        vuln_type: form.get("vuln_type").to_owned(),
        severity: form.get("severity").to_owned(),
        description: form.get("description").to_owned(),
        deadline: form.get("deadline").to_owned(),
        systems: form.get("systems").to_owned(),
    };
    let mut errors = Vec::new();
    let received_at = form_time(&s, "received_at", &draft.received_at, &mut errors);
    let deadline = form_time(&s, "deadline", &draft.deadline, &mut errors);
    let result = async {
        if !errors.is_empty() {
            return Err(WebError::Core(CoreError::Invalid(errors)));
        }
        let refs = lines(&draft.systems);
        let systems = if refs.is_empty() {
            Vec::new()
        } else {
            notices::resolve_systems(&s.store, &user.principal, &refs).await?
        };
        let input = notices::NoticeInput {
            source: draft.source.clone(),
            reference: draft.reference.clone(),
            received_at,
            title: draft.title.clone(),
            vuln_type: draft.vuln_type.clone(),
            severity: draft.severity.clone(),
            description: draft.description.clone(),
            deadline,
            systems,
            evidence: form.files.clone(),
        };
        Ok(notices::create(&s.store, &user.principal, input).await?)
    }
    .await;
    match result {
        Ok(d) => Ok(Redirect::to(&format!("/notices/{}?ok=notice.created", d.notice.id)).into_response()),
        Err(e) if is_form_error(&e) => notices_page(&s, &user, NoticeListQuery::default(), draft, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Template)]
#[template(path = "notices/notice.html")]
struct NoticePage {
    ctx: Ctx,
    d: NoticeDetail,
    can_edit: bool,
    deadline_input: String,
    severities: &'static [Severity],
    history: Vec<AuditRow>,
}

async fn notice_page(s: &AppState, user: &PageUser, id: i64, ok: Option<&str>, error: Option<&WebError>) -> PageResult {
    let d = notices::get(&s.store, &user.principal, id).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "notices").with_flash(ok);
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let can_edit = user.principal.may(Permission::ManageNotices);
    let history = notices::history(&s.store, &user.principal, id)
        .await
        .or_page(user)?
        .unwrap_or_default()
        .iter()
        .map(|e| AuditRow::of(&ctx, e))
        .collect();
    let status = error.map(|e| e.status()).unwrap_or(StatusCode::OK);
    render_status(
        status,
        NoticePage {
            deadline_input: local_input(s, &d.notice.deadline),
            ctx,
            d,
            can_edit,
            severities: Severity::ALL,
            history,
        },
    )
}

pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    notice_page(&s, &user, id, q.ok.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct NoticeEditForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    deadline: String,
    #[serde(default)]
    add_systems: String,
}

pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<NoticeEditForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let mut errors = Vec::new();
    let deadline = form_time(&s, "deadline", &form.deadline, &mut errors);
    let result = async {
        if !errors.is_empty() {
            return Err(WebError::Core(CoreError::Invalid(errors)));
        }
        let refs = lines(&form.add_systems);
        let systems = if refs.is_empty() {
            None
        } else {
            Some(notices::resolve_systems(&s.store, &user.principal, &refs).await?)
        };
        let patch = notices::NoticePatch {
            title: Some(form.title.clone()),
            severity: Some(form.severity.clone()),
            deadline,
            systems,
            ..Default::default()
        };
        Ok(notices::update(&s.store, &user.principal, id, patch).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/notices/{id}?ok=notice.saved")).into_response()),
        Err(e) if is_form_error(&e) => notice_page(&s, &user, id, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

pub async fn evidence(
    State(s): State<AppState>,
    user: PageUser,
    Path((id, aid)): Path<(String, String)>,
) -> PageResult {
    let (id, aid) = (path_id(&id, &user)?, path_id(&aid, &user)?);
    let (name, ct, bytes) = notices::attachment(&s.store, &user.principal, id, aid).await.or_page(&user)?;
    Ok(crate::platform::download::file_download(bytes, &ct, "attachment", &name))
}

// ---- rectifications ------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct RectListQuery {
    page: Option<u64>,
    unit: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    overdue: Option<String>,
    notice: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

pub struct RectListFilters {
    pub unit: String,
    pub status: String,
    pub severity: String,
    pub overdue: bool,
    pub notice: String,
    pub from: String,
    pub to: String,
}

#[derive(Template)]
#[template(path = "notices/rectifications.html")]
struct RectificationsPage {
    ctx: Ctx,
    page: Page<RectificationView>,
    pager: Pager,
    f: RectListFilters,
    statuses: &'static [RectificationStatus],
    severities: &'static [Severity],
    all_units: Vec<UnitView>,
    export_url: String,
}

impl RectListQuery {
    fn filters(&self) -> (RectListFilters, rectifications::RectificationFilter) {
        let f = RectListFilters {
            unit: self.unit.clone().unwrap_or_default(),
            status: self.status.clone().unwrap_or_default(),
            severity: self.severity.clone().unwrap_or_default(),
            overdue: self.overdue.as_deref() == Some("true"),
            notice: self.notice.clone().unwrap_or_default(),
            from: self.from.clone().unwrap_or_default(),
            to: self.to.clone().unwrap_or_default(),
        };
        let day = |v: &Option<String>| {
            v.as_deref().and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        };
        let filter = rectifications::RectificationFilter {
            unit: self.unit.clone(),
            status: self.status.clone(),
            severity: self.severity.clone(),
            notice: self.notice.as_deref().and_then(|n| n.trim().parse().ok()),
            overdue: f.overdue.then_some(true),
            from: day(&self.from),
            to: day(&self.to),
            ..Default::default()
        };
        (f, filter)
    }
}

pub async fn rectifications(State(s): State<AppState>, user: PageUser, Query(q): Query<RectListQuery>) -> PageResult {
    let (f, filter) = q.filters();
    let page =
        rectifications::list(&s.store, &user.principal, &filter, PageRequest { page: q.page, per_page: Some(50) })
            .await
            .or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "rectifications");
    let overdue = if f.overdue { "true" } else { "" };
    let params = [
        ("unit", f.unit.as_str()),
        ("status", &f.status),
        ("severity", &f.severity),
        ("overdue", overdue),
        ("notice", &f.notice),
        ("from", &f.from),
        ("to", &f.to),
    ];
    let base = list_url("/rectifications", &params);
    let export_url = list_url("/rectifications/export.xlsx", &params);
    let pager = Pager::new(&ctx.m, &page, &base);
    let all_units = units::all_visible(&s.store, &user.principal).await.or_page(&user)?;
    render(RectificationsPage {
        ctx,
        page,
        pager,
        f,
        statuses: RectificationStatus::ALL,
        severities: Severity::ALL,
        all_units,
        export_url,
    })
}

pub async fn export(State(s): State<AppState>, user: PageUser, Query(q): Query<RectListQuery>) -> PageResult {
    let (_, filter) = q.filters();
    crate::notices::rectification_summary_download(&s.store, &user.principal, &filter).await.or_page(&user)
}

#[derive(Template)]
#[template(path = "notices/rectification.html")]
struct RectificationPage {
    ctx: Ctx,
    d: RectificationDetail,
    draft: ReportDraft,
    history: Vec<AuditRow>,
}

pub struct ReportDraft {
    pub vulnerability: String,
    pub cause: String,
    pub measures: String,
    pub verification: String,
    pub remaining_risk: String,
    pub offline_repair: bool,
    /// `YYYY-MM-DD` as typed.
    pub completed_on: String,
}

async fn rectification_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    ok: Option<&str>,
    error: Option<(&WebError, ReportDraft)>,
) -> PageResult {
    let d = rectifications::get(&s.store, &user.principal, id).await.or_page(user)?;
    let r = &d.rectification;
    let mut ctx = Ctx::new(s, Some(user), "rectifications").with_flash(ok);
    let status = error.as_ref().map(|(e, _)| e.status()).unwrap_or(StatusCode::OK);
    let draft = match error {
        Some((e, draft)) => {
            ctx = ctx.with_error(e);
            draft
        }
        None => ReportDraft {
            vulnerability: r.report.vulnerability.clone(),
            cause: r.report.cause.clone(),
            measures: r.report.measures.clone(),
            verification: r.report.verification.clone(),
            remaining_risk: r.report.remaining_risk.clone(),
            offline_repair: r.report.offline_repair,
            completed_on: r.report.completed_on.map(|d| d.to_string()).unwrap_or_default(),
        },
    };
    let history = rectifications::history(&s.store, &user.principal, id)
        .await
        .or_page(user)?
        .iter()
        .map(|e| {
            let mut row = AuditRow::of(&ctx, e);
            // An escalation names its rung; a review its comment.
            let after = e.after.as_ref();
            if let Some(rung) = after.and_then(|a| a["rung"].as_str()).and_then(Rung::parse) {
                row.action = format!("{}：{}", row.action, ctx.rung(&rung));
            }
            if let Some(c) = after.and_then(|a| a["comment"].as_str()).filter(|c| !c.is_empty()) {
                row.action = format!("{}：{c}", row.action);
            }
            row
        })
        .collect();
    render_status(status, RectificationPage { ctx, d, draft, history })
}

pub async fn rectification(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    rectification_page(&s, &user, id, q.ok.as_deref(), None).await
}

pub async fn report(
    State(s): State<AppState>,
    Path(id): Path<String>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let form = read_multipart(&user, multipart, "attachments").await?;
    let draft = ReportDraft {
        vulnerability: form.get("vulnerability").to_owned(),
        cause: form.get("cause").to_owned(),
        measures: form.get("measures").to_owned(),
        verification: form.get("verification").to_owned(),
        remaining_risk: form.get("remaining_risk").to_owned(),
        offline_repair: form.get("offline_repair") == "yes",
        completed_on: form.get("completed_on").trim().to_owned(),
    };
    let submit = form.get("action") == "submit";
    let completed_on = if draft.completed_on.is_empty() {
        None
    } else {
        match chrono::NaiveDate::parse_from_str(&draft.completed_on, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                let e = WebError::from(wangan_core::CoreError::invalid("completed_on", "date_format"));
                return rectification_page(&s, &user, id, None, Some((&e, draft))).await;
            }
        }
    };
    let input = rectifications::ReportInput {
        vulnerability: draft.vulnerability.clone(),
        cause: draft.cause.clone(),
        measures: draft.measures.clone(),
        verification: draft.verification.clone(),
        remaining_risk: draft.remaining_risk.clone(),
        offline_repair: draft.offline_repair,
        completed_on,
        submit,
        attachments: form.files.clone(),
    };
    match rectifications::report(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => {
            let ok = if submit { "rect.submitted" } else { "rect.saved" };
            Ok(Redirect::to(&format!("/rectifications/{id}?ok={ok}")).into_response())
        }
        Err(e) if is_form_error(&e) => rectification_page(&s, &user, id, None, Some((&e, draft))).await,
        Err(e) => Err(fail(&user, e)),
    }
}

pub async fn approve(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    rectifications::approve(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to(&format!("/rectifications/{id}?ok=rect.approved")).into_response())
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

pub async fn review(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<ReviewForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let input = rectifications::ReviewInput { decision: form.decision.clone(), comment: form.comment };
    match rectifications::review(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => {
            let ok = if form.decision == "accept" { "rect.accepted" } else { "rect.rejected" };
            Ok(Redirect::to(&format!("/rectifications/{id}?ok={ok}")).into_response())
        }
        Err(e) if is_form_error(&e) => {
            let d = rectifications::get(&s.store, &user.principal, id).await.or_page(&user)?;
            let r = d.rectification.report;
            let draft = ReportDraft {
                vulnerability: r.vulnerability,
                cause: r.cause,
                measures: r.measures,
                verification: r.verification,
                remaining_risk: r.remaining_risk,
                offline_repair: r.offline_repair,
                completed_on: r.completed_on.map(|d| d.to_string()).unwrap_or_default(),
            };
            rectification_page(&s, &user, id, None, Some((&e, draft))).await
        }
        Err(e) => Err(fail(&user, e)),
    }
}

pub async fn report_docx(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    crate::notices::report_download(&s.store, &user.principal, id).await.or_page(&user)
}

pub async fn rectification_file(
    State(s): State<AppState>,
    user: PageUser,
    Path((id, aid)): Path<(String, String)>,
) -> PageResult {
    let (id, aid) = (path_id(&id, &user)?, path_id(&aid, &user)?);
    let (name, ct, bytes) = rectifications::attachment(&s.store, &user.principal, id, aid).await.or_page(&user)?;
    Ok(crate::platform::download::file_download(bytes, &ct, "attachment", &name))
}

/// Import notices from a spreadsheet: every row checked; all written, or none.
pub async fn import(State(s): State<AppState>, user: PageUser, multipart: axum::extract::Multipart) -> PageResult {
    let form = read_multipart(&user, multipart, "file").await?;
    if !user.principal.may(Permission::ManageNotices) {
        return Err(fail(&user, CoreError::Forbidden));
    }
    let Some(lines) =
        crate::platform::sheet_upload::page::<wangan_core::platform::sheet_import::Notices>(&s.store, &user, &form)
            .await?
    else {
        return Ok(Redirect::to("/notices?ok=notice.imported").into_response());
    };
    let draft = empty_draft(&s);
    let e = WebError::Core(CoreError::Invalid(Vec::new()));
    notices_page_with(&s, &user, NoticeListQuery::default(), draft, Some(&e), lines).await
}
