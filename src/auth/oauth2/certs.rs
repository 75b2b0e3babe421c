//! The certificate endpoint of NetSuite 2026.1 (docs/design.md §10): list an integration
//! record's client credentials certificates, set up (map) a new one for the user's own role
//! and entity, revoke one. It lives on the account's RESTlet domain at
//! `/services/rest/auth/oauth2/v1/clients/<client ID>/certificates` and takes a Bearer token
//! for the `rest_webservices` scope, from the authorization code grant or from client
//! credentials. Like the token endpoints it never follows a redirect (a 3xx would carry the
//! Bearer token away).
//!
//! Oracle's pages show the requests, not every field of the answers: they are read
//! tolerantly ([`parse_list`], [`parse_created`]) and what could not be confirmed is listed
//! in the README.

use std::time::SystemTime;

use anyhow::Result;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::Value;
use url::Url;

use crate::account::{AccountId, Domain, Endpoints};
use crate::auth::Authorizer;
use crate::error::Failure;
use crate::http::{Http, Reply};
use crate::ui;

/// Active certificates an integration record may hold (NetSuite 2026.1).
pub const MAX_ACTIVE: usize = 5;

/// One certificate of the record, as the endpoint lists it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RemoteCert {
    /// Escaped for printing (a server's text).
    pub id: String,
    pub valid_until: Option<SystemTime>,
    pub revoked: bool,
    pub role: Option<String>,
    pub entity: Option<String>,
}

impl RemoteCert {
    /// Not revoked and not expired.
    pub fn active(&self, now: SystemTime) -> bool {
        !self.revoked && self.valid_until.is_none_or(|t| t > now)
    }
}

/// The endpoint for `client_id` of `account`, and an optional tail (`/<id>/revoke`).
pub fn url(
    endpoints: &Endpoints,
    account: &AccountId,
    client_id: &str,
    tail: &[&str],
) -> Result<Url> {
    let mut url = endpoints.origin(account, Domain::Restlet);
    {
        let mut path = url
            .path_segments_mut()
            .map_err(|()| Failure::error("the NetSuite URL cannot take a path"))?;
        path.pop_if_empty();
        path.extend([
            "services",
            "rest",
            "auth",
            "oauth2",
            "v1",
            "clients",
            client_id,
            "certificates",
        ]);
        path.extend(tail);
    }
    Ok(url)
}

/// The record's certificates.
pub async fn list(
    http: &Http,
    endpoints: &Endpoints,
    auth: &Authorizer,
    client_id: &str,
) -> Result<Vec<RemoteCert>> {
    let url = url(endpoints, &auth.account, client_id, &[])?;
    let reply = call(http, auth, "GET", &url, None).await?;
    Ok(parse_list(&reply.body))
}

/// Why setting up a certificate failed.
#[derive(Debug)]
pub enum SetUpError {
    /// NetSuite refused it: the status and its decoded error.
    Refused(u16, String),
    Other(anyhow::Error),
}

/// Maps `cert_pem` to the user's `role` and `entity`; the new certificate's ID.
pub async fn set_up(
    http: &Http,
    endpoints: &Endpoints,
    auth: &Authorizer,
    client_id: &str,
    cert_pem: &str,
    role: &str,
    entity: &str,
) -> Result<String, SetUpError> {
    let url = url(endpoints, &auth.account, client_id, &[]).map_err(SetUpError::Other)?;
    // Oracle's sample sends role and entity as numbers.
    let number = |s: &str| {
        s.parse::<u64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(s))
    };
    let body = serde_json::json!({"fileContent": cert_pem, "role": number(role), "entity": number(entity)});
    let reply = send(http, auth, "POST", &url, Some(body.to_string()))
        .await
        .map_err(SetUpError::Other)?;
    if !reply.is_success() {
        return Err(SetUpError::Refused(reply.status.as_u16(), said(&reply)));
    }
    parse_created(&reply.body).ok_or_else(|| {
        SetUpError::Other(
            Failure::error(
                "NetSuite set up the certificate but its answer names no certificate ID: see \
                 `nstba auth certs` and the OAuth 2.0 Client Credentials (M2M) Setup page",
            )
            .into(),
        )
    })
}

/// Revokes one certificate.
pub async fn revoke(
    http: &Http,
    endpoints: &Endpoints,
    auth: &Authorizer,
    client_id: &str,
    cert_id: &str,
) -> Result<()> {
    let url = url(endpoints, &auth.account, client_id, &[cert_id, "revoke"])?;
    call(http, auth, "POST", &url, None).await.map(drop)
}

/// One request that must succeed: a refusal is an error that decodes NetSuite's answer.
async fn call(
    http: &Http,
    auth: &Authorizer,
    method: &str,
    url: &Url,
    body: Option<String>,
) -> Result<Reply> {
    let reply = send(http, auth, method, url, body).await?;
    if !reply.is_success() {
        let error = said(&reply);
        let failure = if reply.status.as_u16() == 401 {
            Failure::rejected(format!(
                "the certificate endpoint refused the token: {error}"
            ))
        } else {
            Failure::error(format!(
                "the certificate endpoint answered {}: {error}{}",
                reply.status.as_u16(),
                if reply.status.as_u16() == 403 {
                    "\nhint: the role needs the permission Manage own OAuth 2.0 Client \
                     Credentials certificates, and the token the rest_webservices scope"
                } else {
                    ""
                }
            ))
        };
        return Err(failure.into());
    }
    Ok(reply)
}

