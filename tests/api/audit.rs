//! Every change is audited in its own transaction; the chain detects tampering.

use crate::support::*;
use sea_orm::ConnectionTrait;
use serde_json::json;
use wangan_core::platform::access::Role;
use wangan_core::platform::audit;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_audited_and_listed() {
    let app = spawn_app().await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    admin.send("post", "/units", json!({"code": "geo", "name": "地理学院", "kind": "college"})).await;
    admin.send("patch", "/units/geo", json!({"name": "地理科学学院"})).await;

    let (s, v) = admin.get("/audit?entity=unit&entity_id=geo").await;
    assert_eq!(s, 200);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "update");
    assert_eq!(items[0]["actor"], "root");
    assert_eq!(items[0]["before"]["name"], "地理学院");
    assert_eq!(items[0]["after"]["name"], "地理科学学院");
    assert_eq!(items[1]["action"], "create");

    // The audit page, for admins and auditors.
    app.user("inspector", Role::Auditor, None).await;
    let b = app.browser();
    b.login("inspector", PASSWORD).await;
    let (s, html) = b.get("/audit?entity=unit").await;
    assert_eq!(s, 200);
    assert!(html.contains("地理科学学院"));
    app.user("clerk", Role::Officer, None).await;
    let b = app.browser();
    b.login("clerk", PASSWORD).await;
    assert_eq!(b.get("/audit").await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_names_the_first_tampered_entry() {
    let app = spawn_app().await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    for code in ["a1", "a2", "a3", "a4"] {
        admin.send("post", "/units", json!({"code": code, "name": "单位", "kind": "office"})).await;
    }
    let db = app.store.db();
    let ok = audit::verify(db).await.unwrap();
    assert_eq!(ok.broken, None);
    let total = ok.checked as i64;
    assert!(total >= 6);

    // Edit one row by hand.
    let actor = {
        use sea_orm::EntityTrait;
        wangan_core::platform::entity::audit_log::Entity::find_by_id(3).one(db).await.unwrap().unwrap().actor
    };
    db.execute_unprepared("UPDATE audit_log SET actor = 'someone' WHERE seq = 3").await.unwrap();
    let bad = audit::verify(db).await.unwrap();
    assert_eq!(bad.broken.map(|b| b.seq), Some(3));
    db.execute_unprepared(&format!("UPDATE audit_log SET actor = '{actor}' WHERE seq = 3")).await.unwrap();
    assert_eq!(audit::verify(db).await.unwrap().broken, None, "restoring the value heals it");

    // Delete a middle row.
    db.execute_unprepared("DELETE FROM audit_log WHERE seq = 4").await.unwrap();
    assert_eq!(audit::verify(db).await.unwrap().broken.map(|b| b.seq), Some(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_newest_entry_is_detected_too() {
    let app = spawn_app().await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    admin.send("post", "/units", json!({"code": "z", "name": "单位", "kind": "office"})).await;
    let db = app.store.db();
    let n = audit::verify(db).await.unwrap().checked as i64;
    db.execute_unprepared(&format!("DELETE FROM audit_log WHERE seq = {n}")).await.unwrap();
    assert_eq!(audit::verify(db).await.unwrap().broken.map(|b| b.seq), Some(n));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_change_leaves_no_audit_entry() {
    let app = spawn_app().await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    admin.send("post", "/units", json!({"code": "dup", "name": "单位", "kind": "office"})).await;
    let before = app.audit_count().await;
    let (s, _) = admin.send("post", "/units", json!({"code": "dup", "name": "单位", "kind": "office"})).await;
    assert_eq!(s, 409);
    assert_eq!(app.audit_count().await, before);
}

/// A change that fails *after* its audit entry is appended (here: at commit,
/// through a deferred foreign key that an audit row for unit `poisoned`
/// breaks) leaves neither the change nor the audit entry behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_failing_after_its_audit_entry_rolls_both_back() {
    let app = spawn_app().await;
    let admin = app.api(&app.user("root", Role::Admin, None).await);
    let db = app.store.db();
    let setup: &[&str] = if app.db.is_postgres() {
        &[
            "CREATE TABLE poison_target (id BIGINT PRIMARY KEY)",
            "CREATE TABLE poison (ref BIGINT REFERENCES poison_target(id) DEFERRABLE INITIALLY DEFERRED)",
            "CREATE FUNCTION poison_after_audit() RETURNS trigger AS $$ BEGIN \
             IF NEW.entity_id = 'poisoned' THEN INSERT INTO poison(ref) VALUES (-1); END IF; RETURN NEW; END $$ \
             LANGUAGE plpgsql",
            "CREATE TRIGGER poison_after_audit AFTER INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION poison_after_audit()",
        ]
    } else {
        &[
            "CREATE TABLE poison_target (id INTEGER PRIMARY KEY)",
            "CREATE TABLE poison (ref INTEGER REFERENCES poison_target(id) DEFERRABLE INITIALLY DEFERRED)",
            "CREATE TRIGGER poison_after_audit AFTER INSERT ON audit_log WHEN NEW.entity_id = 'poisoned' \
             BEGIN INSERT INTO poison(ref) VALUES (-1); END",
        ]
    };
    for sql in setup {
        db.execute_unprepared(sql).await.unwrap();
    }
    // The trap works on a change that is not poisoned: it commits with its entry.
    let (s, _) = admin.send("post", "/units", json!({"code": "clean", "name": "单位", "kind": "office"})).await;
    assert_eq!(s, 201);
    let before = app.audit_count().await;

    let (s, _) = admin.send("post", "/units", json!({"code": "poisoned", "name": "单位", "kind": "office"})).await;
    assert!(s.is_server_error(), "the commit fails after the audit row was written: {s}");
    assert_eq!(app.audit_count().await, before, "the audit entry rolled back");
    assert_eq!(admin.get("/units/poisoned").await.0, 404, "the change rolled back");
    // The poisoned row was really written before the failure: the trap fired.
    let (s, _) = admin.send("post", "/units", json!({"code": "poisoned", "name": "单位", "kind": "office"})).await;
    assert!(s.is_server_error(), "the same change fails the same way again");
    assert_eq!(audit::verify(db).await.unwrap().broken, None, "the chain is intact");
    // Without the trap the same change goes through, so it was the commit that failed.
    db.execute_unprepared("DROP TRIGGER poison_after_audit ON audit_log").await.ok();
    db.execute_unprepared("DROP TRIGGER IF EXISTS poison_after_audit").await.ok();
    let (s, _) = admin.send("post", "/units", json!({"code": "poisoned", "name": "单位", "kind": "office"})).await;
    assert_eq!(s, 201);
    assert_eq!(app.audit_count().await, before + 1);
    assert_eq!(audit::verify(db).await.unwrap().broken, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_keep_one_chain() {
    let app = spawn_app().await;
    let token = app.user("root", Role::Admin, None).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let api = app.api(&token);
        tasks.push(tokio::spawn(async move {
            api.send("post", "/units", json!({"code": format!("u{i}"), "name": "并发单位", "kind": "office"})).await.0
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let out = audit::verify(app.store.db()).await.unwrap();
    assert_eq!(out.broken, None);
}

/// Deleting the newest entries and rewinding the head row keeps the chain
/// whole in the database; the anchor outside it catches both that and a
/// chain rewritten past the anchored entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncation_and_a_rewound_head_are_caught_by_the_anchor() {
    use sea_orm::ConnectionTrait;
    use wangan_core::platform::audit_anchor::AnchorFile;
    let app = spawn_app().await;
    for code in ["a1", "a2", "a3", "a4", "a5"] {
        app.unit(code, "单位").await;
    }
    let dir = std::env::temp_dir().join(format!("wangan-anchor-{}-{}", std::process::id(), app.addr.port()));
    let anchor = AnchorFile::in_dir(&dir);
    let db = app.store.db();
    let first = anchor.anchor(db, app.store.now()).await.unwrap().expect("anchored");
    assert_eq!(anchor.anchor(db, app.store.now()).await.unwrap(), Some(first.clone()), "unchanged: not repeated");
    assert_eq!(std::fs::read_to_string(anchor.path()).unwrap().lines().count(), 1);
    assert_eq!(anchor.verify(db).await.unwrap().broken, None);
    let n = first.seq;

    // Truncate: the two newest entries go, the head is rewound to the one before.
    db.execute_unprepared(&format!("DELETE FROM audit_log WHERE seq > {}", n - 2)).await.unwrap();
    let (seq, hash): (i64, String) = {
        use sea_orm::{EntityTrait, QueryOrder};
        let last = wangan_core::platform::entity::audit_log::Entity::find()
            .order_by_desc(wangan_core::platform::entity::audit_log::Column::Seq)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        (last.seq, last.hash)
    };
    db.execute_unprepared(&format!("UPDATE audit_head SET seq = {seq}, hash = '{hash}' WHERE id = 1")).await.unwrap();
    assert_eq!(wangan_core::platform::audit::verify(db).await.unwrap().broken, None, "the database alone cannot tell");
    let b = anchor.verify(db).await.unwrap().broken.expect("the anchor tells");
    assert_eq!((b.seq, b.reason), (n - 1, "truncated"));

    // Rewritten: new entries past the anchored sequence, with other hashes.
    for code in ["b1", "b2", "b3"] {
        app.unit(code, "单位").await;
    }
    let b = anchor.verify(db).await.unwrap().broken.expect("the anchored entry differs");
    assert_eq!((b.seq, b.reason), (n, "anchor"));
    let _ = std::fs::remove_dir_all(&dir);
}
