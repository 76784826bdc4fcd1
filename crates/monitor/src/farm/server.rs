//! The site farm's server: one loopback listener (HTTP, and HTTPS with
//! certificates made here by rcgen) that answers as many simulated sites
//! as there are names, told apart by the `Host` header. Each site's state
//! (its page and planted faults, status, delay, exposed files, certificate)
//! can be changed while checks run.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::TcpListener;

use super::{Plant, page, page_with_numbers};

/// The certificate a TLS site presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Cert {
    /// Signed by the farm's CA for the site's name, valid for a year.
    #[default]
    Good,
    /// Signed by the CA, but expired yesterday.
    Expired,
    /// Signed by the CA, expiring in 5 days.
    ExpiresSoon,
    /// Self-signed.
    SelfSigned,
    /// Signed by the CA for another name.
    WrongName,
}

/// One simulated site's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub plant: Plant,
    /// Changes the dynamic parts (date, counter) only.
    pub revision: u64,
    pub status: u16,
    pub delay: Duration,
    pub git_exposed: bool,
    pub env_exposed: bool,
    pub cert: Cert,
    /// Answer unknown paths with the home page and 200 (a "soft 404").
    pub soft_404: bool,
    /// Answer `/` with a redirect here.
    pub redirect: Option<String>,
    /// The ICP number in the footer (the farm's own when `None`).
    pub icp: Option<String>,
    /// The 公网安备 number in the footer (the farm's own when `None`).
    pub public_security: Option<String>,
    /// A spam kit's cloaking: what spiders, search visitors or phones get instead.
    pub cloak: Option<Cloak>,
    /// Markup put before `</body>` of the home page (tests' own tricks).
    pub extra: String,
    /// The site behind the home page: columns, articles, a sitemap (`None`: only the home page).
    pub deep: Option<super::Deep>,
}

/// How a hacked site hides its spam from the people who run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloak {
    /// A spider (`User-Agent` naming one) gets the page with a hidden block of gambling links.
    SpiderSpam,
    /// A visitor from a search engine (`Referer` of Baidu, Sogou, 360) is redirected to `bet.example`.
    SearchRedirect,
    /// A phone gets a meta refresh to `casino.example`.
    MobileRefresh,
}

/// Does the request come as a spider, from a search engine, from a phone?
fn cloaked(cloak: Cloak, req: &Request<Incoming>) -> bool {
    let header = |h: hyper::header::HeaderName| {
        req.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
    };
    match cloak {
        Cloak::SpiderSpam => {
            let ua = header(hyper::header::USER_AGENT);
            ["spider", "bot", "sogou"].iter().any(|s| ua.contains(s))
        }
        Cloak::SearchRedirect => {
            let r = header(hyper::header::REFERER);
            ["baidu.com", "sogou.com", "so.com"].iter().any(|s| r.contains(s))
        }
        Cloak::MobileRefresh => {
            let ua = header(hyper::header::USER_AGENT);
            (ua.contains("iphone") || ua.contains("android")) && !ua.contains("spider")
        }
    }
}

impl Default for Site {
    fn default() -> Self {
        Site {
            plant: Plant::Clean,
            revision: 0,
            status: 200,
            delay: Duration::ZERO,
            git_exposed: false,
            env_exposed: false,
            cert: Cert::Good,
            soft_404: false,
            redirect: None,
            cloak: None,
            icp: None,
            public_security: None,
            extra: String::new(),
            deep: None,
        }
    }
}

/// The number of a site's page: the digits in its first label (`s00042` → 42), else a hash.
pub fn site_number(host: &str) -> u64 {
    let label = host.split('.').next().unwrap_or("");
    let digits: String = label.chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| crate::analyze::html::text_hash(host.as_bytes()))
}

type Sites = Arc<RwLock<HashMap<String, Site>>>;

/// Home pages already written, by what decides their content (site number,
/// plant, revision, ICP number): a web server serves a page it has, it does
/// not write it anew for every visitor; the farm shares the benchmark's two
/// cores with the platform it measures.
#[derive(Default)]
struct Pages(std::sync::Mutex<HashMap<(u64, Plant, u64, String), Bytes>>);

