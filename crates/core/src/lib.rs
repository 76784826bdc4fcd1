//! Wangan core: domain types and rules, storage, authorization scope, audit chain.
//! Knows nothing of HTTP or HTML.

pub mod access;
pub mod attachments;
pub mod audit;
pub mod auth_cache;
pub mod clock;
pub mod closed_set;
pub mod demo;
pub mod entity;
pub mod error;
pub mod migration;
pub mod monitoring;
pub mod netpolicy;
pub mod notices;
pub mod notify;
pub mod page;
pub mod password;
pub mod registry;
pub mod secret;
pub mod service;
pub mod sheet_import;
pub mod site_url;
pub mod store;

pub use access::{Grant, Principal, Role, Scope};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{CoreError, FieldError, Result};
pub use page::{Page, PageRequest};
pub use store::Store;
