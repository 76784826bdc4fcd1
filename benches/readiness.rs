//! Benchmark of readiness (issue 16), SQLite, release build. Generates a
//! university of 200 units and 20,000 systems (one in ten important) with
//! sixty days of duty history and the coming two weeks' rosters (half the
//! units keep their own, the center covers the rest), 2,000 incidents of the
//! past year (40 open, each with its steps and timeline), 5,000 past alerts,
//! and a key period under way for every unit with a week of daily reports.
//! Measures in the process:
//!  - "who is on duty now" for every important system       (p99 < 5 ms)
//!  - the incident list, an incident, the coverage, a key period (p99, for information)
//!
//! and leaves the data directory for `bench/readiness.sh`, which serves it
//! and measures the pages and the API over HTTP.
//!
//! Run: `bash bench/readiness.sh` (or `cargo bench --bench readiness -- DIR`).

// A benchmark: its figures are what it prints.
#![allow(clippy::print_stdout)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait};
use std::time::Instant;
use wangan_core::directory::entity::{person, unit};
use wangan_core::duty::entity::{duty_alert, duty_shift};
use wangan_core::duty::{AlertRung, AlertState};
use wangan_core::incidents::entity::{incident, incident_event, incident_step, incident_system};
use wangan_core::incidents::{EventKind, IncidentGrade, IncidentKind, IncidentSource, IncidentState, IncidentStep};
use wangan_core::key_periods::entity::{key_period, key_period_report, key_period_unit};
use wangan_core::registry::entity::system;
use wangan_core::registry::{FilingStatus, Hosting, Stage, SystemKind};
use wangan_core::{PageRequest, Principal, Store};

const UNITS: usize = 200;
const SYSTEMS: usize = 20_000;
const INCIDENTS: usize = 2_000;

async fn insert<E, A>(db: &sea_orm::DatabaseConnection, rows: Vec<A>, chunk: usize)
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Clone + Send,
{
    for c in rows.chunks(chunk) {
        E::insert_many(c.to_vec()).exec_without_returning(db).await.unwrap();
    }
}

fn n_important_expected() -> usize {
    SYSTEMS / 10
}

fn p99(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[(v.len() * 99 / 100).min(v.len() - 1)]
}

