//! Accounts: signing in and out (passwords, campus single sign-on), passwords, the user's account and tokens, users and roles.

pub mod api;
pub mod oidc;
pub mod pages;
pub mod session;
pub mod sso;
pub mod two_factor;
