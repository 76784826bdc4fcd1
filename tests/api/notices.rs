//! Notices → rectifications → report → leader approval → center review, the
//! escalation ladder over a fake clock up to a shutdown order and back, and
//! notification delivery to a local receiver that fails at first.

use crate::support::*;
use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use wangan_core::notices::service::escalation;
use wangan_core::platform::access::Role;
use wangan_core::{FixedClock, Principal};

/// A local HTTP receiver: answers like a robot (`errcode` / `code` 0), fails
/// the first `fail_first` requests with 500, and keeps what it was sent.
#[derive(Clone, Default)]
pub struct Receiver {
    pub seen: Arc<Mutex<Vec<(String, axum::http::HeaderMap, String)>>>,
    pub fail_first: Arc<Mutex<usize>>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> (Receiver, String) {
        use axum::extract::{OriginalUri, State};
        use axum::http::{HeaderMap, StatusCode};
        let r = Receiver { seen: Default::default(), fail_first: Arc::new(Mutex::new(fail_first)) };
        async fn hook(
            State(r): State<Receiver>,
            OriginalUri(uri): OriginalUri,
            headers: HeaderMap,
            body: String,
        ) -> (StatusCode, String) {
            let mut left = r.fail_first.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return (StatusCode::INTERNAL_SERVER_ERROR, "down".into());
            }
            r.seen.lock().unwrap().push((uri.to_string(), headers, body));
            (StatusCode::OK, r#"{"errcode":0,"errmsg":"ok","code":0}"#.into())
        }
        let app = axum::Router::new().fallback(hook).with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (r, format!("http://{addr}"))
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.seen.lock().unwrap().iter().map(|(_, _, b)| serde_json::from_str(b).unwrap_or(Value::Null)).collect()
    }
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 0, 0).unwrap()
}

/// A unit with its responsible persons and an online website, Monday
/// 2026-11-02 09:00 in Beijing (shared with `enforcement.rs`).
pub(crate) struct Scene {
    pub app: TestApp,
    pub clock: Arc<FixedClock>,
    pub officer: Api,
    pub unit_admin: Api,
    pub leader: Api,
    pub system: i64,
}

pub(crate) async fn scene() -> Scene {
    let clock = Arc::new(FixedClock::new(t0()));
    let app = spawn_at(clock.clone()).await;
    app.unit_with_responsibles("chem", "化学学院").await;
    let sys = Principal::system("test");
    let system = app.system_in_building("chem").await;
    wangan_core::registry::service::systems::transition(
        &app.store,
        &sys,
        system,
        serde_json::from_value(json!({"to": "online", "override_reason": "测试：已上线的老系统"})).unwrap(),
    )
    .await
    .unwrap();
    let officer = app.api(&app.user("officer", Role::Officer, None).await);
    let unit_admin = app.api(&app.user("chem-admin", Role::UnitAdmin, Some("chem")).await);
    let leader = app.api(&app.user("chem-head", Role::Leader, Some("chem")).await);
    Scene { app, clock, officer, unit_admin, leader, system }
}

async fn outbox_events(app: &TestApp) -> Vec<(String, String, String)> {
    use sea_orm::{EntityTrait, QueryOrder};
    wangan_core::notify::entity::outbox::Entity::find()
        .order_by_asc(wangan_core::notify::entity::outbox::Column::Id)
        .all(app.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.event, m.kind.as_str().to_owned(), m.target))
        .collect()
}

const REPORT: &str = r#"{"vulnerability": "后台存在 SQL 注入", "cause": "CMS 版本过旧", "measures": "升级 CMS 至 5.2，关闭后台外网访问", "verification": "复测未发现注入点", "remaining_risk": "", "completed_on": "2026-11-03", "offline_repair": true}"#;

