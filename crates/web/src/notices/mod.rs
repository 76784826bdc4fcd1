//! Notices and rectifications (their enforcement is in `crate::enforcement`).

pub mod api;
pub mod pages;

/// The batch summary of rectifications as a workbook.
pub(crate) async fn rectification_summary_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    filter: &wangan_core::notices::service::rectifications::RectificationFilter,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let mut rows = wangan_core::notices::service::rectifications::summary_rows(store, who, filter).await?;
    let headers = if rows.is_empty() { Vec::new() } else { rows.remove(0) };
    crate::platform::download::sheet_download("整改情况汇总", headers, rows, "rectifications.xlsx", "整改情况汇总.xlsx")
        .await
}

/// The rectification report (风险整改报告) as a Word download.
pub(crate) async fn report_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    id: i64,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let (name, bytes) = wangan_core::notices::service::rectifications::report_docx(store, who, id).await?;
    Ok(crate::platform::download::file_download(
        bytes,
        crate::platform::download::DOCX,
        &format!("rectification-report-{id}.docx"),
        &name,
    ))
}
