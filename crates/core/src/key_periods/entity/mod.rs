//! key periods' tables.

pub mod key_period;
pub mod key_period_report;
pub mod key_period_unit;
