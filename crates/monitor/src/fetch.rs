//! Fetching a URL as a monitor must: only to addresses the network policy
//! permits (checked when a name resolves and for every redirect hop),
//! at most 5 redirects, bodies capped (2 MiB by default), a `User-Agent`
//! naming the platform, and a cap on concurrent requests per host so a
//! unit's server is never flooded.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Semaphore;
use url::Url;
use wangan_core::platform::netpolicy::NetPolicy;

pub const USER_AGENT: &str =
    concat!("Wangan-Monitor/", env!("CARGO_PKG_VERSION"), " (+site security monitoring; 网安平台)");

/// How the fetcher behaves.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub network: NetPolicy,
    pub timeout: Duration,
    pub max_body: usize,
    pub max_redirects: usize,
    /// Requests in flight to one host at a time.
    pub per_host: usize,
    /// Names answered without DNS, set by the operator (`[monitor] hosts`):
    /// a route for `farm.test` answers it and every name under it, with an
    /// optional port that replaces the URL's (the request still names the
    /// host, as `curl --connect-to` does). Routed addresses pass the special
    /// ranges (the operator chose them) but never `deny`.
    pub hosts: Vec<Route>,
    /// Extra trusted CA certificates (PEM), e.g. the campus CA.
    pub extra_roots: Vec<Vec<u8>>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            network: NetPolicy::default(),
            timeout: Duration::from_secs(10),
            max_body: 2 << 20,
            max_redirects: 5,
            per_host: 2,
            hosts: Vec::new(),
            extra_roots: Vec::new(),
        }
    }
}

/// Where a name is sent instead of DNS (`[monitor.hosts]`).
pub type Route = wangan_core::platform::netpolicy::HostRoute;

/// The route for `host`, if the table has one.
pub fn route<'a>(config: &'a FetchConfig, host: &str) -> Option<&'a Route> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    config.hosts.iter().find(|r| r.covers(&host))
}

use wangan_core::platform::netpolicy::is_reserved_name as reserved;

/// Why a fetch failed, in the words of the availability check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum FetchError {
    BadUrl(String),
    /// The address is refused by `[network]` (or every address the name has).
    Denied(String),
    Dns(String),
    Connect(String),
    Tls(String),
    Timeout,
    Http(String),
    TooManyRedirects,
}

impl FetchError {
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::BadUrl(_) => "bad_url",
            FetchError::Denied(_) => "denied",
            FetchError::Dns(_) => "dns",
            FetchError::Connect(_) => "connect",
            FetchError::Tls(_) => "tls",
            FetchError::Timeout => "timeout",
            FetchError::Http(_) => "http",
            FetchError::TooManyRedirects => "too_many_redirects",
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::BadUrl(d) => write!(f, "bad URL: {d}"),
            FetchError::Denied(d) => write!(f, "address not allowed by [network]: {d}"),
            FetchError::Dns(d) => write!(f, "DNS: {d}"),
            FetchError::Connect(d) => write!(f, "connection failed: {d}"),
            FetchError::Tls(d) => write!(f, "TLS: {d}"),
            FetchError::Timeout => write!(f, "timed out"),
            FetchError::Http(d) => write!(f, "HTTP: {d}"),
            FetchError::TooManyRedirects => write!(f, "too many redirects"),
        }
    }
}

/// A fetched response.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: Url,
    pub final_url: Url,
    pub status: u16,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub truncated: bool,
    pub latency: Duration,
    pub redirects: Vec<String>,
    /// The address that answered (the last hop's).
    pub remote: Option<IpAddr>,
}

impl Fetched {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

const DENIED: &str = "address not allowed by [network]";

/// Resolve `host` as the fetcher does: the `hosts` table, else DNS; only
/// permitted addresses are kept.
pub async fn resolve(config: &FetchConfig, host: &str) -> Result<Vec<IpAddr>, FetchError> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Some(r) = route(config, host) {
        return if config.network.deny.iter().any(|n| n.contains(r.ip)) {
            Err(FetchError::Denied(r.ip.to_string()))
        } else {
            Ok(vec![r.ip])
        };
    }
    let found: Vec<IpAddr> = if let Ok(ip) = host.parse::<IpAddr>() {
        vec![ip]
    } else if reserved(host) {
        return Err(FetchError::Dns(format!("{host} is a reserved name and is not looked up")));
    } else {
        tokio::net::lookup_host((host, 0)).await.map_err(|e| FetchError::Dns(e.to_string()))?.map(|a| a.ip()).collect()
    };
    let permitted: Vec<IpAddr> = found.iter().copied().filter(|ip| config.network.permits(*ip)).collect();
    if permitted.is_empty() {
        return Err(match found.first() {
            Some(ip) => FetchError::Denied(ip.to_string()),
            None => FetchError::Dns("no address".into()),
        });
    }
    Ok(permitted)
}

