//! accounts's tables: SeaORM entities, one module per table. Closed sets are stored as their words.

pub mod api_token;
pub mod password_history;
pub mod pending_sign_in;
pub mod recovery_code;
pub mod role_grant;
pub mod session;
pub mod user;
