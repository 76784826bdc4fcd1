//! Pages of the unit registers (应急 › 单位台账): what each unit lacks, then
//! one page per register — emergency plans, drills, management rules,
//! personal data and outbound requests, budget, training and certificates.
//! Forms are read into the API's input types, so a page and the API check
//! the same things.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser, from_json};
use crate::platform::form::read_multipart;
use crate::platform::page::{Ctx, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render_status};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use wangan_core::platform::access::Permission;
use wangan_core::registers::service::{self as reg, budget, data, drills, files, gaps, plans, policies, training};
use wangan_core::registers::{
    ActionState, BudgetCategory, CertificateKind, CertificateState, PlanStatus, PolicyKind, RecordKind, RequestState,
    TrainingKind,
};
use wangan_core::{Page, PageRequest};

pub fn routes() -> Router<AppState> {
    let upload = || axum::extract::DefaultBodyLimit::max(wangan_core::platform::attachments::MAX_BYTES + 256 * 1024);
    Router::new()
        .route("/registers", get(overview))
        .route("/plans", get(plans_list).post(plan_create))
        .route("/plans/{id}", get(plan_detail).post(plan_update))
        .route("/plans/{id}/files", post(plan_attach).layer(upload()))
        .route("/plans/{id}/files/{file_id}", get(plan_file))
        .route("/drills", get(drills_list).post(drill_create))
        .route("/drills/{id}", get(drill_detail))
        .route("/drills/{id}/actions", post(action_add))
        .route("/drills/{id}/actions/{action_id}/done", post(action_done))
        .route("/drills/{id}/files", post(drill_attach).layer(upload()))
        .route("/drills/{id}/files/{file_id}", get(drill_file))
        .route("/policies", get(policies_page).post(policy_put))
        .route("/policies/violations", post(policy_propose))
        .route("/policies/{id}/files", post(policy_attach).layer(upload()))
        .route("/policies/{id}/files/{file_id}", get(policy_file))
        .route("/personal-data", get(personal_data_page).post(personal_data_create))
        .route("/personal-data/export.xlsx", get(personal_data_export))
        .route("/personal-data/{id}/delete", post(personal_data_delete))
        .route("/data-requests", get(requests_page).post(request_create))
        .route("/data-requests/{id}", get(request_detail))
        .route("/data-requests/{id}/decision", post(request_decide))
        .route("/budget", get(budget_page).post(budget_create))
        .route("/budget/{id}", post(budget_update))
        .route("/budget/{id}/delete", post(budget_delete))
        .route("/trainings", get(trainings_page).post(training_create))
        .route("/certificates", get(certificates).post(certificate_create))
        .route("/certificates/{id}/delete", post(certificate_delete))
}

/// What a form sent, kept to fill the form again when it is refused.
#[derive(Default, Clone)]
pub struct Draft(Vec<(String, String)>);

/// How a form field becomes the API input's JSON.
#[derive(Clone, Copy)]
enum F {
    /// A string (dates too); kept as sent.
    Text,
    /// An optional string: left out when blank.
    Opt,
    /// A number; left out when blank; sent as text when it is no number (the input names the field).
    Num,
    /// Every value of a repeated field, as numbers.
    Nums,
    /// A checkbox.
    Check,
}

impl Draft {
    pub fn v(&self, k: &str) -> &str {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn has(&self, k: &str, value: &str) -> bool {
        self.0.iter().any(|(n, v)| n == k && v == value)
    }

    fn json(&self, spec: &[(&str, F)]) -> Value {
        let mut m = Map::new();
        for (name, f) in spec {
            let raw = self.v(name).trim();
            let v = match f {
                F::Text => Some(Value::String(raw.to_owned())),
                F::Opt if raw.is_empty() => None,
                F::Opt => Some(Value::String(raw.to_owned())),
                F::Num if raw.is_empty() => None,
                F::Num => Some(raw.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(raw.to_owned()))),
                F::Nums => Some(Value::Array(
                    self.0
                        .iter()
                        .filter(|(n, v)| n == name && !v.trim().is_empty())
                        .map(|(_, v)| {
                            v.trim().parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::String(v.clone()))
                        })
                        .collect(),
                )),
                F::Check => Some(Value::Bool(!raw.is_empty())),
            };
            if let Some(v) = v {
                m.insert((*name).to_owned(), v);
            }
        }
        Value::Object(m)
    }

    fn input<T: DeserializeOwned>(&self, spec: &[(&str, F)]) -> Result<T, WebError> {
        from_json(self.json(spec))
    }
}