struct PolicyResolver(Arc<FetchConfig>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let config = Arc::clone(&self.0);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            match resolve(&config, &host).await {
                Ok(ips) => {
                    let addrs: reqwest::dns::Addrs = Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)));
                    Ok(addrs)
                }
                Err(FetchError::Denied(_)) => Err(DENIED.into()),
                Err(e) => Err(e.to_string().into()),
            }
        })
    }
}

/// Fetches pages; cheap to clone.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    pub config: Arc<FetchConfig>,
    hosts: Arc<Mutex<HostGates>>,
}

/// One semaphore per host name, limiting requests in flight to it. A gate
/// nobody holds has all its permits, so it carries nothing: when the map
/// has doubled since the last sweep, those are dropped (a long-running node
/// sees sites come and go; the map stays about the size of what is in flight).
struct HostGates {
    gates: HashMap<String, Arc<Semaphore>>,
    sweep_at: usize,
}

impl HostGates {
    const FIRST_SWEEP: usize = 1024;

    fn new() -> HostGates {
        HostGates { gates: HashMap::new(), sweep_at: Self::FIRST_SWEEP }
    }

    fn gate(&mut self, host: &str, permits: usize) -> Arc<Semaphore> {
        if let Some(g) = self.gates.get(host) {
            return Arc::clone(g);
        }
        if self.gates.len() >= self.sweep_at {
            self.gates.retain(|_, g| Arc::strong_count(g) > 1);
            self.sweep_at = (self.gates.len() * 2).max(Self::FIRST_SWEEP);
        }
        let g = Arc::new(Semaphore::new(permits.max(1)));
        self.gates.insert(host.to_owned(), Arc::clone(&g));
        g
    }
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, String> {
        crate::tls::install_crypto();
        let config = Arc::new(config);
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .dns_resolver(Arc::new(PolicyResolver(Arc::clone(&config))))
            .no_proxy()
            // Certificates are judged by the certificate check; the content is fetched either way.
            .tls_danger_accept_invalid_certs(true)
            .pool_max_idle_per_host(1)
            // A site is visited once a check: a connection is kept only for the rest of the check
            // (its script files, a view, the probes). Kept longer, thousands of idle connections
            // held their read buffers (hundreds of MB at 5,000 sites a pass).
            .pool_idle_timeout(Duration::from_millis(300))
            .tcp_nodelay(true)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Fetcher { client, config, hosts: Arc::new(Mutex::new(HostGates::new())) })
    }

    fn host_gate(&self, host: &str) -> Arc<Semaphore> {
        let mut hosts = match self.hosts.lock() {
            Ok(h) => h,
            Err(poisoned) => poisoned.into_inner(),
        };
        hosts.gate(host, self.config.per_host)
    }

    /// GET `url`, following redirects (each hop checked), reading at most
    /// `max_body` bytes, within `timeout` (the configured one when `None`).
    pub async fn get(&self, url: &Url, max_body: usize, timeout: Option<Duration>) -> Result<Fetched, FetchError> {
        self.get_as(url, max_body, timeout, &[], true).await
    }

    /// `get` with request headers of a view (`User-Agent`, `Referer`),
    /// following redirects or not.
    pub async fn get_as(
        &self,
        url: &Url,
        max_body: usize,
        timeout: Option<Duration>,
        headers: &[(reqwest::header::HeaderName, String)],
        follow: bool,
    ) -> Result<Fetched, FetchError> {
        let timeout = timeout.unwrap_or(self.config.timeout);
        match tokio::time::timeout(timeout, self.fetch(url, max_body, follow, timeout, headers)).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout),
        }
    }

    /// GET `url` without following redirects (for probes: a redirect is not the file).
    pub async fn probe(&self, url: &Url, max_body: usize) -> Result<Fetched, FetchError> {
        let timeout = self.config.timeout;
        match tokio::time::timeout(timeout, self.fetch(url, max_body, false, timeout, &[])).await {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout),
        }
    }

    async fn fetch(
        &self,
        url: &Url,
        max_body: usize,
        follow: bool,
        timeout: Duration,
        extra: &[(reqwest::header::HeaderName, String)],
    ) -> Result<Fetched, FetchError> {
        let start = Instant::now();
        // A request that asks the server to close the connection has no use for the pool.
        let one_shot = extra.iter().any(|(n, v)| n == reqwest::header::CONNECTION && v.eq_ignore_ascii_case("close"));
        let mut current = url.clone();
        let mut redirects = Vec::new();
        loop {
            check_url(&self.config, &current)?;
            let host = current.host_str().unwrap_or("").to_ascii_lowercase();
            let gate = self.host_gate(&host);
            let _permit = gate.acquire().await.map_err(|_| FetchError::Http("closed".into()))?;
            if one_shot && current.scheme() == "http" {
                let hop = self.once(&current, &host, extra, max_body, follow).await?;
                if let Some(next) = hop.redirect(&current, follow)? {
                    if redirects.len() >= self.config.max_redirects {
                        return Err(FetchError::TooManyRedirects);
                    }
                    redirects.push(next.to_string());
                    current = next;
                    continue;
                }
                return Ok(Fetched {
                    url: url.clone(),
                    final_url: current,
                    status: hop.status,
                    headers: hop.headers,
                    body: hop.body,
                    truncated: hop.truncated,
                    latency: start.elapsed(),
                    redirects,
                    remote: Some(hop.remote),
                });
            }
            let mut request = self.client.get(current.clone()).timeout(timeout);
            if let Some(Route { ip, port: Some(port), .. }) = route(&self.config, &host) {
                // Connect to the routed address and port; the request still names the host.
                let mut direct = current.clone();
                let ip_host = match ip {
                    IpAddr::V4(v4) => v4.to_string(),
                    IpAddr::V6(v6) => format!("[{v6}]"),
                };
                direct.set_host(Some(&ip_host)).map_err(|e| FetchError::BadUrl(e.to_string()))?;
                direct.set_port(Some(*port)).map_err(|_| FetchError::BadUrl("port".into()))?;
                let host_header = match current.port() {
                    Some(p) => format!("{host}:{p}"),
                    None => host.clone(),
                };
                request = self.client.get(direct).timeout(timeout).header(reqwest::header::HOST, host_header);
            }
            for (name, value) in extra {
                request = request.header(name.clone(), value.as_str());
            }
            let mut resp = request.send().await.map_err(classify)?;
            let status = resp.status().as_u16();
            let remote = resp.remote_addr().map(|a| a.ip());
            let headers: Vec<(String, String)> = resp
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            if follow && is_redirect(status) {
                let location = headers.iter().find(|(n, _)| n == "location").map(|(_, v)| v.clone());
                if let Some(location) = location {
                    if redirects.len() >= self.config.max_redirects {
                        return Err(FetchError::TooManyRedirects);
                    }
                    let next = current.join(&location).map_err(|e| FetchError::BadUrl(e.to_string()))?;
                    redirects.push(next.to_string());
                    current = next;
                    continue;
                }
            }
            // Sized once from Content-Length (within the cap), not grown chunk by chunk.
            let expected = resp.content_length().and_then(|l| usize::try_from(l).ok()).unwrap_or(0);
            let mut body = Vec::with_capacity(expected.min(max_body));
            let mut truncated = false;
            while let Some(chunk) = resp.chunk().await.map_err(classify)? {
                let room = max_body.saturating_sub(body.len());
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            return Ok(Fetched {
                url: url.clone(),
                final_url: current,
                status,
                headers,
                body,
                truncated,
                latency: start.elapsed(),
                redirects,
                remote,
            });
        }
    }
}

