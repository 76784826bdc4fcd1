//! Security incidents over HTTP (issue 16, §三(三) of the notice): opened
//! with facts the suggested grade reads, the reporting clock step by step
//! (met and missed), evidence with its hash and custody, the grade and the
//! accountability record a major one raises, supplements, closure with
//! cause and measures, and the report as `.docx`; monitoring findings open
//! incidents and alert the person on duty.

use crate::notices::scene;
use crate::support::*;
use chrono::Duration;
use serde_json::{Value, json};
use wangan_core::platform::access::Role;
use wangan_core::{Clock, Principal};

fn step<'a>(d: &'a Value, name: &str) -> &'a Value {
    d["clock"].as_array().and_then(|a| a.iter().find(|c| c["step"] == name)).unwrap_or(&Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_from_detection_to_its_closing_report() {
    let s = scene().await;
    let clock = &s.clock;
    let (st, _) = s
        .officer
        .send("patch", &format!("/systems/{}", s.system), json!({"important": true, "internet_facing": true}))
        .await;
    assert_eq!(st, 200);
    let detected = clock.now();

    // The unit's network admin opens it: the home page of an important site, visible 6 hours.
    let (st, d) = s
        .unit_admin
        .send(
            "post",
            "/incidents",
            json!({"title": "学院首页被篡改", "kind": "web_tampering", "systems": [s.system], "homepage": true,
                "hours_visible": 6, "description": "首页出现博彩内容", "contacts": "张老师 13800000000"}),
        )
        .await;
    assert_eq!(st, 201, "{d}");
    let id = d["incident"]["id"].as_i64().unwrap();
    assert_eq!(d["incident"]["unit"], "chem", "the unit of its system");
    assert_eq!(d["incident"]["suggested_grade"], "large", "{d}");
    assert_eq!(d["incident"]["grade"], Value::Null);
    assert_eq!(d["incident"]["cii"], false);
    // 较大: four hours to every report, the CAC included.
    let due = |v: &Value| chrono::DateTime::parse_from_rfc3339(v["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(due(step(&d, "reported_police")), detected + Duration::hours(4));
    assert_eq!(due(step(&d, "reported_cac")), detected + Duration::hours(4));
    assert_eq!(step(&d, "reported_police")["remaining_s"], 4 * 3600);
    assert_eq!(step(&d, "contained")["due_at"], Value::Null);
    assert_eq!(d["actions"], json!({"work": true, "manage": false, "supplement": true}));
    // The unit's head of another unit does not see it; the unit admin may not grade it.
    s.app.unit("math", "数学学院").await;
    let other = s.app.api(&s.app.user("math-admin", Role::UnitAdmin, Some("math")).await);
    assert_eq!(other.get(&format!("/incidents/{id}")).await.0, 404);
    assert_eq!(s.unit_admin.send("post", &format!("/incidents/{id}/grade"), json!({"grade": "major"})).await.0, 403);

    // Marked critical information infrastructure: the targets shorten to one hour.
    let (st, e) = s.officer.send("patch", &format!("/systems/{}", s.system), json!({"tags": ["portal", "cii"]})).await;
    assert_eq!(st, 200, "{e}");
    let (st, d) = s.unit_admin.send("patch", &format!("/incidents/{id}"), json!({"impact": "约2万次访问"})).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["incident"]["cii"], true);
    assert_eq!(d["incident"]["suggested_grade"], "major", "critical infrastructure visible 6 hours: {d}");
    assert_eq!(due(step(&d, "reported_police")), detected + Duration::hours(1));

    // Contained at 20 minutes, reported to the police at 50 (met), to the supervisor at 70 (missed).
    clock.advance(Duration::minutes(80));
    for (name, minutes, note) in [
        ("contained", 20, "已暂停网站"),
        ("reported_police", 50, "已电话报告属地派出所"),
        ("reported_supervisor", 70, ""),
    ] {
        let (st, d) = s
            .unit_admin
            .send(
                "post",
                &format!("/incidents/{id}/steps"),
                json!({"step": name, "done_at": detected + Duration::minutes(minutes), "note": note}),
            )
            .await;
        assert_eq!(st, 200, "{name}: {d}");
    }
    let (_, d) = s.officer.get(&format!("/incidents/{id}")).await;
    assert_eq!(step(&d, "contained")["state"], "met");
    assert_eq!(step(&d, "reported_police")["state"], "met");
    assert_eq!(step(&d, "reported_supervisor")["state"], "missed");
    assert_eq!(step(&d, "reported_cac")["state"], "overdue", "{d}");
    assert_eq!(step(&d, "preserved")["state"], "pending");
    assert_eq!(d["incident"]["overdue"], true);
    assert_eq!(d["steps"][1]["done_by"], "chem-admin");
    // Each step once; a time in the future is refused.
    let (st, _) = s.unit_admin.send("post", &format!("/incidents/{id}/steps"), json!({"step": "contained"})).await;
    assert_eq!(st, 409);
    let (st, e) = s
        .unit_admin
        .send(
            "post",
            &format!("/incidents/{id}/steps"),
            json!({"step": "preserved", "done_at": clock.now() + Duration::hours(2)}),
        )
        .await;
    assert_eq!((st.as_u16(), e["error"]["fields"][0]["field"].as_str()), (422, Some("done_at")), "{e}");

    // Evidence: kept with its SHA-256; reading it is written to the timeline.
    let png = b"\x89PNG\r\n\x1a\nthe defaced page".to_vec();
    let r = s
        .unit_admin
        .client
        .post(format!(
            "{}/incidents/{id}/evidence?file_name=%E9%A6%96%E9%A1%B5.png&description=%E6%88%AA%E5%9B%BE",
            s.unit_admin.base
        ))
        .bearer_auth(&s.unit_admin.token)
        .body(png.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let d: Value = r.json().await.unwrap();
    let ev = &d["evidence"][0];
    use sha2::Digest;
    assert_eq!(ev["sha256"], hex::encode(sha2::Sha256::digest(&png)));
    assert_eq!(ev["file_name"], "首页.png");
    let r = s.officer.call("get", &format!("/incidents/{id}/evidence/{}", ev["id"]), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let r = s
        .unit_admin
        .client
        .post(format!("{}/incidents/{id}/evidence?file_name=x.exe", s.unit_admin.base))
        .bearer_auth(&s.unit_admin.token)
        .body(b"MZ\x90\x00".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422, "only documents and images are kept");

    // The center grades it 重大: an accountability record names the unit's responsible persons.
    let (st, d) = s
        .officer
        .send("post", &format!("/incidents/{id}/grade"), json!({"grade": "major", "note": "首页可见超过6小时"}))
        .await;
    assert_eq!(st, 200, "{d}");
    let vid = d["incident"]["violation_id"].as_i64().expect("a violation");
    let (_, v) = s.officer.get(&format!("/violations/{vid}")).await;
    assert_eq!(v["category"], "major_incident");
    assert_eq!(v["state"], "proposed");
    let text = v["description"].as_str().unwrap();
    for name in ["王院长", "李书记", "张老师"] {
        assert!(text.contains(name), "{text}");
    }
    // Graded again: no second record.
    let (_, d) = s.officer.send("post", &format!("/incidents/{id}/grade"), json!({"grade": "especially_major"})).await;
    assert_eq!(d["incident"]["violation_id"], vid);

    // A supplement, then closure: the cause and the measures are required.
    let (st, _) = s
        .unit_admin
        .send("post", &format!("/incidents/{id}/supplements"), json!({"text": "经排查为 CMS 弱口令被利用"}))
        .await;
    assert_eq!(st, 201);
    let (st, e) =
        s.officer.send("post", &format!("/incidents/{id}/close"), json!({"cause": "", "measures": "已恢复"})).await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "cause");
    let (st, d) = s
        .officer
        .send(
            "post",
            &format!("/incidents/{id}/close"),
            json!({"cause": "CMS 后台弱口令", "measures": "修改口令、升级 CMS、恢复首页"}),
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["incident"]["state"], "closed");
    assert_eq!(d["actions"], json!({"work": false, "manage": false, "supplement": true}));
    assert_eq!(s.unit_admin.send("post", &format!("/incidents/{id}/steps"), json!({"step": "preserved"})).await.0, 409);
    // Supplements may still follow a closed incident (续报).
    assert_eq!(
        s.unit_admin.send("post", &format!("/incidents/{id}/supplements"), json!({"text": "已完成复测"})).await.0,
        201
    );

    // The timeline holds every step, in order, with who.
    let (_, tl) = s.officer.get(&format!("/incidents/{id}/timeline")).await;
    let kinds: Vec<&str> = tl.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["opened", "updated", "step", "evidence", "custody", "graded", "supplement", "closed"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert_eq!(kinds[0], "opened");

    // The closing report: well-formed, with the facts, the steps and both supplements.
    let r = s.officer.call("get", &format!("/incidents/{id}/report.docx"), None).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    crate::input::assert_well_formed("incident report", &bytes);
    let xml = docx_text(&bytes);
    for want in [
        "处置总结报告",
        "特别重大",
        "CMS 后台弱口令",
        "已电话报告属地派出所",
        "续报1",
        "续报2",
        "已完成复测",
        "关键信息基础设施",
    ] {
        assert!(xml.contains(want), "{want} in the report");
    }
}

fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml").unwrap().read_to_string(&mut xml).unwrap();
    xml
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_incident_input_is_refused_by_field() {
    let s = scene().await;
    let (st, e) =
        s.officer.send("post", "/incidents", json!({"title": "", "kind": "malware", "systems": [999999]})).await;
    assert_eq!(st, 422);
    let fields: Vec<&str> =
        e["error"]["fields"].as_array().unwrap().iter().map(|x| x["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"title") && fields.contains(&"systems"), "{fields:?}");
    let (st, _) = s.officer.send("post", "/incidents", json!({"title": "x", "kind": "worm"})).await;
    assert_eq!(st, 422, "unknown kind");
    let (st, e) = s
        .officer
        .send(
            "post",
            "/incidents",
            json!({"title": "x", "kind": "other", "unit": "chem", "detected_at": s.clock.now() + Duration::days(1)}),
        )
        .await;
    assert_eq!((st.as_u16(), e["error"]["fields"][0]["field"].as_str()), (422, Some("detected_at")));
    // Reviewers and auditors read incidents but open none.
    let reviewer = s.app.api(&s.app.user("rev", Role::Reviewer, None).await);
    assert_eq!(
        reviewer.send("post", "/incidents", json!({"title": "x", "kind": "other", "unit": "chem"})).await.0,
        403
    );
    assert_eq!(reviewer.get("/incidents").await.0, 200);
}

/// A hidden gambling link on an internet-facing site opens an incident, and
/// the person on duty hears of it first; unacknowledged, the alert climbs to
/// the unit's direct responsible person, then the center; acknowledged, it stops.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitoring_opens_an_incident_and_the_alert_climbs_the_duty_ladder() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let m = spawn_monitored().await;
    let app = &m.app;
    let [_, _, direct] = app.unit_with_responsibles("alpha", "甲学院").await;
    let system = app.system_in_building("alpha").await;
    let sys = Principal::system("test");
    let on_duty = app.person("alpha", "赵值班").await;
    for (owner, kind, target) in [
        (json!({"owner_kind": "person", "owner": on_duty.to_string()}), "webhook", "http://127.0.0.1:9/duty"),
        (json!({"owner_kind": "center"}), "webhook", "http://127.0.0.1:9/center"),
    ] {
        let mut input = owner;
        input["kind"] = json!(kind);
        input["target"] = json!(target);
        wangan_core::notify::service::add_channel(&app.store, &sys, serde_json::from_value(input).unwrap())
            .await
            .unwrap();
    }
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let duty_user = app.api(&app.user_for_person("zhao", Role::Reviewer, None, Some(on_duty)).await);
    let now = m.clock.now();
    let (st, sh) = officer
        .send(
            "post",
            "/duty/shifts",
            json!({"unit": "alpha", "person_id": on_duty, "phone": "13900000000",
                "starts_at": now - Duration::hours(1), "ends_at": now + Duration::hours(23)}),
        )
        .await;
    assert_eq!(st, 201, "{sh}");

    m.engine.run_once().await.unwrap();
    m.farm.update("www.alpha.university.example", |s| s.plant = wangan_monitor::farm::Plant::HiddenLinks);
    m.clock.advance(Duration::seconds(301));
    m.engine.run_once().await.unwrap();

    let (_, list) = officer.get("/incidents").await;
    let items = list["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{list}");
    let inc = &items[0];
    assert_eq!(inc["source"], "monitoring");
    assert_eq!(inc["kind"], "illegal_content");
    assert!(inc["finding_id"].is_i64() && inc["notice_id"].is_i64(), "{inc}");
    let (_, d) = officer.get(&format!("/incidents/{}", inc["id"])).await;
    assert_eq!(d["systems"][0]["id"], system);
    assert_eq!(d["incident"]["homepage"], true, "the monitored URL is the home page");
    let (_, f) = officer.get(&format!("/findings/{}", inc["finding_id"])).await;
    let text = d["description"].as_str().unwrap();
    assert!(text.contains("证据") && text.contains(f["summary"].as_str().unwrap()), "the evidence is filled in: {d}");
    assert_eq!(d["incident"]["detected_at"], f["first_seen_at"], "the finding's time");

    // The alerts went to the person on duty, not yet to the center.
    let outbox = |event: &'static str| async move {
        wangan_core::notify::entity::outbox::Entity::find()
            .filter(wangan_core::notify::entity::outbox::Column::Event.eq(event))
            .order_by_asc(wangan_core::notify::entity::outbox::Column::Id)
            .all(app.store.db())
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.target)
            .collect::<Vec<_>>()
    };
    let sent = outbox("incident_opened").await;
    assert!(!sent.is_empty() && sent.iter().all(|t| t == "http://127.0.0.1:9/duty"), "{sent:?}");
    let (_, alerts) = officer.get("/duty/alerts?open=true").await;
    assert_eq!(alerts["total"], 1, "the incident's one alert (its other findings joined it): {alerts}");
    let alert = &alerts["items"][0];
    assert_eq!((alert["rung"].as_str(), alert["on_duty"].as_str()), (Some("duty"), Some("赵值班")));
    let id = alert["id"].as_i64().unwrap();

    // Fifteen minutes unacknowledged: to the direct responsible person; fifteen more: the center.
    m.clock.advance(Duration::minutes(14));
    assert_eq!(wangan_core::duty::service::alerts::escalate(&app.store).await.unwrap(), 0, "not yet");
    m.clock.advance(Duration::minutes(2));
    assert_eq!(wangan_core::duty::service::alerts::escalate(&app.store).await.unwrap(), 1);
    let escalated = outbox("incident_opened_escalated").await;
    assert_eq!(escalated, ["direct@alpha.university.example"], "{escalated:?}");
    let _ = direct;
    m.clock.advance(Duration::minutes(16));
    assert_eq!(wangan_core::duty::service::alerts::escalate(&app.store).await.unwrap(), 1);
    assert!(outbox("incident_opened_escalated").await.iter().any(|t| t == "http://127.0.0.1:9/center"));
    m.clock.advance(Duration::minutes(16));
    assert_eq!(
        wangan_core::duty::service::alerts::escalate(&app.store).await.unwrap(),
        0,
        "the center is the last rung"
    );
    // The person on duty acknowledges it (another person of the unit may not).
    let stranger = app.api(&app.user_for_person("qian", Role::Reviewer, None, Some(direct)).await);
    assert_eq!(stranger.send("post", &format!("/duty/alerts/{id}/acknowledge"), json!({})).await.0, 403);
    let (st, a) = duty_user.send("post", &format!("/duty/alerts/{id}/acknowledge"), json!({})).await;
    assert_eq!(st, 200, "{a}");
    assert_eq!((a["acknowledged_by"].as_str(), a["state"].as_str()), (Some("zhao"), Some("acknowledged")));
    assert_eq!(duty_user.send("post", &format!("/duty/alerts/{id}/acknowledge"), json!({})).await.0, 409);
}
