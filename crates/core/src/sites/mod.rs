//! The whole site, not its home page: the pages a crawl found, the
//! outbound-link inventory with its allow-lists, 双非 sites and zombie
//! sites and columns. The crawl itself is the `wangan-monitor` crate.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
