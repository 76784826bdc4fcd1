//! The audit log page and the user's own account (API tokens).

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::page::{Ctx, OkQuery, OrPage, PageResult, fail, is_form_error, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::accounts::service as accounts;
use wangan_core::directory::service::people::{self, PersonView};
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::{CoreError, PageRequest, Role, platform::access::Permission};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(super::session::login_page).post(super::session::login))
        .route("/login/cas", get(super::sso::cas_login).post(super::sso::cas_single_logout))
        .route("/login/oidc", get(super::oidc::oidc_login))
        .route("/login/oidc/callback", get(super::oidc::oidc_callback))
        .route("/login/totp", get(super::two_factor::code_page).post(super::two_factor::submit_code))
        .route("/account/totp", get(super::two_factor::totp))
        .route("/account/totp/start", post(super::two_factor::start))
        .route("/account/totp/enable", post(super::two_factor::enable))
        .route("/account/totp/recovery", post(super::two_factor::recovery))
        .route("/account/totp/disable", post(super::two_factor::disable))
        .route("/users/totp-reset", post(super::two_factor::reset))
        .route("/logout", post(super::session::logout))
        .route("/password", get(super::session::password_page).post(super::session::change_password))
        .route("/lang", post(super::session::set_language))
        .route("/users", get(users).post(create_user))
        .route("/users/reset-password", post(reset_password))
        .route("/users/grant-role", post(grant_role))
        .route("/users/revoke-role", post(revoke_role))
        .route("/users/active", post(set_active))
        .route("/account", get(account))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    ctx: Ctx,
    username: String,
    roles: Vec<String>,
    tokens: Vec<TokenRow>,
    new_token: Option<String>,
}

async fn account_page(s: &AppState, user: &PageUser, flash: Option<&str>, new_token: Option<String>) -> PageResult {
    let ctx = Ctx::new(s, Some(user), "account").with_flash(flash);
    let roles = accounts::grant_views(&s.store, &user.principal)
        .await
        .or_page(user)?
        .iter()
        .map(|g| ctx.role(g.role, g.unit.as_deref()))
        .collect();
    let tokens = accounts::my_tokens(&s.store, &user.principal)
        .await
        .or_page(user)?
        .into_iter()
        .map(|t| TokenRow { id: t.id, name: t.name, created: ctx.time(&t.created_at), revoked: t.revoked_at.is_some() })
        .collect();
    render(AccountPage { ctx, username: user.principal.username.clone(), roles, tokens, new_token })
}

pub async fn account(State(s): State<AppState>, user: PageUser, Query(q): Query<OkQuery>) -> PageResult {
    account_page(&s, &user, q.ok.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<TokenForm>) -> PageResult {
    let name = form.name.trim();
    if name.is_empty() {
        return Err(fail(&user, CoreError::invalid("name", "required")));
    }
    let token =
        accounts::create_token(&s.store, Some(&user.principal), &user.principal.username, name).await.or_page(&user)?;
    account_page(&s, &user, None, Some(token)).await
}

pub async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = crate::platform::page::path_id(&id, &user)?;
    accounts::revoke_token(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to("/account").into_response())
}

pub struct UserRow {
    pub username: String,
    pub roles: Vec<RoleTag>,
    pub person_id: Option<i64>,
    pub person_name: String,
    pub locked: bool,
    pub active: bool,
    /// Two-factor sign-in is on.
    pub second_factor: bool,
    /// Another admin's reset is offered (not one's own).
    pub totp_resettable: bool,
}

/// A role as shown, with what a revoke form needs.
pub struct RoleTag {
    pub label: String,
    pub role: &'static str,
    pub unit: String,
}

#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    person_id: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, String)>,
    units: Vec<UnitView>,
    people: Vec<PersonView>,
    draft: NewUserForm,
}

