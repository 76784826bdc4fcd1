//! Analyzers: pure functions over a fetched page.

pub mod charset;
pub mod keywords;