fn p50(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join(format!("wangan-bench-readiness-{}", std::process::id())));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect(&wangan_core::platform::store::sqlite_url(&dir), 8)
        .await
        .unwrap()
        .with_attachments(dir.join("attachments"));
    store.migrate().await.unwrap();
    let db = store.db();
    let now = Utc::now();
    let started = Instant::now();

    insert(
        db,
        (0..UNITS)
            .map(|i| unit::ActiveModel {
                code: Set(format!("u{i:03}")),
                name: Set(format!("压测单位{i:03}")),
                name_en: Set(String::new()),
                kind: Set(wangan_core::directory::service::units::UnitKind::College),
                parent_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .collect(),
        200,
    )
    .await;
    let unit_ids: Vec<i64> = unit::Entity::find().all(db).await.unwrap().iter().map(|u| u.id).collect();
    insert(
        db,
        unit_ids
            .iter()
            .flat_map(|u| {
                (0..3).map(move |k| person::ActiveModel {
                    unit_id: Set(*u),
                    name: Set(format!("值班员{u}-{k}")),
                    title: Set(String::new()),
                    phone: Set(format!("1390000{u:04}")),
                    email: Set(String::new()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                })
            })
            .collect(),
        300,
    )
    .await;
    let people: Vec<(i64, i64)> =
        person::Entity::find().all(db).await.unwrap().iter().map(|p| (p.unit_id, p.id)).collect();
    let of_unit = |u: i64, k: usize| people.iter().filter(|p| p.0 == u).nth(k % 3).map(|p| p.1).unwrap();

    let stages = [Stage::Planned, Stage::Building, Stage::Online, Stage::Online, Stage::Online, Stage::Offline];
    let rows: Vec<system::ActiveModel> = (0..SYSTEMS)
        .map(|i| system::ActiveModel {
            unit_id: Set(unit_ids[i % UNITS]),
            name: Set(format!("业务系统{i:05}")),
            kind: Set(if i % 3 == 0 { SystemKind::Website } else { SystemKind::Application }),
            urls: Set(format!("https://s{i}.bench.university.example/")),
            ips: Set(String::new()),
            internet_facing: Set(i % 2 == 0),
            important: Set(i % 10 == 0),
            operator_unit_id: Set(None),
            operator_vendor: Set(String::new()),
            operator_contact: Set(String::new()),
            users: Set(String::new()),
            hosting: Set(Hosting::Campus),
            tags: Set(if i % 100 == 0 { "cii".into() } else { String::new() }),
            notes: Set(String::new()),
            stage: Set(stages[i % stages.len()]),
            stage_before_shutdown: Set(None),
            filing_status: Set(FilingStatus::Filed),
            public_security_no: Set(format!("1101080{i:07}")),
            icp_no: Set(String::new()),
            filed_on: Set(None),
            mlps_level: Set(Some(2)),
            mlps_graded_on: Set(None),
            mlps_filing_no: Set(String::new()),
            mlps_filed_on: Set(None),
            evaluation_due_on: Set(None),
            went_online_on: Set(None),
            mlps_filing_due_on: Set(None),
            reminded_on: Set(None),
            override_note: Set(String::new()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .collect();
    insert(db, rows, 400).await;
    let system_ids: Vec<(i64, i64)> = {
        use sea_orm::QuerySelect;
        system::Entity::find()
            .select_only()
            .columns([system::Column::Id, system::Column::UnitId])
            .into_tuple()
            .all(db)
            .await
            .unwrap()
    };

    // Duty: sixty days behind and fourteen ahead for the center (a day each, the
    // first unit's people in turn); half the units keep their own roster.
    let day0 = now - Duration::days(60);
    let mut shifts = Vec::new();
    for d in 0..74 {
        let from = day0 + Duration::days(d);
        shifts.push((None, of_unit(unit_ids[0], d as usize), from, from + Duration::days(1)));
        for (n, u) in unit_ids.iter().enumerate().filter(|(n, _)| n % 2 == 0) {
            // Every tenth of these leaves its last three days open (a gap to flag).
            if n % 20 == 0 && d >= 71 {
                continue;
            }
            shifts.push((Some(*u), of_unit(*u, d as usize), from, from + Duration::days(1)));
        }
    }
    insert(
        db,
        shifts
            .iter()
            .map(|(u, p, a, b)| duty_shift::ActiveModel {
                unit_id: Set(*u),
                person_id: Set(*p),
                phone: Set(String::new()),
                starts_at: Set(*a),
                ends_at: Set(*b),
                note: Set(String::new()),
                created_by: Set("bench".into()),
                created_at: Set(day0),
                ..Default::default()
            })
            .collect(),
        500,
    )
    .await;

    // Incidents of the past year: 40 still open.
    let kinds = IncidentKind::ALL;
    let incidents: Vec<incident::ActiveModel> = (0..INCIDENTS)
        .map(|i| {
            let u = unit_ids[i % UNITS];
            let detected = now - Duration::hours((i as i64 * 4) % (365 * 24));
            let open = i < 40;
            incident::ActiveModel {
                unit_id: Set(u),
                title: Set(format!("安全事件{i:04}")),
                kind: Set(kinds[i % kinds.len()]),
                grade: Set(if open { None } else { Some(IncidentGrade::ALL[3 - (i % 7 == 0) as usize]) }),
                suggested_grade: Set(IncidentGrade::General),
                source: Set(if i % 3 == 0 { IncidentSource::Monitoring } else { IncidentSource::Person }),
                finding_id: Set(None),
                notice_id: Set(None),
                detected_at: Set(detected),
                homepage: Set(i % 5 == 0),
                hours_visible: Set((i % 12) as i32),
                records_affected: Set(0),
                cii: Set(false),
                description: Set("压测数据".into()),
                impact: Set(String::new()),
                cause: Set(if open { String::new() } else { "弱口令".into() }),
                measures: Set(if open { String::new() } else { "已修复".into() }),
                contacts: Set(String::new()),
                state: Set(if open { IncidentState::Open } else { IncidentState::Closed }),
                violation_id: Set(None),
                created_by: Set("bench".into()),
                created_at: Set(detected),
                closed_by: Set(if open { String::new() } else { "bench".into() }),
                closed_at: Set((!open).then_some(detected + Duration::days(2))),
                ..Default::default()
            }
        })
        .collect();
    insert(db, incidents, 300).await;
    let inc: Vec<incident::Model> = incident::Entity::find().all(db).await.unwrap();
    let mut steps = Vec::new();
    let mut events = Vec::new();
    let mut links = Vec::new();
    for (i, m) in inc.iter().enumerate() {
        if let Some((sid, _)) = system_ids.iter().find(|s| s.1 == m.unit_id) {
            links.push(incident_system::ActiveModel { incident_id: Set(m.id), system_id: Set(*sid) });
        }
        events.push(incident_event::ActiveModel {
            incident_id: Set(m.id),
            kind: Set(EventKind::Opened),
            at: Set(m.detected_at),
            by_user: Set("bench".into()),
            text: Set("登记".into()),
            ..Default::default()
        });
        let done: &[IncidentStep] = if i < 40 { &IncidentStep::ALL[..2] } else { IncidentStep::ALL };
        for (k, step) in done.iter().enumerate() {
            let at = m.detected_at + Duration::minutes(20 * (k as i64 + 1));
            steps.push(incident_step::ActiveModel {
                incident_id: Set(m.id),
                step: Set(*step),
                done_at: Set(at),
                done_by: Set("bench".into()),
                note: Set(String::new()),
                recorded_at: Set(at),
            });
            events.push(incident_event::ActiveModel {
                incident_id: Set(m.id),
                kind: Set(EventKind::Step),
                at: Set(at),
                by_user: Set("bench".into()),
                text: Set(step.zh().into()),
                ..Default::default()
            });
        }
    }
    insert(db, links, 500).await;
    insert(db, steps, 500).await;
    insert(db, events, 500).await;
    insert(
        db,
        (0..5000)
            .map(|i| duty_alert::ActiveModel {
                unit_id: Set(unit_ids[i % UNITS]),
                system_id: Set(None),
                event: Set("monitor_alert".into()),
                subject: Set(format!("【监测告警】系统{i}")),
                body: Set("[]".into()),
                link: Set("/monitors".into()),
                rung: Set(AlertRung::Duty),
                person_id: Set(None),
                state: Set(if i < 20 { AlertState::Open } else { AlertState::Acknowledged }),
                raised_at: Set(now - Duration::minutes(i as i64 * 7)),
                escalate_at: Set(None),
                acknowledged_by: Set(String::new()),
                acknowledged_at: Set(None),
                ..Default::default()
            })
            .collect(),
        500,
    )
    .await;

    // A key period for every unit, a week in, with most days reported.
    let today = now.date_naive();
    let kp = key_period::Entity::insert(key_period::ActiveModel {
        title: Set("压测重保".into()),
        kind: Set(wangan_core::key_periods::PeriodKind::Exams),
        starts_on: Set(today - Duration::days(7)),
        ends_on: Set(today + Duration::days(7)),
        report_by_minute: Set(17 * 60),
        interval_s: Set(60),
        summarized_on: Set(None),
        created_by: Set("bench".into()),
        created_at: Set(now - Duration::days(8)),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap()
    .last_insert_id;
    insert(
        db,
        unit_ids
            .iter()
            .map(|u| key_period_unit::ActiveModel { key_period_id: Set(kp), unit_id: Set(*u), chased_on: Set(None) })
            .collect(),
        500,
    )
    .await;
    let mut reports = Vec::new();
    for (n, u) in unit_ids.iter().enumerate() {
        for back in 1..=7 {
            if (n + back as usize).is_multiple_of(9) {
                continue; // missing
            }
            let day = today - Duration::days(back);
            reports.push(key_period_report::ActiveModel {
                key_period_id: Set(kp),
                unit_id: Set(*u),
                day: Set(day),
                zero: Set(true),
                content: Set(String::new()),
                submitted_by: Set("bench".into()),
                submitted_at: Set(day.and_hms_opt(2, 0, 0).unwrap().and_utc()),
                ..Default::default()
            });
        }
    }
    insert(db, reports, 500).await;
    store.analyze().await.unwrap();
    println!(
        "setup: {UNITS} units, {SYSTEMS} systems, {} shifts, {INCIDENTS} incidents, a key period in {:.1} s",
        shifts.len(),
        started.elapsed().as_secs_f64()
    );

    let who = Principal::system("bench");
    let mut misses = Vec::new();

    // Who is on duty now, for every important system.
    let mut t_now = Vec::new();
    let mut n_important = 0;
    for _ in 0..300 {
        let t = Instant::now();
        let v = wangan_core::duty::service::shifts::now(&store, &who).await.unwrap();
        t_now.push(t.elapsed().as_secs_f64() * 1000.0);
        n_important = v.len();
        assert!(v.iter().all(|o| o.level != wangan_core::duty::DutyLevel::Nobody), "the center covers everyone");
    }
    let (now_p50, now_p99) = (p50(t_now.clone()), p99(t_now));
    println!(
        "who is on duty now, {n_important} important systems: p99 {now_p99:.2} ms (p50 {now_p50:.2}) (in process)   target < 5 ms"
    );
    if now_p99 >= 5.0 {
        misses.push("duty now");
    }
    // Of which: reading the important systems alone.
    let mut t_q = Vec::new();
    for _ in 0..300 {
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
        let t = Instant::now();
        let rows: Vec<(i64, String, i64)> = system::Entity::find()
            .select_only()
            .columns([system::Column::Id, system::Column::Name, system::Column::UnitId])
            .filter(system::Column::Important.eq(true))
            .filter(system::Column::Stage.ne(Stage::Closed))
            .order_by_asc(system::Column::UnitId)
            .order_by_asc(system::Column::Id)
            .into_tuple()
            .all(db)
            .await
            .unwrap();
        assert_eq!(rows.len(), n_important_expected());
        t_q.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!(
        "  for comparison, reading the important systems row by row: p99 {:.2} ms (p50 {:.2})",
        p99(t_q.clone()),
        p50(t_q)
    );

    for (label, n) in
        [("incident list (page 1)", 0), ("an open incident", 1), ("duty coverage", 2), ("the key period", 3)]
    {
        let mut v = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            match n {
                0 => {
                    wangan_core::incidents::service::incidents::list(
                        &store,
                        &who,
                        &Default::default(),
                        PageRequest::new(1, 30),
                    )
                    .await
                    .unwrap();
                }
                1 => {
                    wangan_core::incidents::service::incidents::get(&store, &who, inc[0].id).await.unwrap();
                }
                2 => {
                    let c = wangan_core::duty::service::shifts::coverage(&store, &who).await.unwrap();
                    assert!(c.iter().any(|c| !c.gaps.is_empty()));
                }
                _ => {
                    wangan_core::key_periods::service::get(&store, &who, kp).await.unwrap();
                }
            }
            v.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let p = p99(v);
        println!("{label}: p99 {p:.2} ms (in process)");
    }
    println!("data directory: {}", dir.display());
    if !misses.is_empty() {
        println!("MISSED: {}", misses.join(", "));
        std::process::exit(1);
    }
}
