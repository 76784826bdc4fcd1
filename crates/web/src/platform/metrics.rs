//! A few Prometheus counters, kept in atomics (no registry needed for this
//! many), and requests and their latency by route; the access log's line
//! is written here too, where each request is timed.

use crate::AppState;
use crate::platform::access_log::{Line, UserSlot, request_id};
use axum::extract::MatchedPath;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug, Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    duration_micros: AtomicU64,
    in_flight: AtomicU64,
    /// By (method, route template).
    routes: Mutex<BTreeMap<(String, String), RouteStat>>,
}

/// The histogram's upper bounds, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default, Clone)]
struct RouteStat {
    by_class: [u64; 5],
    /// Requests at or under each bound (not cumulative here; summed when shown).
    buckets: [u64; BUCKETS.len()],
    sum_seconds: f64,
    count: u64,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, class: usize, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else { return };
        let stat = routes.entry((method.to_owned(), route.to_owned())).or_default();
        stat.by_class[class] += 1;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            stat.buckets[i] += 1;
        }
        stat.sum_seconds += seconds;
        stat.count += 1;
    }
}

pub async fn track(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let m = &state.metrics;
    m.in_flight.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    // The template, never the path as sent (ids, and no query string ever).
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "-".into());
    let client = crate::platform::extract::ClientAddr::of(req.extensions(), req.headers(), &state).0;
    let slot = UserSlot::default();
    req.extensions_mut().insert(slot.clone());
    let id = request_id();
    let mut res = next.run(req).await;
    let status = res.status().as_u16();
    let class = (status / 100).clamp(1, 5) as usize - 1;
    let elapsed = start.elapsed();
    m.by_class[class].fetch_add(1, Ordering::Relaxed);
    m.duration_micros.fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
    m.in_flight.fetch_sub(1, Ordering::Relaxed);
    m.record(&method, &route, class, elapsed.as_secs_f64());
    if let Some(log) = &state.config.access_log {
        log.write(&Line {
            time: state.store.now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            request_id: &id,
            client: client.map(|c| c.to_string()),
            user: slot.0.get().map(String::as_str),
            method: &method,
            route: &route,
            status,
            duration_ms: (elapsed.as_secs_f64() * 1e6).round() / 1e3,
        });
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

pub async fn render(State(state): State<AppState>, headers: axum::http::HeaderMap) -> axum::response::Response {
    if let Some(expected) = state.config.metrics_token.as_deref() {
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !wangan_core::platform::secret::same(given.trim(), expected) {
            return (
                axum::http::StatusCode::UNAUTHORIZED,
                [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
                "a bearer token is required\n",
            )
                .into_response();
        }
    }
    let m = &state.metrics;
    let mut out = String::from(
        "# HELP wangan_http_requests_total HTTP requests served, by status class.\n# TYPE wangan_http_requests_total counter\n",
    );
    let mut total = 0;
    for (i, c) in m.by_class.iter().enumerate() {
        let n = c.load(Ordering::Relaxed);
        total += n;
        out.push_str(&format!("wangan_http_requests_total{{class=\"{}xx\"}} {n}\n", i + 1));
    }
    let secs = m.duration_micros.load(Ordering::Relaxed) as f64 / 1e6;
    out.push_str("# HELP wangan_http_request_duration_seconds Time spent serving HTTP requests.\n");
    out.push_str("# TYPE wangan_http_request_duration_seconds summary\n");
    out.push_str(&format!("wangan_http_request_duration_seconds_sum {secs}\n"));
    out.push_str(&format!("wangan_http_request_duration_seconds_count {total}\n"));
    out.push_str("# HELP wangan_http_requests_in_flight Requests being served now.\n# TYPE wangan_http_requests_in_flight gauge\n");
    out.push_str(&format!("wangan_http_requests_in_flight {}\n", m.in_flight.load(Ordering::Relaxed)));
    render_routes(m, &mut out);
    // The monitoring engine on this node: checks, how many the content memo kept, what they changed.
    if let Some(s) = &state.monitor_stats {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        out.push_str("# HELP wangan_monitor_checks_total Monitor checks recorded by this node, and those whose page was the last check's byte for byte (not analysed again).\n# TYPE wangan_monitor_checks_total counter\n");
        out.push_str(&format!(
            "wangan_monitor_checks_total{{page=\"analysed_or_none\"}} {}\n",
            n(&s.checks).saturating_sub(n(&s.reused))
        ));
        out.push_str(&format!("wangan_monitor_checks_total{{page=\"unchanged\"}} {}\n", n(&s.reused)));
        out.push_str("# HELP wangan_monitor_findings_total Findings opened and resolved by this node's checks.\n# TYPE wangan_monitor_findings_total counter\n");
        out.push_str(&format!("wangan_monitor_findings_total{{change=\"opened\"}} {}\n", n(&s.opened)));
        out.push_str(&format!("wangan_monitor_findings_total{{change=\"resolved\"}} {}\n", n(&s.resolved)));
        out.push_str("# HELP wangan_monitor_notices_total Notices opened from this node's findings.\n# TYPE wangan_monitor_notices_total counter\n");
        out.push_str(&format!("wangan_monitor_notices_total {}\n", n(&s.notices)));
        out.push_str("# HELP wangan_monitor_store_seconds_total Time this node spent claiming due monitors and recording results.\n# TYPE wangan_monitor_store_seconds_total counter\n");
        out.push_str(&format!(
            "wangan_monitor_store_seconds_total{{step=\"claim\"}} {}\n",
            n(&s.claim_us) as f64 / 1e6
        ));
        out.push_str(&format!(
            "wangan_monitor_store_seconds_total{{step=\"record\"}} {}\n",
            n(&s.record_us) as f64 / 1e6
        ));
    }
    // The rendered view's browser: on or off, pages, and its memory.
    let render = match state.checker.as_ref().and_then(|c| c.renderer.as_ref()) {
        Some(r) => r.status().await,
        None => wangan_monitor::render::RenderStatus::default(),
    };
    out.push_str("# HELP wangan_render_enabled Whether pages are rendered in headless Chromium on this node.\n# TYPE wangan_render_enabled gauge\n");
    out.push_str(&format!("wangan_render_enabled {}\n", u8::from(render.enabled)));
    out.push_str("# HELP wangan_render_pages_total Pages rendered, and renders that failed.\n# TYPE wangan_render_pages_total counter\n");
    out.push_str(&format!("wangan_render_pages_total{{result=\"ok\"}} {}\n", render.pages));
    out.push_str(&format!("wangan_render_pages_total{{result=\"failed\"}} {}\n", render.failures));
    out.push_str("# HELP wangan_render_blocked_total Browser requests refused by the network policy.\n# TYPE wangan_render_blocked_total counter\n");
    out.push_str(&format!("wangan_render_blocked_total {}\n", render.blocked));
    out.push_str("# HELP wangan_render_rss_bytes Resident memory of the browser's processes (now, and the peak).\n# TYPE wangan_render_rss_bytes gauge\n");
    out.push_str(&format!("wangan_render_rss_bytes{{at=\"now\"}} {}\n", render.rss));
    out.push_str(&format!("wangan_render_rss_bytes{{at=\"peak\"}} {}\n", render.peak_rss));
    // The outbox, so a dead channel shows on the operators' board, not only on /deliveries.
    if let Ok(counts) = wangan_core::notify::service::outbox_counts(&state.store).await {
        out.push_str("# HELP wangan_notifications Notification messages in the outbox, by status.\n");
        out.push_str("# TYPE wangan_notifications gauge\n");
        for status in wangan_core::notify::DeliveryStatus::ALL {
            out.push_str(&format!(
                "wangan_notifications{{status=\"{status}\"}} {}\n",
                counts.get(status).copied().unwrap_or(0)
            ));
        }
    }
    // The audit chain's head, to compare with the anchor file and across scrapes.
    if let Ok(Some(head)) = wangan_core::platform::audit::head(state.store.db()).await {
        out.push_str("# HELP wangan_audit_head_seq Sequence number of the newest audit entry.\n");
        out.push_str("# TYPE wangan_audit_head_seq gauge\n");
        out.push_str(&format!("wangan_audit_head_seq {}\n", head.0));
    }
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

/// Requests and latency by route (method and template).
fn render_routes(m: &Metrics, out: &mut String) {
    let routes = match m.routes.lock() {
        Ok(r) => r.clone(),
        Err(_) => return,
    };
    let escape = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    out.push_str("# HELP wangan_http_route_requests_total HTTP requests by route and status class.\n# TYPE wangan_http_route_requests_total counter\n");
    for ((method, route), stat) in &routes {
        for (i, n) in stat.by_class.iter().enumerate().filter(|(_, n)| **n > 0) {
            out.push_str(&format!(
                "wangan_http_route_requests_total{{method=\"{method}\",route=\"{}\",class=\"{}xx\"}} {n}\n",
                escape(route),
                i + 1
            ));
        }
    }
    out.push_str("# HELP wangan_http_route_duration_seconds Time to answer, by route.\n# TYPE wangan_http_route_duration_seconds histogram\n");
    for ((method, route), stat) in &routes {
        let labels = format!("method=\"{method}\",route=\"{}\"", escape(route));
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(stat.buckets.iter()) {
            cumulative += n;
            out.push_str(&format!(
                "wangan_http_route_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}\n"
            ));
        }
        out.push_str(&format!("wangan_http_route_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n", stat.count));
        out.push_str(&format!("wangan_http_route_duration_seconds_sum{{{labels}}} {}\n", stat.sum_seconds));
        out.push_str(&format!("wangan_http_route_duration_seconds_count{{{labels}}} {}\n", stat.count));
    }
}
