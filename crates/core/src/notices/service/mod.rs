//! Notices' storage: recording and importing notices, the rectification
//! workflow, one escalation pass, shutdown orders and the violations
//! (责任追究) the rules propose and people decide.

pub mod escalation;
pub mod notices;
pub mod rectifications;
