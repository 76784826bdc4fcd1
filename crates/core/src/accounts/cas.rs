//! The CAS protocol (2.0 and 3.0) as Wangan speaks it: the URLs it sends a
//! browser and its own requests to, and what the CAS server answers —
//! a service ticket validation (`serviceValidate`, `p3/serviceValidate`)
//! and, for single logout, the server's `LogoutRequest`.
//!
//! Pure: no `async`, no database, no network.

use std::collections::BTreeMap;

/// Which validation endpoint: 2.0 (`/serviceValidate`) or 3.0 (`/p3/serviceValidate`,
/// attributes guaranteed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V2,
    V3,
}

/// The longest ticket accepted (the protocol allows 256 characters and asks
/// clients to take at least 32).
pub const MAX_TICKET: usize = 256;

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where a browser signs in: `{server}/login?service=…`.
pub fn login_url(server: &str, service: &str) -> String {
    format!("{}/login?service={}", server.trim_end_matches('/'), encode(service))
}

/// Where Wangan validates a ticket, server to server.
pub fn validate_url(server: &str, version: Version, service: &str, ticket: &str) -> String {
    let path = match version {
        Version::V2 => "serviceValidate",
        Version::V3 => "p3/serviceValidate",
    };
    format!("{}/{path}?service={}&ticket={}", server.trim_end_matches('/'), encode(service), encode(ticket))
}

/// Where a browser goes after signing out of Wangan, to sign out of CAS too.
pub fn logout_url(server: &str, service: &str) -> String {
    format!("{}/logout?service={}", server.trim_end_matches('/'), encode(service))
}

/// A ticket as the protocol writes them: printable ASCII, no spaces, at most
/// [`MAX_TICKET`]. Anything else is not sent to the server at all.
pub fn plausible_ticket(t: &str) -> bool {
    !t.is_empty() && t.len() <= MAX_TICKET && t.bytes().all(|b| b.is_ascii_graphic())
}

/// What the CAS server said about a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// The user name and the attributes released to this service (the
    /// first value of each; names as the server writes them, without prefix).
    Success { user: String, attributes: BTreeMap<String, String> },
    /// `INVALID_TICKET`, `INVALID_SERVICE`, … and the server's words.
    Failure { code: String, message: String },
}

/// Why an answer could not be read as a CAS validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

fn text_of(n: roxmltree::Node) -> String {
    n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect::<String>().trim().to_owned()
}

/// Read a `serviceResponse`. Attributes are read from `<cas:attributes>`
/// (CAS 3.0, and 2.0 servers that release them), or else from the other
/// children of `<cas:authenticationSuccess>` (older servers' style).
pub fn parse_validation(xml: &str) -> Result<Validation, Unreadable> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| Unreadable(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "serviceResponse" {
        return Err(Unreadable(format!("<{}> is not a serviceResponse", root.tag_name().name())));
    }
    let Some(outcome) = root.children().find(|c| c.is_element()) else {
        return Err(Unreadable("an empty serviceResponse".into()));
    };
    match outcome.tag_name().name() {
        "authenticationSuccess" => {
            let user = outcome
                .children()
                .find(|c| c.tag_name().name() == "user")
                .map(text_of)
                .filter(|u| !u.is_empty())
                .ok_or_else(|| Unreadable("no user in authenticationSuccess".into()))?;
            let mut attributes = BTreeMap::new();
            let holder = outcome.children().find(|c| c.tag_name().name() == "attributes");
            let nodes: Vec<roxmltree::Node> = match holder {
                Some(h) => h.children().filter(|c| c.is_element()).collect(),
                None => outcome
                    .children()
                    .filter(|c| {
                        c.is_element() && !matches!(c.tag_name().name(), "user" | "proxyGrantingTicket" | "proxies")
                    })
                    .collect(),
            };
            for n in nodes {
                attributes.entry(n.tag_name().name().to_owned()).or_insert_with(|| text_of(n));
            }
            Ok(Validation::Success { user, attributes })
        }
        "authenticationFailure" => Ok(Validation::Failure {
            code: outcome.attribute("code").unwrap_or("").trim().to_owned(),
            message: text_of(outcome).chars().take(200).collect(),
        }),
        other => Err(Unreadable(format!("unexpected <{other}>"))),
    }
}

/// The identity a successful validation gives: the user name when
/// `attribute` is empty, else that attribute's value.
pub fn identity(v: &Validation, attribute: &str) -> Option<String> {
    match v {
        Validation::Success { user, attributes } => {
            let id = if attribute.trim().is_empty() { Some(user) } else { attributes.get(attribute.trim()) };
            id.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
        }
        Validation::Failure { .. } => None,
    }
}

