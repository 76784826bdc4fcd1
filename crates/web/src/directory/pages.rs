//! Dashboard, units, people, responsible persons, leadership group.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser, query_rejection};
use crate::platform::page::{
    Ctx, OkQuery, OrPage, PageRejection, PageResult, Pager, fail, is_form_error, list_url, path_id, render_status,
};
use askama::Template;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::directory::service::leadership::{self, MemberView};
use wangan_core::directory::service::people::{self, PersonView};
use wangan_core::directory::service::responsibilities::{self, ResponsibilitiesInput};
use wangan_core::directory::service::units::{self, UnitKind, UnitView};
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", get(units).post(create_unit))
        .route("/units/{code}", get(unit).post(update_unit))
        .route("/units/{code}/delete", post(delete_unit))
        .route("/units/{code}/responsibilities", post(set_responsibilities))
        .route("/people", get(people).post(create_person))
        .route("/people/import", post(import_people))
        .route("/people/{id}", get(person).post(update_person))
        .route("/leadership", get(leadership).post(add_member))
        .route("/leadership/{id}/delete", post(remove_member))
}

fn query<T>(q: Result<Query<T>, QueryRejection>, user: &PageUser) -> Result<T, PageRejection> {
    q.map(|Query(v)| v).map_err(|r| fail(user, query_rejection(r)))
}

#[derive(Deserialize, Default)]
pub struct UnitListQuery {
    page: Option<u64>,
    q: Option<String>,
    kind: Option<String>,
    ok: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct UnitForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    parent: String,
}

#[derive(Template)]
#[template(path = "directory/units.html")]
struct UnitsPage {
    ctx: Ctx,
    page: Page<UnitView>,
    pager: Pager,
    q: String,
    kind: String,
    kinds: &'static [UnitKind],
    can_create: bool,
    all_units: Vec<UnitView>,
    draft: UnitForm,
}

async fn units_page(
    s: &AppState,
    user: &PageUser,
    q: UnitListQuery,
    draft: UnitForm,
    error: Option<&WebError>,
) -> PageResult {
    let p = &user.principal;
    let filter = units::UnitFilter { unit: None, kind: q.kind.clone(), q: q.q.clone() };
    let page =
        units::list(&s.store, p, &filter, PageRequest { page: q.page, per_page: Some(50) }).await.or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "units").with_flash(q.ok.as_deref());
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let q_text = q.q.unwrap_or_default();
    let kind = q.kind.unwrap_or_default();
    let pager = Pager::new(&ctx.m, &page, &list_url("/units", &[("q", &q_text), ("kind", &kind)]));
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(
        status,
        UnitsPage {
            can_create: p.may(Permission::ManageUnits),
            all_units: units::all_visible(&s.store, p).await.or_page(user)?,
            ctx,
            page,
            pager,
            q: q_text,
            kind,
            kinds: UnitKind::ALL,
            draft,
        },
    )
}

pub async fn units(
    State(s): State<AppState>,
    user: PageUser,
    q: Result<Query<UnitListQuery>, QueryRejection>,
) -> PageResult {
    let q = query(q, &user)?;
    units_page(&s, &user, q, UnitForm { kind: "college".into(), ..Default::default() }, None).await
}

fn unit_input(f: &UnitForm) -> units::UnitInput {
    units::UnitInput {
        code: f.code.clone(),
        name: f.name.clone(),
        name_en: f.name_en.clone(),
        kind: f.kind.clone(),
        parent: Some(f.parent.clone()).filter(|p| !p.is_empty()),
    }
}

