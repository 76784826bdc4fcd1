//! The unit scorecard over HTTP (issue 15): a score from its factors, what
//! would raise it, scoped to the caller, ranked, recorded monthly.

use crate::notices::scene;
use serde_json::json;
use wangan_core::platform::access::Role;

fn factor<'a>(s: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    s["factors"].as_array().unwrap().iter().find(|f| f["factor"] == name).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_units_score_follows_its_records() {
    let s = scene().await;
    s.app.unit("art", "艺术学院").await; // no responsible persons, no systems
    let (st, score) = s.leader.get("/units/chem/score").await;
    assert_eq!(st, 200, "{score}");
    // The scene's system: online, internet-facing, level 2, unfiled, unprotected.
    assert_eq!(factor(&score, "filed")["count"], json!({"good": 0, "total": 1}));
    assert_eq!(factor(&score, "protections")["count"], json!({"good": 0, "total": 1}));
    assert_eq!(factor(&score, "responsibles")["count"], json!({"good": 3, "total": 3}));
    assert_eq!(factor(&score, "filed")["gain"], 15.0);
    // No plan, no drill, no rules, no certified and trained staff: the registers' four readiness facts fail.
    assert_eq!(factor(&score, "readiness")["count"], json!({"good": 0, "total": 4}));
    let before = score["score"].as_i64().unwrap();
    assert_eq!(before, 70, "unfiled (15), unprotected (10), no registers (readiness 5): {score}");
    // A current emergency plan is one of them.
    let (st, _) = s
        .unit_admin
        .send(
            "post",
            "/plans",
            json!({"unit": "chem", "title": "应急预案", "scenarios": "网页篡改", "contacts": "值班电话"}),
        )
        .await;
    assert_eq!(st, 201);
    let (_, score) = s.leader.get("/units/chem/score").await;
    assert_eq!(factor(&score, "readiness")["count"], json!({"good": 1, "total": 4}));
    let before = score["score"].as_i64().unwrap();
    assert_eq!(before, 71, "a quarter of readiness' 5 points back: {score}");

    s.unit_admin
        .send(
            "put",
            &format!("/systems/{}/filing", s.system),
            json!({"status": "filed", "public_security_no": "11010802000001", "filed_on": "2026-01-10"}),
        )
        .await;
    let (_, score) = s.leader.get("/units/chem/score").await;
    assert_eq!(score["score"].as_i64().unwrap(), before + 15);
    assert_eq!(factor(&score, "filed")["gain"], 0.0);

    // A confirmed, uncorrected violation costs points.
    let (_, v) = s
        .officer
        .send("post", "/violations", json!({"unit": "chem", "category": "false_data", "description": "填报不实"}))
        .await;
    s.officer.send("post", &format!("/violations/{}/confirm", v["id"]), json!({})).await;
    let (_, score) = s.leader.get("/units/chem/score").await;
    assert_eq!(factor(&score, "violations")["count"]["total"], 1);
    assert_eq!(score["score"].as_i64().unwrap(), before + 15 - 5);

    // The leader sees only their own unit; the center sees every unit ranked.
    assert_eq!(s.leader.get("/units/art/score").await.0, 404);
    let (_, ranking) = s.leader.get("/scores").await;
    assert_eq!(ranking["units"].as_array().unwrap().len(), 1);
    let (_, ranking) = s.officer.get("/scores").await;
    let units: Vec<&str> = ranking["units"].as_array().unwrap().iter().map(|u| u["unit"].as_str().unwrap()).collect();
    // A unit with no systems loses its missing responsible persons and its empty registers (85);
    // chem lacks protections, most of its registers, and has an open violation (81).
    assert_eq!(units, ["art", "chem"], "{ranking}");
    assert_eq!((ranking["units"][0]["score"].as_i64(), ranking["units"][1]["score"].as_i64()), (Some(85), Some(81)));
    assert_eq!(ranking["units"][1]["rank"], 2);
    assert_eq!(factor(&ranking["units"][0], "responsibles")["gain"], 10.0);
    let r = s.officer.call("get", "/scores.xlsx", None).await;
    assert_eq!(r.status(), 200);
    let sheet = wangan_office::read(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(sheet.rows.len(), 3);

    // The monthly record gives the trend.
    wangan_core::scorecard::service::record_month(&s.app.store).await.unwrap();
    wangan_core::scorecard::service::record_month(&s.app.store).await.unwrap();
    let (_, score) = s.leader.get("/units/chem/score").await;
    assert_eq!(score["trend"].as_array().unwrap().len(), 1, "one row per month: {score}");
    let (_, ranking) = s.officer.get("/scores").await;
    assert_eq!(ranking["average_trend"].as_array().unwrap().len(), 1);
    let _ = s.app.api(&s.app.user("aud", Role::Auditor, None).await);
}