#[tokio::test]
async fn notice_to_shutdown_and_back() {
    let s = scene().await;
    let (app, clock) = (&s.app, &s.clock);

    // The center records a critical notice: 24 hours by default.
    let (st, n) = s
        .officer
        .send(
            "post",
            "/notices",
            json!({"source": "edusrc", "reference": "EDUSRC-2026-0815", "title": "化学学院网站 SQL 注入",
            "vuln_type": "SQL 注入", "severity": "critical", "systems": [s.system]}),
        )
        .await;
    assert_eq!(st, 201, "{n}");
    assert_eq!(n["deadline"], json!((t0() + Duration::hours(24)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
    let rid = n["rectifications"][0]["id"].as_i64().unwrap();
    assert_eq!(n["rectifications"][0]["status"], "assigned");
    assert_eq!(n["rectifications"][0]["unit"], "chem");
    // The unit's direct and main responsible persons are told at once (no channels set: their addresses).
    let events = outbox_events(app).await;
    assert_eq!(
        events,
        [
            ("assigned".to_owned(), "email".to_owned(), "direct@chem.university.example".to_owned()),
            ("assigned".to_owned(), "email".to_owned(), "main@chem.university.example".to_owned()),
        ]
    );

    // A period, for reporting upward: days in the platform's zone (assigned 2026-11-02 09:00 in Beijing).
    let (_, p) = s.officer.get("/rectifications?from=2026-11-02&to=2026-11-02").await;
    assert_eq!(p["total"], 1);
    let (_, p) = s.officer.get("/rectifications?from=2026-11-03").await;
    assert_eq!(p["total"], 0);
    let (_, p) = s.officer.get("/rectifications?to=2026-11-01").await;
    assert_eq!(p["total"], 0);
    let (st, _) = s.officer.get("/rectifications?from=yesterday").await;
    assert_eq!(st, 400);
    // The ladder over the fake clock: nothing before half time …
    clock.advance(Duration::hours(11));
    assert_eq!(escalation::run_once(&app.store).await.unwrap().steps(), 0);
    // … the 50 % reminder at 12 h, the 80 % one at 19.2 h …
    clock.advance(Duration::hours(1));
    let r = escalation::run_once(&app.store).await.unwrap();
    assert_eq!((r.reminders, r.overdue, r.shutdowns), (1, 0, 0));
    assert_eq!(escalation::run_once(&app.store).await.unwrap().steps(), 0, "a rung is taken once");
    clock.advance(Duration::minutes(7 * 60 + 12));
    assert_eq!(escalation::run_once(&app.store).await.unwrap().reminders, 1);
    // … escalation at the deadline, to the first responsible person as well …
    clock.advance(Duration::minutes(4 * 60 + 48));
    let r = escalation::run_once(&app.store).await.unwrap();
    assert_eq!(r.overdue, 1);
    assert!(outbox_events(app).await.iter().any(|(e, _, t)| e == "overdue" && t == "first@chem.university.example"));
    let (_, list) = s.officer.get("/rectifications?overdue=true").await;
    assert_eq!(list["total"], 1);
    // … the grace period (24 h) holds the order back …
    clock.advance(Duration::hours(23));
    assert_eq!(escalation::run_once(&app.store).await.unwrap().steps(), 0);
    // … then the ladder proposes the order to the center (issue 14 rule 4: people decide) …
    clock.advance(Duration::hours(1));
    let r = escalation::run_once(&app.store).await.unwrap();
    assert_eq!((r.proposals, r.shutdowns), (1, 0));
    let (_, sys) = s.officer.get(&format!("/systems/{}", s.system)).await;
    assert_eq!(sys["stage"], "online", "a proposal takes nothing offline");
    let (_, orders) = s.officer.get("/shutdown-orders?state=proposed").await;
    assert_eq!(orders["total"], 1, "{orders}");
    let order = orders["items"][0]["id"].as_i64().unwrap();
    assert_eq!(orders["items"][0]["decidable"], true);
    // … and reminds it daily while it waits.
    clock.advance(Duration::hours(24));
    assert_eq!(escalation::run_once(&app.store).await.unwrap().reminders, 1);
    // Lateness alone is not refusal: the violation is proposed, not counted.
    let (_, v) = s.officer.get("/violations").await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["category"], "refused_rectification");
    assert_eq!(v["items"][0]["state"], "proposed");
    assert_eq!(v["items"][0]["unit"], "chem");
    // The unit may neither issue the order nor decide the violation.
    let (st, _) = s.unit_admin.send("post", &format!("/shutdown-orders/{order}/issue"), json!({})).await;
    assert_eq!(st, 403);
    // An officer issues it: the system goes offline by order, with a numbered notice.
    let (st, o) = s.officer.send("post", &format!("/shutdown-orders/{order}/issue"), json!({"note": "立即关停"})).await;
    assert_eq!(st, 200, "{o}");
    assert_eq!(o["state"], "issued");
    assert_eq!(o["number"], "〔2026〕第001号");
    let (st, _) = s.officer.send("post", &format!("/shutdown-orders/{order}/issue"), json!({})).await;
    assert_eq!(st, 409, "an order is issued once");
    assert!(
        outbox_events(app).await.iter().any(|(e, _, t)| e == "shutdown_issued" && t == "first@chem.university.example")
    );
    let res = s.unit_admin.call("get", &format!("/shutdown-orders/{order}/notice.docx"), None).await;
    assert_eq!(res.status(), 200, "the unit gets its notice");
    let (_, sys) = s.officer.get(&format!("/systems/{}", s.system)).await;
    assert_eq!(sys["stage"], "shutdown");
    // Nobody moves a system out of shutdown by hand.
    let (st, e) = s.officer.send("post", &format!("/systems/{}/transition", s.system), json!({"to": "online"})).await;
    assert_eq!(st, 409, "{e}");

    // The unit works: a draft, then the report; the leader approves.
    let (st, _) = s
        .unit_admin
        .send("post", &format!("/rectifications/{rid}/report"), json!({"measures": "草稿", "submit": false}))
        .await;
    assert_eq!(st, 200);
    let (st, e) =
        s.unit_admin.send("post", &format!("/rectifications/{rid}/report"), json!({"measures": "只有措施"})).await;
    assert_eq!(st, 422, "an incomplete report is not submitted: {e}");
    let fields: Vec<&str> =
        e["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["vulnerability", "cause", "verification", "completed_on"]);
    let (st, r) = s
        .unit_admin
        .send("post", &format!("/rectifications/{rid}/report"), serde_json::from_str(REPORT).unwrap())
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "report_submitted");
    // Only the leader approves; the unit admin may not, the center may not review it yet.
    assert_eq!(s.unit_admin.call("post", &format!("/rectifications/{rid}/approve"), None).await.status(), 403);
    let (st, _) = s.officer.send("post", &format!("/rectifications/{rid}/review"), json!({"decision": "accept"})).await;
    assert_eq!(st, 409);
    let (st, r) = s.leader.send("post", &format!("/rectifications/{rid}/approve"), json!({})).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "approved");

    // The center rejects (a comment is required), the unit reports again.
    let (st, _) = s.officer.send("post", &format!("/rectifications/{rid}/review"), json!({"decision": "reject"})).await;
    assert_eq!(st, 422);
    let (st, r) = s
        .officer
        .send(
            "post",
            &format!("/rectifications/{rid}/review"),
            json!({"decision": "reject", "comment": "缺少复测截图"}),
        )
        .await;
    assert_eq!(st, 200);
    assert_eq!(r["status"], "in_progress");
    assert_eq!(r["report"]["review_comment"], "缺少复测截图");
    let (_, sys) = s.officer.get(&format!("/systems/{}", s.system)).await;
    assert_eq!(sys["stage"], "shutdown", "a rejection does not lift the order");
    let (_, r) = s
        .unit_admin
        .send("post", &format!("/rectifications/{rid}/report"), serde_json::from_str(REPORT).unwrap())
        .await;
    assert!(r["report"]["approved_at"].is_null(), "the new round awaits a new approval");
    s.leader.send("post", &format!("/rectifications/{rid}/approve"), json!({})).await;
    clock.advance(Duration::hours(2));
    let (st, r) = s
        .officer
        .send("post", &format!("/rectifications/{rid}/review"), json!({"decision": "accept", "comment": "同意"}))
        .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["status"], "closed");
    assert!(r["shutdown"]["lifted_at"].is_string());
    // The order is lifted: the system is back where it was; the notice is closed.
    let (_, sys) = s.officer.get(&format!("/systems/{}", s.system)).await;
    assert_eq!(sys["stage"], "online");
    let (_, n) = s.officer.get(&format!("/notices/{}", n["id"])).await;
    assert_eq!(n["status"], "closed");
    assert_eq!(n["overdue"], false);

    // The history shows every step with its time.
    let (_, audit) = app
        .api(&app.user("auditor", Role::Auditor, None).await)
        .get(&format!("/audit?entity=rectification&entity_id={rid}&per_page=100"))
        .await;
    let mut actions: Vec<String> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let rung = e["after"]["rung"].as_str().map(|r| format!(":{r}")).unwrap_or_default();
            format!("{}{rung}", e["action"].as_str().unwrap())
        })
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "assign",
            "escalate:reminder_50",
            "escalate:reminder_80",
            "escalate:overdue",
            "escalate:shutdown",
            "save_report",
            "submit_report",
            "approve",
            "reject",
            "submit_report",
            "approve",
            "accept"
        ]
    );
    let verified = wangan_core::platform::audit::verify(app.store.db()).await.unwrap();
    assert!(verified.broken.is_none());

    // The report as a Word document, with the Chinese title and the unit's words in it.
    let resp = s.leader.call("get", &format!("/rectifications/{rid}/report.docx"), None).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("filename*=UTF-8''"));
    let bytes = resp.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    for text in [
        "网站（信息系统）风险整改报告",
        "化学学院",
        "EDUSRC-2026-0815",
        "升级 CMS 至 5.2，关闭后台外网访问",
        "王院长",
        "同意",
    ] {
        assert!(xml.contains(text), "{text} missing from the report");
    }
    // And the batch summary as a workbook.
    let resp = s.officer.call("get", &format!("/rectifications/export.xlsx?notice={}", n["id"]), None).await;
    assert_eq!(resp.status(), 200);
    let sheet = wangan_office::read(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(sheet.rows.len(), 2);
}

