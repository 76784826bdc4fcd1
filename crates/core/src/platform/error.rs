use serde::Serialize;

/// A problem with one input field; `code` is a stable machine word that the
/// web layer turns into a localized message (`invalid.<code>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str) -> Self {
        Self { field: field.to_owned(), code: code.to_owned() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// Missing, or outside the caller's scope (never tell which).
    #[error("not found")]
    NotFound,
    /// Visible to the caller, but the caller may not do this.
    #[error("forbidden")]
    Forbidden,
    /// A uniqueness or state conflict; the string is a stable code.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// A life-cycle gate refused the move, for these reasons.
    #[error("gate failed: {0:?}")]
    GateFailed(Vec<crate::registry::Reason>),
    #[error("wrong username or password")]
    BadCredentials,
    #[error("account locked until {0}")]
    Locked(chrono::DateTime<chrono::Utc>),
    /// A site's address is registered to another system (one address, one
    /// system): the address, and the unit and system that hold it.
    #[error("{url} belongs to {system} of {unit}")]
    UrlTaken { url: String, unit: String, system: String },
    /// The account must change its password (on the pages) before anything else.
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    pub fn invalid(field: &str, code: &str) -> Self {
        CoreError::Invalid(vec![FieldError::new(field, code)])
    }
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
