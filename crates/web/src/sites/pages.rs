//! The whole site's pages: a site's crawled pages, the outbound-link
//! inventory (review, approve in bulk, export), the allow-lists, and the
//! 双非 and zombie sites.

use std::collections::BTreeMap;

use crate::AppState;
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::page::{Ctx, OkQuery, OrPage, PageResult, Pager, fail, list_url, path_id, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use serde::Deserialize;
use wangan_core::platform::access::Permission;
use wangan_core::sites::service::{
    self as sites, AllowInput, AllowView, OutboundFilter, OutboundView, OutsideInput, OutsideView, SitePagesView,
    ZombieView,
};
use wangan_core::sites::{LinkReview, OutsideDecision};
use wangan_core::{CoreError, Page};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitors/{id}/pages", get(site_pages))
        .route("/crawled-pages/{id}/key", post(set_key))
        .route("/crawled-pages/{id}/accept", post(accept_key))
        .route("/sites", get(overview))
        .route("/sites/outbound", get(inventory))
        .route("/sites/outbound.xlsx", get(export))
        .route("/sites/outbound/approve", post(approve))
        .route("/sites/allow", get(allow_list).post(allow_add))
        .route("/sites/allow/{id}/delete", post(allow_remove))
        .route("/systems/{id}/outside", post(decide))
}

// ---- A site's crawled pages ----

#[derive(Template)]
#[template(path = "sites/pages.html")]
struct PagesPage {
    ctx: Ctx,
    v: SitePagesView,
}

async fn site_pages(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let v = sites::pages(&s.store, &user.principal, id).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "monitors").with_flash(q.ok.as_deref());
    render(PagesPage { ctx, v })
}

#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    monitor: String,
}

async fn set_key(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<KeyForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    sites::set_key_page(&s.store, &user.principal, id, form.key == "true").await.map_err(|e| fail(&user, e))?;
    let monitor: i64 = form.monitor.trim().parse().unwrap_or(0);
    Ok(Redirect::to(&format!("/monitors/{monitor}/pages?ok=sites.key_saved")).into_response())
}

async fn accept_key(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<KeyForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    sites::accept_key_page(&s.store, &user.principal, id, "").await.map_err(|e| fail(&user, e))?;
    let monitor: i64 = form.monitor.trim().parse().unwrap_or(0);
    Ok(Redirect::to(&format!("/monitors/{monitor}/pages?ok=sites.key_accepted")).into_response())
}

// ---- The inventory ----

#[derive(Deserialize, Default)]
struct InventoryQuery {
    page: Option<u64>,
    q: Option<String>,
    review: Option<String>,
    hidden: Option<String>,
    system: Option<i64>,
    ok: Option<String>,
}

impl InventoryQuery {
    fn filter(&self, per_page: u64) -> OutboundFilter {
        OutboundFilter {
            q: self.q.clone(),
            // Unreviewed by default: what needs a decision; `all` for both.
            review: match self.review.as_deref() {
                None => Some(LinkReview::Pending.as_str().to_owned()),
                Some("all") => None,
                Some(r) => Some(r.to_owned()),
            },
            hidden: self.hidden.as_deref().map(|h| h == "true"),
            system: self.system,
            gone: None,
            page: self.page,
            per_page: Some(per_page),
        }
    }
}

#[derive(Template)]
#[template(path = "sites/outbound.html")]
struct InventoryPage {
    ctx: Ctx,
    page: Page<OutboundView>,
    pager: Pager,
    q: String,
    review: String,
    hidden: bool,
    export_url: String,
    can_approve: bool,
    reviews: &'static [LinkReview],
}

async fn inventory(State(s): State<AppState>, user: PageUser, Query(q): Query<InventoryQuery>) -> PageResult {
    let page = sites::outbound(&s.store, &user.principal, &q.filter(100)).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "monitors").with_flash(q.ok.as_deref());
    let review = q.review.clone().unwrap_or_else(|| "pending".into());
    let params = [
        ("q", q.q.clone().unwrap_or_default()),
        ("review", review.clone()),
        ("hidden", q.hidden.clone().unwrap_or_default()),
        ("system", q.system.map(|s| s.to_string()).unwrap_or_default()),
    ];
    let pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let base = list_url("/sites/outbound", &pairs);
    let pager = Pager::new(&ctx.m, &page, &base);
    render(InventoryPage {
        export_url: base.replacen("/sites/outbound?", "/sites/outbound.xlsx?", 1),
        ctx,
        pager,
        page,
        q: q.q.unwrap_or_default(),
        review,
        hidden: q.hidden.as_deref() == Some("true"),
        can_approve: user.principal.may(Permission::ManageMonitors),
        reviews: LinkReview::ALL,
    })
}

