//! Inspections' storage and changes.

pub mod campaigns;
pub mod checklists;
pub mod jobs;
pub mod schedules;
pub(crate) mod texts;
