//! The duty roster and its alerts: the API and the pages.

pub mod api;
pub mod pages;
