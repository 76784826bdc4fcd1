//! The OpenAPI 3 document of `/api/v1`, built from one route table.

use serde_json::{Value, json};
use wangan_core::platform::closed_set::ClosedSet;
use wangan_core::registry::{EvaluationResult, FilingStatus, Hosting, ProtectionKind, Stage, SystemKind};

/// Every word of a closed set, for a schema's `enum`.
fn words<T: ClosedSet>() -> Vec<&'static str> {
    T::all().iter().map(|v| v.as_str()).collect()
}

/// One API operation.
#[derive(Debug, Clone, Copy)]
pub struct ApiRoute {
    pub method: &'static str,
    /// Path below `/api/v1`, with `{param}` placeholders.
    pub path: &'static str,
    pub summary: &'static str,
    pub tag: &'static str,
    pub request: Option<&'static str>,
    /// Schema of the success body (None for 204).
    pub response: Option<&'static str>,
    pub status: u16,
    /// Query parameters accepted.
    pub query: &'static [&'static str],
    /// Media type of the success body.
    pub media: &'static str,
}

const JSON: &str = "application/json";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const INTEGER: &[&str] = &["page", "per_page", "level", "notice", "system", "monitor"];
const BOOLEAN: &[&str] = &["internet_facing", "important", "overdue", "open", "dry_run", "with_findings"];
const DATE: &[&str] = &["from", "to"];

/// What a query parameter accepts, as the server reads it: closed sets as
/// their words, numbers as the server's integer type, dates as dates.
fn query_schema(path: &str, name: &str) -> Value {
    use wangan_core::monitoring::{Check, FindingSeverity, WallState};
    use wangan_core::notices::{NoticeSource, NoticeStatus, RectificationStatus, Severity};
    use wangan_core::notify::{ChannelOwner, DeliveryStatus};
    // An empty filter means "any", as on the pages' forms.
    let choice = |mut words: Vec<&'static str>| {
        words.push("");
        json!({ "type": "string", "enum": words })
    };
    match (path, name) {
        // Pages are unsigned 64-bit on the server; ids and levels signed.
        (_, "page" | "per_page") => json!({ "type": "integer", "minimum": 0, "maximum": u64::MAX }),
        (_, "level") => json!({ "type": "integer", "minimum": i32::MIN, "maximum": i32::MAX }),
        (_, n) if INTEGER.contains(&n) => json!({ "type": "integer", "minimum": i64::MIN, "maximum": i64::MAX }),
        (_, n) if BOOLEAN.contains(&n) => json!({ "type": "boolean" }),
        (_, n) if DATE.contains(&n) => json!({ "type": "string", "format": "date" }),
        ("/notices", "status") => choice(words::<NoticeStatus>()),
        ("/notices", "source") => choice(words::<NoticeSource>()),
        ("/notices" | "/rectifications" | "/rectifications/export.xlsx", "severity") => choice(words::<Severity>()),
        ("/rectifications" | "/rectifications/export.xlsx", "status") => choice(words::<RectificationStatus>()),
        ("/monitors", "status") => choice(words::<WallState>()),
        ("/deliveries", "status") => choice(words::<DeliveryStatus>()),
        ("/findings", "severity") => choice(words::<FindingSeverity>()),
        ("/findings", "check") => choice(words::<Check>()),
        ("/channels", "owner_kind") => choice(words::<ChannelOwner>()),
        _ => json!({ "type": "string" }),
    }
}

