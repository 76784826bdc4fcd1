//! The certificate check: one TLS handshake to the site that completes
//! whatever the certificate (the verdict of the chain is recorded, not
//! enforced), then pure rules over what was seen: expiry within 30 days
//! (warning) and 7 days (critical), expired, hostname mismatch, self-signed
//! or untrusted chain, and servers that only speak TLS below 1.2.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use serde::Serialize;
use serde_json::json;
use tokio::net::TcpStream;
use url::Url;

use crate::fetch::{FetchConfig, FetchError, resolve};
use crate::finding::{Check, Finding, FindingCode, Severity};

/// Install the process-wide TLS provider (ring); a second call changes nothing.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// What a handshake showed of a site's certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub names: Vec<String>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// `TLSv1_3`, `TLSv1_2`.
    pub protocol: String,
    /// The chain's verdict against the trusted roots: `None` when trusted.
    pub chain_error: Option<String>,
    pub self_signed: bool,
    pub host: String,
}

/// The outcome of the probe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TlsOutcome {
    Cert(CertInfo),
    /// The server would not agree on TLS 1.2 or 1.3.
    OldProtocol(String),
    Failed(String),
}

/// Trusted roots: Mozilla's (compiled in) plus the configured extra CAs.
pub fn roots(extra_pem: &[Vec<u8>]) -> Result<Arc<RootCertStore>, String> {
    let mut store = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    for pem in extra_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("CA certificate: {e}"))?;
            store.add(cert).map_err(|e| format!("CA certificate: {e}"))?;
        }
    }
    Ok(Arc::new(store))
}

#[derive(Debug)]
struct Recording {
    inner: Arc<WebPkiServerVerifier>,
    verdict: Mutex<Option<rustls::Error>>,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Err(e) = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            && let Ok(mut v) = self.verdict.lock()
        {
            *v = Some(e);
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The verifier shared by probes (built once: parsing the roots is not free).
#[derive(Clone)]
pub struct Prober {
    verifier: Arc<WebPkiServerVerifier>,
}

impl Prober {
    pub fn new(extra_pem: &[Vec<u8>]) -> Result<Prober, String> {
        install_crypto();
        let verifier =
            WebPkiServerVerifier::builder(roots(extra_pem)?).build().map_err(|e| format!("TLS verifier: {e}"))?;
        Ok(Prober { verifier })
    }

    /// Shake hands with the site of `url` (https only) and report its certificate.
    pub async fn probe(&self, config: &FetchConfig, url: &Url) -> Result<TlsOutcome, FetchError> {
        crate::fetch::check_url(config, url)?;
        let host = url.host_str().ok_or_else(|| FetchError::BadUrl("no host".into()))?.to_owned();
        let port = crate::fetch::route(config, &host)
            .and_then(|r| r.port)
            .or_else(|| url.port_or_known_default())
            .unwrap_or(443);
        let ips = resolve(config, &host).await?;
        let ip = *ips.first().ok_or_else(|| FetchError::Dns("no address".into()))?;
        let recording = Arc::new(Recording { inner: Arc::clone(&self.verifier), verdict: Mutex::new(None) });
        let tls = rustls::ClientConfig::builder()
            .dangerous()
            .with_custom_certificate_verifier(Arc::clone(&recording) as Arc<dyn ServerCertVerifier>)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
        let name_host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let server_name = ServerName::try_from(name_host.clone()).map_err(|e| FetchError::BadUrl(e.to_string()))?;
        let work = async {
            let tcp =
                TcpStream::connect(SocketAddr::new(ip, port)).await.map_err(|e| FetchError::Connect(e.to_string()))?;
            match connector.connect(server_name, tcp).await {
                Ok(stream) => Ok(Some(stream)),
                Err(e) => {
                    let text = e.to_string();
                    let lower = text.to_ascii_lowercase();
                    if lower.contains("protocolversion")
                        || lower.contains("protocol version")
                        || lower.contains("peerincompatible")
                    {
                        Ok(None)
                    } else {
                        Err(FetchError::Tls(text))
                    }
                }
            }
        };
        let stream = match tokio::time::timeout(config.timeout, work).await {
            Err(_) => return Err(FetchError::Timeout),
            Ok(Err(e)) => return Ok(TlsOutcome::Failed(e.to_string())),
            Ok(Ok(None)) => return Ok(TlsOutcome::OldProtocol("server refused TLS 1.2 and 1.3".into())),
            Ok(Ok(Some(s))) => s,
        };
        let (_, conn) = stream.get_ref();
        let protocol = conn.protocol_version().map(|v| format!("{v:?}")).unwrap_or_default();
        let Some(leaf) = conn.peer_certificates().and_then(|c| c.first()) else {
            return Ok(TlsOutcome::Failed("no certificate".into()));
        };
        let verdict = recording.verdict.lock().ok().and_then(|v| v.clone());
        Ok(match describe(leaf.as_ref(), &name_host, protocol, verdict) {
            Some(info) => TlsOutcome::Cert(info),
            None => TlsOutcome::Failed("certificate does not parse".into()),
        })
    }
}

fn describe(der: &[u8], host: &str, protocol: String, verdict: Option<rustls::Error>) -> Option<CertInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut names: Vec<String> = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                x509_parser::extensions::GeneralName::DNSName(d) => names.push(d.to_ascii_lowercase()),
                x509_parser::extensions::GeneralName::IPAddress(b) if b.len() == 4 => {
                    names.push(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string());
                }
                _ => {}
            }
        }
    }
    let time = |t: &x509_parser::time::ASN1Time| DateTime::<Utc>::from_timestamp(t.timestamp(), 0);
    let chain_error = verdict.and_then(|e| match e {
        rustls::Error::InvalidCertificate(c) => match c {
            // Time and name are judged below from the certificate itself.
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. }
            | CertificateError::NotValidForName
            | CertificateError::NotValidForNameContext { .. } => None,
            CertificateError::UnknownIssuer => Some("unknown_issuer".to_owned()),
            other => Some(format!("{other:?}")),
        },
        other => Some(other.to_string()),
    });
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    Some(CertInfo {
        self_signed: subject == issuer,
        subject,
        issuer,
        names,
        not_before: time(&cert.validity().not_before)?,
        not_after: time(&cert.validity().not_after)?,
        protocol,
        chain_error,
        host: host.to_ascii_lowercase(),
    })
}

