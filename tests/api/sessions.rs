//! Sign-in, the forced password change, the password policy, lockout,
//! language, sign-out and token revocation.

use crate::support::*;
use wangan_core::accounts::service as accounts;
use wangan_core::platform::access::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sign_in_forces_a_policy_compliant_new_password() {
    let app = spawn_app().await;
    let initial = accounts::bootstrap_admin(&app.store).await.unwrap().expect("admin created on an empty database");
    assert!(accounts::bootstrap_admin(&app.store).await.unwrap().is_none(), "only once");

    let b = app.browser();
    assert_eq!(location(&b.login("admin", "wrong-Password-1").await), "");
    let r = b.login("admin", &initial).await;
    assert_eq!(location(&r), "/password");
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    // Every other page sends the user back to the password form.
    assert_eq!(location(&b.client.get(format!("{}/units", b.base)).send().await.unwrap()), "/password");

    let csrf = b.csrf("/password").await;
    let attempts =
        [("short1A!", "密码至少 10 位"), ("alllowercaseletters", "至少三类"), ("Admin-2026-pass", "不得包含用户名")];
    for (pw, reason) in attempts {
        let r = b.post("/password", &[("csrf", &csrf), ("current", &initial), ("new", pw), ("confirm", pw)]).await;
        assert_eq!(r.status(), 422, "{pw}");
        assert!(r.text().await.unwrap().contains(reason), "{pw} refused for {reason}");
    }
    let r =
        b.post("/password", &[("csrf", &csrf), ("current", &initial), ("new", &initial), ("confirm", &initial)]).await;
    assert!(r.text().await.unwrap().contains("最近 5 次"), "the current password counts as used");
    let r = b
        .post(
            "/password",
            &[("csrf", &csrf), ("current", &initial), ("new", "Campus-Guard-2026"), ("confirm", "Campus-Guard-2027")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("不一致"));
    let r = b
        .post(
            "/password",
            &[("csrf", &csrf), ("current", &initial), ("new", "Campus-Guard-2026"), ("confirm", "Campus-Guard-2026")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(b.get("/units").await.0, 200);

    // Cycle through passwords: none of the last five may come back.
    let mut current = "Campus-Guard-2026".to_owned();
    for i in 0..4 {
        let next = format!("Campus-Guard-{}", 3000 + i);
        let csrf = b.csrf("/password").await;
        let r =
            b.post("/password", &[("csrf", &csrf), ("current", &current), ("new", &next), ("confirm", &next)]).await;
        assert_eq!(r.status(), 303);
        current = next;
    }
    let csrf = b.csrf("/password").await;
    let r = b
        .post(
            "/password",
            &[("csrf", &csrf), ("current", &current), ("new", "Campus-Guard-2026"), ("confirm", "Campus-Guard-2026")],
        )
        .await;
    assert_eq!(r.status(), 422, "five passwords ago is still too recent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_failures_lock_the_account() {
    let app = spawn_app().await;
    app.user("wang", Role::Officer, None).await;
    let b = app.browser();
    for _ in 0..5 {
        let r = b.login("wang", "Not-The-Password-1").await;
        assert_eq!(r.status(), 401);
    }
    let r = b.login("wang", PASSWORD).await;
    assert_eq!(r.status(), 401, "locked even with the right password");
    // Answered exactly as a name that does not exist: the answer must not tell which names do.
    let locked = r.text().await.unwrap().replace("wang", "NAME");
    let r = app.browser().login("nobody", PASSWORD).await;
    assert_eq!(r.status(), 401);
    assert_eq!(locked, r.text().await.unwrap().replace("nobody", "NAME"));
    // Admins see which accounts are locked.
    app.user("root", Role::Admin, None).await;
    let admin = app.browser();
    admin.login("root", PASSWORD).await;
    let (_, users) = admin.get("/users").await;
    let row = users.split("<tr").find(|r| r.contains("<td>wang</td>")).expect("wang listed");
    assert!(row.contains("已锁定"), "{row}");
    // Other accounts are unaffected.
    app.user("li", Role::Officer, None).await;
    assert_eq!(location(&app.browser().login("li", PASSWORD).await), "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_choice_persists_per_user() {
    let app = spawn_app().await;
    app.user("zhao", Role::Reviewer, None).await;
    let b = app.browser();
    b.login("zhao", PASSWORD).await;
    let (_, html) = b.get("/units").await;
    assert!(html.contains("<h1>单位</h1>"));
    let csrf = b.csrf("/units").await;
    let r = b.post("/lang", &[("csrf", &csrf), ("locale", "en")]).await;
    assert_eq!(r.status(), 303);
    let (_, html) = b.get("/units").await;
    assert!(html.contains("<h1>Units</h1>"), "English now");

    // A new session of the same user keeps English.
    let b2 = app.browser();
    b2.login("zhao", PASSWORD).await;
    let (_, html) = b2.get("/").await;
    assert!(html.contains("lang=\"en\""));
    // Before sign-in: Chinese, whatever the browser's language, until English is chosen.
    let anon = app.browser();
    let html = anon
        .client
        .get(format!("{}/login", anon.base))
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("登录"), "zh-CN is the default");
    let (_, html) = anon.get("/login?lang=en").await;
    assert!(html.contains("Sign in"));
    let (_, html) = anon.get("/login").await;
    assert!(html.contains("Sign in"), "the choice is remembered on this browser");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_ends_the_session_and_tokens_can_be_revoked() {
    let app = spawn_app().await;
    let token = app.user("qian", Role::Officer, None).await;
    let b = app.browser();
    b.login("qian", PASSWORD).await;
    let csrf = b.csrf("/").await;
    assert_eq!(location(&b.post("/logout", &[("csrf", &csrf)]).await), "/login");
    assert_eq!(location(&b.client.get(format!("{}/", b.base)).send().await.unwrap()), "/login");

    let api = app.api(&token);
    assert_eq!(api.get("/me").await.0, 200);
    let id = accounts::my_tokens(&app.store, &accounts::token_principal(&app.store, &token).await.unwrap())
        .await
        .unwrap()[0]
        .id;
    assert_eq!(api.call("delete", &format!("/tokens/{id}"), None).await.status(), 204);
    assert_eq!(api.get("/me").await.0, 401, "a revoked token no longer works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_resets_a_forgotten_password_and_lifts_the_lock() {
    let app = spawn_app().await;
    app.user("sun", Role::Officer, None).await;
    app.user("root", Role::Admin, None).await;
    let victim = app.browser();
    assert_eq!(location(&victim.login("sun", PASSWORD).await), "/");
    let stranger = app.browser();
    for _ in 0..5 {
        stranger.login("sun", "Wrong-Guess-2026").await;
    }
    assert_eq!(app.browser().login("sun", PASSWORD).await.status(), 401, "locked");

    let admin = app.browser();
    admin.login("root", PASSWORD).await;
    let csrf = admin.csrf("/users").await;
    let r = admin.post("/users/reset-password", &[("csrf", &csrf), ("username", "sun"), ("password", "weak")]).await;
    assert_eq!(r.status(), 422);
    let r = admin
        .post("/users/reset-password", &[("csrf", &csrf), ("username", "sun"), ("password", "Fresh-Start-2026")])
        .await;
    assert_eq!(location(&r), "/users?ok=users.reset_done");

    assert_eq!(
        location(&victim.client.get(format!("{}/", victim.base)).send().await.unwrap()),
        "/login",
        "old sessions end"
    );
    let b = app.browser();
    assert_eq!(location(&b.login("sun", "Fresh-Start-2026").await), "/password", "lock lifted, change required");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_in_several_units_and_disabled_accounts() {
    let app = spawn_app().await;
    app.unit("chem", "化学学院").await;
    app.unit("math", "数学学院").await;
    let token = app.user("zhou", Role::UnitAdmin, Some("chem")).await;
    app.user("root", Role::Admin, None).await;
    let admin = app.browser();
    admin.login("root", PASSWORD).await;
    let csrf = admin.csrf("/users").await;
    let api = app.api(&token);
    assert_eq!(api.get("/units").await.1["total"], 1);

    // A second unit role.
    let r = admin
        .post("/users/grant-role", &[("csrf", &csrf), ("username", "zhou"), ("role", "leader"), ("unit", "math")])
        .await;
    assert_eq!(location(&r), "/users?ok=users.changed");
    assert_eq!(api.get("/units").await.1["total"], 2, "sees both units at once");
    let r = admin
        .post("/users/grant-role", &[("csrf", &csrf), ("username", "zhou"), ("role", "leader"), ("unit", "math")])
        .await;
    assert_eq!(r.status(), 422, "twice is refused, with the reason on the page");
    let r = admin
        .post("/users/revoke-role", &[("csrf", &csrf), ("username", "zhou"), ("role", "unit_admin"), ("unit", "chem")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, me) = api.get("/me").await;
    assert_eq!(me["roles"], serde_json::json!([{"role": "leader", "unit": "math"}]));
    let r = admin
        .post("/users/revoke-role", &[("csrf", &csrf), ("username", "zhou"), ("role", "leader"), ("unit", "math")])
        .await;
    assert!(r.text().await.unwrap().contains("至少保留一个角色"));

    // Disabling stops sign-in, sessions and tokens at once; nothing is deleted.
    let b = app.browser();
    b.login("zhou", PASSWORD).await;
    let r = admin.post("/users/active", &[("csrf", &csrf), ("username", "zhou"), ("active", "false")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(api.get("/me").await.0, 401);
    assert_eq!(location(&b.client.get(format!("{}/", b.base)).send().await.unwrap()), "/login");
    assert_eq!(app.browser().login("zhou", PASSWORD).await.status(), 401);
    let r = admin.post("/users/active", &[("csrf", &csrf), ("username", "root"), ("active", "false")]).await;
    assert!(r.text().await.unwrap().contains("不能停用自己的账户"));
    admin.post("/users/active", &[("csrf", &csrf), ("username", "zhou"), ("active", "true")]).await;
    assert_eq!(api.get("/me").await.0, 401, "enabled again, the old token stays revoked");
}

/// Failed sign-ins from one address are throttled (10 a minute, then 429
/// with `Retry-After`), whatever names they try; time is the store's clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_sign_ins_are_throttled_per_address() {
    let clock = std::sync::Arc::new(wangan_core::FixedClock::new(chrono::Utc::now()));
    let app = spawn_at(clock.clone()).await;
    app.user("wang", Role::Officer, None).await;
    let b = app.browser();
    for i in 0..10 {
        let r = b.login(&format!("sprayed{i}"), "Spring-2026!").await;
        assert_eq!(r.status(), 401, "attempt {i}");
    }
    let r = b.login("sprayed10", "Spring-2026!").await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("6"));
    assert!(r.text().await.unwrap().contains("登录失败次数过多"));
    // The right password waits too: the address is throttled, not the name.
    assert_eq!(app.browser().login("wang", PASSWORD).await.status(), 429);
    clock.advance(chrono::Duration::seconds(6));
    assert_eq!(location(&app.browser().login("wang", PASSWORD).await), "/", "one more try after six seconds");
    assert_eq!(b.login("sprayed11", "Spring-2026!").await.status(), 401);
    assert_eq!(b.login("sprayed12", "Spring-2026!").await.status(), 429);
    clock.advance(chrono::Duration::minutes(1));
    for i in 0..10 {
        assert_eq!(b.login(&format!("again{i}"), "Spring-2026!").await.status(), 401, "a minute refills the ten");
    }
}

/// A token stands for its account as it is now: not before the forced
/// password change, not after a reset, not after the account is disabled
/// (and not again when it is re-enabled).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_end_with_their_account() {
    use wangan_core::accounts::service::{GrantInput, NewUser};
    let app = spawn_app().await;
    let admin = {
        app.user("root", Role::Admin, None).await;
        accounts::principal(&app.store, 1).await.unwrap()
    };
    accounts::create_user(
        &app.store,
        None,
        NewUser {
            username: "qian".into(),
            password: "Initial-Pass-2026".into(),
            must_change_password: true,
            person_id: None,
            grants: vec![GrantInput { role: Role::Officer, unit: None }],
        },
    )
    .await
    .unwrap();
    let early = app.api(&accounts::create_token(&app.store, None, "qian", "early").await.unwrap());
    let (s, v) = early.get("/units").await;
    assert_eq!((s.as_u16(), v["error"]["code"].as_str()), (403, Some("password_change_required")), "{v}");
    let (s, _) =
        early.send("post", "/units", serde_json::json!({"code": "x", "name": "某单位", "kind": "college"})).await;
    assert_eq!(s, 403, "cannot write either");
    let qian = accounts::principal(&app.store, 2).await.unwrap();
    accounts::change_password(&app.store, &qian, "Initial-Pass-2026", "Changed-Pass-2026").await.unwrap();
    assert_eq!(early.get("/units").await.0, 200, "works once the password is changed");

    // A reset revokes it; the token made afterwards waits for the next change.
    accounts::reset_password(&app.store, Some(&admin), "qian", "Reset-Pass-2026!").await.unwrap();
    assert_eq!(early.get("/units").await.0, 401, "revoked by the reset");
    let after_reset = app.api(&accounts::create_token(&app.store, None, "qian", "later").await.unwrap());
    assert_eq!(after_reset.get("/units").await.0, 403);
    let qian = accounts::principal(&app.store, 2).await.unwrap();
    accounts::change_password(&app.store, &qian, "Reset-Pass-2026!", "Second-Pass-2026").await.unwrap();
    assert_eq!(after_reset.get("/units").await.0, 200);

    // Disabling revokes; re-enabling does not bring the token back.
    accounts::set_active(&app.store, &admin, "qian", false).await.unwrap();
    assert_eq!(after_reset.get("/units").await.0, 401);
    accounts::set_active(&app.store, &admin, "qian", true).await.unwrap();
    assert_eq!(after_reset.get("/units").await.0, 401, "still revoked after re-enabling");

    // Token ids answer 404 alike: someone else's, and none at all.
    let own = app.api(&accounts::create_token(&app.store, Some(&qian), "qian", "own").await.unwrap());
    accounts::create_token(&app.store, None, "root", "root's").await.unwrap();
    let ids: Vec<i64> = {
        use sea_orm::EntityTrait;
        wangan_core::accounts::entity::api_token::Entity::find()
            .all(app.store.db())
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.user_id == 1)
            .map(|t| t.id)
            .collect()
    };
    let (s1, v1) = own.send("delete", &format!("/tokens/{}", ids[0]), serde_json::Value::Null).await;
    let (s2, v2) = own.send("delete", "/tokens/999999", serde_json::Value::Null).await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (404, 404));
    assert_eq!(v1, v2);
}
