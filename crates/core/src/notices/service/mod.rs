//! Notices' storage: recording and importing notices, the rectification
//! workflow, one escalation pass.

pub mod escalation;
pub mod notices;
pub mod rectifications;
