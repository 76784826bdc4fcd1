//! The whole site: crawled pages, the outbound-link inventory and its allow-lists, 双非 and zombie sites.

pub mod api;
pub mod pages;
