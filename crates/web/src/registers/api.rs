//! The unit registers: the JSON API.

use crate::AppState;
use crate::platform::error::{ApiResult, WebError};
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser, IdPath, PageQuery, closed_word, parse_id};
use crate::platform::openapi::{Binary, XLSX};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::platform::uploads::{AttachmentView, Upload};
use wangan_core::registers::service::{budget, data, drills, files, gaps, plans, policies, training};
use wangan_core::registers::{CertificateState, RecordKind, RequestState};
use wangan_core::{Page, Principal, Store};

pub fn routes() -> OpenApiRouter<AppState> {
    let limit = axum::extract::DefaultBodyLimit::max(wangan_core::platform::attachments::MAX_BYTES + 64 * 1024);
    OpenApiRouter::new()
        .routes(routes!(list_plans, create_plan))
        .routes(routes!(get_plan, update_plan))
        .routes(routes!(plan_file))
        .routes(routes!(list_drills, create_drill))
        .routes(routes!(get_drill))
        .routes(routes!(add_action))
        .routes(routes!(complete_action))
        .routes(routes!(drill_file))
        .routes(routes!(list_policies, put_policy))
        .routes(routes!(get_policy))
        .routes(routes!(completeness))
        .routes(routes!(propose_violation))
        .routes(routes!(policy_file))
        .merge(
            // Documents are larger than any other API body.
            OpenApiRouter::new()
                .routes(routes!(add_plan_file))
                .routes(routes!(add_drill_file))
                .routes(routes!(add_policy_file))
                .layer(limit),
        )
        .routes(routes!(list_personal_data, create_personal_data))
        .routes(routes!(get_personal_data, update_personal_data, delete_personal_data))
        .routes(routes!(export_personal_data))
        .routes(routes!(list_requests, create_request))
        .routes(routes!(get_request))
        .routes(routes!(decide_request))
        .routes(routes!(get_budget, create_budget_line))
        .routes(routes!(update_budget_line, delete_budget_line))
        .routes(routes!(list_trainings, create_training))
        .routes(routes!(get_training))
        .routes(routes!(list_certificates, create_certificate))
        .routes(routes!(delete_certificate))
        .routes(routes!(unit_gaps))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct FileQuery {
    /// The file's name (its type is read from its bytes).
    #[param(min_length = 1, max_length = 200)]
    file_name: String,
}

/// A record's id and a file's id in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct FilePath {
    /// The record's id.
    id: String,
    /// The file's id.
    file_id: String,
}

async fn attach(
    s: &AppState,
    p: &Principal,
    kind: RecordKind,
    id: &str,
    q: FileQuery,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Vec<AttachmentView>>)> {
    let up = Upload { file_name: q.file_name, bytes: body.to_vec() };
    Ok((StatusCode::CREATED, Json(files::attach(&s.store, p, kind, parse_id(id)?, up).await?)))
}

pub(crate) async fn file_download(
    store: &Store,
    who: &Principal,
    kind: RecordKind,
    id: i64,
    file_id: i64,
) -> Result<Response, WebError> {
    let (name, ct, bytes) = files::read(store, who, kind, id, file_id).await?;
    Ok(crate::platform::download::file_download(bytes, &ct, &format!("{}-{file_id}", kind.as_str()), &name))
}

// ---- Emergency plans ----

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct PlanQuery {
    /// A unit's code.
    unit: Option<String>,
    /// Only plans not reviewed within a year.
    overdue: Option<bool>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/plans", tag = "registers",
    summary = "Emergency plans (应急预案) in scope and the university-wide plan, those reviewed longest ago first; a plan not reviewed within a year is flagged",
    params(PlanQuery), responses((status = 200, description = "OK", body = Page<plans::PlanView>)))]
async fn list_plans(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<PlanQuery>,
) -> ApiResult<Json<Page<plans::PlanView>>> {
    let f = plans::PlanFilter { unit: q.unit, overdue: q.overdue.unwrap_or(false) };
    let page = PageQuery { page: q.page, per_page: q.per_page }.request();
    Ok(Json(plans::list(&s.store, &p, &f, page).await?))
}

