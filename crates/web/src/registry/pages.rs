//! The systems registry pages: list with filters, registration, and each
//! system's page with its filing, protections, MLPS and stage changes.

use crate::AppState;
use crate::audit::pages::AuditRow;
use crate::platform::error::{WebError, gate_reason};
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::form::{lines, multipart_error, read_multipart};
use crate::platform::page::{
    Ctx, OkQuery, OrPage, PageRejection, PageResult, Pager, fail, is_form_error, list_url, path_id, render_status,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::platform::access::Permission;
use wangan_core::registry::service::systems::{self, SystemDetail, SystemView};
use wangan_core::registry::{EvaluationResult, FilingStatus, GoLiveState, Hosting, ProtectionKind, Stage, SystemKind};
use wangan_core::{CoreError, FieldError, Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/systems", get(list).post(create))
        .route("/systems/export.xlsx", get(export))
        .route("/systems/template.xlsx", get(template))
        .route(
            "/systems/import",
            get(import_form)
                .post(import_upload)
                .layer(axum::extract::DefaultBodyLimit::max(wangan_office::MAX_BYTES + 64 * 1024)),
        )
        .route("/systems/import/confirm", post(import_confirm))
        .route("/systems/{id}", get(show).post(update))
        .route("/systems/{id}/filing", post(filing))
        .route("/systems/{id}/protections", post(protections))
        .route("/systems/{id}/mlps", post(mlps))
        .route(
            "/systems/{id}/evaluations",
            post(evaluation)
                .layer(axum::extract::DefaultBodyLimit::max(wangan_core::platform::attachments::MAX_BYTES + 64 * 1024)),
        )
        .route("/systems/{id}/evaluations/{eid}/report", get(evaluation_report))
        .route("/systems/{id}/transition", post(transition))
        .route(
            "/systems/{id}/golive",
            post(golive_request)
                .layer(axum::extract::DefaultBodyLimit::max(wangan_core::platform::attachments::MAX_BYTES + 64 * 1024)),
        )
        .route("/systems/{id}/delete", post(delete))
}

const SORTS: [&str; 4] = ["name", "-updated", "due", "stage"];

/// The fields of the register / edit form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SystemForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    hosting: String,
    #[serde(default)]
    urls: String,
    #[serde(default)]
    move_urls: Option<String>,
    #[serde(default)]
    ips: String,
    #[serde(default)]
    internet_facing: Option<String>,
    #[serde(default)]
    important: Option<String>,
    #[serde(default)]
    operator_unit: String,
    #[serde(default)]
    operator_vendor: String,
    #[serde(default)]
    operator_contact: String,
    #[serde(default)]
    users: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    notes: String,
}

/// What the form shows.
pub struct Draft {
    pub name: String,
    pub kind: String,
    pub unit: String,
    pub hosting: String,
    pub urls: String,
    pub ips: String,
    pub internet_facing: bool,
    pub important: bool,
    pub operator_unit: String,
    pub operator_vendor: String,
    pub operator_contact: String,
    pub users: String,
    pub tags: String,
    pub notes: String,
}

impl From<&SystemForm> for Draft {
    fn from(f: &SystemForm) -> Self {
        Draft {
            name: f.name.clone(),
            kind: f.kind.clone(),
            unit: f.unit.clone(),
            hosting: f.hosting.clone(),
            urls: f.urls.clone(),
            ips: f.ips.clone(),
            internet_facing: f.internet_facing.is_some(),
            important: f.important.is_some(),
            operator_unit: f.operator_unit.clone(),
            operator_vendor: f.operator_vendor.clone(),
            operator_contact: f.operator_contact.clone(),
            users: f.users.clone(),
            tags: f.tags.clone(),
            notes: f.notes.clone(),
        }
    }
}

impl From<&SystemView> for Draft {
    fn from(s: &SystemView) -> Self {
        Draft {
            name: s.name.clone(),
            kind: s.kind.as_str().into(),
            unit: s.unit.clone(),
            hosting: s.hosting.as_str().into(),
            urls: s.urls.join("\n"),
            ips: s.ips.join("\n"),
            internet_facing: s.internet_facing,
            important: s.important,
            operator_unit: s.operator_unit.clone().unwrap_or_default(),
            operator_vendor: s.operator_vendor.clone(),
            operator_contact: s.operator_contact.clone(),
            users: s.users.clone(),
            tags: s.tags.join(", "),
            notes: s.notes.clone(),
        }
    }
}

