//! The unit scorecard: each unit's score and its breakdown, the ranking
//! with charts and monthly trends. The rules are in `wangan_core::scorecard`.

pub mod api;
pub mod pages;
