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