fn tags(text: &str) -> Vec<String> {
    text.split([',', '，', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

impl SystemForm {
    fn input(&self) -> systems::SystemInput {
        systems::SystemInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            unit: self.unit.clone(),
            urls: lines(&self.urls),
            ips: lines(&self.ips),
            internet_facing: self.internet_facing.is_some(),
            important: self.important.is_some(),
            operator_unit: Some(self.operator_unit.clone()).filter(|s| !s.is_empty()),
            operator_vendor: self.operator_vendor.clone(),
            operator_contact: self.operator_contact.clone(),
            users: self.users.clone(),
            hosting: Some(self.hosting.clone()),
            tags: tags(&self.tags),
            notes: self.notes.clone(),
            move_urls: self.move_urls.is_some(),
        }
    }

    fn patch(&self) -> systems::SystemPatch {
        let i = self.input();
        systems::SystemPatch {
            name: Some(i.name),
            kind: Some(i.kind),
            unit: Some(i.unit),
            urls: Some(i.urls),
            ips: Some(i.ips),
            internet_facing: Some(i.internet_facing),
            important: Some(i.important),
            operator_unit: Some(i.operator_unit),
            operator_vendor: Some(i.operator_vendor),
            operator_contact: Some(i.operator_contact),
            users: Some(i.users),
            hosting: i.hosting,
            tags: Some(i.tags),
            notes: Some(i.notes),
            move_urls: i.move_urls,
        }
    }
}

/// An optional date from a form field.
fn form_date(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, "date_format"));
            None
        }
    }
}

async fn units_for(s: &AppState, user: &PageUser) -> Result<(Vec<UnitView>, Vec<UnitView>), PageRejection> {
    let all = units::all_visible(&s.store, &user.principal).await.or_page(user)?;
    let mine = all.iter().filter(|u| user.principal.may(Permission::ManageSystems(u.id))).cloned().collect();
    Ok((all, mine))
}

// ---- list ----------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    page: Option<u64>,
    #[serde(default)]
    q: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    filing: String,
    #[serde(default)]
    internet_facing: String,
    #[serde(default)]
    important: String,
    #[serde(default)]
    evaluation: String,
    #[serde(default)]
    mlps_filing: String,
    #[serde(default)]
    sort: String,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "registry/systems.html")]
