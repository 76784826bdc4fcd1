//! Filings as the rules have them, over HTTP: the public-security filing is
//! what lets an internet-facing system go online (公安部令第33号, §四(一));
//! the MLPS filing clock (《信息安全等级保护管理办法》 art. 15) flags and
//! reminds; a unit's rename or a replaced responsible person marks its
//! filings for updating (变更备案) until they are put right.

use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use wangan_core::platform::access::Role;
use wangan_core::registry::service::reminders;
use wangan_core::{FixedClock, Principal};

/// A unit with its three responsible persons (people ids returned).
async fn unit_with_responsibles(app: &TestApp, code: &str) -> Vec<i64> {
    app.unit_with_responsibles(code, "化学学院").await.to_vec()
}

fn reasons(v: &Value) -> Vec<String> {
    v["error"]["reasons"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// 公安部令第33号 and §四(一): an ICP number alone does not let a website go online.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_icp_number_alone_does_not_go_online() {
    let app = spawn_app().await;
    unit_with_responsibles(&app, "chem").await;
    let system = app.system_in_building("chem").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let prots = json!([{"kind": "firewall"}, {"kind": "tamper_protection"}]);
    assert_eq!(officer.send("put", &format!("/systems/{system}/protections"), prots).await.0, 200);
    let icp_only = json!({"status": "filed", "icp_no": "京ICP备05004617号", "filed_on": "2026-01-10"});
    assert_eq!(officer.send("put", &format!("/systems/{system}/filing"), icp_only).await.0, 200);
    let (st, v) = officer.send("post", &format!("/systems/{system}/transition"), json!({"to": "online"})).await;
    assert_eq!(st, 409, "{v}");
    assert_eq!(reasons(&v), ["public_security_no"], "{v}");
    // The page says so in words.
    let (_, detail) = officer.get(&format!("/systems/{system}")).await;
    let online = detail["next_steps"].as_array().unwrap().iter().find(|s| s["to"] == "online").cloned().unwrap();
    assert_eq!(online["reasons"], json!(["public_security_no"]));
    let both = json!({"status": "filed", "icp_no": "京ICP备05004617号", "public_security_no": "11010802000001",
        "filed_on": "2026-01-10"});
    assert_eq!(officer.send("put", &format!("/systems/{system}/filing"), both).await.0, 200);
    let (st, v) = officer.send("post", &format!("/systems/{system}/transition"), json!({"to": "online"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["stage"], "online");
}

/// Art. 15 of 《信息安全等级保护管理办法》: level 2 and above file within 30
/// days of grading or going online, whichever is later; past that the
/// system is flagged and its unit reminded, once a day, until it files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mlps_filing_clock_flags_and_reminds() {
    let clock = Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()));
    let app = spawn_at(clock.clone()).await;
    unit_with_responsibles(&app, "chem").await;
    // Graded on 2026-01-05 (system_in_building), in building: due 30 days later.
    let system = app.system_in_building("chem").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let (_, v) = officer.get(&format!("/systems/{system}")).await;
    assert_eq!(v["mlps"]["filing_due_on"], "2026-02-04", "{v}");
    assert_eq!(v["mlps"]["filing_overdue"], true);
    let (_, list) = officer.get("/systems?mlps_filing=overdue").await;
    assert_eq!(list["total"], 1);

    let r = reminders::run_once(&app.store).await.unwrap();
    assert_eq!((r.mlps_filing, r.filing_update), (1, 0));
    assert!(r.messages >= 1, "the unit's responsible persons are written to");
    assert_eq!(reminders::run_once(&app.store).await.unwrap().mlps_filing, 0, "once a day");
    clock.advance(chrono::Duration::days(1));
    assert_eq!(reminders::run_once(&app.store).await.unwrap().mlps_filing, 1, "and again the next day");

    // Going online later restarts the clock from that day (the later of the two).
    let admin = app.api(&app.user("admin2", Role::Admin, None).await);
    let (_, v) = admin
        .send(
            "post",
            &format!("/systems/{system}/transition"),
            json!({"to": "online", "override_reason": "测试：特批放行"}),
        )
        .await;
    assert_eq!(v["mlps"]["went_online_on"], "2026-03-03", "{v}");
    assert_eq!(v["mlps"]["filing_due_on"], "2026-04-02");
    assert_eq!(v["mlps"]["filing_overdue"], false);

    // Recording the filing number stops the clock.
    let mlps =
        json!({"level": 2, "graded_on": "2026-01-05", "filing_no": "11010843001-26001", "filed_on": "2026-03-03"});
    let (st, v) = officer.send("put", &format!("/systems/{system}/mlps"), mlps).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["mlps"]["filing_due_on"], Value::Null);
    clock.advance(chrono::Duration::days(60));
    assert_eq!(reminders::run_once(&app.store).await.unwrap().mlps_filing, 0);
    let (_, list) = officer.get("/systems?mlps_filing=overdue").await;
    assert_eq!(list["total"], 0);
    // Level 1 files nothing.
    app.unit("phys", "物理学院").await;
    let other = app.system_in_building("phys").await;
    let (_, v) =
        officer.send("put", &format!("/systems/{other}/mlps"), json!({"level": 1, "graded_on": "2026-01-05"})).await;
    assert_eq!(v["mlps"]["filing_due_on"], Value::Null);
}

