//! Data calls (数据填报, §三(一): 重要调查数据如实填写，不得弄虚作假): the
//! center defines a form and sends it to units with a deadline; each unit
//! submits; a submission is never edited — a correction is a new version
//! with its reason, and every version is kept.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
