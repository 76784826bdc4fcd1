//! A few Prometheus counters, kept in atomics (no registry needed for this many).

use crate::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

#[derive(Debug, Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    duration_micros: AtomicU64,
    in_flight: AtomicU64,
}

pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let m = &state.metrics;
    m.in_flight.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let res = next.run(req).await;
    let class = (res.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    m.by_class[class].fetch_add(1, Ordering::Relaxed);
    m.duration_micros.fetch_add(start.elapsed().as_micros() as u64, Ordering::Relaxed);
    m.in_flight.fetch_sub(1, Ordering::Relaxed);
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