struct SystemsPage {
    ctx: Ctx,
    f: ListQuery,
    page: Page<SystemView>,
    pager: Pager,
    stages: &'static [Stage],
    filings: &'static [FilingStatus],
    kinds: &'static [SystemKind],
    hostings: &'static [Hosting],
    sorts: [&'static str; 4],
    all_units: Vec<UnitView>,
    manageable_units: Vec<UnitView>,
    draft: Draft,
    export_url: String,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

async fn systems_page(
    s: &AppState,
    user: &PageUser,
    f: ListQuery,
    draft: Draft,
    error: Option<&WebError>,
) -> PageResult {
    let filter = filter_of(&f);
    let page = systems::list(&s.store, &user.principal, &filter, PageRequest { page: f.page, per_page: Some(50) })
        .await
        .or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "systems").with_flash(f.ok.as_deref());
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let base = list_url(
        "/systems",
        &[
            ("q", &f.q),
            ("unit", &f.unit),
            ("stage", &f.stage),
            ("level", &f.level),
            ("filing", &f.filing),
            ("internet_facing", &f.internet_facing),
            ("important", &f.important),
            ("evaluation", &f.evaluation),
            ("mlps_filing", &f.mlps_filing),
            ("sort", &f.sort),
        ],
    );
    let pager = Pager::new(&ctx.m, &page, &base);
    let export_url = base.replacen("/systems?", "/systems/export.xlsx?", 1);
    let (all_units, manageable_units) = units_for(s, user).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(
        status,
        SystemsPage {
            ctx,
            f,
            page,
            pager,
            stages: Stage::ALL,
            filings: FilingStatus::ALL,
            kinds: SystemKind::ALL,
            hostings: Hosting::ALL,
            sorts: SORTS,
            all_units,
            manageable_units,
            draft,
            export_url,
        },
    )
}

fn filter_of(f: &ListQuery) -> systems::SystemFilter {
    systems::SystemFilter {
        unit: some(&f.unit),
        stage: some(&f.stage),
        level: f.level.trim().parse().ok(),
        filing: some(&f.filing),
        internet_facing: f.internet_facing.parse().ok(),
        important: f.important.parse().ok(),
        evaluation: some(&f.evaluation),
        mlps_filing: some(&f.mlps_filing),
        q: some(&f.q),
        sort: some(&f.sort),
    }
}

/// The filtered list as a workbook.
pub async fn export(State(s): State<AppState>, user: PageUser, Query(f): Query<ListQuery>) -> PageResult {
    crate::registry::xlsx_download(&s.store, &user.principal, &filter_of(&f)).await.map_err(|e| fail(&user, e))
}

/// The inventory template: the column headers and one example row.
pub async fn template(user: PageUser) -> PageResult {
    crate::registry::workbook_response(
        wangan_core::registry::service::inventory::template_rows(),
        "systems-template.xlsx",
    )
    .await
    .map_err(|e| fail(&user, e))
}

pub async fn list(State(s): State<AppState>, user: PageUser, Query(f): Query<ListQuery>) -> PageResult {
    let draft = Draft::from(&SystemForm { kind: "website".into(), hosting: "campus".into(), ..Default::default() });
    systems_page(&s, &user, f, draft, None).await
}

pub async fn create(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<SystemForm>) -> PageResult {
    match systems::create(&s.store, &user.principal, form.input()).await.map_err(WebError::from) {
        Ok(d) => Ok(Redirect::to(&format!("/systems/{}?ok=system.created", d.system.id)).into_response()),
        Err(e) if is_form_error(&e) => {
            systems_page(&s, &user, ListQuery::default(), Draft::from(&form), Some(&e)).await
        }
        Err(e) => Err(fail(&user, e)),
    }
}

// ---- one system ----------------------------------------------------------

pub struct StepRow {
    pub to: Stage,
    pub reasons: Vec<String>,
}

pub struct ProtRow {
    pub kind: ProtectionKind,
    pub present: bool,
    pub product: String,
    pub since: String,
}

#[derive(Template)]
#[template(path = "registry/system.html")]
struct SystemPage {
    ctx: Ctx,
    d: SystemDetail,
    steps: Vec<StepRow>,
    required: Vec<String>,
    prots: Vec<ProtRow>,
    filings: &'static [FilingStatus],
    kinds: &'static [SystemKind],
    hostings: &'static [Hosting],
    results: &'static [EvaluationResult],
    all_units: Vec<UnitView>,
    manageable_units: Vec<UnitView>,
    draft: Draft,
    can_manage: bool,
    can_override: bool,
    history: Vec<AuditRow>,
    rectifications: Vec<wangan_core::notices::service::rectifications::RectificationView>,
    /// A go-live request waits for the center.
    pending_golive: bool,
    /// 双非: outside the institution's domains or campus addresses.
    outside: Option<wangan_core::sites::service::OutsideView>,
    can_decide_outside: bool,
    outside_decisions: [wangan_core::sites::OutsideDecision; 2],
}

async fn system_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    flash: Option<&str>,
    error: Option<&WebError>,
) -> PageResult {
    let d = systems::get(&s.store, &user.principal, id).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "systems").with_flash(flash);
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let (all_units, mut manageable_units) = units_for(s, user).await?;
    let (can_manage, can_override) = (d.actions.edit, d.actions.override_gates);
    if !manageable_units.iter().any(|u| u.code == d.system.unit) {
        manageable_units.extend(all_units.iter().filter(|u| u.code == d.system.unit).cloned());
    }
    let steps = d
        .next_steps
        .iter()
        .map(|n| StepRow { to: n.to, reasons: n.reasons.iter().map(|r| gate_reason(&ctx.m, r)).collect() })
        .collect();
    let required = d.required_protections.iter().map(|k| ctx.label(k)).collect();
    let prots = ProtectionKind::ALL
        .iter()
        .map(|&kind| {
            let p = d.protections.iter().find(|p| p.kind == kind);
            ProtRow {
                kind,
                present: p.is_some(),
                product: p.map(|p| p.product.clone()).unwrap_or_default(),
                since: ctx.date(&p.and_then(|p| p.since)),
            }
        })
        .collect();
    let history = systems::history(&s.store, &user.principal, id)
        .await
        .or_page(user)?
        .iter()
        .map(|e| AuditRow::of(&ctx, e))
        .collect();
    let rect_filter =
        wangan_core::notices::service::rectifications::RectificationFilter { system: Some(id), ..Default::default() };
    let rectifications = wangan_core::notices::service::rectifications::list(
        &s.store,
        &user.principal,
        &rect_filter,
        PageRequest::new(1, 20),
    )
    .await
    .or_page(user)?
    .items;
    let status = match error {
        Some(e) => e.status(),
        None => StatusCode::OK,
    };
    let pending_golive = d.golive.as_ref().is_some_and(|g| g.state == GoLiveState::Pending);
    let outside = wangan_core::sites::service::outside_of(&s.store, &user.principal, id).await.or_page(user)?;
    render_status(
        status,
        SystemPage {
            draft: Draft::from(&d.system),
            ctx,
            d,
            steps,
            required,
            prots,
            filings: FilingStatus::ALL,
            kinds: SystemKind::ALL,
            hostings: Hosting::ALL,
            results: EvaluationResult::ALL,
            all_units,
            manageable_units,
            can_manage,
            can_override,
            pending_golive,
            rectifications,
            history,
            outside,
            can_decide_outside: user.principal.may(wangan_core::platform::access::Permission::DecideEnforcement),
            outside_decisions: [
                wangan_core::sites::OutsideDecision::Accepted,
                wangan_core::sites::OutsideDecision::OrderedClosed,
            ],
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
    system_page(&s, &user, id, q.ok.as_deref(), None).await
}

/// After a change on a system's page: back to it, or the page with the reasons.
async fn done(s: &AppState, user: &PageUser, id: i64, result: Result<SystemDetail, WebError>) -> PageResult {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/systems/{id}?ok=system.saved")).into_response()),
        Err(e) if is_form_error(&e) => system_page(s, user, id, None, Some(&e)).await,
        Err(e) => Err(fail(user, e)),
    }
}

