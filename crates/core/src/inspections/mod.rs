//! Inspections (§三(一): 定期自查、现场核查): versioned checklists, campaigns
//! that units answer item by item per system and their heads approve, the
//! center's on-site verification, findings that open notices, recurring
//! campaigns with reminders, and `no_inspection` proposed for a missed due date.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
