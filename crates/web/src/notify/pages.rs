//! Channels (通知渠道) and the delivery log (发送记录).

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::page::{
    Ctx, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render, render_status,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::notify::service::{self as notify, ChannelView, DeliveryView};
use wangan_core::notify::{ChannelKind, ChannelOwner, DeliveryStatus};
use wangan_core::platform::access::Permission;
use wangan_core::{Page, PageRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/channels", get(channels).post(add_channel))
        .route("/channels/{id}", post(change_channel))
        .route("/deliveries", get(deliveries))
        .route("/deliveries/{id}/retry", post(retry_delivery))
}

// ---- channels and deliveries --------------------------------------------

#[derive(Deserialize, Default)]
pub struct ChannelsQuery {
    unit: Option<String>,
    ok: Option<String>,
}

pub struct ChannelGroup {
    pub title: String,
    pub owner_kind: ChannelOwner,
    pub owner: String,
    pub channels: Vec<ChannelView>,
}

#[derive(Template)]
#[template(path = "notify/channels.html")]
struct ChannelsPage {
    ctx: Ctx,
    groups: Vec<ChannelGroup>,
    kinds: &'static [ChannelKind],
    units: Vec<UnitView>,
    unit: String,
}

async fn channels_page(s: &AppState, user: &PageUser, q: ChannelsQuery, error: Option<&WebError>) -> PageResult {
    let p = &user.principal;
    let mut ctx = Ctx::new(s, Some(user), "channels").with_flash(q.ok.as_deref());
    if let Some(e) = error {
        ctx = ctx.with_error(e);
    }
    let mut groups = Vec::new();
    if let Some(pid) = p.person_id {
        let channels =
            notify::channels(&s.store, p, ChannelOwner::Person.as_str(), Some(&pid.to_string())).await.or_page(user)?;
        groups.push(ChannelGroup {
            title: ctx.t("channel.mine").into(),
            owner_kind: ChannelOwner::Person,
            owner: pid.to_string(),
            channels,
        });
    }
    let units: Vec<UnitView> = units::all_visible(&s.store, p)
        .await
        .or_page(user)?
        .into_iter()
        .filter(|u| p.may(Permission::ManageUnitChannels(u.id)))
        .collect();
    let unit =
        q.unit.clone().filter(|c| units.iter().any(|u| &u.code == c)).or_else(|| units.first().map(|u| u.code.clone()));
    if let Some(code) = &unit {
        let name = units.iter().find(|u| &u.code == code).map(|u| u.name.clone()).unwrap_or_default();
        let channels = notify::channels(&s.store, p, ChannelOwner::Unit.as_str(), Some(code)).await.or_page(user)?;
        groups.push(ChannelGroup {
            title: format!("{}：{name}", ctx.t("channel.unit")),
            owner_kind: ChannelOwner::Unit,
            owner: code.clone(),
            channels,
        });
    }
    if p.may(Permission::ManageDelivery) {
        let channels = notify::channels(&s.store, p, ChannelOwner::Center.as_str(), None).await.or_page(user)?;
        groups.push(ChannelGroup {
            title: ctx.t("channel.center").into(),
            owner_kind: ChannelOwner::Center,
            owner: String::new(),
            channels,
        });
    }
    let status = error.map(|e| e.status()).unwrap_or(StatusCode::OK);
    render_status(status, ChannelsPage { ctx, groups, kinds: ChannelKind::ALL, units, unit: unit.unwrap_or_default() })
}

pub async fn channels(State(s): State<AppState>, user: PageUser, Query(q): Query<ChannelsQuery>) -> PageResult {
    channels_page(&s, &user, q, None).await
}

#[derive(Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    owner_kind: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    secret: String,
}

pub async fn add_channel(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<ChannelForm>) -> PageResult {
    let unit = (form.owner_kind == ChannelOwner::Unit.as_str()).then(|| form.owner.clone());
    let input = notify::ChannelInput {
        owner_kind: form.owner_kind,
        owner: (!form.owner.is_empty()).then_some(form.owner),
        kind: form.kind,
        label: form.label,
        target: form.target,
        secret: form.secret,
        enabled: true,
    };
    match notify::add_channel(&s.store, &user.principal, input).await.map_err(WebError::from) {
        Ok(_) => {
            let back = list_url("/channels", &[("unit", unit.as_deref().unwrap_or("")), ("ok", "channel.saved")]);
            Ok(Redirect::to(back.trim_end_matches('&')).into_response())
        }
        Err(e) if is_form_error(&e) => channels_page(&s, &user, ChannelsQuery { unit, ok: None }, Some(&e)).await,
        Err(e) => Err(fail(&user, e)),
    }
}

#[derive(Deserialize)]
pub struct ChannelChangeForm {
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    delete: Option<String>,
}

pub async fn change_channel(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<ChannelChangeForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    if form.delete.is_some() {
        notify::delete_channel(&s.store, &user.principal, id).await.or_page(&user)?;
    } else {
        let patch =
            notify::ChannelPatch { enabled: Some(form.enabled.as_deref() == Some("true")), ..Default::default() };
        notify::update_channel(&s.store, &user.principal, id, patch).await.or_page(&user)?;
    }
    Ok(Redirect::to("/channels?ok=channel.saved").into_response())
}

#[derive(Deserialize, Default)]
pub struct DeliveriesQuery {
    page: Option<u64>,
    status: Option<String>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "notify/deliveries.html")]
struct DeliveriesPage {
    ctx: Ctx,
    page: Page<DeliveryView>,
    pager: Pager,
    counts: Vec<(DeliveryStatus, u64)>,
}

pub async fn deliveries(State(s): State<AppState>, user: PageUser, Query(q): Query<DeliveriesQuery>) -> PageResult {
    let f = notify::DeliveryFilter { status: q.status.clone(), unit: None };
    let page = notify::deliveries(&s.store, &user.principal, &f, PageRequest { page: q.page, per_page: Some(50) })
        .await
        .or_page(&user)?;
    let counts = notify::outbox_counts(&s.store).await.or_page(&user)?;
    let counts = DeliveryStatus::ALL.iter().map(|k| (*k, counts.get(k).copied().unwrap_or(0))).collect();
    let ctx = Ctx::new(&s, Some(&user), "deliveries").with_flash(q.ok.as_deref());
    let status = q.status.unwrap_or_default();
    let pager = Pager::new(&ctx.m, &page, &list_url("/deliveries", &[("status", &status)]));
    render(DeliveriesPage { ctx, page, pager, counts })
}

pub async fn retry_delivery(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, .. }: CsrfForm<crate::accounts::session::Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    notify::retry(&s.store, &user.principal, id).await.or_page(&user)?;
    Ok(Redirect::to("/deliveries?status=queued&ok=delivery.requeued").into_response())
}
