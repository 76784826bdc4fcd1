//! Security incidents: the JSON API.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser, IdPath, PageQuery, parse_id};
use crate::platform::openapi::{Binary, DOCX};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::Page;
use wangan_core::incidents::IncidentState;
use wangan_core::incidents::service::{incidents, report};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_incidents, create_incident))
        .routes(routes!(get_incident, update_incident))
        .routes(routes!(set_grade))
        .routes(routes!(record_step))
        .merge(
            // Evidence files are larger than any other API body.
            OpenApiRouter::new()
                .routes(routes!(add_evidence))
                .layer(axum::extract::DefaultBodyLimit::max(wangan_core::platform::attachments::MAX_BYTES + 64 * 1024)),
        )
        .routes(routes!(evidence_file))
        .routes(routes!(add_supplement))
        .routes(routes!(close_incident))
        .routes(routes!(timeline))
        .routes(routes!(report_docx))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct IncidentQuery {
    /// `open` or `closed`; empty: both.
    #[param(schema_with = IncidentState::schema_or_empty)]
    state: Option<String>,
    /// A unit's code.
    unit: Option<String>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
}

#[utoipa::path(get, path = "/incidents", tag = "incidents",
    summary = "Incidents in scope, open first, with where their reporting clock stands",
    params(IncidentQuery), responses((status = 200, description = "OK", body = Page<incidents::IncidentView>)))]
async fn list_incidents(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> ApiResult<Json<Page<incidents::IncidentView>>> {
    let state = crate::platform::extract::closed_word::<IncidentState>("state", q.state.as_deref())?;
    let f = incidents::IncidentFilter { state, unit: q.unit };
    let page = PageQuery { page: q.page, per_page: q.per_page }.request();
    Ok(Json(incidents::list(&s.store, &p, &f, page).await?))
}

#[utoipa::path(post, path = "/incidents", tag = "incidents",
    summary = "Open an incident: type, systems, detection time and the facts the suggested grade reads (the center, the unit's network admin or head); the person on duty is alerted",
    request_body = incidents::IncidentInput,
    responses((status = 201, description = "Opened", body = incidents::IncidentDetail)))]
async fn create_incident(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<incidents::IncidentInput>,
) -> ApiResult<(StatusCode, Json<incidents::IncidentDetail>)> {
    Ok((StatusCode::CREATED, Json(incidents::create(&s.store, &p, input).await?)))
}

#[utoipa::path(get, path = "/incidents/{id}", tag = "incidents",
    summary = "An incident: facts, systems, the reporting clock step by step, evidence, what the caller may do",
    params(IdPath), responses((status = 200, description = "OK", body = incidents::IncidentDetail)))]
