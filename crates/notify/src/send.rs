//! One message to one channel.

use base64::Engine;
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde_json::{Value, json};
use sha2::Sha256;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use wangan_core::notify::ChannelKind;
use wangan_core::notify::service::Claimed;
use wangan_core::platform::netpolicy::NetPolicy;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refuses servers without it.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or in tests.
    None,
}

/// `[smtp]` in `wangan.toml`.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    /// The sender address, e.g. `网安平台 <wangan@university.example>`.
    pub from: String,
}

/// How names are looked up when no route answers them (DNS by default;
/// tests put a stub here).
#[derive(Clone)]
pub struct Lookup(pub Arc<dyn Fn(String) -> LookupFuture + Send + Sync>);

pub type LookupFuture = std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;

impl Lookup {
    /// The system's resolver.
    pub fn dns() -> Lookup {
        Lookup(Arc::new(|host: String| {
            Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.map(|a| a.ip()).collect()) })
        }))
    }
}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lookup")
    }
}

#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    pub smtp: Option<SmtpConfig>,
    /// Where webhooks and robots may be reached (`[network]`): public addresses by default.
    pub network: NetPolicy,
    /// Names answered without DNS (`[network.hosts]`); reserved names that no
    /// route answers are never looked up.
    pub hosts: Vec<wangan_core::platform::netpolicy::HostRoute>,
    pub lookup: Lookup,
    /// The platform's address as users reach it, for links in messages.
    pub base_url: String,
    pub timeout: Duration,
    /// Messages in flight at once.
    pub concurrency: usize,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            smtp: None,
            network: NetPolicy::default(),
            hosts: Vec::new(),
            lookup: Lookup::dns(),
            base_url: String::new(),
            timeout: Duration::from_secs(10),
            concurrency: 64,
        }
    }
}

/// Install the process-wide TLS provider (ring) that HTTP clients use;
/// a second call changes nothing.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Sends messages; cheap to clone (connections are shared).
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    network: NetPolicy,
    hosts: Vec<wangan_core::platform::netpolicy::HostRoute>,
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, lettre::message::Mailbox)>,
    base_url: String,
    pub(crate) concurrency: usize,
}

