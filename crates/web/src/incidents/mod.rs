//! Security incidents: the API and the pages.

pub mod api;
pub mod pages;
