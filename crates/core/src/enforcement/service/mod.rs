//! Enforcement's storage: shutdown orders and violations.

pub mod shutdowns;
pub mod violations;
