//! The audit log page and the user's own account (API tokens).

use super::{Ctx, OkQuery, OrPage, PageResult, Pager, fail, is_form_error, list_url, render};
use crate::AppState;
use crate::error::WebError;
use crate::extract::{CsrfForm, PageUser};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;
use wangan_core::accounts::service as accounts;
use wangan_core::directory::service::people::{self, PersonView};
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::platform::audit::{self, AuditFilter};
use wangan_core::{CoreError, PageRequest, Role, platform::access::Permission};

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub changes: Vec<FieldChange>,
}

impl AuditRow {
    /// An audit entry in the reader's words and time zone.
    pub fn of(ctx: &Ctx, e: &wangan_core::platform::audit::AuditView) -> AuditRow {
        AuditRow {
            seq: e.seq,
            at: ctx.time(&e.at),
            actor: e.actor.clone(),
            action: ctx.m.code("audit.action", &e.action),
            entity: ctx.m.code("audit.entity", &e.entity),
            entity_id: e.entity_id.clone(),
            changes: field_changes(e.before.as_ref(), e.after.as_ref()),
        }
    }
}

/// One field of a change: `before` → `after` (either may be empty).
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

fn show(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Field-by-field difference of two JSON snapshots; unchanged fields of an
/// update are left out.
pub fn field_changes(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let b = before.and_then(|v| v.as_object()).unwrap_or(&empty);
    let a = after.and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.is_none() || after.is_none() || b.get(*k) != a.get(*k))
        .map(|k| FieldChange { field: k.clone(), before: show(b.get(k)), after: show(a.get(k)) })
        .filter(|c| !(c.before.is_empty() && c.after.is_empty()) && c.after != "[]")
        .collect()
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    rows: Vec<AuditRow>,
    pager: Pager,
    f_entity: String,
    f_entity_id: String,
    f_actor: String,
    f_action: String,
    entities: Vec<(&'static str, String)>,
    actions: Vec<(&'static str, String)>,
}

const AUDIT_ENTITIES: [&str; 8] =
    ["unit", "person", "responsibilities", "leadership_member", "system", "user", "user_locale", "api_token"];
const AUDIT_ACTIONS: [&str; 14] = [
    "create",
    "update",
    "delete",
    "import",
    "transition",
    "override",
    "protections",
    "evaluation",
    "lockout",
    "password_change",
    "password_reset",
    "revoke",
    "grant_role",
    "revoke_role",
];

#[derive(Deserialize)]
pub struct AuditQuery {
    page: Option<u64>,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
}

pub async fn audit(State(s): State<AppState>, user: PageUser, Query(q): Query<AuditQuery>) -> PageResult {
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
    let filter = AuditFilter {
        entity: some(&q.entity),
        entity_id: some(&q.entity_id),
        actor: some(&q.actor),
        action: some(&q.action),
        unit_id: None,
    };
    let page = audit::list(s.store.db(), &user.principal, &filter, PageRequest { page: q.page, per_page: Some(50) })
        .await
        .or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "audit");
    let base = list_url(
        "/audit",
        &[("entity", &q.entity), ("entity_id", &q.entity_id), ("actor", &q.actor), ("action", &q.action)],
    );
    let pager = Pager::new(&ctx.m, &page, &base);
    let rows = page.items.iter().map(|e| AuditRow::of(&ctx, e)).collect();
    let entities = AUDIT_ENTITIES.iter().map(|e| (*e, ctx.m.code("audit.entity", e))).collect();
    let actions = AUDIT_ACTIONS.iter().map(|a| (*a, ctx.m.code("audit.action", a))).collect();
    render(AuditPage {
        ctx,
        rows,
        pager,
        f_entity: q.entity,
        f_entity_id: q.entity_id,
        f_actor: q.actor,
        f_action: q.action,
        entities,
        actions,
    })
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
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
    CsrfForm { user, .. }: CsrfForm<super::session::Empty>,
) -> PageResult {
    let id = super::path_id(&id, &user)?;
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
#[template(path = "users.html")]
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
    super::render_status(status, UsersPage { ctx, users, roles, units, people, draft })
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn updates_show_only_changed_fields() {
        let before = json!({"name": "地理学院", "kind": "college", "parent": null});
        let after = json!({"name": "地理科学学院", "kind": "college", "parent": "sci"});
        let c = field_changes(Some(&before), Some(&after));
        let got: Vec<(&str, &str, &str)> =
            c.iter().map(|c| (c.field.as_str(), c.before.as_str(), c.after.as_str())).collect();
        assert_eq!(got, [("name", "地理学院", "地理科学学院"), ("parent", "", "sci")]);
        let created = field_changes(None, Some(&after));
        assert_eq!(created.len(), 3, "a creation shows every field");
        let sparse = field_changes(None, Some(&json!({"name": "x", "notes": "", "parent": null, "tags": []})));
        assert_eq!(sparse.len(), 1, "but not the empty ones");
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
