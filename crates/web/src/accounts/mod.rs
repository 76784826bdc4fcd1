//! Accounts: signing in and out, passwords, the user's account and tokens, users and roles.

pub mod api;
pub mod pages;
pub mod session;
