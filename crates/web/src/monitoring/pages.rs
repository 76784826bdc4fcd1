//! Monitoring pages: the status wall of every monitored site, one site's
//! history (charts drawn here as SVG), its findings and baselines, and the
//! findings list with their evidence and diffs.

use std::collections::BTreeMap;

use crate::AppState;
use crate::monitoring::chart::{self, Point};
use crate::platform::extract::{CsrfForm, PageUser};
use crate::platform::page::{
    Ctx, OkQuery, OrPage, PageResult, Pager, fail, is_form_error, list_url, path_id, render, render_status,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::{Duration, Utc};
use serde::Deserialize;
use wangan_core::directory::service::units::{self, UnitView};
use wangan_core::monitoring::service::{
    self as monitoring, BaselineView, FindingFilter, FindingView, History, MonitorFilter, MonitorInput, MonitorPatch,
    MonitorView,
};
use wangan_core::notices::service::notices;
use wangan_core::platform::access::Permission;
use wangan_core::{CoreError, Page, PageRequest};

use axum::Router;
use axum::routing::{get, post};
use wangan_core::monitoring::{Check, FindingSeverity, WallState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/monitors", get(wall).post(create))
        .route("/monitors/{id}", get(show).post(tune))
        .route("/monitors/{id}/baseline", post(accept))
        .route("/findings", get(findings))
        .route("/findings/{id}", get(finding))
}

#[derive(Deserialize, Default)]
pub struct WallQuery {
    page: Option<u64>,
    status: Option<String>,
    unit: Option<String>,
    q: Option<String>,
    findings: Option<String>,
    ok: Option<String>,
}

#[derive(Template)]
#[template(path = "monitoring/monitors.html")]
struct WallPage {
    ctx: Ctx,
    page: Page<MonitorView>,
    pager: Pager,
    counts: Vec<(WallState, u64)>,
    status: String,
    unit: String,
    q: String,
    findings: bool,
    all_units: Vec<UnitView>,
    can_manage: bool,
    draft: NewMonitorForm,
    /// Whether pages are rendered in a browser, in a sentence.
    rendering: String,
    rendering_on: bool,
}

/// The rendered view's state in words (on this node).
async fn rendering(s: &AppState, ctx: &Ctx) -> (String, bool) {
    let Some(r) = s.checker.as_ref().and_then(|c| c.renderer.as_ref()) else {
        return (ctx.t("monitor.render_off").to_owned(), false);
    };
    let st = r.status().await;
    let mb = |b: u64| (b >> 20).to_string();
    let line = ctx.m.fmt(
        "monitor.render_on",
        &[
            ("browser", st.browser.as_deref().unwrap_or("")),
            ("tabs", &st.tabs.to_string()),
            ("pages", &st.pages.to_string()),
            ("blocked", &st.blocked.to_string()),
            ("rss", &mb(st.rss)),
            ("peak", &mb(st.peak_rss)),
        ],
    );
    (line, true)
}

#[derive(Deserialize, Default, Clone)]
pub struct NewMonitorForm {
    #[serde(default)]
    system: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    interval_s: String,
}

async fn wall_page(
    s: &AppState,
    user: &PageUser,
    q: &WallQuery,
    draft: NewMonitorForm,
) -> Result<WallPage, crate::platform::page::PageRejection> {
    let f = MonitorFilter {
        unit: q.unit.clone(),
        system: None,
        status: q.status.clone(),
        q: q.q.clone(),
        with_findings: q.findings.as_deref().map(|v| v == "true"),
    };
    let page = monitoring::list(&s.store, &user.principal, &f, PageRequest { page: q.page, per_page: Some(100) })
        .await
        .or_page(user)?;
    let counts = monitoring::status_counts(&s.store, &user.principal).await.or_page(user)?;
    let counts = WallState::ALL.iter().map(|k| (*k, counts.get(k).copied().unwrap_or(0))).collect();
    let all_units = units::all_visible(&s.store, &user.principal).await.or_page(user)?;
    let ctx = Ctx::new(s, Some(user), "monitors").with_flash(q.ok.as_deref());
    let base = list_url(
        "/monitors",
        &[
            ("status", q.status.as_deref().unwrap_or("")),
            ("unit", q.unit.as_deref().unwrap_or("")),
            ("q", q.q.as_deref().unwrap_or("")),
            ("findings", q.findings.as_deref().unwrap_or("")),
        ],
    );
    let pager = Pager::new(&ctx.m, &page, &base);
    let (rendering, rendering_on) = rendering(s, &ctx).await;
    Ok(WallPage {
        rendering,
        rendering_on,
        ctx,
        pager,
        page,
        counts,
        status: q.status.clone().unwrap_or_default(),
        unit: q.unit.clone().unwrap_or_default(),
        q: q.q.clone().unwrap_or_default(),
        findings: q.findings.as_deref() == Some("true"),
        all_units,
        can_manage: user.principal.may(Permission::ManageMonitors),
        draft,
    })
}

pub async fn wall(State(s): State<AppState>, user: PageUser, Query(q): Query<WallQuery>) -> PageResult {
    render(wall_page(&s, &user, &q, NewMonitorForm::default()).await?)
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(flatten)]
    fields: NewMonitorForm,
}