pub async fn update(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<SystemForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let r = systems::update(&s.store, &user.principal, id, form.patch()).await.map_err(WebError::from);
    done(&s, &user, id, r).await
}

#[derive(Deserialize)]
pub struct FilingForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    public_security_no: String,
    #[serde(default)]
    icp_no: String,
    #[serde(default)]
    filed_on: String,
}

pub async fn filing(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<FilingForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let mut errors = Vec::new();
    let filed_on = form_date("filed_on", &form.filed_on, &mut errors);
    let r = if errors.is_empty() {
        let input = systems::FilingInput {
            status: form.status,
            public_security_no: form.public_security_no,
            icp_no: form.icp_no,
            filed_on,
        };
        systems::put_filing(&s.store, &user.principal, id, input).await.map_err(WebError::from)
    } else {
        Err(WebError::Core(CoreError::Invalid(errors)))
    };
    done(&s, &user, id, r).await
}

pub async fn protections(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let get = |k: &str| form.iter().find(|(name, _)| name == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let mut errors = Vec::new();
    let mut list = Vec::new();
    for kind in ProtectionKind::ALL {
        if get(kind.as_str()) == "on" {
            let since = form_date("since", get(&format!("{kind}_since")), &mut errors);
            list.push(systems::ProtectionInput {
                kind: kind.as_str().to_owned(),
                product: get(&format!("{kind}_product")).to_owned(),
                since,
                notes: String::new(),
            });
        }
    }
    let r = if errors.is_empty() {
        systems::put_protections(&s.store, &user.principal, id, list).await.map_err(WebError::from)
    } else {
        Err(WebError::Core(CoreError::Invalid(errors)))
    };
    done(&s, &user, id, r).await
}

#[derive(Deserialize)]
pub struct MlpsForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    graded_on: String,
    #[serde(default)]
    filing_no: String,
    #[serde(default)]
    filed_on: String,
}

