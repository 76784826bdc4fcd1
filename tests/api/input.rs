//! Bad input is answered with a 4xx and changes nothing: never a 500, never a panic.

use crate::support::*;
use serde_json::json;
use wangan_core::platform::access::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_api_input_changes_nothing() {
    let app = spawn_app().await;
    let token = app.user("root", Role::Admin, None).await;
    let admin = app.api(&token);
    app.unit("cs", "计算机学院").await;
    let before = app.audit_count().await;
    let url = format!("{}/units", admin.base);
    let c = reqwest::Client::new();

    // Malformed JSON.
    let r = c
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"code\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_request");
    // Wrong types.
    let (s, v) = admin.send("post", "/units", json!({"code": 5, "name": [], "kind": "college"})).await;
    assert_eq!(s, 422, "{v}");
    // Not JSON at all.
    let r = c.post(&url).bearer_auth(&token).body("code=x").send().await.unwrap();
    assert_eq!(r.status(), 415);
    // Unknown parent unit, unknown kind, bad code: every problem named.
    let (s, v) = admin
        .send("post", "/units", json!({"code": "bad code", "name": "", "kind": "planet", "parent": "nowhere"}))
        .await;
    assert_eq!(s, 422, "{v}");
    let fields: Vec<&str> =
        v["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["code", "name", "kind", "parent"]);
    // Duplicate code.
    let (s, v) = admin.send("post", "/units", json!({"code": "cs", "name": "重复", "kind": "college"})).await;
    assert_eq!((s.as_u16(), v["error"]["code"].as_str()), (409, Some("duplicate_code")));
    // Unknown unit for a person.
    let (s, v) = admin.send("post", "/people", json!({"name": "王五", "unit": "nowhere"})).await;
    assert_eq!((s.as_u16(), v["error"]["fields"][0]["code"].as_str()), (422, Some("unknown_unit")));
    // A 10 MB body.
    let big = format!("{{\"code\":\"x\",\"name\":\"{}\",\"kind\":\"college\"}}", "a".repeat(10 * 1024 * 1024));
    let auth = format!("Bearer {token}");
    let status = raw_status(
        app.addr,
        "POST",
        "/api/v1/units",
        &[("Authorization", &auth), ("Content-Type", "application/json")],
        big.into_bytes(),
    )
    .await;
    assert_eq!(status, 413);
    // Garbage ids and query strings.
    assert_eq!(admin.get("/people/abc").await.0, 404);
    assert_eq!(admin.get("/people/99999999999999999999").await.0, 404);
    assert_eq!(admin.get("/units?page=minus").await.0, 400);
    assert_eq!(admin.get("/no/such/route").await.0, 404);
    // No or wrong token.
    assert_eq!(c.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(c.get(&url).bearer_auth("wg_nope").send().await.unwrap().status(), 401);

    assert_eq!(app.audit_count().await, before, "nothing was written");
    let (_, v) = admin.get("/units").await;
    assert_eq!(v["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_form_input_changes_nothing() {
    let app = spawn_app().await;
    app.user("root", Role::Admin, None).await;
    let b = app.browser();
    b.login("root", PASSWORD).await;
    let csrf = b.csrf("/units").await;
    let before = app.audit_count().await;

    // Invalid UTF-8 in a form.
    let body = format!("csrf={csrf}&code=x&name=%FF%FE&kind=college");
    let r = b
        .client
        .post(format!("{}/units", b.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Missing CSRF token.
    let r = b.post("/units", &[("code", "x"), ("name", "某学院"), ("kind", "college")]).await;
    assert_eq!(r.status(), 403);
    // Cross-site request (the browser says so).
    let r = b
        .client
        .post(format!("{}/units", b.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", csrf.as_str()), ("code", "x"), ("name", "某学院"), ("kind", "college")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A 10 MB form.
    let big = format!("csrf={csrf}&code=x&kind=college&name={}", "a".repeat(10 * 1024 * 1024));
    let cookie = b.cookie_header();
    let status = raw_status(
        app.addr,
        "POST",
        "/units",
        &[("Cookie", &cookie), ("Content-Type", "application/x-www-form-urlencoded")],
        big.into_bytes(),
    )
    .await;
    assert_eq!(status, 413);
    // Unknown page.
    assert_eq!(b.get("/nowhere").await.0, 404);

    assert_eq!(app.audit_count().await, before, "nothing was written");
}

/// A page far past the end (the largest number a client can send) is an
/// empty page on every paged list, not a failed request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_far_past_the_end_is_empty() {
    let app = spawn_app().await;
    let token = app.user("root", Role::Admin, None).await;
    let api = app.api(&token);
    for list in [
        "/units",
        "/people",
        "/systems",
        "/notices",
        "/rectifications",
        "/monitors",
        "/findings",
        "/violations",
        "/deliveries",
        "/audit",
    ] {
        let (status, body) = api.get(&format!("{list}?page=18446744073709551615&per_page=18446744073709551615")).await;
        assert_eq!(status, 200, "{list}: {body}");
        assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "{list}: {body}");
    }
}

/// A filter's unknown word is refused (422) whether or not the unit filter
/// names a unit in sight: the words are checked first, as the API document
/// says (found by schemathesis).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_filter_word_is_refused_before_the_unit_is_looked_up() {
    let app = spawn_app().await;
    let token = app.user("root", Role::Admin, None).await;
    let api = app.api(&token);
    for query in [
        "/notices?status=flying",
        "/rectifications?status=flying",
        "/rectifications?severity=flying",
        "/monitors?status=flying",
        "/findings?check=flying",
        "/findings?severity=flying",
    ] {
        for unit in ["", "&unit=no-such-unit"] {
            let (status, body) = api.get(&format!("{query}{unit}")).await;
            assert_eq!(status, 422, "{query}{unit}: {body}");
        }
    }
}

/// Every part of an Office file (a zip of XML) parses as XML.
pub(crate) fn assert_well_formed(what: &str, bytes: &[u8]) {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{what}: {e}"));
    let mut parts = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        let name = part.name().to_owned();
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let mut xml = String::new();
            part.read_to_string(&mut xml).unwrap();
            if let Err(e) = roxmltree::Document::parse(&xml) {
                panic!("{what}: {name} is not well-formed XML: {e}");
            }
            parts += 1;
        }
    }
    assert!(parts >= 3, "{what}: {parts} XML parts");
}

/// Control characters and direction overrides are refused where text comes
/// in (API and forms, naming the field); text stored before the check still
/// makes documents that open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_refused_and_documents_stay_well_formed() {
    use wangan_core::notices::service::{notices, rectifications};
    let app = spawn_app().await;
    app.unit("chem", "化学学院").await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    let before = app.audit_count().await;
    let (s, v) =
        admin.send("post", "/systems", json!({"name": "门户\u{b}网站", "kind": "website", "unit": "chem"})).await;
    assert_eq!((s.as_u16(), &v["error"]["fields"][0]["field"]), (422, &json!("name")), "{v}");
    assert_eq!(v["error"]["fields"][0]["code"], "control_character");
    let (s, v) = admin
        .send(
            "post",
            "/notices",
            json!({"source": "moe", "title": "发票\u{202e}gpj.exe", "severity": "low", "systems": [1]}),
        )
        .await;
    assert_eq!((s.as_u16(), v["error"]["fields"][0]["code"].as_str()), (422, Some("bidi_control")), "{v}");
    assert_eq!(app.audit_count().await, before, "nothing written");
    // A form says the same.
    let b = app.browser();
    b.login("root", PASSWORD).await;
    let csrf = b.csrf("/units").await;
    let r = b.post("/units", &[("csrf", &csrf), ("code", "bio"), ("name", "生物\u{0}学院"), ("kind", "college")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("控制字符"));

    // Stored by a path that did not check (as before this release): documents drop it.
    // (PostgreSQL cannot hold U+0000 in text at all; the office crate's own test covers it.)
    let hostile = "a\u{1}b\u{b}c\u{c}d\u{1b}e\u{ffff}<&>";
    let sys = wangan_core::Principal::system("test");
    let id = app.system_in_building("chem").await;
    let n = notices::create(
        &app.store,
        &sys,
        serde_json::from_value(json!({"source": "moe", "title": hostile, "description": hostile, "severity": "low",
            "vuln_type": hostile, "reference": hostile, "systems": [id]}))
        .unwrap(),
    )
    .await
    .unwrap();
    let rid = n.rectifications[0].id;
    let report = json!({"vulnerability": hostile, "cause": hostile, "measures": hostile, "verification": hostile,
        "remaining_risk": hostile, "submit": false});
    rectifications::report(&app.store, &sys, rid, serde_json::from_value(report).unwrap()).await.unwrap();
    let docx = admin.call("get", &format!("/rectifications/{rid}/report.docx"), None).await;
    assert_eq!(docx.status(), 200);
    assert_well_formed("report.docx", &docx.bytes().await.unwrap());
    wangan_core::registry::service::systems::create(
        &app.store,
        &sys,
        serde_json::from_value(json!({"name": hostile, "kind": "website", "unit": "chem", "notes": hostile})).unwrap(),
    )
    .await
    .unwrap();
    let xlsx = admin.call("get", "/systems/export.xlsx", None).await;
    assert_eq!(xlsx.status(), 200);
    assert_well_formed("export.xlsx", &xlsx.bytes().await.unwrap());
}

/// Every JSON body the API takes refuses a field it does not know, naming
/// it with a stable word — read from the API document, so a new input is
/// covered the day it is declared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_json_input_refuses_unknown_fields() {
    let app = spawn_app().await;
    app.unit("cs", "计算机学院").await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    let doc: serde_json::Value = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(schema) = op["requestBody"]["content"]["application/json"]["schema"].as_object() else {
                continue;
            };
            let resolved = match schema.get("$ref").and_then(|r| r.as_str()) {
                Some(r) => doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")].clone(),
                None => serde_json::Value::Object(schema.clone()),
            };
            let one = json!({"zz_unknown_field": 1});
            let (body, field) = if resolved["type"] == "array" {
                (json!([one]), "[0].zz_unknown_field")
            } else {
                (one, "zz_unknown_field")
            };
            let url = path.trim_start_matches("/api/v1").replace("{id}", "1").replace("{code}", "cs");
            let (s, v) = admin.send(method, &url, body).await;
            assert_eq!(s, 422, "{method} {path}: {v}");
            assert_eq!(v["error"]["fields"][0]["field"], field, "{method} {path}: {v}");
            assert_eq!(v["error"]["fields"][0]["code"], "unknown_field", "{method} {path}: {v}");
            tried += 1;
        }
    }
    assert!(tried >= 15, "{tried} JSON inputs tried");
    // Query strings too.
    for path in ["/units?bogus=1", "/systems?stage=online&stagee=x", "/notices?pagee=2"] {
        let (s, v) = admin.get(path).await;
        assert_eq!((s.as_u16(), v["error"]["fields"][0]["code"].as_str()), (422, Some("unknown_field")), "{path}: {v}");
    }
}
