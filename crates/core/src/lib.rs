//! Wangan core: domain types and rules, storage, authorization scope, audit chain.
//! Knows nothing of HTTP or HTML.
//!
//! One folder per feature (its words and pure rules in `rules`, its tables
//! in `entity`, its changes and queries in `service`), and `platform` for
//! what every feature shares.
#![forbid(unsafe_code)]

pub mod platform;

pub mod accounts;
pub mod dashboard;
pub mod data_calls;
pub mod directory;
pub mod duty;
pub mod enforcement;
pub mod incidents;
pub mod inspections;
pub mod key_periods;
pub mod monitoring;
pub mod notices;
pub mod notify;
pub mod registers;
pub mod registry;
pub mod scorecard;
pub mod sites;
pub mod warnings;

pub mod demo;

pub use platform::access::{Grant, Principal, Role, Scope};
pub use platform::clock::{Clock, FixedClock, SystemClock};
pub use platform::error::{CoreError, FieldError, Result};
pub use platform::page::{Page, PageRequest};
pub use platform::store::Store;
