//! Site monitoring: monitors, baselines, check history and findings. The
//! checks themselves (network, analysis) are the `wangan-monitor` crate.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
