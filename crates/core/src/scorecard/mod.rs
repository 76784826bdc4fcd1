//! The unit scorecard (单位网络安全工作评分): a score from 0 to 100 per unit
//! from transparent, configurable weights, its breakdown, what would raise
//! it, a monthly record for trends and the leadership group's ranking.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
