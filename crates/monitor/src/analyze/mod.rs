//! Analyzers: pure functions over a fetched page or response.

pub mod charset;
pub mod content;
pub mod css;
pub mod dates;
pub mod exposure;
pub mod headers;
pub mod html;
pub mod icp;
pub mod keywords;
pub mod outbound;
pub mod rendered;
pub mod script;
pub mod selector;
pub mod tamper;
pub mod tokenizer;
