//! Request extractors: who is asking (bearer token or session), and input
//! parsed strictly (bad JSON, bad UTF-8, oversize bodies become 4xx).

use crate::AppState;
use crate::platform::error::{ApiError, WebError};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use wangan_core::Principal;
use wangan_core::accounts::service as accounts;

pub const SESSION_COOKIE: &str = "wangan_session";
pub const LANG_COOKIE: &str = "wangan_lang";
/// A sign-in waiting for its second factor (five minutes, the code page only).
pub const PENDING_COOKIE: &str = "wangan_pending";

/// A caller of the JSON API, from `Authorization: Bearer TOKEN`.
#[derive(Debug, Clone)]
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(WebError::Unauthorized)?;
        match accounts::token_principal(&state.store, token).await {
            Ok(p) => {
                crate::platform::access_log::name_user(parts, &p.username);
                Ok(ApiUser(p))
            }
            Err(wangan_core::CoreError::NotFound) => Err(WebError::Unauthorized.into()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The client's address: the peer's, or the one a trusted reverse proxy
/// names last in `X-Forwarded-For`. `None` when the server was not started
/// with connection info (a router called directly in a test).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr::of(&parts.extensions, &parts.headers, state))
    }
}

impl ClientAddr {
    pub fn of(extensions: &axum::http::Extensions, headers: &axum::http::HeaderMap, state: &AppState) -> ClientAddr {
        let peer = extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
        let forwarded = || {
            let header = headers.get("x-forwarded-for")?.to_str().ok()?;
            header.rsplit(',').map(str::trim).find_map(|a| a.parse::<std::net::IpAddr>().ok())
        };
        ClientAddr(match peer {
            Some(p) if state.config.trusted_proxies.contains(&p) => forwarded().or(Some(p)),
            other => other,
        })
    }
}

/// JSON body with our error shape on rejection.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut value = match axum::Json::<serde_json::Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(json_rejection(rejection).into()),
        };
        whole_numbers(&mut value);
        Ok(ApiJson(from_json(value)?))
    }
}

/// A JSON body's value as `T`: text checked (see `hostile_text`), and any
/// failure named by field with a stable word.
pub fn from_json<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, WebError> {
    if let Some((field, problem)) = hostile_text(&value, "", false) {
        return Err(WebError::Core(wangan_core::CoreError::invalid(&field, problem.code())));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let (field, code) = body_error(&e);
        WebError::Core(wangan_core::CoreError::invalid(&field, code))
    })
}

/// The field a JSON body's deserialization failed at, and why as a stable
/// word: serde's message is for people who read Rust, not for API clients.
fn body_error(e: &serde_path_to_error::Error<serde_json::Error>) -> (String, &'static str) {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    let text = e.inner().to_string();
    // An unknown field's path already ends with its name; a missing one's is its object's.
    let named = |prefix: &str| {
        let name = text.strip_prefix(prefix)?.split('`').next()?;
        Some(match path.as_str() {
            "" => name.to_owned(),
            p if p.ends_with(name) => p.to_owned(),
            p => format!("{p}.{name}"),
        })
    };
    if let Some(field) = named("unknown field `") {
        (field, "unknown_field")
    } else if let Some(field) = named("missing field `") {
        (field, "required")
    } else {
        let field = if path.is_empty() { "body".to_owned() } else { path };
        let code = if text.starts_with("invalid type") {
            "invalid_type"
        } else if text.starts_with("unknown variant") {
            "unknown_choice"
        } else {
            "invalid_value"
        };
        (field, code)
    }
}

