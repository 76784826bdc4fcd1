//! Campus single sign-on (issue 19): CAS 2.0 / 3.0 against a small CAS
//! server written here and started on loopback. It issues service tickets
//! once, for one service, and validates each once, as CAS servers do.

use crate::support::*;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wangan_core::platform::access::Role;

#[derive(Default)]
struct CasState {
    /// Who the next browser at `/login` is (CAS user name, staff number attribute).
    next: Option<(String, String)>,
    /// Live tickets: ticket → (service, user, staff number).
    tickets: HashMap<String, (String, String, String)>,
    issued: u32,
    validations: u32,
}

type Shared = Arc<Mutex<CasState>>;

/// A CAS server on loopback; returns its base URL (`http://127.0.0.1:PORT/cas`).
async fn cas_server() -> (String, Shared) {
    let state: Shared = Arc::default();
    async fn login(State(st): State<Shared>, Query(q): Query<HashMap<String, String>>) -> axum::response::Response {
        let mut st = st.lock().unwrap();
        let Some((user, staff_no)) = st.next.clone() else {
            return (StatusCode::UNAUTHORIZED, "nobody signs in").into_response();
        };
        let service = q.get("service").cloned().unwrap_or_default();
        st.issued += 1;
        let ticket = format!("ST-{}-{}", st.issued, wangan_core::platform::secret::random_token());
        st.tickets.insert(ticket.clone(), (service.clone(), user, staff_no));
        let sep = if service.contains('?') { '&' } else { '?' };
        Redirect::to(&format!("{service}{sep}ticket={ticket}")).into_response()
    }
    fn validate(st: &Shared, q: &HashMap<String, String>, attributes: bool) -> String {
        let mut st = st.lock().unwrap();
        st.validations += 1;
        let ticket = q.get("ticket").cloned().unwrap_or_default();
        let failure = |code: &str| {
            format!(
                r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="{code}">{code}</cas:authenticationFailure></cas:serviceResponse>"#
            )
        };
        // A ticket is good once, whatever the outcome.
        let Some((service, user, staff_no)) = st.tickets.remove(&ticket) else {
            return failure("INVALID_TICKET");
        };
        if q.get("service") != Some(&service) {
            return failure("INVALID_SERVICE");
        }
        let attrs = if attributes {
            format!("<cas:attributes><cas:staff_no>{staff_no}</cas:staff_no><cas:cn>someone</cas:cn></cas:attributes>")
        } else {
            String::new()
        };
        format!(
            r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>{user}</cas:user>{attrs}</cas:authenticationSuccess></cas:serviceResponse>"#
        )
    }
    async fn p3(State(st): State<Shared>, Query(q): Query<HashMap<String, String>>) -> String {
        validate(&st, &q, true)
    }
    async fn v2(State(st): State<Shared>, Query(q): Query<HashMap<String, String>>) -> String {
        validate(&st, &q, false)
    }
    let app = axum::Router::new()
        .route("/cas/login", axum::routing::get(login))
        .route("/cas/p3/serviceValidate", axum::routing::get(p3))
        .route("/cas/serviceValidate", axum::routing::get(v2))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/cas"), state)
}