/// Does a certificate name (`*.univ.example` or exact) cover `host`?
pub fn name_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) => host.split_once('.').is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
        None => pattern == host,
    }
}

/// The certificate findings as of `now`.
pub fn judge(outcome: &TlsOutcome, now: DateTime<Utc>) -> Vec<Finding> {
    let info = match outcome {
        TlsOutcome::Cert(info) => info,
        TlsOutcome::OldProtocol(detail) => {
            return vec![
                Finding::new(
                    Check::Certificate,
                    "tls_version",
                    FindingCode::TlsOld,
                    Severity::High,
                    "服务器仅支持 TLS 1.2 以下的旧协议",
                )
                .with(json!({"detail": detail})),
            ];
        }
        TlsOutcome::Failed(detail) => {
            return vec![
                Finding::new(
                    Check::Certificate,
                    "handshake",
                    FindingCode::TlsFailed,
                    Severity::High,
                    format!("TLS 握手失败：{detail}"),
                )
                .with(json!({"detail": detail})),
            ];
        }
    };
    let mut out = Vec::new();
    let evidence = json!({
        "subject": info.subject, "issuer": info.issuer, "names": info.names,
        "not_after": info.not_after.to_rfc3339(), "protocol": info.protocol,
    });
    let days = (info.not_after - now).num_hours() as f64 / 24.0;
    if info.not_after <= now {
        out.push(
            Finding::new(
                Check::Certificate,
                "expiry",
                FindingCode::CertExpired,
                Severity::Critical,
                format!("证书已于 {} 过期", info.not_after.format("%Y-%m-%d")),
            )
            .with(evidence.clone()),
        );
    } else if days <= 7.0 {
        out.push(
            Finding::new(
                Check::Certificate,
                "expiry",
                FindingCode::CertExpiring,
                Severity::Critical,
                format!("证书将在 {:.0} 天内过期", days.ceil()),
            )
            .with(evidence.clone()),
        );
    } else if days <= 30.0 {
        out.push(
            Finding::new(
                Check::Certificate,
                "expiry",
                FindingCode::CertExpiring,
                Severity::Medium,
                format!("证书将在 {:.0} 天内过期", days.ceil()),
            )
            .with(evidence.clone()),
        );
    }
    if info.not_before > now {
        out.push(
            Finding::new(
                Check::Certificate,
                "not_yet_valid",
                FindingCode::CertNotYetValid,
                Severity::High,
                "证书尚未生效",
            )
            .with(evidence.clone()),
        );
    }
    if !info.names.iter().any(|n| name_matches(n, &info.host)) {
        out.push(
            Finding::new(
                Check::Certificate,
                "name",
                FindingCode::CertNameMismatch,
                Severity::High,
                format!("证书不包含域名 {}", info.host),
            )
            .with(evidence.clone()),
        );
    }
    if info.self_signed && info.chain_error.is_some() {
        out.push(
            Finding::new(Check::Certificate, "chain", FindingCode::CertSelfSigned, Severity::High, "证书为自签名证书")
                .with(evidence.clone()),
        );
    } else if let Some(e) = &info.chain_error {
        out.push(
            Finding::new(
                Check::Certificate,
                "chain",
                FindingCode::CertUntrusted,
                Severity::High,
                format!("证书链不受信任（{e}）"),
            )
            .with(evidence.clone()),
        );
    }
    if info.protocol == "TLSv1_0" || info.protocol == "TLSv1_1" {
        out.push(
            Finding::new(
                Check::Certificate,
                "tls_version",
                FindingCode::TlsOld,
                Severity::High,
                "服务器使用 TLS 1.2 以下的旧协议",
            )
            .with(evidence),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn info(days_left: i64) -> CertInfo {
        let now = Utc::now();
        CertInfo {
            subject: "CN=www.univ.example".into(),
            issuer: "CN=Campus CA".into(),
            names: vec!["www.univ.example".into(), "*.univ.example".into()],
            not_before: now - Duration::days(300),
            not_after: now + Duration::days(days_left),
            protocol: "TLSv1_3".into(),
            chain_error: None,
            self_signed: false,
            host: "www.univ.example".into(),
        }
    }

    fn codes(i: CertInfo) -> Vec<(String, Severity)> {
        judge(&TlsOutcome::Cert(i), Utc::now()).into_iter().map(|f| (f.code.as_str().to_owned(), f.severity)).collect()
    }

    #[test]
    fn expiry_thresholds() {
        assert!(codes(info(90)).is_empty());
        assert_eq!(codes(info(20)), [("cert_expiring".to_owned(), Severity::Medium)]);
        assert_eq!(codes(info(5)), [("cert_expiring".to_owned(), Severity::Critical)]);
        assert_eq!(codes(info(-1)), [("cert_expired".to_owned(), Severity::Critical)]);
    }

    #[test]
    fn names_chains_and_protocols() {
        assert!(name_matches("*.univ.example", "lib.univ.example"));
        assert!(!name_matches("*.univ.example", "univ.example"));
        assert!(!name_matches("*.univ.example", "a.b.univ.example"));
        assert!(name_matches("WWW.univ.example", "www.univ.example."));
        let mut i = info(90);
        i.host = "www.other.example".into();
        assert_eq!(codes(i)[0].0, "cert_name_mismatch");
        let mut i = info(90);
        i.chain_error = Some("unknown_issuer".into());
        i.self_signed = true;
        assert_eq!(codes(i)[0].0, "cert_self_signed");
        let mut i = info(90);
        i.chain_error = Some("unknown_issuer".into());
        assert_eq!(codes(i)[0].0, "cert_untrusted");
        assert_eq!(judge(&TlsOutcome::OldProtocol("x".into()), Utc::now())[0].code, FindingCode::TlsOld);
    }
}
