//! The dashboard.

pub mod pages;