pub async fn create(State(s): State<AppState>, CsrfForm { user, form }: CsrfForm<CreateForm>) -> PageResult {
    let f = form.fields;
    let result = async {
        let ids = notices::resolve_systems(&s.store, &user.principal, std::slice::from_ref(&f.system)).await?;
        let system = *ids.first().ok_or_else(|| CoreError::invalid("system", "required"))?;
        let interval_s = match f.interval_s.trim() {
            "" => None,
            v => Some(v.parse::<i32>().map_err(|_| CoreError::invalid("interval_s", "number_format"))?),
        };
        wangan_monitor::manage::create(
            &s.store,
            &user.principal,
            MonitorInput { system, url: f.url.clone(), interval_s, ..Default::default() },
        )
        .await
    }
    .await;
    match result {
        Ok(m) => Ok(Redirect::to(&format!("/monitors/{}?ok=monitor.created", m.id)).into_response()),
        Err(e) => {
            let e = e.into();
            if !is_form_error(&e) {
                return Err(fail(&user, e));
            }
            let mut page = wall_page(&s, &user, &WallQuery::default(), f).await?;
            page.ctx = page.ctx.with_error(&e);
            render_status(e.status(), page)
        }
    }
}

/// One day's uptime, for the strip.
fn daily(
    history: &History,
    now: chrono::DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Vec<(chrono::DateTime<Utc>, Option<f64>)> {
    let today = now.with_timezone(&tz).date_naive();
    let mut by_day: BTreeMap<chrono::NaiveDate, (u64, u64)> = BTreeMap::new();
    for h in &history.hours {
        let d = h.at.with_timezone(&tz).date_naive();
        let e = by_day.entry(d).or_insert((0, 0));
        e.0 += u64::from(h.checks);
        e.1 += u64::from(h.failures);
    }
    (0..30)
        .rev()
        .filter_map(|back| {
            let d = today - Duration::days(back);
            let at = d.and_hms_opt(12, 0, 0)?.and_utc();
            let up = by_day.get(&d).filter(|(c, _)| *c > 0).map(|(c, f)| (c - f) as f64 / *c as f64);
            Some((at, up))
        })
        .collect()
}

fn percent(v: Option<f64>) -> String {
    v.map(|u| format!("{:.2}%", u * 100.0)).unwrap_or_else(|| "—".into())
}

#[derive(Template)]
#[template(path = "monitoring/monitor.html")]
struct MonitorPage {
    ctx: Ctx,
    m: MonitorView,
    open: Vec<FindingView>,
    resolved: Vec<FindingView>,
    baselines: Vec<BaselineView>,
    chart_day: String,
    chart_month: String,
    strip: String,
    uptime: [(&'static str, String); 3],
    checks: Vec<(Check, bool)>,
    can_manage: bool,
    can_accept: bool,
    exclude: String,
}

async fn monitor_page(
    s: &AppState,
    user: &PageUser,
    id: i64,
) -> Result<MonitorPage, crate::platform::page::PageRejection> {
    let who = &user.principal;
    let m = monitoring::get(&s.store, who, id).await.or_page(user)?;
    let list = |open: bool| FindingFilter { monitor: Some(id), open: Some(open), ..Default::default() };
    let open = monitoring::findings(&s.store, who, &list(true), PageRequest::new(1, 200)).await.or_page(user)?.items;
    let resolved =
        monitoring::findings(&s.store, who, &list(false), PageRequest::new(1, 20)).await.or_page(user)?.items;
    let baselines = monitoring::baselines(&s.store, who, id).await.or_page(user)?;
    let history = monitoring::history(&s.store, who, id).await.or_page(user)?;
    let tz = s.config.time_zone;
    let now = s.store.now();
    let day: Vec<Point> =
        history.day.iter().map(|p| Point { at: p.at, latency_ms: p.latency_ms, failed: p.failures > 0 }).collect();
    let month: Vec<Point> = history
        .hours
        .iter()
        .map(|p| Point { at: p.at, latency_ms: p.latency_ms, failed: p.failures > 0 && p.failures == p.checks })
        .collect();
    let ctx = Ctx::new(s, Some(user), "monitors");
    let checks = Check::ALL.iter().map(|c| (*c, m.checks.contains(c))).collect();
    Ok(MonitorPage {
        chart_day: chart::latency(&day, now - Duration::hours(24), now, tz, "%H:%M"),
        chart_month: chart::latency(&month, now - Duration::days(30), now, tz, "%m-%d"),
        strip: chart::uptime_strip(&daily(&history, now, tz), tz),
        uptime: [
            ("monitor.uptime_24h", percent(history.uptime_24h)),
            ("monitor.uptime_7d", percent(history.uptime_7d)),
            ("monitor.uptime_30d", percent(history.uptime_30d)),
        ],
        checks,
        can_manage: m.actions.manage,
        can_accept: m.actions.accept_baseline,
        exclude: m.exclude.join("\n"),
        ctx,
        m,
        open,
        resolved,
        baselines,
    })
}

pub async fn show(
    State(s): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Query(q): Query<OkQuery>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let mut page = monitor_page(&s, &user, id).await?;
    page.ctx = page.ctx.with_flash(q.ok.as_deref());
    render(page)
}

#[derive(Deserialize, Default)]
pub struct TuneForm {
    #[serde(default)]
    interval_s: String,
    #[serde(default)]
    timeout_s: String,
    #[serde(default)]
    tamper_percent: String,
    #[serde(default)]
    exclude: String,
    paused: Option<String>,
    check_availability: Option<String>,
    check_tamper: Option<String>,
    check_hidden_links: Option<String>,
    check_certificate: Option<String>,
    check_headers: Option<String>,
    check_icp: Option<String>,
    check_exposure: Option<String>,
    check_views: Option<String>,
    check_crawl: Option<String>,
    #[serde(default)]
    crawl_pages: String,
}

fn number(field: &str, raw: &str) -> Result<Option<i32>, CoreError> {
    match raw.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| CoreError::invalid(field, "number_format")),
    }
}

pub async fn tune(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<TuneForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    let result = async {
        let picked = [
            (Check::Availability, &form.check_availability),
            (Check::Tamper, &form.check_tamper),
            (Check::HiddenLinks, &form.check_hidden_links),
            (Check::Certificate, &form.check_certificate),
            (Check::Headers, &form.check_headers),
            (Check::Icp, &form.check_icp),
            (Check::Exposure, &form.check_exposure),
            (Check::Views, &form.check_views),
            (Check::Crawl, &form.check_crawl),
        ];
        let patch = MonitorPatch {
            interval_s: number("interval_s", &form.interval_s)?,
            timeout_s: number("timeout_s", &form.timeout_s)?,
            tamper_percent: number("tamper_percent", &form.tamper_percent)?,
            checks: Some(picked.iter().filter(|(_, v)| v.is_some()).map(|(c, _)| c.as_str().to_owned()).collect()),
            exclude: Some(crate::platform::form::lines(&form.exclude)),
            paused: Some(form.paused.is_some()),
            crawl_pages: number("crawl_pages", &form.crawl_pages)?,
        };
        wangan_monitor::manage::update(&s.store, &user.principal, id, patch).await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/monitors/{id}?ok=monitor.saved")).into_response()),
        Err(e) => {
            let e = e.into();
            if !is_form_error(&e) {
                return Err(fail(&user, e));
            }
            let mut page = monitor_page(&s, &user, id).await?;
            page.ctx = page.ctx.with_error(&e);
            page.exclude = form.exclude.clone();
            render_status(e.status(), page)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct AcceptForm {
    #[serde(default)]
    note: String,
}

pub async fn accept(
    State(s): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { user, form }: CsrfForm<AcceptForm>,
) -> PageResult {
    let id = path_id(&id, &user)?;
    match wangan_monitor::manage::accept_current(&s.store, s.checker.as_ref(), &user.principal, id, &form.note).await {
        Ok(_) => Ok(Redirect::to(&format!("/monitors/{id}?ok=monitor.accepted")).into_response()),
        Err(e) => {
            let e = e.into();
            if !is_form_error(&e) {
                return Err(fail(&user, e));
            }
            let mut page = monitor_page(&s, &user, id).await?;
            page.ctx = page.ctx.with_error(&e);
            render_status(StatusCode::CONFLICT, page)
        }
    }
}

#[derive(Deserialize, Default)]
pub struct FindingsQuery {
    page: Option<u64>,
    check: Option<String>,
    severity: Option<String>,
    open: Option<String>,
    unit: Option<String>,
}

#[derive(Template)]
#[template(path = "monitoring/findings.html")]
struct FindingsPage {
    ctx: Ctx,
    page: Page<FindingView>,
    pager: Pager,
    checks: &'static [Check],
    severities: Vec<FindingSeverity>,
    check: String,
    severity: String,
    open: String,
    unit: String,
    all_units: Vec<UnitView>,
}

pub async fn findings(State(s): State<AppState>, user: PageUser, Query(q): Query<FindingsQuery>) -> PageResult {
    let open = q.open.clone().unwrap_or_else(|| "true".into());
    let f = FindingFilter {
        check: q.check.clone(),
        severity: q.severity.clone(),
        open: match open.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        unit: q.unit.clone(),
        ..Default::default()
    };
    let page = monitoring::findings(&s.store, &user.principal, &f, PageRequest { page: q.page, per_page: Some(50) })
        .await
        .or_page(&user)?;
    let all_units = units::all_visible(&s.store, &user.principal).await.or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "monitors");
    let base = list_url(
        "/findings",
        &[
            ("check", q.check.as_deref().unwrap_or("")),
            ("severity", q.severity.as_deref().unwrap_or("")),
            ("open", &open),
            ("unit", q.unit.as_deref().unwrap_or("")),
        ],
    );
    let pager = Pager::new(&ctx.m, &page, &base);
    render(FindingsPage {
        ctx,
        pager,
        page,
        checks: Check::ALL,
        severities: FindingSeverity::ALL.iter().rev().copied().collect(),
        check: q.check.unwrap_or_default(),
        severity: q.severity.unwrap_or_default(),
        open,
        unit: q.unit.unwrap_or_default(),
        all_units,
    })
}

/// Evidence as a person reads it.
struct Evidence {
    added: Vec<String>,
    removed: Vec<String>,
    new_scripts: Vec<String>,
    new_iframes: Vec<String>,
    links: Vec<String>,
    words: Vec<String>,
    text: String,
    /// What a person sees and what a spider (or search visitor, or phone) saw.
    views: Option<[ViewSide; 2]>,
    /// What only the view got, in a few words each.
    only: Vec<String>,
    /// What a script wrote, decoded, and the layers it was hidden in.
    decoded: String,
    layers: Vec<String>,
    facts: Vec<(String, String)>,
    raw: String,
}

/// One side of a views finding.
struct ViewSide {
    label: String,
    status: String,
    final_url: String,
    title: String,
    text: String,
}

fn view_side(v: &serde_json::Value) -> Option<ViewSide> {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    v.is_object().then(|| ViewSide {
        label: s("label"),
        status: v["status"].as_u64().map(|n| n.to_string()).unwrap_or_default(),
        final_url: s("final_url"),
        title: s("title"),
        text: s("text"),
    })
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned).or_else(|| x["word"].as_str().map(str::to_owned)))
                .collect()
        })
        .unwrap_or_default()
}