/// The service ticket a single-logout `LogoutRequest` names (its `SessionIndex`).
pub fn logout_session_index(xml: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let root = doc.root_element();
    if root.tag_name().name() != "LogoutRequest" {
        return None;
    }
    root.descendants().find(|n| n.tag_name().name() == "SessionIndex").map(text_of).filter(|t| plausible_ticket(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUCCESS3: &str = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
  <cas:authenticationSuccess>
    <cas:user>wangli</cas:user>
    <cas:attributes>
      <cas:staff_no>20190012</cas:staff_no>
      <cas:memberOf>faculty</cas:memberOf>
      <cas:memberOf>staff</cas:memberOf>
    </cas:attributes>
  </cas:authenticationSuccess>
</cas:serviceResponse>"#;

    #[test]
    fn a_success_gives_the_user_and_attributes() {
        let v = parse_validation(SUCCESS3).unwrap();
        let Validation::Success { user, attributes } = &v else { panic!("{v:?}") };
        assert_eq!(user, "wangli");
        assert_eq!(attributes.get("staff_no").map(String::as_str), Some("20190012"));
        assert_eq!(attributes.get("memberOf").map(String::as_str), Some("faculty"), "first value kept");
        assert_eq!(identity(&v, "").as_deref(), Some("wangli"));
        assert_eq!(identity(&v, "staff_no").as_deref(), Some("20190012"));
        assert_eq!(identity(&v, "employeeNumber"), None, "an attribute not released names nobody");
    }

    #[test]
    fn old_servers_attributes_beside_the_user_are_read() {
        let xml = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>
            <cas:user>20190012</cas:user><cas:name>王力</cas:name><cas:proxyGrantingTicket>PGTIOU-1</cas:proxyGrantingTicket>
            </cas:authenticationSuccess></cas:serviceResponse>"#;
        let v = parse_validation(xml).unwrap();
        assert_eq!(identity(&v, "name").as_deref(), Some("王力"));
        assert_eq!(identity(&v, "proxyGrantingTicket"), None);
    }

    #[test]
    fn a_failure_keeps_its_code() {
        let xml = r#"<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
            <cas:authenticationFailure code="INVALID_TICKET">Ticket ST-1 not recognized</cas:authenticationFailure>
            </cas:serviceResponse>"#;
        let v = parse_validation(xml).unwrap();
        assert_eq!(
            v,
            Validation::Failure { code: "INVALID_TICKET".into(), message: "Ticket ST-1 not recognized".into() }
        );
        assert_eq!(identity(&v, ""), None);
    }

    #[test]
    fn what_is_no_service_response_is_unreadable() {
        assert!(parse_validation("<html><body>login</body></html>").is_err());
        assert!(parse_validation("yes\nwangli\n").is_err(), "CAS 1.0 answers are not accepted");
        assert!(
            parse_validation(
                r#"<cas:serviceResponse xmlns:cas="x"><cas:authenticationSuccess/></cas:serviceResponse>"#
            )
            .is_err()
        );
        // No entity expansion: a DTD is refused by the parser.
        let bomb = r#"<!DOCTYPE x [<!ENTITY a "aaaa">]><cas:serviceResponse xmlns:cas="x">&a;</cas:serviceResponse>"#;
        assert!(parse_validation(bomb).is_err());
    }

    #[test]
    fn urls_carry_the_service_encoded() {
        let s = "https://wangan.university.example/login/cas";
        assert_eq!(
            login_url("https://ids.example.edu.cn/authserver/", s),
            "https://ids.example.edu.cn/authserver/login?service=https%3A%2F%2Fwangan.university.example%2Flogin%2Fcas"
        );
        assert!(validate_url("https://ids.example/cas", Version::V3, s, "ST-1&x").ends_with("&ticket=ST-1%26x"));
        assert!(
            validate_url("https://ids.example/cas", Version::V2, s, "ST-1")
                .starts_with("https://ids.example/cas/serviceValidate?")
        );
        assert!(
            validate_url("https://ids.example/cas", Version::V3, s, "ST-1")
                .starts_with("https://ids.example/cas/p3/serviceValidate?")
        );
        assert!(
            logout_url("https://ids.example/cas", s).starts_with("https://ids.example/cas/logout?service=https%3A")
        );
    }

    #[test]
    fn tickets_and_logout_requests() {
        assert!(plausible_ticket("ST-1-abcDEF-cas01"));
        assert!(!plausible_ticket(""));
        assert!(!plausible_ticket("ST 1"));
        assert!(!plausible_ticket(&"S".repeat(MAX_TICKET + 1)));
        let req = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" IssueInstant="2026-12-07T10:00:00Z">
            <saml:NameID>wangli</saml:NameID><samlp:SessionIndex>ST-1-abc</samlp:SessionIndex></samlp:LogoutRequest>"#;
        assert_eq!(logout_session_index(req).as_deref(), Some("ST-1-abc"));
        assert_eq!(logout_session_index("<x/>"), None);
        assert_eq!(logout_session_index("not xml"), None);
    }
}
