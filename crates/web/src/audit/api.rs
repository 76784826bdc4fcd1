//! JSON API: The audit log. Each handler declares its operation
//! (`#[utoipa::path]`); `routes()` builds the router and the API document from them.

use crate::AppState;
use crate::platform::error::ApiResult;
use crate::platform::extract::{ApiQuery, ApiUser};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wangan_core::directory::service::units;
use wangan_core::platform::audit::{self, AuditFilter, AuditView};
use wangan_core::{Page, PageRequest};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_audit))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    per_page: Option<u64>,
    entity: Option<String>,
    entity_id: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    unit: Option<String>,
}

#[utoipa::path(
    get,
    path = "/audit",
    tag = "audit",
    summary = "Audit entries, newest first (admin, auditor)",
    params(AuditQuery),
    responses((status = 200, description = "OK", body = Page<AuditView>))
)]
async fn list_audit(
    State(s): State<AppState>,
    ApiUser(p): ApiUser,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditView>>> {
    let unit_id = match q.unit.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => Some(units::get(&s.store, &p, code).await?.id),
        None => None,
    };
    let filter = AuditFilter { entity: q.entity, entity_id: q.entity_id, actor: q.actor, action: q.action, unit_id };
    let page = PageRequest { page: q.page, per_page: q.per_page };
    Ok(Json(audit::list(s.store.db(), &p, &filter, page).await?))
}