fn ctx_for(s: &AppState, user: &PageUser, ok: Option<&str>, error: Option<&WebError>) -> (Ctx, StatusCode) {
    let mut ctx = Ctx::new(s, Some(user), "readiness").with_flash(ok);
    match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            let status = e.status();
            (ctx, status)
        }
        None => (ctx, StatusCode::OK),
    }
}

fn today(s: &AppState) -> chrono::NaiveDate {
    s.store.now().with_timezone(&s.store.notice_policy().time_zone).date_naive()
}

/// After a form: to `to` with a flash, or the form's page again with the error.
async fn settle<T, Fut>(
    user: &PageUser,
    done: Result<T, WebError>,
    to: impl FnOnce(&T) -> String,
    again: impl FnOnce(WebError) -> Fut,
) -> PageResult
where
    Fut: std::future::Future<Output = PageResult>,
{
    match done {
        Ok(v) => Ok(Redirect::to(&to(&v)).into_response()),
        Err(e) if is_form_error(&e) => again(e).await,
        Err(e) => Err(fail(user, e)),
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<u64>,
    ok: Option<String>,
    unit: Option<String>,
    year: Option<i32>,
    state: Option<String>,
}

impl ListQuery {
    fn request(&self) -> PageRequest {
        PageRequest { page: self.page, per_page: Some(30) }
    }

    fn unit(&self) -> String {
        self.unit.clone().unwrap_or_default()
    }
}

// ---- Overview ----

#[derive(Template)]
#[template(path = "registers/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    gaps: Vec<gaps::UnitGaps>,
    flagged: usize,
}

impl OverviewPage {
    fn plan_class(&self, p: &PlanStatus) -> &'static str {
        match p {
            PlanStatus::Current => "ok",
            PlanStatus::Overdue => "warn",
            PlanStatus::Missing => "bad",
        }
    }
}

async fn overview(State(s): State<AppState>, user: PageUser) -> PageResult {
    let gaps = gaps::unit_gaps(&s.store, &user.principal).await.or_page(&user)?;
    let flagged = gaps.iter().filter(|g| g.flagged).count();
    let (ctx, _) = ctx_for(&s, &user, None, None);
    render_status(StatusCode::OK, OverviewPage { ctx, gaps, flagged })
}

// ---- Emergency plans ----

#[derive(Template)]
#[template(path = "registers/plans.html")]
struct PlansPage {
    ctx: Ctx,
    page: Page<plans::PlanView>,
    pager: Pager,
    units: Vec<(String, String)>,
    center: bool,
    draft: Draft,
    today: String,
}

async fn plans_page(s: &AppState, user: &PageUser, q: ListQuery, error: Option<WebError>, draft: Draft) -> PageResult {
    let f = plans::PlanFilter { unit: q.unit.clone(), overdue: false };
    let page = plans::list(&s.store, &user.principal, &f, q.request()).await.or_page(user)?;
    let units = reg::keepable_units(&s.store, &user.principal).await.or_page(user)?;
    let (ctx, status) = ctx_for(s, user, q.ok.as_deref(), error.as_ref());
    let pager = Pager::new(&ctx.m, &page, &list_url("/plans", &[]));
    let center = user.principal.may(Permission::ManageReadiness);
    render_status(status, PlansPage { ctx, page, pager, units, center, draft, today: today(s).to_string() })
}

async fn plans_list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    plans_page(&s, &user, q, None, Draft::default()).await
}

const PLAN_FIELDS: &[(&str, F)] = &[
    ("unit", F::Text),
    ("title", F::Text),
    ("scenarios", F::Text),
    ("contacts", F::Text),
    ("escalation", F::Text),
    ("reviewed_on", F::Opt),
    ("systems", F::Nums),
];

