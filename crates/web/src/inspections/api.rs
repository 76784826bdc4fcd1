//! Inspections: the JSON API.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiJson, ApiQuery, ApiUser, IdPath, PageQuery, parse_id};
use crate::platform::openapi::{Binary, XLSX};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::inspections::service::{campaigns, checklists, schedules};
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_checklists, create_checklist))
        .routes(routes!(get_checklist))
        .routes(routes!(list_campaigns, launch_campaign))
        .routes(routes!(get_campaign))
        .routes(routes!(close_campaign))
        .routes(routes!(get_responses, save_responses))
        .routes(routes!(submit_responses))
        .routes(routes!(approve_responses))
        .routes(routes!(return_responses))
        .routes(routes!(verify_answer))
        .routes(routes!(finding_notice))
        .routes(routes!(progress_xlsx))
        .routes(routes!(list_schedules, create_schedule))
        .routes(routes!(set_schedule_active))
}

#[utoipa::path(
    get,
    path = "/checklists",
    tag = "inspections",
    summary = "Every version of every checklist (the newest of each family first)",
    responses((status = 200, description = "OK", body = Vec<checklists::ChecklistView>))
)]
async fn list_checklists(
    State(s): State<AppState>,
    ApiUser(_p): ApiUser,
) -> ApiResult<Json<Vec<checklists::ChecklistView>>> {
    Ok(Json(checklists::list(&s.store).await?))
}

#[utoipa::path(
    post,
    path = "/checklists",
    tag = "inspections",
    summary = "Save a new version of a checklist (a new family when the family is new); campaigns keep the version they were launched with (officer, admin)",
    request_body = checklists::ChecklistInput,
    responses((status = 201, description = "Created", body = checklists::ChecklistView))
)]
async fn create_checklist(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<checklists::ChecklistInput>,
) -> ApiResult<(StatusCode, Json<checklists::ChecklistView>)> {
    Ok((StatusCode::CREATED, Json(checklists::create(&s.store, &p, input).await?)))
}

#[utoipa::path(
    get,
    path = "/checklists/{id}",
    tag = "inspections",
    summary = "One version of a checklist, with its items",
    params(IdPath),
    responses((status = 200, description = "OK", body = checklists::ChecklistView))
)]
async fn get_checklist(
    State(s): State<AppState>,
    ApiUser(_p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<checklists::ChecklistView>> {
    Ok(Json(checklists::get(&s.store, parse_id(&id)?).await?))
}

#[utoipa::path(
    get,
    path = "/campaigns",
    tag = "inspections",
    summary = "Inspection campaigns the caller sees (unit roles: those targeting their units), newest first, with progress",
    params(PageQuery),
    responses((status = 200, description = "OK", body = Page<campaigns::CampaignView>))
)]
async fn list_campaigns(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> ApiResult<Json<Page<campaigns::CampaignView>>> {
    Ok(Json(campaigns::list(&s.store, &p, PageRequest { page: q.page, per_page: q.per_page }).await?))
}

#[utoipa::path(
    post,
    path = "/campaigns",
    tag = "inspections",
    summary = "Launch a campaign: a checklist version to every unit, chosen units or chosen systems, with a due date; the units are told (officer, admin)",
    request_body = campaigns::LaunchInput,
    responses((status = 201, description = "Launched", body = campaigns::CampaignDetail))
)]
async fn launch_campaign(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<campaigns::LaunchInput>,
) -> ApiResult<(StatusCode, Json<campaigns::CampaignDetail>)> {
    Ok((StatusCode::CREATED, Json(campaigns::launch(&s.store, &p, input).await?)))
}