/// The first string in a JSON body that holds what text may not (see
/// `wangan_core::platform::text`), with its field's path. A string is
/// multi-line when its nearest key names a multi-line field.
fn hostile_text(
    v: &serde_json::Value,
    path: &str,
    multiline: bool,
) -> Option<(String, wangan_core::platform::text::TextProblem)> {
    use wangan_core::platform::text;
    match v {
        serde_json::Value::String(s) => {
            text::problem(s, multiline).map(|p| (if path.is_empty() { "body".to_owned() } else { path.to_owned() }, p))
        }
        serde_json::Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, item)| hostile_text(item, &format!("{path}[{i}]"), multiline))
        }
        serde_json::Value::Object(fields) => fields.iter().find_map(|(k, item)| {
            let at = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
            if let Some(p) = text::problem(k, false) {
                return Some((at, p));
            }
            hostile_text(item, &at, text::is_multiline(k))
        }),
        _ => None,
    }
}

/// The first form field whose value holds what text may not.
pub fn hostile_form_field<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Option<(String, wangan_core::platform::text::TextProblem)> {
    use wangan_core::platform::text;
    pairs.into_iter().find_map(|(k, v)| {
        let multiline = text::is_multiline(k) && k != "password";
        text::problem(v, multiline).or_else(|| text::problem(k, false)).map(|p| (k.to_owned(), p))
    })
}

/// JSON has one number type: `3.0` is the integer 3 (as JSON Schema's
/// `integer` says), so whole numbers written with a fraction are read as
/// integers before the body meets its Rust type.
fn whole_numbers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f >= i64::MIN as f64
                && f < i64::MAX as f64
            {
                *v = serde_json::Value::from(f as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

fn json_rejection(r: JsonRejection) -> WebError {
    match r {
        JsonRejection::MissingJsonContentType(_) => WebError::UnsupportedMediaType,
        JsonRejection::BytesRejection(b) => bytes_rejection(b),
        JsonRejection::JsonDataError(e) => {
            WebError::Core(wangan_core::CoreError::invalid("body", &shorten(&e.body_text())))
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => WebError::TooLarge,
        other => WebError::BadRequest(shorten(&other.body_text())),
    }
}

fn bytes_rejection(b: BytesRejection) -> WebError {
    if b.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge
    } else {
        WebError::BadRequest(shorten(&b.body_text()))
    }
}

fn shorten(s: &str) -> String {
    s.chars().take(200).collect()
}

/// Query string with our error shape on rejection.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(r) => Err(query_rejection(r).into()),
        }
    }
}

/// A query string that could not be read: an unknown parameter is named
/// (422, `unknown_field`); anything else is a bad request.
pub(crate) fn query_rejection(r: QueryRejection) -> WebError {
    let text = r.body_text();
    let unknown = text.split("unknown field `").nth(1).and_then(|rest| rest.split('`').next());
    match unknown {
        Some(name) => WebError::Core(wangan_core::CoreError::invalid(name, "unknown_field")),
        None => WebError::BadRequest(shorten(&text)),
    }
}

/// Parse an `application/x-www-form-urlencoded` body, refusing invalid UTF-8
/// (which a lenient decoder would silently turn into U+FFFD).
pub fn parse_form<T: DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    for pair in body.split(|&b| b == b'&') {
        let plus_fixed: Vec<u8> = pair.iter().map(|&b| if b == b'+' { b' ' } else { b }).collect();
        let decoded: Vec<u8> = percent_encoding::percent_decode(&plus_fixed).collect();
        if std::str::from_utf8(&decoded).is_err() {
            return Err(WebError::BadRequest("form is not valid UTF-8".into()));
        }
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| WebError::BadRequest(shorten(&e.to_string())))?;
    if let Some((field, problem)) = hostile_form_field(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))) {
        return Err(WebError::Core(wangan_core::CoreError::invalid(&field, problem.code())));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| WebError::BadRequest(shorten(&e.to_string())))
}

/// The value of a cookie in the request, if present.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    axum_extra::extract::CookieJar::from_headers(headers).get(name).map(|c| c.value().to_owned())
}

/// A signed-in browser user.
#[derive(Debug, Clone)]
pub struct PageUser {
    pub principal: Principal,
    pub csrf: String,
}

