//! incidents' storage and documents.

pub mod incidents;
pub mod report;
