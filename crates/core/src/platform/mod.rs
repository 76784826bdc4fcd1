//! What every feature shares: the store and its migrations, the clock,
//! errors, authorization (`access`), the audit chain, attachments and
//! uploads, the sheet-import pipeline, the network policy, the one URL type,
//! closed sets and pages of results.

pub mod access;
pub mod attachments;
pub mod audit;
pub mod audit_anchor;
pub mod audit_export;
pub mod backup;
pub mod calendar;
pub mod clock;
pub mod closed_set;
pub mod common;
pub mod entity;
pub mod error;
pub mod migration;
pub mod netpolicy;
pub mod numbers;
pub mod operations;
pub mod page;
pub mod secret;
pub mod sheet_import;
pub mod site_url;
pub mod store;
pub mod text;
pub mod uploads;
