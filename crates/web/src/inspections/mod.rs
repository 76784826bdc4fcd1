//! Inspections (自查 / 现场核查): checklists, campaigns, the units' answers
//! and approvals, on-site verification, findings that open notices, and
//! recurring schedules. The rules and storage are in `wangan_core::inspections`.

pub mod api;
pub mod pages;
