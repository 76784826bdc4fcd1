//! Key periods (重保) over HTTP (issue 16): declared for units, daily
//! reports filed, late and missing, the missing chased once a day, the
//! day's summary to the center as a spreadsheet, and the units' sites
//! checked more often for the period.

use crate::notices::scene;
use chrono::Duration;
use serde_json::json;
use wangan_core::Clock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_reports_filed_late_and_missing_are_chased_and_summarized() {
    let s = scene().await;
    let app = &s.app;
    app.unit_with_responsibles("math", "数学学院").await;
    // t0: Monday 2026-11-02 09:00 in Beijing.
    let (st, p) = s
        .officer
        .send(
            "post",
            "/key-periods",
            json!({"title": "2026年11月重保", "kind": "exams", "starts_on": "2026-11-01", "ends_on": "2026-11-05",
                "report_by": "17:00", "interval_s": 60, "units": ["chem", "math"]}),
        )
        .await;
    assert_eq!(st, 201, "{p}");
    let id = p["period"]["id"].as_i64().unwrap();
    assert_eq!(p["period"]["active"], true);
    assert_eq!(p["period"]["report_by"], "17:00");
    assert_eq!(
        s.unit_admin
            .send(
                "post",
                "/key-periods",
                json!({"title": "x", "kind": "other", "starts_on": "2026-11-01", "ends_on": "2026-11-02"})
            )
            .await
            .0,
        403
    );
    let (st, e) = s
        .officer
        .send(
            "post",
            "/key-periods",
            json!({"title": "x", "kind": "other", "starts_on": "2026-11-05", "ends_on": "2026-11-01"}),
        )
        .await;
    assert_eq!((st.as_u16(), e["error"]["fields"][0]["field"].as_str()), (422, Some("ends_on")));

    // Yesterday's reports are missing already (the hour passed); today's are due.
    let (_, d) = s.officer.get(&format!("/key-periods/{id}")).await;
    let chem = d["units"].as_array().unwrap().iter().find(|u| u["unit"] == "chem").unwrap().clone();
    assert_eq!(chem["days"][0]["state"], "due");
    assert_eq!(chem["days"][1]["state"], "missing");
    // chem files a zero report for today in time; a second one for the day is refused; content or zero is required.
    let (st, r) =
        s.unit_admin.send("post", &format!("/key-periods/{id}/reports"), json!({"unit": "chem", "zero": true})).await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(r["state"], "filed");
    assert_eq!(
        s.unit_admin.send("post", &format!("/key-periods/{id}/reports"), json!({"unit": "chem", "zero": true})).await.0,
        409
    );
    let (st, e) = s
        .unit_admin
        .send("post", &format!("/key-periods/{id}/reports"), json!({"unit": "chem", "day": "2026-11-01"}))
        .await;
    assert_eq!((st.as_u16(), e["error"]["fields"][0]["field"].as_str()), (422, Some("content")));
    // Yesterday's, filed late with content.
    let (st, r) = s
        .unit_admin
        .send(
            "post",
            &format!("/key-periods/{id}/reports"),
            json!({"unit": "chem", "day": "2026-11-01", "content": "拦截扫描 120 次，无异常"}),
        )
        .await;
    assert_eq!(st, 201);
    assert_eq!(r["state"], "late");
    // Outside the period, in the future, or for a unit not covered: refused.
    for (day, unit) in [("2026-10-31", "chem"), ("2026-11-04", "chem")] {
        let (st, _) = s
            .unit_admin
            .send("post", &format!("/key-periods/{id}/reports"), json!({"unit": unit, "day": day, "zero": true}))
            .await;
        assert_eq!(st, 422, "{day}");
    }

    // 17:01: math is missing today's report: chased once, and listed.
    s.clock.advance(Duration::hours(8) + Duration::minutes(1));
    assert_eq!(wangan_core::key_periods::service::chase(&app.store).await.unwrap(), 1);
    assert_eq!(wangan_core::key_periods::service::chase(&app.store).await.unwrap(), 0, "once a day");
    let (_, list) = s.officer.get("/key-periods").await;
    assert_eq!(list["items"][0]["filed_today"], 1);
    assert_eq!(list["items"][0]["missing_today"], 1);
    let (_, d) = s.officer.get(&format!("/key-periods/{id}")).await;
    assert_eq!(d["units"][0]["unit"], "math", "the missing first");
    assert_eq!(d["units"][0]["days"][0]["state"], "missing");
    let chased = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let q = |e: &'static str| {
            wangan_core::notify::entity::outbox::Entity::find()
                .filter(wangan_core::notify::entity::outbox::Column::Event.eq(e))
        };
        (
            q("key_period_missing").count(app.store.db()).await.unwrap(),
            q("key_period_summary").count(app.store.db()).await.unwrap(),
        )
    };
    assert!(chased.0 >= 1, "math's direct responsible person was written to");
    // The unit admin sees only their own unit's row; the summary sheet lists every unit for the center.
    let (_, mine) = s.unit_admin.get(&format!("/key-periods/{id}")).await;
    assert_eq!(mine["units"].as_array().map(Vec::len), Some(1));
    let r = s.officer.call("get", &format!("/key-periods/{id}/summary.xlsx?day=2026-11-02"), None).await;
    assert_eq!(r.status(), 200);
    let sheet = wangan_office::read(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(sheet.rows.len(), 3, "a header and two units: {:?}", sheet.rows);
    let text = format!("{:?}", sheet.rows);
    assert!(text.contains("未报") && text.contains("已报"), "{text}");
    let (_, reports) = s.officer.get(&format!("/key-periods/{id}/reports?unit=chem")).await;
    assert_eq!(reports.as_array().map(Vec::len), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_units_sites_are_checked_more_often_during_the_period() {
    let m = crate::support::spawn_monitored().await;
    let app = &m.app;
    app.unit("alpha", "甲学院").await;
    app.system_in_building("alpha").await;
    m.engine.run_once().await.unwrap();
    let officer = app.api(&app.user("officer", wangan_core::platform::access::Role::Officer, None).await);
    let today = m.clock.now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let (st, _) = officer
        .send(
            "post",
            "/key-periods",
            json!({"title": "开学重保", "kind": "school_start", "starts_on": today, "ends_on": today + Duration::days(2),
                "interval_s": 60, "units": ["alpha"]}),
        )
        .await;
    assert_eq!(st, 201);
    m.clock.advance(Duration::seconds(301));
    m.engine.run_once().await.unwrap();
    // The next check comes 60 seconds later, not the monitor's 300.
    let (_, mons) = officer.get("/monitors").await;
    let mon = &mons["items"][0];
    let last = chrono::DateTime::parse_from_rfc3339(mon["last_checked_at"].as_str().unwrap()).unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(mon["next_check_at"].as_str().unwrap()).unwrap();
    assert_eq!(next - last, Duration::seconds(60), "{mon}");
    assert_eq!(mon["interval_s"], 300, "the monitor's own setting is unchanged");
}