/// 公安部令第33号: the filing names the unit and its responsible persons; a
/// change of either, not only of addresses, calls for a 变更备案.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_or_a_new_responsible_person_calls_for_a_filing_update() {
    let app = spawn_app().await;
    let people = unit_with_responsibles(&app, "chem").await;
    let system = app.system_in_building("chem").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let filed = json!({"status": "filed", "icp_no": "京ICP备05004617号", "public_security_no": "11010802000001",
        "filed_on": "2026-01-10"});
    let filing = format!("/systems/{system}/filing");
    assert_eq!(officer.send("put", &filing, filed.clone()).await.0, 200);
    let path = format!("/systems/{system}");
    let status = |v: Value| v["filing"]["status"].clone();

    // A new first responsible person.
    let newcomer = wangan_core::directory::service::people::create(
        &app.store,
        &Principal::system("test"),
        serde_json::from_value(json!({"name": "赵院长", "unit": "chem"})).unwrap(),
    )
    .await
    .unwrap()
    .id;
    let body = json!({"first": newcomer, "main": people[1], "direct": people[2]});
    assert_eq!(officer.send("put", "/units/chem/responsibilities", body.clone()).await.0, 200);
    assert_eq!(status(officer.get(&path).await.1), "needs_update");
    let r = reminders::run_once(&app.store).await.unwrap();
    assert_eq!(r.filing_update, 1);
    // The same persons again change nothing.
    assert_eq!(officer.send("put", &filing, filed.clone()).await.0, 200);
    assert_eq!(officer.send("put", "/units/chem/responsibilities", body).await.0, 200);
    assert_eq!(status(officer.get(&path).await.1), "filed");

    // The unit's new name.
    let admin = app.api(&app.user("admin2", Role::Admin, None).await);
    let (st, _) = admin.send("patch", "/units/chem", json!({"name": "化学与分子工程学院"})).await;
    assert_eq!(st, 200);
    assert_eq!(status(officer.get(&path).await.1), "needs_update");
    let (_, history) = admin.get(&format!("/audit?entity=system&entity_id={system}&action=filing_needs_update")).await;
    assert!(history.to_string().contains("unit_renamed"), "the reason is kept: {history}");
    let (_, list) = officer.get("/systems?filing=needs_update").await;
    assert_eq!(list["total"], 1);
}

