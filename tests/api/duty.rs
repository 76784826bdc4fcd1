//! The 7×24 duty roster over HTTP (issue 16): a weekly rota, who is on duty
//! now for every important system, gaps in the coming days and their
//! reminder, a swap approved by the unit's head, the handover log.

use crate::notices::scene;
use chrono::{Duration, TimeZone};
use serde_json::json;
use wangan_core::Clock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rota_covers_the_week_and_a_swap_changes_who_is_on_duty() {
    let s = scene().await;
    let app = &s.app;
    let (st, _) = s.officer.send("patch", &format!("/systems/{}", s.system), json!({"important": true})).await;
    assert_eq!(st, 200);
    let people: Vec<i64> = {
        let mut v = Vec::new();
        for n in ["一", "二", "三", "四", "五", "六", "七"] {
            v.push(app.person("chem", &format!("值班员{n}")).await);
        }
        v
    };
    // Nobody on duty yet: the important system shows nobody, the roster a gap over the whole horizon.
    let (_, now) = s.leader.get("/duty/now").await;
    assert_eq!(now[0]["level"], "none", "{now}");
    let (_, cov) = s.officer.get("/duty/coverage").await;
    let chem = cov.as_array().unwrap().iter().find(|c| c["unit"] == "chem").unwrap().clone();
    assert_eq!(chem["important_systems"], 1);
    assert_eq!(chem["gaps"].as_array().unwrap().len(), 1);

    // t0 is Monday 2026-11-02 09:00 in Beijing. A weekly rota from that Monday, handover at 08:30,
    // for ten days: across the week and into the next; someone from another unit is refused.
    let other = {
        app.unit("math", "数学学院").await;
        app.person("math", "外单位")
    }
    .await;
    let (st, e) = s
        .unit_admin
        .send(
            "post",
            "/duty/rotas",
            json!({"unit": "chem", "starts_on": "2026-11-02", "days": 10, "handover": "08:30", "people": [other]}),
        )
        .await;
    assert_eq!((st.as_u16(), e["error"]["fields"][0]["code"].as_str()), (422, Some("person_not_in_unit")), "{e}");
    let (st, rota) = s
        .unit_admin
        .send(
            "post",
            "/duty/rotas",
            json!({"unit": "chem", "starts_on": "2026-11-02", "days": 10, "handover": "08:30", "people": people}),
        )
        .await;
    assert_eq!(st, 201, "{rota}");
    let shifts = rota.as_array().unwrap();
    assert_eq!(shifts.len(), 10);
    assert_eq!(shifts[0]["starts_at"], "2026-11-02T00:30:00Z");
    assert_eq!(shifts[7]["person_name"], "值班员一", "the next Monday is the first person's again");
    let (_, now) = s.leader.get("/duty/now").await;
    assert_eq!(now[0]["level"], "unit");
    assert_eq!(now[0]["person_name"], "值班员一");
    assert_eq!(now[0]["until"], "2026-11-03T00:30:00Z");
    // The coverage shows the gap after the rota's ten days, not before.
    let (_, cov) = s.officer.get("/duty/coverage").await;
    let chem = cov.as_array().unwrap().iter().find(|c| c["unit"] == "chem").unwrap().clone();
    assert_eq!(chem["gaps"][0]["from"], "2026-11-12T00:30:00Z", "{chem}");
    assert!(chem["overlaps"].as_array().unwrap().is_empty());
    // A shift written over the rota shows as an overlap.
    let (st, extra) = s
        .unit_admin
        .send("post", "/duty/shifts", json!({"unit": "chem", "person_id": people[3], "starts_at": "2026-11-03T12:00:00Z", "ends_at": "2026-11-03T14:00:00Z"}))
        .await;
    assert_eq!(st, 201, "{extra}");
    let (_, cov) = s.officer.get("/duty/coverage").await;
    let chem = cov.as_array().unwrap().iter().find(|c| c["unit"] == "chem").unwrap().clone();
    assert_eq!(chem["overlaps"].as_array().unwrap().len(), 1);
    assert_eq!(s.unit_admin.call("delete", &format!("/duty/shifts/{}", extra["id"]), None).await.status(), 204);
    // A shift that ends before it starts is refused.
    let (st, _) = s
        .unit_admin
        .send("post", "/duty/shifts", json!({"unit": "chem", "person_id": people[0], "starts_at": "2026-11-03T12:00:00Z", "ends_at": "2026-11-03T11:00:00Z"}))
        .await;
    assert_eq!(st, 422);

    // Gaps are reminded once a day: the unit's direct responsible person, the center for its own.
    wangan_core::notify::service::add_channel(
        &app.store,
        &wangan_core::Principal::system("test"),
        serde_json::from_value(json!({"owner_kind": "center", "kind": "webhook", "target": "http://127.0.0.1:9/c"}))
            .unwrap(),
    )
    .await
    .unwrap();
    let n = wangan_core::duty::service::shifts::remind_gaps(&app.store).await.unwrap();
    assert_eq!(n, 2, "the center's roster and chem's");
    assert_eq!(wangan_core::duty::service::shifts::remind_gaps(&app.store).await.unwrap(), 0);

    // The first person asks to swap tomorrow's shift with the third; the unit admin may not approve.
    let tomorrow = shifts[1]["id"].as_i64().unwrap();
    let (st, w) = s
        .unit_admin
        .send("post", &format!("/duty/shifts/{tomorrow}/swaps"), json!({"to_person_id": people[2], "reason": "出差"}))
        .await;
    assert_eq!(st, 201, "{w}");
    assert_eq!(w["state"], "requested");
    let (st, _) = s
        .unit_admin
        .send("post", &format!("/duty/shifts/{tomorrow}/swaps"), json!({"to_person_id": people[4], "reason": "又出差"}))
        .await;
    assert_eq!(st, 409, "one pending swap per shift");
    assert_eq!(
        s.unit_admin.send("post", &format!("/duty/swaps/{}/decision", w["id"]), json!({"approve": true})).await.0,
        403
    );
    let (st, e) = s.leader.send("post", &format!("/duty/swaps/{}/decision", w["id"]), json!({"approve": false})).await;
    assert_eq!(st, 422, "a refusal says why: {e}");
    let (st, w) = s.leader.send("post", &format!("/duty/swaps/{}/decision", w["id"]), json!({"approve": true})).await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(w["decided_by"], "chem-head");
    s.clock.advance(Duration::hours(25));
    assert_eq!(s.clock.now(), chrono::Utc.with_ymd_and_hms(2026, 11, 3, 2, 0, 0).unwrap());
    let (_, now) = s.leader.get("/duty/now").await;
    assert_eq!(now[0]["person_name"], "值班员三", "the swap changed who is on duty: {now}");
    let (_, swaps) = s.leader.get("/duty/swaps").await;
    assert_eq!(swaps[0]["state"], "approved");

    // The handover log.
    let (st, h) = s
        .unit_admin
        .send("post", "/duty/handovers", json!({"unit": "chem", "note": "夜间无异常；网站证书下周到期"}))
        .await;
    assert_eq!(st, 201, "{h}");
    assert_eq!(h["on_duty"], "值班员三");
    let (_, log) = s.leader.get("/duty/handovers").await;
    assert_eq!(log[0]["note"], "夜间无异常；网站证书下周到期");
    let (st, _) = s.unit_admin.send("post", "/duty/handovers", json!({"unit": "chem", "note": ""})).await;
    assert_eq!(st, 422);
    // Shifts listed in a window; a window over 62 days is refused.
    let (_, list) = s.leader.get("/duty/shifts?unit=chem&from=2026-11-01T00:00:00Z&to=2026-11-20T00:00:00Z").await;
    assert_eq!(list.as_array().map(Vec::len), Some(10));
    let (st, _) = s.leader.get("/duty/shifts?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z").await;
    assert_eq!(st, 422);
}
