//! scorecard's tables.

pub mod unit_score;
