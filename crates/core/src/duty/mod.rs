//! The 7×24 duty roster (值班): shifts for the center and for units with
//! important systems, rotas, swaps with approval, the handover log; who is
//! on duty now for every important system; gaps in the next 14 days; and
//! alerts that go first to the person on duty, then the unit's direct
//! responsible person, then the center, until someone acknowledges them.

pub mod entity;
pub mod rules;
pub mod service;

pub use rules::*;
