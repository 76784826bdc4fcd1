//! Files sent to the browser: sheets and documents, with their names.

pub(crate) const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A sheet as an `.xlsx` download, built off the async threads.
pub(crate) async fn sheet_download(
    sheet: &'static str,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    ascii_name: &str,
    name: &str,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let bytes = tokio::task::spawn_blocking(move || {
        let h: Vec<&str> = headers.iter().map(String::as_str).collect();
        wangan_office::write_xlsx(sheet, &h, &rows)
    })
    .await
    .map_err(|e| wangan_core::CoreError::Internal(e.to_string()))?
    .map_err(|e| wangan_core::CoreError::Internal(e.to_string()))?;
    Ok(file_download(bytes, crate::platform::openapi::XLSX, ascii_name, name))
}

/// A file download: the UTF-8 name for browsers that read RFC 5987, the ASCII one for the rest.
pub(crate) fn file_download(
    bytes: Vec<u8>,
    content_type: &str,
    ascii_name: &str,
    name: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    let disposition = format!("attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}");
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