#[utoipa::path(post, path = "/plans", tag = "registers",
    summary = "Keep a unit's emergency plan (the center, the unit's network admin or head) or, with no unit, the university-wide plan (the center)",
    request_body = plans::PlanInput, responses((status = 201, description = "Kept", body = plans::PlanView)))]
async fn create_plan(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<plans::PlanInput>,
) -> ApiResult<(StatusCode, Json<plans::PlanView>)> {
    Ok((StatusCode::CREATED, Json(plans::create(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/plans/{id}", tag = "registers", summary = "An emergency plan with its systems and documents",
    params(IdPath), responses((status = 200, description = "OK", body = plans::PlanView)))]
async fn get_plan(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<plans::PlanView>> {
    Ok(Json(plans::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(put, path = "/plans/{id}", tag = "registers",
    summary = "Revise a plan; a review is recorded by its date (`reviewed_on`, default today); the unit stays",
    params(IdPath), request_body = plans::PlanInput, responses((status = 200, description = "Revised", body = plans::PlanView)))]
async fn update_plan(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<plans::PlanInput>,
) -> ApiResult<Json<plans::PlanView>> {
    Ok(Json(plans::update(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(post, path = "/plans/{id}/files", tag = "registers",
    summary = "Keep a document with a plan, sent as the body (PDF, office file, image)",
    params(IdPath, FileQuery), request_body(content = Binary, content_type = "application/octet-stream", description = "The file"),
    responses((status = 201, description = "Kept: the plan's files", body = Vec<AttachmentView>)))]
async fn add_plan_file(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Vec<AttachmentView>>)> {
    attach(&s, &p, RecordKind::Plan, &id, q, body).await
}

#[utoipa::path(get, path = "/plans/{id}/files/{file_id}", tag = "registers", summary = "A document kept with a plan",
    params(FilePath), responses((status = 200, description = "OK", content_type = "application/octet-stream", body = Binary)))]
async fn plan_file(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, file_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(file_download(&s.store, &p, RecordKind::Plan, parse_id(&id)?, parse_id(&file_id)?).await?)
}

// ---- Drills ----

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DrillQuery {
    /// A unit's code.
    unit: Option<String>,
    /// Only drills with improvement actions past their date.
    overdue_actions: Option<bool>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/drills", tag = "registers",
    summary = "Emergency drills (应急演练) in scope and the university-wide ones, newest first, with their improvement actions",
    params(DrillQuery), responses((status = 200, description = "OK", body = Page<drills::DrillView>)))]
async fn list_drills(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<DrillQuery>,
) -> ApiResult<Json<Page<drills::DrillView>>> {
    let f = drills::DrillFilter { unit: q.unit, overdue_actions: q.overdue_actions.unwrap_or(false) };
    let page = PageQuery { page: q.page, per_page: q.per_page }.request();
    Ok(Json(drills::list(&s.store, &p, &f, page).await?))
}

#[utoipa::path(post, path = "/drills", tag = "registers",
    summary = "Record a drill: date, scenario, systems, participants, what happened, problems and improvement actions (each with an owner and a due date)",
    request_body = drills::DrillInput, responses((status = 201, description = "Recorded", body = drills::DrillView)))]
async fn create_drill(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<drills::DrillInput>,
) -> ApiResult<(StatusCode, Json<drills::DrillView>)> {
    Ok((StatusCode::CREATED, Json(drills::create(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/drills/{id}", tag = "registers", summary = "A drill with its actions and records",
    params(IdPath), responses((status = 200, description = "OK", body = drills::DrillView)))]
async fn get_drill(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<drills::DrillView>> {
    Ok(Json(drills::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(post, path = "/drills/{id}/actions", tag = "registers", summary = "Add an improvement action to a drill",
    params(IdPath), request_body = drills::ActionInput, responses((status = 201, description = "Added", body = drills::DrillView)))]
async fn add_action(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<drills::ActionInput>,
) -> ApiResult<(StatusCode, Json<drills::DrillView>)> {
    Ok((StatusCode::CREATED, Json(drills::add_action(&s.store, &p, parse_id(&id)?, input).await?)))
}

/// A drill's id and an action's id in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct ActionPath {
    /// The drill's id.
    id: String,
    /// The action's id.
    action_id: String,
}

#[utoipa::path(post, path = "/drills/{id}/actions/{action_id}/done", tag = "registers",
    summary = "Mark an improvement action done (the unit's keepers or the action's owner)",
    params(ActionPath), request_body = drills::DoneInput, responses((status = 200, description = "Done", body = drills::DrillView)))]
async fn complete_action(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, action_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<drills::DoneInput>,
) -> ApiResult<Json<drills::DrillView>> {
    Ok(Json(drills::complete_action(&s.store, &p, parse_id(&id)?, parse_id(&action_id)?, input).await?))
}

#[utoipa::path(post, path = "/drills/{id}/files", tag = "registers",
    summary = "Keep a drill's record (photos, sign-in sheet, summary), sent as the body",
    params(IdPath, FileQuery), request_body(content = Binary, content_type = "application/octet-stream", description = "The file"),
    responses((status = 201, description = "Kept: the drill's files", body = Vec<AttachmentView>)))]
async fn add_drill_file(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Vec<AttachmentView>>)> {
    attach(&s, &p, RecordKind::Drill, &id, q, body).await
}

#[utoipa::path(get, path = "/drills/{id}/files/{file_id}", tag = "registers", summary = "A record kept with a drill",
    params(FilePath), responses((status = 200, description = "OK", content_type = "application/octet-stream", body = Binary)))]
async fn drill_file(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, file_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(file_download(&s.store, &p, RecordKind::Drill, parse_id(&id)?, parse_id(&file_id)?).await?)
}

// ---- Management rules ----

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UnitQuery {
    /// A unit's code; empty: every unit in scope.
    unit: Option<String>,
}

#[utoipa::path(get, path = "/policies", tag = "registers",
    summary = "The management rules (§二) kept, by unit and in the order of §二",
    params(UnitQuery), responses((status = 200, description = "OK", body = Vec<policies::PolicyView>)))]
async fn list_policies(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<Vec<policies::PolicyView>>> {
    Ok(Json(policies::list(&s.store, &p, q.unit.as_deref()).await?))
}

#[utoipa::path(put, path = "/policies", tag = "registers",
    summary = "Record a unit's rule of a kind (the ten kinds of §二(二), or `overall_plan`): the first, or a revision replacing the one kept",
    request_body = policies::PolicyInput, responses((status = 200, description = "Recorded", body = policies::PolicyView)))]
