//! Two-factor sign-in (issue 19): TOTP enrolment, sign-in with a code (each
//! once), recovery codes, too many wrong codes, the reset by another admin,
//! and the requirement for admins — all on a clock the test moves.

use crate::support::*;
use axum::http::StatusCode;
use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;
use wangan_core::accounts::rules::second_factor::code_at;
use wangan_core::platform::access::Role;

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

async fn secret_of(app: &TestApp, username: &str) -> Vec<u8> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use wangan_core::accounts::entity::user;
    let u =
        user::Entity::find().filter(user::Column::Username.eq(username)).one(app.store.db()).await.unwrap().unwrap();
    hex::decode(u.totp_secret.expect("enrolment started")).unwrap()
}

fn code(secret: &[u8], clock: &wangan_core::FixedClock) -> String {
    use wangan_core::Clock;
    code_at(secret, clock.now().timestamp() as u64).unwrap()
}

/// The text of every `<pre class="token">` line on a page (the recovery codes).
fn recovery_codes(html: &str) -> Vec<String> {
    let start = html.find("<pre class=\"token\">").expect("codes shown") + "<pre class=\"token\">".len();
    let end = start + html[start..].find("</pre>").unwrap();
    html[start..end].lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

async fn enrol(app: &TestApp, b: &Browser, clock: &wangan_core::FixedClock, username: &str) -> Vec<String> {
    let (_, page) = b.get("/account/totp").await;
    assert!(page.contains("未开启"), "{page}");
    let csrf = b.csrf("/account/totp").await;
    let r = b.post("/account/totp/start", &[("csrf", &csrf)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = b.get("/account/totp").await;
    assert!(page.contains("<svg") && page.contains("验证并开启"), "the QR code and the form");
    let secret = secret_of(app, username).await;
    // A wrong code does not turn it on.
    let r = b.post("/account/totp/enable", &[("csrf", &csrf), ("code", "000000")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = b.post("/account/totp/enable", &[("csrf", &csrf), ("code", &code(&secret, clock))]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let codes = recovery_codes(&r.text().await.unwrap());
    assert_eq!(codes.len(), 10);
    codes
}

/// Password, then the code page: returns the browser waiting there.
async fn password_step(app: &TestApp, username: &str) -> Browser {
    let b = app.browser();
    let r = b.login(username, PASSWORD).await;
    assert_eq!(location(&r), "/login/totp", "the password alone does not sign in");
    assert_eq!(b.get("/account").await.0, StatusCode::SEE_OTHER, "no session yet");
    assert_eq!(b.get("/login/totp").await.0, StatusCode::OK);
    b
}

#[tokio::test]
async fn a_second_factor_is_enrolled_and_asked_for_and_each_code_is_good_once() {
    let clock = Arc::new(wangan_core::FixedClock::new(Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 10).unwrap()));
    let app = spawn_web_at(Default::default(), clock.clone()).await;
    app.user("wang", Role::Officer, None).await;
    let b = app.browser();
    assert_eq!(location(&b.login("wang", PASSWORD).await), "/");
    let codes = enrol(&app, &b, &clock, "wang").await;
    let secret = secret_of(&app, "wang").await;
    let (_, page) = b.get("/account/totp").await;
    assert!(page.contains("已开启") && page.contains("剩余恢复码：10 个"), "{page}");

    // The code used to enrol is spent: the same step is refused at sign-in.
    let w = password_step(&app, "wang").await;
    let r = w.post("/login/totp", &[("code", &code(&secret, &clock))]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("已使用过"));
    // Thirty seconds on, the app shows a new code: signed in.
    clock.advance(Duration::seconds(30));
    let r = w.post("/login/totp", &[("code", &code(&secret, &clock))]).await;
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/".to_owned()));
    assert_eq!(w.get("/account").await.0, StatusCode::OK);
    // The same code in another browser: refused (replayed).
    let other = password_step(&app, "wang").await;
    let r = other.post("/login/totp", &[("code", &code(&secret, &clock))]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // A recovery code signs in once, typed loosely.
    let typed = codes[0].to_uppercase().replace('-', " ");
    let r = other.post("/login/totp", &[("code", &typed)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(other.get("/account").await.0, StatusCode::OK);
    let again = password_step(&app, "wang").await;
    let r = again.post("/login/totp", &[("code", &codes[0])]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a recovery code works once");
    let (_, page) = w.get("/account/totp").await;
    assert!(page.contains("剩余恢复码：9 个"));

    // Five wrong codes end the sign-in: back to the password.
    let x = password_step(&app, "wang").await;
    for _ in 0..4 {
        assert_eq!(x.post("/login/totp", &[("code", "123456")]).await.status(), StatusCode::UNAUTHORIZED);
    }
    let r = x.post("/login/totp", &[("code", "123456")]).await;
    assert!(r.text().await.unwrap().contains("请重新输入用户名和密码"));
    clock.advance(Duration::seconds(30));
    let r = x.post("/login/totp", &[("code", &code(&secret, &clock))]).await;
    assert_eq!(location(&r), "/login", "the ended sign-in takes no more codes");
    assert_eq!(x.get("/account").await.0, StatusCode::SEE_OTHER);

    // A sign-in waits five minutes for its code.
    let late = password_step(&app, "wang").await;
    clock.advance(Duration::minutes(6));
    let r = late.post("/login/totp", &[("code", &code(&secret, &clock))]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(late.get("/login/totp").await.0, StatusCode::SEE_OTHER);

    // Turned off with the password: the password alone signs in again.
    let csrf = w.csrf("/account/totp").await;
    let r = w.post("/account/totp/disable", &[("csrf", &csrf), ("current", "wrong")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = w.post("/account/totp/disable", &[("csrf", &csrf), ("current", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&app.browser().login("wang", PASSWORD).await), "/");
}

#[tokio::test]
async fn another_admin_resets_a_lost_device_and_admins_may_be_required_to_use_one() {
    let clock = Arc::new(wangan_core::FixedClock::new(Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 10).unwrap()));
    let web = wangan_web::WebConfig { require_totp_for_admin: true, ..Default::default() };
    let app = spawn_web_at(web, clock.clone()).await;
    app.user("root", Role::Admin, None).await;
    app.user("chen", Role::Admin, None).await;
    app.user("wang", Role::Officer, None).await;

    // An admin without a second factor is sent to set one up, and nowhere else.
    let root = app.browser();
    assert_eq!(location(&root.login("root", PASSWORD).await), "/");
    let r = root.client.get(format!("{}/users", root.base)).send().await.unwrap();
    assert_eq!(location(&r), "/account/totp");
    let (_, page) = root.get("/account/totp").await;
    assert!(page.contains("管理员账户必须开启两步验证"));
    // Other roles are not asked.
    let wang = app.browser();
    wang.login("wang", PASSWORD).await;
    assert_eq!(wang.get("/account").await.0, StatusCode::OK);

    enrol(&app, &root, &clock, "root").await;
    assert_eq!(root.get("/users").await.0, StatusCode::OK, "enrolled: the platform opens");
    // Required: it cannot be turned off.
    let csrf = root.csrf("/account/totp").await;
    let r = root.post("/account/totp/disable", &[("csrf", &csrf), ("current", PASSWORD)]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("管理员账户必须保持两步验证开启"));
    assert!(root.get("/account/totp").await.1.contains("已开启"));

    // chen enrols, then loses the phone.
    let chen = app.browser();
    chen.login("chen", PASSWORD).await;
    clock.advance(Duration::seconds(30));
    enrol(&app, &chen, &clock, "chen").await;
    assert_eq!(chen.get("/users").await.0, StatusCode::OK);
    // Nobody resets their own.
    let csrf = chen.csrf("/users").await;
    let r = chen.post("/users/totp-reset", &[("csrf", &csrf), ("username", "chen")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // A non-admin may not reset anyone's.
    let csrf = wang.csrf("/account").await;
    let r = wang.post("/users/totp-reset", &[("csrf", &csrf), ("username", "chen")]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Another admin does: chen's sessions end, the reset is in the audit log.
    let csrf = root.csrf("/users").await;
    let (_, users) = root.get("/users").await;
    assert!(users.contains("重置两步验证"));
    let r = root.post("/users/totp-reset", &[("csrf", &csrf), ("username", "chen")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(chen.get("/account").await.0, StatusCode::SEE_OTHER, "sessions ended");
    let auditor = app.user("audit", Role::Auditor, None).await;
    let (_, log) = app.api(&auditor).get("/audit?per_page=100").await;
    let reset = log["items"].as_array().unwrap().iter().find(|e| e["action"] == "totp_reset").expect("audited");
    assert_eq!((reset["actor"].as_str(), reset["entity_id"].as_str()), (Some("root"), Some("chen")), "{reset}");
    // chen signs in with the password and is asked to enrol again.
    let chen = app.browser();
    assert_eq!(location(&chen.login("chen", PASSWORD).await), "/");
    let r = chen.client.get(format!("{}/", chen.base)).send().await.unwrap();
    assert_eq!(location(&r), "/account/totp");
}
