//! Pages of incidents: the list with the form to open one (from a system's
//! page it comes with the system), an incident with its reporting clock,
//! the forms of each step, evidence, supplements, the grade and closure.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::form::{form_time, local_input, read_multipart};
use crate::platform::page::{Ctx, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render_status};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::incidents::service::incidents::{self, IncidentDetail, IncidentView};
use wangan_core::incidents::{ClockState, EventKind, IncidentGrade, IncidentKind, IncidentState, IncidentStep};
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, FieldError, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(list).post(create))
        .route("/incidents/{id}", get(detail))
        .route("/incidents/{id}/update", post(update))
        .route("/incidents/{id}/steps", post(step))
        .route("/incidents/{id}/grade", post(grade))
        .route(
            "/incidents/{id}/evidence",
            post(evidence).layer(axum::extract::DefaultBodyLimit::max(
                4 * wangan_core::platform::attachments::MAX_BYTES + 64 * 1024,
            )),
        )
        .route("/incidents/{id}/evidence/{eid}", get(evidence_file))
        .route("/incidents/{id}/supplements", post(supplement))
        .route("/incidents/{id}/close", post(close))
        .route("/incidents/{id}/report.docx", get(report))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    state: Option<String>,
    /// Open the form with this system (from the system's page).
    system: Option<i64>,
    ok: Option<String>,
}

#[derive(Default, Clone, Deserialize)]
pub struct Draft {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    system: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    detected_at: String,
    #[serde(default)]
    homepage: Option<String>,
    #[serde(default)]
    hours_visible: String,
    #[serde(default)]
    records_affected: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    contacts: String,
}

#[derive(Template)]
#[template(path = "incidents/list.html")]
struct ListPage {
    ctx: Ctx,
    page: wangan_core::Page<IncidentView>,
    pager: Pager,
    state: Option<IncidentState>,
    units: Vec<(String, String)>,
    /// The system the form comes with: (id, name, unit code).
    system: Option<(i64, String, String)>,
    draft: Draft,
    may_open: bool,
}

impl ListPage {
    fn kinds(&self) -> &'static [IncidentKind] {
        IncidentKind::ALL
    }

    fn is_state(&self, s: &IncidentState) -> bool {
        self.state == Some(*s)
    }
}

async fn list_page(s: &AppState, user: &PageUser, q: ListQuery, error: Option<&WebError>, draft: Draft) -> PageResult {
    let state = wangan_core::incidents::IncidentState::parse(q.state.as_deref().unwrap_or(""));
    let f = incidents::IncidentFilter { state, unit: None };
    let page = incidents::list(&s.store, &user.principal, &f, PageRequest { page: q.page, per_page: Some(30) })
        .await
        .or_page(user)?;
    let units: Vec<(String, String)> = wangan_core::directory::service::units::all_visible(&s.store, &user.principal)
        .await
        .or_page(user)?
        .into_iter()
        .filter(|u| user.principal.may(Permission::WorkIncident(u.id)))
        .map(|u| (u.code, u.name))
        .collect();
    let system_id = q.system.or_else(|| draft.system.trim().parse().ok());
    let system = match system_id {
        Some(id) => wangan_core::registry::service::systems::get(&s.store, &user.principal, id)
            .await
            .ok()
            .map(|d| (d.system.id, d.system.name, d.system.unit)),
        None => None,
    };
    let mut ctx = Ctx::new(s, Some(user), "readiness").with_flash(q.ok.as_deref());
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    let state_word = state.map(|s| s.as_str()).unwrap_or("");
    let pager = Pager::new(&ctx.m, &page, &list_url("/incidents", &[("state", state_word)]));
    let may_open = !units.is_empty();
    render_status(status, ListPage { ctx, page, pager, state, units, system, draft, may_open })
}

async fn list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    list_page(&s, &user, q, None, Draft::default()).await
}

