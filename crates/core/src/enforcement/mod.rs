//! Enforcement (督促落实): shutdown orders (责令关停) that the escalation
//! ladder proposes and the center issues or withdraws, verified by the
//! monitor; violations (责任追究) that rules or people propose and the center
//! confirms or dismisses. The tables (`shutdown_orders`, `violations`) are
//! in `notices::entity`, where the ladder that raises them writes.

pub mod rules;
pub mod service;

pub use rules::*;