#[tokio::test]
async fn a_late_deadline_and_bad_input() {
    let s = scene().await;
    let base = json!({"source": "moe", "title": "弱口令", "severity": "low", "systems": [s.system]});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("source", json!("twitter")), "source"),
        (with("severity", json!("urgent")), "severity"),
        (with("systems", json!([])), "systems"),
        (with("systems", json!([999999])), "systems"),
        (with("title", json!("  ")), "title"),
        (with("deadline", json!("2026-11-01T00:00:00Z")), "deadline"),
    ] {
        let (st, e) = s.officer.send("post", "/notices", body).await;
        assert_eq!(st, 422, "{field}: {e}");
        assert_eq!(e["error"]["fields"][0]["field"], field, "{e}");
    }
    assert_eq!(s.app.audit_count().await, s.app.audit_count().await);
    // A unit admin does not record notices.
    let (st, _) = s.unit_admin.send("post", "/notices", base.clone()).await;
    assert_eq!(st, 403);
    // A hand-set deadline, then moved later: the ladder follows it.
    let (st, n) = s.officer.send("post", "/notices", with("deadline", json!("2026-11-12T01:00:00Z"))).await;
    assert_eq!(st, 201, "{n}");
    let id = n["id"].as_i64().unwrap();
    s.clock.advance(Duration::days(10) + Duration::hours(1));
    let r = escalation::run_once(&s.app.store).await.unwrap();
    assert_eq!(r.overdue, 1);
    let (st, n) = s.officer.send("patch", &format!("/notices/{id}"), json!({"deadline": "2026-11-20T01:00:00Z"})).await;
    assert_eq!(st, 200, "{n}");
    assert_eq!(n["rectifications"][0]["next_escalation_at"], json!("2026-11-21T01:00:00Z"));
    s.clock.advance(Duration::days(2));
    assert_eq!(escalation::run_once(&s.app.store).await.unwrap().shutdowns, 0, "the later deadline holds");
    // The unit sees its notices; the list filters.
    let (_, list) = s.unit_admin.get("/notices?severity=low").await;
    assert_eq!(list["total"], 1);
    let (_, list) = s.unit_admin.get("/notices?severity=critical").await;
    assert_eq!(list["total"], 0);
    let (st, _) = s.unit_admin.get("/notices?severity=urgent").await;
    assert_eq!(st, 422);
}

