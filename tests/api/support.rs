//! Test harness: a real server on a random port with a fresh database.
//! SQLite by default; PostgreSQL when `WANGAN_TEST_DATABASE_URL` is set
//! (each test gets its own schema inside that database).

use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use wangan_core::Store;
use wangan_core::accounts::service::{self as accounts, GrantInput, NewUser};
use wangan_core::directory::service::people::{self, PersonInput};
use wangan_core::directory::service::units::{self, UnitInput};
use wangan_core::platform::access::Role;

pub const PASSWORD: &str = "Test-Pass-2026";

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

pub enum Backend {
    Sqlite(PathBuf),
    Postgres,
}

/// Where a test's database lives.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
}

impl TestDb {
    pub async fn fresh() -> TestDb {
        // HTTP clients (the tests' and the delivery worker's) share one TLS provider.
        wangan_notify::install_crypto();
        match std::env::var("WANGAN_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(base) => {
                let schema = unique("t");
                let admin = Store::connect(&base, 1).await.expect("connect to WANGAN_TEST_DATABASE_URL");
                use sea_orm::ConnectionTrait;
                admin.db().execute_unprepared(&format!("CREATE SCHEMA {schema}")).await.expect("create schema");
                admin.close().await.expect("close");
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                TestDb { url, backend: Backend::Postgres }
            }
            None => {
                let dir = std::env::temp_dir().join(unique("wangan-test"));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = wangan_core::platform::store::sqlite_url(&dir);
                TestDb { url, backend: Backend::Sqlite(dir) }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres)
    }

