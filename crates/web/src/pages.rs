//! The HTML pages: every feature's `pages::routes()`.

use crate::AppState;
use crate::platform::error::WebError;
use crate::platform::i18n;
use crate::platform::page::PageRejection;
use axum::Router;
use wangan_core::CoreError;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(crate::accounts::pages::routes())
        .merge(crate::dashboard::pages::routes())
        .merge(crate::directory::pages::routes())
        .merge(crate::registry::pages::routes())
        .merge(crate::registry::golive::pages::routes())
        .merge(crate::notices::pages::routes())
        .merge(crate::enforcement::pages::routes())
        .merge(crate::inspections::pages::routes())
        .merge(crate::scorecard::pages::routes())
        .merge(crate::warnings::pages::routes())
        .merge(crate::data_calls::pages::routes())
        .merge(crate::incidents::pages::routes())
        .merge(crate::duty::pages::routes())
        .merge(crate::key_periods::pages::routes())
        .merge(crate::registers::pages::routes())
        .merge(crate::notify::pages::routes())
        .merge(crate::monitoring::pages::routes())
        .merge(crate::sites::pages::routes())
        .merge(crate::audit::pages::routes())
        .merge(crate::operations::pages::routes())
        .fallback(not_found)
}

async fn not_found() -> PageRejection {
    PageRejection::Error(WebError::Core(CoreError::NotFound), i18n::DEFAULT_LOCALE)
}
