//! Notification (通知): channels, the outbox written with each change, and
//! the delivery log. The senders (SMTP, robots, webhooks) are the
//! `wangan-notify` crate; the texts of the messages belong to the features
//! that send them (`notices::rules::messages`).

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
