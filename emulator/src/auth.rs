//! NetSuite's checks on a signed request, in the order NetSuite reports them: header shape,
//! signature method, consumer key, realm, timestamp window, nonce, token, signature. A refusal
//! is answered in the shape of the endpoint's family and written to the login audit trail.

use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::http::{self, Family, Req};
use crate::oauth;
use crate::state::State;

/// What a request is signed with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Flow step 1: the consumer secret alone.
    ConsumerOnly,
    /// Flow step 3: consumer secret and request-token secret.
    RequestToken,
    /// Everything else: consumer secret and access-token secret.
    Access,
}

/// A request that passed.
pub struct Authed {
    pub params: Vec<(String, String)>,
    pub token_id: Option<String>,
}

impl Authed {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a request was refused.
pub struct Reject {
    pub status: u16,
    /// The code the token endpoints answer with.
    pub code: &'static str,
    pub message: &'static str,
    /// The login audit trail's detail.
    pub detail: String,
}

fn reject(
    status: u16,
    code: &'static str,
    message: &'static str,
    detail: impl Into<String>,
) -> Reject {
    Reject {
        status,
        code,
        message,
        detail: detail.into(),
    }
}

const INVALID_LOGIN: &str = "Invalid login attempt.";

pub fn authenticate(st: &State, req: &Req, mode: Mode) -> Result<Authed, Reject> {
    let header = req.header("authorization").unwrap_or_default();
    let params = oauth::parse_authorization(header).ok_or_else(|| {
        reject(
            401,
            "MissingRequiredParameter",
            "The Authorization header is missing or is not OAuth.",
            "MissingAuthorizationHeader",
        )
    })?;
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    for required in [
        "oauth_consumer_key",
        "oauth_signature_method",
        "oauth_timestamp",
        "oauth_nonce",
        "oauth_signature",
    ] {
        if get(required).is_none() {
            return Err(reject(
                400,
                "MissingRequiredParameter",
                "A required OAuth parameter is missing.",
                format!("MissingRequiredParameter {required}"),
            ));
        }
    }
    let method = get("oauth_signature_method").unwrap_or_default();
    if method != "HMAC-SHA256" {
        return Err(reject(
            401,
            "InvalidSignature",
            "The signature method is not supported; use HMAC-SHA256.",
            format!("UnsupportedSignatureMethod {method}"),
        ));
    }
    if get("oauth_version").is_some_and(|v| v != "1.0") {
        return Err(reject(
            401,
            "InvalidSignature",
            INVALID_LOGIN,
            "InvalidVersion",
        ));
    }
    let consumer_key = get("oauth_consumer_key").unwrap_or_default();
    if consumer_key != st.config.consumer_key {
        return Err(reject(
            401,
            "UnknownIntegration",
            "The consumer key does not belong to an integration record in this account.",
            "UnknownIntegration",
        ));
    }
    match get("realm") {
        Some(realm) if realm != st.realm() => {
            return Err(reject(
                401,
                "InvalidRealm",
                INVALID_LOGIN,
                format!("InvalidRealm {realm} (expected {})", st.realm()),
            ));
        }
        None if mode == Mode::Access => {
            return Err(reject(401, "InvalidRealm", INVALID_LOGIN, "MissingRealm"));
        }
        _ => {}
    }
    let timestamp: u64 = get("oauth_timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| reject(401, "InvalidTimestamp", INVALID_LOGIN, "InvalidTimestamp"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + st.config.clock_offset;
    if (now - timestamp as i64).abs() > 300 {
        return Err(reject(
            401,
            "InvalidTimestamp",
            "The timestamp is more than 5 minutes from NetSuite's clock.",
            format!("InvalidTimestamp {timestamp} (now {now})"),
        ));
    }
    let nonce = get("oauth_nonce").unwrap_or_default();
    if nonce.len() < 6 {
        return Err(reject(
            401,
            "NonceRejected",
            "The nonce is too short.",
            "NonceTooShort",
        ));
    }

    let token_id = get("oauth_token").map(str::to_string);
    let token_secret = match mode {
        Mode::ConsumerOnly => String::new(),
        Mode::RequestToken => {
            let id = token_id.as_deref().ok_or_else(|| {
                reject(
                    400,
                    "MissingRequiredParameter",
                    "oauth_token is missing.",
                    "MissingToken",
                )
            })?;
            let inner = st.lock();
            match inner.request_tokens.get(id) {
                Some(t) if t.consumer_key == consumer_key && !t.used => t.secret.clone(),
                Some(_) => {
                    return Err(reject(
                        401,
                        "InvalidToken",
                        INVALID_LOGIN,
                        "RequestTokenUsed",
                    ));
                }
                None => {
                    return Err(reject(
                        401,
                        "InvalidToken",
                        INVALID_LOGIN,
                        "UnknownRequestToken",
                    ));
                }
            }
        }
        Mode::Access => {
            let id = token_id
                .as_deref()
                .ok_or_else(|| reject(401, "InvalidToken", INVALID_LOGIN, "MissingToken"))?;
            let inner = st.lock();
            match inner.tokens.get(id) {
                Some(t) if !t.active => {
                    return Err(reject(401, "InvalidToken", INVALID_LOGIN, "TokenRevoked"));
                }
                Some(t) if t.consumer_key == consumer_key => t.secret.clone(),
                Some(_) => {
                    return Err(reject(
                        401,
                        "InvalidToken",
                        INVALID_LOGIN,
                        "TokenOfAnotherIntegration",
                    ));
                }
                None => return Err(reject(401, "InvalidToken", INVALID_LOGIN, "UnknownToken")),
            }
        }
    };

    let host = req.header("host").unwrap_or("localhost");
    let base = oauth::base_string(&oauth::Signable {
        method: &req.method,
        scheme: "http",
        host,
        target: &req.target,
        header_params: &params,
        form_body: req.is_form().then_some(&req.body[..]),
    });
    let expected = oauth::hmac_sha256(&base, &st.config.consumer_secret, &token_secret);
    if !oauth::same_signature(&expected, get("oauth_signature").unwrap_or_default()) {
        return Err(reject(
            401,
            "InvalidSignature",
            "The signature is invalid.",
            "InvalidSignature",
        ));
    }

    // Only a request that passed burns its nonce.
    let key = (consumer_key.to_string(), timestamp, nonce.to_string());
    if !st.lock().nonces.insert(key) {
        return Err(reject(
            401,
            "NonceRejected",
            "The nonce was already used.",
            "NonceUsed",
        ));
    }
    Ok(Authed { params, token_id })
}

/// Answers a refusal in the endpoint family's shape and records it.
/// NetSuite's 401 for refused credentials, whatever the kind (a signature or a Bearer token):
/// REST's problem body with `INVALID_LOGIN`, else the RESTlet error `INVALID_LOGIN_ATTEMPT`.
pub fn invalid_login(family: Family) -> Response {
    match family {
        Family::Rest => http::problem(
            401,
            "Unauthorized",
            "INVALID_LOGIN",
            "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite \
             UI at Setup > Users/Roles > User Management > View Login Audit Trail.",
        ),
        _ => http::restlet_error(401, "INVALID_LOGIN_ATTEMPT", INVALID_LOGIN),
    }
}

pub fn refuse(st: &State, req: &Req, family: Family, r: Reject) -> Response {
    st.audit(&req.path, r.status, &r.detail);
    let www = format!(
        "OAuth realm=\"{}\", error=\"token_rejected\", error_description=\"{INVALID_LOGIN}\"",
        st.realm()
    );
    let mut resp = match family {
        Family::Rest | Family::Restlet if r.status == 401 => invalid_login(family),
        Family::Rest => http::problem(r.status, "Bad Request", r.code, r.message),
        _ => http::restlet_error(r.status, r.code, r.message),
    };
    if r.status == 401
        && let Ok(v) = HeaderValue::from_str(&www)
    {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}
