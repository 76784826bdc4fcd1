//! The systems registry over the API: gates, filing, MLPS schedule, scope.

use crate::support::*;
use serde_json::{Value, json};
use wangan_core::platform::access::Role;

async fn setup() -> (TestApp, Api, i64) {
    let app = spawn_app().await;
    app.unit("chem", "化学学院").await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    let (s, v) = admin
        .send(
            "post",
            "/systems",
            json!({"name": "化学学院网站", "kind": "website", "unit": "chem", "urls": ["https://chem.university.example/"],
                   "ips": ["192.0.2.10"], "internet_facing": true, "important": true, "tags": ["WordPress", "php"],
                   "operator_vendor": "某网络科技公司", "operator_contact": "010-12345678", "hosting": "campus"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["stage"], "planned");
    assert_eq!(v["tags"], json!(["php", "wordpress"]));
    assert_eq!(v["domains"], json!(["chem.university.example"]));
    let id = v["id"].as_i64().unwrap();
    (app, admin, id)
}

fn reasons(v: &Value) -> Vec<String> {
    v["error"]["reasons"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_website_goes_online_only_when_every_gate_is_met() {
    let (app, admin, id) = setup().await;
    let to = |stage: &str| json!({"to": stage});

    // Graded at design time: no level, no building.
    let (s, v) = admin.send("post", &format!("/systems/{id}/transition"), to("building")).await;
    assert_eq!((s.as_u16(), reasons(&v)), (409, vec!["mlps_level".to_owned()]));
    assert_eq!(v["error"]["code"], "gate_failed");
    let (s, _) =
        admin.send("put", &format!("/systems/{id}/mlps"), json!({"level": 2, "graded_on": "2026-03-01"})).await;
    assert_eq!(s, 200);
    let (s, v) = admin.send("post", &format!("/systems/{id}/transition"), to("building")).await;
    assert_eq!((s.as_u16(), v["stage"].as_str()), (200, Some("building")));

    // Every missing condition is named at once.
    let (s, v) = admin.send("post", &format!("/systems/{id}/transition"), to("online")).await;
    assert_eq!(s, 409);
    assert_eq!(reasons(&v), ["filing", "protections:firewall", "protections:tamper_protection", "responsibilities"]);
    let (_, detail) = admin.get(&format!("/systems/{id}")).await;
    let online = detail["next_steps"].as_array().unwrap().iter().find(|n| n["to"] == "online").unwrap();
    assert_eq!(online["reasons"].as_array().unwrap().len(), 4, "the page can show what blocks the next step");

    // Fix them one by one.
    let (s, v) = admin.send("put", &format!("/systems/{id}/filing"), json!({"status": "filed"})).await;
    assert_eq!(s, 422, "a filed status needs a number and a date: {v}");
    let (s, _) = admin
        .send("put", &format!("/systems/{id}/filing"), json!({"status": "filed", "public_security_no": "11010802000001", "icp_no": "京ICP备00000001号", "filed_on": "2026-04-01"}))
        .await;
    assert_eq!(s, 200);
    let (s, v) = admin
        .send("put", &format!("/systems/{id}/protections"), json!([{"kind": "firewall", "product": "边界防火墙", "since": "2025-09-01"}, {"kind": "tamper_protection", "product": "网页防篡改"}]))
        .await;
    assert_eq!(s, 200, "{v}");
    let chem_people: Vec<i64> = {
        let mut ids = Vec::new();
        for name in ["院长", "副院长", "网管"] {
            ids.push(app.person("chem", name).await);
        }
        ids
    };
    admin
        .send(
            "put",
            "/units/chem/responsibilities",
            json!({"first": chem_people[0], "main": chem_people[1], "direct": chem_people[2]}),
        )
        .await;
    let (s, v) = admin.send("post", &format!("/systems/{id}/transition"), to("online")).await;
    assert_eq!((s.as_u16(), v["stage"].as_str()), (200, Some("online")), "{v}");

    // Changing the domain of a filed system asks for the filing to be updated.
    let (_, v) =
        admin.send("patch", &format!("/systems/{id}"), json!({"urls": ["https://www.chem.university.example/"]})).await;
    assert_eq!(v["filing"]["status"], "needs_update");
    let (_, v) = admin.send("patch", &format!("/systems/{id}"), json!({"notes": "只改备注"})).await;
    assert_eq!(v["filing"]["status"], "needs_update", "stays until the filing is updated");

    // Closing needs the filing cancelled (注销).
    admin.send("post", &format!("/systems/{id}/transition"), to("offline")).await;
    let (s, v) = admin.send("post", &format!("/systems/{id}/transition"), to("closed")).await;
    assert_eq!((s.as_u16(), reasons(&v)), (409, vec!["filing_not_cancelled".to_owned()]));
    admin
        .send(
            "put",
            &format!("/systems/{id}/filing"),
            json!({"status": "cancelled", "public_security_no": "11010802000001", "filed_on": "2026-04-01"}),
        )
        .await;
    let (s, _) = admin.send("post", &format!("/systems/{id}/transition"), to("closed")).await;
    assert_eq!(s, 200);

    // Only planned systems can be deleted; the shape of the life cycle holds.
    let (s, v) = admin.send("delete", &format!("/systems/{id}"), json!({})).await;
    assert_eq!((s.as_u16(), v["error"]["code"].as_str()), (409, Some("system_not_planned")));
    let (s, v) = admin.send("post", &format!("/systems/{id}/transition"), to("online")).await;
    assert_eq!((s.as_u16(), reasons(&v)), (409, vec!["invalid_transition".to_owned()]));
    let (s, v) = admin.send("post", &format!("/systems/{id}/transition"), to("shutdown")).await;
    assert_eq!((s.as_u16(), reasons(&v)), (409, vec!["shutdown_order_only".to_owned()]));

    // The history is in the audit log.
    let (_, log) = admin.get(&format!("/audit?entity=system&entity_id={id}&per_page=100")).await;
    let actions: Vec<&str> = log["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["create", "update", "protections", "transition"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_override_a_gate_and_only_with_a_reason() {
    let (app, admin, id) = setup().await;
    let officer = app.api(&app.user("nic", Role::Officer, None).await);
    admin.send("put", &format!("/systems/{id}/mlps"), json!({"level": 3, "graded_on": "2026-03-01"})).await;
    admin.send("post", &format!("/systems/{id}/transition"), json!({"to": "building"})).await;

    let (s, _) = officer
        .send("post", &format!("/systems/{id}/transition"), json!({"to": "online", "override_reason": "校领导批准"}))
        .await;
    assert_eq!(s, 403, "officers cannot override");
    let (s, v) = admin
        .send("post", &format!("/systems/{id}/transition"), json!({"to": "online", "override_reason": "  "}))
        .await;
    assert_eq!(s, 409, "a blank reason is no reason: {v}");
    let (s, v) = admin
        .send(
            "post",
            &format!("/systems/{id}/transition"),
            json!({"to": "online", "override_reason": "迎新期间临时上线，两周内补齐备案"}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["stage"], "online");
    let note = v["override_note"].as_str().unwrap();
    assert!(note.contains("迎新期间临时上线") && note.contains("root") && note.contains("protections:ips"), "{note}");
    let (_, log) = admin.get(&format!("/audit?entity=system&entity_id={id}&action=override")).await;
    assert_eq!(log["total"], 1);
    assert_eq!(log["items"][0]["after"]["override_reason"], "迎新期间临时上线，两周内补齐备案");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evaluations_schedule_the_next_one_and_overdue_systems_are_listed() {
    let (_app, admin, id) = setup().await;
    let (_, v) = admin
        .send(
            "put",
            &format!("/systems/{id}/mlps"),
            json!({"level": 3, "graded_on": "2024-01-10", "filing_no": "11010899001-24001", "filed_on": "2024-02-01"}),
        )
        .await;
    assert_eq!(v["mlps"]["evaluation_due_on"], "2025-01-10");
    assert_eq!(v["mlps"]["evaluation"], "overdue");
    let (_, list) = admin.get("/systems?evaluation=overdue").await;
    assert_eq!(list["total"], 1);

    let (s, v) = admin
        .send("post", &format!("/systems/{id}/mlps/evaluations"), json!({"agency": "某测评中心", "evaluated_on": "2026-10-01", "result": "good", "score": 82.5, "rectification_items": ["口令复杂度不足", ""]}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["mlps"]["evaluation_due_on"], "2027-10-01", "level 3: one year after the last");
    assert_eq!(v["evaluations"][0]["rectification_items"], json!(["口令复杂度不足"]));
    let (_, list) = admin.get("/systems?evaluation=overdue").await;
    assert_eq!(list["total"], 0);

    let (_, v) =
        admin.send("put", &format!("/systems/{id}/mlps"), json!({"level": 2, "graded_on": "2024-01-10"})).await;
    assert_eq!(v["mlps"]["evaluation_due_on"], "2028-10-01", "level 2: two years");
    // The current report template: the conclusion follows the score; the old words only read (issue 14 rule 1).
    for (body, code) in [
        (
            json!({"agency": "某测评中心", "evaluated_on": "2026-10-01", "result": "basic_pass", "score": 82.5}),
            "legacy_result",
        ),
        (
            json!({"agency": "某测评中心", "evaluated_on": "2026-10-01", "result": "excellent", "score": 82.5}),
            "result_score_mismatch",
        ),
        (json!({"agency": "某测评中心", "evaluated_on": "2026-10-01", "result": "good"}), "required"),
    ] {
        let (s, v) = admin.send("post", &format!("/systems/{id}/mlps/evaluations"), body).await;
        assert_eq!((s.as_u16(), v["error"]["fields"][0]["code"].as_str()), (422, Some(code)), "{v}");
    }
    // Level 4: at least every six months (art. 14).
    let (_, v) =
        admin.send("put", &format!("/systems/{id}/mlps"), json!({"level": 4, "graded_on": "2024-01-10"})).await;
    assert_eq!(v["mlps"]["evaluation_due_on"], "2027-04-01", "level 4: six months after the last");
    let (s, v) = admin.send("put", &format!("/systems/{id}/mlps"), json!({"level": 7})).await;
    assert_eq!((s.as_u16(), v["error"]["fields"][0]["code"].as_str()), (422, Some("level_range")));
    let (s, _) = admin
        .send(
            "post",
            &format!("/systems/{id}/mlps/evaluations"),
            json!({"agency": "x", "evaluated_on": "2099-01-01", "result": "pass"}),
        )
        .await;
    assert_eq!(s, 422, "no evaluations in the future");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_system_input_is_refused_field_by_field() {
    let (app, admin, _) = setup().await;
    let before = app.audit_count().await;
    let (s, v) = admin
        .send("post", "/systems", json!({"name": "", "kind": "spaceship", "unit": "nowhere", "urls": ["chem.example"], "ips": ["1.2.3.999"], "tags": ["中文"], "hosting": "moon", "operator_unit": "nowhere"}))
        .await;
    assert_eq!(s, 422);
    let fields: Vec<&str> =
        v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    for f in ["name", "kind", "hosting", "urls", "ips", "tags", "unit", "operator_unit"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let (s, _) = admin.send("put", "/systems/1/protections", json!([{"kind": "firewall"}, {"kind": "firewall"}])).await;
    assert_eq!(s, 422, "one entry per kind");
    let (s, _) = admin.send("put", "/systems/1/protections", json!([{"kind": "magic"}])).await;
    assert_eq!(s, 422);
    assert_eq!(admin.get("/systems/abc").await.0, 404);
    assert_eq!(admin.get("/systems?level=high").await.0, 400);
    assert_eq!(app.audit_count().await, before, "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_sort_and_scope() {
    let (app, admin, _) = setup().await;
    app.unit("math", "数学学院").await;
    for (name, unit, facing, important) in [
        ("数学学院网站", "math", true, false),
        ("数学计算平台", "math", false, true),
        ("化学实验室管理", "chem", false, false),
    ] {
        let (s, _) = admin
            .send("post", "/systems", json!({"name": name, "kind": "application", "unit": unit, "internet_facing": facing, "important": important}))
            .await;
        assert_eq!(s, 201);
    }
    let (_, v) = admin.get("/systems?unit=math").await;
    assert_eq!(v["total"], 2);
    let (_, v) = admin.get("/systems?internet_facing=false&sort=-name").await;
    let names: Vec<&str> = v["items"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2);
    assert!(names[0] > names[1], "descending: {names:?}");
    let (_, v) = admin.get("/systems?important=true").await;
    assert_eq!(v["total"], 2);
    let (_, v) = admin.get("/systems?q=chem.university").await;
    assert_eq!(v["total"], 1, "full text reaches URLs");
    let (_, v) = admin.get("/systems?stage=planned&per_page=2&page=2").await;
    assert_eq!((v["total"].as_u64(), v["items"].as_array().map(Vec::len)), (Some(4), Some(2)));

    let netadmin = app.api(&app.user("netadmin", Role::UnitAdmin, Some("math")).await);
    let (_, v) = netadmin.get("/systems").await;
    assert_eq!(v["total"], 2, "unit roles see their units' systems only");
    let (_, v) = netadmin.get("/systems?unit=chem").await;
    assert_eq!(v["total"], 0);
    let (s, v) =
        netadmin.send("post", "/systems", json!({"name": "越权登记", "kind": "website", "unit": "chem"})).await;
    assert_eq!((s.as_u16(), v["error"]["fields"][0]["code"].as_str()), (422, Some("unknown_unit")));
    // Handing a system to another unit needs rights there too.
    let (_, list) = netadmin.get("/systems").await;
    let mine = list["items"][0]["id"].as_i64().unwrap();
    let (s, _) = netadmin.send("patch", &format!("/systems/{mine}"), json!({"unit": "chem"})).await;
    assert_eq!(s, 422, "chem is not a unit this user can see");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_evaluation_report_is_kept_and_served_only_within_scope() {
    let (app, _admin, id) = setup().await;
    app.user("netadmin", Role::UnitAdmin, Some("chem")).await;
    app.unit("math", "数学学院").await;
    app.user("outsider", Role::UnitAdmin, Some("math")).await;
    let b = app.browser();
    b.login("netadmin", PASSWORD).await;
    let csrf = b.csrf(&format!("/systems/{id}")).await;
    let send = |file: Vec<u8>, name: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("agency", "某测评中心")
            .text("evaluated_on", "2026-10-01")
            .text("result", "fair")
            .text("score", "75")
            .part("report", reqwest::multipart::Part::bytes(file).file_name(name));
        b.client.post(format!("{}/systems/{id}/evaluations", b.base)).multipart(form).send()
    };
    let r = send(b"MZ\x90\x00 not a document".to_vec(), "report.exe").await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("只接受 PDF"));
    let pdf = b"%PDF-1.7\n% the report\n".to_vec();
    let r = send(pdf.clone(), "等保测评报告.pdf").await.unwrap();
    assert_eq!(r.status(), 303);
    let (_, html) = b.get(&format!("/systems/{id}")).await;
    assert!(html.contains("等保测评报告.pdf"));
    let api = app.api(&app.user("viewer", Role::Reviewer, None).await);
    let (_, detail) = api.get(&format!("/systems/{id}")).await;
    let eid = detail["evaluations"][0]["id"].as_i64().unwrap();
    assert_eq!(detail["evaluations"][0]["report"]["file_name"], "等保测评报告.pdf");
    let r = b.client.get(format!("{}/systems/{id}/evaluations/{eid}/report", b.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);
    let other = app.browser();
    other.login("outsider", PASSWORD).await;
    assert_eq!(other.get(&format!("/systems/{id}/evaluations/{eid}/report")).await.0, 404);
}