impl Sender {
    pub fn new(config: &DeliveryConfig) -> Result<Sender, String> {
        install_crypto();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wangan/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PolicyResolver {
                policy: config.network.clone(),
                hosts: config.hosts.clone(),
                lookup: config.lookup.clone(),
            }))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        let smtp = match &config.smtp {
            None => None,
            Some(c) => {
                let from: lettre::message::Mailbox =
                    c.from.parse().map_err(|e| format!("[smtp] from {:?}: {e}", c.from))?;
                let tls = || TlsParameters::new(c.host.clone()).map_err(|e| format!("[smtp] tls: {e}"));
                let (security, port) = match c.security {
                    SmtpSecurity::Starttls => (Tls::Required(tls()?), c.port.unwrap_or(587)),
                    SmtpSecurity::Tls => (Tls::Wrapper(tls()?), c.port.unwrap_or(465)),
                    SmtpSecurity::None => (Tls::None, c.port.unwrap_or(25)),
                };
                let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(c.host.as_str())
                    .port(port)
                    .tls(security)
                    .timeout(Some(config.timeout));
                if !c.username.is_empty() {
                    b = b.credentials(Credentials::new(c.username.clone(), c.password.clone()));
                }
                Some((b.build(), from))
            }
        };
        Ok(Sender {
            http,
            network: config.network.clone(),
            hosts: config.hosts.clone(),
            smtp,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            concurrency: config.concurrency.max(1),
        })
    }

    /// The channel kinds this sender can deliver (email only with an `[smtp]` server).
    pub fn kinds(&self) -> &'static [ChannelKind] {
        if self.smtp.is_some() { ChannelKind::ALL } else { ChannelKind::ROBOTS }
    }

    fn text(&self, m: &Claimed) -> String {
        let link = if self.base_url.is_empty() { m.link.clone() } else { format!("{}{}", self.base_url, m.link) };
        format!("{}\n{}\n{}", m.subject, m.body, link)
    }

    /// Deliver one message at `now` (the store's clock: signatures and
    /// `sent_at` carry it); `Err` carries what went wrong, for the attempt log.
    pub async fn send(&self, m: &Claimed, now: chrono::DateTime<chrono::Utc>) -> Result<String, String> {
        match m.kind {
            ChannelKind::Email => self.email(m).await,
            ChannelKind::Wecom => {
                let body = json!({"msgtype": "text", "text": {"content": self.text(m)}});
                let v = self.post_json(&m.target, &body, &[]).await?;
                robot_answer(&v, "errcode")
            }
            ChannelKind::Dingtalk => {
                let mut url = m.target.clone();
                if !m.secret.is_empty() {
                    let ts = now.timestamp_millis();
                    let sign = dingtalk_sign(&m.secret, ts);
                    let sep = if url.contains('?') { '&' } else { '?' };
                    url = format!("{url}{sep}timestamp={ts}&sign={}", percent_encode(&sign));
                }
                let body = json!({"msgtype": "text", "text": {"content": self.text(m)}});
                let v = self.post_json(&url, &body, &[]).await?;
                robot_answer(&v, "errcode")
            }
            ChannelKind::Feishu => {
                let mut body = json!({"msg_type": "text", "content": {"text": self.text(m)}});
                if !m.secret.is_empty() {
                    let ts = now.timestamp();
                    body["timestamp"] = json!(ts.to_string());
                    body["sign"] = json!(feishu_sign(&m.secret, ts));
                }
                let v = self.post_json(&m.target, &body, &[]).await?;
                // Feishu answers `code`; older robots `StatusCode`.
                robot_answer(&v, if v.get("code").is_some() { "code" } else { "StatusCode" })
            }
            ChannelKind::Webhook => {
                let body = json!({"id": m.id, "event": m.event, "subject": m.subject, "body": m.body,
                    "link": m.link, "sent_at": now.to_rfc3339()});
                let raw = body.to_string();
                let ts = now.timestamp().to_string();
                let mut headers = vec![("X-Wangan-Timestamp", ts.clone())];
                if !m.secret.is_empty() {
                    headers.push(("X-Wangan-Signature", format!("sha256={}", webhook_signature(&m.secret, &ts, &raw))));
                }
                self.post_raw(&m.target, raw, &headers).await.map(|(status, _)| format!("HTTP {status}"))
            }
        }
    }

    async fn post_raw(&self, url: &str, body: String, headers: &[(&str, String)]) -> Result<(u16, String), String> {
        // Names are checked by the resolver; an address written in the URL is checked here.
        let mut parsed = reqwest::Url::parse(url).map_err(|_| "not a URL".to_owned())?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok();
        if literal.is_some_and(|ip| !self.network.permits(ip)) {
            return Err(NOT_ALLOWED.into());
        }
        // A route with a port sends the request there; the Host header keeps the name.
        let authority = match parsed.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        let routed_port = self.hosts.iter().find(|r| r.covers(&host)).and_then(|r| r.port);
        if let Some(port) = routed_port {
            parsed.set_port(Some(port)).map_err(|_| "not a URL".to_owned())?;
        }
        let mut req = self.http.post(parsed).header("Content-Type", "application/json").body(body);
        if routed_port.is_some() {
            req = req.header("Host", authority);
        }
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let resp = req.send().await.map_err(|e| describe(&e))?;
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        if status.is_success() {
            Ok((status.as_u16(), text))
        } else {
            Err(format!("HTTP {}: {}", status.as_u16(), text.chars().take(200).collect::<String>()))
        }
    }

    async fn post_json(&self, url: &str, body: &Value, headers: &[(&str, String)]) -> Result<Value, String> {
        let (_, text) = self.post_raw(url, body.to_string(), headers).await?;
        serde_json::from_str(&text)
            .map_err(|_| format!("not a robot answer: {}", text.chars().take(200).collect::<String>()))
    }

    async fn email(&self, m: &Claimed) -> Result<String, String> {
        let Some((transport, from)) = &self.smtp else {
            return Err("no [smtp] server configured".into());
        };
        let to: lettre::message::Mailbox = m.target.parse().map_err(|e| format!("address {:?}: {e}", m.target))?;
        let msg = lettre::Message::builder()
            .from(from.clone())
            .to(to)
            .subject(&m.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(self.text(m))
            .map_err(|e| format!("message: {e}"))?;
        let r = transport.send(msg).await.map_err(|e| format!("smtp: {e}"))?;
        Ok(format!("SMTP {}", r.code()))
    }
}