/// Why a page request has no usable session.
#[derive(Debug)]
pub enum SessionRejection {
    /// Not signed in: go to the sign-in page.
    SignIn,
    /// Must change the password first.
    ChangePassword,
    /// Must set up two-factor sign-in first (`[signin] require_totp_for_admin`).
    EnrolSecondFactor,
    Error(WebError, &'static str),
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let secret = cookie(&parts.headers, SESSION_COOKIE).ok_or(SessionRejection::SignIn)?;
        let (principal, csrf) = match accounts::session_principal(&state.store, &secret).await {
            Ok(v) => v,
            Err(wangan_core::CoreError::NotFound) => return Err(SessionRejection::SignIn),
            Err(e) => return Err(SessionRejection::Error(e.into(), "zh-CN")),
        };
        crate::platform::access_log::name_user(parts, &principal.username);
        let path = parts.uri.path();
        if principal.must_change_password && path != "/password" && path != "/logout" {
            return Err(SessionRejection::ChangePassword);
        }
        if state.config.require_totp_for_admin
            && principal.has_role(wangan_core::Role::Admin)
            && !principal.second_factor
            && !path.starts_with("/account/totp")
            && path != "/logout"
            && path != "/password"
        {
            return Err(SessionRejection::EnrolSecondFactor);
        }
        Ok(PageUser { principal, csrf })
    }
}

/// A state-changing form from a signed-in user; its `csrf` field must match the session's.
pub struct CsrfForm<T> {
    pub user: PageUser,
    pub form: T,
}

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = crate::platform::page::PageRejection;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = PageUser::from_request_parts(&mut parts, state).await?;
        let locale = crate::platform::page::locale_of(&user.principal);
        let fail = |e: WebError| crate::platform::page::PageRejection::Error(e, locale);
        let bytes =
            Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(|b| fail(bytes_rejection(b)))?;
        let token: CsrfField = parse_form(&bytes).map_err(fail)?;
        if !wangan_core::platform::secret::same(&token.csrf, &user.csrf) {
            return Err(fail(WebError::Csrf));
        }
        let form = parse_form(&bytes).map_err(fail)?;
        Ok(CsrfForm { user, form })
    }
}

/// A form without a session (sign-in), still strictly parsed.
pub struct PlainForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PlainForm<T> {
    type Rejection = crate::platform::page::PageRejection;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let fail = |e: WebError| crate::platform::page::PageRejection::Error(e, crate::platform::i18n::DEFAULT_LOCALE);
        let bytes = Bytes::from_request(req, state).await.map_err(|b| fail(bytes_rejection(b)))?;
        Ok(PlainForm(parse_form(&bytes).map_err(fail)?))
    }
}

/// A record's id in a path, as the API document describes it (the handler
/// reads it with `Path<String>` and `parse_id`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The record's id.
    #[allow(dead_code)]
    id: String,
}

/// A unit's code in a path, as the API document describes it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CodePath {
    /// The unit's code.
    #[allow(dead_code)]
    code: String,
}