async fn put_policy(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<policies::PolicyInput>,
) -> ApiResult<Json<policies::PolicyView>> {
    Ok(Json(policies::put(&s.store, &p, input).await?))
}

#[utoipa::path(get, path = "/policies/{id}", tag = "registers", summary = "A rule with its documents",
    params(IdPath), responses((status = 200, description = "OK", body = policies::PolicyView)))]
async fn get_policy(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<policies::PolicyView>> {
    Ok(Json(policies::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(get, path = "/policies/completeness", tag = "registers",
    summary = "Every unit in scope against the eleven kinds §二 asks for, the least complete first",
    responses((status = 200, description = "OK", body = Vec<policies::Completeness>)))]
async fn completeness(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Vec<policies::Completeness>>> {
    Ok(Json(policies::completeness(&s.store, &p).await?))
}

#[utoipa::path(post, path = "/policies/violations", tag = "registers",
    summary = "Propose a `measures_missing` violation naming the kinds of rules a unit lacks (the center, the reviewers); 409 when it lacks none",
    request_body = policies::ProposeInput,
    responses((status = 201, description = "Proposed", body = wangan_core::enforcement::service::violations::ViolationView)))]
async fn propose_violation(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<policies::ProposeInput>,
) -> ApiResult<(StatusCode, Json<wangan_core::enforcement::service::violations::ViolationView>)> {
    Ok((StatusCode::CREATED, Json(policies::propose_violation(&s.store, &p, input).await?)))
}

#[utoipa::path(post, path = "/policies/{id}/files", tag = "registers",
    summary = "Keep a rule's document as issued, sent as the body",
    params(IdPath, FileQuery), request_body(content = Binary, content_type = "application/octet-stream", description = "The file"),
    responses((status = 201, description = "Kept: the rule's files", body = Vec<AttachmentView>)))]