async fn export(State(s): State<AppState>, user: PageUser, Query(q): Query<InventoryQuery>) -> PageResult {
    let rows = sites::outbound_all(&s.store, &user.principal, &q.filter(100)).await.map_err(|e| fail(&user, e))?;
    let ctx = Ctx::new(&s, Some(&user), "monitors");
    let headers: Vec<String> = [
        "sites.domain",
        "sites.host",
        "sites.system",
        "sites.site",
        "sites.review",
        "sites.hidden",
        "sites.link_text",
        "sites.page_count",
        "sites.pages",
        "sites.spam_signs",
        "sites.first_seen",
        "sites.last_seen",
    ]
    .iter()
    .map(|k| ctx.t(k).to_owned())
    .collect();
    let yes = ctx.t("common.yes").to_owned();
    let no = ctx.t("common.no").to_owned();
    let rows = rows
        .into_iter()
        .map(|r| {
            vec![
                r.domain,
                r.host,
                r.system_name,
                r.site,
                ctx.label(&r.review),
                if r.hidden { yes.clone() } else { no.clone() },
                r.link_text,
                r.page_count.to_string(),
                r.pages.join("\n"),
                r.spam_signs
                    .iter()
                    .map(|k| ctx.t(&format!("sites.sign.{k}")).to_owned())
                    .collect::<Vec<_>>()
                    .join("、"),
                ctx.time(&r.first_seen_at),
                ctx.time(&r.last_seen_at),
            ]
        })
        .collect();
    crate::platform::download::sheet_download(
        "外链台账",
        headers,
        rows,
        "outbound-links.xlsx",
        &format!("{}.xlsx", ctx.t("sites.outbound_title")),
    )
    .await
    .map_err(|e| fail(&user, e))
}

/// Approve the ticked domains: each checkbox is `system|domain`; `scope` is
/// `institution` (the whole institution's list) or `site` (each site's own).
async fn approve(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<Vec<(String, String)>>) -> PageResult {
    let mut note = String::new();
    let mut scope = "institution".to_owned();
    let mut picked: Vec<(i64, String)> = Vec::new();
    for (k, v) in form {
        match k.as_str() {
            "note" => note = v,
            "scope" => scope = v,
            "pick" => {
                if let Some((system, domain)) = v.split_once('|')
                    && let Ok(system) = system.parse::<i64>()
                {
                    picked.push((system, domain.to_owned()));
                }
            }
            _ => {}
        }
    }
    if picked.is_empty() {
        return Err(fail(&user, CoreError::invalid("domains", "required")));
    }
    let mut groups: BTreeMap<Option<i64>, Vec<String>> = BTreeMap::new();
    for (system, domain) in picked {
        let key = (scope == "site").then_some(system);
        let list = groups.entry(key).or_default();
        if !list.contains(&domain) {
            list.push(domain);
        }
    }
    for (system_id, domains) in groups {
        sites::allow(&s.store, &user.principal, AllowInput { domains, system_id, note: note.clone() })
            .await
            .map_err(|e| fail(&user, e))?;
    }
    Ok(Redirect::to("/sites/outbound?ok=sites.approved").into_response())
}

// ---- The allow-lists ----

#[derive(Template)]
#[template(path = "sites/allow.html")]
struct AllowPage {
    ctx: Ctx,
    entries: Vec<AllowView>,
}

async fn allow_list(State(s): State<AppState>, user: PageUser, Query(q): Query<OkQuery>) -> PageResult {
    let entries = sites::allow_list(&s.store, &user.principal).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "monitors").with_flash(q.ok.as_deref());
    render(AllowPage { ctx, entries })
}

#[derive(Deserialize)]
struct AllowForm {
    #[serde(default)]
    domains: String,
    #[serde(default)]
    note: String,
}

async fn allow_add(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<AllowForm>) -> PageResult {
    let domains: Vec<String> = form
        .domains
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，' || c == '、')
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    sites::allow(&s.store, &user.principal, AllowInput { domains, system_id: None, note: form.note })
        .await
        .map_err(|e| fail(&user, e))?;
    Ok(Redirect::to("/sites/allow?ok=sites.allow_added").into_response())
}

#[derive(Deserialize)]
struct Empty {}

async fn allow_remove(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form: Empty {} }: CsrfForm<Empty>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    sites::remove_allow(&s.store, &user.principal, id).await.map_err(|e| fail(&user, e))?;
    Ok(Redirect::to("/sites/allow?ok=sites.allow_removed").into_response())
}

// ---- 双非 and zombies ----

#[derive(Template)]
#[template(path = "sites/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    outside: Vec<OutsideView>,
    zombies: Vec<ZombieView>,
    can_decide: bool,
    decisions: [OutsideDecision; 2],
}

async fn overview(State(s): State<AppState>, user: PageUser, Query(q): Query<OkQuery>) -> PageResult {
    let outside = sites::outside(&s.store, &user.principal).await.or_page(&user)?;
    let zombies = sites::zombies(&s.store, &user.principal, None).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "monitors").with_flash(q.ok.as_deref());
    render(OverviewPage {
        ctx,
        outside,
        zombies,
        can_decide: user.principal.may(Permission::DecideEnforcement),
        decisions: [OutsideDecision::Accepted, OutsideDecision::OrderedClosed],
    })
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    back: String,
}

async fn decide(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<DecideForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let decision = OutsideDecision::parse(form.decision.trim())
        .ok_or_else(|| fail(&user, CoreError::invalid("decision", "unknown_choice")))?;
    sites::decide_outside(&s.store, &user.principal, id, OutsideInput { decision, note: form.note })
        .await
        .map_err(|e| fail(&user, e))?;
    let back = if form.back == "system" { format!("/systems/{id}") } else { "/sites".to_owned() };
    Ok(Redirect::to(&format!("{back}?ok=sites.decided")).into_response())
}
