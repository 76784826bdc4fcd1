//! The systems registry.

pub mod api;
pub mod golive;
pub mod inventory_text;
pub mod pages;

/// The filtered systems list as an `.xlsx` download.
pub(crate) async fn xlsx_download(
    store: &wangan_core::Store,
    who: &wangan_core::Principal,
    filter: &wangan_core::registry::service::systems::SystemFilter,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let rows = wangan_core::registry::service::inventory::export_rows(store, who, filter).await?;
    workbook_response(rows, "systems.xlsx").await
}

/// Rows under the inventory headers as a workbook download (built off the async threads).
pub(crate) async fn workbook_response(
    rows: Vec<Vec<String>>,
    ascii_name: &str,
) -> Result<axum::response::Response, crate::platform::error::WebError> {
    let headers: Vec<String> =
        wangan_core::registry::rules::inventory::HEADERS.iter().map(|h| (*h).to_owned()).collect();
    crate::platform::download::sheet_download("信息系统台账", headers, rows, ascii_name, "信息系统台账.xlsx").await
}
