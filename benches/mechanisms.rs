//! Benchmark of the working mechanisms (issue 15), SQLite, release build.
//! A generated university of 200 units and 20,000 systems (every stage,
//! half internet-facing; about one in ten online internet-facing systems
//! unfiled, unprotected or ungraded), rectifications, a campaign that 80
//! units missed:
//!  - computing every unit's score (the ranking)                     (< 1 s),
//!    the registers' readiness facts included (plans, drills with late
//!    actions, rules, staff certificates and training: issue 16)
//!  - one pass of the accountability rules engine over all facts     (< 2 s),
//!    the first pass proposing, the second creating no duplicate.
//!
//! Run: `bash bench/mechanisms.sh` (or `cargo bench --bench mechanisms`).

// A benchmark: its figures are what it prints.
#![allow(clippy::print_stdout)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ActiveValue::Set, EntityTrait};
use std::sync::Arc;
use std::time::Instant;
use wangan_core::directory::entity::{responsibility, unit};
use wangan_core::inspections::entity::{campaign, campaign_unit};
use wangan_core::inspections::{CampaignState, SubmissionState};
use wangan_core::registry::entity::{protection, system};
use wangan_core::registry::{FilingStatus, Hosting, ProtectionKind, Stage, SystemKind};
use wangan_core::{FixedClock, Principal, Store};

