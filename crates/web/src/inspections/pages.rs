//! Pages of inspections: the campaigns (launch, progress, schedules), a
//! unit's answers system by system (with evidence files), submission and
//! the head's approval, the center's on-site verification, and findings
//! that open notices.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::form::read_multipart;
use crate::platform::page::{
    Ctx, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render, render_status,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::inspections::service::campaigns::{self, CampaignDetail, CampaignView, UnitPart};
use wangan_core::inspections::service::checklists::{self, ChecklistView};
use wangan_core::inspections::service::schedules::{self, ScheduleView};
use wangan_core::inspections::{Answer, CampaignState, ChecklistItem, SubmissionState};
use wangan_core::notices::Severity;
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, Page, PageRequest};

pub fn routes() -> Router<AppState> {
    let evidence_limit =
        axum::extract::DefaultBodyLimit::max(4 * wangan_core::platform::attachments::MAX_BYTES + 256 * 1024);
    Router::new()
        .route("/campaigns", get(list).post(launch))
        .route("/campaigns/{id}", get(detail))
        .route("/campaigns/{id}/close", post(close))
        .route("/campaigns/{id}/progress.xlsx", get(progress_xlsx))
        .route("/campaigns/{id}/units/{code}", get(unit_part))
        .route("/campaigns/{id}/units/{code}/answers", post(answer).layer(evidence_limit))
        .route("/campaigns/{id}/units/{code}/submit", post(submit))
        .route("/campaigns/{id}/units/{code}/decide", post(decide))
        .route("/campaigns/{id}/verify", post(verify))
        .route("/campaigns/{id}/answers/{aid}/notice", post(finding_notice))
        .route("/campaigns/{id}/evidence/{aid}", get(evidence))
        .route("/checklists/{id}", get(checklist))
        .route("/checklists/{id}/versions", post(new_version))
        .route("/campaign-schedules", post(create_schedule))
        .route("/campaign-schedules/{id}/active", post(schedule_active))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    ok: Option<String>,
    system: Option<String>,
}

#[derive(Default, Clone)]
pub struct LaunchForm {
    title: String,
    checklist_id: String,
    due_on: String,
    /// Unit codes, one per checkbox; none: every unit.
    units: Vec<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct ScheduleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    checklist_family: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    due_days: String,
}

#[derive(Template)]
#[template(path = "inspections/campaigns.html")]
struct CampaignsPage {
    ctx: Ctx,
    page: Page<CampaignView>,
    pager: Pager,
    may_manage: bool,
    checklists: Vec<ChecklistView>,
    /// Each checklist family with its newest title (for schedules).
    families: Vec<(String, String)>,
    units: Vec<UnitView>,
    schedules: Vec<ScheduleView>,
    draft: LaunchForm,
    schedule_draft: ScheduleForm,
}

