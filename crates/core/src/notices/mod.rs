//! Vulnerability notices (通报), their rectifications (整改) and the
//! escalation ladder up to shutdown (关停).

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