impl Pages {
    /// Pages kept at most (about 55 KB each); beyond, the cache starts over.
    const LIMIT: usize = 20_000;

    fn get(&self, n: u64, site: &Site) -> Bytes {
        let icp = site.icp.as_deref().unwrap_or(super::ICP);
        let psb = site.public_security.as_deref().unwrap_or(super::PUBLIC_SECURITY);
        let key = (n, site.plant, site.revision, format!("{icp}\n{psb}"));
        if let Ok(pages) = self.0.lock()
            && let Some(b) = pages.get(&key)
        {
            return b.clone();
        }
        let page = Bytes::from(page_with_numbers(n, site.plant, site.revision, icp, psb));
        if let Ok(mut pages) = self.0.lock() {
            if pages.len() >= Self::LIMIT {
                pages.clear();
            }
            pages.insert(key, page.clone());
        }
        page
    }
}

/// A running farm; dropping it does not stop the server (it ends with the runtime).
#[derive(Clone)]
pub struct Farm {
    pub http: SocketAddr,
    pub https: SocketAddr,
    sites: Sites,
    /// The farm CA, PEM, to trust in the certificate check.
    pub ca_pem: String,
    /// Requests answered.
    pub requests: Arc<std::sync::atomic::AtomicU64>,
}

struct Certs {
    names: Vec<String>,
    ca: Issuer<'static, KeyPair>,
    ca_cert_pem: String,
    default: Arc<CertifiedKey>,
    special: RwLock<HashMap<(String, Cert), Arc<CertifiedKey>>>,
    sites: Sites,
}

impl std::fmt::Debug for Certs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("farm certificates")
    }
}

fn certified(cert: CertificateDer<'static>, key: &KeyPair) -> Result<Arc<CertifiedKey>, String> {
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signing = rustls::crypto::ring::sign::any_supported_type(&der).map_err(|e| e.to_string())?;
    Ok(Arc::new(CertifiedKey::new(vec![cert], signing)))
}

fn leaf(names: Vec<String>, from_days: i64, to_days: i64) -> Result<CertificateParams, String> {
    let mut p = CertificateParams::new(names).map_err(|e| e.to_string())?;
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now + time::Duration::days(from_days);
    p.not_after = now + time::Duration::days(to_days);
    p.distinguished_name.push(DnType::CommonName, "Wangan farm site");
    Ok(p)
}

impl Certs {
    fn new(names: &[&str], sites: Sites) -> Result<Certs, String> {
        let ca_key = KeyPair::generate().map_err(|e| e.to_string())?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(DnType::CommonName, "Wangan Farm CA");
        let ca_cert_pem = ca_params.self_signed(&ca_key).map_err(|e| e.to_string())?.pem();
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let issuer = Issuer::new(ca_params, ca_key);
        let wild: Vec<String> = names.iter().flat_map(|n| [(*n).to_owned(), format!("*.{n}")]).collect();
        let cert = leaf(wild, -1, 365)?.signed_by(&key, &issuer).map_err(|e| e.to_string())?;
        Ok(Certs {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            default: certified(cert.der().clone(), &key)?,
            ca: issuer,
            ca_cert_pem,
            special: RwLock::new(HashMap::new()),
            sites,
        })
    }

    fn make(&self, host: &str, kind: Cert) -> Result<Arc<CertifiedKey>, String> {
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let cert = match kind {
            Cert::Good => leaf(vec![host.to_owned()], -1, 365)?.signed_by(&key, &self.ca),
            Cert::Expired => leaf(vec![host.to_owned()], -400, -1)?.signed_by(&key, &self.ca),
            Cert::ExpiresSoon => leaf(vec![host.to_owned()], -360, 5)?.signed_by(&key, &self.ca),
            Cert::WrongName => leaf(vec!["other.invalid".to_owned()], -1, 365)?.signed_by(&key, &self.ca),
            Cert::SelfSigned => leaf(vec![host.to_owned()], -1, 365)?.self_signed(&key),
        }
        .map_err(|e| e.to_string())?;
        certified(cert.der().clone(), &key)
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let host = hello.server_name().unwrap_or("").to_ascii_lowercase();
        let kind = self.sites.read().ok().and_then(|s| s.get(&host).map(|s| s.cert)).unwrap_or_default();
        // The wildcard covers one label; deeper names get a certificate of their own.
        let covered = host.split_once('.').is_some_and(|(_, rest)| self.names.iter().any(|n| n == rest))
            || self.names.contains(&host);
        if kind == Cert::Good && (covered || host.is_empty()) {
            return Some(Arc::clone(&self.default));
        }
        let key = (host.clone(), kind);
        if let Some(c) = self.special.read().ok().and_then(|m| m.get(&key).cloned()) {
            return Some(c);
        }
        let made = self.make(&host, kind).ok()?;
        if let Ok(mut m) = self.special.write() {
            m.insert(key, Arc::clone(&made));
        }
        Some(made)
    }
}

