//! Channels and deliveries.

pub mod api;
pub mod pages;
