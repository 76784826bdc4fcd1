//! The demo's working mechanisms: a finished self-inspection (units that
//! finished, one submitted but not approved, one that missed it; an on-site
//! verification that contradicts an answer and a finding turned into a
//! notice), a running pre-holiday check, recurring schedules, violations of
//! every category in every state (from the rules engine and from people),
//! and monthly scores for the trends.

use super::demo_principal;
use crate::inspections::entity::{campaign, campaign_unit};
use crate::inspections::service::campaigns::{
    self, AnswerInput, LaunchInput, ResponsesInput, SubmitInput, VerifyInput,
};
use crate::inspections::service::{checklists, schedules};
use crate::inspections::{CampaignState, rules};
use crate::notices::ViolationCategory;
use crate::notices::entity::violation;
use crate::platform::access::Principal;
use crate::platform::error::Result;
use crate::platform::store::Store;
use crate::platform::uploads::Upload;
use crate::registry::entity::{protection, system};
use crate::scorecard::entity::unit_score;
use chrono::{Datelike, Duration};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::Expr};

fn evidence() -> Upload {
    Upload { file_name: "证明材料.pdf".into(), bytes: b"%PDF-1.4\n% Wangan demo evidence\n%%EOF\n".to_vec() }
}

/// Answer every item of every system of `unit` in campaign `id`: all pass
/// (with evidence where it is required) but the items in `fail`.
async fn answer_all(store: &Store, who: &Principal, id: i64, unit: &str, fail: &[&str]) -> Result<()> {
    let part = campaigns::unit_part(store, who, id, unit).await?;
    for sys in &part.systems {
        let answers = part
            .items
            .iter()
            .map(|it| {
                let failed = fail.contains(&it.key.as_str());
                AnswerInput {
                    item: it.key.clone(),
                    answer: if failed { "fail" } else { "pass" }.into(),
                    comment: if failed {
                        "尚未落实，已列入本学期整改计划".into()
                    } else {
                        String::new()
                    },
                }
            })
            .collect();
        let files =
            part.items.iter().filter(|it| it.evidence_required).map(|it| (it.key.clone(), evidence())).collect();
        campaigns::answer(store, who, id, ResponsesInput { system_id: sys.system_id, answers, evidence: files })
            .await?;
    }
    Ok(())
}

