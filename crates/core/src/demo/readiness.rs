//! The demo's readiness: an incident in progress opened from a monitoring
//! finding (the computer school's site carries hidden gambling links, as its
//! simulated site does), a closed data-leak incident graded 重大 with its
//! accountability record, a duty roster for the center and two units with
//! gaps, and a key period under way with the library's daily report missing.

use crate::duty::service::shifts::{self, RotaInput, ShiftInput};
use crate::incidents::IncidentStep;
use crate::incidents::service::incidents::{self, CloseInput, GradeInput, IncidentInput, StepInput, TextInput};
use crate::key_periods::service::{self as key_periods, PeriodInput, ReportInput};
use crate::monitoring::service as monitoring;
use crate::platform::access::Principal;
use crate::platform::error::Result;
use crate::platform::store::Store;
use crate::registry::entity::system;
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;

async fn system_id(store: &Store, name: &str) -> Result<Option<i64>> {
    Ok(system::Entity::find()
        .select_only()
        .column(system::Column::Id)
        .filter(system::Column::Name.eq(name))
        .into_tuple()
        .one(store.db())
        .await?)
}

async fn people_of(store: &Store, unit: &str) -> Result<Vec<i64>> {
    use crate::directory::entity::{person, unit as unit_e};
    let Some(u) = unit_e::Entity::find().filter(unit_e::Column::Code.eq(unit)).one(store.db()).await? else {
        return Ok(Vec::new());
    };
    Ok(person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::UnitId.eq(u.id))
        .into_tuple()
        .all(store.db())
        .await?)
}