const UNITS: usize = 200;
const SYSTEMS: usize = 20_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(t0));
    let dir = std::env::temp_dir().join(format!("wangan-bench-mechanisms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Store::connect_with_clock(&wangan_core::platform::store::sqlite_url(&dir), 8, clock.clone())
        .await
        .unwrap()
        .with_attachments(dir.join("attachments"));
    store.migrate().await.unwrap();
    wangan_core::inspections::service::checklists::ensure_default(&store).await.unwrap();
    let db = store.db();
    let started = Instant::now();

    let units: Vec<unit::ActiveModel> = (0..UNITS)
        .map(|i| unit::ActiveModel {
            code: Set(format!("u{i:03}")),
            name: Set(format!("压测单位{i:03}")),
            name_en: Set(String::new()),
            kind: Set(wangan_core::directory::service::units::UnitKind::College),
            parent_id: Set(None),
            created_at: Set(t0),
            updated_at: Set(t0),
            ..Default::default()
        })
        .collect();
    for chunk in units.chunks(200) {
        unit::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
    }
    let unit_ids: Vec<i64> = unit::Entity::find().all(db).await.unwrap().iter().map(|u| u.id).collect();
    // Responsible persons: most units name all three; every tenth lacks its direct one.
    let mut people = Vec::new();
    for (i, u) in unit_ids.iter().enumerate() {
        for kind in ["first", "main", "direct"] {
            if kind == "direct" && i % 10 == 0 {
                continue;
            }
            people.push((*u, kind));
        }
    }
    let person_rows: Vec<wangan_core::directory::entity::person::ActiveModel> = people
        .iter()
        .enumerate()
        .map(|(n, (u, _))| wangan_core::directory::entity::person::ActiveModel {
            unit_id: Set(*u),
            name: Set(format!("人员{n}")),
            title: Set(String::new()),
            phone: Set(String::new()),
            email: Set(String::new()),
            created_at: Set(t0),
            updated_at: Set(t0),
            ..Default::default()
        })
        .collect();
    for chunk in person_rows.chunks(300) {
        wangan_core::directory::entity::person::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
    }
    let person_ids: Vec<i64> =
        wangan_core::directory::entity::person::Entity::find().all(db).await.unwrap().iter().map(|p| p.id).collect();
    let resp: Vec<responsibility::ActiveModel> = people
        .iter()
        .zip(&person_ids)
        .map(|((u, kind), p)| responsibility::ActiveModel {
            unit_id: Set(*u),
            kind: Set((*kind).into()),
            person_id: Set(*p),
            updated_at: Set(t0),
        })
        .collect();
    for chunk in resp.chunks(300) {
        responsibility::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
    }

    // The unit registers (issue 16): most units keep a plan (some overdue for review), two in
    // three drilled (some with a late action), half keep every kind of rule, a training the
    // direct responsible persons of even units attended, certificates for every third one.
    {
        use wangan_core::registers::entity::{
            certificate, drill, drill_action, emergency_plan, policy, training, training_attendee,
        };
        use wangan_core::registers::{CertificateKind, PolicyKind, TrainingKind};
        let today = t0.date_naive();
        let plans: Vec<emergency_plan::ActiveModel> = unit_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 7 != 0)
            .map(|(i, u)| emergency_plan::ActiveModel {
                unit_id: Set(Some(*u)),
                title: Set(format!("应急预案{i}")),
                scenarios: Set("网页篡改".into()),
                contacts: Set("值班电话".into()),
                escalation: Set(String::new()),
                reviewed_on: Set(today - Duration::days(if i % 5 == 0 { 400 } else { 100 })),
                updated_by: Set("bench".into()),
                updated_at: Set(t0),
                ..Default::default()
            })
            .collect();
        emergency_plan::Entity::insert_many(plans).exec(db).await.unwrap();
        for (i, u) in unit_ids.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
            let d = drill::Entity::insert(drill::ActiveModel {
                unit_id: Set(Some(*u)),
                held_on: Set(today - Duration::days(60)),
                scenario: Set("演练".into()),
                participants: Set("全体".into()),
                what_happened: Set("处置".into()),
                problems: Set(String::new()),
                created_by: Set("bench".into()),
                created_at: Set(t0),
                ..Default::default()
            })
            .exec(db)
            .await
            .unwrap()
            .last_insert_id;
            drill_action::Entity::insert(drill_action::ActiveModel {
                drill_id: Set(d),
                description: Set("整改".into()),
                owner_person_id: Set(person_ids[0]),
                due_on: Set(today + Duration::days(if i % 4 == 0 { -10 } else { 10 })),
                done_by: Set(String::new()),
                done_at: Set(None),
                done_note: Set(String::new()),
                ..Default::default()
            })
            .exec(db)
            .await
            .unwrap();
        }
        let rules: Vec<policy::ActiveModel> = unit_ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 2 == 0)
            .flat_map(|(_, u)| {
                PolicyKind::ALL.iter().map(move |k| policy::ActiveModel {
                    unit_id: Set(*u),
                    kind: Set(*k),
                    title: Set("制度".into()),
                    approved_on: Set(today - Duration::days(30)),
                    review_on: Set(None),
                    updated_by: Set("bench".into()),
                    updated_at: Set(t0),
                    ..Default::default()
                })
            })
            .collect();
        for chunk in rules.chunks(300) {
            policy::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
        }
        let directs: Vec<i64> =
            people.iter().zip(&person_ids).filter(|((_, k), _)| *k == "direct").map(|(_, p)| *p).collect();
        let t = training::Entity::insert(training::ActiveModel {
            unit_id: Set(None),
            kind: Set(TrainingKind::Awareness),
            title: Set("全员培训".into()),
            held_on: Set(today - Duration::days(20)),
            hours_tenths: Set(20),
            created_by: Set("bench".into()),
            created_at: Set(t0),
            ..Default::default()
        })
        .exec(db)
        .await
        .unwrap()
        .last_insert_id;
        let attendees: Vec<training_attendee::ActiveModel> = directs
            .iter()
            .step_by(2)
            .map(|p| training_attendee::ActiveModel { training_id: Set(t), person_id: Set(*p) })
            .collect();
        training_attendee::Entity::insert_many(attendees).exec(db).await.unwrap();
        let certs: Vec<certificate::ActiveModel> = directs
            .iter()
            .step_by(3)
            .map(|p| certificate::ActiveModel {
                person_id: Set(*p),
                kind: Set(CertificateKind::Cisp),
                name: Set(String::new()),
                number: Set(String::new()),
                issued_on: Set(None),
                expires_on: Set(Some(today + Duration::days(300))),
                reminded_on: Set(None),
                created_by: Set("bench".into()),
                created_at: Set(t0),
                ..Default::default()
            })
            .collect();
        certificate::Entity::insert_many(certs).exec(db).await.unwrap();
    }

    let stages = [Stage::Planned, Stage::Building, Stage::Online, Stage::Online, Stage::Online, Stage::Offline];
    let mut rows = Vec::with_capacity(SYSTEMS);
    for i in 0..SYSTEMS {
        let stage = stages[i % stages.len()];
        let internet = i % 2 == 0;
        rows.push(system::ActiveModel {
            unit_id: Set(unit_ids[i % UNITS]),
            name: Set(format!("业务系统{i:05}")),
            kind: Set(if i % 3 == 0 { SystemKind::Website } else { SystemKind::Application }),
            urls: Set(format!("https://s{i}.bench.university.example/")),
            ips: Set(String::new()),
            internet_facing: Set(internet),
            important: Set(i % 10 == 0),
            operator_unit_id: Set(None),
            operator_vendor: Set(String::new()),
            operator_contact: Set(String::new()),
            users: Set(String::new()),
            hosting: Set(Hosting::Campus),
            tags: Set(String::new()),
            notes: Set(String::new()),
            stage: Set(stage),
            stage_before_shutdown: Set(None),
            filing_status: Set(if i % 23 == 0 { FilingStatus::NotFiled } else { FilingStatus::Filed }),
            public_security_no: Set(format!("1101080{i:07}")),
            icp_no: Set(String::new()),
            filed_on: Set(None),
            mlps_level: Set(if i % 29 == 0 { None } else { Some(2 + (i % 5 == 0) as i32) }),
            mlps_graded_on: Set(None),
            mlps_filing_no: Set(String::new()),
            mlps_filed_on: Set(None),
            evaluation_due_on: Set(Some((t0 + Duration::days(i as i64 % 400 - 60)).date_naive())),
            went_online_on: Set(None),
            mlps_filing_due_on: Set(None),
            reminded_on: Set(None),
            override_note: Set(String::new()),
            created_at: Set(t0),
            updated_at: Set(t0),
            ..Default::default()
        });
    }
    for chunk in rows.chunks(400) {
        system::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
    }
    let systems = system::Entity::find().all(db).await.unwrap();
    let mut prots = Vec::new();
    for (i, s) in systems.iter().enumerate() {
        if i % 17 == 0 {
            continue; // unprotected
        }
        for kind in [
            ProtectionKind::Firewall,
            ProtectionKind::TamperProtection,
            ProtectionKind::Ips,
            ProtectionKind::SecurityAudit,
        ] {
            prots.push(protection::ActiveModel {
                system_id: Set(s.id),
                kind: Set(kind),
                product: Set(String::new()),
                since: Set(None),
                notes: Set(String::new()),
            });
        }
    }
    for chunk in prots.chunks(500) {
        protection::Entity::insert_many(chunk.to_vec()).exec(db).await.unwrap();
    }
    // A campaign due a week ago: 120 units approved, 80 missed it.
    let c = campaign::Entity::insert(campaign::ActiveModel {
        title: Set("年度自查".into()),
        checklist_id: Set(1),
        due_on: Set((t0 - Duration::days(7)).date_naive()),
        state: Set(CampaignState::Running),
        systems: Set(String::new()),
        schedule_id: Set(None),
        launched_by: Set("bench".into()),
        launched_at: Set(t0 - Duration::days(40)),
        closed_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap()
    .last_insert_id;
    let parts: Vec<campaign_unit::ActiveModel> = unit_ids
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let done = i % 5 >= 2;
            campaign_unit::ActiveModel {
                campaign_id: Set(c),
                unit_id: Set(*u),
                state: Set(if done { SubmissionState::Approved } else { SubmissionState::Open }),
                submitted_by: Set(String::new()),
                submitted_at: Set(None),
                approved_by: Set(String::new()),
                approved_at: Set(done.then_some(t0 - Duration::days(10))),
                note: Set(String::new()),
                reminded_on: Set(None),
                missed: Set(false),
                ..Default::default()
            }
        })
        .collect();
    campaign_unit::Entity::insert_many(parts).exec(db).await.unwrap();
    store.analyze().await.unwrap();
    println!("setup: {UNITS} units, {SYSTEMS} systems in {:.1} s", started.elapsed().as_secs_f64());

    let who = Principal::system("bench");
    let mut misses = Vec::new();

    let t = Instant::now();
    let ranking = wangan_core::scorecard::service::ranking(&store, &who).await.unwrap();
    let score_s = t.elapsed().as_secs_f64();
    assert_eq!(ranking.len(), UNITS);
    let (best, worst) = (ranking[0].score, ranking[UNITS - 1].score);
    println!("every unit's score: {score_s:.3} s for {UNITS} units (best {best}, worst {worst})   target < 1 s");
    if score_s >= 1.0 {
        misses.push("scores");
    }

    let t = Instant::now();
    let first = wangan_core::enforcement::service::engine::run_once(&store).await.unwrap();
    let first_s = t.elapsed().as_secs_f64();
    println!(
        "rules engine, first pass: {first_s:.3} s — {} facts, {} violations proposed   target < 2 s",
        first.facts, first.proposed
    );
    let t = Instant::now();
    let second = wangan_core::enforcement::service::engine::run_once(&store).await.unwrap();
    let second_s = t.elapsed().as_secs_f64();
    println!(
        "rules engine, second pass: {second_s:.3} s — {} facts, {} proposed, {} corrected   target < 2 s, 0 proposed",
        second.facts, second.proposed, second.corrected
    );
    if first_s >= 2.0 || second_s >= 2.0 {
        misses.push("engine time");
    }
    if second.proposed != 0 || first.proposed == 0 {
        misses.push("engine duplicates");
    }
    let t = Instant::now();
    wangan_core::scorecard::service::record_month(&store).await.unwrap();
    println!("recording this month's scores: {:.3} s", t.elapsed().as_secs_f64());
    let _ = std::fs::remove_dir_all(&dir);
    if !misses.is_empty() {
        println!("MISSED: {}", misses.join(", "));
        std::process::exit(1);
    }
}