async fn plan_create(
    State(s): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let draft = Draft(form);
    let done = match draft.input(PLAN_FIELDS) {
        Ok(input) => plans::create(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    settle(
        &user,
        done,
        |p| format!("/plans/{}?ok=plan.saved", p.id),
        |e| plans_page(&s, &user, ListQuery::default(), Some(e), draft.clone()),
    )
    .await
}

#[derive(Template)]
#[template(path = "registers/plan.html")]
struct PlanPage {
    ctx: Ctx,
    p: plans::PlanView,
    systems: Vec<(i64, String)>,
    today: String,
}

impl PlanPage {
    fn covers(&self, id: &i64) -> bool {
        self.p.systems.iter().any(|s| s.id == *id)
    }
}

async fn plan_page(s: &AppState, user: &PageUser, id: i64, ok: Option<&str>, error: Option<WebError>) -> PageResult {
    let p = plans::get(&s.store, &user.principal, id).await.or_page(user)?;
    let systems = if p.unit.is_empty() {
        Vec::new()
    } else {
        reg::unit_picks(&s.store, &user.principal, &p.unit).await.or_page(user)?.1
    };
    let (ctx, status) = ctx_for(s, user, ok, error.as_ref());
    render_status(status, PlanPage { ctx, p, systems, today: today(s).to_string() })
}

async fn plan_detail(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    plan_page(&s, &user, id, q.ok.as_deref(), None).await
}

async fn plan_update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let draft = Draft(form);
    let done = match draft.input(PLAN_FIELDS) {
        Ok(input) => plans::update(&s.store, &user.principal, id, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    settle(&user, done, |p| format!("/plans/{}?ok=plan.saved", p.id), |e| plan_page(&s, &user, id, None, Some(e))).await
}

async fn attach(
    s: &AppState,
    user: &PageUser,
    kind: RecordKind,
    id: i64,
    multipart: axum::extract::Multipart,
) -> Result<Result<(), WebError>, crate::platform::page::PageRejection> {
    let form = read_multipart(user, multipart, "file").await?;
    let up = form.file.clone().unwrap_or_default();
    Ok(files::attach(&s.store, &user.principal, kind, id, up).await.map(|_| ()).map_err(WebError::from))
}

async fn plan_attach(
    State(s): State<AppState>,
    Path(id): Path<String>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let done = attach(&s, &user, RecordKind::Plan, id, multipart).await?;
    settle(&user, done, |_| format!("/plans/{id}?ok=register.file_ok"), |e| plan_page(&s, &user, id, None, Some(e)))
        .await
}

async fn download(s: &AppState, user: &PageUser, kind: RecordKind, id: &str, file_id: &str) -> PageResult {
    let (id, file_id) = (path_id(id, user)?, path_id(file_id, user)?);
    crate::registers::api::file_download(&s.store, &user.principal, kind, id, file_id).await.map_err(|e| fail(user, e))
}

async fn plan_file(State(s): State<AppState>, user: PageUser, Path((id, f)): Path<(String, String)>) -> PageResult {
    download(&s, &user, RecordKind::Plan, &id, &f).await
}

// ---- Drills ----

#[derive(Template)]
#[template(path = "registers/drills.html")]
struct DrillsPage {
    ctx: Ctx,
    page: Page<drills::DrillView>,
    pager: Pager,
    units: Vec<(String, String)>,
    center: bool,
    draft: Draft,
    today: String,
}

async fn drills_page(s: &AppState, user: &PageUser, q: ListQuery, error: Option<WebError>, draft: Draft) -> PageResult {
    let f = drills::DrillFilter { unit: q.unit.clone(), overdue_actions: false };
    let page = drills::list(&s.store, &user.principal, &f, q.request()).await.or_page(user)?;
    let units = reg::keepable_units(&s.store, &user.principal).await.or_page(user)?;
    let (ctx, status) = ctx_for(s, user, q.ok.as_deref(), error.as_ref());
    let pager = Pager::new(&ctx.m, &page, &list_url("/drills", &[]));
    let center = user.principal.may(Permission::ManageReadiness);
    render_status(status, DrillsPage { ctx, page, pager, units, center, draft, today: today(s).to_string() })
}

async fn drills_list(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    drills_page(&s, &user, q, None, Draft::default()).await
}

async fn drill_create(
    State(s): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let draft = Draft(form);
    let spec = [
        ("unit", F::Text),
        ("held_on", F::Text),
        ("scenario", F::Text),
        ("participants", F::Text),
        ("what_happened", F::Text),
        ("problems", F::Text),
    ];
    let done = match draft.input(&spec) {
        Ok(input) => drills::create(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    settle(
        &user,
        done,
        |d| format!("/drills/{}?ok=drill.saved", d.id),
        |e| drills_page(&s, &user, ListQuery::default(), Some(e), draft.clone()),
    )
    .await
}

#[derive(Template)]
#[template(path = "registers/drill.html")]
struct DrillPage {
    ctx: Ctx,
    d: drills::DrillView,
    people: Vec<(i64, String)>,
    today: String,
}

impl DrillPage {
    fn action_class(&self, s: &ActionState) -> &'static str {
        match s {
            ActionState::Done => "ok",
            ActionState::Overdue => "bad",
            ActionState::Open => "",
        }
    }
}

async fn drill_page(s: &AppState, user: &PageUser, id: i64, ok: Option<&str>, error: Option<WebError>) -> PageResult {
    let d = drills::get(&s.store, &user.principal, id).await.or_page(user)?;
    let people = if d.unit.is_empty() || !d.may_edit {
        Vec::new()
    } else {
        reg::unit_picks(&s.store, &user.principal, &d.unit).await.or_page(user)?.0
    };
    let (ctx, status) = ctx_for(s, user, ok, error.as_ref());
    render_status(status, DrillPage { ctx, d, people, today: today(s).to_string() })
}

async fn drill_detail(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    drill_page(&s, &user, id, q.ok.as_deref(), None).await
}

async fn action_add(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let draft = Draft(form);
    let spec = [("description", F::Text), ("owner_person_id", F::Num), ("due_on", F::Text)];
    let done = match draft.input(&spec) {
        Ok(input) => drills::add_action(&s.store, &user.principal, id, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    settle(&user, done, |_| format!("/drills/{id}?ok=drill.action_added"), |e| drill_page(&s, &user, id, None, Some(e)))
        .await
}

async fn action_done(
    State(s): State<AppState>,
    Path((id, action_id)): Path<(String, String)>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let (id, action_id) = (path_id(&id, &user)?, path_id(&action_id, &user)?);
    let draft = Draft(form);
    let done = match draft.input(&[("note", F::Text)]) {
        Ok(input) => {
            drills::complete_action(&s.store, &user.principal, id, action_id, input).await.map_err(WebError::from)
        }
        Err(e) => Err(e),
    };
    settle(&user, done, |_| format!("/drills/{id}?ok=drill.action_done"), |e| drill_page(&s, &user, id, None, Some(e)))
        .await
}

async fn drill_attach(
    State(s): State<AppState>,
    Path(id): Path<String>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let done = attach(&s, &user, RecordKind::Drill, id, multipart).await?;
    settle(&user, done, |_| format!("/drills/{id}?ok=register.file_ok"), |e| drill_page(&s, &user, id, None, Some(e)))
        .await
}

async fn drill_file(State(s): State<AppState>, user: PageUser, Path((id, f)): Path<(String, String)>) -> PageResult {
    download(&s, &user, RecordKind::Drill, &id, &f).await
}

// ---- Management rules ----

#[derive(Template)]
#[template(path = "registers/policies.html")]
struct PoliciesPage {
    ctx: Ctx,
    rows: Vec<policies::Completeness>,
    unit: String,
    rules: Vec<policies::PolicyView>,
    units: Vec<(String, String)>,
    draft: Draft,
    today: String,
}

impl PoliciesPage {
    fn kinds(&self) -> &'static [PolicyKind] {
        PolicyKind::ALL
    }

    fn rule_of(&self, k: &PolicyKind) -> Option<&policies::PolicyView> {
        self.rules.iter().find(|r| r.kind == *k)
    }

    fn selected(&self) -> Option<&policies::Completeness> {
        self.rows.iter().find(|r| r.unit == self.unit)
    }
}

async fn policies_view(
    s: &AppState,
    user: &PageUser,
    q: ListQuery,
    error: Option<WebError>,
    draft: Draft,
) -> PageResult {
    let rows = policies::completeness(&s.store, &user.principal).await.or_page(user)?;
    let units = reg::keepable_units(&s.store, &user.principal).await.or_page(user)?;
    // The unit shown: the one asked for, else the caller's only one.
    let unit = match q.unit() {
        u if !u.is_empty() => u,
        _ if rows.len() == 1 => rows[0].unit.clone(),
        _ => String::new(),
    };
    let rules = if unit.is_empty() {
        Vec::new()
    } else {
        policies::list(&s.store, &user.principal, Some(&unit)).await.or_page(user)?
    };
    let (ctx, status) = ctx_for(s, user, q.ok.as_deref(), error.as_ref());
    render_status(status, PoliciesPage { ctx, rows, unit, rules, units, draft, today: today(s).to_string() })
}

async fn policies_page(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    policies_view(&s, &user, q, None, Draft::default()).await
}

fn unit_query(unit: &str) -> ListQuery {
    ListQuery { unit: Some(unit.to_owned()), ..Default::default() }
}

async fn policy_put(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>) -> PageResult {
    let draft = Draft(form);
    let spec =
        [("unit", F::Text), ("kind", F::Text), ("title", F::Text), ("approved_on", F::Text), ("review_on", F::Opt)];
    let done = match draft.input(&spec) {
        Ok(input) => policies::put(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    let unit = draft.v("unit").to_owned();
    settle(
        &user,
        done,
        |p| format!("/policies?unit={}&ok=policy.saved", p.unit),
        |e| policies_view(&s, &user, unit_query(&unit), Some(e), draft.clone()),
    )
    .await
}

async fn policy_propose(
    State(s): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let draft = Draft(form);
    let done = match draft.input(&[("unit", F::Text)]) {
        Ok(input) => policies::propose_violation(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    let unit = draft.v("unit").to_owned();
    match done {
        Ok(v) => Ok(Redirect::to(&format!("/violations/{}", v.id)).into_response()),
        Err(e @ WebError::Core(wangan_core::CoreError::Conflict(_))) => {
            policies_view(&s, &user, unit_query(&unit), Some(e), Draft::default()).await
        }
        Err(e) if is_form_error(&e) => policies_view(&s, &user, unit_query(&unit), Some(e), Draft::default()).await,
        Err(e) => Err(fail(&user, e)),
    }
}

async fn policy_attach(
    State(s): State<AppState>,
    Path(id): Path<String>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let done = attach(&s, &user, RecordKind::Policy, id, multipart).await?;
    let unit = policies::get(&s.store, &user.principal, id).await.map(|p| p.unit).unwrap_or_default();
    settle(
        &user,
        done,
        |_| format!("/policies?unit={unit}&ok=register.file_ok"),
        |e| policies_view(&s, &user, unit_query(&unit), Some(e), Draft::default()),
    )
    .await
}

async fn policy_file(State(s): State<AppState>, user: PageUser, Path((id, f)): Path<(String, String)>) -> PageResult {
    download(&s, &user, RecordKind::Policy, &id, &f).await
}

// ---- Personal data and outbound requests ----

#[derive(Template)]
#[template(path = "registers/personal_data.html")]
struct PersonalDataPage {
    ctx: Ctx,
    page: Page<data::PersonalDataView>,
    pager: Pager,
    unit: String,
    units: Vec<(String, String)>,
    systems: Vec<(i64, String)>,
    draft: Draft,
}

async fn personal_data_view(
    s: &AppState,
    user: &PageUser,
    q: ListQuery,
    error: Option<WebError>,
    draft: Draft,
) -> PageResult {
    let units = reg::keepable_units(&s.store, &user.principal).await.or_page(user)?;
    let unit = match q.unit() {
        u if !u.is_empty() => u,
        _ if units.len() == 1 => units[0].0.clone(),
        _ => String::new(),
    };
    let f = data::DataFilter { unit: q.unit.clone(), system_id: None };
    let page = data::list_register(&s.store, &user.principal, &f, q.request()).await.or_page(user)?;
    let systems = if units.iter().any(|u| u.0 == unit) {
        reg::unit_picks(&s.store, &user.principal, &unit).await.or_page(user)?.1
    } else {
        Vec::new()
    };
    let (ctx, status) = ctx_for(s, user, q.ok.as_deref(), error.as_ref());
    let pager = Pager::new(&ctx.m, &page, &list_url("/personal-data", &[("unit", q.unit().as_str())]));
    render_status(status, PersonalDataPage { ctx, page, pager, unit, units, systems, draft })
}

async fn personal_data_page(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    personal_data_view(&s, &user, q, None, Draft::default()).await
}

async fn personal_data_create(
    State(s): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let draft = Draft(form);
    let spec = [
        ("system_id", F::Num),
        ("categories", F::Text),
        ("subjects", F::Text),
        ("purpose", F::Text),
        ("method", F::Text),
        ("scope", F::Text),
        ("storage_place", F::Text),
        ("retention", F::Text),
        ("measures", F::Text),
    ];
    let done = match draft.input(&spec) {
        Ok(input) => data::create_entry(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    let unit = draft.v("unit").to_owned();
    settle(
        &user,
        done,
        |v| format!("/personal-data?unit={}&ok=pdata.saved", v.unit),
        |e| personal_data_view(&s, &user, unit_query(&unit), Some(e), draft.clone()),
    )
    .await
}

async fn personal_data_delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form: _ }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let unit = data::get_entry(&s.store, &user.principal, id).await.or_page(&user)?.unit;
    data::delete_entry(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to(&format!("/personal-data?unit={unit}&ok=pdata.deleted")).into_response())
}

async fn personal_data_export(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    crate::registers::api::personal_data_download(&s.store, &user.principal, q.unit.clone())
        .await
        .map_err(|e| fail(&user, e))
}

#[derive(Template)]
#[template(path = "registers/data_requests.html")]
struct RequestsPage {
    ctx: Ctx,
    page: Page<data::DataRequestView>,
    pager: Pager,
    state: String,
    units: Vec<(String, String)>,
    draft: Draft,
}

impl RequestsPage {
    fn states(&self) -> &'static [RequestState] {
        RequestState::ALL
    }
}

fn request_class(s: &RequestState) -> &'static str {
    match s {
        RequestState::Approved => "ok",
        RequestState::Refused => "bad",
        RequestState::PendingLeader | RequestState::PendingCenter => "warn",
    }
}

async fn requests_view(
    s: &AppState,
    user: &PageUser,
    q: ListQuery,
    error: Option<WebError>,
    draft: Draft,
) -> PageResult {
    let state = q.state.as_deref().and_then(RequestState::parse);
    let f = data::RequestFilter { unit: q.unit.clone(), state };
    let page = data::list_requests(&s.store, &user.principal, &f, q.request()).await.or_page(user)?;
    let units = reg::keepable_units(&s.store, &user.principal).await.or_page(user)?;
    let (ctx, status) = ctx_for(s, user, q.ok.as_deref(), error.as_ref());
    let st = state.map(|s| s.as_str()).unwrap_or("");
    let pager = Pager::new(&ctx.m, &page, &list_url("/data-requests", &[("state", st)]));
    render_status(status, RequestsPage { ctx, page, pager, state: st.to_owned(), units, draft })
}

async fn requests_page(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    requests_view(&s, &user, q, None, Draft::default()).await
}

async fn request_create(
    State(s): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let draft = Draft(form);
    let spec = [
        ("unit", F::Text),
        ("system_id", F::Num),
        ("recipient", F::Text),
        ("purpose", F::Text),
        ("fields", F::Text),
        ("legal_basis", F::Text),
    ];
    let done = match draft.input(&spec) {
        Ok(input) => data::create_request(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    settle(
        &user,
        done,
        |r| format!("/data-requests/{}?ok=dreq.submitted", r.id),
        |e| requests_view(&s, &user, ListQuery::default(), Some(e), draft.clone()),
    )
    .await
}

#[derive(Template)]
#[template(path = "registers/data_request.html")]
struct RequestPage {
    ctx: Ctx,
    r: data::DataRequestView,
}

impl RequestPage {
    fn state_class(&self) -> &'static str {
        request_class(&self.r.state)
    }
}

async fn request_page(s: &AppState, user: &PageUser, id: i64, ok: Option<&str>, error: Option<WebError>) -> PageResult {
    let r = data::get_request(&s.store, &user.principal, id).await.or_page(user)?;
    let (ctx, status) = ctx_for(s, user, ok, error.as_ref());
    render_status(status, RequestPage { ctx, r })
}

async fn request_detail(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    request_page(&s, &user, id, q.ok.as_deref(), None).await
}

async fn request_decide(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let draft = Draft(form);
    let approve = draft.v("decision") == "approve";
    let done = data::decide(
        &s.store,
        &user.principal,
        id,
        data::RequestDecision { approve, note: draft.v("note").to_owned() },
    )
    .await
    .map_err(WebError::from);
    settle(
        &user,
        done,
        |_| format!("/data-requests/{id}?ok=dreq.decided"),
        |e| request_page(&s, &user, id, None, Some(e)),
    )
    .await
}

// ---- Budget ----

#[derive(Template)]
#[template(path = "registers/budget.html")]
struct BudgetPage {
    ctx: Ctx,
    b: budget::BudgetView,
    units: Vec<(String, String)>,
    draft: Draft,
}

impl BudgetPage {
    fn categories(&self) -> &'static [BudgetCategory] {
        BudgetCategory::ALL
    }
}

async fn budget_view(s: &AppState, user: &PageUser, q: ListQuery, error: Option<WebError>, draft: Draft) -> PageResult {
    let b = budget::year(&s.store, &user.principal, q.year, q.unit.as_deref()).await.or_page(user)?;
    let units = reg::keepable_units(&s.store, &user.principal).await.or_page(user)?;
    let (ctx, status) = ctx_for(s, user, q.ok.as_deref(), error.as_ref());
    render_status(status, BudgetPage { ctx, b, units, draft })
}

async fn budget_page(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    budget_view(&s, &user, q, None, Draft::default()).await
}

const BUDGET_FIELDS: &[(&str, F)] = &[
    ("unit", F::Text),
    ("year", F::Num),
    ("category", F::Text),
    ("planned", F::Text),
    ("spent", F::Text),
    ("special_fund", F::Check),
    ("note", F::Text),
];

fn year_query(draft: &Draft) -> ListQuery {
    ListQuery { year: draft.v("year").trim().parse().ok(), ..Default::default() }
}

async fn budget_create(
    State(s): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let draft = Draft(form);
    let done = match draft.input(BUDGET_FIELDS) {
        Ok(input) => budget::create(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    settle(
        &user,
        done,
        |l| format!("/budget?year={}&ok=budget.saved", l.year),
        |e| budget_view(&s, &user, year_query(&draft), Some(e), draft.clone()),
    )
    .await
}

async fn budget_update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let draft = Draft(form);
    let done = match draft.input(BUDGET_FIELDS) {
        Ok(input) => budget::update(&s.store, &user.principal, id, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    settle(
        &user,
        done,
        |l| format!("/budget?year={}&ok=budget.saved", l.year),
        |e| budget_view(&s, &user, year_query(&draft), Some(e), Draft::default()),
    )
    .await
}

async fn budget_delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    budget::delete(&s.store, &user.principal, id).await.or_page(&user)?;
    let year = Draft(form).v("year").trim().parse::<i32>().map(|y| format!("year={y}&")).unwrap_or_default();
    Ok(Redirect::to(&format!("/budget?{year}ok=budget.deleted")).into_response())
}

// ---- Training and certificates ----

#[derive(Template)]
#[template(path = "registers/trainings.html")]
struct TrainingsPage {
    ctx: Ctx,
    trainings: Page<training::TrainingView>,
    pager: Pager,
    certificates: Vec<training::StaffCertificate>,
    unit: String,
    units: Vec<(String, String)>,
    center: bool,
    people: Vec<(i64, String)>,
    draft: Draft,
    today: String,
}

impl TrainingsPage {
    fn training_kinds(&self) -> &'static [TrainingKind] {
        TrainingKind::ALL
    }

    fn certificate_kinds(&self) -> &'static [CertificateKind] {
        CertificateKind::ALL
    }

    fn cert_class(&self, s: &CertificateState) -> &'static str {
        match s {
            CertificateState::Valid => "ok",
            CertificateState::Expiring => "warn",
            CertificateState::Expired => "bad",
        }
    }
}

async fn trainings_view(
    s: &AppState,
    user: &PageUser,
    q: ListQuery,
    error: Option<WebError>,
    draft: Draft,
) -> PageResult {
    let units = reg::keepable_units(&s.store, &user.principal).await.or_page(user)?;
    let unit = match q.unit() {
        u if !u.is_empty() => u,
        _ if units.len() == 1 => units[0].0.clone(),
        _ => String::new(),
    };
    let f = training::TrainingFilter { year: q.year, unit: None };
    let trainings = training::list_trainings(&s.store, &user.principal, &f, q.request()).await.or_page(user)?;
    let cf = training::CertificateFilter { unit: (!unit.is_empty()).then(|| unit.clone()), state: None };
    let certificates =
        training::list_certificates(&s.store, &user.principal, &cf, PageRequest { page: Some(1), per_page: Some(100) })
            .await
            .or_page(user)?
            .items;
    let people = if units.iter().any(|u| u.0 == unit) {
        reg::unit_picks(&s.store, &user.principal, &unit).await.or_page(user)?.0
    } else {
        Vec::new()
    };
    let (ctx, status) = ctx_for(s, user, q.ok.as_deref(), error.as_ref());
    let pager = Pager::new(&ctx.m, &trainings, &list_url("/trainings", &[("unit", unit.as_str())]));
    let center = user.principal.may(Permission::ManageReadiness);
    render_status(
        status,
        TrainingsPage {
            ctx,
            trainings,
            pager,
            certificates,
            unit,
            units,
            center,
            people,
            draft,
            today: today(s).to_string(),
        },
    )
}

async fn trainings_page(State(s): State<AppState>, user: PageUser, Query(q): Query<ListQuery>) -> PageResult {
    trainings_view(&s, &user, q, None, Draft::default()).await
}

async fn training_create(
    State(s): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let draft = Draft(form);
    let spec = [
        ("unit", F::Text),
        ("kind", F::Text),
        ("title", F::Text),
        ("held_on", F::Text),
        ("hours", F::Text),
        ("attendees", F::Nums),
    ];
    let done = match draft.input(&spec) {
        Ok(input) => training::create_training(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    let unit = draft.v("picker_unit").to_owned();
    settle(
        &user,
        done,
        |t| format!("/trainings?unit={}&ok=training.saved", t.unit),
        |e| trainings_view(&s, &user, unit_query(&unit), Some(e), draft.clone()),
    )
    .await
}

async fn certificates(Query(q): Query<ListQuery>) -> Redirect {
    Redirect::to(&format!("/trainings?unit={}#certificates", q.unit()))
}

async fn certificate_create(
    State(s): State<AppState>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let draft = Draft(form);
    let spec = [
        ("person_id", F::Num),
        ("kind", F::Text),
        ("name", F::Text),
        ("number", F::Text),
        ("issued_on", F::Opt),
        ("expires_on", F::Opt),
    ];
    let done = match draft.input(&spec) {
        Ok(input) => training::create_certificate(&s.store, &user.principal, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    let unit = draft.v("picker_unit").to_owned();
    settle(
        &user,
        done,
        |c| format!("/trainings?unit={}&ok=cert.saved#certificates", c.unit),
        |e| trainings_view(&s, &user, unit_query(&unit), Some(e), draft.clone()),
    )
    .await
}

async fn certificate_delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    training::delete_certificate(&s.store, &user.principal, id).await.or_page(&user)?;
    let unit = Draft(form).v("picker_unit").to_owned();
    Ok(Redirect::to(&format!("/trainings?unit={unit}&ok=cert.deleted#certificates")).into_response())
}
