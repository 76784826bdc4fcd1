//! The directory: units, people, responsible persons, the leadership group.

pub mod api;
pub mod pages;
