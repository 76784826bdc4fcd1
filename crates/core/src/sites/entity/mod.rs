//! The whole site's tables.

pub mod crawled_page;
pub mod link_allow;
pub mod outbound_domain;
