//! What every feature's handlers share: errors and their answers, the
//! extractors (who is asking, strict input), the message catalog, metrics,
//! the page kit (context, rendering, pagers), downloads and the OpenAPI
//! document.

pub mod access_log;
pub mod download;
pub mod error;
pub mod extract;
pub mod form;
pub mod i18n;
pub mod metrics;
pub mod openapi;
pub mod page;
pub mod sheet_upload;