fn web(server: &str, attribute: &str, version: u8) -> wangan_web::WebConfig {
    wangan_web::WebConfig {
        sso: wangan_web::accounts::sso::SsoConfig {
            cas: Some(wangan_web::accounts::sso::CasConfig {
                server: server.into(),
                attribute: attribute.into(),
                label: "统一身份认证登录".into(),
                version,
            }),
            oidc: None,
        },
        ..Default::default()
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Walk a browser through CAS as `user`: Wangan sends it to the CAS
/// server, which sends it back with a ticket. Returns the ticket's URL
/// (path and query on Wangan) before it is followed.
async fn through_cas(b: &Browser, cas: &Shared, user: &str, staff_no: &str) -> String {
    cas.lock().unwrap().next = Some((user.into(), staff_no.into()));
    let r = b.client.get(format!("{}/login/cas", b.base)).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let to_cas = location(&r);
    assert!(to_cas.contains("/cas/login?service="), "{to_cas}");
    let r = b.client.get(&to_cas).send().await.unwrap();
    let back = location(&r);
    assert!(back.starts_with(&b.base), "the CAS server sends the browser back to the service: {back}");
    back[b.base.len()..].to_owned()
}

/// A person with staff number 20190012 and the account `wangli` (a unit's network admin).
async fn wangli(app: &TestApp) -> i64 {
    app.unit("cs", "计算机学院").await;
    let id = app.person("cs", "王力").await;
    set_staff_no(app, id, "20190012").await;
    app.user_for_person("wangli", Role::UnitAdmin, Some("cs"), Some(id)).await;
    id
}

async fn set_staff_no(app: &TestApp, id: i64, staff_no: &str) {
    use wangan_core::directory::service::people;
    let patch = people::PersonPatch { staff_no: Some(staff_no.into()), ..Default::default() };
    people::update(&app.store, &wangan_core::Principal::system("test"), id, patch).await.unwrap();
}

#[tokio::test]
async fn a_person_signs_in_through_cas_and_a_ticket_is_good_once() {
    let (server, cas) = cas_server().await;
    let app = spawn_web(web(&server, "", 3)).await;
    wangli(&app).await;

    let b = app.browser();
    let (_, login) = b.get("/login").await;
    assert!(login.contains("href=\"/login/cas\"") && login.contains("统一身份认证登录"), "the button");

    // CAS user name = staff number (attribute = "").
    let back = through_cas(&b, &cas, "20190012", "").await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/");
    let (status, account) = b.get("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(account.contains("wangli"), "signed in as the person's account");

    // The same ticket again (replayed, say from a browser's history): refused.
    let other = app.browser();
    let r = other.client.get(format!("{}{back}", other.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("登录凭据无效或已使用过"));
    assert_eq!(other.get("/account").await.0, StatusCode::SEE_OTHER, "no session was made");

    // A ticket the server never issued.
    let r = other.client.get(format!("{}/login/cas?ticket=ST-4-forged", other.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Not even a ticket: not sent to the server at all.
    let before = cas.lock().unwrap().validations;
    let r = other.client.get(format!("{}/login/cas?ticket=ST%201%3Cx%3E", other.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(cas.lock().unwrap().validations, before);
    assert_eq!(other.get("/account").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_ticket_issued_for_another_service_is_refused() {
    let (server, cas) = cas_server().await;
    let app = spawn_web(web(&server, "", 3)).await;
    wangli(&app).await;
    // The CAS server issues a ticket for another site (a phishing service
    // that got one and hands it on); presented here, the server refuses it.
    cas.lock().unwrap().next = Some(("20190012".into(), String::new()));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = client.get(format!("{server}/login?service=http%3A%2F%2Fevil.test%2Flogin%2Fcas")).send().await.unwrap();
    let to = location(&r);
    let ticket = to.split("ticket=").nth(1).unwrap().to_owned();
    let b = app.browser();
    let r = b.client.get(format!("{}/login/cas?ticket={ticket}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(b.get("/account").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn unknown_people_and_disabled_accounts_are_refused_with_a_clear_page() {
    let (server, cas) = cas_server().await;
    let app = spawn_web(web(&server, "", 3)).await;
    wangli(&app).await;
    let b = app.browser();

    // Nobody has this staff number: refused, and no account is made.
    let back = through_cas(&b, &cas, "99990001", "").await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = r.text().await.unwrap();
    assert!(page.contains("人员名单中不存在") && page.contains("99990001"), "{page}");
    let admin = app.user("root", Role::Admin, None).await;
    let (_, users) = app.api(&admin).get("/people?q=99990001").await;
    assert_eq!(users["total"], 0);

    // On the list of people but without an account.
    let id = app.person("cs", "李娜").await;
    set_staff_no(&app, id, "20190013").await;
    let back = through_cas(&b, &cas, "20190013", "").await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("尚未开通本平台账户"));

    // A disabled account.
    let root = wangan_core::Principal::system("test");
    wangan_core::accounts::service::set_active(&app.store, &root, "wangli", false).await.unwrap();
    let back = through_cas(&b, &cas, "20190012", "").await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("账户已停用"));
    assert_eq!(b.get("/account").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_staff_number_may_come_in_an_attribute_and_single_logout_ends_the_session() {
    let (server, cas) = cas_server().await;
    let app = spawn_web(web(&server, "staff_no", 3)).await;
    wangli(&app).await;
    let b = app.browser();
    // The CAS user name is a net id; the staff number is an attribute.
    let back = through_cas(&b, &cas, "wang.li", "20190012").await;
    let ticket = back.split("ticket=").nth(1).unwrap().to_owned();
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/account").await.0, StatusCode::OK);

    // The CAS server's back-channel logout, naming the ticket.
    let request = format!(
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" IssueInstant="2026-12-07T10:00:00Z"><saml:NameID>wang.li</saml:NameID><samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"#
    );
    let server_side = reqwest::Client::new();
    let r = server_side.post(app.url("/login/cas")).form(&[("logoutRequest", request.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (status, _) = b.get("/account").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the session ended with the CAS session");

    // Signing out here sends the browser to the CAS server's logout.
    let b = app.browser();
    let back = through_cas(&b, &cas, "wang.li", "20190012").await;
    b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    let csrf = b.csrf("/account").await;
    let r = b.post("/logout", &[("csrf", &csrf)]).await;
    assert!(location(&r).starts_with(&format!("{server}/logout?service=")), "{}", location(&r));
    assert_eq!(b.get("/account").await.0, StatusCode::SEE_OTHER);

    // Without the attribute released, nobody is named.
    let b = app.browser();
    let back = through_cas(&b, &cas, "wang.li", "").await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("没有返回工号"));
}

#[tokio::test]
async fn cas_2_validates_at_service_validate_and_no_cas_means_no_button() {
    let (server, cas) = cas_server().await;
    let app = spawn_web(web(&server, "", 2)).await;
    wangli(&app).await;
    let b = app.browser();
    let back = through_cas(&b, &cas, "20190012", "").await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/account").await.0, StatusCode::OK);
    // A session opened by CAS is not sent to change a local password.
    wangan_core::accounts::service::reset_password(&app.store, None, "wangli", "Another-Pass-2026").await.unwrap();
    let b = app.browser();
    let back = through_cas(&b, &cas, "20190012", "").await;
    b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(b.get("/account").await.0, StatusCode::OK);

    let plain = spawn_app().await;
    let b = plain.browser();
    let (_, login) = b.get("/login").await;
    assert!(!login.contains("/login/cas"));
    assert_eq!(b.get("/login/cas").await.0, StatusCode::NOT_FOUND);
}
