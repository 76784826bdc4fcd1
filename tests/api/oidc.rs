//! Campus single sign-on by OpenID Connect (issue 19), against a small
//! provider written here and started on loopback: discovery, the
//! authorization endpoint (with PKCE), a token endpoint that checks the
//! client's secret, the code (good once) and the PKCE verifier, and ID
//! tokens signed RS256 with a test-only key published in its JWKS.

use crate::support::*;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wangan_core::platform::access::Role;

/// A key for these tests only (it signs nothing anywhere else).
const KEY_PEM: &str = include_str!("oidc-test-key.pem");
const CLIENT_ID: &str = "wangan";
const CLIENT_SECRET: &str = "test-client-secret";

#[derive(Default)]
struct Provider {
    issuer: String,
    /// The claims of whoever signs in next at the provider.
    next: Option<Value>,
    /// Issued codes: code → (redirect_uri, nonce, PKCE challenge, claims).
    codes: HashMap<String, (String, String, String, Value)>,
    /// Sign tokens, then change a claim (a forged token).
    tamper: bool,
    authorizations: Vec<HashMap<String, String>>,
    token_calls: u32,
}

type Shared = Arc<Mutex<Provider>>;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sign(claims: &Value, tamper: bool) -> String {
    use rsa::pkcs8::DecodePrivateKey;
    use rsa::signature::{SignatureEncoding, Signer};
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(KEY_PEM).unwrap();
    let header = b64(json!({"alg": "RS256", "typ": "JWT", "kid": "test-key"}).to_string().as_bytes());
    let payload = b64(claims.to_string().as_bytes());
    let input = format!("{header}.{payload}");
    let signature = rsa::pkcs1v15::SigningKey::<Sha256>::new(key).sign(input.as_bytes()).to_bytes();
    let payload = if tamper {
        let mut forged = claims.clone();
        forged["staff_no"] = json!("20190012");
        b64(forged.to_string().as_bytes())
    } else {
        payload
    };
    format!("{header}.{payload}.{}", b64(&signature))
}

