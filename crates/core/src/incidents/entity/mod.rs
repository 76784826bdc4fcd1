//! incidents' tables.

pub mod incident;
pub mod incident_event;
pub mod incident_evidence;
pub mod incident_step;
pub mod incident_system;
