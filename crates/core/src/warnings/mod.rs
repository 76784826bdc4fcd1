//! Early warnings (预警, §三(二) of the notice: 及时转发预警信息，跟踪、监督整改情况):
//! the center publishes a warning to all units, chosen units, or the units
//! whose systems carry matching tech-stack tags; each unit acknowledges and
//! answers whether it is affected and what it did; the silent are reminded
//! and escalated; an affected answer opens a rectification in one click.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