/// Ids in paths: anything that is not a number names no record.
pub fn parse_id(raw: &str) -> Result<i64, wangan_core::CoreError> {
    raw.parse::<i64>().map_err(|_| wangan_core::CoreError::NotFound)
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_numbers_are_integers() {
        let mut v = serde_json::json!({"a": 3.0, "b": [1.5, -2.0, 7], "c": {"d": 1e300}});
        super::whole_numbers(&mut v);
        assert_eq!(v, serde_json::json!({"a": 3, "b": [1.5, -2, 7], "c": {"d": 1e300}}));
        assert!(v["a"].is_i64());
    }

    use super::*;

    #[derive(serde::Deserialize, Debug)]
    struct F {
        name: String,
    }

    #[test]
    fn forms_must_be_utf8() {
        let ok: F = parse_form(b"name=%E7%BD%91%E5%AE%89&x=1").unwrap();
        assert_eq!(ok.name, "网安");
        let plus: F = parse_form(b"name=a+b").unwrap();
        assert_eq!(plus.name, "a b");
        assert!(matches!(parse_form::<F>(b"name=%FF%FE"), Err(WebError::BadRequest(_))));
        assert!(matches!(parse_form::<F>(b"other=1"), Err(WebError::BadRequest(_))));
    }

    fn refusal<T: DeserializeOwned>(body: serde_json::Value) -> (String, &'static str) {
        if let Some((field, p)) = hostile_text(&body, "", false) {
            return (field, p.code());
        }
        match serde_path_to_error::deserialize::<_, T>(body) {
            Ok(_) => ("".into(), "accepted"),
            Err(e) => body_error(&e),
        }
    }

    #[test]
    fn body_errors_name_the_field_with_a_stable_word() {
        use wangan_core::directory::service::responsibilities::ResponsibilitiesInput;
        use wangan_core::registry::service::systems::{ProtectionInput, SystemInput};
        let r = refusal::<ResponsibilitiesInput>(serde_json::json!({"drect": 38}));
        assert_eq!(r, ("drect".into(), "unknown_field"));
        let r = refusal::<Vec<ProtectionInput>>(serde_json::json!([{"kind": "firewall", "bogus": 1}]));
        assert_eq!(r, ("[0].bogus".into(), "unknown_field"));
        let r = refusal::<SystemInput>(serde_json::json!({"kind": "website"}));
        assert_eq!(r.1, "required");
        assert!(!r.0.is_empty() && !r.0.contains(' '), "{r:?}");
        let r = refusal::<SystemInput>(serde_json::json!({"name": 5}));
        assert_eq!(r, ("name".into(), "invalid_type"));
        let r = refusal::<SystemInput>(serde_json::json!({"name": "门户", "kind": "website"}));
        assert_eq!(r, ("unit".into(), "required"));
        // Text that may not be kept, wherever it sits.
        let r = refusal::<SystemInput>(serde_json::json!({"name": "a\u{0}b"}));
        assert_eq!(r, ("name".into(), "control_character"));
        let r = refusal::<SystemInput>(serde_json::json!({"name": "门户\n网站"}));
        assert_eq!(r, ("name".into(), "control_character"));
        let r = refusal::<Vec<ProtectionInput>>(serde_json::json!([{"kind": "firewall", "note": "x\u{202e}y"}]));
        assert_eq!(r, ("[0].note".into(), "bidi_control"));
        assert_eq!(hostile_text(&serde_json::json!({"description": "第一段\r\n第二段"}), "", false), None);
    }

    #[test]
    fn forms_refuse_control_characters_naming_the_field() {
        let e = parse_form::<F>(b"name=a%0Bb").unwrap_err();
        assert!(
            matches!(&e, WebError::Core(wangan_core::CoreError::Invalid(f)) if f[0].field == "name" && f[0].code == "control_character"),
            "{e:?}"
        );
        assert!(parse_form::<F>(b"name=ok&description=%E7%AC%AC%0D%0A%E4%BA%8C").is_ok());
    }
}

/// `?page=&per_page=` of a list operation.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageQuery {
    #[param(schema_with = crate::platform::openapi::page_number)]
    pub page: Option<u64>,
    #[param(schema_with = crate::platform::openapi::page_number)]
    pub per_page: Option<u64>,
}

impl PageQuery {
    pub(crate) fn request(&self) -> wangan_core::PageRequest {
        wangan_core::PageRequest { page: self.page, per_page: self.per_page }
    }
}

/// A closed-set query word: empty means any; an unknown word is refused.
pub(crate) fn closed_word<T: wangan_core::platform::closed_set::ClosedSet>(
    field: &'static str,
    word: Option<&str>,
) -> Result<Option<T>, wangan_core::CoreError> {
    match word.map(str::trim).filter(|w| !w.is_empty()) {
        None => Ok(None),
        Some(w) => T::all()
            .iter()
            .find(|v| v.as_str() == w)
            .copied()
            .map(Some)
            .ok_or_else(|| wangan_core::CoreError::invalid(field, "unknown_choice")),
    }
}