pub const ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/me",
        summary: "The caller's account and roles",
        tag: "accounts",
        request: None,
        response: Some("Me"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/units",
        summary: "List units in scope",
        tag: "units",
        request: None,
        response: Some("UnitPage"),
        status: 200,
        query: &["page", "per_page", "unit", "kind", "q"],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/units",
        summary: "Create a unit (admin)",
        tag: "units",
        request: Some("UnitInput"),
        response: Some("Unit"),
        status: 201,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/units/{code}",
        summary: "One unit",
        tag: "units",
        request: None,
        response: Some("Unit"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "patch",
        path: "/units/{code}",
        summary: "Change a unit (admin)",
        tag: "units",
        request: Some("UnitPatch"),
        response: Some("Unit"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "delete",
        path: "/units/{code}",
        summary: "Delete an unused unit (admin)",
        tag: "units",
        request: None,
        response: None,
        status: 204,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/units/{code}/responsibilities",
        summary: "A unit's responsible persons",
        tag: "units",
        request: None,
        response: Some("Responsibilities"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "put",
        path: "/units/{code}/responsibilities",
        summary: "Appoint a unit's responsible persons",
        tag: "units",
        request: Some("ResponsibilitiesInput"),
        response: Some("Responsibilities"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/people",
        summary: "List people in scope",
        tag: "people",
        request: None,
        response: Some("PersonPage"),
        status: 200,
        query: &["page", "per_page", "unit", "q"],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/people",
        summary: "Add a person",
        tag: "people",
        request: Some("PersonInput"),
        response: Some("Person"),
        status: 201,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/people/{id}",
        summary: "One person",
        tag: "people",
        request: None,
        response: Some("Person"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "patch",
        path: "/people/{id}",
        summary: "Change a person",
        tag: "people",
        request: Some("PersonPatch"),
        response: Some("Person"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/leadership",
        summary: "The leadership group",
        tag: "units",
        request: None,
        response: Some("LeadershipList"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/systems",
        summary: "List systems in scope",
        tag: "systems",
        request: None,
        response: Some("SystemPage"),
        status: 200,
        query: &[
            "page",
            "per_page",
            "unit",
            "stage",
            "level",
            "filing",
            "internet_facing",
            "important",
            "evaluation",
            "q",
            "sort",
        ],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/systems/export.xlsx",
        summary: "The filtered list as an Excel workbook with the inventory template's columns",
        tag: "systems",
        request: None,
        response: Some("Xlsx"),
        status: 200,
        query: &["unit", "stage", "level", "filing", "internet_facing", "important", "evaluation", "q", "sort"],
        media: XLSX,
    },
    ApiRoute {
        method: "post",
        path: "/systems",
        summary: "Register a system (stage planned)",
        tag: "systems",
        request: Some("SystemInput"),
        response: Some("SystemDetail"),
        status: 201,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/systems/{id}",
        summary: "One system, with protections, evaluations and what blocks each next step",
        tag: "systems",
        request: None,
        response: Some("SystemDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "patch",
        path: "/systems/{id}",
        summary: "Change a system; changing a filed system's URLs, addresses or owner unit sets its filing to needs_update",
        tag: "systems",
        request: Some("SystemPatch"),
        response: Some("SystemDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "delete",
        path: "/systems/{id}",
        summary: "Delete a system still in stage planned",
        tag: "systems",
        request: None,
        response: None,
        status: 204,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "put",
        path: "/systems/{id}/filing",
        summary: "Record the filing (备案)",
        tag: "systems",
        request: Some("FilingInput"),
        response: Some("SystemDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "put",
        path: "/systems/{id}/protections",
        summary: "Replace the protections (安全防护措施)",
        tag: "systems",
        request: Some("ProtectionList"),
        response: Some("SystemDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "put",
        path: "/systems/{id}/mlps",
        summary: "Record the MLPS (等级保护) grading and filing",
        tag: "systems",
        request: Some("MlpsInput"),
        response: Some("SystemDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/systems/{id}/mlps/evaluations",
        summary: "Add an MLPS evaluation (测评)",
        tag: "systems",
        request: Some("EvaluationInput"),
        response: Some("SystemDetail"),
        status: 201,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/systems/{id}/transition",
        summary: "Move to another stage through the gates; 409 gate_failed lists every reason",
        tag: "systems",
        request: Some("TransitionInput"),
        response: Some("SystemDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/notices",
        summary: "Notices in scope (unit roles: those about their units), newest first",
        tag: "notices",
        request: None,
        response: Some("NoticePage"),
        status: 200,
        query: &["page", "per_page", "source", "severity", "status", "unit", "overdue", "q"],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/notices",
        summary: "Record a notice; one rectification per system goes to its owner unit (officer, admin)",
        tag: "notices",
        request: Some("NoticeInput"),
        response: Some("NoticeDetail"),
        status: 201,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/notices/import",
        summary: "Import notices from the .xlsx / .csv file sent as the body; all rows or none (officer, admin)",
        tag: "notices",
        request: Some("Xlsx"),
        response: Some("ImportReport"),
        status: 200,
        query: &["dry_run"],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/notices/{id}",
        summary: "A notice with its rectifications",
        tag: "notices",
        request: None,
        response: Some("NoticeDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "patch",
        path: "/notices/{id}",
        summary: "Edit a notice; a new deadline moves its open rectifications; systems are added (officer, admin)",
        tag: "notices",
        request: Some("NoticePatch"),
        response: Some("NoticeDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/rectifications",
        summary: "Rectifications in scope, nearest deadline first",
        tag: "rectifications",
        request: None,
        response: Some("RectificationPage"),
        status: 200,
        query: &["page", "per_page", "unit", "status", "severity", "notice", "system", "overdue", "open", "from", "to"],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/rectifications/export.xlsx",
        summary: "The batch summary of the filtered rectifications as a workbook",
        tag: "rectifications",
        request: None,
        response: Some("Xlsx"),
        status: 200,
        query: &["unit", "status", "severity", "notice", "system", "overdue", "open", "from", "to"],
        media: XLSX,
    },
    ApiRoute {
        method: "get",
        path: "/rectifications/{id}",
        summary: "A rectification with its report",
        tag: "rectifications",
        request: None,
        response: Some("RectificationDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/rectifications/{id}/start",
        summary: "Start work (the unit's admin)",
        tag: "rectifications",
        request: None,
        response: Some("RectificationDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/rectifications/{id}/report",
        summary: "Save (submit=false) or submit the rectification report (the unit's admin)",
        tag: "rectifications",
        request: Some("ReportInput"),
        response: Some("RectificationDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/rectifications/{id}/approve",
        summary: "Approve the submitted report (the unit's leader); it goes to the center",
        tag: "rectifications",
        request: None,
        response: Some("RectificationDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/rectifications/{id}/review",
        summary: "Accept (closes, lifts a shutdown order) or reject with a comment (officer, admin)",
        tag: "rectifications",
        request: Some("ReviewInput"),
        response: Some("RectificationDetail"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/rectifications/{id}/report.docx",
        summary: "The rectification report (风险整改报告) as a Word document",
        tag: "rectifications",
        request: None,
        response: Some("Docx"),
        status: 200,
        query: &[],
        media: DOCX,
    },
    ApiRoute {
        method: "get",
        path: "/violations",
        summary: "Violations (责任追究) recorded against units in scope",
        tag: "rectifications",
        request: None,
        response: Some("ViolationPage"),
        status: 200,
        query: &["page", "per_page", "unit"],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/channels",
        summary: "The notification channels of a unit, a person or the center",
        tag: "notifications",
        request: None,
        response: Some("ChannelList"),
        status: 200,
        query: &["owner_kind", "owner"],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/channels",
        summary: "Add a channel (unit: its admin, officers; person: the person, people managers; center: admin)",
        tag: "notifications",
        request: Some("ChannelInput"),
        response: Some("Channel"),
        status: 201,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "patch",
        path: "/channels/{id}",
        summary: "Change a channel; the secret is write-only",
        tag: "notifications",
        request: Some("ChannelPatch"),
        response: Some("Channel"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "delete",
        path: "/channels/{id}",
        summary: "Remove a channel",
        tag: "notifications",
        request: None,
        response: None,
        status: 204,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/deliveries",
        summary: "Every queued, sent and failed message with its attempts (admin)",
        tag: "notifications",
        request: None,
        response: Some("DeliveryPage"),
        status: 200,
        query: &["page", "per_page", "status", "unit"],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/deliveries/{id}/retry",
        summary: "Queue a failed message again (admin)",
        tag: "notifications",
        request: None,
        response: None,
        status: 204,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/monitors",
        summary: "Monitors in scope, trouble first (down, degraded, pending)",
        tag: "monitoring",
        request: None,
        response: Some("MonitorPage"),
        status: 200,
        query: &["page", "per_page", "unit", "system", "status", "q", "with_findings"],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/monitors",
        summary: "Add a monitor for a URL of a system (officer, admin)",
        tag: "monitoring",
        request: Some("MonitorInput"),
        response: Some("Monitor"),
        status: 201,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/monitors/{id}",
        summary: "One monitor",
        tag: "monitoring",
        request: None,
        response: Some("Monitor"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "patch",
        path: "/monitors/{id}",
        summary: "Pause or tune a monitor: interval, timeout, checks, exclusions, threshold (officer, admin)",
        tag: "monitoring",
        request: Some("MonitorPatch"),
        response: Some("Monitor"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "delete",
        path: "/monitors/{id}",
        summary: "Remove a monitor added by hand (registry monitors are paused instead: 409)",
        tag: "monitoring",
        request: None,
        response: None,
        status: 204,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "post",
        path: "/monitors/{id}/baseline",
        summary: "Fetch the page now and accept it as the baseline (officer, admin, the unit's admin)",
        tag: "monitoring",
        request: Some("BaselineInput"),
        response: Some("Baseline"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/monitors/{id}/baselines",
        summary: "The accepted baselines, newest first",
        tag: "monitoring",
        request: None,
        response: Some("BaselineList"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/monitors/{id}/history",
        summary: "Checks of the last 24 hours, hours of 30 days, uptime",
        tag: "monitoring",
        request: None,
        response: Some("History"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/findings",
        summary: "Findings of the monitors in scope",
        tag: "monitoring",
        request: None,
        response: Some("FindingPage"),
        status: 200,
        query: &["page", "per_page", "system", "monitor", "check", "open", "unit", "severity"],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/findings/{id}",
        summary: "One finding with its evidence",
        tag: "monitoring",
        request: None,
        response: Some("Finding"),
        status: 200,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/audit",
        summary: "Audit entries, newest first (admin, auditor)",
        tag: "audit",
        request: None,
        response: Some("AuditPage"),
        status: 200,
        query: &["page", "per_page", "entity", "entity_id", "actor", "action", "unit"],
        media: JSON,
    },
    ApiRoute {
        method: "delete",
        path: "/tokens/{id}",
        summary: "Revoke an API token (its owner or an admin)",
        tag: "accounts",
        request: None,
        response: None,
        status: 204,
        query: &[],
        media: JSON,
    },
    ApiRoute {
        method: "get",
        path: "/openapi.json",
        summary: "This document",
        tag: "meta",
        request: None,
        response: None,
        status: 200,
        query: &[],
        media: JSON,
    },
];

fn schemas() -> Value {
    let s = |t: &str| json!({ "type": t });
    let ns = || json!({ "type": ["string", "null"] });
    let page_of = |item: &str| {
        json!({ "type": "object", "required": ["items", "total", "page", "per_page"], "properties": {
            "items": { "type": "array", "items": { "$ref": format!("#/components/schemas/{item}") } },
            "total": s("integer"), "page": s("integer"), "per_page": s("integer") } })
    };
    let kinds = json!({ "type": "string", "enum": words::<wangan_core::directory::service::units::UnitKind>() });
    let date_n = json!({ "type": ["string", "null"], "format": "date" });
    let dt = json!({ "type": "string", "format": "date-time" });
    let dt_n = json!({ "type": ["string", "null"], "format": "date-time" });
    let severity = json!({ "type": "string", "enum": words::<wangan_core::notices::Severity>() });
    let checks = json!({ "type": "string", "enum": words::<wangan_core::monitoring::Check>() });
    let channel_kind = json!({ "type": "string", "enum": words::<wangan_core::notify::ChannelKind>() });
    let person_ref = json!({ "oneOf": [{ "type": "null" }, { "type": "object", "properties": {
        "id": s("integer"), "name": s("string"), "title": s("string"), "phone": s("string") } }] });
    json!({
        "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object",
            "required": ["code", "message"], "properties": { "code": s("string"), "message": s("string"),
            "reasons": { "type": "array", "items": s("string"), "description": "gate_failed only" },
            "fields": { "type": "array", "items": { "type": "object", "properties": {
                "field": s("string"), "code": s("string"), "message": s("string") } } } } } } },
        "Me": { "type": "object", "properties": { "id": s("integer"), "username": s("string"),
            "person_id": { "type": ["integer", "null"] }, "locale": s("string"),
            "roles": { "type": "array", "items": { "type": "object", "properties": {
                "role": { "type": "string", "enum": ["admin", "officer", "reviewer", "leader", "unit_admin", "auditor"] },
                "unit": ns() } } } } },
        "Unit": { "type": "object", "required": ["code", "name", "name_en", "kind"], "properties": {
            "id": s("integer"), "code": s("string"), "name": s("string"), "name_en": s("string"), "kind": kinds, "parent": ns() } },
        "UnitInput": { "type": "object", "required": ["code", "name", "kind"], "properties": {
            "code": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$" }, "name": s("string"), "name_en": s("string"),
            "kind": kinds, "parent": ns() } },
        "UnitPatch": { "type": "object", "properties": { "code": s("string"), "name": s("string"), "name_en": s("string"),
            "kind": kinds, "parent": ns() } },
        "UnitPage": page_of("Unit"),
        "Responsibilities": { "type": "object", "properties": { "unit": s("string"),
            "first": person_ref, "main": person_ref, "direct": person_ref } },
        "ResponsibilitiesInput": { "type": "object", "properties": {
            "first": { "type": ["integer", "null"] }, "main": { "type": ["integer", "null"] }, "direct": { "type": ["integer", "null"] } } },
        "Person": { "type": "object", "properties": { "id": s("integer"), "name": s("string"), "unit": s("string"),
            "unit_name": s("string"), "title": s("string"), "phone": s("string"), "email": s("string"), "account": ns() } },
        "PersonInput": { "type": "object", "required": ["name", "unit"], "properties": { "name": s("string"), "unit": s("string"),
            "title": s("string"), "phone": s("string"), "email": s("string") } },
        "PersonPatch": { "type": "object", "properties": { "name": s("string"), "unit": s("string"),
            "title": s("string"), "phone": s("string"), "email": s("string") } },
        "PersonPage": page_of("Person"),
        "LeadershipList": { "type": "array", "items": { "type": "object", "properties": {
            "id": s("integer"), "position": { "type": "string", "enum": ["leader", "deputy", "member", "office"] },
            "duty": s("string"), "person_id": s("integer"), "name": s("string"), "title": s("string"),
            "unit": s("string"), "unit_name": s("string") } } },
        "Audit": { "type": "object", "properties": { "seq": s("integer"), "at": { "type": "string", "format": "date-time" },
            "actor": s("string"), "action": s("string"), "entity": s("string"), "entity_id": s("string"),
            "unit_id": { "type": ["integer", "null"] }, "before": {}, "after": {}, "hash": s("string") } },
        "AuditPage": page_of("Audit"),
        "System": { "type": "object", "properties": {
            "id": s("integer"), "name": s("string"),
            "kind": { "type": "string", "enum": words::<SystemKind>() },
            "unit": s("string"), "unit_name": s("string"),
            "urls": { "type": "array", "items": s("string") }, "domains": { "type": "array", "items": s("string") },
            "ips": { "type": "array", "items": s("string") }, "internet_facing": s("boolean"), "important": s("boolean"),
            "operator_unit": ns(), "operator_vendor": s("string"), "operator_contact": s("string"), "users": s("string"),
            "hosting": { "type": "string", "enum": words::<Hosting>() },
            "tags": { "type": "array", "items": s("string") }, "notes": s("string"),
            "stage": { "type": "string", "enum": words::<Stage>() },
            "filing": { "$ref": "#/components/schemas/FilingInput" },
            "mlps": { "type": "object", "properties": { "level": { "type": ["integer", "null"] }, "graded_on": date_n.clone(),
                "filing_no": s("string"), "filed_on": date_n.clone(), "evaluation_due_on": date_n.clone(),
                "evaluation": { "type": "string", "enum": ["overdue", "due_soon", "fine"] } } },
            "override_note": s("string") } },
        "SystemPage": page_of("System"),
        "Xlsx": { "type": "string", "format": "binary" },
        "Docx": { "type": "string", "format": "binary" },
        "ImportReport": { "type": "object", "properties": { "created": s("integer"), "failed": s("integer"),
            "written": s("boolean"), "lines": { "type": "array", "items": { "type": "object", "properties": {
                "line": s("integer"), "name": s("string"), "action": s("string"),
                "problems": { "type": "array", "items": { "type": "object", "properties": {
                    "column": s("string"), "code": s("string"), "value": s("string") } } } } } } } },
        "Notice": { "type": "object", "properties": { "id": s("integer"),
            "source": { "type": "string", "enum": words::<wangan_core::notices::NoticeSource>() },
            "reference": s("string"), "received_at": dt.clone(), "title": s("string"), "vuln_type": s("string"),
            "severity": severity.clone(), "description": s("string"), "deadline": dt.clone(),
            "status": { "type": "string", "enum": words::<wangan_core::notices::NoticeStatus>() }, "overdue": s("boolean"),
            "systems": { "type": "array", "items": s("integer") } } },
        "NoticePage": page_of("Notice"),
        "NoticeDetail": { "allOf": [{ "$ref": "#/components/schemas/Notice" }, { "type": "object", "properties": {
            "rectifications": { "type": "array", "items": { "$ref": "#/components/schemas/Rectification" } },
            "attachments": { "type": "array", "items": { "type": "object", "properties": {
                "id": s("integer"), "file_name": s("string"), "size": s("integer") } } } } }] },
        "NoticeInput": { "type": "object", "required": ["source", "title", "severity", "systems"], "properties": {
            "source": s("string"), "reference": s("string"), "received_at": dt.clone(), "title": s("string"),
            "vuln_type": s("string"), "severity": severity.clone(), "description": s("string"),
            "deadline": { "type": "string", "format": "date-time", "description": "default: by severity from received_at" },
            "systems": { "type": "array", "items": s("integer") } } },
        "NoticePatch": { "type": "object", "properties": { "reference": s("string"), "title": s("string"),
            "vuln_type": s("string"), "severity": severity.clone(), "description": s("string"), "deadline": dt.clone(),
            "systems": { "type": "array", "items": s("integer"), "description": "systems to add" } } },
        "Rectification": { "type": "object", "properties": { "id": s("integer"), "notice_id": s("integer"),
            "notice_title": s("string"), "notice_reference": s("string"), "notice_source": s("string"),
            "system_id": s("integer"), "system_name": s("string"), "system_urls": { "type": "array", "items": s("string") },
            "unit": s("string"), "unit_name": s("string"), "severity": severity.clone(),
            "status": { "type": "string", "enum": words::<wangan_core::notices::RectificationStatus>() },
            "assigned_at": dt.clone(), "deadline": dt.clone(), "overdue": s("boolean"), "escalation": s("string"),
            "next_escalation_at": dt_n.clone(), "closed_at": dt_n.clone(),
            "report": { "type": "object", "properties": { "vulnerability": s("string"), "cause": s("string"),
                "measures": s("string"), "verification": s("string"), "remaining_risk": s("string"),
                "submitted_at": dt_n.clone(), "submitted_by": s("string"), "approved_at": dt_n.clone(), "approved_by": s("string"),
                "reviewed_at": dt_n.clone(), "reviewed_by": s("string"), "review_comment": s("string") } },
            "shutdown": { "oneOf": [{ "type": "null" }, { "type": "object", "properties": {
                "ordered_at": dt.clone(), "lifted_at": dt_n.clone(), "stage_before": s("string") } }] } } },
        "RectificationPage": page_of("Rectification"),
        "RectificationDetail": { "allOf": [{ "$ref": "#/components/schemas/Rectification" }, { "type": "object", "properties": {
            "attachments": { "type": "array", "items": { "type": "object" } },
            "responsible": { "type": "array", "items": { "type": "array", "items": s("string") } },
            "actions": { "type": "object", "description": "what the caller may do next",
                "required": ["work", "approve", "review"], "properties": {
                "work": { "type": "boolean", "description": "write, save or submit the report" },
                "approve": { "type": "boolean", "description": "approve the submitted report (the unit's leader)" },
                "review": { "type": "boolean", "description": "accept or reject the approved report (the center)" } } } } }] },
        "ReportInput": { "type": "object", "properties": { "vulnerability": s("string"), "cause": s("string"),
            "measures": s("string"), "verification": s("string"), "remaining_risk": s("string"),
            "submit": { "type": "boolean", "default": true } } },
        "ReviewInput": { "type": "object", "required": ["decision"], "properties": {
            "decision": { "type": "string", "enum": ["accept", "reject"] },
            "comment": { "type": "string", "description": "required to reject" } } },
        "Violation": { "type": "object", "properties": { "id": s("integer"), "unit": s("string"), "unit_name": s("string"),
            "category": { "type": "string", "enum": words::<wangan_core::notices::ViolationCategory>() }, "system_id": { "type": ["integer", "null"] }, "rectification_id": { "type": ["integer", "null"] },
            "description": s("string"), "raised_by": s("string"), "occurred_at": dt.clone() } },
        "ViolationPage": page_of("Violation"),
        "Monitor": { "type": "object", "required": ["id", "system", "url", "interval_s", "checks", "paused", "status"], "properties": {
            "id": s("integer"), "system": s("integer"), "system_name": s("string"), "unit": s("string"), "unit_name": s("string"),
            "important": s("boolean"), "url": s("string"), "interval_s": s("integer"), "timeout_s": s("integer"),
            "checks": { "type": "array", "items": checks.clone() }, "exclude": { "type": "array", "items": s("string") },
            "tamper_percent": s("integer"), "paused": s("boolean"), "managed": s("boolean"), "retired": s("boolean"),
            "status": { "type": "string", "enum": words::<wangan_core::monitoring::Health>() },
            "consecutive_failures": s("integer"), "down_since": dt_n.clone(), "last_checked_at": dt_n.clone(),
            "last_latency_ms": { "type": ["integer", "null"] }, "last_status_code": { "type": ["integer", "null"] },
            "last_error": s("string"), "header_score": { "type": ["integer", "null"] }, "next_check_at": dt.clone(),
            "actions": { "type": "object", "description": "what the caller may do next",
                "required": ["manage", "accept_baseline"], "properties": {
                "manage": { "type": "boolean", "description": "tune, pause or check it now" },
                "accept_baseline": { "type": "boolean", "description": "accept the page as it is now as the baseline" } } },
            "baseline_id": { "type": ["integer", "null"] }, "open_findings": s("integer"), "worst_severity": s("string") } },
        "MonitorPage": page_of("Monitor"),
        "MonitorInput": { "type": "object", "required": ["system", "url"], "properties": {
            "system": s("integer"), "url": s("string"), "interval_s": { "type": "integer", "minimum": 30 },
            "timeout_s": { "type": "integer", "minimum": 1, "maximum": 60 },
            "checks": { "type": "array", "items": checks.clone() }, "exclude": { "type": "array", "items": s("string") },
            "tamper_percent": { "type": "integer", "minimum": 1, "maximum": 100 }, "paused": s("boolean") } },
        "MonitorPatch": { "type": "object", "properties": {
            "interval_s": { "type": "integer", "minimum": 30 }, "timeout_s": { "type": "integer", "minimum": 1, "maximum": 60 },
            "checks": { "type": "array", "items": checks.clone() }, "exclude": { "type": "array", "items": s("string") },
            "tamper_percent": { "type": "integer", "minimum": 1, "maximum": 100 }, "paused": s("boolean") } },
        "BaselineInput": { "type": "object", "properties": { "note": s("string") } },
        "Baseline": { "type": "object", "properties": { "id": s("integer"), "monitor": s("integer"), "accepted_by": s("string"),
            "note": s("string"), "accepted_at": dt.clone(), "current": s("boolean"), "blocks": { "type": "array", "items": s("string") } } },
        "BaselineList": { "type": "array", "items": { "$ref": "#/components/schemas/Baseline" } },
        "History": { "type": "object", "properties": {
            "day": { "type": "array", "items": { "$ref": "#/components/schemas/HistoryPoint" } },
            "hours": { "type": "array", "items": { "$ref": "#/components/schemas/HistoryPoint" } },
            "uptime_24h": { "type": ["number", "null"] }, "uptime_7d": { "type": ["number", "null"] }, "uptime_30d": { "type": ["number", "null"] } } },
        "HistoryPoint": { "type": "object", "properties": { "at": dt.clone(), "checks": s("integer"), "failures": s("integer"),
            "latency_ms": { "type": ["integer", "null"] } } },
        "Finding": { "type": "object", "properties": { "id": s("integer"), "monitor": s("integer"), "system": s("integer"),
            "system_name": s("string"), "unit": s("string"), "url": s("string"), "check": checks.clone(), "subject": s("string"),
            "code": { "type": "string", "enum": words::<wangan_core::monitoring::FindingCode>() }, "severity": { "type": "string", "enum": words::<wangan_core::monitoring::FindingSeverity>() },
            "summary": s("string"), "evidence": {}, "open": s("boolean"), "first_seen_at": dt.clone(), "last_seen_at": dt.clone(),
            "resolved_at": dt_n.clone(), "notice": { "type": ["integer", "null"] } } },
        "FindingPage": page_of("Finding"),
        "Channel": { "type": "object", "properties": { "id": s("integer"),
            "owner_kind": { "type": "string", "enum": words::<wangan_core::notify::ChannelOwner>() }, "owner": ns(),
            "kind": channel_kind.clone(), "label": s("string"), "target": s("string"),
            "has_secret": s("boolean"), "enabled": s("boolean") } },
        "ChannelList": { "type": "array", "items": { "$ref": "#/components/schemas/Channel" } },
        "ChannelInput": { "type": "object", "required": ["owner_kind", "kind", "target"], "properties": {
            "owner_kind": { "type": "string", "enum": words::<wangan_core::notify::ChannelOwner>() },
            "owner": { "type": ["string", "null"], "description": "unit code or person id" },
            "kind": channel_kind.clone(), "label": s("string"), "target": s("string"),
            "secret": { "type": "string", "description": "DingTalk / Feishu signing secret, webhook HMAC key" },
            "enabled": s("boolean") } },
        "ChannelPatch": { "type": "object", "properties": { "label": s("string"), "target": s("string"),
            "secret": s("string"), "enabled": s("boolean") } },
        "Delivery": { "type": "object", "properties": { "id": s("integer"), "event": s("string"), "unit": ns(),
            "subject": s("string"), "kind": channel_kind.clone(), "target": s("string"),
            "status": { "type": "string", "enum": words::<wangan_core::notify::DeliveryStatus>() }, "attempts": s("integer"),
            "next_attempt_at": dt.clone(), "last_error": s("string"), "created_at": dt.clone(), "sent_at": dt_n.clone(),
            "history": { "type": "array", "items": { "type": "object", "properties": {
                "at": dt.clone(), "ok": s("boolean"), "detail": s("string"), "duration_ms": s("integer") } } } } },
        "DeliveryPage": page_of("Delivery"),
        "SystemDetail": { "allOf": [{ "$ref": "#/components/schemas/System" }, { "type": "object", "properties": {
            "protections": { "$ref": "#/components/schemas/ProtectionList" },
            "required_protections": { "type": "array", "items": s("string") },
            "evaluations": { "type": "array", "items": { "$ref": "#/components/schemas/EvaluationInput" } },
            "next_steps": { "type": "array", "items": { "type": "object", "properties": {
                "to": s("string"), "reasons": { "type": "array", "items": s("string") } } } },
            "actions": { "type": "object", "description": "what the caller may do next",
                "required": ["edit", "override_gates", "delete"], "properties": {
                "edit": { "type": "boolean", "description": "edit it and move it through its stages" },
                "override_gates": { "type": "boolean", "description": "go past failed gates with a written reason" },
                "delete": { "type": "boolean", "description": "delete it (still planned)" } } } } }] },
        "SystemInput": { "type": "object", "required": ["name", "kind", "unit"], "properties": {
            "name": s("string"), "kind": s("string"), "unit": s("string"),
            "urls": { "type": "array", "items": s("string") }, "ips": { "type": "array", "items": s("string") },
            "internet_facing": s("boolean"), "important": s("boolean"), "operator_unit": ns(), "operator_vendor": s("string"),
            "operator_contact": s("string"), "users": s("string"), "hosting": s("string"),
            "tags": { "type": "array", "items": s("string") }, "notes": s("string") } },
        "SystemPatch": { "type": "object", "description": "Any fields of SystemInput; absent fields stay as they are." },
        "FilingInput": { "type": "object", "required": ["status"], "properties": {
            "status": { "type": "string", "enum": words::<FilingStatus>() },
            "public_security_no": s("string"), "icp_no": s("string"), "filed_on": date_n.clone() } },
        "ProtectionList": { "type": "array", "items": { "type": "object", "required": ["kind"], "properties": {
            "kind": { "type": "string", "enum": words::<ProtectionKind>() },
            "product": s("string"), "since": date_n.clone(), "notes": s("string") } } },
        "MlpsInput": { "type": "object", "properties": { "level": { "type": ["integer", "null"], "minimum": 1, "maximum": 5 },
            "graded_on": date_n.clone(), "filing_no": s("string"), "filed_on": date_n.clone() } },
        "EvaluationInput": { "type": "object", "required": ["agency", "evaluated_on", "result"], "properties": {
            "agency": s("string"), "evaluated_on": { "type": "string", "format": "date" },
            "result": { "type": "string", "enum": words::<EvaluationResult>() }, "score": { "type": ["number", "null"] },
            "rectification_items": { "type": "array", "items": s("string") } } },
        "TransitionInput": { "type": "object", "required": ["to"], "properties": {
            "to": { "type": "string", "enum": Stage::ALL.iter().filter(|s| **s != Stage::Shutdown).map(|s| s.as_str()).collect::<Vec<_>>() },
            "override_reason": { "type": "string", "description": "Admins only: go past failed gates with this written reason." } } },
    })
}

pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for r in ROUTES {
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        for q in r.query {
            // The channels of an owner need the owner's kind.
            let required = (r.path, *q) == ("/channels", "owner_kind");
            params.push(json!({ "name": q, "in": "query", "required": required, "schema": query_schema(r.path, q) }));
        }
        let err = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
        let mut responses = json!({
            "400": err("Malformed request"), "401": err("No or invalid bearer token"), "403": err("Not allowed"),
            "404": err("Not found or outside the caller's scope"),
        });
        if r.request.is_some() {
            responses["409"] = err("Conflict with existing data");
            responses["413"] = err("Body too large");
            responses["415"] = err("The body is not of the documented media type");
            responses["422"] = err("Invalid fields");
        }
        if r.method == "delete" {
            responses["409"] = err("The record cannot be deleted in its state");
        }
        if !r.query.is_empty() {
            responses["422"] = err("A query parameter the server refuses (an unknown word, say)");
        }
        responses[r.status.to_string()] = match r.response {
            Some(schema) => json!({ "description": "OK", "content": { r.media: {
                "schema": { "$ref": format!("#/components/schemas/{schema}") } } } }),
            None => json!({ "description": "OK" }),
        };
        let mut op = json!({ "summary": r.summary, "tags": [r.tag], "parameters": params, "responses": responses,
            "operationId": format!("{}{}", r.method, r.path.replace(['/', '{', '}', '.'], "_")) });
        if let Some(schema) = r.request {
            // A spreadsheet is sent as itself; everything else as JSON.
            let media = if schema == "Xlsx" { XLSX } else { JSON };
            op["requestBody"] = json!({ "required": true, "content": { media: {
                "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
        }
        let entry = paths.entry(format!("/api/v1{}", r.path)).or_insert_with(|| json!({}));
        entry[r.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Wangan (网安) API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Network and information security management. Authenticate with `Authorization: Bearer TOKEN` (`wangan token create USERNAME`)." },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": { "schemas": schemas(), "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } } },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            assert!(schemas.contains_key(&name), "dangling $ref {name}");
        }
        assert_eq!(doc["paths"]["/api/v1/units/{code}"].as_object().unwrap().len(), 3);
    }
}
