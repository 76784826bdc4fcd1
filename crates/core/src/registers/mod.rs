//! The unit registers of readiness (§二, §三(三), §四(四)–(六)): emergency
//! plans and drills with their improvement actions, the management rules,
//! personal data and outbound data requests, budget lines, training
//! sessions and certificates — and, from them, what each unit lacks.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
