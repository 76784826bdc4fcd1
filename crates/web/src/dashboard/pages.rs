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
    /// Shutdown orders standing, and proposals waiting for the center.
    shut_issued: usize,
    shut_proposed: usize,
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
    use wangan_core::notices::ShutdownOrderState;
    let count = |state| f.rectifications.shutdown.iter().filter(|o| o.state == state).count();
    let (shut_issued, shut_proposed) = (count(ShutdownOrderState::Issued), count(ShutdownOrderState::Proposed));
    render(Dashboard { ctx, f, roles, shut_issued, shut_proposed })
}