async fn list_page(
    s: &AppState,
    user: &PageUser,
    q: ListQuery,
    error: Option<(&WebError, LaunchForm, ScheduleForm)>,
) -> PageResult {
    let p = &user.principal;
    let page = campaigns::list(&s.store, p, PageRequest { page: q.page, per_page: Some(30) }).await.or_page(user)?;
    let may_manage = p.may(Permission::ManageInspections);
    let (checklists, units, schedules) = if may_manage {
        (
            checklists::list(&s.store).await.or_page(user)?,
            units::all_visible(&s.store, p).await.or_page(user)?,
            schedules::list(&s.store, p).await.or_page(user)?,
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let mut ctx = Ctx::new(s, Some(user), "inspections").with_flash(q.ok.as_deref());
    let (status, draft, schedule_draft) = match error {
        Some((e, d, sd)) => {
            ctx = ctx.with_error(e);
            (e.status(), d, sd)
        }
        None => (StatusCode::OK, LaunchForm::default(), ScheduleForm { due_days: "30".into(), ..Default::default() }),
    };
    let pager = Pager::new(&ctx.m, &page, &list_url("/campaigns", &[]));
    let mut families: Vec<(String, String)> = Vec::new();
    for c in &checklists {
        if !families.iter().any(|(f, _)| *f == c.family) {
            families.push((c.family.clone(), c.title.clone()));
        }
    }
    render_status(
        status,
        CampaignsPage { ctx, page, pager, may_manage, checklists, families, units, schedules, draft, schedule_draft },
    )
}

async fn list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    list_page(&s, &user, q, None).await
}

/// The launch form from its pairs: the units are checkboxes, one pair each.
fn launch_form(pairs: &[(String, String)]) -> LaunchForm {
    let one = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    LaunchForm {
        title: one("title"),
        checklist_id: one("checklist_id"),
        due_on: one("due_on"),
        units: pairs.iter().filter(|(k, _)| k == "units").map(|(_, v)| v.clone()).collect(),
    }
}

async fn launch(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>) -> PageResult {
    let form = launch_form(&form);
    user.principal.require(Permission::ManageInspections).map_err(|e| fail(&user, WebError::from(e)))?;
    let bad = |field: &str, code: &str| WebError::from(CoreError::invalid(field, code));
    let checklist_id = match form.checklist_id.trim().parse::<i64>() {
        Ok(id) => id,
        Err(_) => {
            return list_page(
                &s,
                &user,
                ListQuery::default(),
                Some((&bad("checklist_id", "required"), form, ScheduleForm::default())),
            )
            .await;
        }
    };
    let Ok(due_on) = chrono::NaiveDate::parse_from_str(form.due_on.trim(), "%Y-%m-%d") else {
        return list_page(
            &s,
            &user,
            ListQuery::default(),
            Some((&bad("due_on", "date_format"), form, ScheduleForm::default())),
        )
        .await;
    };
    let input = campaigns::LaunchInput {
        title: form.title.clone(),
        checklist_id,
        due_on,
        units: form.units.clone(),
        systems: Vec::new(),
    };
    match campaigns::launch(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(d) => Ok(Redirect::to(&format!("/campaigns/{}?ok=campaign.launched_ok", d.campaign.id)).into_response()),
        Err(e) if is_form_error(&e) => {
            list_page(&s, &user, ListQuery::default(), Some((&e, form, ScheduleForm::default()))).await
        }
        Err(e) => Err(fail(&user, e)),
    }
}

async fn create_schedule(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<ScheduleForm>) -> PageResult {
    let input = schedules::ScheduleInput {
        title: form.title.clone(),
        checklist_family: form.checklist_family.clone(),
        rule: form.rule.clone(),
        due_days: form.due_days.trim().parse().unwrap_or(0),
    };
    match schedules::create(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to("/campaigns?ok=campaign.schedule_saved#schedules").into_response()),
        Err(e) if is_form_error(&e) => {
            list_page(&s, &user, ListQuery::default(), Some((&e, LaunchForm::default(), form))).await
        }
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

async fn schedule_active(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<ActiveForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    schedules::set_active(&s.store, &user.principal, id, form.active == "true").await.or_page(&user)?;
    Ok(Redirect::to("/campaigns?ok=campaign.schedule_saved#schedules").into_response())
}

#[derive(Template)]
#[template(path = "inspections/campaign.html")]
struct DetailPage {
    ctx: Ctx,
    d: CampaignDetail,
}

async fn detail(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let d = campaigns::get(&s.store, &user.principal, id).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "inspections").with_flash(q.ok.as_deref());
    render(DetailPage { ctx, d })
}

async fn close(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    campaigns::close(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to(&format!("/campaigns/{id}?ok=campaign.closed_ok")).into_response())
}

async fn progress_xlsx(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    crate::inspections::api::progress_download(&s.store, &user.principal, id).await.map_err(|e| fail(&user, e))
}

/// One checklist item with the chosen system's answer, for the form.
pub struct Row {
    pub item: ChecklistItem,
    pub answer: Option<campaigns::AnswerView>,
    /// What still stands in the way for this item (a catalog key), if anything.
    pub problem: String,
}

#[derive(Template)]
#[template(path = "inspections/unit_part.html")]
struct UnitPartPage {
    ctx: Ctx,
    p: UnitPart,
    /// The system shown (its id), and its rows grouped by section.
    system_id: i64,
    system_name: String,
    sections: Vec<(String, Vec<Row>)>,
    answers: &'static [Answer],
    severities: &'static [Severity],
}

async fn part_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    code: &str,
    q: ListQuery,
    error: Option<&WebError>,
) -> PageResult {
    let p = campaigns::unit_part(&s.store, &user.principal, id, code).await.or_page(user)?;
    let chosen = q.system.as_deref().and_then(|v| v.parse::<i64>().ok());
    let shown = p
        .systems
        .iter()
        .find(|x| Some(x.system_id) == chosen)
        .or_else(|| p.systems.iter().find(|x| !x.incomplete.is_empty()))
        .or_else(|| p.systems.first());
    let (system_id, system_name, sections) = match shown {
        None => (0, String::new(), Vec::new()),
        Some(sys) => {
            let mut sections: Vec<(String, Vec<Row>)> = Vec::new();
            for item in &p.items {
                let row = Row {
                    answer: sys.answers.iter().find(|a| a.item_key == item.key).cloned(),
                    problem: sys
                        .incomplete
                        .iter()
                        .find(|(k, _)| *k == item.key)
                        .map(|(_, p)| p.clone())
                        .unwrap_or_default(),
                    item: item.clone(),
                };
                match sections.last_mut() {
                    Some((name, rows)) if *name == item.section => rows.push(row),
                    _ => sections.push((item.section.clone(), vec![row])),
                }
            }
            (sys.system_id, sys.system_name.clone(), sections)
        }
    };
    let mut ctx = Ctx::new(s, Some(user), "inspections").with_flash(q.ok.as_deref());
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    render_status(
        status,
        UnitPartPage { ctx, p, system_id, system_name, sections, answers: Answer::ALL, severities: Severity::ALL },
    )
}

