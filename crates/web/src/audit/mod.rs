//! The audit log.

pub mod api;
pub mod pages;