#[tokio::test]
async fn units_see_only_their_rectifications() {
    let s = scene().await;
    s.app.unit("phys", "物理学院").await;
    let other = s.app.system_in_building("phys").await;
    let (st, n) = s
        .officer
        .send(
            "post",
            "/notices",
            json!({"source": "city_cac", "title": "网页篡改", "severity": "high", "systems": [s.system, other]}),
        )
        .await;
    assert_eq!(st, 201);
    assert_eq!(n["rectifications"].as_array().unwrap().len(), 2);
    let (_, mine) = s.unit_admin.get(&format!("/notices/{}", n["id"])).await;
    assert_eq!(mine["rectifications"].as_array().unwrap().len(), 1, "only chem's own");
    assert_eq!(mine["systems"], json!([s.system]));
    let theirs =
        n["rectifications"].as_array().unwrap().iter().find(|r| r["unit"] == "phys").unwrap()["id"].as_i64().unwrap();
    let (st, _) = s.unit_admin.get(&format!("/rectifications/{theirs}")).await;
    assert_eq!(st, 404);
    let (_, list) = s.unit_admin.get("/rectifications").await;
    assert_eq!(list["total"], 1);
    let resp = s.unit_admin.call("get", &format!("/rectifications/{theirs}/report.docx"), None).await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn webhooks_are_retried_with_backoff_and_signed() {
    let s = scene().await;
    let (recv, base) = Receiver::start(2).await;
    let admin = s.app.api(&s.app.user("root", Role::Admin, None).await);
    // The center's generic webhook, signed; the unit's WeCom, DingTalk (signed) and Feishu robots.
    for (owner_kind, owner, kind, path, secret) in [
        ("center", Value::Null, "webhook", "/center", "hook-secret"),
        ("unit", json!("chem"), "wecom", "/wecom?key=k1", ""),
        ("unit", json!("chem"), "dingtalk", "/dingtalk?access_token=t1", "SECding"),
        ("unit", json!("chem"), "feishu", "/feishu", "fs-secret"),
    ] {
        let (st, c) = admin
            .send(
                "post",
                "/channels",
                json!({"owner_kind": owner_kind, "owner": owner, "kind": kind,
                "target": format!("{base}{path}"), "secret": secret}),
            )
            .await;
        assert_eq!(st, 201, "{c}");
        assert_eq!(c["has_secret"], !secret.is_empty());
        assert!(c.get("secret").is_none(), "the secret is never shown");
    }
    // A unit admin manages the unit's channels but not the center's.
    let (st, _) = s.unit_admin.get("/channels?owner_kind=unit&owner=chem").await;
    assert_eq!(st, 200);
    let (st, _) = s.unit_admin.get("/channels?owner_kind=center").await;
    assert_eq!(st, 403);
    let (st, e) = s
        .unit_admin
        .send(
            "post",
            "/channels",
            json!({"owner_kind": "unit", "owner": "chem", "kind": "wecom", "target": "not a url"}),
        )
        .await;
    assert_eq!(st, 422, "{e}");

    let (st, _) = s
        .officer
        .send(
            "post",
            "/notices",
            json!({"source": "police", "title": "暗链", "severity": "high", "systems": [s.system]}),
        )
        .await;
    assert_eq!(st, 201);
    // The default policy refuses loopback; the peers of this test live there.
    let refusing = wangan_notify::Sender::new(&Default::default()).unwrap();
    let r = wangan_notify::deliver_once(&s.app.store, &refusing, &wangan_core::notify::RetryPolicy::default(), 100)
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed_attempts), (0, 3), "no robot on 127.0.0.1 is reached by default");
    assert!(recv.seen.lock().unwrap().is_empty() && *recv.fail_first.lock().unwrap() == 2, "not one request");
    let (_, d) = admin.get("/deliveries?per_page=100").await;
    assert!(
        d["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["kind"] != "email")
            .all(|i| i["last_error"].as_str().unwrap().contains("address not allowed"))
    );
    s.clock.advance(Duration::minutes(1));
    let sender = wangan_notify::Sender::new(&wangan_notify::DeliveryConfig {
        base_url: "https://wangan.university.example".into(),
        network: wangan_core::platform::netpolicy::NetPolicy::loopback(),
        ..Default::default()
    })
    .unwrap();
    let retry = wangan_core::notify::RetryPolicy::default();
    // Three robots; the two emails wait (no SMTP server configured), untried.
    let r = wangan_notify::deliver_once(&s.app.store, &sender, &retry, 100).await.unwrap();
    assert_eq!(r.sent + r.failed_attempts, 3);
    // Not yet due again: nothing is tried before the backoff.
    let r = wangan_notify::deliver_once(&s.app.store, &sender, &retry, 100).await.unwrap();
    assert_eq!(r.sent + r.failed_attempts, 0);
    for _ in 0..3 {
        s.clock.advance(Duration::minutes(5));
        wangan_notify::deliver_once(&s.app.store, &sender, &retry, 100).await.unwrap();
    }
    let bodies = recv.bodies();
    assert_eq!(bodies.len(), 3, "each robot got its message once, after the failures: {bodies:?}");
    let seen = recv.seen.lock().unwrap().clone();
    for (uri, headers, body) in &seen {
        let v: Value = serde_json::from_str(body).unwrap();
        if uri.starts_with("/wecom") {
            assert_eq!(v["msgtype"], "text");
            assert!(v["text"]["content"].as_str().unwrap().contains("化学学院"));
            assert!(
                v["text"]["content"].as_str().unwrap().contains("https://wangan.university.example/rectifications/")
            );
        } else if uri.starts_with("/dingtalk") {
            assert!(uri.contains("access_token=t1&timestamp=") && uri.contains("&sign="), "{uri}");
            assert_eq!(v["msgtype"], "text");
        } else if uri.starts_with("/feishu") {
            assert_eq!(v["msg_type"], "text");
            let ts: i64 = v["timestamp"].as_str().unwrap().parse().unwrap();
            assert_eq!(v["sign"].as_str().unwrap(), wangan_notify::send::feishu_sign("fs-secret", ts));
        } else {
            panic!("unexpected {uri} {headers:?}");
        }
    }
    // The center's webhook heard nothing yet: the notice goes to the unit. An overdue rectification reaches it.
    // High: three working days from Monday 09:00, so overdue after Thursday.
    s.clock.advance(Duration::days(4));
    escalation::run_once(&s.app.store).await.unwrap();
    wangan_notify::deliver_once(&s.app.store, &sender, &retry, 100).await.unwrap();
    let seen = recv.seen.lock().unwrap().clone();
    let (_, headers, body) = seen.iter().find(|(u, _, _)| u == "/center").expect("the center heard of it");
    let ts = headers["x-wangan-timestamp"].to_str().unwrap();
    let sig = headers["x-wangan-signature"].to_str().unwrap();
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"hook-secret").unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    assert_eq!(sig, format!("sha256={}", hex::encode(mac.finalize().into_bytes())));
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["event"], "overdue");

    // Admins see every attempt; the emails wait untried, never lost.
    let (st, d) = admin.get("/deliveries?per_page=100").await;
    assert_eq!(st, 200);
    let items = d["items"].as_array().unwrap();
    let robots: Vec<&Value> = items.iter().filter(|i| i["event"] == "assigned" && i["kind"] != "email").collect();
    assert_eq!(robots.len(), 3);
    assert!(robots.iter().all(|r| r["status"] == "sent"));
    let failures: usize = robots.iter().map(|r| r["history"].as_array().unwrap().len() - 1).sum();
    assert_eq!(failures, 3 + 2, "the refused tries and the receiver's two failures were retried, then delivered");
    let emails: Vec<&Value> = items.iter().filter(|i| i["kind"] == "email").collect();
    assert!(!emails.is_empty());
    assert!(emails.iter().all(|e| e["status"] == "queued" && e["attempts"] == 0));
    let (st, _) = s.officer.get("/deliveries").await;
    assert_eq!(st, 403);
    // A dead robot (nothing listens there): its tries are used up, it is marked failed, shown, and can be queued again.
    let (st, _) = admin
        .send(
            "post",
            "/channels",
            json!({"owner_kind": "unit", "owner": "chem", "kind": "webhook", "target": "http://127.0.0.1:9/dead"}),
        )
        .await;
    assert_eq!(st, 201);
    let (st, _) = s
        .officer
        .send("post", "/notices", json!({"source": "moe", "title": "弱口令", "severity": "low", "systems": [s.system]}))
        .await;
    assert_eq!(st, 201);
    for _ in 0..10 {
        s.clock.advance(Duration::hours(2));
        wangan_notify::deliver_once(&s.app.store, &sender, &retry, 100).await.unwrap();
    }
    let (_, d) = admin.get("/deliveries?status=failed&per_page=100").await;
    let failed = d["items"].as_array().unwrap();
    assert!(!failed.is_empty());
    assert!(
        failed.iter().all(|f| f["target"] == "http://127.0.0.1:9/dead"
            && f["attempts"] == 8
            && f["history"].as_array().unwrap().len() == 8
            && f["last_error"].as_str().unwrap().contains("connection")),
        "{failed:?}"
    );
    let (_, d) = admin.get("/deliveries?status=sent&per_page=100").await;
    assert!(
        d["items"].as_array().unwrap().iter().any(|i| i["kind"] == "feishu" && i["event"] == "assigned"),
        "the live robots still got theirs"
    );
    let id = failed[0]["id"].as_i64().unwrap();
    assert_eq!(admin.call("post", &format!("/deliveries/{id}/retry"), None).await.status(), 204);
    assert_eq!(admin.call("post", &format!("/deliveries/{id}/retry"), None).await.status(), 409);
}