#[utoipa::path(
    get,
    path = "/campaigns/{id}",
    tag = "inspections",
    summary = "A campaign: its checklist items and the progress of each unit in scope",
    params(IdPath),
    responses((status = 200, description = "OK", body = campaigns::CampaignDetail))
)]
async fn get_campaign(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<campaigns::CampaignDetail>> {
    Ok(Json(campaigns::get(&s.store, &p, parse_id(&id)?).await?))
}

#[utoipa::path(
    post,
    path = "/campaigns/{id}/close",
    tag = "inspections",
    summary = "Close a campaign: no more answers (officer, admin)",
    params(IdPath),
    responses((status = 200, description = "OK", body = campaigns::CampaignDetail))
)]
async fn close_campaign(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<campaigns::CampaignDetail>> {
    Ok(Json(campaigns::close(&s.store, &p, parse_id(&id)?).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UnitQuery {
    /// The unit's code.
    unit: String,
}

#[utoipa::path(
    get,
    path = "/campaigns/{id}/responses",
    tag = "inspections",
    summary = "A unit's part of a campaign: its systems, their answers, what still stands in the way of submitting",
    params(IdPath, UnitQuery),
    responses((status = 200, description = "OK", body = campaigns::UnitPart))
)]
async fn get_responses(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> ApiResult<Json<campaigns::UnitPart>> {
    Ok(Json(campaigns::unit_part(&s.store, &p, parse_id(&id)?, q.unit.trim()).await?))
}

#[utoipa::path(
    post,
    path = "/campaigns/{id}/responses",
    tag = "inspections",
    summary = "Save a unit's answers for one system (pass, fail, not_applicable, with a comment); evidence files are sent from the page (the unit's network admin)",
    params(IdPath),
    request_body = campaigns::ResponsesInput,
    responses((status = 200, description = "OK", body = campaigns::UnitPart))
)]
async fn save_responses(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<campaigns::ResponsesInput>,
) -> ApiResult<Json<campaigns::UnitPart>> {
    Ok(Json(campaigns::answer(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    post,
    path = "/campaigns/{id}/submit",
    tag = "inspections",
    summary = "Submit a unit's answers (every system complete) for its head's approval; they are locked until sent back (the unit's network admin)",
    params(IdPath),
    request_body = campaigns::SubmitInput,
    responses((status = 200, description = "OK", body = campaigns::UnitPart))
)]
async fn submit_responses(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<campaigns::SubmitInput>,
) -> ApiResult<Json<campaigns::UnitPart>> {
    Ok(Json(campaigns::submit(&s.store, &p, parse_id(&id)?, input).await?))
}

#[utoipa::path(
    post,
    path = "/campaigns/{id}/approve",
    tag = "inspections",
    summary = "Approve a unit's submitted answers: the unit has done its inspection (the unit's head)",
    params(IdPath),
    request_body = campaigns::SubmitInput,
    responses((status = 200, description = "OK", body = campaigns::UnitPart))
)]
async fn approve_responses(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<campaigns::SubmitInput>,
) -> ApiResult<Json<campaigns::UnitPart>> {
    Ok(Json(campaigns::decide(&s.store, &p, parse_id(&id)?, true, input).await?))
}

#[utoipa::path(
    post,
    path = "/campaigns/{id}/return",
    tag = "inspections",
    summary = "Send a unit's submitted answers back, with the reason (the unit's head)",
    params(IdPath),
    request_body = campaigns::SubmitInput,
    responses((status = 200, description = "OK", body = campaigns::UnitPart))
)]
async fn return_responses(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<campaigns::SubmitInput>,
) -> ApiResult<Json<campaigns::UnitPart>> {
    Ok(Json(campaigns::decide(&s.store, &p, parse_id(&id)?, false, input).await?))
}

#[utoipa::path(
    post,
    path = "/campaigns/{id}/verifications",
    tag = "inspections",
    summary = "Record the on-site verification (现场核查) of one item of one system; it may contradict the unit's answer (officer, admin)",
    params(IdPath),
    request_body = campaigns::VerifyInput,
    responses((status = 200, description = "OK", body = campaigns::AnswerView))
)]
async fn verify_answer(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<campaigns::VerifyInput>,
) -> ApiResult<Json<campaigns::AnswerView>> {
    Ok(Json(campaigns::verify(&s.store, &p, parse_id(&id)?, input).await?))
}

/// Two ids in a path.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct AnswerPath {
    /// The campaign's id.
    id: String,
    /// The answer's id.
    answer_id: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
struct NoticeOpened {
    notice_id: i64,
}

