//! The unit registers of readiness: emergency plans, drills, management
//! rules, personal data and outbound data requests, budget, training and
//! certificates, and what each unit lacks.

pub mod api;
pub mod pages;
