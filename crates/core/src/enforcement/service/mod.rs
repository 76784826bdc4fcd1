//! Enforcement's storage: shutdown orders and violations, and the rules engine that proposes violations from the facts.

pub mod engine;
pub mod shutdowns;
pub mod violations;