/// One response read on a connection of its own (see [`Fetcher::once`]).
struct Hop {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    truncated: bool,
    remote: IpAddr,
}

impl Hop {
    /// Where a redirect to follow leads (its body was not read).
    fn redirect(&self, current: &Url, follow: bool) -> Result<Option<Url>, FetchError> {
        if !follow || !is_redirect(self.status) {
            return Ok(None);
        }
        match self.headers.iter().find(|(n, _)| n == "location") {
            Some((_, location)) => current.join(location).map(Some).map_err(|e| FetchError::BadUrl(e.to_string())),
            None => Ok(None),
        }
    }
}

fn is_redirect(status: u16) -> bool {
    (300..400).contains(&status) && status != 304
}

impl Fetcher {
    /// One plain-HTTP request on a connection opened for it and closed after
    /// it, driven in the caller's task: no pool, no connection task. This is
    /// the monitor's hot path (a check visits each site once; the site's
    /// address differs from every other site's, so nothing would be reused).
    /// The address is resolved as for every fetch ([`resolve`]: the hosts
    /// table, the network policy); the request names the host.
    async fn once(
        &self,
        url: &Url,
        host: &str,
        extra: &[(reqwest::header::HeaderName, String)],
        max_body: usize,
        follow: bool,
    ) -> Result<Hop, FetchError> {
        use hyper::header::{ACCEPT, HOST, HeaderValue, USER_AGENT as UA};
        let ips = resolve(&self.config, host).await?;
        let port = match route(&self.config, host) {
            Some(Route { port: Some(port), .. }) => *port,
            _ => url.port_or_known_default().unwrap_or(80),
        };
        let mut last = FetchError::Dns("no address".into());
        let mut stream = None;
        for ip in ips {
            match tokio::net::TcpStream::connect(SocketAddr::new(ip, port)).await {
                Ok(s) => {
                    stream = Some((s, ip));
                    break;
                }
                Err(e) => last = FetchError::Connect(e.to_string()),
            }
        }
        let (stream, remote) = stream.ok_or(last)?;
        stream.set_nodelay(true).map_err(|e| FetchError::Connect(e.to_string()))?;
        let target = &url[url::Position::BeforePath..url::Position::AfterQuery];
        let mut request = hyper::Request::get(if target.is_empty() { "/" } else { target })
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .map_err(|e| FetchError::BadUrl(e.to_string()))?;
        let headers = request.headers_mut();
        let authority = &url[url::Position::BeforeHost..url::Position::AfterPort];
        headers.insert(HOST, HeaderValue::from_str(authority).map_err(|e| FetchError::BadUrl(e.to_string()))?);
        // Not `from_static`: the name carries UTF-8 (opaque bytes to HTTP, as reqwest sends it too).
        headers.insert(UA, HeaderValue::from_str(USER_AGENT).map_err(|e| FetchError::BadUrl(e.to_string()))?);
        headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        for (name, value) in extra {
            let value = HeaderValue::from_str(value).map_err(|e| FetchError::BadUrl(e.to_string()))?;
            headers.insert(name.clone(), value);
        }
        let (mut sender, connection) = hyper::client::conn::http1::handshake::<_, http_body_util::Empty<bytes::Bytes>>(
            hyper_util::rt::TokioIo::new(stream),
        )
        .await
        .map_err(|e| FetchError::Http(e.to_string()))?;
        let exchange = async move {
            let response = sender.send_request(request).await.map_err(|e| FetchError::Http(error_detail(&e)))?;
            let status = response.status().as_u16();
            let headers: Vec<(String, String)> = response
                .headers()
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                .collect();
            let mut hop = Hop { status, headers, body: Vec::new(), truncated: false, remote };
            if follow && is_redirect(status) && hop.headers.iter().any(|(n, _)| n == "location") {
                return Ok(hop);
            }
            let expected = hyper::body::Body::size_hint(response.body()).exact().unwrap_or(0);
            hop.body.reserve(usize::try_from(expected).unwrap_or(0).min(max_body));
            let mut body = response.into_body();
            while let Some(frame) =
                std::future::poll_fn(|cx| hyper::body::Body::poll_frame(std::pin::Pin::new(&mut body), cx)).await
            {
                let Ok(chunk) = frame.map_err(|e| FetchError::Http(error_detail(&e)))?.into_data() else { continue };
                let room = max_body.saturating_sub(hop.body.len());
                if chunk.len() > room {
                    hop.body.extend_from_slice(&chunk[..room]);
                    hop.truncated = true;
                    break;
                }
                hop.body.extend_from_slice(&chunk);
            }
            Ok(hop)
        };
        // The connection is driven while the exchange runs; the exchange's end ends it
        // (dropped: the socket closes, as the request asked).
        let mut connection = std::pin::pin!(connection);
        let mut exchange = std::pin::pin!(exchange);
        let mut driving = true;
        std::future::poll_fn(|cx| {
            if driving && connection.as_mut().poll(cx).is_ready() {
                driving = false;
            }
            exchange.as_mut().poll(cx)
        })
        .await
    }
}

