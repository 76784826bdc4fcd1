//! Enforcement over HTTP (issue 14 rules 3 and 4, §三(三) and §三(四) of the
//! notice): the ladder in `automatic` mode issues the order itself; a unit
//! that takes its own system offline gets reminders, no order and no
//! violation; an officer extends a proposal with a reason; violations are
//! proposed, then confirmed with a note or dismissed with a reason, and only
//! confirmed ones count.

use crate::notices::{Scene, scene};
use chrono::Duration;
use serde_json::{Value, json};
use wangan_core::notices::service::escalation;
use wangan_core::platform::access::Role;
use wangan_core::{FixedClock, Principal};

/// A critical notice (24 hours) on the scene's system; its rectification's id.
async fn critical(s: &Scene) -> i64 {
    let (st, n) = s
        .officer
        .send(
            "post",
            "/notices",
            json!({"source": "edusrc", "title": "化学学院网站 SQL 注入", "severity": "critical", "systems": [s.system]}),
        )
        .await;
    assert_eq!(st, 201, "{n}");
    n["rectifications"][0]["id"].as_i64().unwrap()
}

/// Run the ladder every few hours for `hours`, summing what it did.
async fn ladder(store: &wangan_core::Store, clock: &FixedClock, hours: i64) -> escalation::PassReport {
    let mut total = escalation::PassReport::default();
    for _ in 0..(hours / 4) {
        clock.advance(Duration::hours(4));
        let r = escalation::run_once(store).await.unwrap();
        total.reminders += r.reminders;
        total.overdue += r.overdue;
        total.proposals += r.proposals;
        total.shutdowns += r.shutdowns;
    }
    total
}

async fn stage(s: &Scene) -> Value {
    s.officer.get(&format!("/systems/{}", s.system)).await.1["stage"].clone()
}

/// `[notices] shutdown = "automatic"`: past the deadline and the grace the ladder issues the order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_automatic_mode_the_ladder_issues_the_order() {
    let s = scene().await;
    critical(&s).await;
    let policy = wangan_core::notices::NoticePolicy {
        shutdown: wangan_core::notices::ShutdownMode::Automatic,
        ..Default::default()
    };
    let store = s.app.store.clone().with_notice_policy(policy);
    let done = ladder(&store, &s.clock, 52).await;
    assert_eq!((done.proposals, done.shutdowns), (0, 1));
    assert_eq!(stage(&s).await, "shutdown");
    let (_, orders) = s.officer.get("/shutdown-orders?state=issued").await;
    assert_eq!(orders["total"], 1);
    assert!(orders["items"][0]["number"].as_str().unwrap().starts_with("〔2026〕第"));
    // Lateness alone is not refusal: even here the violation is only proposed.
    let (_, v) = s.officer.get("/violations?state=proposed").await;
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["category"], "refused_rectification");
}

/// §三(三) (关停、线下修复): a unit that takes its system offline before the
/// order is reminded, daily, and gets neither an order nor a violation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_that_goes_offline_itself_is_reminded_not_ordered() {
    let s = scene().await;
    critical(&s).await;
    // Overdue after 24 hours; the unit takes the site down during the grace period.
    ladder(&s.app.store, &s.clock, 28).await;
    let (st, v) =
        s.unit_admin.send("post", &format!("/systems/{}/transition", s.system), json!({"to": "offline"})).await;
    assert_eq!(st, 200, "{v}");
    let done = ladder(&s.app.store, &s.clock, 24).await;
    assert_eq!((done.proposals, done.shutdowns), (0, 0), "no order for a site already down");
    assert!(done.reminders >= 1);
    assert_eq!(stage(&s).await, "offline");
    let (_, orders) = s.officer.get("/shutdown-orders").await;
    assert_eq!(orders["total"], 0);
    let (_, v) = s.officer.get("/violations").await;
    assert_eq!(v["total"], 0, "no violation either");
    // Reminded again the next day.
    s.clock.advance(Duration::hours(24));
    assert_eq!(escalation::run_once(&s.app.store).await.unwrap().reminders, 1);
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let told = wangan_core::notify::entity::outbox::Entity::find()
        .filter(wangan_core::notify::entity::outbox::Column::Event.eq("offline_reminder"))
        .filter(wangan_core::notify::entity::outbox::Column::Target.eq("direct@chem.university.example"))
        .count(s.app.store.db())
        .await
        .unwrap();
    assert!(told >= 2, "the unit's network admin is reminded daily: {told}");
    // And going back online is the center's decision (a go-live request).
    let (st, e) =
        s.unit_admin.send("post", &format!("/systems/{}/transition", s.system), json!({"to": "online"})).await;
    assert_eq!(st, 409, "{e}");
}