const NOT_ALLOWED: &str = "address not allowed by [network]";

/// Resolves names as the monitor's fetcher does: a route first, never DNS
/// for a reserved name, and only the addresses the policy permits, so a name
/// cannot lead a request to a denied address (e.g. cloud metadata).
struct PolicyResolver {
    policy: NetPolicy,
    hosts: Vec<wangan_core::platform::netpolicy::HostRoute>,
    lookup: Lookup,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        let routed = self.hosts.iter().find(|r| r.covers(&host)).map(|r| r.ip);
        let lookup = self.lookup.clone();
        Box::pin(async move {
            let found = match routed {
                Some(ip) => vec![ip],
                None if wangan_core::platform::netpolicy::is_reserved_name(&host) => {
                    return Err(format!("{host} is a reserved name and is not looked up").into());
                }
                None => (lookup.0)(host).await?,
            };
            let addrs: Vec<std::net::SocketAddr> =
                found.into_iter().filter(|ip| policy.permits(*ip)).map(|ip| std::net::SocketAddr::new(ip, 0)).collect();
            if addrs.is_empty() {
                return Err(NOT_ALLOWED.into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// What reqwest's error says, without the URL (a robot URL carries its key).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_redirect() {
        "redirect refused"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() { kind.to_owned() } else { format!("{kind}: {detail}") }
}

fn robot_answer(v: &Value, field: &str) -> Result<String, String> {
    match v.get(field).and_then(Value::as_i64) {
        Some(0) => Ok("ok".into()),
        Some(code) => {
            let msg = v.get("errmsg").or_else(|| v.get("msg")).and_then(Value::as_str).unwrap_or("");
            Err(format!("robot refused: {code} {msg}"))
        }
        None => Err(format!("robot answer without {field}")),
    }
}

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    // HMAC takes keys of any length.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// DingTalk: Base64(HMAC-SHA256(key = secret, "{timestamp_ms}\n{secret}")).
pub fn dingtalk_sign(secret: &str, ts_millis: i64) -> String {
    hmac_b64(secret.as_bytes(), format!("{ts_millis}\n{secret}").as_bytes())
}

/// Feishu: Base64(HMAC-SHA256(key = "{timestamp_s}\n{secret}", empty message)).
pub fn feishu_sign(secret: &str, ts_secs: i64) -> String {
    hmac_b64(format!("{ts_secs}\n{secret}").as_bytes(), b"")
}

/// Generic webhook: hex(HMAC-SHA256(key = secret, "{timestamp}.{body}")).
pub fn webhook_signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut mac = match HmacSha256::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_each_robot() {
        // Values computed independently (Python hmac/hashlib) for these inputs.
        assert_eq!(dingtalk_sign("SECabc", 1700000000000), "jcUpW0QmtKduN03n4JqQ0PBosVjqnM8gU7fIIvsDmCM=");
        assert_eq!(feishu_sign("abc", 1700000000), "VIS10b0EBvzzSdFnuk4tznEmK5wHaruvf/WnViv2yR4=");
        assert_eq!(
            webhook_signature("s3cret", "1700000000", "{\"a\":1}"),
            "1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940"
        );
        assert_eq!(percent_encode("a+b/c="), "a%2Bb%2Fc%3D");
    }

    #[test]
    fn robot_answers_are_read() {
        assert!(robot_answer(&json!({"errcode": 0, "errmsg": "ok"}), "errcode").is_ok());
        let e = robot_answer(&json!({"errcode": 310000, "errmsg": "sign not match"}), "errcode").unwrap_err();
        assert!(e.contains("sign not match"));
        assert!(robot_answer(&json!({"code": 19021, "msg": "sign match fail"}), "code").is_err());
        assert!(robot_answer(&json!({}), "code").is_err());
    }
}
