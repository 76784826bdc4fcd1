//! Inspections over HTTP (issue 15, §三(一) of the notice): a unit answers
//! a campaign item by item per system, its head approves; the center
//! verifies on site and may contradict it; a failed item opens a notice;
//! reminders before and after the due date; a missed due date proposes
//! `no_inspection`; recurring campaigns launch on their day; a campaign keeps
//! its checklist version.

use crate::notices::{Scene, scene};
use chrono::Duration;
use serde_json::{Value, json};
use wangan_core::enforcement::service::engine;
use wangan_core::inspections::service::jobs;

async fn checklist(s: &Scene) -> Value {
    let (st, lists) = s.unit_admin.get("/checklists").await;
    assert_eq!(st, 200);
    lists[0].clone()
}

async fn launch(s: &Scene, due_in_days: i64) -> i64 {
    let list = checklist(s).await;
    let due = (s.app.store.now() + Duration::days(due_in_days)).date_naive();
    let (st, c) = s
        .officer
        .send(
            "post",
            "/campaigns",
            json!({"title": "年度网络安全自查", "checklist_id": list["id"], "due_on": due, "units": ["chem"]}),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    c["campaign"]["id"].as_i64().unwrap()
}

/// Every item answered: pass, or not applicable where evidence is required (the API sends no files),
/// and the items in `fail` failed with `comment`.
fn answers(list: &Value, fail: &[&str], comment: &str) -> Value {
    let items: Vec<Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| {
            let key = it["key"].as_str().unwrap();
            let answer = if fail.contains(&key) {
                "fail"
            } else if it["evidence_required"] == true {
                "not_applicable"
            } else {
                "pass"
            };
            json!({"item": key, "answer": answer, "comment": if fail.contains(&key) { comment } else { "" }})
        })
        .collect();
    Value::Array(items)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_answers_submits_and_its_head_approves() {
    let s = scene().await;
    let list = checklist(&s).await;
    assert!(list["items"].as_array().unwrap().len() >= 30, "the default checklist has at least 30 items");
    let id = launch(&s, 10).await;
    let path = format!("/campaigns/{id}/responses");

    let (st, part) = s.unit_admin.get(&format!("{path}?unit=chem")).await;
    assert_eq!(st, 200, "{part}");
    assert_eq!(part["systems"].as_array().unwrap().len(), 1);
    assert_eq!(part["systems"][0]["incomplete"].as_array().unwrap().len(), list["items"].as_array().unwrap().len());
    assert_eq!(part["may_answer"], true);
    assert_eq!(part["may_submit"], false);

    // Nothing answered: not submittable.
    let (st, _) = s.unit_admin.send("post", &format!("/campaigns/{id}/submit"), json!({"unit": "chem"})).await;
    assert_eq!(st, 422);
    // The head approves; it does not answer.
    let body = json!({"system_id": s.system, "answers": answers(&list, &[], "")});
    assert_eq!(s.leader.send("post", &path, body.clone()).await.0, 403);

    // A failure without a reason stands in the way of submitting.
    let (st, part) =
        s.unit_admin.send("post", &path, json!({"system_id": s.system, "answers": answers(&list, &["6.1"], "")})).await;
    assert_eq!(st, 200, "{part}");
    assert_eq!(part["systems"][0]["incomplete"], json!([["6.1", "comment_required"]]));
    assert_eq!(s.unit_admin.send("post", &format!("/campaigns/{id}/submit"), json!({"unit": "chem"})).await.0, 422);
    // An item that needs evidence cannot pass without a file.
    let (_, part) = s
        .unit_admin
        .send("post", &path, json!({"system_id": s.system, "answers": [{"item": "2.1", "answer": "pass"}]}))
        .await;
    assert!(part["systems"][0]["incomplete"].as_array().unwrap().contains(&json!(["2.1", "evidence_required"])));
    // Unknown items and answers are refused, not ignored.
    let (st, e) = s
        .unit_admin
        .send("post", &path, json!({"system_id": s.system, "answers": [{"item": "99.9", "answer": "pass"}]}))
        .await;
    assert_eq!(st, 422, "{e}");
    let (st, _) = s
        .unit_admin
        .send("post", &path, json!({"system_id": s.system, "answers": [{"item": "1.1", "answer": "maybe"}]}))
        .await;
    assert_eq!(st, 422);

    let (st, part) = s
        .unit_admin
        .send("post", &path, json!({"system_id": s.system, "answers": answers(&list, &["6.1"], "弱口令尚未整改")}))
        .await;
    assert_eq!(st, 200, "{part}");
    assert_eq!(part["may_submit"], true, "{part}");
    let (st, part) = s
        .unit_admin
        .send("post", &format!("/campaigns/{id}/submit"), json!({"unit": "chem", "note": "已如实填写"}))
        .await;
    assert_eq!(st, 200, "{part}");
    assert_eq!(part["progress"]["state"], "submitted");
    // Submitted answers are locked.
    let (st, e) = s.unit_admin.send("post", &path, body.clone()).await;
    assert_eq!((st.as_u16(), e["error"]["code"].as_str()), (409, Some("submission_locked")));
    // The head sends it back with a reason, then approves the second round.
    assert_eq!(s.leader.send("post", &format!("/campaigns/{id}/return"), json!({"unit": "chem"})).await.0, 422);
    let (st, _) = s
        .leader
        .send("post", &format!("/campaigns/{id}/return"), json!({"unit": "chem", "note": "6.1 请补充计划"}))
        .await;
    assert_eq!(st, 200);
    assert_eq!(s.unit_admin.send("post", &format!("/campaigns/{id}/submit"), json!({"unit": "chem"})).await.0, 200);
    assert_eq!(s.unit_admin.send("post", &format!("/campaigns/{id}/approve"), json!({"unit": "chem"})).await.0, 403);
    let (st, part) = s.leader.send("post", &format!("/campaigns/{id}/approve"), json!({"unit": "chem"})).await;
    assert_eq!(st, 200, "{part}");
    assert_eq!(part["progress"]["state"], "approved");

    let (_, c) = s.officer.get(&format!("/campaigns/{id}")).await;
    assert_eq!((c["campaign"]["units"].as_i64(), c["campaign"]["approved"].as_i64()), (Some(1), Some(1)));
    let p = &c["progress"][0];
    assert_eq!(p["failed"], 1);
    assert_eq!(p["answered"], p["expected"], "every item of every system answered");
    let r = s.officer.call("get", &format!("/campaigns/{id}/progress.xlsx"), None).await;
    assert_eq!(r.status(), 200);
    let bytes = r.bytes().await.unwrap();
    let sheet = wangan_office::read(&bytes).unwrap();
    assert_eq!(sheet.rows.len(), 2, "a header and one unit");
    assert!(
        sheet.rows[1].iter().any(|c| matches!(c, wangan_office::Cell::Text(t) if t.contains("化学学院"))),
        "{:?}",
        sheet.rows[1]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_site_verification_contradicts_and_a_finding_opens_a_notice() {
    let s = scene().await;
    let list = checklist(&s).await;
    let id = launch(&s, 10).await;
    let path = format!("/campaigns/{id}/responses");
    s.unit_admin.send("post", &path, json!({"system_id": s.system, "answers": answers(&list, &[], "")})).await;

    // The center finds weak passwords the unit answered as in order.
    let (st, v) = s
        .officer
        .send(
            "post",
            &format!("/campaigns/{id}/verifications"),
            json!({"system_id": s.system, "item": "6.1", "answer": "fail", "comment": "后台弱口令 admin123"}),
        )
        .await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(
        (v["answer"].as_str(), v["verified_answer"].as_str(), v["contradicted"].as_bool()),
        (Some("pass"), Some("fail"), Some(true))
    );
    assert_eq!(
        s.unit_admin
            .send(
                "post",
                &format!("/campaigns/{id}/verifications"),
                json!({"system_id": s.system, "item": "6.1", "answer": "pass"})
            )
            .await
            .0,
        403
    );
    let (_, c) = s.officer.get(&format!("/campaigns/{id}")).await;
    assert_eq!(c["progress"][0]["contradicted"], 1);
    assert_eq!(c["progress"][0]["failed"], 1);

    // A passed item is no finding; the failed one opens a notice, once.
    let (_, part) = s.officer.get(&format!("{path}?unit=chem")).await;
    let answers = part["systems"][0]["answers"].as_array().unwrap();
    let passed = answers.iter().find(|a| a["item_key"] == "1.1").unwrap()["id"].as_i64().unwrap();
    let failed = v["id"].as_i64().unwrap();
    let url = |a: i64| format!("/campaigns/{id}/answers/{a}/notice");
    assert_eq!(s.officer.send("post", &url(passed), json!({"severity": "medium"})).await.0, 409);
    let (st, n) = s.officer.send("post", &url(failed), json!({"severity": "high"})).await;
    assert_eq!(st, 201, "{n}");
    let notice = n["notice_id"].as_i64().unwrap();
    let (_, detail) = s.officer.get(&format!("/notices/{notice}")).await;
    assert_eq!(detail["source"], "inspection");
    assert_eq!(detail["severity"], "high");
    assert_eq!(detail["rectifications"][0]["system_id"], s.system);
    assert!(detail["description"].as_str().unwrap().contains("admin123"));
    assert_eq!(s.officer.send("post", &url(failed), json!({"severity": "high"})).await.0, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_due_date_is_reminded_and_proposes_no_inspection_once() {
    let s = scene().await;
    let id = launch(&s, 7).await;
    let store = &s.app.store;
    let pass = jobs::run_once(store).await.unwrap();
    assert_eq!((pass.reminded, pass.missed), (1, 0), "a week before");
    assert_eq!(jobs::run_once(store).await.unwrap().reminded, 0, "once a day");
    s.clock.advance(Duration::days(1));
    assert_eq!(jobs::run_once(store).await.unwrap().reminded, 0, "six days before: quiet");
    s.clock.advance(Duration::days(5));
    assert_eq!(jobs::run_once(store).await.unwrap().reminded, 1, "the day before");
    assert_eq!(
        engine::run_once(store).await.unwrap().proposed,
        2,
        "the scene's system: not filed, protections missing"
    );
    s.clock.advance(Duration::days(1));
    let (_, v) = s.officer.get("/violations?category=no_inspection").await;
    assert_eq!(v["total"], 0, "the due day itself still counts");
    s.clock.advance(Duration::days(1));
    let pass = jobs::run_once(store).await.unwrap();
    assert_eq!((pass.reminded, pass.missed), (1, 1), "the day after: overdue");
    let e = engine::run_once(store).await.unwrap();
    assert_eq!(e.proposed, 1);
    assert_eq!(engine::run_once(store).await.unwrap().proposed, 0, "no duplicate on the next pass");
    let (_, v) = s.officer.get("/violations?category=no_inspection").await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["unit"], "chem");
    assert_eq!(v["items"][0]["state"], "proposed");
    assert_eq!(v["items"][0]["raised_by"], "rules");
    let (_, c) = s.officer.get(&format!("/campaigns/{id}")).await;
    assert_eq!(c["progress"][0]["missed"], true);

    // Done late: the fact is corrected (the violation stays on record, marked corrected).
    let list = checklist(&s).await;
    s.unit_admin
        .send(
            "post",
            &format!("/campaigns/{id}/responses"),
            json!({"system_id": s.system, "answers": answers(&list, &[], "")}),
        )
        .await;
    s.unit_admin.send("post", &format!("/campaigns/{id}/submit"), json!({"unit": "chem"})).await;
    s.leader.send("post", &format!("/campaigns/{id}/approve"), json!({"unit": "chem"})).await;
    assert_eq!(engine::run_once(store).await.unwrap().corrected, 1);
    let (_, v) = s.officer.get("/violations?category=no_inspection&correction=corrected").await;
    assert_eq!(v["total"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recurring_campaigns_launch_on_their_day_once() {
    let s = scene().await;
    let tomorrow = (s.app.store.now() + Duration::days(1)).date_naive();
    let rule = format!("yearly:{}", tomorrow.format("%m-%d"));
    let (st, sc) = s
        .officer
        .send(
            "post",
            "/campaign-schedules",
            json!({"title": "年度自查", "checklist_family": "self_inspection", "rule": rule, "due_days": 30}),
        )
        .await;
    assert_eq!(st, 201, "{sc}");
    assert_eq!(sc["next_launch_on"], json!(tomorrow));
    for bad in ["monthly:1", "yearly:02-30", "before:labour_day:3"] {
        let (st, _) = s
            .officer
            .send(
                "post",
                "/campaign-schedules",
                json!({"title": "x", "checklist_family": "self_inspection", "rule": bad, "due_days": 30}),
            )
            .await;
        assert_eq!(st, 422, "{bad}");
    }
    assert_eq!(s.unit_admin.get("/campaign-schedules").await.0, 403);
    assert_eq!(jobs::run_once(&s.app.store).await.unwrap().launched, 0);
    s.clock.advance(Duration::days(1));
    assert_eq!(jobs::run_once(&s.app.store).await.unwrap().launched, 1);
    assert_eq!(jobs::run_once(&s.app.store).await.unwrap().launched, 0, "once a year");
    let (_, list) = s.unit_admin.get("/campaigns").await;
    assert_eq!(list["total"], 1, "the unit sees it: every unit is targeted");
    assert_eq!(list["items"][0]["schedule_id"], sc["id"]);
    assert_eq!(list["items"][0]["due_on"], json!(tomorrow + Duration::days(30)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_keeps_the_checklist_version_it_was_launched_with() {
    let s = scene().await;
    let id = launch(&s, 10).await;
    let (st, v2) = s
        .officer
        .send(
            "post",
            "/checklists",
            json!({"family": "self_inspection", "title": "网络与信息安全自查表（2027版）",
                "items": [{"key": "1", "section": "备案", "question": "已办理公安备案", "evidence_required": true}]}),
        )
        .await;
    assert_eq!(st, 201, "{v2}");
    assert_eq!(v2["version"], 2);
    let (_, c) = s.officer.get(&format!("/campaigns/{id}")).await;
    assert_eq!(c["campaign"]["checklist_version"], 1);
    assert!(c["items"].as_array().unwrap().len() >= 30);
    let (st, e) = s
        .officer
        .send(
            "post",
            "/checklists",
            json!({"family": "self_inspection", "title": "x",
            "items": [{"key": "1", "section": "s", "question": "q"}, {"key": "1", "section": "s", "question": "q2"}]}),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(
        s.unit_admin.send("post", "/checklists", json!({"family": "x", "title": "x", "items": []})).await.0,
        403
    );
}