pub(super) async fn seed(store: &Store, sys: &Principal) -> Result<()> {
    let now = store.now();
    let tz = store.notice_policy().time_zone;
    let today = now.with_timezone(&tz).date_naive();

    // The duty roster first, so the incident's alert finds the person on duty.
    let nic = people_of(store, "nic").await?;
    if !nic.is_empty() {
        shifts::create_rota(
            store,
            sys,
            RotaInput {
                unit: None,
                starts_on: today - Duration::days(1),
                days: 21,
                handover: "08:30".into(),
                people: nic.clone(),
            },
        )
        .await?;
    }
    let academic = people_of(store, "academic").await?;
    if !academic.is_empty() {
        // A week for the academic office (its systems are important); the week after is a
        // gap, flagged on the duty page.
        shifts::create_rota(
            store,
            sys,
            RotaInput {
                unit: Some("academic".into()),
                starts_on: today - Duration::days(1),
                days: 7,
                handover: "08:30".into(),
                people: academic,
            },
        )
        .await?;
    }
    let publicity = people_of(store, "publicity").await?;
    if let Some(p) = publicity.first() {
        shifts::create(
            store,
            sys,
            ShiftInput {
                unit: Some("publicity".into()),
                person_id: *p,
                phone: String::new(),
                starts_at: now - Duration::hours(2),
                ends_at: now + Duration::hours(10),
                note: "新闻网改版上线值守".into(),
            },
        )
        .await?;
    }

    // The computer school's website: hidden gambling links, found by the monitor.
    monitoring::sync(store).await?;
    if let Some(site) = system_id(store, "计算机学院网站").await? {
        let page = monitoring::list(
            store,
            sys,
            &monitoring::MonitorFilter { system: Some(site), ..Default::default() },
            crate::platform::page::PageRequest::new(1, 1),
        )
        .await?;
        if let Some(m) = page.items.first() {
            let seen = now - Duration::minutes(50);
            monitoring::record(
                store,
                vec![monitoring::CheckResult {
                    monitor_id: m.id,
                    checked_at: seen,
                    interval_s: m.interval_s,
                    status: crate::monitoring::Health::Up,
                    health: crate::monitoring::Health::Up,
                    consecutive_failures: 0,
                    down_since: None,
                    status_code: Some(200),
                    latency_ms: Some(40),
                    error: String::new(),
                    header_score: None,
                    tls_checked: false,
                    exposure_checked: false,
                    views_checked: false,
                    content_key: None,
                    page_key: None,
                    checks_run: vec![crate::monitoring::Check::HiddenLinks],
                    findings: vec![monitoring::FindingInput {
                        check: crate::monitoring::Check::HiddenLinks,
                        subject: "hidden_link:casino.example".into(),
                        code: crate::monitoring::FindingCode::HiddenLink,
                        severity: crate::monitoring::FindingSeverity::Critical,
                        summary: "页面隐藏了指向 casino.example 的外部链接（display:none）".into(),
                        evidence: json!({"domain": "casino.example", "hidden_by": "display:none",
                            "links": ["http://casino.example/"], "text": "澳门赌场 百家乐 在线开户"}),
                        open_notice: true,
                    }],
                    new_baseline: None,
                    verification: None,
                }],
            )
            .await?;
            let open =
                incidents::list(store, sys, &Default::default(), crate::platform::page::PageRequest::new(1, 5)).await?;
            if let Some(i) = open.items.iter().find(|i| i.source == crate::incidents::IncidentSource::Monitoring) {
                incidents::record_step(
                    store,
                    sys,
                    i.id,
                    StepInput {
                        step: IncidentStep::Contained,
                        done_at: Some(now - Duration::minutes(30)),
                        note: "已下线被植入暗链的页面".into(),
                    },
                )
                .await?;
                incidents::record_step(
                    store,
                    sys,
                    i.id,
                    StepInput {
                        step: IncidentStep::Preserved,
                        done_at: Some(now - Duration::minutes(25)),
                        note: "已备份网页文件和访问日志".into(),
                    },
                )
                .await?;
            }
        }
    }

    // A data leak last month: graded 重大, reported, closed; its accountability record waits for the center.
    if let Some(sys_id) = system_id(store, "教务管理系统").await? {
        let detected = now - Duration::days(20);
        let d = incidents::create(
            store,
            sys,
            IncidentInput {
                unit: String::new(),
                title: "考生报名信息疑似泄露".into(),
                kind: crate::incidents::IncidentKind::DataLeak,
                detected_at: Some(detected),
                systems: vec![sys_id],
                homepage: false,
                hours_visible: 0,
                records_affected: 12_000_000,
                description: "境外论坛出现疑似本校考生报名数据样本。".into(),
                impact: "涉及历年考生姓名、身份证号、联系电话。".into(),
                contacts: "网络信息中心 010-62750000".into(),
                notice_id: None,
            },
        )
        .await?;
        let id = d.incident.id;
        for (step, mins, note) in [
            (IncidentStep::Contained, 40, "关闭报名系统外网访问"),
            (IncidentStep::Preserved, 60, "留存数据库审计日志、Web 日志"),
            (IncidentStep::ReportedSupervisor, 150, "电话报告教育部科技司，回执号 2026-117"),
            (IncidentStep::ReportedPolice, 180, "报告属地公安分局网安大队"),
            (IncidentStep::ReportedCac, 300, "报告属地网信办"),
        ] {
            incidents::record_step(
                store,
                sys,
                id,
                StepInput { step, done_at: Some(detected + Duration::minutes(mins)), note: note.into() },
            )
            .await?;
        }
        incidents::set_grade(
            store,
            sys,
            id,
            GradeInput {
                grade: crate::incidents::IncidentGrade::Major, note: "涉及个人信息超过1000万条".into()
            },
        )
        .await?;
        incidents::supplement(store, sys, id, TextInput { text: "经核查，泄露源为已下线的旧版查询接口。".into() })
            .await?;
        incidents::close(
            store,
            sys,
            id,
            CloseInput {
                cause: "旧版成绩查询接口未下线，存在越权访问漏洞".into(),
                measures: "下线旧接口，修复越权漏洞，全面排查同类接口，通知受影响考生".into(),
            },
        )
        .await?;
    }

    // A key period under way: the library has not filed yesterday's report.
    let period = key_periods::create(
        store,
        sys,
        PeriodInput {
            title: format!("{}年开学重保", today.format("%Y")),
            kind: crate::key_periods::PeriodKind::SchoolStart,
            starts_on: today - Duration::days(2),
            ends_on: today + Duration::days(5),
            report_by: "17:00".into(),
            interval_s: Some(60),
            units: vec!["cs".into(), "ee".into(), "library".into()],
        },
    )
    .await?;
    // cs and ee filed every day by the hour; the library only the first day.
    let filed = [("cs", [2, 1, 0].as_slice()), ("ee", [2, 1, 0].as_slice()), ("library", [2].as_slice())];
    for (unit, days) in filed {
        for back in days {
            let day = today - Duration::days(*back);
            let r = key_periods::report(
                store,
                sys,
                period.period.id,
                ReportInput {
                    unit: unit.into(),
                    day: Some(day),
                    zero: *back != 2,
                    content: if *back == 2 { "拦截扫描探测 86 次，无异常。".into() } else { String::new() },
                },
            )
            .await?;
            // As if filed that morning at ten (or now, if earlier).
            let morning = crate::duty::rules::local_instant(
                &tz,
                day,
                chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            );
            crate::key_periods::entity::key_period_report::Entity::update_many()
                .col_expr(
                    crate::key_periods::entity::key_period_report::Column::SubmittedAt,
                    sea_orm::sea_query::Expr::value(morning.min(now)),
                )
                .filter(crate::key_periods::entity::key_period_report::Column::Id.eq(r.id))
                .exec(store.db())
                .await?;
        }
    }
    Ok(())
}