fn number(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> u64 {
    let t = raw.trim().replace([',', '，'], "");
    if t.is_empty() {
        return 0;
    }
    t.parse().unwrap_or_else(|_| {
        errors.push(FieldError::new(field, "number_format"));
        0
    })
}

async fn create(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<Draft>) -> PageResult {
    let mut errors = Vec::new();
    let detected_at = form_time(&s, "detected_at", &form.detected_at, &mut errors);
    let hours = number("hours_visible", &form.hours_visible, &mut errors);
    let records = number("records_affected", &form.records_affected, &mut errors);
    let kind = IncidentKind::parse(form.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::new("kind", "unknown_choice"));
    }
    let system: Option<i64> = form.system.trim().parse().ok();
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        let e = WebError::from(CoreError::Invalid(errors));
        return list_page(&s, &user, ListQuery::default(), Some(&e), form).await;
    };
    let input = incidents::IncidentInput {
        unit: form.unit.clone(),
        title: form.title.clone(),
        kind,
        detected_at,
        systems: system.into_iter().collect(),
        homepage: form.homepage.is_some(),
        hours_visible: u32::try_from(hours).unwrap_or(u32::MAX),
        records_affected: records,
        description: form.description.clone(),
        impact: String::new(),
        contacts: form.contacts.clone(),
        notice_id: None,
    };
    match incidents::create(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(d) => Ok(Redirect::to(&format!("/incidents/{}?ok=incident.opened_ok", d.incident.id)).into_response()),
        Err(e) if is_form_error(&e) => list_page(&s, &user, ListQuery::default(), Some(&e), form).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Template)]
#[template(path = "incidents/detail.html")]
struct DetailPage {
    ctx: Ctx,
    d: IncidentDetail,
    timeline: Vec<incidents::EventView>,
    now_local: String,
}

impl DetailPage {
    fn grades(&self) -> &'static [IncidentGrade] {
        IncidentGrade::ALL
    }

    fn done(&self, step: &IncidentStep) -> bool {
        self.d.steps.iter().any(|s| s.step == *step)
    }

    fn step_note(&self, step: &IncidentStep) -> String {
        self.d.steps.iter().find(|s| s.step == *step).map(|s| format!("{} · {}", s.done_by, s.note)).unwrap_or_default()
    }

    /// A countdown as people say it: "还剩 2 小时 5 分" / "已超 40 分钟".
    fn countdown(&self, remaining_s: &Option<i64>) -> String {
        let Some(r) = remaining_s else { return String::new() };
        let m = r.abs() / 60;
        let text = if m >= 60 { format!("{} h {} min", m / 60, m % 60) } else { format!("{m} min") };
        if *r >= 0 {
            format!("{}{text}", self.ctx.t("incident.left"))
        } else {
            format!("{}{text}", self.ctx.t("incident.over"))
        }
    }

    fn is_open(&self) -> bool {
        self.d.incident.state == IncidentState::Open
    }

    fn clock_class(&self, state: &ClockState) -> &'static str {
        match state {
            ClockState::Met => "ok",
            ClockState::Missed | ClockState::Overdue => "bad",
            ClockState::Pending => "warn",
            ClockState::NotRequired => "",
        }
    }

    fn is_supplement(&self, kind: &EventKind) -> bool {
        *kind == EventKind::Supplement
    }
}

async fn detail_page(s: &AppState, user: &PageUser, id: i64, ok: Option<&str>, error: Option<&WebError>) -> PageResult {
    let d = incidents::get(&s.store, &user.principal, id).await.or_page(user)?;
    let timeline = incidents::timeline(&s.store, &user.principal, id).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "readiness").with_flash(ok);
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    let now_local = local_input(s, &s.store.now());
    render_status(status, DetailPage { ctx, d, timeline, now_local })
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
}

async fn detail(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    detail_page(&s, &user, id, q.ok.as_deref(), None).await
}

/// After a change: back to the incident, or the form again with the error.
async fn after(
    s: &AppState,
    user: &PageUser,
    id: i64,
    done: Result<IncidentDetail, CoreError>,
    ok: &str,
) -> PageResult {
    match done.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/incidents/{id}?ok={ok}")).into_response()),
        Err(e) if is_form_error(&e) => detail_page(s, user, id, None, Some(&e)).await,
        Err(e) => Err(fail(user, e)),
    }
}

