//! Webhook and robot targets are resolved as the monitor resolves sites: a
//! route first, never DNS for a reserved name, only permitted addresses.

use crate::{DeliveryConfig, Lookup, Sender};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wangan_core::notify::ChannelKind;
use wangan_core::notify::service::Claimed;
use wangan_core::platform::netpolicy::{HostRoute, NetPolicy};

/// A resolver that counts its calls: a reserved name must never reach it.
fn counting_lookup() -> (Lookup, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let lookup = Lookup(Arc::new(move |_host: String| {
        seen.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(std::io::Error::other("the test's resolver was called")) })
    }));
    (lookup, calls)
}

fn webhook(target: &str) -> Claimed {
    Claimed {
        id: 1,
        attempts: 0,
        kind: ChannelKind::Webhook,
        target: target.into(),
        secret: String::new(),
        event: "test".into(),
        subject: "测试".into(),
        body: "正文".into(),
        link: "/".into(),
    }
}

#[tokio::test]
async fn reserved_names_are_never_looked_up() {
    let (lookup, calls) = counting_lookup();
    let sender = Sender::new(&DeliveryConfig { lookup, ..Default::default() }).unwrap();
    for target in ["https://hooks.example/x", "http://robot.test/send", "https://a.invalid/", "https://example.com/h"] {
        let err = sender.send(&webhook(target), chrono::Utc::now()).await.unwrap_err();
        assert!(err.contains("reserved name"), "{target}: {err}");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 0, "no name was looked up");
    // Other names go to the resolver (here a stub that fails).
    let err = sender.send(&webhook("https://hooks.university.edu.cn/x"), chrono::Utc::now()).await.unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "{err}");
}

#[tokio::test]
async fn a_routed_name_is_delivered_without_dns() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 8192];
        let n = sock.read(&mut buf).await.unwrap();
        sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await.unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let (lookup, calls) = counting_lookup();
    let sender = Sender::new(&DeliveryConfig {
        lookup,
        network: NetPolicy::loopback(),
        hosts: vec![HostRoute::new("hooks.test", "127.0.0.1".parse().unwrap(), Some(port))],
        ..Default::default()
    })
    .unwrap();
    let answer = sender.send(&webhook("http://robot.hooks.test/send"), chrono::Utc::now()).await;
    assert_eq!(answer.as_deref(), Ok("HTTP 200"));
    let request = server.await.unwrap();
    assert!(request.to_ascii_lowercase().contains("host: robot.hooks.test"), "{request}");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
