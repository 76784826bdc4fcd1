//! What officers and units do with monitors, where the monitor crate's
//! knowledge is needed: exclusion selectors are checked by the analyzer's
//! own parser, and accepting "the current page" fetches and fingerprints it.

use wangan_core::Principal;
use wangan_core::monitoring::service::{
    self as store_monitoring, BaselineView, MonitorInput, MonitorPatch, MonitorView,
};
use wangan_core::platform::error::{CoreError, FieldError, Result};
use wangan_core::{Store, platform::access::Permission};

use crate::analyze::{charset, html, tamper::Fingerprint};
use crate::check::Checker;

fn check_selectors(list: Option<&[String]>) -> Result<()> {
    if let Some(list) = list
        && list.iter().any(|s| !s.trim().is_empty() && !html::valid_selector(s.trim()))
    {
        return Err(CoreError::Invalid(vec![FieldError::new("exclude", "invalid_selector")]));
    }
    Ok(())
}

pub async fn create(store: &Store, who: &Principal, input: MonitorInput) -> Result<MonitorView> {
    who.require(Permission::ManageMonitors)?;
    check_selectors(input.exclude.as_deref())?;
    store_monitoring::create(store, who, input).await
}

pub async fn update(store: &Store, who: &Principal, id: i64, patch: MonitorPatch) -> Result<MonitorView> {
    // Scope first (404 outside it), then the selectors.
    store_monitoring::get(store, who, id).await?;
    who.require(Permission::ManageMonitors)?;
    check_selectors(patch.exclude.as_deref())?;
    store_monitoring::update(store, who, id, patch).await
}

/// Fetch the monitor's page now and accept it as the new baseline. Without
/// a checker (monitoring off on this node): 409 `monitoring_disabled`, after
/// the caller is authorized.
pub async fn accept_current(
    store: &Store,
    checker: Option<&Checker>,
    who: &Principal,
    id: i64,
    note: &str,
) -> Result<BaselineView> {
    let m = store_monitoring::get(store, who, id).await?;
    who.require(Permission::AcceptBaseline(m.unit_id))?;
    let checker = checker.ok_or(CoreError::Conflict("monitoring_disabled"))?;
    let url = url::Url::parse(&m.url).map_err(|_| CoreError::invalid("url", "invalid_url"))?;
    let fetched = checker
        .fetcher
        .get(&url, checker.config().max_body, None)
        .await
        .map_err(|_| CoreError::Conflict("page_unreachable"))?;
    if fetched.status >= 400 {
        return Err(CoreError::Conflict("page_unreachable"));
    }
    let (text, _) = charset::decode(&fetched.body, fetched.header("content-type"));
    let page = html::parse(&text, &m.exclude);
    let fingerprint = serde_json::to_string(&Fingerprint::of(&page, &fetched.final_url))
        .map_err(|e| CoreError::Internal(e.to_string()))?;
    store_monitoring::accept_baseline(store, who, id, fingerprint, &page.blocks, note).await
}
