//! Data calls over HTTP (issue 15, §三(一) "如实填写"): a form sent to
//! units; answers checked against it; a submission is locked — a later one
//! is a new version with its reason, both kept; completion and the export.

use crate::notices::scene;
use chrono::Duration;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submissions_are_versions_and_corrections_need_a_reason() {
    let s = scene().await;
    s.app.unit_with_responsibles("math", "数学学院").await;
    let due = (s.app.store.now() + Duration::days(7)).date_naive();
    let (st, c) = s
        .officer
        .send(
            "post",
            "/data-calls",
            json!({"title": "2026年度网络安全基础数据调查", "due_on": due, "fields": [
                {"key": "rooms", "label": "机房数量", "kind": "number", "required": true},
                {"key": "drill", "label": "最近一次应急演练日期", "kind": "date"},
                {"key": "staff", "label": "是否配备专职安全员", "kind": "choice", "choices": ["是", "否"], "required": true},
                {"key": "policy", "label": "网络安全管理制度", "kind": "file"}]}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let id = c["data_call"]["id"].as_i64().unwrap();
    assert_eq!((c["data_call"]["units"].as_i64(), c["data_call"]["submitted"].as_i64()), (Some(2), Some(0)));
    // A choice field without choices is no form.
    let (st, _) = s
        .officer
        .send(
            "post",
            "/data-calls",
            json!({"title": "x", "due_on": due, "fields": [{"key": "a", "label": "是否", "kind": "choice"}]}),
        )
        .await;
    assert_eq!(st, 422);

    let url = format!("/data-calls/{id}/submissions");
    let (st, e) = s
        .unit_admin
        .send("post", &url, json!({"unit": "chem", "values": {"rooms": "两个", "staff": "也许", "other": "1"}}))
        .await;
    assert_eq!(st, 422, "{e}");
    let fields: Vec<&str> =
        e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"rooms") && fields.contains(&"staff") && fields.contains(&"other"), "{e}");

    let (st, v1) = s
        .unit_admin
        .send("post", &url, json!({"unit": "chem", "values": {"rooms": "2", "drill": "2026-10-15", "staff": "否"}}))
        .await;
    assert_eq!(st, 201, "{v1}");
    assert_eq!(v1["version"], 1);
    // A second submission is a correction: without a reason it is refused.
    let (st, e) =
        s.unit_admin.send("post", &url, json!({"unit": "chem", "values": {"rooms": "3", "staff": "是"}})).await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["fields"][0]["field"], "reason");
    let (st, v2) = s
        .leader
        .send(
            "post",
            &url,
            json!({"unit": "chem", "values": {"rooms": "3", "staff": "是"}, "reason": "漏报了新建的备用机房"}),
        )
        .await;
    assert_eq!(st, 201, "{v2}");
    assert_eq!(v2["version"], 2);

    // Both versions kept, newest first.
    let (_, all) = s.officer.get(&format!("{url}?unit=chem")).await;
    let versions: Vec<(i64, String)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].as_i64().unwrap(), v["values"]["rooms"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(versions, [(2, "3".to_owned()), (1, "2".to_owned())]);
    assert_eq!(all[0]["reason"], "漏报了新建的备用机房");

    // Completion and scope.
    let (_, d) = s.officer.get(&format!("/data-calls/{id}")).await;
    assert_eq!(d["data_call"]["submitted"], 1);
    let chem = d["completion"].as_array().unwrap().iter().find(|c| c["unit"] == "chem").unwrap();
    assert_eq!(chem["version"], 2);
    let (_, mine) = s.unit_admin.get(&format!("/data-calls/{id}")).await;
    assert_eq!(mine["completion"].as_array().unwrap().len(), 1, "a unit sees its own part only");
    assert_eq!(
        s.unit_admin.send("post", &url, json!({"unit": "math", "values": {"rooms": "1", "staff": "是"}})).await.0,
        404
    );

    // The export: one row per unit, the latest version.
    let r = s.officer.call("get", &format!("/data-calls/{id}/export.xlsx"), None).await;
    assert_eq!(r.status(), 200);
    let sheet = wangan_office::read(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(sheet.rows.len(), 3, "a header and two units");

    // Closed: no more submissions.
    assert_eq!(s.officer.send("post", &format!("/data-calls/{id}/close"), json!(null)).await.0, 200);
    let (st, e) = s
        .unit_admin
        .send("post", &url, json!({"unit": "chem", "values": {"rooms": "4", "staff": "是"}, "reason": "再次更正"}))
        .await;
    assert_eq!((st.as_u16(), e["error"]["code"].as_str()), (409, Some("data_call_closed")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_that_have_not_submitted_are_reminded_the_day_before_and_after() {
    let s = scene().await;
    let due = (s.app.store.now() + Duration::days(2)).date_naive();
    s.officer
        .send(
            "post",
            "/data-calls",
            json!({"title": "调查", "due_on": due, "fields": [{"key": "a", "label": "数量", "kind": "number"}]}),
        )
        .await;
    let remind = || wangan_core::data_calls::service::remind(&s.app.store);
    assert_eq!(remind().await.unwrap(), 0);
    s.clock.advance(Duration::days(1));
    assert_eq!(remind().await.unwrap(), 1, "the day before");
    assert_eq!(remind().await.unwrap(), 0, "once a day");
    s.clock.advance(Duration::days(2));
    assert_eq!(remind().await.unwrap(), 1, "the day after");
}
