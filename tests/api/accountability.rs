//! The accountability rules engine and the violations' follow-up (issue 15,
//! §三(四) of the notice): each automatic behaviour raised from its facts,
//! not raised without them, not duplicated, corrected when the facts are;
//! `false_data` only by hand; a confirmed violation's correction deadline and
//! the notice of criticism an admin issues when it passes.

use crate::notices::scene;
use chrono::Duration;
use serde_json::json;
use wangan_core::enforcement::service::engine;
use wangan_core::platform::access::Role;

fn categories(v: &serde_json::Value) -> Vec<String> {
    let mut c: Vec<String> =
        v["items"].as_array().unwrap().iter().map(|i| i["category"].as_str().unwrap().to_owned()).collect();
    c.sort();
    c
}

/// The scene's system went online by an override: internet-facing, level 2,
/// no filing and no protections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rules_propose_from_the_facts_once_and_correct_them() {
    let s = scene().await;
    let store = &s.app.store;
    let pass = engine::run_once(store).await.unwrap();
    assert_eq!((pass.proposed, pass.corrected), (2, 0));
    let (_, v) = s.officer.get("/violations").await;
    assert_eq!(categories(&v), ["measures_missing", "not_filed"]);
    assert!(v["items"].as_array().unwrap().iter().all(|i| i["state"] == "proposed" && i["raised_by"] == "rules"));
    let missing = v["items"].as_array().unwrap().iter().find(|i| i["category"] == "measures_missing").unwrap();
    assert!(missing["description"].as_str().unwrap().contains("防火墙"), "{missing}");
    assert_eq!(engine::run_once(store).await.unwrap().proposed, 0, "no duplicates");

    // Filed: that fact is corrected; the other stands.
    let (st, f) = s
        .unit_admin
        .send(
            "put",
            &format!("/systems/{}/filing", s.system),
            json!({"status": "filed", "public_security_no": "11010802000001", "filed_on": "2026-01-10"}),
        )
        .await;
    assert_eq!(st, 200, "{f}");
    assert_eq!(engine::run_once(store).await.unwrap().corrected, 1);
    let (_, open) = s.officer.get("/violations?correction=open").await;
    assert_eq!(categories(&open), ["measures_missing"]);
    // A dismissed proposal is a person's judgement: the next pass does not raise it again.
    let id = open["items"][0]["id"].as_i64().unwrap();
    s.officer.send("post", &format!("/violations/{id}/dismiss"), json!({"note": "防护由学校统一部署"})).await;
    assert_eq!(engine::run_once(store).await.unwrap().proposed, 0);
    // Unfiled again later: a new fact, proposed again.
    s.unit_admin.send("put", &format!("/systems/{}/filing", s.system), json!({"status": "cancelled"})).await;
    assert_eq!(engine::run_once(store).await.unwrap().proposed, 1);

    // Never false_data by itself.
    let (_, all) = s.officer.get("/violations?category=false_data").await;
    assert_eq!(all["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_system_without_a_level_is_not_graded_and_systems_not_online_show_nothing() {
    let s = scene().await;
    let sys = wangan_core::Principal::system("test");
    // A second system registered but never built: nothing to propose.
    let planned = wangan_core::registry::service::systems::create(
        &s.app.store,
        &sys,
        serde_json::from_value(json!({"name": "规划中的系统", "kind": "website", "unit": "chem",
            "urls": ["https://plan.chem.university.example/"], "internet_facing": true}))
        .unwrap(),
    )
    .await
    .unwrap();
    // The scene's system loses its level (records from before the gates).
    {
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let m = wangan_core::registry::entity::system::Entity::find_by_id(s.system)
            .one(s.app.store.db())
            .await
            .unwrap()
            .unwrap();
        let mut am: wangan_core::registry::entity::system::ActiveModel = m.into();
        am.mlps_level = Set(None);
        am.update(s.app.store.db()).await.unwrap();
    }
    engine::run_once(&s.app.store).await.unwrap();
    let (_, v) = s.officer.get("/violations").await;
    assert_eq!(categories(&v), ["measures_missing", "not_filed", "not_graded"]);
    assert!(v["items"].as_array().unwrap().iter().all(|i| i["system_id"] == s.system));
    assert!(planned.system.id != s.system);
}

/// A shutdown order is 五 (拒不整改): the ladder proposes it with the same key the rules use.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_proposal_is_one_refusal_not_two() {
    let s = scene().await;
    let (st, _) = s
        .officer
        .send(
            "post",
            "/notices",
            json!({"source": "edusrc", "title": "SQL 注入", "severity": "critical", "systems": [s.system]}),
        )
        .await;
    assert_eq!(st, 201);
    for _ in 0..13 {
        s.clock.advance(Duration::hours(4));
        wangan_core::notices::service::escalation::run_once(&s.app.store).await.unwrap();
    }
    let (_, orders) = s.officer.get("/shutdown-orders?state=proposed").await;
    assert_eq!(orders["total"], 1);
    engine::run_once(&s.app.store).await.unwrap();
    let (_, v) = s.officer.get("/violations?category=refused_rectification").await;
    assert_eq!(v["total"], 1, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uncorrected_past_the_deadline_an_admin_issues_a_notice_of_criticism() {
    let s = scene().await;
    let admin = s.app.api(&s.app.user("root", Role::Admin, None).await);
    engine::run_once(&s.app.store).await.unwrap();
    let (_, v) = s.officer.get("/violations?category=not_filed").await;
    let id = v["items"][0]["id"].as_i64().unwrap();
    let (st, c) = s.officer.send("post", &format!("/violations/{id}/confirm"), json!({"note": "已核实"})).await;
    assert_eq!(st, 200);
    let today = s.app.store.now().with_timezone(&s.app.store.notice_policy().time_zone).date_naive();
    assert_eq!(c["correct_by"], json!(today + Duration::days(30)), "责令限期改正: 30 days by default");
    assert_eq!(c["criticism_due"], false);
    assert_eq!(admin.send("post", &format!("/violations/{id}/criticize"), json!({})).await.0, 409, "not due yet");

    s.clock.advance(Duration::days(31));
    let (_, due) = s.officer.get("/violations?correction=criticism_due").await;
    assert_eq!(due["total"], 1);
    assert_eq!(due["items"][0]["may_criticize"], false, "the officer sees it; an admin issues it");
    assert_eq!(s.officer.send("post", &format!("/violations/{id}/criticize"), json!({})).await.0, 403);
    let (st, c) = admin.send("post", &format!("/violations/{id}/criticize"), json!({"note": "逾期未改正"})).await;
    assert_eq!(st, 200, "{c}");
    assert!(c["criticism_no"].as_str().unwrap().contains("〔2026〕"), "{c}");
    assert_eq!(admin.send("post", &format!("/violations/{id}/criticize"), json!({})).await.0, 409, "once");
    let r = s.officer.call("get", &format!("/violations/{id}/criticism.docx"), None).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"));
    let text = String::from_utf8_lossy(&bytes).to_string();
    assert!(!text.is_empty());
    let (_, due) = s.officer.get("/violations?correction=criticism_due").await;
    assert_eq!(due["total"], 0);

    // A person records the correction of one the rules do not watch.
    let (_, fd) = s
        .officer
        .send("post", "/violations", json!({"unit": "chem", "category": "false_data", "description": "数据填报不实"}))
        .await;
    let fid = fd["id"].as_i64().unwrap();
    assert_eq!(
        s.officer.send("post", &format!("/violations/{fid}/correct"), json!({"note": "已更正"})).await.0,
        409,
        "only confirmed ones"
    );
    s.officer.send("post", &format!("/violations/{fid}/confirm"), json!({})).await;
    assert_eq!(s.officer.send("post", &format!("/violations/{fid}/correct"), json!({})).await.0, 422, "how, in words");
    let (st, c) =
        s.officer.send("post", &format!("/violations/{fid}/correct"), json!({"note": "已重新如实填报"})).await;
    assert_eq!(st, 200);
    assert!(c["corrected_at"].is_string());
}
