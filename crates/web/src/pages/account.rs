//! The audit log page and the user's own account (API tokens).

use super::{Ctx, OrPage, PageRejection, PageResult, Pager, list_url, locale_of, render};
use crate::AppState;
use crate::error::WebError;
use crate::extract::{CsrfForm, PageUser};
use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use wangan_core::audit::{self, AuditFilter};
use wangan_core::service::accounts;
use wangan_core::{CoreError, PageRequest, access::Permission};

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: String,
    pub after: String,
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
}

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
    user.principal.require(Permission::ReadAudit).or_page(&user)?;
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
    let filter = AuditFilter {
        entity: some(&q.entity),
        entity_id: some(&q.entity_id),
        actor: some(&q.actor),
        action: some(&q.action),
        unit_id: None,
    };
    let page =
        audit::list(s.store.db(), &filter, PageRequest { page: q.page, per_page: Some(50) }).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "audit");
    let base = list_url(
        "/audit",
        &[("entity", &q.entity), ("entity_id", &q.entity_id), ("actor", &q.actor), ("action", &q.action)],
    );
    let pager = Pager::new(&ctx.m, &page, &base);
    let show = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    let rows = page
        .items
        .iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: ctx.time(&e.at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            entity: e.entity.clone(),
            entity_id: e.entity_id.clone(),
            before: show(&e.before),
            after: show(&e.after),
        })
        .collect();
    render(AuditPage {
        ctx,
        rows,
        pager,
        f_entity: q.entity,
        f_entity_id: q.entity_id,
        f_actor: q.actor,
        f_action: q.action,
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

#[derive(Deserialize)]
pub struct OkQuery {
    ok: Option<String>,
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
        return Err(PageRejection::Error(
            WebError::Core(CoreError::invalid("name", "required")),
            locale_of(&user.principal),
        ));
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
    let id: i64 = id
        .parse()
        .map_err(|_| PageRejection::Error(WebError::Core(CoreError::NotFound), locale_of(&user.principal)))?;
    accounts::revoke_token(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(axum::response::Redirect::to("/account").into_response())
}

use axum::response::IntoResponse;
