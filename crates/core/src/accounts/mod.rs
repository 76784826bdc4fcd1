//! Accounts: users, their roles, sessions, API tokens and passwords.

pub mod auth_cache;
pub mod cas;
pub mod entity;
pub mod password;
pub mod rules;
pub mod second_factor;
pub mod service;
pub mod throttle;
