//! The platform's own state for its operators (平台状态): release, database,
//! the audit chain's head, the last backup and the next, the access log.

pub mod pages;