/// What NetSuite said in a refusal, in one line (escaped).
pub fn said(reply: &Reply) -> String {
    let e = reply.error();
    match (e.code, e.message) {
        (Some(c), Some(m)) => format!("{c}: {m}"),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => format!("HTTP {}", e.status),
    }
}

/// Sends with the credential's Bearer token, refreshed once on a 401 (docs/design.md §10).
async fn send(
    http: &Http,
    auth: &Authorizer,
    method: &str,
    url: &Url,
    body: Option<String>,
) -> Result<Reply> {
    let mut force = false;
    loop {
        let mut headers = HeaderMap::new();
        let authorization = auth.authorization(http, method, url, None, force).await?;
        headers.insert(
            AUTHORIZATION,
            crate::http::sensitive(authorization.expose())?,
        );
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let reply = http
            .send(method, url, headers, body.clone().map(bytes::Bytes::from))
            .await?;
        if reply.status.as_u16() == 401 && !force && auth.retry_after_refresh() {
            force = true;
            continue;
        }
        return Ok(reply);
    }
}

/// A time as the endpoint may write it: RFC 3339, an HTTP date, a date alone, or seconds or
/// milliseconds since 1970.
fn time_of(v: &Value) -> Option<SystemTime> {
    match v {
        Value::Number(n) => {
            let n = n.as_u64()?;
            let secs = if n > 100_000_000_000 { n / 1000 } else { n };
            (secs <= 253_402_300_799)
                .then(|| SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        }
        Value::String(s) => {
            let s = s.trim();
            crate::store::parse_time(s)
                .or_else(|| httpdate::parse_http_date(s).ok())
                .or_else(|| crate::store::parse_time(&format!("{s}T00:00:00Z")))
        }
        _ => None,
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(ui::escape(s)),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn field<'a>(o: &'a serde_json::Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v)
    })
}

/// A certificate ID as NetSuite makes them (Oracle's examples are 43 base64url characters):
/// URL-safe characters, at most 256. Anything else from a server is not believed: the ID is
/// saved in the store, sent as a JWT's `kid` and put in a URL.
fn cert_id(v: &Value) -> Option<String> {
    let id = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let ok = (1..=256).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    ok.then_some(id)
}

fn cert_of(v: &Value) -> Option<RemoteCert> {
    let o = v.as_object()?;
    let id = field(o, &["certificateId", "certId", "kid", "id"]).and_then(cert_id)?;
    let revoked = match field(o, &["revoked", "isRevoked", "isInactive"]) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.to_ascii_uppercase().as_str(), "T" | "TRUE" | "YES"),
        _ => field(o, &["status", "state"])
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case("revoked")),
    };
    Some(RemoteCert {
        id,
        valid_until: field(
            o,
            &[
                "validUntil",
                "validTo",
                "expiresAt",
                "expirationDate",
                "notAfter",
                "validUntilDate",
            ],
        )
        .and_then(time_of),
        revoked,
        // Internal IDs: digits, as the redirect's role and entity must be.
        role: field(o, &["role", "roleId"])
            .and_then(text_of)
            .filter(|r| crate::account::is_internal_id(r)),
        entity: field(o, &["entity", "entityId"])
            .and_then(text_of)
            .filter(|e| crate::account::is_internal_id(e)),
    })
}

/// The certificates in a list answer (pure, for fuzzing): an array, or an object holding one
/// (`items`, `certificates`, ...). Entries without an ID are skipped.
pub fn parse_list(body: &[u8]) -> Vec<RemoteCert> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let items = match &v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o
            .values()
            .find_map(|v| v.as_array().cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    items.iter().filter_map(cert_of).collect()
}

/// The new certificate's ID in a set-up answer (pure): a field of the object (or of its
/// first array), or a bare string.
pub fn parse_created(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<Value>(body).ok()? {
        v @ Value::String(_) => cert_id(&v),
        v @ Value::Object(_) => cert_of(&v).map(|c| c.id),
        Value::Array(a) => a.first().and_then(cert_of).map(|c| c.id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_read_tolerantly() {
        let list = parse_list(
            br#"[{"certificateId":"-abc","validUntil":"2028-01-01T00:00:00Z","revoked":false,"role":3,"entity":"38"},
                 {"id":"b","expirationDate":"2027-05-01","status":"REVOKED"},
                 {"kid":"c","notAfter":1893456000000,"revoked":"T"},
                 {"nothing":"here"}]"#,
        );
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].id, "-abc");
        assert_eq!(list[0].role.as_deref(), Some("3"));
        assert!(!list[0].revoked && list[1].revoked && list[2].revoked);
        assert!(list[1].valid_until.is_some() && list[2].valid_until.is_some());
        assert_eq!(parse_list(br#"{"items":[{"certificateId":"x"}]}"#).len(), 1);
        assert!(parse_list(b"<html>").is_empty());
        assert_eq!(
            parse_created(br#"{"certificateId":"new"}"#).as_deref(),
            Some("new")
        );
        assert_eq!(parse_created(br#""bare""#).as_deref(), Some("bare"));
        assert_eq!(parse_created(b"{}"), None);
        // A server's ID with control characters, or a huge one, is not believed.
        assert_eq!(parse_created(b"\"a\\u001b[2Jb\""), None);
        let huge = format!("\"{}\"", "a".repeat(10_000));
        assert_eq!(parse_created(huge.as_bytes()), None);
        assert!(parse_list(br#"[{"certificateId":"../revoke"}]"#).is_empty());
        let odd = parse_list(br#"[{"certificateId":"x","role":"3;DROP","entity":"\u001b"}]"#);
        assert_eq!(
            (odd[0].role.as_deref(), odd[0].entity.as_deref()),
            (None, None)
        );
    }
}