pub(super) async fn seed(store: &Store, sys: &Principal) -> Result<()> {
    checklists::ensure_default(store).await?;
    let list = checklists::list(store).await?.into_iter().find(|c| c.family == rules::DEFAULT_FAMILY);
    let Some(list) = list else { return Ok(()) };
    let officer = demo_principal(store, "officer").await?.unwrap_or_else(|| sys.clone());
    let today = store.now().with_timezone(&store.notice_policy().time_zone).date_naive();

    // The yearly self-inspection, finished a month ago.
    let finished = campaigns::launch(
        store,
        &officer,
        LaunchInput {
            title: format!("{}年度网络与信息安全自查", today.year()),
            checklist_id: list.id,
            due_on: today,
            units: ["cs", "ee", "art", "library", "math", "academic"].map(str::to_owned).to_vec(),
            systems: Vec::new(),
        },
    )
    .await?
    .campaign
    .id;
    for (unit, fail) in [
        ("cs", &["5.2", "7.2"][..]),
        ("library", &["10.2"][..]),
        ("math", &[][..]),
        ("academic", &["13.3"][..]),
        ("ee", &["4.2", "6.1", "8.1"][..]),
    ] {
        let worker = demo_principal(store, &format!("netadmin.{unit}")).await?.unwrap_or_else(|| sys.clone());
        answer_all(store, &worker, finished, unit, fail).await?;
        let note = SubmitInput { unit: unit.into(), note: "已逐项自查，如实填写。".into() };
        campaigns::submit(store, &worker, finished, note).await?;
        if unit != "ee" {
            let head = demo_principal(store, &format!("leader.{unit}")).await?.unwrap_or_else(|| sys.clone());
            campaigns::decide(store, &head, finished, true, SubmitInput { unit: unit.into(), note: String::new() })
                .await?;
        }
    }
    // On site, the center found the computer school's admin passwords weak, which it had answered as in order.
    let cs_site = system::Entity::find().filter(system::Column::Name.eq("计算机学院网站")).one(store.db()).await?;
    if let Some(site) = cs_site {
        let v = campaigns::verify(
            store,
            &officer,
            finished,
            VerifyInput {
                system_id: site.id,
                item: "6.1".into(),
                answer: "fail".into(),
                comment: "后台管理员账号使用弱口令 admin123，与自查填写不符".into(),
            },
        )
        .await?;
        let input = campaigns::FindingNoticeInput { severity: "high".into() };
        campaigns::open_notice(store, &officer, finished, v.id, input).await?;
    }
    // Its due date is a month past now: done for some, missed by others.
    let due = today - Duration::days(30);
    campaign::Entity::update_many()
        .col_expr(campaign::Column::DueOn, Expr::value(due))
        .col_expr(campaign::Column::LaunchedAt, Expr::value(store.now() - Duration::days(60)))
        .col_expr(campaign::Column::State, Expr::value(CampaignState::Closed))
        .col_expr(campaign::Column::ClosedAt, Expr::value(store.now() - Duration::days(20)))
        .filter(campaign::Column::Id.eq(finished))
        .exec(store.db())
        .await?;
    campaign_unit::Entity::update_many()
        .col_expr(campaign_unit::Column::ApprovedAt, Expr::value(store.now() - Duration::days(35)))
        .filter(campaign_unit::Column::CampaignId.eq(finished))
        .filter(campaign_unit::Column::ApprovedAt.is_not_null())
        .exec(store.db())
        .await?;

    // The check before the winter holidays, running: every unit, due in three weeks.
    let running = campaigns::launch(
        store,
        &officer,
        LaunchInput {
            title: format!("{}年寒假前网络安全检查", today.year() + 1),
            checklist_id: list.id,
            due_on: today + Duration::days(21),
            units: Vec::new(),
            systems: Vec::new(),
        },
    )
    .await?
    .campaign
    .id;
    let cs_admin = demo_principal(store, "netadmin.cs").await?.unwrap_or_else(|| sys.clone());
    answer_all(store, &sys.clone(), running, "library", &["9.3"]).await?;
    campaigns::submit(store, sys, running, SubmitInput { unit: "library".into(), note: String::new() }).await?;
    let part = campaigns::unit_part(store, &cs_admin, running, "cs").await?;
    if let Some(first) = part.systems.first() {
        let answers = part.items.iter().take(8).map(|it| AnswerInput {
            item: it.key.clone(),
            answer: if it.evidence_required { "not_applicable" } else { "pass" }.into(),
            comment: String::new(),
        });
        let input = ResponsesInput { system_id: first.system_id, answers: answers.collect(), evidence: Vec::new() };
        campaigns::answer(store, &cs_admin, running, input).await?;
    }

    // Recurring campaigns.
    for (title, rule, days) in [
        ("年度网络与信息安全自查", "yearly:03-01", 30),
        ("春节前网络安全检查", "before:spring_festival:14", 10),
        ("国庆节前网络安全检查", "before:national_day:14", 10),
    ] {
        let input = schedules::ScheduleInput {
            title: title.into(),
            checklist_family: rules::DEFAULT_FAMILY.into(),
            rule: rule.into(),
            due_days: days,
        };
        schedules::create(store, &officer, input).await?;
    }

    seed_warnings(store, sys, &officer).await?;
    seed_data_call(store, sys, &officer).await?;
    seed_violations(store, sys, &officer).await?;
    seed_scores(store).await
}