    pub fn data_dir(&self) -> Option<&PathBuf> {
        match &self.backend {
            Backend::Sqlite(d) => Some(d),
            Backend::Postgres => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Backend::Sqlite(dir) = &self.backend {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub db: std::sync::Arc<TestDb>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub async fn spawn_app() -> TestApp {
    let db = std::sync::Arc::new(TestDb::fresh().await);
    spawn_on(db).await
}

/// Start a server with its web settings (single sign-on, base URL …).
pub async fn spawn_web(web: wangan_web::WebConfig) -> TestApp {
    spawn_web_at(web, std::sync::Arc::new(wangan_core::SystemClock)).await
}

/// `spawn_web` with a clock the test moves.
pub async fn spawn_web_at(web: wangan_web::WebConfig, clock: std::sync::Arc<dyn wangan_core::Clock>) -> TestApp {
    let db = std::sync::Arc::new(TestDb::fresh().await);
    spawn_inner(db, clock, None, Default::default(), web).await
}

/// Start a server on an existing database (a second node shares it).
pub async fn spawn_on(db: std::sync::Arc<TestDb>) -> TestApp {
    spawn_with(db, std::sync::Arc::new(wangan_core::SystemClock)).await
}

/// Start a server whose clock the test moves.
pub async fn spawn_at(clock: std::sync::Arc<wangan_core::FixedClock>) -> TestApp {
    let db = std::sync::Arc::new(TestDb::fresh().await);
    spawn_with(db, clock).await
}

/// A server with monitoring: a site farm on loopback answering
/// `*.university.example` (HTTPS, its CA trusted) and `*.farm.test` (HTTP),
/// and an engine on the app's store, driven by the test (`run_once`).
pub struct Monitored {
    pub app: TestApp,
    pub farm: wangan_monitor::farm::Farm,
    pub engine: wangan_monitor::engine::Engine,
    pub clock: std::sync::Arc<wangan_core::FixedClock>,
}

pub async fn monitor_checker(farm: &wangan_monitor::farm::Farm) -> wangan_monitor::check::Checker {
    use wangan_monitor::fetch::{FetchConfig, Route};
    let lo = std::net::IpAddr::from([127, 0, 0, 1]);
    let config = FetchConfig {
        hosts: vec![
            Route::new("university.example", lo, Some(farm.https.port())),
            Route::new("farm.test", lo, Some(farm.http.port())),
        ],
        extra_roots: vec![farm.ca_pem.clone().into_bytes()],
        timeout: std::time::Duration::from_secs(2),
        ..FetchConfig::default()
    };
    let dict = wangan_monitor::analyze::keywords::Dictionary::new(&[]).expect("dictionary");
    wangan_monitor::check::Checker::new(config, std::sync::Arc::new(dict)).expect("checker")
}

pub async fn spawn_monitored() -> Monitored {
    let farm = wangan_monitor::farm::Farm::start(&["university.example", "farm.test"]).await.expect("farm");
    let checker = monitor_checker(&farm).await;
    monitored(farm, checker).await
}

/// `spawn_monitored` with the institution's borders (`[institution] domains`, `networks`).
pub async fn spawn_monitored_within(policy: wangan_core::sites::service::SitesPolicy) -> Monitored {
    let farm = wangan_monitor::farm::Farm::start(&["university.example", "farm.test"]).await.expect("farm");
    let checker = monitor_checker(&farm).await;
    let clock = std::sync::Arc::new(wangan_core::FixedClock::new(chrono::Utc::now()));
    let db = std::sync::Arc::new(TestDb::fresh().await);
    let stats = std::sync::Arc::new(wangan_monitor::engine::Stats::default());
    let app = spawn_full_with(db, clock.clone(), Some((checker.clone(), stats.clone())), policy).await;
    let engine = wangan_monitor::engine::Engine::new(
        app.store.clone(),
        checker,
        wangan_monitor::engine::EngineConfig { node: "test-node".into(), ..Default::default() },
    )
    .with_stats(stats);
    Monitored { app, farm, engine, clock }
}

/// `spawn_monitored` with the rendered view (headless Chromium), or `None`
/// when no browser is installed (a failure under `WANGAN_REQUIRE_BROWSER`).
pub async fn spawn_monitored_rendering() -> Option<Monitored> {
    let farm = wangan_monitor::farm::Farm::start(&["university.example", "farm.test"]).await.expect("farm");
    let mut checker = monitor_checker(&farm).await;
    let config = wangan_monitor::render::RenderConfig::default();
    let Some(renderer) = wangan_monitor::render::Renderer::new(config, checker.fetcher.clone()) else {
        assert!(
            std::env::var("WANGAN_REQUIRE_BROWSER").is_err(),
            "WANGAN_REQUIRE_BROWSER is set but no chromium is installed"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium), the rendered view is not tested");
        return None;
    };
    checker.renderer = Some(std::sync::Arc::new(renderer));
    Some(monitored(farm, checker).await)
}

async fn monitored(farm: wangan_monitor::farm::Farm, checker: wangan_monitor::check::Checker) -> Monitored {
    let clock = std::sync::Arc::new(wangan_core::FixedClock::new(chrono::Utc::now()));
    let db = std::sync::Arc::new(TestDb::fresh().await);
    let stats = std::sync::Arc::new(wangan_monitor::engine::Stats::default());
    let app = spawn_full(db, clock.clone(), Some((checker.clone(), stats.clone()))).await;
    let engine = wangan_monitor::engine::Engine::new(
        app.store.clone(),
        checker,
        wangan_monitor::engine::EngineConfig { node: "test-node".into(), ..Default::default() },
    )
    .with_stats(stats);
    Monitored { app, farm, engine, clock }
}

async fn spawn_with(db: std::sync::Arc<TestDb>, clock: std::sync::Arc<dyn wangan_core::Clock>) -> TestApp {
    spawn_full(db, clock, None).await
}

async fn spawn_full(
    db: std::sync::Arc<TestDb>,
    clock: std::sync::Arc<dyn wangan_core::Clock>,
    monitor: Option<(wangan_monitor::check::Checker, std::sync::Arc<wangan_monitor::engine::Stats>)>,
) -> TestApp {
    spawn_full_with(db, clock, monitor, Default::default()).await
}

async fn spawn_full_with(
    db: std::sync::Arc<TestDb>,
    clock: std::sync::Arc<dyn wangan_core::Clock>,
    monitor: Option<(wangan_monitor::check::Checker, std::sync::Arc<wangan_monitor::engine::Stats>)>,
    sites: wangan_core::sites::service::SitesPolicy,
) -> TestApp {
    spawn_inner(db, clock, monitor, sites, wangan_web::WebConfig::default()).await
}

async fn spawn_inner(
    db: std::sync::Arc<TestDb>,
    clock: std::sync::Arc<dyn wangan_core::Clock>,
    monitor: Option<(wangan_monitor::check::Checker, std::sync::Arc<wangan_monitor::engine::Stats>)>,
    sites: wangan_core::sites::service::SitesPolicy,
    web: wangan_web::WebConfig,
) -> TestApp {
    let attachments = std::env::temp_dir().join(unique("wangan-attachments"));
    let store = Store::connect_with_clock(&db.url, 4, clock)
        .await
        .expect("connect")
        .with_attachments(attachments)
        .with_sites_policy(sites);
    store.migrate().await.expect("migrate");
    wangan_core::inspections::service::checklists::ensure_default(&store).await.expect("default checklist");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let mut state = wangan_web::AppState::new(store.clone(), web);
    if let Some((c, stats)) = monitor {
        state = state.with_checker(c).with_monitor_stats(stats);
    }
    tokio::spawn(async move {
        let _ = wangan_web::serve(listener, state, async {
            let _ = rx.await;
        })
        .await;
    });
    TestApp { addr, store, db, shutdown: Some(tx) }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn unit(&self, code: &str, name: &str) -> i64 {
        units::create(
            &self.store,
            &wangan_core::Principal::system("test"),
            UnitInput {
                code: code.into(),
                name: name.into(),
                name_en: String::new(),
                kind: "college".into(),
                parent: None,
            },
        )
        .await
        .expect("unit")
        .id
    }

    pub async fn person(&self, unit: &str, name: &str) -> i64 {
        people::create(
            &self.store,
            &wangan_core::Principal::system("test"),
            PersonInput {
                name: name.into(),
                unit: unit.into(),
                title: String::new(),
                phone: String::new(),
                email: String::new(),
                staff_no: String::new(),
            },
        )
        .await
        .expect("person")
        .id
    }

    /// A unit with its first, main and direct responsible persons (王院长, 李书记,
    /// 张老师, written to at `first@`, `main@`, `direct@<code>.university.example`);
    /// returns the persons' ids in that order.
    pub async fn unit_with_responsibles(&self, code: &str, name: &str) -> [i64; 3] {
        use wangan_core::directory::service::responsibilities::{self, ResponsibilitiesInput};
        self.unit(code, name).await;
        let sys = wangan_core::Principal::system("test");
        let mut ids = [0; 3];
        for (i, (person, mailbox)) in
            [("王院长", "first"), ("李书记", "main"), ("张老师", "direct")].into_iter().enumerate()
        {
            let input = PersonInput {
                name: person.into(),
                unit: code.into(),
                title: String::new(),
                phone: String::new(),
                email: format!("{mailbox}@{code}.university.example"),
                staff_no: String::new(),
            };
            ids[i] = people::create(&self.store, &sys, input).await.expect("person").id;
        }
        let input = ResponsibilitiesInput { first: Some(ids[0]), main: Some(ids[1]), direct: Some(ids[2]) };
        responsibilities::put(&self.store, &sys, code, input).await.expect("responsibilities");
        ids
    }

    /// A website of `unit`, graded level 2 and moved to `building`; returns its id.
    pub async fn system_in_building(&self, unit: &str) -> i64 {
        use wangan_core::registry::service::systems;
        let sys = wangan_core::Principal::system("test");
        let id = systems::create(
            &self.store,
            &sys,
            serde_json::from_value(serde_json::json!({"name": format!("{unit} 门户"), "kind": "website", "unit": unit,
                "urls": [format!("https://www.{unit}.university.example/")], "internet_facing": true}))
            .expect("input"),
        )
        .await
        .expect("system")
        .system
        .id;
        systems::put_mlps(
            &self.store,
            &sys,
            id,
            serde_json::from_value(serde_json::json!({"level": 2, "graded_on": "2026-01-05"})).expect("mlps"),
        )
        .await
        .expect("mlps");
        systems::transition(
            &self.store,
            &sys,
            id,
            serde_json::from_value(serde_json::json!({"to": "building"})).expect("to"),
        )
        .await
        .expect("building");
        id
    }

    /// Create an account with one role and return an API token for it.
    pub async fn user(&self, username: &str, role: Role, unit: Option<&str>) -> String {
        self.user_for_person(username, role, unit, None).await
    }

    /// `user`, the account linked to a person (documents name it by the person's name).
    pub async fn user_for_person(&self, username: &str, role: Role, unit: Option<&str>, person: Option<i64>) -> String {
        accounts::create_user(
            &self.store,
            None,
            NewUser {
                username: username.into(),
                password: PASSWORD.into(),
                must_change_password: false,
                person_id: person,
                grants: vec![GrantInput { role, unit: unit.map(str::to_owned) }],
            },
        )
        .await
        .expect("user");
        accounts::create_token(&self.store, None, username, "test").await.expect("token")
    }

    pub fn api(&self, token: &str) -> Api {
        Api { base: self.url("/api/v1"), token: token.to_owned(), client: Client::new() }
    }

    /// A browser-like client with a cookie jar, not yet signed in.
    pub fn browser(&self) -> Browser {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        let client = Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser { base: self.url(""), client, jar }
    }

    pub async fn audit_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        wangan_core::platform::entity::audit_log::Entity::find().count(self.store.db()).await.expect("count")
    }
}

pub struct Api {
    pub base: String,
    pub token: String,
    pub client: Client,
}

impl Api {
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let mut req = self.client.request(m, format!("{}{}", self.base, path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("send")
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let r = self.call("get", path, None).await;
        checked("get", path, r).await
    }

    pub async fn send(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self.call(method, path, Some(body)).await;
        checked(method, path, r).await
    }
}

/// The status and JSON body of an answer; a 2xx JSON body must match the
/// schema the API document gives for that route and status.
async fn checked(method: &str, path: &str, r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let json = r.headers().get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
    let body = r.json().await.unwrap_or(Value::Null);
    if status.is_success()
        && json
        && let Err(why) = contract::check(method, &format!("/api/v1{path}"), status.as_u16(), &body)
    {
        panic!("{method} {path} answered {status} with a body its documented schema refuses: {why}");
    }
    (status, body)
}

/// The API document as the tests' judge of 2xx bodies.
pub mod contract {
    use serde_json::{Value, json};
    use std::sync::OnceLock;

    fn document() -> &'static (Value, Value) {
        static DOC: OnceLock<(Value, Value)> = OnceLock::new();
        DOC.get_or_init(|| {
            let doc = wangan_web::platform::openapi::document();
            // The components as `$defs` of one schema, so a `$ref` resolves inside it.
            let text = doc["components"]["schemas"].to_string().replace("#/components/schemas/", "#/$defs/");
            let defs: Value = serde_json::from_str(&text).expect("components");
            (doc["paths"].clone(), defs)
        })
    }

    /// The documented path template a request path answers to (literal segments win).
    fn route(paths: &Value, path: &str) -> Option<String> {
        let path = path.split('?').next().unwrap_or(path);
        let segs: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, String)> = None;
        for template in paths.as_object()?.keys() {
            let t: Vec<&str> = template.split('/').collect();
            if t.len() != segs.len() {
                continue;
            }
            let fits = t.iter().zip(&segs).all(|(a, b)| a == b || (a.starts_with('{') && a.ends_with('}')));
            let params = t.iter().filter(|a| a.starts_with('{')).count();
            if fits && best.as_ref().is_none_or(|(n, _)| params < *n) {
                best = Some((params, template.clone()));
            }
        }
        best.map(|(_, t)| t)
    }

    pub fn check(method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
        let (paths, defs) = document();
        let template = route(paths, path).ok_or_else(|| format!("{path} is not in the API document"))?;
        let op = &paths[&template][method.to_lowercase()];
        if op.is_null() {
            return Err(format!("{method} {template} is not in the API document"));
        }
        let answer = &op["responses"][status.to_string()];
        if answer.is_null() {
            return Err(format!("status {status} of {method} {template} is not documented"));
        }
        let Some(schema) = answer["content"]["application/json"]["schema"].as_object() else {
            return Ok(()); // documented without a JSON body schema
        };
        let text = Value::Object(schema.clone()).to_string().replace("#/components/schemas/", "#/$defs/");
        let mut schema: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        schema["$defs"] = defs.clone();
        schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        let v = jsonschema::validator_for(&schema).map_err(|e| format!("schema of {method} {template}: {e}"))?;
        let errors: Vec<String> =
            v.iter_errors(body).take(5).map(|e| format!("{} at {}", e, e.instance_path())).collect();
        if errors.is_empty() { Ok(()) } else { Err(format!("{method} {template}: {}", errors.join("; "))) }
    }
}

pub struct Browser {
    pub base: String,
    pub client: Client,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

impl Browser {
    /// The `Cookie` header this browser would send.
    pub fn cookie_header(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.base.parse().expect("url");
        self.jar.cookies(&url).and_then(|v| v.to_str().ok().map(str::to_owned)).unwrap_or_default()
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self.client.get(format!("{}{}", self.base, path)).send().await.expect("get");
        let s = r.status();
        (s, r.text().await.unwrap_or_default())
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client.post(format!("{}{}", self.base, path)).form(form).send().await.expect("post")
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post("/login", &[("username", username), ("password", password)]).await
    }

    /// The CSRF token embedded in a page's forms.
    pub async fn csrf(&self, path: &str) -> String {
        let (_, html) = self.get(path).await;
        let marker = "name=\"csrf\" value=\"";
        let start = html.find(marker).map(|i| i + marker.len()).expect("page has a CSRF field");
        html[start..].chars().take_while(|c| *c != '"').collect()
    }
}

pub fn location(r: &Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

/// Send a request over a raw socket, writing the body while reading the
/// answer, so a server that answers early (413) and stops reading is still
/// heard. Returns the status code.
pub async fn raw_status(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut rd, mut wr) = stream.into_split();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_ok() {
            let _ = wr.write_all(&body).await;
        }
    });
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(2).any(|w| w == b"\r\n") {
        match rd.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    writer.abort();
    let line = String::from_utf8_lossy(&buf);
    line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line")
}
