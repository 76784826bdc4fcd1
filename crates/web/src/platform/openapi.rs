//! The OpenAPI 3.1 document of `/api/v1`. utoipa builds it from the same
//! declarations the router is built from: each handler's `#[utoipa::path]`
//! and `utoipa_axum::routes!` in its feature's `api.rs`; schemas come from
//! the Rust types (`ToSchema`, closed sets as their words). What is added
//! here is what every operation shares: the error answers, the bearer
//! scheme, the `/api/v1` prefix.

use serde_json::{Value, json};
use std::sync::OnceLock;

pub const JSON: &str = "application/json";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Where the API is mounted.
pub const PREFIX: &str = "/api/v1";

/// A file's bytes (a spreadsheet sent or received, a Word document).
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::schema::SchemaFormat::KnownFormat(
                utoipa::openapi::schema::KnownFormat::Binary,
            )))
            .into()
    }
}

impl utoipa::ToSchema for Binary {}

/// A page number or size as the server reads it (any unsigned 64-bit
/// number; sizes are clamped to the largest page).
pub fn page_number() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .minimum(Some(utoipa::Number::UInt(0)))
        .maximum(Some(utoipa::Number::UInt(u64::MAX as usize)))
        .build()
}

/// One API operation, read from the document (for the authorization matrix).
#[derive(Debug, Clone)]
pub struct ApiRoute {
    pub method: &'static str,
    /// Path below `/api/v1`, with `{param}` placeholders.
    pub path: String,
    /// The status of success.
    pub status: u16,
}

/// Every operation the API serves.
pub fn routes() -> Vec<ApiRoute> {
    let mut out = Vec::new();
    let doc = document();
    let Some(paths) = doc["paths"].as_object() else { return out };
    for (path, item) in paths {
        let Some(ops) = item.as_object() else { continue };
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = ops.get(method) else { continue };
            let status = op["responses"]
                .as_object()
                .into_iter()
                .flat_map(|r| r.keys())
                .filter_map(|k| k.parse::<u16>().ok())
                .filter(|s| (200..300).contains(s))
                .min()
                .unwrap_or(200);
            out.push(ApiRoute { method, path: path.trim_start_matches(PREFIX).to_owned(), status });
        }
    }
    out
}

/// The document as served, JSON text, made at its first request from the
/// same declarations the router is made from. Kept as text, not as a JSON
/// tree: the tree of ~400 KB of JSON held ~3 MB for the life of the server,
/// and each request cloned and serialized it again (+7 MB resident after
/// one request, measured). Not made at start: finishing it took ~8 MB for a
/// moment, which the allocator hands back to the system only a second later
/// — at a start, when the first sign-in's password hash needs its 19 MiB.
static DOC: OnceLock<Vec<u8>> = OnceLock::new();

/// The document as served at `/api/v1/openapi.json`.
pub fn text() -> &'static [u8] {
    DOC.get_or_init(|| {
        let api = crate::api::routes().split_for_parts().1;
        serde_json::to_vec(&finish(api)).unwrap_or_else(|_| b"{}".to_vec())
    })
}

/// The document as a JSON value, read from [`text`] (for the tests and the
/// list of routes; the server itself serves the text).
pub fn document() -> Value {
    serde_json::from_slice(text()).unwrap_or_else(|_| json!({}))
}

