//! The audit log page (审计日志): who changed what, and the chain's entries.

use crate::AppState;
use crate::platform::extract::PageUser;
use crate::platform::page::{Ctx, OrPage, PageResult, Pager, list_url, render};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use serde::Deserialize;
use wangan_core::PageRequest;
use wangan_core::platform::audit::{self, AuditFilter};

pub fn routes() -> Router<AppState> {
    Router::new().route("/audit", get(audit))
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub changes: Vec<FieldChange>,
}

impl AuditRow {
    /// An audit entry in the reader's words and time zone.
    pub fn of(ctx: &Ctx, e: &wangan_core::platform::audit::AuditView) -> AuditRow {
        AuditRow {
            seq: e.seq,
            at: ctx.time(&e.at),
            actor: e.actor.clone(),
            action: ctx.m.code("audit.action", &e.action),
            entity: ctx.m.code("audit.entity", &e.entity),
            entity_id: e.entity_id.clone(),
            changes: field_changes(e.before.as_ref(), e.after.as_ref()).into_iter().map(|c| in_words(ctx, c)).collect(),
        }
    }
}

/// Fields whose values are words of a closed set, and the catalog prefix of their labels.
const WORDED_FIELDS: [(&str, &str); 10] = [
    ("stage", "stage"),
    ("kind", "kind"),
    ("filing_status", "filing"),
    ("hosting", "hosting"),
    ("severity", "severity"),
    ("source", "source"),
    ("result", "evaluation.result"),
    ("category", "violation"),
    ("state", "ostate"),
    ("rung", "rung"),
];

/// A list as words: strings joined (`a、b`), protections by their names.
fn list_in_words(ctx: &Ctx, json: &str) -> Option<String> {
    let items: Vec<serde_json::Value> = serde_json::from_str(json).ok()?;
    let words: Option<Vec<String>> = items
        .iter()
        .map(|i| match i {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(o) => o.get("kind")?.as_str().map(|k| ctx.m.code("protection", k)),
            _ => None,
        })
        .collect();
    let sep = if ctx.m.locale == "en" { ", " } else { "、" };
    words.map(|w| w.join(sep))
}

/// A change as a reader of Chinese (or English) reads it: the field's name
/// from the catalog (`field.<name>`; the stored name when there is none),
/// closed-set words and yes/no as their labels.
fn in_words(ctx: &Ctx, c: FieldChange) -> FieldChange {
    let prefix = WORDED_FIELDS.iter().find(|(f, _)| *f == c.field).map(|(_, p)| *p);
    let value = |v: String| match (v.as_str(), prefix) {
        ("true", _) => ctx.t("common.yes").to_owned(),
        ("false", _) => ctx.t("common.no").to_owned(),
        (_, Some(p)) if !v.is_empty() => ctx.m.code(p, &v),
        _ if v.starts_with('[') => list_in_words(ctx, &v).unwrap_or(v),
        _ => v,
    };
    FieldChange { field: ctx.m.code("field", &c.field), before: value(c.before), after: value(c.after) }
}

/// One field of a change: `before` → `after` (either may be empty).
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

fn show(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Field-by-field difference of two JSON snapshots; unchanged fields of an
/// update are left out.
pub fn field_changes(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> Vec<FieldChange> {
    let empty = serde_json::Map::new();
    let b = before.and_then(|v| v.as_object()).unwrap_or(&empty);
    let a = after.and_then(|v| v.as_object()).unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.is_none() || after.is_none() || b.get(*k) != a.get(*k))
        .map(|k| FieldChange { field: k.clone(), before: show(b.get(k)), after: show(a.get(k)) })
        .filter(|c| !(c.before.is_empty() && c.after.is_empty()) && c.after != "[]")
        .collect()
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    ctx: Ctx,
    rows: Vec<AuditRow>,
    pager: Pager,
    f_entity: String,
    f_entity_id: String,
    f_actor: String,
    f_action: String,
    entities: Vec<(&'static str, String)>,
    actions: Vec<(&'static str, String)>,
}

const AUDIT_ENTITIES: [&str; 8] =
    ["unit", "person", "responsibilities", "leadership_member", "system", "user", "user_locale", "api_token"];
const AUDIT_ACTIONS: [&str; 14] = [
    "create",
    "update",
    "delete",
    "import",
    "transition",
    "override",
    "protections",
    "evaluation",
    "lockout",
    "password_change",
    "password_reset",
    "revoke",
    "grant_role",
    "revoke_role",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    page: Option<u64>,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
}

pub async fn audit(State(s): State<AppState>, user: PageUser, Query(q): Query<AuditQuery>) -> PageResult {
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
    let filter = AuditFilter {
        entity: some(&q.entity),
        entity_id: some(&q.entity_id),
        actor: some(&q.actor),
        action: some(&q.action),
        unit_id: None,
    };
    let page = audit::list(s.store.db(), &user.principal, &filter, PageRequest { page: q.page, per_page: Some(50) })
        .await
        .or_page(&user)?;
    let ctx = Ctx::new(&s, Some(&user), "audit");
    let base = list_url(
        "/audit",
        &[("entity", &q.entity), ("entity_id", &q.entity_id), ("actor", &q.actor), ("action", &q.action)],
    );
    let pager = Pager::new(&ctx.m, &page, &base);
    let rows = page.items.iter().map(|e| AuditRow::of(&ctx, e)).collect();
    let entities = AUDIT_ENTITIES.iter().map(|e| (*e, ctx.m.code("audit.entity", e))).collect();
    let actions = AUDIT_ACTIONS.iter().map(|a| (*a, ctx.m.code("audit.action", a))).collect();
    render(AuditPage {
        ctx,
        rows,
        pager,
        f_entity: q.entity,
        f_entity_id: q.entity_id,
        f_actor: q.actor,
        f_action: q.action,
        entities,
        actions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn updates_show_only_changed_fields() {
        let before = json!({"name": "地理学院", "kind": "college", "parent": null});
        let after = json!({"name": "地理科学学院", "kind": "college", "parent": "sci"});
        let c = field_changes(Some(&before), Some(&after));
        let got: Vec<(&str, &str, &str)> =
            c.iter().map(|c| (c.field.as_str(), c.before.as_str(), c.after.as_str())).collect();
        assert_eq!(got, [("name", "地理学院", "地理科学学院"), ("parent", "", "sci")]);
        let created = field_changes(None, Some(&after));
        assert_eq!(created.len(), 3, "a creation shows every field");
        let sparse = field_changes(None, Some(&json!({"name": "x", "notes": "", "parent": null, "tags": []})));
        assert_eq!(sparse.len(), 1, "but not the empty ones");
    }
}