/// The center extends instead of shutting down: a new deadline and a reason;
/// the proposal is withdrawn and the ladder starts again from the new deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_extends_a_proposal_with_a_reason() {
    let s = scene().await;
    let rid = critical(&s).await;
    let done = ladder(&s.app.store, &s.clock, 52).await;
    assert_eq!(done.proposals, 1);
    let (_, orders) = s.officer.get("/shutdown-orders?state=proposed").await;
    let order = orders["items"][0]["id"].as_i64().unwrap();
    let path = format!("/shutdown-orders/{order}/extend");
    let later = (s.app.store.now() + Duration::days(3)).to_rfc3339();
    let (st, _) = s.unit_admin.send("post", &path, json!({"deadline": later, "reason": "单位申请"})).await;
    assert_eq!(st, 403, "the unit does not extend its own deadline");
    let past = (s.app.store.now() - Duration::hours(1)).to_rfc3339();
    let (st, e) = s.officer.send("post", &path, json!({"deadline": past, "reason": "单位申请"})).await;
    assert_eq!(st, 422, "{e}");
    let (st, e) = s.officer.send("post", &path, json!({"deadline": later, "reason": " "})).await;
    assert_eq!(st, 422, "a reason is required: {e}");
    let (st, o) = s.officer.send("post", &path, json!({"deadline": later, "reason": "需采购设备，延期三天"})).await;
    assert_eq!(st, 200, "{o}");
    assert_eq!(o["state"], "withdrawn");
    let (_, r) = s.officer.get(&format!("/rectifications/{rid}")).await;
    let deadline = chrono::DateTime::parse_from_rfc3339(r["deadline"].as_str().unwrap()).unwrap();
    assert!(deadline > s.app.store.now() + Duration::days(2), "{r}");
    // Nothing more is proposed before the new deadline passes.
    let done = ladder(&s.app.store, &s.clock, 48).await;
    assert_eq!((done.proposals, done.shutdowns), (0, 0));
    assert_eq!(stage(&s).await, "online");
}

/// §三(四): violations are proposed (by a rule, an officer or a reviewer),
/// confirmed with a note or dismissed with a reason; only confirmed ones count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn violations_are_proposed_then_decided() {
    let s = scene().await;
    let reviewer = s.app.api(&s.app.user("baowei", Role::Reviewer, None).await);
    let propose = |category: &str| json!({"unit": "chem", "category": category, "description": "情况说明"});
    let (st, _) = s.unit_admin.send("post", "/violations", propose("not_filed")).await;
    assert_eq!(st, 403, "units do not report each other");
    let (st, e) = reviewer.send("post", "/violations", propose("late_report")).await;
    assert_eq!(st, 422, "only the six behaviours: {e}");
    let (st, a) = reviewer.send("post", "/violations", propose("false_data")).await;
    assert_eq!(st, 201, "{a}");
    assert_eq!(a["state"], "proposed");
    let (st, b) = s.officer.send("post", "/violations", propose("not_filed")).await;
    assert_eq!(st, 201, "{b}");
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());

    let (st, _) = reviewer.send("post", &format!("/violations/{a}/confirm"), json!({})).await;
    assert_eq!(st, 403, "reviewers propose, the center decides");
    let (st, e) = s.officer.send("post", &format!("/violations/{b}/dismiss"), json!({})).await;
    assert_eq!(st, 422, "a dismissal gives its reason: {e}");
    let (st, v) = s.officer.send("post", &format!("/violations/{a}/confirm"), json!({"note": "核实属实"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!((v["state"].as_str(), v["decision_note"].as_str()), (Some("confirmed"), Some("核实属实")));
    let (st, v) = s.officer.send("post", &format!("/violations/{b}/dismiss"), json!({"note": "已补办备案"})).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["state"], "dismissed");
    let (st, _) = s.officer.send("post", &format!("/violations/{b}/confirm"), json!({})).await;
    assert_eq!(st, 409, "decided once");

    let (_, confirmed) = s.officer.get("/violations?state=confirmed").await;
    assert_eq!(confirmed["total"], 1);
    let counts = wangan_core::enforcement::service::violations::confirmed_counts(&s.app.store, &Principal::system("t"))
        .await
        .unwrap();
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<i64>(), 1, "only confirmed ones count against the unit");
    // The unit reads its own.
    let (_, own) = s.unit_admin.get("/violations").await;
    assert_eq!(own["total"], 2);
}