async fn provider() -> (String, Shared) {
    let state: Shared = Arc::default();
    async fn discovery(State(st): State<Shared>) -> axum::Json<Value> {
        let issuer = st.lock().unwrap().issuer.clone();
        axum::Json(json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "end_session_endpoint": format!("{issuer}/logout"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"]
        }))
    }
    async fn jwks() -> axum::Json<Value> {
        use rsa::pkcs8::DecodePrivateKey;
        use rsa::traits::PublicKeyParts;
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(KEY_PEM).unwrap();
        axum::Json(json!({"keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": "test-key",
            "n": b64(&key.n().to_bytes_be()), "e": b64(&key.e().to_bytes_be())
        }]}))
    }
    async fn authorize(State(st): State<Shared>, Query(q): Query<HashMap<String, String>>) -> axum::response::Response {
        let mut st = st.lock().unwrap();
        st.authorizations.push(q.clone());
        let Some(mut claims) = st.next.clone() else {
            return (StatusCode::UNAUTHORIZED, "nobody signs in").into_response();
        };
        let code = format!("code-{}", wangan_core::platform::secret::random_token());
        let now = chrono::Utc::now().timestamp();
        claims["iss"] = json!(st.issuer);
        claims["aud"] = json!(CLIENT_ID);
        claims["iat"] = json!(now);
        claims["exp"] = json!(now + 300);
        claims["nonce"] = json!(q.get("nonce").cloned().unwrap_or_default());
        let redirect = q.get("redirect_uri").cloned().unwrap_or_default();
        st.codes.insert(
            code.clone(),
            (
                redirect.clone(),
                q.get("nonce").cloned().unwrap_or_default(),
                q.get("code_challenge").cloned().unwrap_or_default(),
                claims,
            ),
        );
        let state = q.get("state").cloned().unwrap_or_default();
        Redirect::to(&format!("{redirect}?code={code}&state={state}")).into_response()
    }
    async fn token(
        State(st): State<Shared>,
        headers: HeaderMap,
        Form(f): Form<HashMap<String, String>>,
    ) -> axum::response::Response {
        let mut st = st.lock().unwrap();
        st.token_calls += 1;
        let refuse = |e: &str| (StatusCode::BAD_REQUEST, axum::Json(json!({"error": e}))).into_response();
        let basic = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
        if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
            return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client"}))).into_response();
        }
        // A code is good once, whatever happens next.
        let Some((redirect, _nonce, challenge, claims)) = f.get("code").and_then(|c| st.codes.remove(c)) else {
            return refuse("invalid_grant");
        };
        if f.get("redirect_uri") != Some(&redirect) {
            return refuse("invalid_grant");
        }
        let verifier = f.get("code_verifier").cloned().unwrap_or_default();
        if b64(&Sha256::digest(verifier.as_bytes())) != challenge {
            return refuse("invalid_grant");
        }
        let id_token = sign(&claims, st.tamper);
        axum::Json(json!({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": id_token}))
            .into_response()
    }
    let app = axum::Router::new()
        .route("/.well-known/openid-configuration", axum::routing::get(discovery))
        .route("/jwks", axum::routing::get(jwks))
        .route("/authorize", axum::routing::get(authorize))
        .route("/token", axum::routing::post(token))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    state.lock().unwrap().issuer = issuer.clone();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (issuer, state)
}

fn web(issuer: &str) -> wangan_web::WebConfig {
    wangan_web::WebConfig {
        sso: wangan_web::accounts::sso::SsoConfig {
            cas: None,
            oidc: Some(wangan_web::accounts::oidc::OidcConfig {
                issuer: issuer.into(),
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                claim: "staff_no".into(),
                label: "统一身份认证（OIDC）".into(),
                scopes: vec!["profile".into()],
            }),
        },
        ..Default::default()
    }
}

fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Through the provider as `claims`: returns the callback's path and query on Wangan.
async fn through_provider(b: &Browser, p: &Shared, claims: Value) -> String {
    p.lock().unwrap().next = Some(claims);
    let r = b.client.get(format!("{}/login/oidc", b.base)).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let to = location(&r);
    assert!(to.contains("/authorize?") && to.contains("code_challenge_method=S256"), "PKCE S256: {to}");
    let r = b.client.get(&to).send().await.unwrap();
    let back = location(&r);
    assert!(back.starts_with(&b.base), "{back}");
    back[b.base.len()..].to_owned()
}

async fn wangli(app: &TestApp) {
    use wangan_core::directory::service::people;
    app.unit("cs", "计算机学院").await;
    let id = app.person("cs", "王力").await;
    let patch = people::PersonPatch { staff_no: Some("20190012".into()), ..Default::default() };
    people::update(&app.store, &wangan_core::Principal::system("test"), id, patch).await.unwrap();
    app.user_for_person("wangli", Role::UnitAdmin, Some("cs"), Some(id)).await;
}

#[tokio::test]
async fn a_person_signs_in_through_oidc_with_pkce_and_a_code_is_good_once() {
    let (issuer, p) = provider().await;
    let app = spawn_web(web(&issuer)).await;
    wangli(&app).await;
    let b = app.browser();
    let (_, login) = b.get("/login").await;
    assert!(login.contains("href=\"/login/oidc\"") && login.contains("统一身份认证（OIDC）"));

    let back = through_provider(&b, &p, json!({"sub": "u-1", "staff_no": "20190012"})).await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!((r.status(), location(&r)), (StatusCode::SEE_OTHER, "/".to_owned()));
    let (status, account) = b.get("/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(account.contains("wangli"));
    let asked = p.lock().unwrap().authorizations.last().cloned().unwrap();
    assert_eq!(asked.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert!(asked.get("scope").is_some_and(|s| s.contains("openid")), "{asked:?}");

    // The same code again, from a sign-in of its own: the provider refuses it.
    let other = app.browser();
    let code = back.split("code=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let fresh = through_provider(&other, &p, json!({"sub": "u-1", "staff_no": "20190012"})).await;
    let state = fresh.split("state=").nth(1).unwrap().to_owned();
    let r =
        other.client.get(format!("{}/login/oidc/callback?code={code}&state={state}", other.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(other.get("/account").await.0, StatusCode::SEE_OTHER);

    // A callback this browser did not start (forged state): refused before the provider is asked.
    let third = app.browser();
    let calls = p.lock().unwrap().token_calls;
    let r = third.client.get(format!("{}/login/oidc/callback?code=x&state=y", third.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(p.lock().unwrap().token_calls, calls);

    // Signing out goes to the provider's end-session endpoint.
    let csrf = b.csrf("/account").await;
    let r = b.post("/logout", &[("csrf", &csrf)]).await;
    assert!(location(&r).starts_with(&format!("{issuer}/logout?client_id=wangan")), "{}", location(&r));
    assert_eq!(b.get("/account").await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn forged_tokens_unknown_people_and_disabled_accounts_are_refused() {
    let (issuer, p) = provider().await;
    let app = spawn_web(web(&issuer)).await;
    wangli(&app).await;

    // A token signed for someone unknown, then changed to name 王力: the
    // signature no longer holds (were it not checked, 王力 would be signed in).
    p.lock().unwrap().tamper = true;
    let b = app.browser();
    let back = through_provider(&b, &p, json!({"sub": "u-9", "staff_no": "20190099"})).await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("登录凭据无效"), "refused as a bad token, not as an unknown person");
    assert_eq!(b.get("/account").await.0, StatusCode::SEE_OTHER);
    p.lock().unwrap().tamper = false;

    // Nobody has this staff number.
    let back = through_provider(&b, &p, json!({"sub": "u-2", "staff_no": "99990001"})).await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let page = r.text().await.unwrap();
    assert!(page.contains("人员名单中不存在") && page.contains("99990001"));

    // No staff number in the token.
    let back = through_provider(&b, &p, json!({"sub": "u-3"})).await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("没有返回工号"));

    // A disabled account.
    let root = wangan_core::Principal::system("test");
    wangan_core::accounts::service::set_active(&app.store, &root, "wangli", false).await.unwrap();
    let back = through_provider(&b, &p, json!({"sub": "u-1", "staff_no": "20190012"})).await;
    let r = b.client.get(format!("{}{back}", b.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(r.text().await.unwrap().contains("账户已停用"));
    assert_eq!(b.get("/account").await.0, StatusCode::SEE_OTHER);
}