async fn users_page(
    s: &AppState,
    user: &PageUser,
    flash: Option<&str>,
    draft: NewUserForm,
    error: Option<&WebError>,
) -> PageResult {
    let p = &user.principal;
    p.require(Permission::ManageUsers).or_page(user)?;
    let mut ctx = Ctx::new(s, Some(user), "users").with_flash(flash);
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let people =
        people::list(&s.store, p, &Default::default(), PageRequest::new(1, wangan_core::platform::page::MAX_PER_PAGE))
            .await
            .or_page(user)?
            .items;
    let users = accounts::list_users(&s.store, p)
        .await
        .or_page(user)?
        .into_iter()
        .map(|u| UserRow {
            roles: u
                .roles
                .iter()
                .map(|g| RoleTag {
                    label: ctx.role(g.role, g.unit.as_deref()),
                    role: g.role.as_str(),
                    unit: g.unit.clone().unwrap_or_default(),
                })
                .collect(),
            active: u.active,
            second_factor: u.second_factor,
            totp_resettable: u.second_factor && u.username != p.username,
            person_name: u
                .person_id
                .and_then(|id| people.iter().find(|p| p.id == id))
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            person_id: u.person_id,
            username: u.username,
            locked: u.locked,
        })
        .collect();
    let roles = Role::ALL.iter().map(|r| (r.as_str(), ctx.role(*r, None))).collect();
    let units = units::all_visible(&s.store, p).await.or_page(user)?;
    let status =
        if error.is_some() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    crate::platform::page::render_status(status, UsersPage { ctx, users, roles, units, people, draft })
}

#[derive(Deserialize)]
pub struct UsersQuery {
    ok: Option<String>,
}

pub async fn users(State(s): State<AppState>, user: PageUser, Query(q): Query<UsersQuery>) -> PageResult {
    users_page(&s, &user, q.ok.as_deref(), NewUserForm { role: "unit_admin".into(), ..Default::default() }, None).await
}

pub async fn create_user(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<NewUserForm>) -> PageResult {
    let parsed = (|| -> Result<accounts::NewUser, WebError> {
        let role = Role::parse(&form.role).ok_or_else(|| WebError::Core(CoreError::invalid("role", "required")))?;
        let person_id = match form.person_id.trim() {
            "" => None,
            raw => Some(raw.parse().map_err(|_| WebError::Core(CoreError::invalid("person_id", "bad_id")))?),
        };
        Ok(accounts::NewUser {
            username: form.username.clone(),
            password: form.password.clone(),
            must_change_password: true,
            person_id,
            grants: vec![accounts::GrantInput { role, unit: Some(form.unit.clone()).filter(|u| !u.is_empty()) }],
        })
    })();
    let result = match parsed {
        Ok(input) => accounts::create_user(&s.store, Some(&user.principal), input).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/users?ok=users.created").into_response()),
        Err(e) if is_form_error(&e) => {
            users_page(&s, &user, None, NewUserForm { password: String::new(), ..form }, Some(&e)).await
        }
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn reset_password(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<ResetForm>) -> PageResult {
    match accounts::reset_password(&s.store, Some(&user.principal), &form.username, &form.password)
        .await
        .map_err(WebError::from)
    {
        Ok(()) => Ok(Redirect::to("/users?ok=users.reset_done").into_response()),
        Err(e) if is_form_error(&e) => users_page(&s, &user, None, NewUserForm::default(), Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    unit: String,
}

impl GrantForm {
    fn grant(&self) -> Result<accounts::GrantInput, WebError> {
        let role = Role::parse(&self.role).ok_or_else(|| WebError::Core(CoreError::invalid("role", "required")))?;
        Ok(accounts::GrantInput { role, unit: Some(self.unit.clone()).filter(|u| !u.is_empty()) })
    }
}

async fn after_user_change(s: &AppState, user: &PageUser, r: Result<(), WebError>) -> PageResult {
    match r {
        Ok(()) => Ok(Redirect::to("/users?ok=users.changed").into_response()),
        Err(e) if is_form_error(&e) => users_page(s, user, None, NewUserForm::default(), Some(&e)).await,
        Err(e) => Err(fail(user, e)),
    }
}

pub async fn grant_role(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<GrantForm>) -> PageResult {
    let r = match form.grant() {
        Ok(g) => accounts::grant_role(&s.store, Some(&user.principal), &form.username, g).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    after_user_change(&s, &user, r).await
}

pub async fn revoke_role(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<GrantForm>) -> PageResult {
    let r = match form.grant() {
        Ok(g) => accounts::revoke_role(&s.store, &user.principal, &form.username, g).await.map_err(WebError::from),
        Err(e) => Err(e),
    };
    after_user_change(&s, &user, r).await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    active: String,
}

pub async fn set_active(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<ActiveForm>) -> PageResult {
    let r = accounts::set_active(&s.store, &user.principal, &form.username, form.active == "true")
        .await
        .map_err(WebError::from);
    after_user_change(&s, &user, r).await
}
