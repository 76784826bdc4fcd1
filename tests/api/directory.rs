//! Units, people, responsible persons and the leadership group, over the API and pages.

use crate::support::*;
use serde_json::json;
use wangan_core::platform::access::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metrics_and_openapi() {
    let app = spawn_app().await;
    let c = reqwest::Client::new();
    let r = c.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: serde_json::Value = c.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/me",
        "/api/v1/units",
        "/api/v1/units/{code}",
        "/api/v1/people/{id}",
        "/api/v1/units/{code}/responsibilities",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing from OpenAPI");
    }
    let metrics = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("wangan_http_requests_total{class=\"2xx\"}"), "{metrics}");
    assert!(metrics.contains("wangan_notifications{status=\"failed\"} 0"), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_crud_over_the_api() {
    let app = spawn_app().await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);

    let (s, v) = admin
        .send(
            "post",
            "/units",
            json!({"code": "cs", "name": "计算机学院", "name_en": "School of CS", "kind": "college"}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["code"], "cs");
    let (s, v) = admin
        .send("post", "/units", json!({"code": "cs-ai", "name": "人工智能研究院", "kind": "center", "parent": "cs"}))
        .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["parent"], "cs");

    let (s, v) = admin.get("/units/cs-ai").await;
    assert_eq!((s.as_u16(), v["name"].as_str()), (200, Some("人工智能研究院")));
    let (s, v) = admin.send("patch", "/units/cs-ai", json!({"name_en": "AI Institute", "parent": null})).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["parent"], serde_json::Value::Null);
    assert_eq!(v["name_en"], "AI Institute");

    // A unit cannot become its own ancestor.
    admin.send("patch", "/units/cs-ai", json!({"parent": "cs"})).await;
    let (s, v) = admin.send("patch", "/units/cs", json!({"parent": "cs-ai"})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["code"], "parent_cycle");

    let (s, v) = admin.get("/units?per_page=1&page=2").await;
    assert_eq!(s, 200);
    assert_eq!((v["total"].as_u64(), v["items"].as_array().map(Vec::len)), (Some(2), Some(1)));
    let (_, v) = admin.get("/units?unit=cs").await;
    assert_eq!(v["items"][0]["code"], "cs");
    assert_eq!(v["total"], 1);

    // In use (has a sub-unit) → 409; empty → 204; then gone.
    let (s, v) = admin.send("delete", "/units/cs", json!({})).await;
    assert_eq!((s.as_u16(), v["error"]["code"].as_str()), (409, Some("unit_in_use")));
    assert_eq!(admin.call("delete", "/units/cs-ai", None).await.status(), 204);
    assert_eq!(admin.get("/units/cs-ai").await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_and_responsible_persons() {
    let app = spawn_app().await;
    app.unit("chem", "化学学院").await;
    app.unit("math", "数学学院").await;
    let outsider = app.person("math", "孙明").await;
    let officer = app.api(&app.user("nic", Role::Officer, None).await);

    let mut ids = Vec::new();
    for (name, title) in [("李强", "院长"), ("王芳", "副院长"), ("张伟", "网络管理员")] {
        let (s, v) = officer
            .send("post", "/people", json!({"name": name, "unit": "chem", "title": title, "phone": "010-62751234", "email": "x@chem.university.example"}))
            .await;
        assert_eq!(s, 201, "{v}");
        assert_eq!(v["unit"], "chem");
        ids.push(v["id"].as_i64().unwrap());
    }
    let (s, v) = officer.send("patch", &format!("/people/{}", ids[2]), json!({"phone": "13800000000"})).await;
    assert_eq!((s.as_u16(), v["phone"].as_str()), (200, Some("13800000000")));
    let (_, v) = officer.get("/people?unit=chem").await;
    assert_eq!(v["total"], 3);

    // Missing responsible persons are listed on the dashboard until named.
    let (s, v) = officer.get("/units/chem/responsibilities").await;
    assert_eq!(s, 200);
    assert!(v["first"].is_null());
    let b = app.browser();
    app.user("viewer", Role::Reviewer, None).await;
    b.login("viewer", PASSWORD).await;
    let (_, home) = b.get("/").await;
    assert!(home.contains("/units/chem"), "dashboard lists chem as incomplete");

    // Someone from another unit cannot be appointed.
    let (s, v) = officer
        .send("put", "/units/chem/responsibilities", json!({"first": ids[0], "main": ids[1], "direct": outsider}))
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["fields"][0]["field"], "direct");

    let (s, v) = officer
        .send("put", "/units/chem/responsibilities", json!({"first": ids[0], "main": ids[1], "direct": ids[2]}))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["direct"]["name"], "张伟");
    // A typo does not wipe the three: unknown fields are refused, and every kind must be named.
    let (s, v) = officer.send("put", "/units/chem/responsibilities", json!({"drect": 38})).await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(
        v["error"]["fields"][0],
        json!({"field": "drect", "code": "unknown_field", "message": "Unknown field."})
    );
    let (s, v) = officer.send("put", "/units/chem/responsibilities", json!({"first": ids[0]})).await;
    assert_eq!((s.as_u16(), v["error"]["fields"][0]["code"].as_str()), (422, Some("required")), "{v}");
    assert_eq!(officer.get("/units/chem/responsibilities").await.1["direct"]["name"], "张伟", "nothing removed");
    // Clearing one is said with null.
    let (s, v) = officer
        .send("put", "/units/chem/responsibilities", json!({"first": ids[0], "main": null, "direct": ids[2]}))
        .await;
    assert_eq!((s.as_u16(), v["main"].is_null()), (200, true), "{v}");
    let (s, _) = officer
        .send("put", "/units/chem/responsibilities", json!({"first": ids[0], "main": ids[1], "direct": ids[2]}))
        .await;
    assert_eq!(s, 200);
    let (_, home) = b.get("/").await;
    assert!(!home.contains("/units/chem\""), "chem is complete now");
    assert!(home.contains("/units/math"), "math still lacks all three");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_create_units_and_people_with_localized_errors() {
    let app = spawn_app().await;
    app.user("root", Role::Admin, None).await;
    let b = app.browser();
    assert_eq!(location(&b.login("root", PASSWORD).await), "/");
    let csrf = b.csrf("/units").await;

    let r = b
        .post(
            "/units",
            &[
                ("csrf", &csrf),
                ("code", "law"),
                ("name", "法学院"),
                ("name_en", "Law School"),
                ("kind", "college"),
                ("parent", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/units/law?ok=unit.created");
    let (s, html) = b.get("/units/law?ok=unit.created").await;
    assert_eq!(s, 200);
    assert!(html.contains("单位已创建。") && html.contains("法学院"));

    // Duplicate code: the form comes back with the reason, in Chinese.
    let r = b.post("/units", &[("csrf", &csrf), ("code", "law"), ("name", "又一个"), ("kind", "college")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("单位代码已存在"));

    let r = b
        .post(
            "/people",
            &[
                ("csrf", &csrf),
                ("name", "赵敏"),
                ("unit", "law"),
                ("title", "网络管理员"),
                ("phone", "abc"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("电话号码格式不正确"));
    let r = b
        .post(
            "/people",
            &[
                ("csrf", &csrf),
                ("name", "赵敏"),
                ("unit", "law"),
                ("title", "网络管理员"),
                ("phone", "010-1234"),
                ("email", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = b.get("/people?unit=law").await;
    assert!(html.contains("赵敏"));

    // Leadership group: add a member, see it listed.
    let person_id = location(&r).trim_start_matches("/people/").split('?').next().unwrap().to_owned();
    let r = b
        .post(
            "/leadership",
            &[("csrf", &csrf), ("person_id", &person_id), ("position", "leader"), ("duty", "全面负责")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, html) = b.get("/leadership").await;
    assert!(html.contains("赵敏") && html.contains("组长"));
}

/// Issue 19: people carry a staff number (工号), unique; the people sheet
/// adds and updates people by it, all rows or none.
#[tokio::test]
async fn people_have_staff_numbers_and_come_from_a_sheet() {
    let app = spawn_app().await;
    app.unit("cs", "计算机学院").await;
    app.unit("ee", "电子学院").await;
    let officer = app.user("officer", Role::Officer, None).await;
    let api = app.api(&officer);
    let (st, p) = api.send("post", "/people", json!({"name": "王力", "unit": "cs", "staff_no": "20190012"})).await;
    assert_eq!(st, 201, "{p}");
    assert_eq!(p["staff_no"], "20190012");
    let (st, e) = api.send("post", "/people", json!({"name": "王二", "unit": "cs", "staff_no": "20190012"})).await;
    assert_eq!((st.as_u16(), e["error"]["code"].as_str()), (409, Some("staff_no_taken")), "{e}");
    let (st, e) = api.send("post", "/people", json!({"name": "王三", "unit": "cs", "staff_no": "2019 0012"})).await;
    assert_eq!(st, 422, "{e}");
    let (st, none) = api.send("post", "/people", json!({"name": "无工号", "unit": "cs"})).await;
    assert_eq!((st.as_u16(), &none["staff_no"]), (201, &serde_json::Value::Null));

    let send = |csv: String| {
        let url = app.url("/api/v1/people/import");
        let token = officer.clone();
        async move {
            let r = reqwest::Client::new().post(url).bearer_auth(token).body(csv.into_bytes()).send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    // One bad row: nothing written.
    let (st, report) = send(
        "姓名,单位,工号,电话\n王力,cs,20190012,010-62751234\n李娜,电子学院,20190013,\n赵敏,nosuch,20190014,\n".into(),
    )
    .await;
    assert_eq!(st, 200, "{report}");
    assert_eq!((report["written"].as_bool(), report["failed"].as_i64()), (Some(false), Some(1)), "{report}");
    assert!(report["lines"][2]["problems"].to_string().contains("单位"), "{report}");
    assert_eq!(api.get("/people?q=20190013").await.1["total"], 0);

    // All good: 王力 updated by staff number, 李娜 added (unit by its full name),
    // 无工号 found by unit and name and given one.
    let csv = "姓名,单位,工号,电话\n王力,cs,20190012,010-62751234\n李娜,电子学院,20190013,\n无工号,cs,20190015,\n";
    let (_, report) = send(csv.into()).await;
    assert_eq!(report["written"], true, "{report}");
    assert_eq!((report["created"].as_i64(), report["updated"].as_i64()), (Some(1), Some(2)), "{report}");
    let (_, wang) = api.get("/people?q=20190012").await;
    assert_eq!(wang["items"][0]["phone"], "010-62751234");
    let (_, li) = api.get("/people?q=20190013").await;
    assert_eq!(li["items"][0]["unit"], "ee");
    let (_, given) = api.get(&format!("/people/{}", none["id"])).await;
    assert_eq!(given["staff_no"], "20190015");
    // The same sheet again changes nothing.
    let (_, again) = send(csv.into()).await;
    assert_eq!((again["unchanged"].as_i64(), again["created"].as_i64()), (Some(3), Some(0)), "{again}");
    // A staff number twice in one sheet.
    let (_, dup) = send("姓名,单位,工号\n甲,cs,777\n乙,cs,777\n".into()).await;
    assert_eq!(dup["written"], false);
    assert!(dup["lines"][1]["problems"].to_string().contains("duplicate_in_file"), "{dup}");

    // A unit's network admin imports for their own unit only.
    let netadmin = app.user("netadmin", Role::UnitAdmin, Some("cs")).await;
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/people/import"))
        .bearer_auth(&netadmin)
        .body("姓名,单位,工号\n新人,ee,888\n".as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let report: serde_json::Value = r.json().await.unwrap();
    assert_eq!(report["written"], false, "{report}");
    let leader = app.user("leader", Role::Leader, Some("cs")).await;
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/people/import"))
        .bearer_auth(&leader)
        .body("姓名,单位\n新人,cs\n".as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