#[tokio::test]
async fn the_demo_has_notices_in_every_state_and_a_shutdown() {
    let app = spawn_app().await;
    wangan_core::demo::seed(&app.store).await.unwrap();
    let officer = app.api(&app.user("officer2", Role::Officer, None).await);
    for status in wangan_core::notices::RectificationStatus::ALL {
        let (_, list) = officer.get(&format!("/rectifications?status={status}")).await;
        assert!(list["total"].as_u64().unwrap() >= 1, "no {status} rectification in the demo");
    }
    let (_, shut) = officer.get("/systems?stage=shutdown").await;
    assert_eq!(shut["total"], 1);
    // One order issued, one proposal waiting for the center.
    for state in ["issued", "proposed"] {
        let (_, orders) = officer.get(&format!("/shutdown-orders?state={state}")).await;
        assert_eq!(orders["total"], 1, "{state}: {orders}");
    }
    let (_, v) = officer.get("/violations?category=refused_rectification").await;
    assert!(v["total"].as_u64().unwrap() >= 1, "{v}");
    // Issue 15: a finished and a running campaign, violations of every category, scores that differ.
    let (_, c) = officer.get("/campaigns").await;
    let states: Vec<&str> = c["items"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()).collect();
    assert!(states.contains(&"running") && states.contains(&"closed"), "{c}");
    for category in wangan_core::notices::ViolationCategory::ALL {
        let (_, v) = officer.get(&format!("/violations?category={category}")).await;
        assert!(v["total"].as_u64().unwrap() >= 1, "no {category} violation in the demo");
    }
    for state in wangan_core::notices::ViolationState::ALL {
        let (_, v) = officer.get(&format!("/violations?state={state}")).await;
        assert!(v["total"].as_u64().unwrap() >= 1, "no {state} violation in the demo");
    }
    let (_, due) = officer.get("/violations?correction=criticism_due").await;
    assert_eq!(due["total"], 1, "one violation awaiting its notice of criticism");
    let (_, scores) = officer.get("/scores").await;
    let all: Vec<i64> = scores["units"].as_array().unwrap().iter().map(|u| u["score"].as_i64().unwrap()).collect();
    assert!(all.iter().max() > all.iter().min(), "scores differ between units: {all:?}");
    assert!(scores["average_trend"].as_array().unwrap().len() > 1, "a trend over months");
    // Warnings in every state, a data call with a correction.
    let (_, w) = officer.get("/warnings").await;
    assert!(w["total"].as_u64().unwrap() >= 3, "{w}");
    let items = w["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["silent"].as_u64().unwrap() > 0), "a warning with silent units");
    assert!(items.iter().any(|i| i["affected"].as_u64().unwrap() > 0), "a warning with an affected unit");
    let (_, dc) = officer.get("/data-calls").await;
    assert_eq!(dc["total"], 1);
    let id = dc["items"][0]["id"].as_i64().unwrap();
    let (_, versions) = officer.get(&format!("/data-calls/{id}/submissions")).await;
    assert!(versions.as_array().unwrap().iter().any(|v| v["version"] == 2), "a corrected submission");
    let (_, late) = officer.get("/systems?mlps_filing=overdue").await;
    assert_eq!(late["total"], 1, "one system past its MLPS filing day: {late}");
    let (_, overdue) = officer.get("/rectifications?overdue=true").await;
    assert_eq!(overdue["total"], 3, "the shut-down one, the one proposed for shutdown and the freshly escalated one");
    // Issue 16: an incident in progress opened by monitoring, a closed major one, a key period
    // with a unit's report missing, gaps in the duty roster.
    let (_, inc) = officer.get("/incidents").await;
    let items = inc["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["source"] == "monitoring" && i["state"] == "open"), "{inc}");
    assert!(items.iter().any(|i| i["grade"] == "major" && i["state"] == "closed"), "{inc}");
    let (_, kp) = officer.get("/key-periods").await;
    let kid = kp["items"][0]["id"].as_i64().unwrap();
    let (_, d) = officer.get(&format!("/key-periods/{kid}")).await;
    assert!(d["units"][0]["missing"].as_u64().unwrap() >= 1, "a unit's report missing: {d}");
    let (_, cov) = officer.get("/duty/coverage").await;
    assert!(cov.as_array().unwrap().iter().any(|c| !c["gaps"].as_array().unwrap().is_empty()), "{cov}");
    let (_, now) = officer.get("/duty/now").await;
    assert!(now.as_array().unwrap().iter().all(|n| n["level"] != "none"), "the center covers now: {now}");
    // The unit registers: a plan overdue for review, a late improvement action, rules missing,
    // requests waiting at each step, budget totals, a certificate expiring.
    let (_, g) = officer.get("/registers/gaps").await;
    let of = |code: &str| g.as_array().unwrap().iter().find(|u| u["unit"] == code).unwrap().clone();
    assert_eq!((of("cs")["plan"].as_str(), of("cs")["overdue_actions"].as_u64()), (Some("overdue"), Some(1)), "{g}");
    assert_eq!(
        (of("academic")["plan"].as_str(), of("academic")["policies_missing"].as_u64()),
        (Some("current"), Some(0))
    );
    assert_eq!(of("academic")["untrained"], json!([]));
    let (_, c) = officer.get("/policies/completeness").await;
    assert!(c.as_array().unwrap().iter().any(|u| u["unit"] == "cs" && u["have"] == 6), "{c}");
    let (_, r) = officer.get("/data-requests?state=pending_center").await;
    assert_eq!(r["total"], 1);
    let (_, r) = officer.get("/data-requests?state=pending_leader").await;
    assert_eq!(r["total"], 1);
    let (_, b) = officer.get("/budget").await;
    assert_eq!(b["units"].as_array().unwrap().len(), 3, "{b}");
    let (_, certs) = officer.get("/certificates?state=expiring").await;
    assert_eq!(certs["total"], 1);
    let (_, pd) = officer.get("/personal-data").await;
    assert_eq!(pd["total"], 2);
    // Every demo address is reserved: nothing is sent off the machine.
    use sea_orm::EntityTrait;
    for m in wangan_core::notify::entity::outbox::Entity::find().all(app.store.db()).await.unwrap() {
        assert!(m.target.ends_with(".example"), "{}", m.target);
    }
}

#[tokio::test]
async fn notices_import_from_a_sheet_all_or_nothing() {
    let s = scene().await;
    let headers = wangan_core::notices::rules::sheet::HEADERS;
    let csv = |rows: &[[&str; 9]]| {
        let mut out = headers.join(",") + "\n";
        for r in rows {
            out.push_str(&r.join(","));
            out.push('\n');
        }
        out.into_bytes()
    };
    let good = [
        "教育部",
        "教技〔2026〕3号",
        "2026-11-01 09:00",
        "弱口令",
        "弱口令",
        "低危",
        "",
        "https://www.chem.university.example/",
        "",
    ];
    let bad = ["网友", "", "昨天", "XSS", "", "高危", "", "https://nowhere.example/", ""];
    let import = |body: Vec<u8>, q: &'static str| {
        let c = s.officer.client.clone();
        let url = format!("{}/notices/import{q}", s.officer.base);
        let token = s.officer.token.clone();
        async move {
            let r = c.post(url).bearer_auth(token).header("content-type", "text/csv").body(body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    // One bad row: every problem by row and column, nothing written.
    let before = s.app.audit_count().await;
    let (st, report) = import(csv(&[good, bad]), "").await;
    assert_eq!(st, 200, "{report}");
    assert_eq!(report["written"], false);
    assert_eq!(report["failed"], 1);
    let problems: Vec<(String, String)> = report["lines"][1]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["column"].as_str().unwrap().to_owned(), p["code"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        problems,
        [
            ("来源".to_owned(), "unknown_value".to_owned()),
            ("接收时间".to_owned(), "time".to_owned()),
            ("受影响系统".to_owned(), "unknown_system".to_owned())
        ]
    );
    assert_eq!(report["lines"][1]["line"], 3);
    assert_eq!(s.app.audit_count().await, before, "nothing written");
    // A dry run of the good row writes nothing either; then the real import.
    let (_, report) = import(csv(&[good]), "?dry_run=true").await;
    assert_eq!((report["created"].as_u64(), report["written"].as_bool()), (Some(1), Some(false)));
    let (st, report) = import(csv(&[good]), "").await;
    assert_eq!(st, 200);
    assert_eq!(report["written"], true);
    let (_, list) = s.officer.get("/notices?source=moe").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["systems"], json!([s.system]));
    // Low severity: 10 working days from the issue (Monday 2026-11-02 in Beijing), not from
    // receipt — the end of Monday 16 November (issue 14 rule 5).
    assert_eq!(list["items"][0]["deadline"], "2026-11-16T15:59:00Z");
    // Not a spreadsheet; not an officer.
    let (st, body) = import(b"\x00\x01garbage".to_vec(), "").await;
    assert_eq!((st, body["error"]["code"].as_str()), (422, Some("control_character")), "{body}");
    let r = s
        .unit_admin
        .client
        .post(format!("{}/notices/import", s.unit_admin.base))
        .bearer_auth(&s.unit_admin.token)
        .body(csv(&[good]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

/// Messages queued for the delivery worker: `n` of them, to a robot.
async fn queue(app: &TestApp, n: usize) {
    let mut outbox = wangan_core::notify::service::Outbox::new();
    wangan_core::notify::service::add_channel(
        &app.store,
        &Principal::system("t"),
        serde_json::from_value(json!({"owner_kind": "center", "kind": "webhook", "target": "http://127.0.0.1:9/x"}))
            .unwrap(),
    )
    .await
    .unwrap();
    let txn = app.store.begin_write().await.unwrap();
    let msg = wangan_core::notify::texts::Message::new("test", "/", |_| ("s".into(), "b".into()));
    for _ in 0..n {
        outbox.add(&*txn, app.store.now(), None, &[wangan_core::notify::Audience::Center], &msg).await.unwrap();
    }
    outbox.flush(&*txn).await.unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_workers_lease_runs_out_and_two_workers_never_share_a_message() {
    use wangan_core::notify::service::claim;
    let clock = Arc::new(FixedClock::new(t0()));
    let app = spawn_at(clock.clone()).await;
    queue(&app, 60).await;
    let kinds = [wangan_core::notify::ChannelKind::Webhook];
    // A worker takes 20 and dies without settling them.
    let taken = claim(&app.store, 20, Duration::minutes(2), &kinds).await.unwrap();
    assert_eq!(taken.len(), 20);
    // Two more workers take the rest, disjointly, each with its own pool: on PostgreSQL two nodes
    // (FOR UPDATE SKIP LOCKED); on SQLite like a second process, which waits for the write lock.
    let other = wangan_core::Store::connect_with_clock(&app.db.url, 2, clock.clone()).await.unwrap();
    let (a, b) = tokio::join!(
        claim(&app.store, 30, Duration::minutes(2), &kinds),
        claim(&other, 30, Duration::minutes(2), &kinds)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut ids: Vec<i64> = a.iter().chain(b.iter()).map(|m| m.id).collect();
    assert_eq!(ids.len(), 40, "the 40 not leased");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 40, "no message claimed twice");
    assert!(ids.iter().all(|id| !taken.iter().any(|t| t.id == *id)));
    // Nothing left until the leases run out; then the dead worker's 20 (and the others' 40) come back.
    assert!(claim(&app.store, 100, Duration::minutes(2), &kinds).await.unwrap().is_empty());
    clock.advance(Duration::minutes(3));
    assert_eq!(claim(&app.store, 100, Duration::minutes(2), &kinds).await.unwrap().len(), 60);
    // A worker that cannot send email does not take email.
    assert!(
        claim(&app.store, 100, Duration::minutes(2), &[wangan_core::notify::ChannelKind::Email])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn two_orders_on_one_system_lift_only_together() {
    use wangan_core::notices::service::notices;
    use wangan_core::notices::service::rectifications;
    let s = scene().await;
    let sys = Principal::system("t");
    let mut ids = Vec::new();
    for title in ["漏洞一", "漏洞二"] {
        let n = notices::create(
            &s.app.store,
            &sys,
            serde_json::from_value(
                json!({"source": "moe", "title": title, "severity": "critical", "systems": [s.system]}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
        ids.push(n.rectifications[0].id);
    }
    s.clock.advance(Duration::hours(49));
    assert_eq!(escalation::run_once(&s.app.store).await.unwrap().proposals, 2);
    let stage = || async { s.officer.get(&format!("/systems/{}", s.system)).await.1["stage"].clone() };
    assert_eq!(stage().await, "online", "two proposals, nothing issued yet");
    let (_, orders) = s.officer.get("/shutdown-orders?state=proposed").await;
    for o in orders["items"].as_array().unwrap() {
        let (st, _) = s.officer.send("post", &format!("/shutdown-orders/{}/issue", o["id"]), json!({})).await;
        assert_eq!(st, 200);
    }
    assert_eq!(stage().await, "shutdown");
    for (i, id) in ids.iter().enumerate() {
        rectifications::report(&s.app.store, &sys, *id, serde_json::from_str(REPORT).unwrap()).await.unwrap();
        rectifications::approve(&s.app.store, &sys, *id).await.unwrap();
        let accept = rectifications::ReviewInput { decision: "accept".into(), comment: String::new() };
        let r = rectifications::review(&s.app.store, &sys, *id, accept).await.unwrap();
        assert!(r.rectification.shutdown.unwrap().lifted_at.is_some());
        let want = if i == 0 { "shutdown" } else { "online" };
        assert_eq!(stage().await, want, "after accepting report {}", i + 1);
    }
}

#[tokio::test]
async fn a_stopped_ladder_is_never_escalated() {
    let s = scene().await;
    let (_, n) = s
        .officer
        .send(
            "post",
            "/notices",
            json!({"source": "moe", "title": "弱口令", "severity": "critical", "systems": [s.system]}),
        )
        .await;
    let rid = n["rectifications"][0]["id"].as_i64().unwrap();
    s.unit_admin.send("post", &format!("/rectifications/{rid}/report"), serde_json::from_str(REPORT).unwrap()).await;
    let (_, r) = s.leader.send("post", &format!("/rectifications/{rid}/approve"), json!({})).await;
    assert_eq!(r["status"], "approved");
    assert!(r["next_escalation_at"].is_null(), "the ladder stops while the center reviews");
    // Even a row left with a stale position (written by hand) is only taken out of the ladder.
    use sea_orm::ConnectionTrait;
    s.app
        .store
        .db()
        .execute_unprepared(&format!("UPDATE rectifications SET next_escalation_at = assigned_at WHERE id = {rid}"))
        .await
        .unwrap();
    s.clock.advance(Duration::days(5));
    assert_eq!(escalation::run_once(&s.app.store).await.unwrap().steps(), 0);
    let (_, r) = s.officer.get(&format!("/rectifications/{rid}")).await;
    assert!(r["next_escalation_at"].is_null());
    let (_, sys) = s.officer.get(&format!("/systems/{}", s.system)).await;
    assert_eq!(sys["stage"], "online", "no shutdown while the center reviews");
}

/// The detail says what the caller may do next, computed in core for the
/// page and the API alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_detail_names_the_callers_next_actions() {
    let app = spawn_app().await;
    wangan_core::demo::seed(&app.store).await.unwrap();
    let officer = app.api(&app.user("officer2", Role::Officer, None).await);
    let auditor = app.api(&app.user("auditor2", Role::Auditor, None).await);
    let (_, list) = officer.get("/rectifications?status=approved").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (s, d) = officer.get(&format!("/rectifications/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(d["actions"], json!({"work": false, "approve": false, "review": true}));
    let (_, d) = auditor.get(&format!("/rectifications/{id}")).await;
    assert_eq!(d["actions"], json!({"work": false, "approve": false, "review": false}));
    let (_, list) = officer.get("/rectifications?status=in_progress").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (_, d) = officer.get(&format!("/rectifications/{id}")).await;
    assert_eq!(
        d["actions"],
        json!({"work": false, "approve": false, "review": false}),
        "the unit works, not the center"
    );
    assert_eq!(d["status"], "in_progress");
}

/// The 风险整改报告 as an office signs it (issue 14, "documents and words"):
/// the institution's name in the title, the number 〔YYYY〕第NNN号 of its
/// year, people by their names (the linked person, not the login), the
/// center's own name on its signature line, the form's fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_form_names_people_numbers_and_the_institution() {
    let s = scene().await;
    let app = &s.app;
    let (_, people) = s.officer.get("/people?unit=chem&per_page=50").await;
    let person = |name: &str| {
        people["items"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap()["id"].as_i64().unwrap()
    };
    // The unit's admin and its head sign in with accounts linked to their persons.
    let admin = app.api(&app.user_for_person("zhang.t", Role::UnitAdmin, Some("chem"), Some(person("张老师"))).await);
    let head = app.api(&app.user_for_person("wang.dean", Role::Leader, Some("chem"), Some(person("王院长"))).await);
    let (st, n) = s
        .officer
        .send(
            "post",
            "/notices",
            json!({"source": "edusrc", "reference": "EDUSRC-2026-0901", "title": "化学学院网站 SQL 注入",
                "severity": "high", "systems": [s.system]}),
        )
        .await;
    assert_eq!(st, 201, "{n}");
    let rid = n["rectifications"][0]["id"].as_i64().unwrap();
    let report = json!({"vulnerability": "登录页参数可注入", "cause": "未做参数化查询", "measures": "改用参数化查询",
        "verification": "复测未发现注入", "completed_on": "2026-11-02", "offline_repair": true});
    let (st, r) = admin.send("post", &format!("/rectifications/{rid}/report"), report).await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(head.send("post", &format!("/rectifications/{rid}/approve"), json!({})).await.0, 200);
    let (_, r) = s.officer.get(&format!("/rectifications/{rid}")).await;
    let number = r["report_no"].as_str().unwrap().to_owned();
    assert!(
        number.starts_with("〔2026〕第") && number.ends_with('号') && number.chars().count() == 11,
        "a number of its year, three digits: {number}"
    );

    // The deployment's names, as `[institution]` gives them.
    let names = wangan_core::platform::store::DocumentNames {
        institution: "示例大学".into(),
        center: "信息化建设与管理处".into(),
        leadership_group: "网络安全与信息化领导小组".into(),
    };
    let store = app.store.clone().with_documents(names);
    let (_, bytes) =
        wangan_core::notices::service::rectifications::report_docx(&store, &Principal::system("t"), rid).await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("word/document.xml").unwrap(), &mut xml).unwrap();
    for text in [
        "示例大学网站（信息系统）风险整改报告",
        number.as_str(),
        "单位名称",
        "危害等级",
        "公安/ICP备案号",
        "联系人及电话",
        "整改完成时间",
        "是否已下线进行线下修复",
        "整改验证（复测）情况",
        "张老师",
        "王院长",
        "单位负责人（签字）",
        "单位（盖章）",
        "信息化建设与管理处审核人（签字）",
    ] {
        assert!(xml.contains(text), "{text} missing from the report");
    }
    for login in ["zhang.t", "wang.dean"] {
        assert!(!xml.contains(login), "people by name, not by login: {login}");
    }
    assert!(!xml.contains("网络信息中心"), "one name for the center");
}

/// Issue 14: notification texts come from the catalog and follow the
/// recipient's language: a person whose account reads English gets English,
/// everyone else (and group channels) Chinese.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_follow_the_recipients_language() {
    use wangan_core::accounts::service as accounts;
    let s = scene().await;
    let app = &s.app;
    let (_, people) = s.officer.get("/people?unit=chem&per_page=50").await;
    let direct =
        people["items"].as_array().unwrap().iter().find(|p| p["name"] == "张老师").unwrap()["id"].as_i64().unwrap();
    let english = app.api(&app.user_for_person("zhang.en", Role::UnitAdmin, Some("chem"), Some(direct)).await);
    let id = english.get("/me").await.1["id"].as_i64().unwrap();
    let who = wangan_core::accounts::service::principal(&app.store, id).await.unwrap();
    accounts::set_locale(&app.store, &who, "en").await.unwrap();
    let (st, _) = s
        .officer
        .send(
            "post",
            "/notices",
            json!({"source": "edusrc", "reference": "EDUSRC-2026-0950", "title": "化学学院网站 XSS",
                "severity": "high", "systems": [s.system]}),
        )
        .await;
    assert_eq!(st, 201);
    use sea_orm::EntityTrait;
    let rows = wangan_core::notify::entity::outbox::Entity::find().all(app.store.db()).await.unwrap();
    let to = |addr: &str| rows.iter().find(|m| m.target == addr).unwrap_or_else(|| panic!("nothing to {addr}"));
    let en = to("direct@chem.university.example");
    assert!(en.subject.starts_with("[Rectification]"), "{}", en.subject);
    assert!(en.body.contains("Severity: high") && en.body.contains("EDUSRC-2026-0950"), "{}", en.body);
    let zh = to("main@chem.university.example");
    assert!(zh.subject.starts_with("【整改通知】"), "{}", zh.subject);
    assert!(zh.body.contains("危害等级：高危"), "{}", zh.body);
}
