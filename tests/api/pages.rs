//! Every page renders, in both languages, for every role, with no missing message.

use crate::support::*;
use wangan_core::platform::access::Role;
use wangan_web::platform::i18n::MISSING;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_renders_in_both_languages_for_every_role() {
    let app = spawn_app().await;
    wangan_core::demo::seed(&app.store).await.unwrap();
    let person = wangan_core::directory::service::people::list(
        &app.store,
        &wangan_core::Principal::system("t"),
        &wangan_core::directory::service::people::PersonFilter { unit: Some("cs".into()), q: None },
        wangan_core::PageRequest::new(1, 1),
    )
    .await
    .unwrap()
    .items[0]
        .id;
    // A system of cs, which the cs leader and network administrator may see too.
    let system = wangan_core::registry::service::systems::list(
        &app.store,
        &wangan_core::Principal::system("t"),
        &wangan_core::registry::service::systems::SystemFilter { unit: Some("cs".into()), ..Default::default() },
        wangan_core::PageRequest::new(1, 1),
    )
    .await
    .unwrap()
    .items[0]
        .id;
    // A rectification of cs (the overdue one of the demo) and its notice.
    let rect = wangan_core::notices::service::rectifications::list(
        &app.store,
        &wangan_core::Principal::system("t"),
        &wangan_core::notices::service::rectifications::RectificationFilter {
            unit: Some("cs".into()),
            ..Default::default()
        },
        wangan_core::PageRequest::new(1, 1),
    )
    .await
    .unwrap()
    .items[0]
        .clone();
    // A monitor of cs with a check, a tampering finding and a baseline.
    use wangan_core::monitoring::service as monitoring;
    let sys = wangan_core::Principal::system("t");
    monitoring::sync(&app.store).await.unwrap();
    let mon = monitoring::list(
        &app.store,
        &sys,
        &monitoring::MonitorFilter { unit: Some("cs".into()), ..Default::default() },
        wangan_core::PageRequest::new(1, 1),
    )
    .await
    .unwrap()
    .items[0]
        .id;
    let evidence = serde_json::json!({"text_change": 0.93, "structure_change": 0.8, "added_text": ["Hacked by X"],
        "removed_text": ["学院新闻"], "new_scripts": ["http://evil.example/x.js"], "removed_scripts": [], "new_iframes": [],
        "title_before": "计算机学院"});
    monitoring::record(
        &app.store,
        vec![monitoring::CheckResult {
            monitor_id: mon,
            checked_at: app.store.now(),
            interval_s: 300,
            status: wangan_core::monitoring::Health::Up,
            health: wangan_core::monitoring::Health::Up,
            consecutive_failures: 0,
            down_since: None,
            status_code: Some(200),
            latency_ms: Some(42),
            error: String::new(),
            header_score: Some(60),
            tls_checked: true,
            exposure_checked: true,
            views_checked: false,
            content_key: None,
            page_key: None,
            checks_run: vec![wangan_core::monitoring::Check::Tamper],
            findings: vec![monitoring::FindingInput {
                check: wangan_core::monitoring::Check::Tamper,
                subject: "content".into(),
                code: wangan_core::monitoring::FindingCode::Tampered,
                severity: wangan_core::monitoring::FindingSeverity::Critical,
                summary: "页面与基线相比变化 93%".into(),
                evidence,
                open_notice: true,
            }],
            new_baseline: Some(("{}".into(), vec!["学院新闻".into(), "通知公告".into()])),
            verification: None,
        }],
    )
    .await
    .unwrap();
    let finding = monitoring::findings(&app.store, &sys, &Default::default(), wangan_core::PageRequest::new(1, 1))
        .await
        .unwrap()
        .items[0]
        .id;
    // A campaign the unit has partly answered, with a failed item verified on site.
    let campaign = {
        use wangan_core::inspections::service::{campaigns, checklists};
        let list = checklists::list(&app.store).await.unwrap().remove(0);
        let input = campaigns::LaunchInput {
            title: "年度自查".into(),
            checklist_id: list.id,
            due_on: app.store.now().date_naive() + chrono::Duration::days(10),
            units: vec!["cs".into()],
            systems: Vec::new(),
        };
        let id = campaigns::launch(&app.store, &sys, input).await.unwrap().campaign.id;
        let inspected = campaigns::unit_part(&app.store, &sys, id, "cs").await.unwrap().systems[0].system_id;
        let answers = vec![
            campaigns::AnswerInput { item: "1.1".into(), answer: "pass".into(), comment: String::new() },
            campaigns::AnswerInput { item: "6.1".into(), answer: "fail".into(), comment: "弱口令".into() },
        ];
        campaigns::answer(
            &app.store,
            &sys,
            id,
            campaigns::ResponsesInput { system_id: inspected, answers, evidence: Vec::new() },
        )
        .await
        .unwrap();
        let verify = campaigns::VerifyInput {
            system_id: inspected,
            item: "1.1".into(),
            answer: "fail".into(),
            comment: "不符".into(),
        };
        campaigns::verify(&app.store, &sys, id, verify).await.unwrap();
        (id, inspected)
    };
    let (campaign, inspected) = campaign;
    wangan_core::enforcement::service::engine::run_once(&app.store).await.unwrap();
    wangan_core::scorecard::service::record_month(&app.store).await.unwrap();
    let cs_violation = wangan_core::enforcement::service::violations::list(
        &app.store,
        &sys,
        &wangan_core::enforcement::service::violations::ViolationFilter {
            unit: Some("cs".into()),
            ..Default::default()
        },
        wangan_core::PageRequest::new(1, 1),
    )
    .await
    .unwrap()
    .items[0]
        .id;
    // Readiness: an incident with a step and evidence, a rota and an alert, a key period with a report.
    let incident = {
        use wangan_core::incidents::service::incidents;
        let d = incidents::create(
            &app.store,
            &sys,
            serde_json::from_value(serde_json::json!({"unit": "cs", "title": "首页被篡改", "kind": "web_tampering",
                "systems": [system], "homepage": true, "hours_visible": 2}))
            .unwrap(),
        )
        .await
        .unwrap();
        let step = serde_json::from_value(serde_json::json!({"step": "contained", "note": "已断网"})).unwrap();
        incidents::record_step(&app.store, &sys, d.incident.id, step).await.unwrap();
        let png =
            wangan_core::platform::uploads::Upload { file_name: "a.png".into(), bytes: b"\x89PNG\r\n\x1a\nx".to_vec() };
        incidents::add_evidence(&app.store, &sys, d.incident.id, "截图", vec![png]).await.unwrap();
        incidents::supplement(
            &app.store,
            &sys,
            d.incident.id,
            serde_json::from_value(serde_json::json!({"text": "续报"})).unwrap(),
        )
        .await
        .unwrap();
        d.incident.id
    };
    let today = app.store.now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    wangan_core::duty::service::shifts::create_rota(
        &app.store,
        &sys,
        serde_json::from_value(serde_json::json!({"unit": "cs", "starts_on": today, "days": 3, "handover": "08:30",
            "people": [person]}))
        .unwrap(),
    )
    .await
    .unwrap();
    let period = wangan_core::key_periods::service::create(
        &app.store,
        &sys,
        serde_json::from_value(serde_json::json!({"title": "重保", "kind": "exams", "starts_on": today,
            "ends_on": today + chrono::Duration::days(2), "units": ["cs"]}))
        .unwrap(),
    )
    .await
    .unwrap()
    .period
    .id;
    // The unit registers: one of each.
    let (plan, drill, request) = {
        use wangan_core::registers::service::{budget, data, drills, plans, policies, training};
        let j = |v: serde_json::Value| v;
        let plan = plans::create(
            &app.store,
            &sys,
            serde_json::from_value(j(serde_json::json!({"unit": "cs",
            "title": "应急预案", "scenarios": "网页篡改", "contacts": "值班电话", "systems": [system],
            "reviewed_on": "2025-01-01"})))
            .unwrap(),
        )
        .await
        .unwrap()
        .id;
        let drill = drills::create(
            &app.store,
            &sys,
            serde_json::from_value(j(serde_json::json!({"unit": "cs",
            "held_on": today, "scenario": "篡改演练", "participants": "全体", "what_happened": "处置",
            "actions": [{"description": "整改", "owner_person_id": person, "due_on": today}]})))
            .unwrap(),
        )
        .await
        .unwrap()
        .id;
        policies::put(
            &app.store,
            &sys,
            serde_json::from_value(j(serde_json::json!({"unit": "cs", "kind": "people",
            "title": "人员管理办法", "approved_on": today})))
            .unwrap(),
        )
        .await
        .unwrap();
        data::create_entry(
            &app.store,
            &sys,
            serde_json::from_value(j(serde_json::json!({"system_id": system,
            "categories": "姓名", "subjects": "学生", "purpose": "教务", "method": "存储", "storage_place": "机房",
            "retention": "五年", "measures": "加密"})))
            .unwrap(),
        )
        .await
        .unwrap();
        let request = data::create_request(
            &app.store,
            &sys,
            serde_json::from_value(j(serde_json::json!({"unit": "cs",
            "recipient": "合作方", "purpose": "科研", "fields": "姓名", "legal_basis": "同意"})))
            .unwrap(),
        )
        .await
        .unwrap()
        .id;
        budget::create(
            &app.store,
            &sys,
            serde_json::from_value(j(serde_json::json!({"unit": "cs", "year": 2026,
            "category": "equipment", "planned": "1000", "special_fund": true})))
            .unwrap(),
        )
        .await
        .unwrap();
        training::create_training(
            &app.store,
            &sys,
            serde_json::from_value(j(serde_json::json!({"unit": "cs",
            "kind": "awareness", "title": "培训", "held_on": today, "hours": "2", "attendees": [person]})))
            .unwrap(),
        )
        .await
        .unwrap();
        training::create_certificate(
            &app.store,
            &sys,
            serde_json::from_value(j(serde_json::json!({"person_id": person,
            "kind": "cisp", "expires_on": today + chrono::Duration::days(30)})))
            .unwrap(),
        )
        .await
        .unwrap();
        (plan, drill, request)
    };
    let roles = [
        ("admin", Role::Admin, None),
        ("officer", Role::Officer, None),
        ("reviewer", Role::Reviewer, None),
        ("leader", Role::Leader, Some("cs")),
        ("netadmin", Role::UnitAdmin, Some("cs")),
        ("auditor", Role::Auditor, None),
    ];
    let pages = [
        "/".to_owned(),
        "/units".into(),
        "/units?q=学院&kind=college".into(),
        "/units/cs".into(),
        "/people".into(),
        "/people?unit=cs&page=1".into(),
        format!("/people/{person}"),
        "/leadership".into(),
        "/systems".into(),
        "/systems/import".into(),
        "/systems?q=网站&stage=online&level=2&filing=filed&internet_facing=true&important=true&evaluation=overdue&sort=-updated".into(),
        format!("/systems/{system}"),
        "/audit".into(),
        "/status".into(),
        "/users".into(),
        "/account".into(),
        "/account/totp".into(),
        "/password".into(),
        "/notices".into(),
        "/notices?source=edusrc&severity=critical&status=open&unit=cs&overdue=true&q=漏洞".into(),
        format!("/notices/{}", rect.notice_id),
        "/rectifications".into(),
        "/rectifications?unit=cs&status=assigned&severity=high&overdue=true&from=2026-11-01&to=2026-12-31".into(),
        format!("/rectifications/{}", rect.id),
        "/channels".into(),
        "/deliveries".into(),
        "/monitors".into(),
        "/monitors?status=down&unit=cs&q=cs&findings=true".into(),
        format!("/monitors/{mon}"),
        "/findings".into(),
        "/findings?check=tamper&severity=critical&open=all&unit=cs".into(),
        format!("/findings/{finding}"),
        "/shutdown-orders".into(),
        "/shutdown-orders?state=proposed".into(),
        "/violations".into(),
        "/violations?state=confirmed".into(),
        "/golive-requests".into(),
        "/golive-requests?state=pending".into(),
        "/systems?mlps_filing=overdue&filing=needs_update".into(),
        "/campaigns".into(),
        format!("/campaigns/{campaign}"),
        format!("/campaigns/{campaign}/units/cs"),
        format!("/campaigns/{campaign}/units/cs?system={inspected}"),
        "/checklists/1".into(),
        "/scores".into(),
        "/scores/cs".into(),
        "/violations?unit=cs&category=not_filed&correction=open".into(),
        format!("/violations/{cs_violation}"),
        "/warnings".into(),
        "/warnings/1".into(),
        "/warnings/2".into(),
        "/data-calls".into(),
        "/data-calls/1".into(),
        "/incidents".into(),
        "/incidents?state=open".into(),
        format!("/incidents?system={system}"),
        format!("/incidents/{incident}"),
        "/duty".into(),
        "/key-periods".into(),
        format!("/key-periods/{period}"),
        "/registers".into(),
        "/plans".into(),
        format!("/plans/{plan}"),
        "/drills".into(),
        format!("/drills/{drill}"),
        "/policies".into(),
        "/policies?unit=cs".into(),
        "/personal-data".into(),
        "/personal-data?unit=cs".into(),
        "/data-requests".into(),
        "/data-requests?state=pending_leader".into(),
        format!("/data-requests/{request}"),
        "/budget".into(),
        "/budget?year=2026&unit=cs".into(),
        "/trainings".into(),
        "/trainings?unit=cs".into(),
    ];
    for (name, role, unit) in roles {
        app.user(&format!("p-{name}"), role, unit).await;
        let b = app.browser();
        assert_eq!(location(&b.login(&format!("p-{name}"), PASSWORD).await), "/");
        for lang in ["zh-CN", "en"] {
            let csrf = b.csrf("/").await;
            assert_eq!(b.post("/lang", &[("csrf", &csrf), ("locale", lang)]).await.status(), 303);
            for page in &pages {
                let (status, html) = b.get(page).await;
                let allowed = match page.as_str() {
                    "/audit" | "/status" => matches!(role, Role::Admin | Role::Auditor),
                    "/users" | "/deliveries" => role == Role::Admin,
                    _ => true,
                };
                let want = if allowed { 200 } else { 403 };
                assert_eq!(status, want, "{page} as {name} in {lang}");
                assert!(!html.contains(MISSING), "{page} as {name} in {lang} shows a missing message");
                assert!(html.contains(&format!("lang=\"{lang}\"")), "{page} in {lang}");
            }
        }
    }
    let (_, html) = app.browser().get("/login").await;
    assert!(!html.contains(MISSING));
    // The change history reads in words: field names and closed-set values from the catalog.
    let b = app.browser();
    b.login("p-admin", PASSWORD).await;
    let csrf = b.csrf("/").await;
    b.post("/lang", &[("csrf", &csrf), ("locale", "zh-CN")]).await;
    let (_, html) = b.get(&format!("/systems/{system}")).await;
    assert!(html.contains("安全保护等级") && html.contains("建设中"), "the history in Chinese");
    for raw in [">mlps_level<", ">filing_status<", ">building<"] {
        assert!(!html.contains(raw), "{raw} left raw in the history");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_an_account_that_must_change_its_password() {
    let app = spawn_app().await;
    app.unit("cs", "计算机学院").await;
    let person = app.person("cs", "张伟").await;
    app.user("root", Role::Admin, None).await;
    let b = app.browser();
    b.login("root", PASSWORD).await;
    let csrf = b.csrf("/users").await;
    let pid = person.to_string();

    // A unit role without a unit, and a weak password, are refused with reasons.
    let r = b
        .post(
            "/users",
            &[
                ("csrf", &csrf),
                ("username", "zhang.wei"),
                ("role", "unit_admin"),
                ("unit", ""),
                ("person_id", &pid),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("单位角色必须指定单位") && html.contains("密码至少 10 位"), "{html}");

    let r = b
        .post(
            "/users",
            &[
                ("csrf", &csrf),
                ("username", "zhang.wei"),
                ("role", "unit_admin"),
                ("unit", "cs"),
                ("person_id", &pid),
                ("password", "Initial-Pass-2026"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/users?ok=users.created");
    let (_, html) = b.get("/users").await;
    assert!(html.contains("zhang.wei") && html.contains("张伟"));
    let (_, html) = b.get(&format!("/people/{person}")).await;
    assert!(html.contains("zhang.wei"), "the person shows the account");

    let newcomer = app.browser();
    assert_eq!(location(&newcomer.login("zhang.wei", "Initial-Pass-2026").await), "/password");
}