pub async fn create_unit(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<UnitForm>) -> PageResult {
    match units::create(&s.store, &user.principal, unit_input(&form)).await.map_err(WebError::from) {
        Ok(u) => Ok(Redirect::to(&format!("/units/{}?ok=unit.created", u.code)).into_response()),
        Err(e) if is_form_error(&e) => units_page(&s, &user, UnitListQuery::default(), form, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

pub struct Slot {
    pub kind: &'static str,
    pub label: &'static str,
    pub person_id: Option<i64>,
    pub name: Option<String>,
}

#[derive(Template)]
#[template(path = "directory/unit.html")]
struct UnitPage {
    ctx: Ctx,
    unit: UnitView,
    slots: Vec<Slot>,
    people: Vec<PersonView>,
    all_units: Vec<UnitView>,
    kinds: &'static [UnitKind],
    can_manage: bool,
    can_set_resp: bool,
    /// The unit's zombie sites and columns (not updated for months).
    zombies: Vec<wangan_core::sites::service::ZombieView>,
}

async fn unit_page(
    s: &AppState,
    user: &PageUser,
    code: &str,
    flash: Option<&str>,
    error: Option<&WebError>,
) -> PageResult {
    let p = &user.principal;
    let unit = units::get(&s.store, p, code).await.or_page(user)?;
    let resp = responsibilities::get(&s.store, p, code).await.or_page(user)?;
    let slot = |kind, label, r: &Option<responsibilities::PersonRef>| Slot {
        kind,
        label,
        person_id: r.as_ref().map(|r| r.id),
        name: r.as_ref().map(|r| format!("{} · {}", r.name, r.title)),
    };
    let slots = vec![
        slot("first", "resp.first", &resp.first),
        slot("main", "resp.main", &resp.main),
        slot("direct", "resp.direct", &resp.direct),
    ];
    let mut ctx = Ctx::new(s, Some(user), "units").with_flash(flash);
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(
        status,
        UnitPage {
            ctx,
            slots,
            people: people::of_unit(&s.store, p, unit.id).await.or_page(user)?,
            all_units: units::all_visible(&s.store, p).await.or_page(user)?,
            kinds: UnitKind::ALL,
            can_manage: p.may(Permission::ManageUnits),
            can_set_resp: p.may(Permission::SetResponsibilities(unit.id)),
            zombies: wangan_core::sites::service::zombies(&s.store, p, Some(unit.id)).await.or_page(user)?,
            unit,
        },
    )
}

pub async fn unit(
    State(s): State<AppState>,
    user: PageUser,
    Path(code): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    unit_page(&s, &user, &code, q.ok.as_deref(), None).await
}

pub async fn update_unit(
    State(s): State<AppState>,
    Path(code): Path<String>,
    CsrfForm { user, form }: CsrfForm<UnitForm>,
) -> PageResult {
    let patch = units::UnitPatch {
        code: Some(form.code.clone()),
        name: Some(form.name.clone()),
        name_en: Some(form.name_en.clone()),
        kind: Some(form.kind.clone()),
        parent: Some(Some(form.parent.clone()).filter(|p| !p.is_empty())),
    };
    match units::update(&s.store, &user.principal, &code, patch).await.map_err(WebError::from) {
        Ok(u) => Ok(Redirect::to(&format!("/units/{}?ok=unit.saved", u.code)).into_response()),
        Err(e) if is_form_error(&e) => unit_page(&s, &user, &code, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

pub async fn delete_unit(
    State(s): State<AppState>,
    Path(code): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    match units::delete(&s.store, &user.principal, &code).await.map_err(WebError::from) {
        Ok(()) => Ok(Redirect::to("/units?ok=unit.deleted").into_response()),
        Err(e) if is_form_error(&e) => unit_page(&s, &user, &code, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct RespForm {
    #[serde(default)]
    first: String,
    #[serde(default)]
    main: String,
    #[serde(default)]
    direct: String,
}

/// An optional id from a form select: empty is none; garbage is a field error.
fn form_id(field: &str, raw: &str) -> Result<Option<i64>, WebError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| WebError::Core(CoreError::invalid(field, "bad_id")))
}

pub async fn set_responsibilities(
    State(s): State<AppState>,
    Path(code): Path<String>,
    CsrfForm { user, form }: CsrfForm<RespForm>,
) -> PageResult {
    let parsed = (|| -> Result<ResponsibilitiesInput, WebError> {
        Ok(ResponsibilitiesInput {
            first: form_id("first", &form.first)?,
            main: form_id("main", &form.main)?,
            direct: form_id("direct", &form.direct)?,
        })
    })();
    let result = match parsed {
        Ok(input) => responsibilities::put(&s.store, &user.principal, &code, input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/units/{code}?ok=unit.saved")).into_response()),
        Err(e) if is_form_error(&e) => unit_page(&s, &user, &code, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PeopleQuery {
    page: Option<u64>,
    q: Option<String>,
    unit: Option<String>,
    ok: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct PersonForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    staff_no: String,
}

#[derive(Template)]
#[template(path = "directory/people.html")]
struct PeoplePage {
    ctx: Ctx,
    page: Page<PersonView>,
    pager: Pager,
    q: String,
    unit: String,
    all_units: Vec<UnitView>,
    manageable_units: Vec<UnitView>,
    draft: PersonForm,
    /// What a refused people sheet had wrong, line by line.
    import_problems: Vec<String>,
}

async fn manageable(s: &AppState, user: &PageUser) -> Result<(Vec<UnitView>, Vec<UnitView>), PageRejection> {
    let all = units::all_visible(&s.store, &user.principal).await.or_page(user)?;
    let mine = all.iter().filter(|u| user.principal.may(Permission::ManagePeople(u.id))).cloned().collect();
    Ok((all, mine))
}

async fn people_page(
    s: &AppState,
    user: &PageUser,
    q: PeopleQuery,
    draft: PersonForm,
    error: Option<&WebError>,
) -> PageResult {
    people_page_with(s, user, q, draft, error, Vec::new()).await
}

async fn people_page_with(
    s: &AppState,
    user: &PageUser,
    q: PeopleQuery,
    draft: PersonForm,
    error: Option<&WebError>,
    import_problems: Vec<String>,
) -> PageResult {
    let filter = people::PersonFilter { unit: q.unit.clone(), q: q.q.clone() };
    let page = people::list(&s.store, &user.principal, &filter, PageRequest { page: q.page, per_page: Some(50) })
        .await
        .or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "people").with_flash(q.ok.as_deref());
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let q_text = q.q.unwrap_or_default();
    let unit = q.unit.unwrap_or_default();
    let pager = Pager::new(&ctx.m, &page, &list_url("/people", &[("q", &q_text), ("unit", &unit)]));
    let (all_units, manageable_units) = manageable(s, user).await?;
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(
        status,
        PeoplePage { ctx, page, pager, q: q_text, unit, all_units, manageable_units, draft, import_problems },
    )
}

/// Add and update people from a spreadsheet (人员名单): every row checked;
/// all written, or none.
async fn import_people(State(s): State<AppState>, user: PageUser, multipart: axum::extract::Multipart) -> PageResult {
    let form = crate::platform::form::read_multipart(&user, multipart, "file").await?;
    people::require_import(&user.principal).map_err(|e| fail(&user, WebError::from(e)))?;
    let Some(lines) =
        crate::platform::sheet_upload::page::<wangan_core::platform::sheet_import::People>(&s.store, &user, &form)
            .await?
    else {
        return Ok(Redirect::to("/people?ok=person.imported").into_response());
    };
    let e = WebError::Core(CoreError::Invalid(Vec::new()));
    people_page_with(&s, &user, PeopleQuery::default(), PersonForm::default(), Some(&e), lines).await
}

pub async fn people(
    State(s): State<AppState>,
    user: PageUser,
    q: Result<Query<PeopleQuery>, QueryRejection>,
) -> PageResult {
    let q = query(q, &user)?;
    people_page(&s, &user, q, PersonForm::default(), None).await
}

pub async fn create_person(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<PersonForm>) -> PageResult {
    let input = people::PersonInput {
        name: form.name.clone(),
        unit: form.unit.clone(),
        title: form.title.clone(),
        phone: form.phone.clone(),
        email: form.email.clone(),
        staff_no: form.staff_no.clone(),
    };
    match people::create(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(p) => Ok(Redirect::to(&format!("/people/{}?ok=person.created", p.id)).into_response()),
        Err(e) if is_form_error(&e) => people_page(&s, &user, PeopleQuery::default(), form, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Template)]
#[template(path = "directory/person.html")]
struct PersonPage {
    ctx: Ctx,
    person: PersonView,
    can_edit: bool,
    manageable_units: Vec<UnitView>,
}

async fn person_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
    flash: Option<&str>,
    error: Option<&WebError>,
) -> PageResult {
    let person = people::get(&s.store, &user.principal, id).await.or_page(user)?;
    let (all, manageable_units) = manageable(s, user).await?;
    let can_edit = all.iter().any(|u| u.code == person.unit && user.principal.may(Permission::ManagePeople(u.id)));
    let mut ctx = Ctx::new(s, Some(user), "people").with_flash(flash);
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(status, PersonPage { ctx, person, can_edit, manageable_units })
}

pub async fn person(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    person_page(&s, &user, id, q.ok.as_deref(), None).await
}

pub async fn update_person(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<PersonForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let patch = people::PersonPatch {
        name: Some(form.name),
        unit: Some(form.unit),
        title: Some(form.title),
        phone: Some(form.phone),
        email: Some(form.email),
        staff_no: Some(form.staff_no),
    };
    match people::update(&s.store, &user.principal, id, patch).await.map_err(WebError::from) {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}?ok=person.saved")).into_response()),
        Err(e) if is_form_error(&e) => person_page(&s, &user, id, None, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Template)]
#[template(path = "directory/leadership.html")]
struct LeadershipPage {
    ctx: Ctx,
    members: Vec<MemberView>,
    can_manage: bool,
    people: Vec<PersonView>,
    positions: [&'static str; 4],
}

async fn leadership_page(s: &AppState, user: &PageUser, error: Option<&WebError>) -> PageResult {
    let can_manage = user.principal.may(Permission::ManageLeadership);
    let people = if can_manage {
        people::list(
            &s.store,
            &user.principal,
            &Default::default(),
            PageRequest::new(1, wangan_core::platform::page::MAX_PER_PAGE),
        )
        .await
        .or_page(user)?
        .items
    } else {
        Vec::new()
    };
    let mut ctx = Ctx::new(s, Some(user), "leadership");
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    render_status(
        status,
        LeadershipPage {
            ctx,
            members: leadership::list(&s.store).await.or_page(user)?,
            can_manage,
            people,
            positions: leadership::POSITIONS,
        },
    )
}

pub async fn leadership(State(s): State<AppState>, user: PageUser) -> PageResult {
    leadership_page(&s, &user, None).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    duty: String,
}

pub async fn add_member(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<MemberForm>) -> PageResult {
    let result = match form_id("person_id", &form.person_id) {
        Ok(Some(person_id)) => leadership::add(
            &s.store,
            &user.principal,
            leadership::MemberInput { person_id, position: form.position, duty: form.duty },
        )
        .await
        .map_err(WebError::from),
        Ok(None) => Err(WebError::Core(CoreError::invalid("person_id", "required"))),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/leadership").into_response()),
        Err(e) if is_form_error(&e) => leadership_page(&s, &user, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

pub async fn remove_member(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    leadership::remove(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to("/leadership").into_response())
}
