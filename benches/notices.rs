//! Benchmark of notices and rectifications (issue 4), SQLite:
//!  - one pass of the escalation job over 100,000 open rectifications   (< 2 s)
//!  - the rectification list over HTTP, page 1 with one filter each    (p99 < 50 ms)
//!  - one rectification report as .docx                                 (< 50 ms)
//!  - the delivery worker, webhooks to a local receiver                 (≥ 500 messages/s)
//!
//! Run: `bash bench/notices.sh` (or `cargo bench --bench notices`).

// A benchmark: its figures are what it prints.
#![allow(clippy::print_stdout)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use std::sync::Arc;
use std::time::Instant;
use wangan_core::accounts::service as accounts;
use wangan_core::notices::RectificationStatus;
use wangan_core::notices::entity::notice;
use wangan_core::notices::entity::rectification;
use wangan_core::notices::service::escalation;
use wangan_core::notices::service::rectifications;
use wangan_core::notify::service as notify;
use wangan_core::registry::entity::system;
use wangan_core::{FixedClock, Principal, Store};

const RECTIFICATIONS: usize = 100_000;
const SYSTEMS: usize = 2_000;

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    wangan_notify::install_crypto();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(t0));
    let dir = std::env::temp_dir().join(format!("wangan-bench-notices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect_with_clock(&wangan_core::platform::store::sqlite_url(&dir), 8, clock.clone())
        .await
        .unwrap()
        .with_attachments(dir.join("attachments"));
    store.migrate().await.unwrap();
    wangan_core::demo::seed(&store).await.unwrap();
    let sys = Principal::system("bench");
    let db = store.db();

    // 2,000 systems over the demo's 16 units, 50 notices × 2,000 systems = 100,000 open rectifications,
    // assigned at t0, deadlines spread over 1–15 days.
    let started = Instant::now();
    let units: Vec<i64> =
        wangan_core::directory::entity::unit::Entity::find().all(db).await.unwrap().iter().map(|u| u.id).collect();
    let template = system::Entity::find().one(db).await.unwrap().unwrap();
    let mut batch = Vec::new();
    for i in 0..SYSTEMS {
        let mut m: system::ActiveModel = template.clone().into();
        m = m.reset_all();
        m.id = sea_orm::ActiveValue::NotSet;
        m.name = Set(format!("压测系统{i:04}"));
        m.unit_id = Set(units[i % units.len()]);
        m.urls = Set(format!("https://s{i}.bench.university.example/"));
        batch.push(m);
        if batch.len() == 500 {
            system::Entity::insert_many(std::mem::take(&mut batch)).exec(db).await.unwrap();
        }
    }
    let systems: Vec<(i64, i64)> = system::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.name.starts_with("压测系统"))
        .map(|s| (s.id, s.unit_id))
        .collect();
    let ladder = store.notice_policy().ladder.clone();
    let severities = wangan_core::notices::Severity::ALL;
    let per_notice = RECTIFICATIONS / SYSTEMS;
    for n in 0..per_notice {
        let severity = severities[n % 4];
        let deadline = t0 + Duration::days(1 + (n % 15) as i64);
        let nm = notice::Entity::insert(notice::ActiveModel {
            source: Set(wangan_core::notices::NoticeSource::Edusrc),
            reference: Set(format!("BENCH-{n}")),
            received_at: Set(t0),
            title: Set(format!("压测通报 {n}")),
            vuln_type: Set("SQL 注入".into()),
            severity: Set(severity),
            description: Set(String::new()),
            deadline: Set(deadline),
            status: Set(wangan_core::notices::NoticeStatus::Open),
            created_by: Set(None),
            created_at: Set(t0),
            updated_at: Set(t0),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap()
        .last_insert_id;
        let rows: Vec<rectification::ActiveModel> = systems
            .iter()
            .map(|(sid, uid)| rectification::ActiveModel {
                notice_id: Set(nm),
                system_id: Set(*sid),
                unit_id: Set(*uid),
                severity: Set(severity),
                status: Set(if sid % 3 == 0 { RectificationStatus::InProgress } else { RectificationStatus::Assigned }),
                assigned_at: Set(t0),
                deadline: Set(deadline),
                escalation_step: Set(0),
                next_escalation_at: Set(ladder.next_at(0, t0, deadline)),
                report_vulnerability: Set(String::new()),
                report_cause: Set(String::new()),
                report_measures: Set(String::new()),
                report_verification: Set(String::new()),
                report_remaining_risk: Set(String::new()),
                report_submitted_at: Set(None),
                report_submitted_by: Set(String::new()),
                approved_at: Set(None),
                approved_by: Set(String::new()),
                reviewed_at: Set(None),
                reviewed_by: Set(String::new()),
                review_comment: Set(String::new()),
                closed_at: Set(None),
                created_at: Set(t0),
                updated_at: Set(t0),
                ..Default::default()
            })
            .collect();
        for chunk in rows.chunks(500) {
            rectification::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
        }
    }
    store.analyze().await.unwrap();
    println!("setup: {RECTIFICATIONS} open rectifications in {:.1} s", started.elapsed().as_secs_f64());

    // Escalation: a quiet pass (nothing due), a typical one, and the worst case where every
    // rectification takes a rung in the same pass (each: a rung, an audit entry, messages).
    let timed = |label: &'static str| {
        let store = store.clone();
        async move {
            let s = Instant::now();
            let r = escalation::run_once(&store).await.unwrap();
            let secs = s.elapsed().as_secs_f64();
            println!("escalation pass ({label}): {} steps, {} messages in {secs:.2} s", r.steps(), r.messages);
            (r, secs)
        }
    };
    timed("nothing due").await;
    // Half a day on: the 50 % reminders of the 1-day deadlines (one notice in fifteen) fall due together.
    clock.advance(Duration::hours(13));
    let (_, typical_secs) = timed("one deadline group's reminders due").await;
    // Twenty days on (the job stopped meanwhile): every deadline and grace period is past and every one
    // of the 100,000 takes its last rung at once — shutdown orders, violations and all.
    clock.advance(Duration::days(20));
    let (worst, worst_secs) = timed("all 100,000 due at once").await;
    assert!(worst.steps() >= RECTIFICATIONS, "the demo's own open rectifications step too");

    // The list over HTTP.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = wangan_web::AppState::new(store.clone(), wangan_web::WebConfig::default());
    tokio::spawn(async move {
        let _ = wangan_web::serve(listener, state, std::future::pending::<()>()).await;
    });
    let token = accounts::create_token(&store, None, "officer", "bench").await.unwrap();
    let client = reqwest::Client::new();
    let filters = [
        "",
        "?unit=cs",
        "?status=in_progress",
        "?severity=critical",
        "?overdue=true",
        "?notice=7",
        "?open=true",
        "?unit=ee&page=3",
    ];
    let mut lat = Vec::new();
    for round in 0..40 {
        for f in filters {
            let s = Instant::now();
            let r =
                client.get(format!("http://{addr}/api/v1/rectifications{f}")).bearer_auth(&token).send().await.unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
            if round > 0 {
                lat.push(s.elapsed().as_secs_f64() * 1000.0);
            }
        }
    }
    let list_p99 = pct(lat.clone(), 0.99);
    println!(
        "rectification list over HTTP: p50 {:.1} ms, p99 {list_p99:.1} ms ({} requests)",
        pct(lat.clone(), 0.5),
        lat.len()
    );

    // One report as .docx.
    let id = rectifications::list(&store, &sys, &Default::default(), wangan_core::PageRequest::new(1, 1))
        .await
        .unwrap()
        .items[0]
        .id;
    let mut docx = Vec::new();
    for _ in 0..100 {
        let s = Instant::now();
        let (_, bytes) = rectifications::report_docx(&store, &sys, id).await.unwrap();
        assert!(bytes.len() > 1000);
        docx.push(s.elapsed().as_secs_f64() * 1000.0);
    }
    let docx_p99 = pct(docx.clone(), 0.99);
    println!("report .docx: p50 {:.1} ms, p99 {docx_p99:.1} ms", pct(docx, 0.5));

    // Delivery: drop what the passes queued (emails to *.example), queue 5,000 webhook messages.
    use sea_orm::{ColumnTrait, QueryFilter};
    wangan_core::notify::entity::outbox::Entity::update_many()
        .col_expr(
            wangan_core::notify::entity::outbox::Column::Status,
            sea_orm::sea_query::Expr::value(wangan_core::notify::DeliveryStatus::Failed),
        )
        .filter(wangan_core::notify::entity::outbox::Column::Status.eq(wangan_core::notify::DeliveryStatus::Queued))
        .exec(db)
        .await
        .unwrap();
    let receiver = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let raddr = receiver.local_addr().unwrap();
    let app = axum::Router::new().fallback(|| async { r#"{"errcode":0,"errmsg":"ok"}"# });
    tokio::spawn(async move {
        let _ = axum::serve(receiver, app).await;
    });
    notify::add_channel(
        &store,
        &sys,
        serde_json::from_value(serde_json::json!({"owner_kind": "center", "kind": "webhook",
            "target": format!("http://{raddr}/hook"), "secret": "bench"}))
        .unwrap(),
    )
    .await
    .unwrap();
    let mut outbox = notify::Outbox::new();
    let txn = store.begin_write().await.unwrap();
    let msg = wangan_core::notify::texts::Message::new("bench", "/rectifications/1", |_| {
        ("【压测】通知".into(), "单位：压测\n系统：压测系统".into())
    });
    const MESSAGES: usize = 5_000;
    for _ in 0..MESSAGES {
        outbox.add(&*txn, store.now(), None, &[wangan_core::notify::Audience::Center], &msg).await.unwrap();
    }
    outbox.flush(&*txn).await.unwrap();
    txn.commit().await.unwrap();
    let sender = wangan_notify::Sender::new(&wangan_notify::DeliveryConfig {
        network: wangan_core::platform::netpolicy::NetPolicy::loopback(),
        ..Default::default()
    })
    .unwrap();
    let retry = wangan_core::notify::RetryPolicy::default();
    let s = Instant::now();
    let mut sent = 0;
    while sent < MESSAGES {
        let r = wangan_notify::deliver_once(&store, &sender, &retry, 200).await.unwrap();
        assert_eq!(r.failed_attempts, 0);
        if r.sent == 0 {
            break;
        }
        sent += r.sent;
    }
    let rate = sent as f64 / s.elapsed().as_secs_f64();
    println!("delivery: {sent} webhook messages in {:.2} s: {rate:.0} messages/s", s.elapsed().as_secs_f64());

    let _ = std::fs::remove_dir_all(&dir);
    println!("(reported, no target) escalation pass with every one of the 100,000 due at once: {worst_secs:.2} s");
    let checks = [
        ("escalation pass over 100,000 open, a deadline group due (s)", typical_secs, 2.0, true),
        ("rectification list p99 (ms)", list_p99, 50.0, true),
        ("report .docx p99 (ms)", docx_p99, 50.0, true),
        ("delivery rate (messages/s)", rate, 500.0, false),
    ];
    let mut failed = false;
    for (name, value, target, below) in checks {
        let ok = if below { value < target } else { value >= target };
        failed |= !ok;
        println!(
            "{} {name}: {value:.2} (target {} {target})",
            if ok { "PASS" } else { "MISS" },
            if below { "<" } else { "≥" }
        );
    }
    if failed {
        std::process::exit(1);
    }
}
