//! Enforcement: shutdown orders (责令关停) and violations (责任追究). The
//! rules and storage are in `wangan_core::notices` (the ladder raises both).

pub mod api;
pub mod pages;