async fn unit_part(
    State(s): State<AppState>,
    user: PageUser,
    Path((id, code)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    part_page(&s, &user, id, &code, q, None).await
}

async fn answer(
    State(s): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let form = read_multipart(&user, multipart, "").await?;
    let system_id = form.get("system_id").trim().parse::<i64>().unwrap_or(0);
    let mut answers = Vec::new();
    for (name, value) in &form.fields {
        if let Some(key) = name.strip_prefix("answer:") {
            if value.trim().is_empty() {
                continue;
            }
            answers.push(campaigns::AnswerInput {
                item: key.to_owned(),
                answer: value.clone(),
                comment: form.get(&format!("comment:{key}")).to_owned(),
            });
        }
    }
    let evidence = form
        .named_files
        .iter()
        .filter_map(|(name, up)| Some((name.strip_prefix("evidence:")?.to_owned(), up.clone())))
        .collect();
    let q = ListQuery { system: Some(system_id.to_string()), ..Default::default() };
    if answers.is_empty() && form.named_files.is_empty() {
        return Ok(Redirect::to(&format!("/campaigns/{id}/units/{code}?system={system_id}")).into_response());
    }
    let input = campaigns::ResponsesInput { system_id, answers, evidence };
    match campaigns::answer(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(p) => {
            // On to the next system still incomplete, or stay.
            let next = p.systems.iter().find(|x| !x.incomplete.is_empty()).map_or(system_id, |x| x.system_id);
            Ok(Redirect::to(&format!("/campaigns/{id}/units/{code}?system={next}&ok=campaign.saved")).into_response())
        }
        Err(e) if is_form_error(&e) => part_page(&s, &user, id, &code, q, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    decision: String,
}

async fn submit(
    State(s): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    CsrfForm { user, form }: CsrfForm<NoteForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let input = campaigns::SubmitInput { unit: code.clone(), note: form.note };
    match campaigns::submit(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/campaigns/{id}/units/{code}?ok=campaign.submitted_ok")).into_response()),
        Err(e) if is_form_error(&e) => part_page(&s, &user, id, &code, ListQuery::default(), Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

async fn decide(
    State(s): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    CsrfForm { user, form }: CsrfForm<NoteForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(fail(&user, WebError::from(CoreError::invalid("decision", "unknown_choice")))),
    };
    let input = campaigns::SubmitInput { unit: code.clone(), note: form.note };
    match campaigns::decide(&s.store, &user.principal, id, approve, input).await.map_err(WebError::from) {
        Ok(_) => {
            let ok = if approve { "campaign.approved_ok" } else { "campaign.returned_ok" };
            Ok(Redirect::to(&format!("/campaigns/{id}/units/{code}?ok={ok}")).into_response())
        }
        Err(e) if is_form_error(&e) => part_page(&s, &user, id, &code, ListQuery::default(), Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    system_id: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    comment: String,
}

async fn verify(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<VerifyForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let system_id = form.system_id.trim().parse::<i64>().unwrap_or(0);
    let input = campaigns::VerifyInput { system_id, item: form.item, answer: form.answer, comment: form.comment };
    let q = ListQuery { system: Some(system_id.to_string()), ..Default::default() };
    match campaigns::verify(&s.store, &user.principal, id, input).await.map_err(WebError::from) {
        Ok(_) => {
            Ok(Redirect::to(&format!("/campaigns/{id}/units/{}?system={system_id}&ok=campaign.verified_ok", form.unit))
                .into_response())
        }
        Err(e) if is_form_error(&e) => part_page(&s, &user, id, &form.unit, q, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    severity: String,
}

async fn finding_notice(
    State(s): State<AppState>,
    Path((id, aid)): Path<(String, String)>,
    CsrfForm { user, form }: CsrfForm<FindingForm>,
) -> PageResult {
    let (id, aid) = (path_id(&id, &user)?, path_id(&aid, &user)?);
    let input = campaigns::FindingNoticeInput { severity: form.severity };
    let notice_id = campaigns::open_notice(&s.store, &user.principal, id, aid, input).await.or_page(&user)?;
    Ok(Redirect::to(&format!("/notices/{notice_id}")).into_response())
}

async fn evidence(State(s): State<AppState>, user: PageUser, Path((id, aid)): Path<(String, String)>) -> PageResult {
    let (id, aid) = (path_id(&id, &user)?, path_id(&aid, &user)?);
    let (name, ct, bytes) = campaigns::evidence(&s.store, &user.principal, id, aid).await.or_page(&user)?;
    Ok(crate::platform::download::file_download(bytes, &ct, "evidence", &name))
}

#[derive(Template)]
#[template(path = "inspections/checklist.html")]
struct ChecklistPage {
    ctx: Ctx,
    c: ChecklistView,
    sections: Vec<(String, Vec<ChecklistItem>)>,
    /// The caller may save a new version; the items as lines for its form.
    may_manage: bool,
    lines: String,
    title: String,
}

async fn checklist(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    checklist_page(&s, &user, id, q.ok.as_deref(), None).await
}

async fn checklist_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    ok: Option<&str>,
    error: Option<(&WebError, String, String)>,
) -> PageResult {
    let c = checklists::get(&s.store, id).await.or_page(user)?;
    let mut sections: Vec<(String, Vec<ChecklistItem>)> = Vec::new();
    for it in &c.items {
        match sections.last_mut() {
            Some((name, items)) if *name == it.section => items.push(it.clone()),
            _ => sections.push((it.section.clone(), vec![it.clone()])),
        }
    }
    let mut ctx = Ctx::new(s, Some(user), "inspections").with_flash(ok);
    let (status, title, lines) = match error {
        Some((e, t, l)) => {
            ctx = ctx.with_error(e);
            (e.status(), t, l)
        }
        None => (StatusCode::OK, c.title.clone(), wangan_core::inspections::item_lines(&c.items)),
    };
    let may_manage = user.principal.may(Permission::ManageInspections);
    render_status(status, ChecklistPage { ctx, c, sections, may_manage, lines, title })
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    items: String,
}

/// Save the edited items as the checklist's next version (running campaigns keep theirs).
async fn new_version(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<VersionForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let c = checklists::get(&s.store, id).await.or_page(&user)?;
    let items = match wangan_core::inspections::parse_item_lines(&form.items) {
        Ok(items) => items,
        Err(line) => {
            let e = WebError::from(CoreError::invalid(&format!("items:{line}"), "item_line_format"));
            return checklist_page(&s, &user, id, None, Some((&e, form.title, form.items))).await;
        }
    };
    let input = checklists::ChecklistInput {
        family: c.family.clone(),
        title: form.title.clone(),
        description: c.description,
        items,
    };
    match checklists::create(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(v) => Ok(Redirect::to(&format!("/checklists/{}?ok=campaign.version_saved", v.id)).into_response()),
        Err(e) if is_form_error(&e) => checklist_page(&s, &user, id, None, Some((&e, form.title, form.items))).await,
        Err(e) => Err(fail(&user, e)),
    }
}

/// The submission state's CSS word, for templates.
pub fn state_class(s: &SubmissionState) -> &'static str {
    s.as_str()
}