async fn add_policy_file(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<FileQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Vec<AttachmentView>>)> {
    attach(&s, &p, RecordKind::Policy, &id, q, body).await
}

#[utoipa::path(get, path = "/policies/{id}/files/{file_id}", tag = "registers", summary = "A document kept with a rule",
    params(FilePath), responses((status = 200, description = "OK", content_type = "application/octet-stream", body = Binary)))]
async fn policy_file(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, file_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    Ok(file_download(&s.store, &p, RecordKind::Policy, parse_id(&id)?, parse_id(&file_id)?).await?)
}

// ---- Personal data ----

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DataQuery {
    /// A unit's code.
    unit: Option<String>,
    /// One system's entries.
    system_id: Option<i64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/personal-data", tag = "registers",
    summary = "The register of personal-information processing (§四(四)) of the systems in scope",
    params(DataQuery), responses((status = 200, description = "OK", body = Page<data::PersonalDataView>)))]
async fn list_personal_data(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<DataQuery>,
) -> ApiResult<Json<Page<data::PersonalDataView>>> {
    let f = data::DataFilter { unit: q.unit, system_id: q.system_id };
    let page = PageQuery { page: q.page, per_page: q.per_page }.request();
    Ok(Json(data::list_register(&s.store, &p, &f, page).await?))
}

#[utoipa::path(post, path = "/personal-data", tag = "registers",
    summary = "Register a system's processing of personal information: categories, subjects, purpose, method, scope, storage place, retention, measures",
    request_body = data::PersonalDataInput, responses((status = 201, description = "Registered", body = data::PersonalDataView)))]
