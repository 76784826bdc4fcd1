//! warnings' tables.

pub mod warning;
pub mod warning_attachment;
pub mod warning_unit;