/// What every operation shares, added to what the handlers declare: the
/// errors each can answer, by what it takes (a body, a query, a deletion).
fn finish(api: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(&api).unwrap_or_else(|_| json!({}));
    let err = |d: &str| json!({ "description": d, "content": { JSON: { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let mut paths = serde_json::Map::new();
    if let Some(declared) = doc["paths"].as_object() {
        for (path, item) in declared {
            let mut item = item.clone();
            if let Some(ops) = item.as_object_mut() {
                for (method, op) in ops.iter_mut() {
                    let has_body = op.get("requestBody").is_some();
                    let has_query = op["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
                    let Some(responses) = op["responses"].as_object_mut() else { continue };
                    let mut add = |status: &str, d: &str| {
                        responses.entry(status).or_insert_with(|| err(d));
                    };
                    add("400", "Malformed request");
                    add("401", "No or invalid bearer token");
                    add("403", "Not allowed");
                    add("404", "Not found or outside the caller's scope");
                    if has_body {
                        add("409", "Conflict with existing data");
                        add("413", "Body too large");
                        add("415", "The body is not of the documented media type");
                        add("422", "Invalid fields");
                    }
                    if method == "delete" {
                        add("409", "The record cannot be deleted in its state");
                    }
                    if has_query {
                        add("422", "A query parameter the server refuses (an unknown word, say)");
                    }
                }
            }
            paths.insert(format!("{PREFIX}{path}"), item);
        }
    }
    doc["paths"] = Value::Object(paths);
    text_patterns(&mut doc);
    doc["info"] = json!({ "title": "Wangan (网安) API", "version": env!("CARGO_PKG_VERSION"),
        "description": "Network and information security management. Authenticate with `Authorization: Bearer TOKEN` (`wangan token create USERNAME`)." });
    doc["servers"] = json!([{ "url": "/" }]);
    doc["security"] = json!([{ "bearer": [] }]);
    doc["components"]["securitySchemes"] = json!({ "bearer": { "type": "http", "scheme": "bearer" } });
    doc["components"]["schemas"]["Error"] = json!({ "type": "object", "required": ["error"], "properties": {
        "error": { "type": "object", "required": ["code", "message"], "properties": {
            "code": { "type": "string" }, "message": { "type": "string" },
            "reasons": { "type": "array", "items": { "type": "string" }, "description": "gate_failed only" },
            "fields": { "type": "array", "items": { "type": "object", "properties": {
                "field": { "type": "string" }, "code": { "type": "string" }, "message": { "type": "string" } } } } } } } });
    doc
}

/// What free text in an input may hold (see `wangan_core::platform::text`),
/// as ECMA-262 patterns: no control characters or direction overrides; tab
/// and line breaks only in multi-line fields.
const ONE_LINE: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";
const LINES: &str = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$";

/// Tell the document what the server refuses in text: every free-text string
/// of a request body (the schemas request bodies name, and theirs in turn)
/// gets the text pattern, beside any pattern it has (through `allOf`).
fn text_patterns(doc: &mut Value) {
    let mut inputs: Vec<String> = Vec::new();
    let refs = |v: &Value, out: &mut Vec<String>| {
        let text = v.to_string();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| *c != '"').collect();
            if !out.contains(&name) {
                out.push(name);
            }
        }
    };
    if let Some(paths) = doc["paths"].as_object() {
        for item in paths.values() {
            for op in item.as_object().into_iter().flat_map(|o| o.values()) {
                refs(&op["requestBody"], &mut inputs);
            }
        }
    }
    let mut i = 0;
    while i < inputs.len() {
        let schema = doc["components"]["schemas"][&inputs[i]].clone();
        refs(&schema, &mut inputs);
        i += 1;
    }
    for name in &inputs {
        // `get_mut`, not indexing: indexing a Value mutably inserts `null` where nothing was.
        let props = doc
            .get_mut("components")
            .and_then(|c| c.get_mut("schemas"))
            .and_then(|c| c.get_mut(name))
            .and_then(|c| c.get_mut("properties"))
            .and_then(Value::as_object_mut);
        let Some(props) = props else { continue };
        for (field, prop) in props.iter_mut() {
            let pattern = if wangan_core::platform::text::is_multiline(field) { LINES } else { ONE_LINE };
            match prop {
                p if is_free_text(p) => add_pattern(p, pattern),
                p if p["type"] == "array" && is_free_text(&p["items"]) => add_pattern(&mut p["items"], pattern),
                _ => {}
            }
        }
    }
}

fn is_free_text(p: &Value) -> bool {
    let string = p["type"] == "string" || p["type"].as_array().is_some_and(|t| t.iter().any(|x| x == "string"));
    string && p.get("enum").is_none() && p.get("format").is_none() && p.get("$ref").is_none()
}

fn add_pattern(p: &mut Value, pattern: &str) {
    if p.get("pattern").is_some() {
        let mut all = p["allOf"].as_array().cloned().unwrap_or_default();
        all.push(json!({ "pattern": pattern }));
        p["allOf"] = Value::Array(all);
    } else {
        p["pattern"] = json!(pattern);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_inputs_say_what_they_refuse() {
        let doc = super::document();
        let input = &doc["components"]["schemas"]["SystemInput"]["properties"];
        assert_eq!(input["notes"]["pattern"], super::LINES, "multi-line");
        assert_eq!(input["operator_vendor"]["pattern"], super::ONE_LINE);
        assert_eq!(input["name"]["allOf"][0]["pattern"], super::ONE_LINE, "beside its own pattern");
        assert_eq!(input["urls"]["items"]["pattern"], super::LINES, "a list field's items");
        assert!(input["kind"].get("pattern").is_none(), "closed sets keep their words");
        let view = doc["components"]["schemas"]["SystemView"].to_string();
        assert!(!view.contains("u0000"), "answers are not constrained");
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            assert!(schemas.contains_key(&name), "dangling $ref {name}");
        }
        assert_eq!(doc["paths"]["/api/v1/units/{code}"].as_object().unwrap().len(), 3);
    }

    #[test]
    fn every_operation_documents_its_errors() {
        let doc = document();
        for r in routes() {
            let op = &doc["paths"][format!("{PREFIX}{}", r.path)][r.method];
            for status in ["401", "403", "404"] {
                assert!(op["responses"][status].is_object(), "{} {} lacks {status}", r.method, r.path);
            }
        }
        assert!(routes().len() > 50);
    }
}