async fn get_incident(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<incidents::IncidentDetail>> {
    Ok(Json(incidents::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(patch, path = "/incidents/{id}", tag = "incidents",
    summary = "Change an open incident's facts and texts (impact, cause, measures, contacts); the suggested grade follows the facts",
    params(IdPath), request_body = incidents::IncidentPatch,
    responses((status = 200, description = "OK", body = incidents::IncidentDetail)))]
async fn update_incident(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<incidents::IncidentPatch>,
) -> ApiResult<Json<incidents::IncidentDetail>> {
    Ok(Json(incidents::update(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(post, path = "/incidents/{id}/grade", tag = "incidents",
    summary = "Set the grade (特别重大 / 重大 / 较大 / 一般); 重大 and above raise an accountability record naming the unit's responsible persons (officer, admin)",
    params(IdPath), request_body = incidents::GradeInput,
    responses((status = 200, description = "OK", body = incidents::IncidentDetail)))]
async fn set_grade(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<incidents::GradeInput>,
) -> ApiResult<Json<incidents::IncidentDetail>> {
    Ok(Json(incidents::set_grade(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(post, path = "/incidents/{id}/steps", tag = "incidents",
    summary = "Record a step of the clock once: blocked or suspended, records preserved, reported to the supervising authority, the police, the cyberspace administration",
    params(IdPath), request_body = incidents::StepInput,
    responses((status = 200, description = "OK", body = incidents::IncidentDetail)))]
async fn record_step(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<incidents::StepInput>,
) -> ApiResult<Json<incidents::IncidentDetail>> {
    Ok(Json(incidents::record_step(&s.store, &p, parse_id(&id)?, input).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct EvidenceQuery {
    /// The file's name (its type is read from its bytes).
    #[param(min_length = 1, max_length = 200)]
    file_name: String,
    /// What it shows.
    #[param(max_length = 2000)]
    description: Option<String>,
}

#[utoipa::path(post, path = "/incidents/{id}/evidence", tag = "incidents",
    summary = "Keep a piece of evidence, sent as the body (a PDF, PNG or JPEG image, an office file or a zip of logs); its SHA-256 is recorded with who and when",
    params(IdPath, EvidenceQuery),
    request_body(content = Binary, content_type = "application/octet-stream", description = "The file"),
    responses((status = 201, description = "Kept", body = incidents::IncidentDetail)))]
async fn add_evidence(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<EvidenceQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<incidents::IncidentDetail>)> {
    let id = parse_id(&id)?;
    let up = wangan_core::platform::uploads::Upload { file_name: q.file_name, bytes: body.to_vec() };
    let d = incidents::add_evidence(&s.store, &p, id, q.description.as_deref().unwrap_or(""), vec![up]).await?;
    Ok((StatusCode::CREATED, Json(d)))
}

/// An incident's id and an evidence id in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct EvidencePath {
    /// The incident's id.
    id: String,
    /// The evidence's id.
    evidence_id: String,
}

#[utoipa::path(get, path = "/incidents/{id}/evidence/{evidence_id}", tag = "incidents",
    summary = "Read a piece of evidence: checked against its hash, the reading written to the timeline (chain of custody)",
    params(EvidencePath), responses((status = 200, description = "OK", content_type = "application/octet-stream", body = Binary)))]
async fn evidence_file(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, evidence_id)): Path<(String, String)>,
) -> ApiResult<axum::response::Response> {
    Ok(evidence_download(&s.store, &p, parse_id(&id)?, parse_id(&evidence_id)?).await?)
}

pub(crate) async fn evidence_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    id: i64,
    evidence_id: i64,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let (name, ct, bytes) = incidents::evidence_file(store, who, id, evidence_id).await?;
    Ok(crate::platform::download::file_download(bytes, &ct, &format!("evidence-{evidence_id}"), &name))
}

#[utoipa::path(post, path = "/incidents/{id}/supplements", tag = "incidents",
    summary = "Append a supplement (续报) to the record and the report",
    params(IdPath), request_body = incidents::TextInput,
    responses((status = 201, description = "Appended", body = incidents::IncidentDetail)))]
async fn add_supplement(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<incidents::TextInput>,
) -> ApiResult<(StatusCode, Json<incidents::IncidentDetail>)> {
    Ok((StatusCode::CREATED, Json(incidents::supplement(&s.store, &p, parse_id(&id)?, input).await?)))
}

#[utoipa::path(post, path = "/incidents/{id}/close", tag = "incidents",
    summary = "Close an incident with its cause and the measures taken (officer, admin)",
    params(IdPath), request_body = incidents::CloseInput,
    responses((status = 200, description = "OK", body = incidents::IncidentDetail)))]
async fn close_incident(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<incidents::CloseInput>,
) -> ApiResult<Json<incidents::IncidentDetail>> {
    Ok(Json(incidents::close(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(get, path = "/incidents/{id}/timeline", tag = "incidents",
    summary = "The incident's running timeline, oldest first: opening, facts, grade, steps, evidence and who read it, supplements, closure",
    params(IdPath), responses((status = 200, description = "OK", body = Vec<incidents::EventView>)))]
async fn timeline(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<incidents::EventView>>> {
    Ok(Json(incidents::timeline(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(get, path = "/incidents/{id}/report.docx", tag = "incidents",
    summary = "The incident report (事件报告; once closed, the closing report) with its supplements, as a Word document",
    params(IdPath), responses((status = 200, description = "OK", content_type = DOCX, body = Binary)))]
async fn report_docx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    Ok(report_download(&s.store, &p, parse_id(&id)?).await?)
}

pub(crate) async fn report_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    id: i64,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let (name, bytes) = report::report_docx(store, who, id).await?;
    Ok(crate::platform::download::file_download(
        bytes,
        crate::platform::download::DOCX,
        &format!("incident-report-{id}.docx"),
        &name,
    ))
}
