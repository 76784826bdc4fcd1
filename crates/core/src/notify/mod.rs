//! Notification (通知): channels, the outbox written with each change, and
//! the delivery log. The senders (SMTP, robots, webhooks) are the
//! `wangan-notify` crate. The words are one catalog per language
//! (`texts`, `crates/core/locales/messages.*.toml`); what a message says is
//! decided by the feature that sends it (`notices::rules::messages`,
//! `registry::rules::reminders`, …).

pub mod entity;
pub mod rules;
pub mod service;
pub mod texts;

pub use rules::*;
