//! Key periods (重保): the API and the pages.

pub mod api;
pub mod pages;
