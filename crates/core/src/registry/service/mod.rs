//! The registry's storage: systems and their gated changes; the inventory
//! sheet's import and export.

pub mod golive;
pub mod inventory;
pub mod reminders;
pub mod systems;
