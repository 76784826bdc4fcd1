//! data calls' tables.

pub mod data_call;
pub mod data_call_unit;
pub mod data_submission;
