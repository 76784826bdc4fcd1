//! duty's tables.

pub mod duty_alert;
pub mod duty_handover;
pub mod duty_shift;
pub mod duty_swap;
