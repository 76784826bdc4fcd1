//! Wangan site monitoring: the analyzers (pure functions over a fetched
//! page, `analyze`), the fetcher that honours the network policy (`fetch`),
//! the certificate probe (`tls`), every check of one URL (`check`), the
//! spider, phone and search-visitor views of a page (`views`), and the
//! simulated sites that tests and benchmarks run against (`farm`).
#![forbid(unsafe_code)]

pub mod analyze;
pub mod check;
pub mod crawl;
pub mod crawls;
pub mod engine;
pub mod farm;
pub mod fetch;
pub mod finding;
pub mod manage;
pub mod render;
pub mod scripts;
pub mod tls;
pub mod views;