async fn create_personal_data(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<data::PersonalDataInput>,
) -> ApiResult<(StatusCode, Json<data::PersonalDataView>)> {
    Ok((StatusCode::CREATED, Json(data::create_entry(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/personal-data/{id}", tag = "registers", summary = "An entry of the personal-data register",
    params(IdPath), responses((status = 200, description = "OK", body = data::PersonalDataView)))]
async fn get_personal_data(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<data::PersonalDataView>> {
    Ok(Json(data::get_entry(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(put, path = "/personal-data/{id}", tag = "registers", summary = "Revise an entry of the personal-data register",
    params(IdPath), request_body = data::PersonalDataInput, responses((status = 200, description = "Revised", body = data::PersonalDataView)))]
async fn update_personal_data(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<data::PersonalDataInput>,
) -> ApiResult<Json<data::PersonalDataView>> {
    Ok(Json(data::update_entry(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(delete, path = "/personal-data/{id}", tag = "registers",
    summary = "Remove an entry (the processing ended); the audit log keeps what it said",
    params(IdPath), responses((status = 204, description = "Removed")))]
async fn delete_personal_data(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    data::delete_entry(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    /// A unit's code.
    unit: Option<String>,
}

#[utoipa::path(get, path = "/personal-data/export.xlsx", tag = "registers",
    summary = "The personal-data register in scope as a spreadsheet",
    params(ExportQuery), responses((status = 200, description = "OK", content_type = XLSX, body = Binary)))]
async fn export_personal_data(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    Ok(personal_data_download(&s.store, &p, q.unit).await?)
}

pub(crate) async fn personal_data_download(
    store: &Store,
    who: &Principal,
    unit: Option<String>,
) -> Result<Response, WebError> {
    let (headers, rows) = data::register_rows(store, who, &data::DataFilter { unit, system_id: None }).await?;
    crate::platform::download::sheet_download(
        "个人信息处理登记",
        headers.into_iter().map(str::to_owned).collect(),
        rows,
        "personal-data.xlsx",
        "个人信息处理登记表.xlsx",
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct RequestQuery {
    /// A unit's code.
    unit: Option<String>,
    /// Where the request stands; empty: any.
    #[param(schema_with = RequestState::schema_or_empty)]
    state: Option<String>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/data-requests", tag = "registers",
    summary = "Requests to provide personal data outside the university, newest first",
    params(RequestQuery), responses((status = 200, description = "OK", body = Page<data::DataRequestView>)))]
async fn list_requests(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> ApiResult<Json<Page<data::DataRequestView>>> {
    let state = closed_word::<RequestState>("state", q.state.as_deref())?;
    let f = data::RequestFilter { unit: q.unit, state };
    let page = PageQuery { page: q.page, per_page: q.per_page }.request();
    Ok(Json(data::list_requests(&s.store, &p, &f, page).await?))
}

#[utoipa::path(post, path = "/data-requests", tag = "registers",
    summary = "Ask to provide personal data outside the university: recipient, purpose, fields, legal basis (the unit's network admin or head); the unit's head decides first, then the center",
    request_body = data::DataRequestInput, responses((status = 201, description = "Submitted", body = data::DataRequestView)))]
async fn create_request(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<data::DataRequestInput>,
) -> ApiResult<(StatusCode, Json<data::DataRequestView>)> {
    Ok((StatusCode::CREATED, Json(data::create_request(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/data-requests/{id}", tag = "registers", summary = "A data request with its decisions",
    params(IdPath), responses((status = 200, description = "OK", body = data::DataRequestView)))]
async fn get_request(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<data::DataRequestView>> {
    Ok(Json(data::get_request(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(post, path = "/data-requests/{id}/decision", tag = "registers",
    summary = "Decide a request's current step: the unit's head, then the center (a refusal needs its reason); 409 once decided",
    params(IdPath), request_body = data::RequestDecision, responses((status = 200, description = "Decided", body = data::DataRequestView)))]
async fn decide_request(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<data::RequestDecision>,
) -> ApiResult<Json<data::DataRequestView>> {
    Ok(Json(data::decide(&s.store, &p, parse_id(&id)?, input).await?))
}

// ---- Budget ----

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct BudgetQuery {
    /// The year (default: this year).
    #[param(minimum = 2000, maximum = 2100)]
    year: Option<i32>,
    /// A unit's code.
    unit: Option<String>,
}

#[utoipa::path(get, path = "/budget", tag = "registers",
    summary = "A year's security budget lines (§四(五)) in scope, with totals per unit and across them",
    params(BudgetQuery), responses((status = 200, description = "OK", body = budget::BudgetView)))]
async fn get_budget(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<BudgetQuery>,
) -> ApiResult<Json<budget::BudgetView>> {
    Ok(Json(budget::year(&s.store, &p, q.year, q.unit.as_deref()).await?))
}

#[utoipa::path(post, path = "/budget", tag = "registers",
    summary = "Add a budget line: unit, year, category, planned and spent (yuan), special fund or not",
    request_body = budget::BudgetInput, responses((status = 201, description = "Added", body = budget::BudgetLineView)))]
async fn create_budget_line(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<budget::BudgetInput>,
) -> ApiResult<(StatusCode, Json<budget::BudgetLineView>)> {
    Ok((StatusCode::CREATED, Json(budget::create(&s.store, &p, input).await?)))
}

#[utoipa::path(put, path = "/budget/{id}", tag = "registers", summary = "Revise a budget line (what was spent, mostly); the unit stays",
    params(IdPath), request_body = budget::BudgetInput, responses((status = 200, description = "Revised", body = budget::BudgetLineView)))]
async fn update_budget_line(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<budget::BudgetInput>,
) -> ApiResult<Json<budget::BudgetLineView>> {
    Ok(Json(budget::update(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(delete, path = "/budget/{id}", tag = "registers", summary = "Remove a budget line (audited)",
    params(IdPath), responses((status = 204, description = "Removed")))]
async fn delete_budget_line(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    budget::delete(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- Training and certificates ----

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TrainingQuery {
    /// Sessions held in a year.
    #[param(minimum = 2000, maximum = 2100)]
    year: Option<i32>,
    /// A unit's code.
    unit: Option<String>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/trainings", tag = "registers",
    summary = "Training sessions (§四(六)) of the units in scope and the university-wide ones, newest first",
    params(TrainingQuery), responses((status = 200, description = "OK", body = Page<training::TrainingView>)))]
async fn list_trainings(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<TrainingQuery>,
) -> ApiResult<Json<Page<training::TrainingView>>> {
    let f = training::TrainingFilter { year: q.year, unit: q.unit };
    let page = PageQuery { page: q.page, per_page: q.per_page }.request();
    Ok(Json(training::list_trainings(&s.store, &p, &f, page).await?))
}

#[utoipa::path(post, path = "/trainings", tag = "registers",
    summary = "Record a training session: all-staff awareness or professional, date, hours, attendees",
    request_body = training::TrainingInput, responses((status = 201, description = "Recorded", body = training::TrainingView)))]
async fn create_training(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<training::TrainingInput>,
) -> ApiResult<(StatusCode, Json<training::TrainingView>)> {
    Ok((StatusCode::CREATED, Json(training::create_training(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/trainings/{id}", tag = "registers", summary = "A training session with its attendees",
    params(IdPath), responses((status = 200, description = "OK", body = training::TrainingView)))]
async fn get_training(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<training::TrainingView>> {
    Ok(Json(training::get_training(&s.store, &p, parse_id(&id)?).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct CertificateQuery {
    /// A unit's code.
    unit: Option<String>,
    /// `valid`, `expiring` (within 60 days) or `expired`; empty: any.
    #[param(schema_with = CertificateState::schema_or_empty)]
    state: Option<String>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/certificates", tag = "registers",
    summary = "Certificates of the people in scope, expiring soonest first",
    params(CertificateQuery), responses((status = 200, description = "OK", body = Page<training::StaffCertificate>)))]
async fn list_certificates(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<CertificateQuery>,
) -> ApiResult<Json<Page<training::StaffCertificate>>> {
    let state = closed_word::<CertificateState>("state", q.state.as_deref())?;
    let f = training::CertificateFilter { unit: q.unit, state };
    let page = PageQuery { page: q.page, per_page: q.per_page }.request();
    Ok(Json(training::list_certificates(&s.store, &p, &f, page).await?))
}

#[utoipa::path(post, path = "/certificates", tag = "registers",
    summary = "Record a person's certificate (CISP, CISSP, 等级测评师 …) with its expiry; its holder is reminded 60 days before",
    request_body = training::CertificateInput, responses((status = 201, description = "Recorded", body = training::StaffCertificate)))]
async fn create_certificate(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<training::CertificateInput>,
) -> ApiResult<(StatusCode, Json<training::StaffCertificate>)> {
    Ok((StatusCode::CREATED, Json(training::create_certificate(&s.store, &p, input).await?)))
}

#[utoipa::path(delete, path = "/certificates/{id}", tag = "registers", summary = "Remove a certificate record (audited)",
    params(IdPath), responses((status = 204, description = "Removed")))]
async fn delete_certificate(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    training::delete_certificate(&s.store, &p, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- What each unit lacks ----

#[utoipa::path(get, path = "/registers/gaps", tag = "registers",
    summary = "Every unit in scope and what it lacks: a current emergency plan, a drill in the last 12 months, actions on time, kinds of rules, certified and trained security staff; the flagged first",
    responses((status = 200, description = "OK", body = Vec<gaps::UnitGaps>)))]
async fn unit_gaps(State(s): State<AppState>, ApiUser(p): ApiUser) -> ApiResult<Json<Vec<gaps::UnitGaps>>> {
    Ok(Json(gaps::unit_gaps(&s.store, &p).await?))
}