#[derive(Deserialize)]
pub struct FactsForm {
    #[serde(default)]
    hours_visible: String,
    #[serde(default)]
    records_affected: String,
    #[serde(default)]
    homepage: Option<String>,
    #[serde(default)]
    impact: String,
    #[serde(default)]
    cause: String,
    #[serde(default)]
    measures: String,
    #[serde(default)]
    contacts: String,
}

async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<FactsForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let mut errors = Vec::new();
    let hours = number("hours_visible", &form.hours_visible, &mut errors);
    let records = number("records_affected", &form.records_affected, &mut errors);
    if !errors.is_empty() {
        return after(&s, &user, id, Err(CoreError::Invalid(errors)), "").await;
    }
    let patch = incidents::IncidentPatch {
        homepage: Some(form.homepage.is_some()),
        hours_visible: Some(u32::try_from(hours).unwrap_or(u32::MAX)),
        records_affected: Some(records),
        impact: Some(form.impact),
        cause: Some(form.cause),
        measures: Some(form.measures),
        contacts: Some(form.contacts),
        ..Default::default()
    };
    let done = incidents::update(&s.store, &user.principal, id, patch).await;
    after(&s, &user, id, done, "incident.saved_ok").await
}

#[derive(Deserialize)]
pub struct StepForm {
    step: String,
    #[serde(default)]
    done_at: String,
    #[serde(default)]
    note: String,
}

async fn step(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<StepForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let mut errors = Vec::new();
    let done_at = form_time(&s, "done_at", &form.done_at, &mut errors);
    let step = IncidentStep::parse(form.step.trim());
    if step.is_none() {
        errors.push(FieldError::new("step", "unknown_choice"));
    }
    let (Some(step), true) = (step, errors.is_empty()) else {
        return after(&s, &user, id, Err(CoreError::Invalid(errors)), "").await;
    };
    let done =
        incidents::record_step(&s.store, &user.principal, id, incidents::StepInput { step, done_at, note: form.note })
            .await;
    after(&s, &user, id, done, "incident.step_ok").await
}

#[derive(Deserialize)]
pub struct GradeForm {
    grade: String,
    #[serde(default)]
    note: String,
}

async fn grade(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<GradeForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let Some(grade) = IncidentGrade::parse(form.grade.trim()) else {
        return after(&s, &user, id, Err(CoreError::invalid("grade", "unknown_choice")), "").await;
    };
    let done =
        incidents::set_grade(&s.store, &user.principal, id, incidents::GradeInput { grade, note: form.note }).await;
    after(&s, &user, id, done, "incident.graded_ok").await
}

async fn evidence(
    State(s): State<AppState>,
    Path(id): Path<String>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let form = read_multipart(&user, multipart, "file").await?;
    let done =
        incidents::add_evidence(&s.store, &user.principal, id, form.get("description"), form.files.clone()).await;
    after(&s, &user, id, done, "incident.evidence_ok").await
}

async fn evidence_file(
    State(s): State<AppState>,
    user: PageUser,
    Path((id, eid)): Path<(String, String)>,
) -> PageResult {
    let (id, eid) = (path_id(&id, &user)?, path_id(&eid, &user)?);
    crate::incidents::api::evidence_download(&s.store, &user.principal, id, eid).await.map_err(|e| fail(&user, e))
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

async fn supplement(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<TextForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let done = incidents::supplement(&s.store, &user.principal, id, incidents::TextInput { text: form.text }).await;
    after(&s, &user, id, done, "incident.supplement_ok").await
}

#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    cause: String,
    #[serde(default)]
    measures: String,
}

async fn close(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<CloseForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let done = incidents::close(
        &s.store,
        &user.principal,
        id,
        incidents::CloseInput { cause: form.cause, measures: form.measures },
    )
    .await;
    after(&s, &user, id, done, "incident.closed_ok").await
}

async fn report(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    crate::incidents::api::report_download(&s.store, &user.principal, id).await.map_err(|e| fail(&user, e))
}
