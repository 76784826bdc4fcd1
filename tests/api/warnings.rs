//! Early warnings over HTTP (issue 15, §三(二) of the notice): published to
//! all units, chosen units or by tech-stack tags; acknowledged and answered;
//! the silent reminded, then escalated; an affected answer opens a
//! rectification in one click; a pasted bulletin read into a draft.

use crate::notices::scene;
use chrono::Duration;
use serde_json::json;
use wangan_core::warnings::service::jobs;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warning_by_tags_reaches_the_right_units_and_comes_back_answered() {
    let s = scene().await;
    s.app.unit_with_responsibles("math", "数学学院").await;
    // The scene's system runs Struts2; math's does not.
    s.unit_admin.send("patch", &format!("/systems/{}", s.system), json!({"tags": ["java", "struts2"]})).await;
    s.app.system_in_building("math").await;

    let (st, w) = s
        .officer
        .send(
            "post",
            "/warnings",
            json!({"title": "Apache Struts2 远程代码执行漏洞", "severity": "critical", "source": "cnvd",
                "reference": "CNVD-2026-12345", "products": ["Struts 2.0.0 - 2.5.32"], "targeting": "tags",
                "tags": ["Struts2"], "advice": "升级至 6.3.0.2"}),
        )
        .await;
    assert_eq!(st, 201, "{w}");
    let id = w["warning"]["id"].as_i64().unwrap();
    assert_eq!(w["warning"]["units"], 1, "only the unit whose system carries the tag: {w}");
    assert_eq!(w["acknowledgements"][0]["unit"], "chem");
    assert_eq!(w["acknowledgements"][0]["matched_systems"][0][0], s.system);
    let published = chrono::DateTime::parse_from_rfc3339(w["warning"]["published_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(w["warning"]["ack_due_at"].as_str().unwrap()).unwrap();
    assert_eq!(due - published, Duration::hours(12), "critical: 12 hours to acknowledge");
    // Tags nobody carries: refused, nothing published.
    let (st, e) = s
        .officer
        .send(
            "post",
            "/warnings",
            json!({"title": "x", "severity": "low", "source": "vendor", "targeting": "tags", "tags": ["cobol"]}),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(
        s.unit_admin
            .send("post", "/warnings", json!({"title": "x", "severity": "low", "source": "vendor", "targeting": "all"}))
            .await
            .0,
        403
    );

    // Silent: reminded at half time, overdue when due, escalated a day later; each once.
    let store = &s.app.store;
    assert_eq!(jobs::run_once(store).await.unwrap(), Default::default());
    s.clock.advance(Duration::hours(6));
    assert_eq!(jobs::run_once(store).await.unwrap().reminders, 1);
    assert_eq!(jobs::run_once(store).await.unwrap().reminders, 0);
    s.clock.advance(Duration::hours(6));
    assert_eq!(jobs::run_once(store).await.unwrap().overdue, 1);
    let (_, list) = s.officer.get("/warnings").await;
    assert_eq!(list["items"][0]["silent"], 1);
    s.clock.advance(Duration::hours(24));
    assert_eq!(jobs::run_once(store).await.unwrap().escalated, 1);
    s.clock.advance(Duration::hours(24));
    assert_eq!(jobs::run_once(store).await.unwrap(), Default::default(), "three rungs, no more");

    // Affected needs the systems and the measures.
    let url = format!("/warnings/{id}/acknowledgements");
    assert_eq!(s.unit_admin.send("post", &url, json!({"unit": "chem", "affected": true})).await.0, 422);
    let (st, d) = s
        .unit_admin
        .send("post", &url, json!({"unit": "chem", "affected": true, "systems": [s.system], "measures": "已临时下线上传功能，本周内升级"}))
        .await;
    assert_eq!(st, 200, "{d}");
    let a = &d["acknowledgements"][0];
    assert_eq!((a["state"].as_str(), a["affected"].as_bool()), (Some("answered"), Some(true)));
    assert!(a["acknowledged_at"].is_string());
    let (_, list) = s.officer.get("/warnings").await;
    assert_eq!(
        (
            list["items"][0]["acknowledged"].as_i64(),
            list["items"][0]["affected"].as_i64(),
            list["items"][0]["silent"].as_i64()
        ),
        (Some(1), Some(1), Some(0))
    );

    // One click: a rectification for the affected system, once.
    let rect = format!("/warnings/{id}/units/chem/rectification");
    assert_eq!(s.unit_admin.call("post", &rect, None).await.status(), 403);
    let (st, n) = s.officer.send("post", &rect, json!(null)).await;
    assert_eq!(st, 201, "{n}");
    let (_, notice) = s.officer.get(&format!("/notices/{}", n["notice_id"])).await;
    assert_eq!(notice["severity"], "critical");
    assert_eq!(notice["rectifications"][0]["system_id"], s.system);
    assert!(notice["title"].as_str().unwrap().contains("Struts2"));
    assert_eq!(s.officer.send("post", &rect, json!(null)).await.0, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acknowledged_warning_is_no_longer_reminded_and_others_do_not_see_it() {
    let s = scene().await;
    s.app.unit_with_responsibles("math", "数学学院").await;
    let (_, w) = s
        .officer
        .send("post", "/warnings", json!({"title": "弱口令专项排查", "severity": "medium", "source": "moe", "targeting": "units", "units": ["chem"]}))
        .await;
    let id = w["warning"]["id"].as_i64().unwrap();
    let (st, _) = s.leader.send("post", &format!("/warnings/{id}/acknowledgements"), json!({"unit": "chem"})).await;
    assert_eq!(st, 200, "the head may acknowledge too");
    s.clock.advance(Duration::hours(100));
    let pass = jobs::run_once(&s.app.store).await.unwrap();
    assert_eq!(pass, Default::default());
    let (_, d) = s.officer.get(&format!("/warnings/{id}")).await;
    assert_eq!(d["acknowledgements"][0]["state"], "acknowledged");
    let other =
        s.app.api(&s.app.user("math-admin", wangan_core::platform::access::Role::UnitAdmin, Some("math")).await);
    assert_eq!(other.get(&format!("/warnings/{id}")).await.0, 404);
    assert_eq!(other.get("/warnings").await.1["total"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_bulletin_is_read_into_a_draft() {
    let s = scene().await;
    let text = "【高危】关于 WebLogic 反序列化漏洞的预警\n漏洞描述：WebLogic T3 协议存在反序列化漏洞（CVE-2026-21001）。\n影响版本：WebLogic 12.2.1.4\n处置建议：安装官方补丁。";
    let (st, d) = s.officer.send("post", "/warnings/parse", json!({"text": text})).await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["title"], "关于 WebLogic 反序列化漏洞的预警");
    assert_eq!(d["severity"], "high");
    assert_eq!(d["reference"], "CVE-2026-21001");
    assert_eq!(d["products"], json!(["WebLogic 12.2.1.4"]));
    assert_eq!(d["advice"], "安装官方补丁。");
}

/// A sheet of warnings: all published, or none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_come_from_a_sheet_all_or_nothing() {
    let s = scene().await;
    s.app.unit_with_responsibles("math", "数学学院").await;
    let send = |csv: &'static str| {
        let url = s.app.url("/api/v1/warnings/import");
        let token = s.officer.token.clone();
        async move {
            let r =
                reqwest::Client::new().post(url).bearer_auth(token).body(csv.as_bytes().to_vec()).send().await.unwrap();
            (r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
        }
    };
    let bad = "标题,危害等级,来源,发送范围,发送单位\nStruts2 漏洞,高危,CNVD,指定单位,chem\n弱口令,很高,网友,,\n";
    let (st, report) = send(bad).await;
    assert_eq!(st, 200, "{report}");
    assert_eq!((report["written"].as_bool(), report["failed"].as_i64()), (Some(false), Some(1)));
    let problem = &report["lines"][1]["problems"];
    assert!(problem.to_string().contains("危害等级") && problem.to_string().contains("来源"), "{problem}");
    assert_eq!(s.officer.get("/warnings").await.1["total"], 0, "nothing published");

    let good = "标题,危害等级,来源,编号,影响产品,发送范围,发送单位\nStruts2 漏洞,高危,CNVD,CNVD-2026-1,Struts 2.5,指定单位,chem\n弱口令专项排查,中危,教育部,,,全部单位,\n";
    let (st, report) = send(good).await;
    assert_eq!(st, 200, "{report}");
    assert_eq!((report["written"].as_bool(), report["created"].as_i64()), (Some(true), Some(2)));
    let (_, list) = s.officer.get("/warnings").await;
    assert_eq!(list["total"], 2);
    let units: Vec<i64> = list["items"].as_array().unwrap().iter().map(|w| w["units"].as_i64().unwrap()).collect();
    assert!(units.contains(&1) && units.contains(&2), "chosen units and every unit: {units:?}");
    // A unit the sheet names that does not exist: refused with its column.
    let (_, report) = send("标题,危害等级,来源,发送单位\n某预警,低危,厂商,nosuch\n").await;
    assert_eq!(report["written"], false);
    assert!(report["lines"][0]["problems"].to_string().contains("发送单位"), "{report}");
}
