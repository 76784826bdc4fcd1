//! Notification delivery: the worker that takes messages from the outbox
//! (`wangan_core::notify::service`) and sends them by email (SMTP with
//! STARTTLS or TLS), to WeCom (企业微信), DingTalk (钉钉, signed or not) and
//! Feishu (飞书) robots, or to a generic JSON webhook signed with
//! HMAC-SHA256. A dead channel only costs its own retries.
#![forbid(unsafe_code)]

pub mod send;
pub mod worker;

pub use send::{DeliveryConfig, Lookup, LookupFuture, Sender, SmtpConfig, SmtpSecurity, install_crypto};
pub use worker::{DeliveryReport, deliver_once};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod resolver_tests;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod smtp_tests;