/// A deep site's page other than the home page: the sitemap, or a page
/// with `Last-Modified` and `ETag`, `304` when the request's `ETag` matches.
fn deep_page(
    deep: &super::Deep,
    n: u64,
    req: &Request<Incoming>,
    host: &str,
    tls: bool,
) -> Option<Response<Full<Bytes>>> {
    use hyper::header::{CONTENT_TYPE, ETAG, HeaderValue, IF_NONE_MATCH, LAST_MODIFIED};
    let path = req.uri().path();
    if path == "/sitemap.xml" {
        if !deep.sitemap {
            return None;
        }
        let port = req.headers().get(hyper::header::HOST).and_then(|h| h.to_str().ok()).and_then(|h| h.split_once(':'));
        let origin = format!(
            "{}://{host}{}",
            if tls { "https" } else { "http" },
            port.map(|(_, p)| format!(":{p}")).unwrap_or_default()
        );
        let mut r = Response::new(Full::new(Bytes::from(super::deep::sitemap(&origin))));
        r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
        return Some(r);
    }
    let (html, date) = super::deep::page(deep, n, path)?;
    let etag = format!("\"{:016x}\"", crate::analyze::html::text_hash(html.as_bytes()));
    let matches = req.headers().get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str());
    let mut r = Response::new(Full::new(if matches { Bytes::new() } else { Bytes::from(html) }));
    if matches {
        *r.status_mut() = hyper::StatusCode::NOT_MODIFIED;
    }
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        r.headers_mut().insert(ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&date.format("%a, %d %b %Y 08:00:00 GMT").to_string()) {
        r.headers_mut().insert(LAST_MODIFIED, v);
    }
    Some(r)
}

fn respond(sites: &Sites, pages: &Pages, req: &Request<Incoming>, tls: bool) -> (Response<Full<Bytes>>, Duration) {
    let host = req
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let site = sites.read().ok().and_then(|s| s.get(&host).cloned()).unwrap_or_default();
    let html = |status: u16, body: Bytes| {
        let mut r = Response::new(Full::new(body));
        *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
        r.headers_mut()
            .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/html; charset=utf-8"));
        r.headers_mut().insert(hyper::header::SERVER, hyper::header::HeaderValue::from_static("nginx"));
        r
    };
    let text = |body: &'static str| {
        let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain"));
        r
    };
    let n = site_number(&host);
    if let Some(deep) = &site.deep
        && !matches!(req.uri().path(), "/" | "/index.html")
        && let Some(r) = deep_page(deep, n, req, &host, tls)
    {
        return (r, site.delay);
    }
    let r = match req.uri().path() {
        "/" | "/index.html" => {
            let cloak = site.cloak.filter(|c| cloaked(*c, req));
            if cloak == Some(Cloak::SearchRedirect) {
                let mut r = html(302, Bytes::new());
                r.headers_mut().insert(
                    hyper::header::LOCATION,
                    hyper::header::HeaderValue::from_static("http://bet.example/?from=search"),
                );
                r
            } else if cloak == Some(Cloak::SpiderSpam) {
                html(200, Bytes::from(page(n, Plant::HiddenLinks, site.revision)))
            } else if cloak == Some(Cloak::MobileRefresh) {
                let p = page(n, site.plant, site.revision).replacen(
                    "<head>",
                    "<head><meta http-equiv=\"refresh\" content=\"0;url=http://casino.example/m\">",
                    1,
                );
                html(200, Bytes::from(p))
            } else if let Some(to) = &site.redirect {
                let mut r = html(302, Bytes::new());
                if let Ok(v) = hyper::header::HeaderValue::from_str(to) {
                    r.headers_mut().insert(hyper::header::LOCATION, v);
                }
                r
            } else if site.status >= 400 {
                html(site.status, Bytes::from(format!("<html><body><h1>{} Error</h1></body></html>", site.status)))
            } else if !site.extra.is_empty() || site.deep.is_some() {
                let mut p =
                    page(n, site.plant, site.revision).replacen("</body>", &format!("{}</body>", site.extra), 1);
                if let Some(deep) = &site.deep {
                    p = super::deep::home(p, deep);
                }
                html(site.status, Bytes::from(p))
            } else {
                html(site.status, pages.get(n, &site))
            }
        }
        "/.git/HEAD" if site.git_exposed => text("ref: refs/heads/master\n"),
        "/js/common.js" => {
            let mut r = html(200, Bytes::from(crate::farm::script_file(n, site.plant)));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("application/javascript; charset=utf-8"),
            );
            r
        }
        "/.env" if site.env_exposed => text("APP_ENV=production\nDB_PASSWORD=farm-secret\n"),
        _ if site.soft_404 => html(200, Bytes::from(page(n, Plant::Clean, site.revision))),
        _ => html(
            404,
            Bytes::from_static(
                "<html><head><title>404 页面不存在</title></head><body><p>页面不存在</p></body></html>".as_bytes(),
            ),
        ),
    };
    (r, site.delay)
}