/// Registry records written before the gates existed (an online site whose
/// filing was cancelled, one lacking its tamper protection, one never
/// graded) give the rules engine something to find; people propose the rest.
async fn seed_violations(store: &Store, sys: &Principal, officer: &Principal) -> Result<()> {
    use crate::enforcement::service::{engine, violations};
    let by_name = |name: &'static str| async move {
        system::Entity::find().filter(system::Column::Name.eq(name)).one(store.db()).await
    };
    if let Some(s) = by_name("数字资源发现系统").await? {
        let mut am: system::ActiveModel = s.into();
        am.filing_status = Set(crate::registry::FilingStatus::Cancelled);
        am.update(store.db()).await?;
    }
    if let Some(s) = by_name("正版软件服务平台").await? {
        protection::Entity::delete_many()
            .filter(protection::Column::SystemId.eq(s.id))
            .filter(protection::Column::Kind.eq(crate::registry::ProtectionKind::TamperProtection))
            .exec(store.db())
            .await?;
    }
    if let Some(s) = by_name("经管学院网站").await? {
        let mut am: system::ActiveModel = s.into();
        am.mlps_level = Set(None);
        am.update(store.db()).await?;
    }
    engine::run_once(store).await?;
    let reviewer = demo_principal(store, "reviewer").await?.unwrap_or_else(|| sys.clone());
    violations::propose(
        store,
        &reviewer,
        violations::ViolationInput {
            unit: "cs".into(),
            category: ViolationCategory::FalseData.as_str().into(),
            system_id: None,
            description: "年度自查中“不存在弱口令”填写为符合，现场核查发现后台使用弱口令 admin123".into(),
            occurred_at: None,
        },
    )
    .await?;
    // The center decides some: confirms two (one long past its correction deadline), dismisses one.
    let pending = violation::Entity::find().all(store.db()).await?;
    for v in pending {
        let input = |note: &str| violations::DecisionInput { note: note.into() };
        match v.category {
            ViolationCategory::NotFiled => {
                violations::decide(store, officer, v.id, true, input("已核实：系统在线但备案已注销")).await?;
                let mut am: violation::ActiveModel = violation::Entity::find_by_id(v.id)
                    .one(store.db())
                    .await?
                    .ok_or(crate::CoreError::NotFound)?
                    .into();
                am.correct_by = Set(Some(store.now().date_naive() - Duration::days(3)));
                am.update(store.db()).await?;
            }
            ViolationCategory::NotGraded => {
                violations::decide(store, officer, v.id, true, input("请于限期内完成定级备案")).await?;
            }
            ViolationCategory::NoInspection if v.description.contains("寒假") => {}
            ViolationCategory::MeasuresMissing => {
                violations::decide(store, officer, v.id, false, input("防篡改系统已部署，登记遗漏，已补登")).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// This month's scores, and five earlier months drifting towards them (for the trends).
async fn seed_scores(store: &Store) -> Result<()> {
    crate::scorecard::service::record_month(store).await?;
    let now = store.now();
    let rows = unit_score::Entity::find().all(store.db()).await?;
    for r in rows {
        let mut month = now.date_naive().with_day(1).unwrap_or(now.date_naive());
        for back in 1..=5i32 {
            month = (month - Duration::days(1)).with_day(1).unwrap_or(month);
            let drift = ((r.unit_id as i32 * 7 + back * 3) % 9) - 2;
            unit_score::ActiveModel {
                unit_id: Set(r.unit_id),
                month: Set(format!("{:04}-{:02}", month.year(), month.month())),
                score: Set((r.score - back * 2 + drift).clamp(0, 100)),
                breakdown: Set(String::new()),
                computed_at: Set(now - Duration::days(30 * i64::from(back))),
            }
            .insert(store.db())
            .await?;
        }
    }
    Ok(())
}

/// Warnings in every state: a WordPress one matched by tags (answered
/// affected with a rectification opened, answered not affected, acknowledged
/// only, silent), one to every unit past its deadline, and a fresh one.
async fn seed_warnings(store: &Store, sys: &Principal, officer: &Principal) -> Result<()> {
    use crate::warnings::entity::warning;
    use crate::warnings::service::warnings::{self, AckInput, WarningInput};
    let input =
        |title: &str, severity: &str, source: &str, targeting: &str, tags: &[&str], units: &[&str]| WarningInput {
            title: title.into(),
            severity: severity.into(),
            source: source.into(),
            reference: String::new(),
            products: Vec::new(),
            description: String::new(),
            advice: String::new(),
            targeting: targeting.into(),
            units: units.iter().map(|u| (*u).to_owned()).collect(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            ack_due_at: None,
            attachments: Vec::new(),
        };
    let mut wp = input("WordPress 插件任意文件上传漏洞预警", "high", "cnvd", "tags", &["wordpress"], &[]);
    wp.reference = "CNVD-2026-48213".into();
    wp.products = vec!["WordPress File Manager 插件 6.0 - 6.8".into()];
    wp.description = "WordPress File Manager 插件存在任意文件上传漏洞，攻击者无需登录即可上传 WebShell。".into();
    wp.advice = "立即升级插件至 6.9 以上版本，或停用该插件；检查网站目录下是否存在可疑 PHP 文件。".into();
    let wp = warnings::publish(store, officer, wp).await?;
    let id = wp.warning.id;
    for a in &wp.acknowledgements {
        let who = demo_principal(store, &format!("netadmin.{}", a.unit)).await?.unwrap_or_else(|| sys.clone());
        let systems: Vec<i64> = a.matched_systems.iter().map(|(i, _)| *i).collect();
        let answer = match a.unit.as_str() {
            "cs" => AckInput {
                unit: a.unit.clone(),
                affected: Some(true),
                systems,
                measures: "已停用该插件，本周内升级并排查上传目录".into(),
            },
            "math" => AckInput {
                unit: a.unit.clone(),
                affected: Some(false),
                systems: Vec::new(),
                measures: "未安装该插件".into(),
            },
            "publicity" => {
                AckInput { unit: a.unit.clone(), affected: None, systems: Vec::new(), measures: String::new() }
            }
            _ => continue,
        };
        warnings::acknowledge(store, &who, id, answer).await?;
    }
    if wp.acknowledgements.iter().any(|a| a.unit == "cs") {
        warnings::open_rectification(store, officer, id, "cs").await?;
    }
    // The weak-password campaign to every unit: most answered, some silent past the deadline.
    let all =
        warnings::publish(store, officer, input("关于开展弱口令专项排查的预警通知", "medium", "moe", "all", &[], &[]))
            .await?;
    for (i, a) in all.acknowledgements.iter().enumerate() {
        if i % 3 == 2 {
            continue;
        }
        let who = demo_principal(store, &format!("netadmin.{}", a.unit)).await?.unwrap_or_else(|| sys.clone());
        let answer = AckInput {
            unit: a.unit.clone(),
            affected: Some(false),
            systems: Vec::new(),
            measures: "已排查，未发现弱口令".into(),
        };
        warnings::acknowledge(store, &who, all.warning.id, answer).await?;
    }
    let past = store.now() - Duration::days(3);
    warning::Entity::update_many()
        .col_expr(warning::Column::PublishedAt, Expr::value(past - Duration::days(2)))
        .col_expr(warning::Column::AckDueAt, Expr::value(past))
        .filter(warning::Column::Id.eq(all.warning.id))
        .exec(store.db())
        .await?;
    // A fresh critical one, waiting.
    let mut fresh = input(
        "Apache Struts2 远程代码执行漏洞紧急预警",
        "critical",
        "cncert",
        "units",
        &[],
        &["academic", "hr", "nic"],
    );
    fresh.reference = "CVE-2026-31337".into();
    fresh.advice = "立即升级至官方修复版本；无法升级的，临时关闭文件上传功能。".into();
    warnings::publish(store, officer, fresh).await?;
    Ok(())
}

/// A data call to every unit: most submitted, one corrected (two versions kept).
async fn seed_data_call(store: &Store, sys: &Principal, officer: &Principal) -> Result<()> {
    use crate::data_calls::service::{self, DataCallInput, SubmissionInput};
    let fields = crate::data_calls::parse_field_lines(
        "机房数量 | 数字 | | 必填\n服务器数量 | 数字 | | 必填\n最近一次应急演练日期 | 日期\n是否配备专职网络安全员 | 选项 | 是、否 | 必填\n网络安全管理制度 | 文件",
    )
    .unwrap_or_default();
    let today = store.now().with_timezone(&store.notice_policy().time_zone).date_naive();
    let input = DataCallInput {
        title: format!("{}年度网络安全基础数据调查", today.year()),
        description: "根据省教育厅要求，请各单位如实填报本单位网络安全基础数据。".into(),
        fields,
        due_on: today + Duration::days(10),
        units: Vec::new(),
    };
    let call = service::create(store, officer, input).await?;
    for (i, c) in call.completion.iter().enumerate() {
        if i % 4 == 3 {
            continue;
        }
        let who = demo_principal(store, &format!("netadmin.{}", c.unit)).await?.unwrap_or_else(|| sys.clone());
        let values = [
            ("f1", (i % 3).to_string()),
            ("f2", (4 + i * 3).to_string()),
            ("f3", "2026-09-20".into()),
            ("f4", if i % 2 == 0 { "是" } else { "否" }.into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let input = SubmissionInput { unit: c.unit.clone(), values, reason: String::new(), files: Vec::new() };
        service::submit(store, &who, call.data_call.id, input).await?;
    }
    if let Some(first) = call.completion.first() {
        let who = demo_principal(store, &format!("netadmin.{}", first.unit)).await?.unwrap_or_else(|| sys.clone());
        let values = [("f1", "1"), ("f2", "9"), ("f3", "2026-09-20"), ("f4", "是")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let input = SubmissionInput {
            unit: first.unit.clone(),
            values,
            reason: "漏报了备用机房的服务器".into(),
            files: Vec::new(),
        };
        service::submit(store, &who, call.data_call.id, input).await?;
    }
    Ok(())
}
