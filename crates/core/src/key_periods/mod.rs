//! Key periods (重保: 国庆, 两会, 开学, exams): the center declares a period
//! and its units; each unit files a daily report (零报告 when nothing
//! happened) by a set hour; missing reports are chased and listed; the
//! units' sites are checked more often for the period; a daily summary goes
//! to the center as a spreadsheet.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