/// Issue 14 rule 6 (§四(一), 先备案后上线): the unit cannot move its system
/// online itself; it asks, sends the filing certificate, and the center
/// approves (the system goes online through its gates) or refuses with a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_asks_to_go_online_and_the_center_decides() {
    let app = spawn_app().await;
    unit_with_responsibles(&app, "chem").await;
    let system = app.system_in_building("chem").await;
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let unit_admin = app.api(&app.user("chem-admin", Role::UnitAdmin, Some("chem")).await);
    let leader = app.api(&app.user("chem-head", Role::Leader, Some("chem")).await);
    let prots = json!([{"kind": "firewall"}, {"kind": "tamper_protection"}]);
    assert_eq!(unit_admin.send("put", &format!("/systems/{system}/protections"), prots).await.0, 200);
    let filed = json!({"status": "filed", "icp_no": "京ICP备05004617号", "public_security_no": "11010802000001",
        "filed_on": "2026-01-10"});
    assert_eq!(unit_admin.send("put", &format!("/systems/{system}/filing"), filed).await.0, 200);

    // Everything is in place, but the unit does not move it itself.
    let (st, v) = unit_admin.send("post", &format!("/systems/{system}/transition"), json!({"to": "online"})).await;
    assert_eq!(st, 409, "{v}");
    assert_eq!(reasons(&v), ["golive_request"]);
    let (_, d) = unit_admin.get(&format!("/systems/{system}")).await;
    assert_eq!(d["actions"]["request_golive"], true);

    // It asks; the leader may not; a second request waits for the first.
    let (st, _) = leader.send("post", &format!("/systems/{system}/golive"), json!({"note": "x"})).await;
    assert_eq!(st, 403);
    let (st, r) =
        unit_admin.send("post", &format!("/systems/{system}/golive"), json!({"note": "已完成公安备案"})).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["state"], "pending");
    let id = r["id"].as_i64().unwrap();
    let (st, _) = unit_admin.send("post", &format!("/systems/{system}/golive"), json!({})).await;
    assert_eq!(st, 409);
    let (_, pending) = officer.get("/golive-requests?state=pending").await;
    assert_eq!(pending["total"], 1);

    // No certificate yet: the center cannot approve an internet-facing system.
    let (st, e) = officer.send("post", &format!("/golive-requests/{id}/approve"), json!({})).await;
    assert_eq!(st, 409, "{e}");
    assert_eq!(e["error"]["code"], "certificate_required", "{e}");
    let put = |bytes: &'static [u8]| {
        unit_admin
            .client
            .put(app.url(&format!("/api/v1/golive-requests/{id}/certificate?file_name=备案证明.pdf")))
            .bearer_auth(&unit_admin.token)
            .body(bytes)
            .send()
    };
    assert_eq!(put(b"MZ\x90\x00not a certificate").await.unwrap().status(), 422, "only PDFs and images");
    let res = put(b"%PDF-1.4\n%certificate\n").await.unwrap();
    assert_eq!(res.status(), 200);
    let r: serde_json::Value = res.json().await.unwrap();
    assert_eq!(r["certificate"]["file_name"], "备案证明.pdf");
    let file = officer.call("get", &format!("/golive-requests/{id}/certificate"), None).await;
    assert_eq!(file.status(), 200);
    assert!(file.bytes().await.unwrap().starts_with(b"%PDF-"));

    // Refusing needs a reason; approving puts the system online and starts the filing clock.
    let (st, _) = officer.send("post", &format!("/golive-requests/{id}/refuse"), json!({})).await;
    assert_eq!(st, 422);
    let (st, r) = officer.send("post", &format!("/golive-requests/{id}/approve"), json!({"note": "证明已核验"})).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["state"], "approved");
    let (_, d) = unit_admin.get(&format!("/systems/{system}")).await;
    assert_eq!(d["stage"], "online");
    assert!(d["mlps"]["went_online_on"].is_string());
    assert_eq!(d["golive"]["state"], "approved");
    let (st, _) = officer.send("post", &format!("/golive-requests/{id}/approve"), json!({})).await;
    assert_eq!(st, 409, "decided once");
}
