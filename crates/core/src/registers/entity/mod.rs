//! The unit registers' tables.

pub mod budget_line;
pub mod certificate;
pub mod data_request;
pub mod drill;
pub mod drill_action;
pub mod drill_system;
pub mod emergency_plan;
pub mod emergency_plan_system;
pub mod personal_data;
pub mod policy;
pub mod register_file;
pub mod training;
pub mod training_attendee;
