//! The unit registers over HTTP (issue 16): emergency plans flagged when not
//! reviewed within a year, drills and their improvement actions, the
//! management rules' completeness and the violation it proposes, the
//! personal-data register and outbound requests' two approvals, budget
//! totals, training and certificates with their reminders — and what each
//! unit lacks.

use crate::notices::scene;
use serde_json::json;

fn gaps_of<'a>(gaps: &'a serde_json::Value, unit: &str) -> &'a serde_json::Value {
    gaps.as_array().unwrap().iter().find(|g| g["unit"] == unit).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_are_flagged_a_year_after_review_and_drills_track_their_actions() {
    let s = scene().await;
    // Today is 2026-11-02 in Beijing. No plan yet: missing; no drill: due.
    let (_, g) = s.officer.get("/registers/gaps").await;
    assert_eq!(gaps_of(&g, "chem")["plan"], "missing");
    assert_eq!(gaps_of(&g, "chem")["drill_due"], true);
    assert_eq!(gaps_of(&g, "chem")["flagged"], true);

    let plan = json!({"unit": "chem", "title": "化学学院网络安全应急预案", "scenarios": "网页篡改；数据泄露",
        "contacts": "张老师 13800000000", "reviewed_on": "2025-10-31", "systems": [s.system]});
    let (st, p) = s.unit_admin.send("post", "/plans", plan.clone()).await;
    assert_eq!(st, 201, "{p}");
    let id = p["id"].as_i64().unwrap();
    assert_eq!((p["review_overdue"].as_bool(), p["review_due_on"].as_str()), (Some(true), Some("2026-10-31")));
    assert_eq!(p["systems"][0]["id"], s.system);
    let (_, g) = s.officer.get("/registers/gaps").await;
    assert_eq!(gaps_of(&g, "chem")["plan"], "overdue");
    let (_, overdue) = s.officer.get("/plans?overdue=true").await;
    assert_eq!(overdue["total"], 1);
    // Reviewed today: current again; the unit cannot be changed on revision.
    let mut revised = plan.clone();
    revised["reviewed_on"] = json!(null);
    let (st, p) = s.leader.send("put", &format!("/plans/{id}"), revised.clone()).await;
    assert_eq!(st, 200, "{p}");
    assert_eq!((p["review_overdue"].as_bool(), p["reviewed_on"].as_str()), (Some(false), Some("2026-11-02")));
    revised["unit"] = json!("");
    assert_eq!(s.officer.send("put", &format!("/plans/{id}"), revised).await.0, 422);
    let (_, g) = s.officer.get("/registers/gaps").await;
    assert_eq!(gaps_of(&g, "chem")["plan"], "current");
    // Missing contacts, a review in the future, a system of no unit of the caller's.
    let (st, e) = s
        .unit_admin
        .send(
            "post",
            "/plans",
            json!({"unit": "chem", "title": "x", "scenarios": "x", "contacts": " ",
            "reviewed_on": "2026-12-01", "systems": [999999]}),
        )
        .await;
    assert_eq!(st, 422);
    let fields: Vec<&str> =
        e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["contacts", "reviewed_on", "systems[0]"]);
    // The university-wide plan is the center's.
    let center = json!({"title": "学校网络安全事件应急预案", "scenarios": "全部", "contacts": "网络中心值班室"});
    assert_eq!(s.unit_admin.send("post", "/plans", center.clone()).await.0, 403);
    let (st, u) = s.officer.send("post", "/plans", center).await;
    assert_eq!((st.as_u16(), u["unit"].as_str()), (201, Some("")));
    let (_, mine) = s.unit_admin.get("/plans").await;
    assert_eq!(mine["total"], 2, "a unit sees its plan and the university's");
    // The plan's document, kept and read back.
    let r = s.unit_admin.call("post", &format!("/plans/{id}/files?file_name=预案.pdf"), None).await;
    assert_eq!(r.status(), 422, "an empty body is no document");
    let r = reqwest::Client::new()
        .post(s.app.url(&format!("/api/v1/plans/{id}/files?file_name=%E9%A2%84%E6%A1%88.pdf")))
        .bearer_auth(&s.unit_admin.token)
        .body(b"%PDF-1.4 plan".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let files: serde_json::Value = r.json().await.unwrap();
    assert_eq!(files[0]["file_name"], "预案.pdf");
    let r = s.leader.call("get", &format!("/plans/{id}/files/{}", files[0]["id"]), None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4 plan");

    // A drill with an action already past its date, and one ahead.
    let people = s.officer.get("/people?unit=chem").await.1;
    let owner = people["items"][0]["id"].as_i64().unwrap();
    let (st, d) = s
        .unit_admin
        .send(
            "post",
            "/drills",
            json!({"unit": "chem", "held_on": "2026-10-20", "scenario": "网页篡改处置演练",
                "participants": "张老师、值班人员", "what_happened": "按预案断网、恢复、报告", "problems": "备份恢复慢",
                "systems": [s.system],
                "actions": [{"description": "缩短恢复时间", "owner_person_id": owner, "due_on": "2026-11-01"},
                            {"description": "更新联系人", "owner_person_id": owner, "due_on": "2026-12-01"}]}),
        )
        .await;
    assert_eq!(st, 201, "{d}");
    let did = d["id"].as_i64().unwrap();
    assert_eq!((d["open_actions"].as_u64(), d["overdue_actions"].as_u64()), (Some(2), Some(1)));
    assert_eq!(d["actions"][0]["state"], "overdue");
    let (_, g) = s.officer.get("/registers/gaps").await;
    assert_eq!(
        (gaps_of(&g, "chem")["drill_due"].as_bool(), gaps_of(&g, "chem")["overdue_actions"].as_u64()),
        (Some(false), Some(1))
    );
    let (_, late) = s.officer.get("/drills?overdue_actions=true").await;
    assert_eq!(late["total"], 1);
    let aid = d["actions"][0]["id"].as_i64().unwrap();
    let (st, d) = s
        .unit_admin
        .send("post", &format!("/drills/{did}/actions/{aid}/done"), json!({"note": "已改为增量备份"}))
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!((d["actions"][0]["state"].as_str(), d["overdue_actions"].as_u64()), (Some("done"), Some(0)));
    assert_eq!(s.unit_admin.send("post", &format!("/drills/{did}/actions/{aid}/done"), json!({})).await.0, 409);
    let (st, d) = s
        .leader
        .send(
            "post",
            &format!("/drills/{did}/actions"),
            json!({"description": "补充演练", "owner_person_id": owner, "due_on": "2027-01-10"}),
        )
        .await;
    assert_eq!((st.as_u16(), d["actions"].as_array().unwrap().len()), (201, 3));
    // A drill in the future is refused.
    let (st, _) = s
        .unit_admin
        .send("post", "/drills", json!({"unit": "chem", "held_on": "2027-01-01", "scenario": "x", "participants": "x", "what_happened": "x"}))
        .await;
    assert_eq!(st, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_completeness_proposes_a_violation_for_the_missing_kinds() {
    let s = scene().await;
    for (kind, title) in [("people", "人员安全管理办法"), ("accounts", "账号管理办法")] {
        let (st, p) = s
            .unit_admin
            .send("put", "/policies", json!({"unit": "chem", "kind": kind, "title": title, "approved_on": "2026-03-01", "review_on": "2026-10-01"}))
            .await;
        assert_eq!(st, 200, "{p}");
        assert_eq!(p["review_passed"], true);
    }
    // A revision replaces the kind's rule.
    let (_, p) = s
        .unit_admin
        .send("put", "/policies", json!({"unit": "chem", "kind": "accounts", "title": "账号与口令管理办法（修订）", "approved_on": "2026-10-15"}))
        .await;
    assert_eq!(p["review_on"], serde_json::Value::Null);
    let (_, list) = s.officer.get("/policies?unit=chem").await;
    let titles: Vec<&str> = list.as_array().unwrap().iter().map(|p| p["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["人员安全管理办法", "账号与口令管理办法（修订）"]);
    let (_, c) = s.officer.get("/policies/completeness").await;
    let chem = c.as_array().unwrap().iter().find(|u| u["unit"] == "chem").unwrap();
    assert_eq!((chem["have"].as_u64(), chem["required"].as_u64()), (Some(2), Some(11)));
    assert_eq!(chem["missing"][0], "computers");
    assert_eq!(chem["review_passed"], json!(["people"]));
    assert_eq!(chem["may_propose"], true);
    // The unit cannot propose against itself; the center can.
    assert_eq!(s.unit_admin.send("post", "/policies/violations", json!({"unit": "chem"})).await.0, 403);
    let (st, v) = s.officer.send("post", "/policies/violations", json!({"unit": "chem"})).await;
    assert_eq!(st, 201, "{v}");
    assert_eq!((v["category"].as_str(), v["state"].as_str()), (Some("measures_missing"), Some("proposed")));
    let description = v["description"].as_str().unwrap();
    assert!(description.contains("计算机软硬件管理制度") && description.contains("总体安全规划"), "{description}");
    assert!(!description.contains("人员管理制度"), "{description}");
    // Every kind kept: complete, nothing to propose.
    for kind in wangan_core::registers::PolicyKind::ALL {
        s.unit_admin
            .send(
                "put",
                "/policies",
                json!({"unit": "chem", "kind": kind.as_str(), "title": "制度", "approved_on": "2026-10-01"}),
            )
            .await;
    }
    let (st, e) = s.officer.send("post", "/policies/violations", json!({"unit": "chem"})).await;
    assert_eq!((st.as_u16(), e["error"]["code"].as_str()), (409, Some("policies_complete")));
    let (_, g) = s.officer.get("/registers/gaps").await;
    assert_eq!(gaps_of(&g, "chem")["policies_missing"], 0);
    // A rule approved in the future, or reviewed before its approval, is refused.
    let (st, _) = s
        .unit_admin
        .send("put", "/policies", json!({"unit": "chem", "kind": "people", "title": "x", "approved_on": "2026-10-01", "review_on": "2026-09-01"}))
        .await;
    assert_eq!(st, 422);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_data_is_registered_and_requests_need_the_head_then_the_center() {
    let s = scene().await;
    let entry = json!({"system_id": s.system, "categories": "姓名、学号、手机号", "subjects": "学生",
        "purpose": "学生事务管理", "method": "收集、存储、使用", "scope": "全校本科生约 2 万人",
        "storage_place": "校内数据中心", "retention": "毕业后五年", "measures": "访问控制、传输加密、操作审计"});
    let (st, p) = s.unit_admin.send("post", "/personal-data", entry.clone()).await;
    assert_eq!(st, 201, "{p}");
    let pid = p["id"].as_i64().unwrap();
    assert_eq!(p["unit"], "chem");
    let mut bad = entry.clone();
    bad["measures"] = json!("");
    let (st, e) = s.unit_admin.send("post", "/personal-data", bad).await;
    assert_eq!((st.as_u16(), e["error"]["fields"][0]["field"].as_str()), (422, Some("measures")));
    let mut revised = entry.clone();
    revised["retention"] = json!("毕业后三年");
    let (st, p) = s.leader.send("put", &format!("/personal-data/{pid}"), revised).await;
    assert_eq!((st.as_u16(), p["retention"].as_str()), (200, Some("毕业后三年")));
    let r = s.officer.call("get", "/personal-data/export.xlsx", None).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let sheet = wangan_office::read(&bytes).unwrap();
    let rows: Vec<String> = sheet.rows.iter().map(|r| format!("{r:?}")).collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].contains("个人信息类别"), "{}", rows[0]);
    assert!(rows[1].contains("化学学院") && rows[1].contains("毕业后三年"), "{}", rows[1]);

    // A request to provide data outside: the head first, then the center.
    let (st, r) = s
        .unit_admin
        .send(
            "post",
            "/data-requests",
            json!({"unit": "chem", "system_id": s.system, "recipient": "某合作企业",
            "purpose": "联合培养项目遴选", "fields": "姓名、学号、成绩", "legal_basis": "学生本人书面同意"}),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    let rid = r["id"].as_i64().unwrap();
    assert_eq!((r["state"].as_str(), r["may_decide"].as_bool()), (Some("pending_leader"), Some(false)));
    let path = format!("/data-requests/{rid}/decision");
    assert_eq!(s.officer.send("post", &path, json!({"approve": true})).await.0, 403, "the head decides first");
    let (st, r) = s.leader.send("post", &path, json!({"approve": true, "note": "同意"})).await;
    assert_eq!(
        (st.as_u16(), r["state"].as_str(), r["leader_by"].as_str()),
        (200, Some("pending_center"), Some("chem-head"))
    );
    assert_eq!(s.leader.send("post", &path, json!({"approve": true})).await.0, 403, "then the center");
    let (st, e) = s.officer.send("post", &path, json!({"approve": false})).await;
    assert_eq!(
        (st.as_u16(), e["error"]["fields"][0]["field"].as_str()),
        (422, Some("note")),
        "a refusal needs its reason"
    );
    let (st, r) = s.officer.send("post", &path, json!({"approve": true, "note": "限于项目用途"})).await;
    assert_eq!((st.as_u16(), r["state"].as_str(), r["center_by"].as_str()), (200, Some("approved"), Some("officer")));
    let (st, e) = s.officer.send("post", &path, json!({"approve": true})).await;
    assert_eq!((st.as_u16(), e["error"]["code"].as_str()), (409, Some("request_decided")));
    let (_, pending) = s.officer.get("/data-requests?state=pending_center").await;
    assert_eq!(pending["total"], 0);
    assert_eq!(s.officer.get("/data-requests?state=nonsense").await.0, 422);
    assert_eq!(s.unit_admin.call("delete", &format!("/personal-data/{pid}"), None).await.status(), 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_totals_per_unit_and_across_the_university() {
    let s = scene().await;
    s.app.unit("math", "数学学院").await;
    let math = s.app.api(&s.app.user("math-admin", wangan_core::Role::UnitAdmin, Some("math")).await);
    let lines = [
        (
            &s.unit_admin,
            json!({"unit": "chem", "year": 2026, "category": "equipment", "planned": "120000", "spent": "80000.50", "special_fund": true}),
        ),
        (
            &s.unit_admin,
            json!({"unit": "chem", "year": 2026, "category": "services", "planned": "30,000", "note": "等级测评"}),
        ),
        (&math, json!({"unit": "math", "year": 2026, "category": "training", "planned": "5000.5", "spent": "5000.5"})),
        (&math, json!({"unit": "math", "year": 2025, "category": "training", "planned": "1"})),
    ];
    let mut ids = Vec::new();
    for (api, body) in lines {
        let (st, l) = api.send("post", "/budget", body).await;
        assert_eq!(st, 201, "{l}");
        ids.push(l["id"].as_i64().unwrap());
    }
    let (_, b) = s.officer.get("/budget?year=2026").await;
    assert_eq!(
        (b["planned"].as_str(), b["spent"].as_str(), b["special_planned"].as_str()),
        (Some("155000.50"), Some("85001.00"), Some("120000.00"))
    );
    assert_eq!(b["units"][0]["unit"], "chem");
    assert_eq!((b["units"][0]["planned"].as_str(), b["units"][0]["lines"].as_u64()), (Some("150000.00"), Some(2)));
    // A unit sees its own lines only.
    let (_, mine) = math.get("/budget?year=2026").await;
    assert_eq!((mine["lines"].as_array().unwrap().len(), mine["planned"].as_str()), (1, Some("5000.50")));
    for bad in ["-1", "1.234", "一万"] {
        let (st, e) = s
            .unit_admin
            .send("post", "/budget", json!({"unit": "chem", "year": 2026, "category": "other", "planned": bad}))
            .await;
        assert_eq!((st.as_u16(), e["error"]["fields"][0]["code"].as_str()), (422, Some("amount_format")), "{bad}");
    }
    let (st, l) = s
        .unit_admin
        .send(
            "put",
            &format!("/budget/{}", ids[1]),
            json!({"unit": "chem", "year": 2026, "category": "services", "planned": "30000", "spent": "30000"}),
        )
        .await;
    assert_eq!((st.as_u16(), l["spent"].as_str()), (200, Some("30000.00")));
    assert_eq!(math.call("delete", &format!("/budget/{}", ids[0]), None).await.status(), 404);
    assert_eq!(s.unit_admin.call("delete", &format!("/budget/{}", ids[0]), None).await.status(), 204);
    let (_, b) = s.officer.get("/budget?year=2026&unit=chem").await;
    assert_eq!(b["planned"], "30000.00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn training_and_certificates_show_who_lacks_them_and_expiry_is_reminded() {
    let s = scene().await;
    let sys = wangan_core::Principal::system("test");
    // 张老师 is chem's direct responsible person: its security staff.
    let (_, g) = s.officer.get("/registers/gaps").await;
    assert_eq!(gaps_of(&g, "chem")["staff"], json!(["张老师"]));
    assert_eq!(gaps_of(&g, "chem")["uncertified"], json!(["张老师"]));
    assert_eq!(gaps_of(&g, "chem")["untrained"], json!(["张老师"]));
    assert_eq!(
        (gaps_of(&g, "chem")["people"].as_u64(), gaps_of(&g, "chem")["people_untrained"].as_u64()),
        (Some(3), Some(3))
    );
    let people = s.officer.get("/people?unit=chem").await.1;
    let zhang =
        people["items"].as_array().unwrap().iter().find(|p| p["name"] == "张老师").unwrap()["id"].as_i64().unwrap();

    let (st, t) = s
        .unit_admin
        .send(
            "post",
            "/trainings",
            json!({"unit": "chem", "kind": "awareness", "title": "2026年全员网络安全意识培训",
            "held_on": "2026-10-12", "hours": "1.5", "attendees": [zhang]}),
        )
        .await;
    assert_eq!(st, 201, "{t}");
    assert_eq!((t["hours"].as_str(), t["attendee_count"].as_u64()), (Some("1.5"), Some(1)));
    let (st, e) = s
        .unit_admin
        .send("post", "/trainings", json!({"unit": "chem", "kind": "awareness", "title": "x", "held_on": "2026-10-12", "hours": "0.1", "attendees": [999999]}))
        .await;
    assert_eq!(st, 422);
    assert_eq!(e["error"]["fields"].as_array().unwrap().len(), 2, "{e}");
    let (_, list) = s.leader.get("/trainings?year=2026").await;
    assert_eq!(list["total"], 1);

    // A certificate expiring in 30 days: expiring, and reminded once.
    let (st, c) = s
        .unit_admin
        .send(
            "post",
            "/certificates",
            json!({"person_id": zhang, "kind": "cisp", "number": "CISP-2023-0001",
            "issued_on": "2023-12-02", "expires_on": "2026-12-02"}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    assert_eq!((c["state"].as_str(), c["person_name"].as_str()), (Some("expiring"), Some("张老师")));
    let (st, e) = s.unit_admin.send("post", "/certificates", json!({"person_id": zhang, "kind": "other"})).await;
    assert_eq!((st.as_u16(), e["error"]["fields"][0]["field"].as_str()), (422, Some("name")), "`other` needs its name");
    let (_, g) = s.officer.get("/registers/gaps").await;
    assert_eq!(gaps_of(&g, "chem")["uncertified"], json!([]));
    assert_eq!(gaps_of(&g, "chem")["untrained"], json!([]));
    assert_eq!(gaps_of(&g, "chem")["people_untrained"], 2, "王院长 and 李书记 missed it");
    assert_eq!(wangan_core::registers::service::training::remind_certificates(&s.app.store).await.unwrap(), 1);
    assert_eq!(wangan_core::registers::service::training::remind_certificates(&s.app.store).await.unwrap(), 0);
    let reminded = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        wangan_core::notify::entity::outbox::Entity::find()
            .filter(wangan_core::notify::entity::outbox::Column::Event.eq("certificate_expiring"))
            .count(s.app.store.db())
            .await
            .unwrap()
    };
    assert!(reminded >= 1, "the holder and the unit's direct responsible person are written to");
    let (_, expiring) = s.officer.get("/certificates?state=expiring").await;
    assert_eq!(expiring["total"], 1);
    let (_, valid) = s.officer.get("/certificates?state=valid").await;
    assert_eq!(valid["total"], 0);
    // Once expired, the staff lacks a certificate again.
    s.clock.advance(chrono::Duration::days(31));
    let (_, g) = s.officer.get("/registers/gaps").await;
    assert_eq!(gaps_of(&g, "chem")["uncertified"], json!(["张老师"]));
    let _ = sys;
}