pub async fn mlps(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<MlpsForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let mut errors = Vec::new();
    let level = match form.level.trim() {
        "" => None,
        raw => match raw.parse() {
            Ok(l) => Some(l),
            Err(_) => {
                errors.push(FieldError::new("level", "level_range"));
                None
            }
        },
    };
    let graded_on = form_date("graded_on", &form.graded_on, &mut errors);
    let filed_on = form_date("filed_on", &form.filed_on, &mut errors);
    let r = if errors.is_empty() {
        let input = systems::MlpsInput { level, graded_on, filing_no: form.filing_no, filed_on };
        systems::put_mlps(&s.store, &user.principal, id, input).await.map_err(WebError::from)
    } else {
        Err(WebError::Core(CoreError::Invalid(errors)))
    };
    done(&s, &user, id, r).await
}

pub async fn evaluation(
    State(s): State<AppState>,
    Path(id): Path<String>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let form = read_multipart(&user, multipart, "report").await?;
    let mut errors = Vec::new();
    let evaluated_on = form_date("evaluated_on", form.get("evaluated_on"), &mut errors);
    if evaluated_on.is_none() && form.get("evaluated_on").trim().is_empty() {
        errors.push(FieldError::new("evaluated_on", "required"));
    }
    let score = match form.get("score").trim() {
        "" => None,
        raw => match raw.parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(FieldError::new("score", "number_format"));
                None
            }
        },
    };
    let r = match (evaluated_on, errors.is_empty()) {
        (Some(evaluated_on), true) => {
            let input = systems::EvaluationInput {
                agency: form.get("agency").to_owned(),
                evaluated_on,
                result: form.get("result").to_owned(),
                score,
                rectification_items: lines(form.get("rectification_items")),
                report: form.file.clone(),
            };
            systems::add_evaluation(&s.store, &user.principal, id, input).await.map_err(WebError::from)
        }
        _ => Err(WebError::Core(CoreError::Invalid(errors))),
    };
    done(&s, &user, id, r).await
}

/// Download an evaluation's report.
pub async fn evaluation_report(
    State(s): State<AppState>,
    user: PageUser,
    Path((id, eid)): Path<(String, String)>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let eid = path_id(&eid, &user)?;
    let (name, content_type, bytes) =
        systems::evaluation_report(&s.store, &user.principal, id, eid).await.or_page(&user)?;
    Ok(crate::platform::download::file_download(bytes, &content_type, "report", &name))
}

#[derive(Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    override_reason: Option<String>,
}

pub async fn transition(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<TransitionForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let input = systems::TransitionInput { to: form.to, override_reason: form.override_reason };
    let r = systems::transition(&s.store, &user.principal, id, input).await.map_err(WebError::from);
    done(&s, &user, id, r).await
}

