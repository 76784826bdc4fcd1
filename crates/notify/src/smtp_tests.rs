//! Email delivery against a small SMTP server started by the test.

use crate::{DeliveryConfig, Sender, SmtpConfig, SmtpSecurity};
use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use wangan_core::notify::service::Claimed;

/// Accepts one message and returns (envelope recipients, DATA).
async fn smtp_server(reject_rcpt: bool) -> (u16, tokio::task::JoinHandle<(Vec<String>, String)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let (mut rcpts, mut data, mut in_data) = (Vec::new(), String::new(), false);
        while let Some(line) = lines.next_line().await.unwrap() {
            if in_data {
                if line == "." {
                    in_data = false;
                    w.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
                } else {
                    data.push_str(&line);
                    data.push('\n');
                }
                continue;
            }
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-test\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("MAIL FROM") {
                b"250 ok\r\n"
            } else if upper.starts_with("RCPT TO") {
                rcpts.push(line[8..].trim().to_owned());
                if reject_rcpt { b"550 5.1.1 no such user\r\n" } else { b"250 ok\r\n" }
            } else if upper == "DATA" {
                in_data = true;
                b"354 go ahead\r\n"
            } else if upper == "QUIT" {
                w.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                b"250 ok\r\n"
            };
            w.write_all(reply).await.unwrap();
        }
        (rcpts, data)
    });
    (port, handle)
}

fn message(to: &str) -> Claimed {
    Claimed {
        id: 1,
        attempts: 0,
        kind: wangan_core::notify::ChannelKind::Email,
        target: to.into(),
        secret: String::new(),
        event: "overdue".into(),
        subject: "【整改逾期】化学学院网站 已超过整改期限".into(),
        body: "单位：化学学院\n系统：化学学院网站".into(),
        link: "/rectifications/1".into(),
    }
}

fn sender(port: u16) -> Sender {
    Sender::new(&DeliveryConfig {
        smtp: Some(SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            security: SmtpSecurity::None,
            username: String::new(),
            password: String::new(),
            from: "网安平台 <wangan@university.example>".into(),
        }),
        base_url: "https://wangan.university.example".into(),
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test]
async fn an_email_reaches_the_smtp_server() {
    let (port, server) = smtp_server(false).await;
    let detail = sender(port).send(&message("direct@chem.university.example"), chrono::Utc::now()).await.unwrap();
    assert!(detail.starts_with("SMTP 250"), "{detail}");
    let (rcpts, data) = server.await.unwrap();
    assert_eq!(rcpts, ["<direct@chem.university.example>"]);
    assert!(data.contains("Subject: =?utf-8?"), "the Chinese subject is encoded: {data}");
    // The body is Chinese text in a transfer encoding; decode and read it.
    let body = data.split("\n\n").nth(1).unwrap_or_default();
    let text = if data.contains("Content-Transfer-Encoding: base64") {
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(body.replace('\n', "")).unwrap()).unwrap()
    } else {
        body.to_owned()
    };
    assert!(text.contains("系统：化学学院网站"), "{text}");
    assert!(text.contains("https://wangan.university.example/rectifications/1"), "{text}");
}

#[tokio::test]
async fn a_refused_recipient_is_a_failed_attempt() {
    let (port, _server) = smtp_server(true).await;
    let err = sender(port).send(&message("nobody@chem.university.example"), chrono::Utc::now()).await.unwrap_err();
    assert!(err.contains("smtp"), "{err}");
}

#[tokio::test]
async fn no_server_configured_is_a_failed_attempt_not_a_crash() {
    let s = Sender::new(&DeliveryConfig::default()).unwrap();
    let err = s.send(&message("a@b.example"), chrono::Utc::now()).await.unwrap_err();
    assert!(err.contains("no [smtp]"), "{err}");
}

#[tokio::test]
async fn denied_addresses_are_never_contacted_by_address_or_by_name() {
    // Something listens on loopback; the default policy must not reach it, however it is named.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = Sender::new(&DeliveryConfig::default()).unwrap();
    for target in [
        format!("http://127.0.0.1:{port}/hook"),
        format!("http://localhost:{port}/hook"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
    ] {
        let mut m = message("x");
        m.kind = wangan_core::notify::ChannelKind::Webhook;
        m.target = target.clone();
        let err = s.send(&m, chrono::Utc::now()).await.unwrap_err();
        // `localhost` is a reserved name: refused before any lookup.
        assert!(err.contains("address not allowed") || err.contains("reserved name"), "{target}: {err}");
    }
    let accepted = tokio::time::timeout(std::time::Duration::from_millis(100), listener.accept()).await;
    assert!(accepted.is_err(), "no connection was made");
}
