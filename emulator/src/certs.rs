//! The certificates of the client credentials grant and the certificate endpoint of NetSuite
//! 2026.1 (docs/design.md §10, Oracle's "OAuth 2.0 Client Credentials Certificate Rotation
//! Endpoint" and its three request pages). A certificate is mapped to an integration record, a
//! role and an entity; NetSuite takes RSA keys of 3072 or 4096 bits and EC keys on P-256, P-384
//! or P-521, shortens a validity beyond two years to two years, and holds at most five active
//! certificates per integration record (revoked and expired ones do not count). The endpoint
//! needs a Bearer token for the `rest_webservices` scope of a user whose role has "Manage own
//! OAuth 2.0 Client Credentials certificates" (`--deny-certificate-management` takes it away),
//! and that user maps and revokes only their own certificates.
//!
//! Oracle's pages show the requests; the answers' exact fields could not be confirmed, so the
//! shapes here are this emulator's (README, "what is unverified") and nstba reads them
//! tolerantly.

use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::http::{self, Req};
use crate::state::{ENTITY, State};

/// `/services/rest/auth/oauth2/v1/clients/<client ID>/certificates[/<ID>/revoke]`.
pub const PREFIX: &str = "/services/rest/auth/oauth2/v1/clients/";
/// Active certificates an integration record may hold (NetSuite 2026.1).
pub const MAX_ACTIVE: usize = 5;
/// The longest validity NetSuite keeps: a longer one is shortened to this on upload.
pub const MAX_VALIDITY: u64 = 2 * 365 * 86_400;

/// A mapped certificate.
#[derive(Clone, Debug)]
pub struct Cert {
    pub id: String,
    /// The integration record; `None` for a certificate given at start (any client).
    pub client_id: Option<String>,
    pub pem: String,
    pub role: String,
    pub entity: String,
    /// Seconds since 1970.
    pub valid_from: u64,
    pub valid_until: u64,
    pub revoked: bool,
    /// Why NetSuite would not have taken it (a certificate given at start is checked too).
    pub refused: Option<String>,
    pub key: &'static str,
}

impl Cert {
    fn active(&self, now: u64) -> bool {
        !self.revoked
            && self.refused.is_none()
            && (self.valid_from..self.valid_until).contains(&now)
    }

    /// Why an assertion signed for this certificate is refused now, if it is.
    pub fn refusal(&self, now: u64) -> Option<&'static str> {
        if self.revoked {
            Some("CertificateRevoked")
        } else if self.refused.is_some() {
            Some("InvalidCertificate")
        } else if now >= self.valid_until || now < self.valid_from {
            Some("CertificateExpired")
        } else {
            None
        }
    }

    fn json(&self, now: u64) -> Value {
        let date = |t: u64| {
            httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(t))
        };
        json!({
            "certificateId": self.id,
            "role": self.role,
            "entity": self.entity,
            "algorithm": self.key,
            "validFrom": date(self.valid_from),
            "validUntil": date(self.valid_until),
            "revoked": self.revoked,
            "active": self.active(now),
        })
    }
}

/// What a certificate holds, checked against NetSuite's rules: (key kind, not before, not
/// after), or why it is refused.
pub fn inspect(pem: &str) -> Result<(&'static str, u64, u64), String> {
    use rsa::traits::PublicKeyParts as _;
    use x509_cert::der::DecodePem as _;
    let cert = x509_cert::Certificate::from_pem(pem.trim())
        .map_err(|e| format!("the file is not a PEM certificate ({e})"))?;
    let key = match crate::m2m::public_key(pem)? {
        crate::m2m::PublicKey::Rsa(k) => match k.size() * 8 {
            3072 => "RSA 3072",
            4096 => "RSA 4096",
            bits => {
                return Err(format!(
                    "an RSA key of {bits} bits: NetSuite takes 3072 or 4096 bits"
                ));
            }
        },
        crate::m2m::PublicKey::P256(_) => "EC P-256",
        crate::m2m::PublicKey::P384(_) => "EC P-384",
        crate::m2m::PublicKey::P521(_) => "EC P-521",
    };
    let validity = &cert.tbs_certificate.validity;
    let secs = |t: x509_cert::time::Time| t.to_unix_duration().as_secs();
    Ok((key, secs(validity.not_before), secs(validity.not_after)))
}

/// The certificates given at start (`--m2m-cert`), checked as an upload would be.
pub fn seed(config: &crate::Config) -> Vec<Cert> {
    config
        .m2m_certs
        .iter()
        .map(|(id, pem)| {
            let inspected = inspect(pem);
            let (key, from, until) = inspected.clone().unwrap_or(("unknown", 0, 0));
            Cert {
                id: id.clone(),
                client_id: None,
                pem: pem.clone(),
                role: "3".into(),
                entity: ENTITY.into(),
                valid_from: from,
                valid_until: until.min(from.saturating_add(MAX_VALIDITY)),
                revoked: false,
                refused: inspected.err(),
                key,
            }
        })
        .collect()
}

fn refuse(st: &State, req: &Req, status: u16, code: &str, detail: &str) -> Response {
    st.audit(&req.path, status, code);
    let title = match status {
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Error",
    };
    http::problem(status, title, code, detail)
}

