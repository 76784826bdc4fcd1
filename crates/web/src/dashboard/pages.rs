//! The dashboard (首页): the figures of the caller's scope.

use crate::AppState;
use crate::platform::extract::PageUser;
use crate::platform::page::{Ctx, OrPage, PageResult, render};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(dashboard))
}

#[derive(Template)]
#[template(path = "dashboard/dashboard.html")]
struct Dashboard {
    ctx: Ctx,
    f: wangan_core::dashboard::service::Figures,
    roles: Vec<String>,
}

pub async fn dashboard(State(s): State<AppState>, user: PageUser) -> PageResult {
    let p = &user.principal;
    let f = wangan_core::dashboard::service::figures(&s.store, p).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "dashboard");
    let roles = wangan_core::accounts::service::grant_views(&s.store, p)
        .await
        .or_page(&user)?
        .iter()
        .map(|g| ctx.role(g.role, g.unit.as_deref()))
        .collect();
    render(Dashboard { ctx, f, roles })
}
