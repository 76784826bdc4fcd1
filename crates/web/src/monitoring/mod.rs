//! Site monitoring: the status wall, a site's page, findings.

pub mod api;
pub mod chart;
pub mod pages;