/// The certificate endpoint: list, set up, revoke.
pub fn handle(st: &State, req: &Req) -> Response {
    let rest = &req.path[PREFIX.len()..];
    let parts: Vec<&str> = rest.split('/').collect();
    let (client_id, action) = match (req.method.as_str(), parts.as_slice()) {
        ("GET", [client, "certificates"]) => (*client, None),
        ("POST", [client, "certificates"]) => (*client, Some(None)),
        ("POST", [client, "certificates", id, "revoke"]) => (*client, Some(Some(*id))),
        _ => return refuse(st, req, 404, "NOT_FOUND", "No such certificate endpoint."),
    };
    let user = match crate::oauth2::bearer_user(st, req, "rest_webservices") {
        Ok(u) => u,
        Err(resp) => return resp,
    };
    if st.config.deny_certificate_management {
        return refuse(
            st,
            req,
            403,
            "INSUFFICIENT_PERMISSION",
            "The role lacks the permission Manage own OAuth 2.0 Client Credentials certificates.",
        );
    }
    if user.client_id != client_id {
        return refuse(
            st,
            req,
            403,
            "INSUFFICIENT_PERMISSION",
            "The access token was not issued for this integration record.",
        );
    }
    let now = st.unix();
    match action {
        None => {
            let inner = st.lock();
            let list: Vec<Value> = inner
                .oauth2
                .certs
                .iter()
                .filter(|c| c.client_id.as_deref().is_none_or(|id| id == client_id))
                .map(|c| c.json(now))
                .collect();
            drop(inner);
            st.audit(&req.path, 200, "ok");
            http::json(200, &list)
        }
        Some(None) => set_up(st, req, client_id, &user, now),
        Some(Some(id)) => revoke(st, req, client_id, &user, id),
    }
}

fn set_up(
    st: &State,
    req: &Req,
    client_id: &str,
    user: &crate::oauth2::User,
    now: u64,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
        return refuse(
            st,
            req,
            400,
            "INVALID_CONTENT",
            "The request body is not JSON.",
        );
    };
    // Oracle's sample sends the role and entity as numbers; a string of digits is taken too.
    let id_of = |v: &Value| match v {
        Value::Number(n) => n.as_u64().map(|n| n.to_string()),
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            Some(s.clone())
        }
        _ => None,
    };
    let (Some(pem), Some(role), Some(entity)) = (
        body["fileContent"].as_str(),
        id_of(&body["role"]),
        id_of(&body["entity"]),
    ) else {
        return refuse(
            st,
            req,
            400,
            "INVALID_CONTENT",
            "fileContent, role and entity are required.",
        );
    };
    if role != user.role || entity != user.entity {
        return refuse(
            st,
            req,
            403,
            "INSUFFICIENT_PERMISSION",
            "A user can set up certificates for their own entity and role only.",
        );
    }
    let (key, from, until) = match inspect(pem) {
        Ok(i) => i,
        Err(why) => return refuse(st, req, 400, "INVALID_CERTIFICATE", &why),
    };
    if until <= now {
        return refuse(
            st,
            req,
            400,
            "INVALID_CERTIFICATE",
            "The certificate has expired.",
        );
    }
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(4) {
        let word = u32::from_str_radix(&st.random_hex(8), 16).unwrap_or_default();
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let mut inner = st.lock();
    let active: Vec<String> = inner
        .oauth2
        .certs
        .iter()
        .filter(|c| c.client_id.as_deref() == Some(client_id) && c.active(now))
        .map(|c| c.id.clone())
        .collect();
    if active.len() >= MAX_ACTIVE {
        drop(inner);
        return refuse(
            st,
            req,
            400,
            "CERTIFICATE_LIMIT_EXCEEDED",
            "An integration record can have at most 5 active certificates. Revoke one first.",
        );
    }
    inner.oauth2.certs.push(Cert {
        id: id.clone(),
        client_id: Some(client_id.to_string()),
        pem: pem.to_string(),
        role,
        entity,
        valid_from: from,
        valid_until: until.min(now.max(from).saturating_add(MAX_VALIDITY)),
        revoked: false,
        refused: None,
        key,
    });
    let answer = inner.oauth2.certs.last().map(|c| c.json(now));
    drop(inner);
    st.audit(&req.path, 200, "ok");
    http::json(200, &answer)
}

fn revoke(
    st: &State,
    req: &Req,
    client_id: &str,
    user: &crate::oauth2::User,
    id: &str,
) -> Response {
    let mut inner = st.lock();
    let Some(cert) = inner
        .oauth2
        .certs
        .iter_mut()
        .find(|c| c.id == id && c.client_id.as_deref().is_none_or(|c| c == client_id))
    else {
        drop(inner);
        return refuse(st, req, 404, "NOT_FOUND", "No such certificate.");
    };
    if cert.entity != user.entity {
        drop(inner);
        return refuse(
            st,
            req,
            403,
            "INSUFFICIENT_PERMISSION",
            "A user can revoke their own certificates only.",
        );
    }
    if cert.revoked {
        drop(inner);
        return refuse(
            st,
            req,
            400,
            "INVALID_OPERATION",
            "The certificate is revoked already.",
        );
    }
    cert.revoked = true;
    drop(inner);
    st.audit(&req.path, 200, "ok");
    http::empty(204)
}