fn evidence(v: &serde_json::Value) -> Evidence {
    let mut facts = Vec::new();
    if let Some(o) = v.as_object() {
        for (k, x) in o {
            let shown = match x {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => {
                    if k.ends_with("_change") {
                        n.as_f64().map(|f| format!("{:.1}%", f * 100.0)).unwrap_or_default()
                    } else {
                        n.to_string()
                    }
                }
                serde_json::Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            if k == "decoded" || k == "kind" {
                continue;
            }
            facts.push((k.clone(), shown));
        }
        // The rendered view: how long the render took, what it asked, what the policy refused.
        let r = &v["rendered"];
        if r.is_object() {
            for (key, x) in [("render_ms", &r["elapsed_ms"]), ("render_requests", &r["requests"])] {
                if let Some(n) = x.as_u64() {
                    facts.push((key.to_owned(), n.to_string()));
                }
            }
            let blocked = strings(&r["blocked"]);
            if !blocked.is_empty() {
                facts.push(("render_blocked".to_owned(), blocked.join(" ")));
            }
        }
    }
    Evidence {
        added: strings(&v["added_text"]),
        removed: strings(&v["removed_text"]),
        new_scripts: strings(&v["new_scripts"]),
        new_iframes: strings(&v["new_iframes"]),
        links: strings(&v["links"]),
        words: strings(&v["words"]),
        text: v["text"].as_str().unwrap_or_default().to_owned(),
        views: view_side(&v["plain"]).zip(view_side(&v["seen"])).map(|(a, b)| [a, b]),
        only: strings(&v["what"]),
        decoded: v["decoded"].as_str().or_else(|| v["script"]["decoded"].as_str()).unwrap_or_default().to_owned(),
        layers: strings(if v["layers"].is_array() { &v["layers"] } else { &v["script"]["layers"] }),
        facts,
        raw: serde_json::to_string_pretty(v).unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "monitoring/finding.html")]
struct FindingPage {
    ctx: Ctx,
    f: FindingView,
    ev: Evidence,
}

pub async fn finding(State(s): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, &user)?;
    let f = monitoring::finding(&s.store, &user.principal, id).await.or_page(&user)?;
    let ev = evidence(&f.evidence);
    render(FindingPage { ctx: Ctx::new(&s, Some(&user), "monitors"), f, ev })
}

