//! Warnings' storage and changes.

pub mod jobs;
pub mod warnings;
