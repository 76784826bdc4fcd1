//! Form input the pages share: multi-line fields, multipart forms with files
//! (and their CSRF token).

use crate::platform::error::WebError;
use crate::platform::extract::PageUser;
use crate::platform::page::{PageRejection, fail};
use axum::http::StatusCode;

/// The non-empty lines of a text field, trimmed.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// The fields of a multipart form, with its file (if any) kept apart.
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub file: Option<wangan_core::platform::uploads::Upload>,
    /// Every file sent under the file field (several may be chosen).
    pub files: Vec<wangan_core::platform::uploads::Upload>,
    /// Files sent under other fields, with the field's name (e.g. one per checklist item).
    pub named_files: Vec<(String, wangan_core::platform::uploads::Upload)>,
}

impl MultipartForm {
    pub fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

/// Read a multipart form, check its CSRF token; `file_field` names the file input.
pub async fn read_multipart(
    user: &PageUser,
    mut multipart: axum::extract::Multipart,
    file_field: &str,
) -> Result<MultipartForm, PageRejection> {
    let mut form = MultipartForm { fields: Vec::new(), file: None, files: Vec::new(), named_files: Vec::new() };
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(fail(user, multipart_error(e))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == file_field {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| fail(user, multipart_error(e)))?.to_vec();
            if !bytes.is_empty() {
                let up = wangan_core::platform::uploads::Upload { file_name, bytes };
                if form.file.is_none() {
                    form.file = Some(up.clone());
                }
                form.files.push(up);
            }
        } else if let Some(file_name) = field.file_name().map(str::to_owned) {
            let bytes = field.bytes().await.map_err(|e| fail(user, multipart_error(e)))?.to_vec();
            if !bytes.is_empty() {
                form.named_files.push((name, wangan_core::platform::uploads::Upload { file_name, bytes }));
            }
        } else {
            let value = field.text().await.map_err(|e| fail(user, multipart_error(e)))?;
            form.fields.push((name, value));
        }
    }
    if !wangan_core::platform::secret::same(form.get("csrf"), &user.csrf) {
        return Err(fail(user, WebError::Csrf));
    }
    let fields = form.fields.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    if let Some((field, problem)) = crate::platform::extract::hostile_form_field(fields) {
        return Err(fail(user, wangan_core::CoreError::invalid(&field, problem.code())));
    }
    Ok(form)
}

pub fn multipart_error(e: axum::extract::multipart::MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE { WebError::TooLarge } else { WebError::BadRequest(e.body_text()) }
}

/// A `datetime-local` value (`2026-11-24T09:30`) in the platform's zone, as UTC.
pub(crate) fn form_time(
    state: &crate::AppState,
    field: &str,
    raw: &str,
    errors: &mut Vec<wangan_core::FieldError>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .ok()
        .and_then(|t| chrono::TimeZone::from_local_datetime(&state.config.time_zone, &t).earliest());
    match parsed {
        Some(t) => Some(t.with_timezone(&chrono::Utc)),
        None => {
            errors.push(wangan_core::FieldError::new(field, "time_format"));
            None
        }
    }
}

pub(crate) fn local_input(state: &crate::AppState, t: &chrono::DateTime<chrono::Utc>) -> String {
    t.with_timezone(&state.config.time_zone).format("%Y-%m-%dT%H:%M").to_string()
}