impl Farm {
    /// Start on 127.0.0.1 (random ports); TLS names are `names` and their subdomains.
    pub async fn start(names: &[&str]) -> Result<Farm, String> {
        crate::tls::install_crypto();
        let sites: Sites = Arc::new(RwLock::new(HashMap::new()));
        let certs = Arc::new(Certs::new(names, Arc::clone(&sites))?);
        let ca_pem = certs.ca_cert_pem.clone();
        let http = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let https = TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
        let farm = Farm {
            http: http.local_addr().map_err(|e| e.to_string())?,
            https: https.local_addr().map_err(|e| e.to_string())?,
            sites,
            ca_pem,
            requests: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        };
        let tls = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_cert_resolver(certs as Arc<dyn ResolvesServerCert>);
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
        let pages = Arc::new(Pages::default());
        for (listener, acceptor) in [(http, None), (https, Some(acceptor))] {
            let sites = Arc::clone(&farm.sites);
            let pages = Arc::clone(&pages);
            let requests = Arc::clone(&farm.requests);
            tokio::spawn(async move {
                loop {
                    let Ok((tcp, _)) = listener.accept().await else { continue };
                    let _ = tcp.set_nodelay(true);
                    let sites = Arc::clone(&sites);
                    let pages = Arc::clone(&pages);
                    let requests = Arc::clone(&requests);
                    let acceptor = acceptor.clone();
                    let tls = acceptor.is_some();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                            let sites = Arc::clone(&sites);
                            let pages = Arc::clone(&pages);
                            let requests = Arc::clone(&requests);
                            async move {
                                requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                let (resp, delay) = respond(&sites, &pages, &req, tls);
                                if !delay.is_zero() {
                                    tokio::time::sleep(delay).await;
                                }
                                Ok::<_, Infallible>(resp)
                            }
                        });
                        let builder = hyper::server::conn::http1::Builder::new();
                        match acceptor {
                            None => {
                                let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
                            }
                            Some(a) => {
                                if let Ok(tls) = a.accept(tcp).await {
                                    let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                                }
                            }
                        }
                    });
                }
            });
        }
        Ok(farm)
    }

    /// Set a site's state (hosts not set are clean, up and quick).
    pub fn set(&self, host: &str, site: Site) {
        if let Ok(mut s) = self.sites.write() {
            s.insert(host.to_ascii_lowercase(), site);
        }
    }

    /// Change a site's state in place.
    pub fn update(&self, host: &str, f: impl FnOnce(&mut Site)) {
        if let Ok(mut s) = self.sites.write() {
            f(s.entry(host.to_ascii_lowercase()).or_default());
        }
    }
}