#[cfg(test)]
mod tests {
    use super::evidence;

    #[test]
    fn a_views_finding_shows_both_sides_and_a_script_finding_its_decoding() {
        let v = serde_json::json!({
            "view": "spider:baiduspider", "distance": 21,
            "plain": {"label": "普通访问", "status": 200, "final_url": "http://www.univ.example/", "title": "化学学院", "text": "学院新闻"},
            "seen": {"label": "Baiduspider", "status": 200, "final_url": "http://www.univ.example/", "title": "澳门赌场", "text": "百家乐"},
        });
        let ev = evidence(&v);
        let [plain, seen] = ev.views.expect("both sides");
        assert_eq!((plain.title.as_str(), seen.title.as_str()), ("化学学院", "澳门赌场"));
        assert_eq!((plain.status.as_str(), seen.label.as_str()), ("200", "Baiduspider"));
        assert!(ev.facts.iter().any(|(k, v)| k == "distance" && v == "21"));

        let ev = evidence(
            &serde_json::json!({"domain": "bet.example", "script": {"decoded": "<a href=x>", "layers": ["atob", "eval"]}}),
        );
        assert!(ev.views.is_none());
        assert_eq!(ev.decoded, "<a href=x>");
        assert_eq!(ev.layers, ["atob", "eval"]);

        let ev = evidence(&serde_json::json!({
            "view": "rendered", "rendered": {"elapsed_ms": 640, "requests": 7, "blocked": ["http://10.0.0.1/x.js"]},
        }));
        assert!(ev.facts.iter().any(|(k, v)| k == "render_ms" && v == "640"));
        assert!(ev.facts.iter().any(|(k, v)| k == "render_blocked" && v == "http://10.0.0.1/x.js"));
    }
}
