//! The duty page: who is on duty now, the coming days' coverage with its
//! gaps, the roster, open alerts, swaps and the handover log, with the
//! forms to add a shift, write a weekly rota, ask for and decide swaps and
//! write the handover.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::form::form_time;
use crate::platform::page::{Ctx, OrPage, PageResult, fail, is_form_error, path_id, render_status};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::duty::service::alerts::{self, AlertView};
use wangan_core::duty::service::shifts::{self, Coverage, HandoverView, ShiftView, SwapView, UnitOnDuty};
use wangan_core::duty::{AlertRung, DutyLevel, SwapState};
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, FieldError, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/duty", get(page))
        .route("/duty/shifts", post(add_shift))
        .route("/duty/rotas", post(add_rota))
        .route("/duty/shifts/{id}/delete", post(delete_shift))
        .route("/duty/swaps", post(request_swap))
        .route("/duty/swaps/{id}/decision", post(decide_swap))
        .route("/duty/handovers", post(handover))
        .route("/duty/alerts/{id}/acknowledge", post(acknowledge))
}

#[derive(Template)]
#[template(path = "duty/page.html")]
struct DutyPage {
    ctx: Ctx,
    now: Vec<UnitOnDuty>,
    coverage: Vec<Coverage>,
    shifts: Vec<ShiftView>,
    alerts: Vec<AlertView>,
    swaps: Vec<SwapView>,
    handovers: Vec<HandoverView>,
    /// Rosters the caller keeps: ("" for the center, or a unit's code; name).
    rosters: Vec<(String, String)>,
    /// People the caller may put on a roster: (id, "name（unit）").
    people: Vec<(i64, String)>,
    weekdays: [&'static str; 7],
    today: String,
    /// The roster listed (`center`, a unit's code, or empty: every roster in scope).
    roster: String,
    /// Every unit in scope, to pick a roster to list.
    roster_units: Vec<(String, String)>,
}

impl DutyPage {
    fn hours(&self, c: &Coverage) -> i64 {
        c.gaps.iter().map(|g| (g.to - g.from).num_hours()).sum()
    }

    /// The caller keeps this shift's roster (`None`: the center's).
    fn keeps(&self, unit: &Option<String>) -> bool {
        let code = unit.as_deref().unwrap_or("");
        self.rosters.iter().any(|(c, _)| c == code)
    }

    fn is_requested(&self, s: &SwapState) -> bool {
        *s == SwapState::Requested
    }

    fn rung_class(&self, r: &AlertRung) -> &'static str {
        match r {
            AlertRung::Duty => "",
            AlertRung::Direct => "warn",
            AlertRung::Center => "bad",
        }
    }
}

#[derive(Deserialize, Default)]
pub struct OkQuery {
    ok: Option<String>,
    /// Whose roster to list: a unit's code, or `center` (default: the
    /// center's for the center, else every roster in scope).
    roster: Option<String>,
}

async fn duty_page(s: &AppState, user: &PageUser, q: &OkQuery, error: Option<&WebError>) -> PageResult {
    let ok = q.ok.as_deref();
    let who = &user.principal;
    let (now, coverage) = shifts::overview(&s.store, who).await.or_page(user)?;
    let from = s.store.now() - chrono::Duration::hours(12);
    let roster = q
        .roster
        .clone()
        .filter(|r| !r.trim().is_empty())
        .or_else(|| who.may(Permission::ManageReadiness).then(|| "center".to_owned()));
    let f = shifts::ShiftFilter { unit: roster.clone(), from: Some(from), to: Some(from + chrono::Duration::days(3)) };
    let mut list = shifts::list(&s.store, who, &f).await.or_page(user)?;
    list.truncate(300);
    let alerts = alerts::list(&s.store, who, &alerts::AlertFilter { open: true }, PageRequest::new(1, 50))
        .await
        .or_page(user)?
        .items;
    let swaps = shifts::swaps(&s.store, who).await.or_page(user)?.into_iter().take(30).collect();
    let handovers = shifts::handovers(&s.store, who).await.or_page(user)?.into_iter().take(20).collect();
    let units = wangan_core::directory::service::units::all_visible(&s.store, who).await.or_page(user)?;
    let mut rosters = Vec::new();
    if who.may(Permission::ManageReadiness) {
        rosters.push((String::new(), s.store.documents().center.clone()));
    }
    let kept: Vec<i64> = units.iter().filter(|u| who.may(Permission::ManageDuty(u.id))).map(|u| u.id).collect();
    rosters.extend(units.iter().filter(|u| kept.contains(&u.id)).map(|u| (u.code.clone(), u.name.clone())));
    // The people to pick: the listed unit's, or for the center's roster the
    // staff of the units of kind "center" (a number may always be typed).
    let mut people = Vec::new();
    if !rosters.is_empty() {
        use wangan_core::directory::service::people::{PersonFilter, list as people_of};
        use wangan_core::directory::service::units::UnitKind;
        let listed: Vec<String> = match roster.as_deref() {
            Some("center") => units.iter().filter(|u| u.kind == UnitKind::Center).map(|u| u.code.clone()).collect(),
            None => units.iter().filter(|u| kept.contains(&u.id)).map(|u| u.code.clone()).collect(),
            Some(code) => vec![code.to_owned()],
        };
        for code in listed {
            let f = PersonFilter { unit: Some(code), q: None };
            let page = people_of(&s.store, who, &f, PageRequest::new(1, 500)).await.or_page(user)?;
            people.extend(page.items.into_iter().map(|p| (p.id, format!("{}（{}）", p.name, p.unit_name))));
        }
    }
    let mut ctx = Ctx::new(s, Some(user), "readiness").with_flash(ok);
    let status = match error {
        Some(e) => {
            ctx = ctx.with_error(e);
            e.status()
        }
        None => StatusCode::OK,
    };
    let weekdays = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    let today = s.store.now().with_timezone(&s.store.notice_policy().time_zone).date_naive().to_string();
    let roster_units: Vec<(String, String)> = units.into_iter().map(|u| (u.code, u.name)).collect();
    render_status(
        status,
        DutyPage {
            ctx,
            now,
            coverage,
            shifts: list,
            alerts,
            swaps,
            handovers,
            rosters,
            people,
            weekdays,
            today,
            roster: roster.unwrap_or_default(),
            roster_units,
        },
    )
}

