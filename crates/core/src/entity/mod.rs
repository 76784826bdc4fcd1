//! SeaORM entities: one module per table. Enumerations are stored as strings.

pub mod api_token;
pub mod attachment;
pub mod audit_head;
pub mod audit_log;
pub mod channel;
pub mod delivery_attempt;
pub mod leadership_member;
pub mod mlps_evaluation;
pub mod notice;
pub mod notice_attachment;
pub mod outbox;
pub mod password_history;
pub mod pending_import;
pub mod person;
pub mod protection;
pub mod rectification;
pub mod rectification_attachment;
pub mod responsibility;
pub mod role_grant;
pub mod session;
pub mod shutdown_order;
pub mod system;
pub mod unit;
pub mod user;
pub mod violation;
