//! Errors as the web sees them: one type, rendered as JSON for the API and
//! as a localized page for browsers.

use crate::platform::i18n::{self, Msg};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use wangan_core::registry::Reason;
use wangan_core::{CoreError, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("sign-in required")]
    Unauthorized,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("request body too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("CSRF check failed")]
    Csrf,
    /// An uploaded spreadsheet gave no rows: too big, unreadable, or lacking what the register needs.
    #[error("spreadsheet refused: {0:?}")]
    Sheet(wangan_core::platform::sheet_import::Unreadable),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Core(e) => match e {
                CoreError::NotFound => StatusCode::NOT_FOUND,
                CoreError::Forbidden | CoreError::PasswordChangeRequired => StatusCode::FORBIDDEN,
                CoreError::Conflict(_) | CoreError::GateFailed(_) | CoreError::UrlTaken { .. } => StatusCode::CONFLICT,
                CoreError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
                CoreError::BadCredentials | CoreError::Locked(_) => StatusCode::UNAUTHORIZED,
                CoreError::Db(e) if is_unique_violation(e) => StatusCode::CONFLICT,
                CoreError::Db(_) | CoreError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::Unauthorized => StatusCode::UNAUTHORIZED,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Sheet(u) => crate::registry::inventory_text::unreadable_status(u).0,
        }
    }

    /// Stable machine code for the `error.code` field.
    pub fn code(&self) -> String {
        match self {
            WebError::Core(e) => match e {
                CoreError::NotFound => "not_found".into(),
                CoreError::Forbidden => "forbidden".into(),
                CoreError::PasswordChangeRequired => "password_change_required".into(),
                CoreError::Conflict(c) => (*c).into(),
                CoreError::GateFailed(_) => "gate_failed".into(),
                CoreError::UrlTaken { .. } => "url_taken".into(),
                CoreError::Invalid(_) => "invalid".into(),
                CoreError::BadCredentials => "bad_credentials".into(),
                // Answered as a wrong password: the answer must not tell which names exist.
                CoreError::Locked(_) => "bad_credentials".into(),
                CoreError::Db(e) if is_unique_violation(e) => "conflict".into(),
                CoreError::Db(_) | CoreError::Internal(_) => "internal".into(),
            },
            WebError::Unauthorized => "unauthorized".into(),
            WebError::BadRequest(_) => "bad_request".into(),
            WebError::TooLarge => "too_large".into(),
            WebError::UnsupportedMediaType => "unsupported_media_type".into(),
            WebError::Csrf => "csrf".into(),
            WebError::Sheet(u) => crate::registry::inventory_text::unreadable_status(u).1,
        }
    }

    /// The localized sentence for a person.
    pub fn message(&self, m: &Msg) -> String {
        match self {
            WebError::Core(e) => match e {
                CoreError::NotFound => m.t("error.not_found").into(),
                CoreError::Forbidden => m.t("error.forbidden").into(),
                CoreError::PasswordChangeRequired => m.t("error.password_change_required").into(),
                CoreError::Conflict(c) => m.code("conflict", c),
                CoreError::GateFailed(reasons) => {
                    let list: Vec<String> = reasons.iter().map(|r| gate_reason(m, r)).collect();
                    format!("{}{}", m.t("error.gate_failed"), list.join("；"))
                }
                CoreError::Invalid(_) => m.t("error.invalid").into(),
                CoreError::UrlTaken { url, unit, system } => {
                    m.fmt("error.url_taken", &[("url", url), ("unit", unit), ("system", system)])
                }
                CoreError::BadCredentials | CoreError::Locked(_) => m.t("login.failed").into(),
                CoreError::Db(e) if is_unique_violation(e) => m.t("error.conflict").into(),
                CoreError::Db(_) | CoreError::Internal(_) => m.t("error.internal").into(),
            },
            WebError::Unauthorized => m.t("error.unauthorized").into(),
            WebError::BadRequest(_) | WebError::UnsupportedMediaType => m.t("error.bad_request").into(),
            WebError::TooLarge => m.t("error.too_large").into(),
            WebError::Csrf => m.t("error.csrf").into(),
            WebError::Sheet(u) => crate::registry::inventory_text::unreadable(m, u),
        }
    }

    pub fn fields(&self) -> &[FieldError] {
        match self {
            WebError::Core(CoreError::Invalid(f)) => f,
            _ => &[],
        }
    }

    fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
    }
}

fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Why a gate refused a move, in words.
pub fn gate_reason(m: &Msg, reason: &Reason) -> String {
    match reason {
        Reason::Protection(kind) => format!("{}{}", m.t("gate.protection_missing"), m.label(kind)),
        other => m.code("gate", &other.code()),
    }
}

/// Localized "field: problem" lines.
pub fn field_messages(m: &Msg, fields: &[FieldError]) -> Vec<String> {
    field_messages_in(m, "", fields)
}

/// Field names as a page calls them: `field.<section>.<field>` when the
/// catalog has it (a notice's `title` is 标题, a person's 职务), else `field.<field>`.
pub fn field_messages_in(m: &Msg, section: &str, fields: &[FieldError]) -> Vec<String> {
    fields
        .iter()
        .map(|f| {
            let key = format!("{section}.{}", f.field);
            let specific = m.code("field", &key);
            let name = if section.is_empty() || specific == key { m.code("field", &f.field) } else { specific };
            format!("{name}：{}", m.code("invalid", &f.code))
        })
        .collect()
}

/// JSON API error: `{"error": {"code", "message", "fields"?}}`.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let m = i18n::msg("en");
        let mut body = json!({ "code": e.code(), "message": e.message(&m) });
        if let WebError::Core(CoreError::GateFailed(reasons)) = &e {
            body["reasons"] = json!(reasons);
        }
        if !e.fields().is_empty() {
            body["fields"] = json!(
                e.fields()
                    .iter()
                    .map(|f| json!({ "field": f.field, "code": f.code, "message": m.code("invalid", &f.code) }))
                    .collect::<Vec<_>>()
            );
        }
        (e.status(), Json(json!({ "error": body }))).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