/// The unit's go-live request (上线申请), with its filing certificate.
pub async fn golive_request(
    State(s): State<AppState>,
    Path(id): Path<String>,
    user: PageUser,
    multipart: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let form = read_multipart(&user, multipart, "certificate").await?;
    let d = systems::get(&s.store, &user.principal, id).await.or_page(&user)?;
    if !d.actions.edit {
        return Err(fail(&user, WebError::Core(CoreError::Forbidden)));
    }
    if d.system.internet_facing && form.file.is_none() {
        // 公安部令第33号: the certificate is what the center checks.
        let e = WebError::Core(CoreError::invalid("certificate", "required"));
        return system_page(&s, &user, id, None, Some(&e)).await;
    }
    let input = wangan_core::registry::service::golive::GoLiveInput {
        note: form.get("note").to_owned(),
        certificate: form.file.clone(),
    };
    match wangan_core::registry::service::golive::request(&s.store, &user.principal, id, input)
        .await
        .map_err(WebError::from)
    {
        Ok(_) => Ok(Redirect::to(&format!("/systems/{id}?ok=golive.requested_flash")).into_response()),
        Err(e) if is_form_error(&e) => system_page(&s, &user, id, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

pub async fn delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    match systems::delete(&s.store, &user.principal, id).await.map_err(WebError::from) {
        Ok(()) => Ok(Redirect::to("/systems?ok=system.deleted").into_response()),
        Err(e) if is_form_error(&e) => system_page(&s, &user, id, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

// ---- import ----------------------------------------------------------------

pub struct ImportRow {
    pub line: usize,
    pub name: String,
    pub action: &'static str,
    pub action_word: String,
    pub problems: Vec<String>,
}

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    ctx: Ctx,
    problem: Option<String>,
    summary: Option<String>,
    lines: Vec<ImportRow>,
    /// How many rows of the report are not shown (past the first [`text::SHOWN_LINES`]).
    hidden: Option<String>,
    failed: usize,
    written: bool,
    token: Option<String>,
}

fn import_page(ctx: Ctx, status: StatusCode, problem: Option<String>) -> PageResult {
    render_status(
        status,
        ImportPage { ctx, problem, summary: None, lines: vec![], hidden: None, failed: 0, written: false, token: None },
    )
}

pub async fn import_form(State(s): State<AppState>, user: PageUser) -> PageResult {
    import_page(Ctx::new(&s, Some(&user), "systems"), StatusCode::OK, None)
}

/// Parse and check an upload; write according to `mode`; show the report.
async fn run_import(
    s: &AppState,
    user: &PageUser,
    bytes: Vec<u8>,
    mode: wangan_core::registry::service::inventory::ImportMode,
) -> PageResult {
    use crate::registry::inventory_text as text;
    use wangan_core::platform::sheet_import::{self, Systems};
    use wangan_core::registry::service::inventory::{self, ImportMode};
    let ctx = Ctx::new(s, Some(user), "systems");
    let report = match sheet_import::run::<Systems>(&s.store, &user.principal, &bytes, mode).await.or_page(user)? {
        Ok(report) => report,
        Err(u) => {
            let p = text::unreadable(&ctx.m, &u);
            return import_page(ctx, text::unreadable_status(&u).0, Some(p));
        }
    };
    let token = if mode == ImportMode::DryRun && report.created + report.updated > 0 {
        Some(inventory::stash(&s.store, &user.principal, bytes).await.or_page(user)?)
    } else {
        None
    };
    // The rows with problems first, so what needs fixing is never among the hidden.
    let mut shown: Vec<&wangan_core::registry::service::inventory::ImportLine> = report.lines.iter().collect();
    shown.sort_by_key(|l| l.problems.is_empty());
    let hidden = shown.len().saturating_sub(text::SHOWN_LINES);
    shown.truncate(text::SHOWN_LINES);
    shown.sort_by_key(|l| l.line);
    let lines = shown
        .into_iter()
        .map(|l| ImportRow {
            line: l.line,
            name: l.name.clone(),
            action: l.action,
            action_word: ctx.m.code("import.action", l.action),
            problems: l.problems.iter().map(|p| text::problem(&ctx.m, p)).collect(),
        })
        .collect();
    let summary = Some(text::summary(&ctx.m, &report));
    let hidden = (hidden > 0).then(|| ctx.m.fmt("import.hidden_lines", &[("count", &hidden.to_string())]));
    render_status(
        StatusCode::OK,
        ImportPage {
            ctx,
            problem: None,
            summary,
            lines,
            hidden,
            failed: report.failed,
            written: report.written,
            token,
        },
    )
}

pub async fn import_upload(
    State(s): State<AppState>,
    user: PageUser,
    mut multipart: axum::extract::Multipart,
) -> PageResult {
    let mut csrf = String::new();
    let mut bytes: Option<Vec<u8>> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(fail(&user, multipart_error(e))),
        };
        match field.name() {
            Some("csrf") => csrf = field.text().await.map_err(|e| fail(&user, multipart_error(e)))?,
            Some("file") => bytes = Some(field.bytes().await.map_err(|e| fail(&user, multipart_error(e)))?.to_vec()),
            _ => {}
        }
    }
    if !wangan_core::platform::secret::same(&csrf, &user.csrf) {
        return Err(fail(&user, WebError::Csrf));
    }
    let Some(bytes) = bytes else {
        return Err(fail(&user, CoreError::invalid("file", "required")));
    };
    run_import(&s, &user, bytes, wangan_core::registry::service::inventory::ImportMode::DryRun).await
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    partial: Option<String>,
}

pub async fn import_confirm(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<ConfirmForm>) -> PageResult {
    use wangan_core::registry::service::inventory::{self, ImportMode};
    let Some(bytes) = inventory::take(&s.store, &user.principal, &form.token).await.or_page(&user)? else {
        let ctx = Ctx::new(&s, Some(&user), "systems");
        let p = ctx.t("import.expired").to_owned();
        return import_page(ctx, StatusCode::GONE, Some(p));
    };
    let mode = if form.partial.is_some() { ImportMode::Partial } else { ImportMode::AllOrNothing };
    run_import(&s, &user, bytes, mode).await
}