#[utoipa::path(
    post,
    path = "/campaigns/{id}/answers/{answer_id}/notice",
    tag = "inspections",
    summary = "Open a notice from a failed item: one rectification for the system, with the usual deadline and escalation (officer, admin)",
    params(AnswerPath),
    request_body = campaigns::FindingNoticeInput,
    responses((status = 201, description = "Opened", body = NoticeOpened))
)]
async fn finding_notice(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path((id, answer_id)): Path<(String, String)>,
    ApiJson(input): ApiJson<campaigns::FindingNoticeInput>,
) -> ApiResult<(StatusCode, Json<NoticeOpened>)> {
    let notice_id = campaigns::open_notice(&s.store, &p, parse_id(&id)?, parse_id(&answer_id)?, input).await?;
    Ok((StatusCode::CREATED, Json(NoticeOpened { notice_id })))
}

#[utoipa::path(
    get,
    path = "/campaigns/{id}/progress.xlsx",
    tag = "inspections",
    summary = "The campaign's progress by unit, as a spreadsheet",
    params(IdPath),
    responses((status = 200, description = "OK", content_type = XLSX, body = Binary))
)]
async fn progress_xlsx(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    Ok(progress_download(&s.store, &p, parse_id(&id)?).await?)
}

/// The progress sheet (the page's download too).
pub(crate) async fn progress_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    id: i64,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let (c, rows) = campaigns::progress_rows(store, who, id).await?;
    let tz = store.notice_policy().time_zone;
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
    };
    let state = |st: wangan_core::inspections::SubmissionState| match st {
        wangan_core::inspections::SubmissionState::Open => "填写中",
        wangan_core::inspections::SubmissionState::Submitted => "待负责人审核",
        wangan_core::inspections::SubmissionState::Approved => "已完成",
    };
    let headers = [
        "单位代码",
        "单位",
        "状态",
        "系统数",
        "应答项",
        "已答项",
        "不符合项",
        "核查不一致",
        "提交人",
        "提交时间",
        "审核人",
        "审核时间",
        "逾期",
    ]
    .map(str::to_owned)
    .to_vec();
    let body = rows
        .into_iter()
        .map(|r| {
            vec![
                r.unit,
                r.unit_name,
                state(r.state).to_owned(),
                r.systems.to_string(),
                r.expected.to_string(),
                r.answered.to_string(),
                r.failed.to_string(),
                r.contradicted.to_string(),
                r.submitted_by,
                when(r.submitted_at),
                r.approved_by,
                when(r.approved_at),
                if r.missed { "是".into() } else { String::new() },
            ]
        })
        .collect();
    crate::platform::download::sheet_download(
        "检查进度",
        headers,
        body,
        &format!("campaign-{id}-progress.xlsx"),
        &format!("检查进度-{}.xlsx", c.title),
    )
    .await
}

#[utoipa::path(
    get,
    path = "/campaign-schedules",
    tag = "inspections",
    summary = "Recurring campaigns and their next launch day (officer, admin)",
    responses((status = 200, description = "OK", body = Vec<schedules::ScheduleView>))
)]
async fn list_schedules(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
) -> ApiResult<Json<Vec<schedules::ScheduleView>>> {
    Ok(Json(schedules::list(&s.store, &p).await?))
}

#[utoipa::path(
    post,
    path = "/campaign-schedules",
    tag = "inspections",
    summary = "Schedule a recurring campaign for every unit: `yearly:03-01`, `before:national_day:10`, `before:spring_festival:14` (officer, admin)",
    request_body = schedules::ScheduleInput,
    responses((status = 201, description = "Created", body = schedules::ScheduleView))
)]
async fn create_schedule(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiJson(input): ApiJson<schedules::ScheduleInput>,
) -> ApiResult<(StatusCode, Json<schedules::ScheduleView>)> {
    Ok((StatusCode::CREATED, Json(schedules::create(&s.store, &p, input).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ActiveInput {
    active: bool,
}

#[utoipa::path(
    post,
    path = "/campaign-schedules/{id}/active",
    tag = "inspections",
    summary = "Pause (`false`) or resume (`true`) a recurring campaign (officer, admin)",
    params(IdPath),
    request_body = ActiveInput,
    responses((status = 200, description = "OK", body = schedules::ScheduleView))
)]
async fn set_schedule_active(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActiveInput>,
) -> ApiResult<Json<schedules::ScheduleView>> {
    Ok(Json(schedules::set_active(&s.store, &p, parse_id(&id)?, input.active).await?))
}