/// The header that asks the server to close the connection after its
/// answer; over plain HTTP such a request goes out on a connection of its
/// own (`Fetcher::once`).
pub fn connection_close() -> (reqwest::header::HeaderName, String) {
    (reqwest::header::CONNECTION, "close".to_owned())
}

/// The innermost cause of `e` (itself when it has none).
fn error_detail(e: &dyn std::error::Error) -> String {
    let mut detail = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    detail
}

/// Only http and https, and a literal address must be permitted (names are
/// checked when they resolve, routes by `deny` alone).
pub fn check_url(config: &FetchConfig, url: &Url) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::BadUrl(format!("scheme {} is not http or https", url.scheme())));
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => return Err(FetchError::BadUrl("no host".into())),
    };
    if config.network.permits(ip) { Ok(()) } else { Err(FetchError::Denied(ip.to_string())) }
}

fn classify(e: reqwest::Error) -> FetchError {
    // The innermost cause names what failed; reqwest's own message is the fallback.
    let detail = std::error::Error::source(&e).map(error_detail).unwrap_or_default();
    if e.is_timeout() {
        return FetchError::Timeout;
    }
    if detail.contains(DENIED) {
        return FetchError::Denied(detail);
    }
    let lower = detail.to_ascii_lowercase();
    if e.is_connect() {
        if lower.contains("dns") || lower.contains("no address") || lower.contains("failed to lookup") {
            return FetchError::Dns(detail);
        }
        if lower.contains("tls") || lower.contains("certificate") || lower.contains("handshake") {
            return FetchError::Tls(detail);
        }
        return FetchError::Connect(if detail.is_empty() { e.to_string() } else { detail });
    }
    FetchError::Http(if detail.is_empty() { e.to_string() } else { detail })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_gates_are_shared_while_held_and_dropped_when_idle() {
        let mut gates = HostGates::new();
        let held = gates.gate("www.univ.example", 2);
        assert!(Arc::ptr_eq(&held, &gates.gate("www.univ.example", 2)), "one gate per host");
        let _permit = held.try_acquire().unwrap();
        for n in 0..10_000 {
            drop(gates.gate(&format!("s{n}.farm.test"), 2));
        }
        assert!(gates.gates.len() <= HostGates::FIRST_SWEEP, "idle gates are swept: {}", gates.gates.len());
        let again = gates.gate("www.univ.example", 2);
        assert!(Arc::ptr_eq(&held, &again), "a gate in use survives the sweep, with its permit taken");
        assert_eq!(again.available_permits(), 1);
    }

    #[test]
    fn urls_are_checked_before_any_packet() {
        let c = FetchConfig::default();
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(matches!(check_url(&c, &u("http://169.254.169.254/latest/meta-data/")), Err(FetchError::Denied(_))));
        assert!(matches!(check_url(&c, &u("http://127.0.0.1:8080/")), Err(FetchError::Denied(_))));
        assert!(matches!(check_url(&c, &u("http://[::1]/")), Err(FetchError::Denied(_))));
        assert!(matches!(check_url(&c, &u("ftp://a.example/")), Err(FetchError::BadUrl(_))));
        assert!(check_url(&c, &u("https://www.univ.example/")).is_ok());
        let lo = FetchConfig { network: NetPolicy::loopback(), ..FetchConfig::default() };
        assert!(check_url(&lo, &u("http://127.0.0.1:8080/")).is_ok());
        assert!(matches!(check_url(&lo, &u("http://169.254.169.254/")), Err(FetchError::Denied(_))));
    }

    /// A scripted HTTP/1 server on loopback: each connection's request head is
    /// kept; `/r` redirects to `/final`, `/final` answers 1,000 bytes, `/chunked`
    /// answers 3 chunks of 700 bytes, anything else 404.
    async fn scripted() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&heads);
        tokio::spawn(async move {
            while let Ok((mut conn, _)) = listener.accept().await {
                let kept = Arc::clone(&kept);
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match conn.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let path = head.split(' ').nth(1).unwrap_or("").to_owned();
                    kept.lock().unwrap().push(head);
                    let reply = match path.as_str() {
                        "/r" => {
                            "HTTP/1.1 302 Found\r\nLocation: /final\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                .to_owned()
                        }
                        "/final" => format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nETag: \"v1\"\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{}",
                            "a".repeat(1000)
                        ),
                        "/chunked" => {
                            let part = format!("2bc\r\n{}\r\n", "b".repeat(700));
                            format!(
                                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{part}{part}{part}0\r\n\r\n"
                            )
                        }
                        _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                    };
                    let _ = conn.write_all(reply.as_bytes()).await;
                    let _ = conn.shutdown().await;
                });
            }
        });
        (addr, heads)
    }

    /// The plain check's one-shot request (asked by `Connection: close`) and
    /// the pooled client's answer alike: status, address after redirects, body,
    /// its cap, headers, the address that answered; the request names the
    /// platform and the host, also when the hosts table routes the name.
    #[tokio::test]
    async fn one_shot_and_pooled_fetches_agree() {
        let (addr, heads) = scripted().await;
        let config = FetchConfig {
            network: NetPolicy::loopback(),
            hosts: vec![Route::new("farm.test", addr.ip(), Some(addr.port()))],
            ..FetchConfig::default()
        };
        let fetcher = Fetcher::new(config).unwrap();
        let close = [connection_close()];
        for (url, cap) in [
            (format!("http://{addr}/r"), 4096),
            (format!("http://{addr}/final"), 100),
            (format!("http://{addr}/chunked"), 1500),
            (format!("http://{addr}/chunked"), 4096),
            (format!("http://{addr}/missing?q=1"), 4096),
            ("http://www.farm.test/r".to_owned(), 4096),
        ] {
            let url = Url::parse(&url).unwrap();
            let once = fetcher.get_as(&url, cap, None, &close, true).await.unwrap();
            let pooled = fetcher.get_as(&url, cap, None, &[], true).await.unwrap();
            let view = |f: &Fetched| {
                let headers: Vec<_> = f.headers.iter().filter(|(n, _)| n != "date").cloned().collect();
                (f.status, f.final_url.to_string(), f.body.clone(), f.truncated, f.redirects.clone(), headers, f.remote)
            };
            assert_eq!(view(&once), view(&pooled), "{url} within {cap}");
        }
        let heads = heads.lock().unwrap().clone();
        let first = &heads[0].to_ascii_lowercase();
        assert!(first.starts_with("get /r http/1.1\r\n"), "{first}");
        assert!(first.contains(&format!("host: {addr}\r\n")), "{first}");
        assert!(first.contains("connection: close\r\n") && first.contains("user-agent: wangan-monitor/"), "{first}");
        assert!(
            heads.iter().any(|h| h.to_ascii_lowercase().contains("host: www.farm.test\r\n")),
            "a routed name is named"
        );
        let once =
            fetcher.get_as(&Url::parse(&format!("http://{addr}/final")).unwrap(), 4096, None, &close, true).await;
        assert_eq!(once.unwrap().remote, Some(addr.ip()));
        // Nothing is connected to that the policy refuses.
        let strict = Fetcher::new(FetchConfig::default()).unwrap();
        let refused =
            strict.get_as(&Url::parse(&format!("http://{addr}/final")).unwrap(), 4096, None, &close, true).await;
        assert!(matches!(refused, Err(FetchError::Denied(_))), "{refused:?}");
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let down = fetcher.get_as(&Url::parse(&format!("http://{closed}/")).unwrap(), 4096, None, &close, true).await;
        assert!(matches!(down, Err(FetchError::Connect(_))), "{down:?}");
    }

    #[tokio::test]
    async fn names_resolve_through_the_table_and_the_policy() {
        let c = FetchConfig {
            hosts: vec![
                Route::new("farm.test", "127.0.0.1".parse().unwrap(), None),
                Route::new("meta.test", "169.254.169.254".parse().unwrap(), None),
            ],
            network: NetPolicy::default(),
            ..FetchConfig::default()
        };
        assert_eq!(resolve(&c, "s1.farm.test").await.unwrap(), ["127.0.0.1".parse::<IpAddr>().unwrap()]);
        assert_eq!(resolve(&c, "FARM.test.").await.unwrap().len(), 1, "an operator's route passes the special ranges");
        assert!(matches!(resolve(&c, "meta.test").await, Err(FetchError::Denied(_))), "but never deny");
        assert!(route(&c, "notfarm.test").is_none(), "a route covers its name and names under it only");
        assert!(
            matches!(resolve(&c, "www.univ.example").await, Err(FetchError::Dns(_))),
            "reserved names are not looked up"
        );
        assert!(matches!(resolve(&c, "127.0.0.1").await, Err(FetchError::Denied(_))));
    }
}
