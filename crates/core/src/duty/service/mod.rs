//! duty's storage and jobs.

pub mod alerts;
pub mod shifts;
