//! Early warnings (预警): publish, acknowledge, answer, escalate, open a
//! rectification. The rules and storage are in `wangan_core::warnings`.

pub mod api;
pub mod pages;