async fn page(State(s): State<AppState>, user: PageUser, Query(q): Query<OkQuery>) -> PageResult {
    duty_page(&s, &user, &q, None).await
}

async fn after<T>(s: &AppState, user: &PageUser, done: Result<T, CoreError>, ok: &str) -> PageResult {
    match done.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/duty?ok={ok}")).into_response()),
        Err(e) if is_form_error(&e) => duty_page(s, user, &OkQuery::default(), Some(&e)).await,
        Err(e) => Err(fail(user, e)),
    }
}

fn roster(code: &str) -> Option<String> {
    Some(code.trim().to_owned()).filter(|c| !c.is_empty())
}

/// A number typed or picked from the list (`123 张三（化学学院）`): its leading digits.
fn person(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> i64 {
    let digits: String = raw.trim().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| {
        errors.push(FieldError::new(field, if raw.trim().is_empty() { "required" } else { "unknown_person" }));
        0
    })
}

#[derive(Deserialize)]
pub struct ShiftForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    note: String,
}

async fn add_shift(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<ShiftForm>) -> PageResult {
    let mut errors = Vec::new();
    let person_id = person("person_id", &form.person_id, &mut errors);
    let starts_at = form_time(&s, "starts_at", &form.starts_at, &mut errors);
    let ends_at = form_time(&s, "ends_at", &form.ends_at, &mut errors);
    let (Some(starts_at), Some(ends_at), true) = (starts_at, ends_at, errors.is_empty()) else {
        if errors.is_empty() {
            errors.push(FieldError::new("starts_at", "required"));
        }
        return after::<()>(&s, &user, Err(CoreError::Invalid(errors)), "").await;
    };
    let input = shifts::ShiftInput {
        unit: roster(&form.unit),
        person_id,
        phone: form.phone,
        starts_at,
        ends_at,
        note: form.note,
    };
    let done = shifts::create(&s.store, &user.principal, input).await;
    after(&s, &user, done, "duty.shift_ok").await
}

async fn add_rota(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>) -> PageResult {
    let one = |n: &str| form.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default();
    let mut errors = Vec::new();
    let mut people = Vec::new();
    for (_, v) in form.iter().filter(|(k, v)| k == "people" && !v.trim().is_empty()) {
        people.push(person("people", v, &mut errors));
    }
    let starts_on = chrono::NaiveDate::parse_from_str(one("starts_on").trim(), "%Y-%m-%d").ok();
    if starts_on.is_none() {
        errors.push(FieldError::new("starts_on", "date_format"));
    }
    let weeks: u32 = one("weeks").trim().parse().unwrap_or(0);
    if !(1..=13).contains(&weeks) {
        errors.push(FieldError::new("weeks", "out_of_range"));
    }
    let (Some(starts_on), true) = (starts_on, errors.is_empty()) else {
        return after::<()>(&s, &user, Err(CoreError::Invalid(errors)), "").await;
    };
    let input =
        shifts::RotaInput { unit: roster(&one("unit")), starts_on, days: weeks * 7, handover: one("handover"), people };
    let done = shifts::create_rota(&s.store, &user.principal, input).await;
    after(&s, &user, done, "duty.rota_ok").await
}

async fn delete_shift(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    shifts::delete(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to("/duty?ok=duty.deleted_ok").into_response())
}

#[derive(Deserialize)]
pub struct SwapForm {
    #[serde(default)]
    shift_id: String,
    #[serde(default)]
    to_person_id: String,
    #[serde(default)]
    reason: String,
}

async fn request_swap(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<SwapForm>) -> PageResult {
    let mut errors = Vec::new();
    let shift_id = person("shift_id", &form.shift_id, &mut errors);
    let to_person_id = person("to_person_id", &form.to_person_id, &mut errors);
    if !errors.is_empty() {
        return after::<()>(&s, &user, Err(CoreError::Invalid(errors)), "").await;
    }
    let done = shifts::request_swap(
        &s.store,
        &user.principal,
        shift_id,
        shifts::SwapInput { to_person_id, reason: form.reason },
    )
    .await;
    after(&s, &user, done, "duty.swap_ok").await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

async fn decide_swap(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<DecisionForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let input = shifts::SwapDecision { approve: form.decision == "approve", note: form.note };
    let done = shifts::decide_swap(&s.store, &user.principal, id, input).await;
    after(&s, &user, done, "duty.decided_ok").await
}

#[derive(Deserialize)]
pub struct HandoverForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    note: String,
}

async fn handover(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<HandoverForm>) -> PageResult {
    let done = shifts::handover(
        &s.store,
        &user.principal,
        shifts::HandoverInput { unit: roster(&form.unit), note: form.note },
    )
    .await;
    after(&s, &user, done, "duty.handover_ok").await
}

async fn acknowledge(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    alerts::acknowledge(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to("/duty?ok=duty.acknowledged_ok").into_response())
}
