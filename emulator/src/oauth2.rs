//! OAuth 2.0 as NetSuite serves it (docs/design.md §10): the authorize page (authorization code with
//! PKCE S256), the token endpoint (authorization code, refresh with one-time refresh tokens for
//! public clients, client credentials with a JWT assertion), revoke, and the Bearer check that
//! REST, SuiteQL and RESTlets run with scopes enforced. The PKCE check is written here from the
//! RFC (SHA-256 and base64url), not taken from nstba, so that agreement means something.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, header};
use axum::response::Response;
use base64::Engine as _;
use sha2::Digest as _;

use crate::http::{self, Req};
use crate::oauth::pct_encode;
use crate::state::{ENTITY, State};
use crate::tokens::{escape, page};

pub const AUTHORIZE_PATH: &str = "/app/login/oauth2/authorize.nl";
pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
pub const REVOKE_PATH: &str = "/services/rest/auth/oauth2/v1/revoke";
pub const SCOPES: &[&str] = &["restlets", "rest_webservices", "suite_analytics", "mcp"];

/// An integration record with the authorization code grant (and client credentials).
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    /// `None`: a public client (no secret; one-time refresh tokens).
    pub secret: Option<String>,
}

/// A code handed out on Allow, waiting to be exchanged.
pub struct CodeGrant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scope: String,
    role: String,
    expires: Instant,
}

/// An access token (Bearer).
pub struct Bearer {
    pub client_id: String,
    pub scope: String,
    pub role: String,
    pub entity: String,
    pub expires: Instant,
    /// The refresh token it came from; revoking that kills this too.
    pub family: Option<String>,
    pub active: bool,
}

/// What the OAuth 2.0 side of the emulator holds.
#[derive(Default)]
pub struct OAuth2State {
    codes: HashMap<String, CodeGrant>,
    pub bearers: HashMap<String, Bearer>,
    pub refreshes: HashMap<String, crate::refresh::Refresh>,
    /// Certificates mapped for client credentials (docs/design.md §10).
    pub certs: Vec<crate::certs::Cert>,
    /// Calls to the token endpoint, by grant type.
    pub token_calls: HashMap<String, u64>,
    /// JWT IDs already used in client assertions.
    pub jtis: std::collections::HashSet<String>,
}

fn client<'a>(st: &'a State, id: &str) -> Option<&'a Client> {
    st.config.clients.iter().find(|c| c.id == id)
}

fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", pct_encode(v.as_bytes())))
        .collect();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{}", query.join("&"))
}

/// Whether an integration record takes `uri` as a redirect URI: Oracle's page for the record
/// says `https://` or a custom scheme, "The http:// scheme isn't supported" (`http://` only
/// with `--allow-http-redirect`).
pub fn registrable(uri: &str, allow_http: bool) -> bool {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    scheme_ok && !rest.is_empty() && (scheme != "http" || allow_http)
}

/// The authorize request's `redirect_uri` must equal one of the record's exactly (Oracle
/// documents the `*` port wildcard for TBA callbacks only).
fn redirect_uri_allowed(st: &State, uri: &str) -> bool {
    st.config
        .redirect_uris
        .iter()
        .any(|r| r == uri && registrable(r, st.config.allow_http_redirect))
}

/// The state NetSuite accepts: 22 to 1024 printable characters.
fn valid_state(s: &str) -> bool {
    (22..=1024).contains(&s.len()) && s.bytes().all(|b| (0x21..0x7f).contains(&b))
}

/// RFC 7636: base64url(SHA-256(verifier)) without padding, and the verifier's alphabet.
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

fn valid_verifier(v: &str) -> bool {
    (43..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// GET (and POST, the consent form's answer) on the authorize page.
pub fn authorize(st: &State, req: &Req) -> Response {
    let form: Vec<(String, String)> = if req.method == "POST" {
        req.form()
    } else {
        req.query.clone()
    };
    let get = |n: &str| {
        form.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let (client_id, redirect_uri, state) = (get("client_id"), get("redirect_uri"), get("state"));
    // A wrong client or redirect URI shows an error and never redirects (docs/design.md §10).
    if client(st, client_id).is_none() {
        st.audit(AUTHORIZE_PATH, 400, "UnknownClient");
        return http::html(400, page("Invalid request", "<p>Invalid client.</p>"));
    }
    if !redirect_uri_allowed(st, redirect_uri) {
        st.audit(AUTHORIZE_PATH, 400, "InvalidRedirectUri");
        return http::html(400, page("Invalid request", "<p>Invalid redirect URI.</p>"));
    }
    let fail = |error: &str| {
        st.audit(AUTHORIZE_PATH, 302, error);
        http::redirect(&with_query(
            redirect_uri,
            &[("error", error), ("state", state)],
        ))
    };
    if get("response_type") != "code" {
        return fail("unsupported_response_type");
    }
    let scope = get("scope");
    // NetSuite issues the mcp scope only when it is asked for alone.
    let asked: Vec<&str> = scope.split(' ').collect();
    if asked.iter().any(|s| !SCOPES.contains(s))
        || scope.is_empty()
        || (asked.contains(&"mcp") && asked.len() > 1)
    {
        return fail("invalid_scope");
    }
    if !valid_state(state)
        || get("code_challenge_method") != "S256"
        || get("code_challenge").len() != 43
    {
        return fail("invalid_request");
    }
    let decision = if req.method == "POST" {
        Some(get("decision") == "allow")
    } else {
        match st.config.decision {
            crate::Decision::Allow => Some(true),
            crate::Decision::Deny => Some(false),
            crate::Decision::Ask => None,
        }
    };
    match decision {
        Some(false) => fail("access_denied"),
        Some(true) => {
            let role = match get("role") {
                "" => "3",
                r => r,
            };
            let code = st.random_hex(48);
            st.lock().oauth2.codes.insert(
                code.clone(),
                CodeGrant {
                    client_id: client_id.into(),
                    redirect_uri: redirect_uri.into(),
                    challenge: get("code_challenge").into(),
                    scope: scope.into(),
                    role: role.into(),
                    expires: st.instant() + Duration::from_secs(600),
                },
            );
            st.audit(AUTHORIZE_PATH, 302, "ok");
            http::redirect(&with_query(
                redirect_uri,
                &[
                    ("state", state),
                    ("role", role),
                    ("entity", ENTITY),
                    ("company", &st.realm()),
                    ("code", &code),
                ],
            ))
        }
        None => {
            let hidden: String = form
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                        escape(k),
                        escape(v)
                    )
                })
                .collect();
            let body = format!(
                "<p>The application <b>{client}</b> asks for access to account <b>{account}</b> \
                 (NetSuite emulator, OAuth 2.0) with the scopes <b>{scope}</b>.</p>\
                 <form method=\"post\" action=\"{AUTHORIZE_PATH}\">{hidden}\
                 <p><button id=\"allow\" name=\"decision\" value=\"allow\">Allow</button>\
                 <button id=\"deny\" name=\"decision\" value=\"deny\">Deny</button></p></form>",
                client = escape(client_id),
                account = escape(&st.realm()),
                scope = escape(scope),
            );
            http::html(200, page("Grant access", &body))
        }
    }
}

pub fn token_error(st: &State, status: u16, error: &str, detail: &str) -> Response {
    st.audit(TOKEN_PATH, status, detail);
    let mut resp = http::json(status, &serde_json::json!({ "error": error }));
    if error == "invalid_client"
        && let Ok(v) = HeaderValue::from_str(&format!("Basic realm=\"{}\"", st.realm()))
    {
        resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    resp
}

/// How a request to the token or revoke endpoint authenticates its client.
pub enum ClientIs<'a> {
    Known(&'a Client),
    /// Unknown, a wrong secret, or none at all: `invalid_client`.
    Unknown,
    /// A Basic header and a `client_id` or `client_secret` in the body: `invalid_request`.
    TwoMethods,
}

/// Who the client is: HTTP Basic (a confidential client with its secret, a public one with its
/// ID alone), or a public client's `client_id` in the body.
pub fn client_auth<'a>(st: &'a State, req: &Req, body: &[(String, String)]) -> ClientIs<'a> {
    let in_body = |n: &str| body.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    if let Some(basic) = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
    {
        if in_body("client_id").is_some() || in_body("client_secret").is_some() {
            return ClientIs::TwoMethods;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok());
        let Some((id, secret)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
            return ClientIs::Unknown;
        };
        return match client(st, id) {
            Some(c) if c.secret.as_deref().unwrap_or_default() == secret => ClientIs::Known(c),
            _ => ClientIs::Unknown,
        };
    }
    match in_body("client_id").and_then(|id| client(st, id)) {
        Some(c) if c.secret.is_none() && in_body("client_secret").is_none() => ClientIs::Known(c),
        _ => ClientIs::Unknown,
    }
}

/// The client, or the refusal to answer with.
#[allow(clippy::result_large_err)]
fn authenticated<'a>(
    st: &'a State,
    req: &Req,
    body: &[(String, String)],
) -> Result<&'a Client, Response> {
    match client_auth(st, req, body) {
        ClientIs::Known(c) => Ok(c),
        ClientIs::Unknown => Err(token_error(st, 401, "invalid_client", "InvalidClient")),
        ClientIs::TwoMethods => Err(token_error(
            st,
            400,
            "invalid_request",
            "TwoClientAuthenticationMethods",
        )),
    }
}

/// POST on the token endpoint.
pub fn token(st: &State, req: &Req) -> Response {
    let body: Vec<(String, String)> = req.form();
    let get = |n: &str| {
        body.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    let grant = get("grant_type");
    *st.lock()
        .oauth2
        .token_calls
        .entry(grant.to_string())
        .or_default() += 1;
    if grant == "client_credentials" {
        return crate::m2m::client_credentials(st, &body);
    }
    let c = match authenticated(st, req, &body) {
        Ok(c) => c.clone(),
        Err(resp) => return resp,
    };
    match grant {
        "authorization_code" => {
            let Some(code) = st.lock().oauth2.codes.remove(get("code")) else {
                return token_error(st, 400, "invalid_grant", "InvalidCode");
            };
            if code.client_id != c.id || code.expires < st.instant() {
                return token_error(st, 400, "invalid_grant", "InvalidCode");
            }
            if code.redirect_uri != get("redirect_uri") {
                return token_error(st, 400, "invalid_grant", "RedirectUriMismatch");
            }
            let verifier = get("code_verifier");
            if !valid_verifier(verifier) || s256(verifier) != code.challenge {
                return token_error(st, 400, "invalid_grant", "PkceVerificationFailed");
            }
            crate::refresh::issue(st, &c, &code.scope, &code.role, None)
        }
        "refresh_token" => crate::refresh::grant(st, &c, get("refresh_token")),
        _ => token_error(st, 400, "unsupported_grant_type", "UnsupportedGrantType"),
    }
}

/// Makes an access token for a client credentials grant (no refresh token).
pub fn issue_m2m(st: &State, client_id: &str, scope: &str, role: &str, entity: &str) -> Response {
    let access = format!("eyJ{}", st.random_hex(64));
    st.lock().oauth2.bearers.insert(
        access.clone(),
        Bearer {
            client_id: client_id.into(),
            scope: scope.into(),
            role: role.into(),
            entity: entity.into(),
            expires: st.instant() + Duration::from_secs(st.config.access_ttl),
            family: None,
            active: true,
        },
    );
    st.audit(TOKEN_PATH, 200, "ok");
    http::json(
        200,
        &serde_json::json!({
            "access_token": access,
            "expires_in": st.config.access_ttl,
            "token_type": "bearer",
        }),
    )
}

/// POST on the revoke endpoint: a refresh token (and every access token made from it), or an
/// access token alone.
pub fn revoke(st: &State, req: &Req) -> Response {
    let body: Vec<(String, String)> = req.form();
    if let Err(resp) = authenticated(st, req, &body) {
        return resp;
    }
    let token = body
        .iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    if !crate::refresh::revoke(st, &token)
        && let Some(b) = st.lock().oauth2.bearers.get_mut(&token)
    {
        b.active = false;
    }
    st.audit(REVOKE_PATH, 200, "ok");
    http::empty(200)
}

/// The Bearer check for an API call that needs `scope`. `None`: not a Bearer request (the
/// caller checks the OAuth 1.0a signature instead). The refusal is a whole response, as the
/// handlers return it.
#[allow(clippy::result_large_err)]
pub fn check_bearer(
    st: &State,
    req: &Req,
    scope: &str,
    family: http::Family,
) -> Option<Result<User, Response>> {
    let token = req
        .header("authorization")?
        .strip_prefix("Bearer ")?
        .trim()
        .to_string();
    // NetSuite's own shapes: REST a problem body (401 INVALID_LOGIN), RESTlets the RESTlet
    // error. No Bearer challenge is documented: one is sent only with --bearer-challenge.
    let refuse = |status: u16, error: &str, detail: &str| {
        st.audit(&req.path, status, detail);
        let mut resp = match (family, status) {
            (http::Family::Rest, 403) => http::problem(
                403,
                "Forbidden",
                "INSUFFICIENT_PERMISSION",
                "The access token's scope does not allow this call.",
            ),
            (_, 403) => http::restlet_error(
                403,
                "INSUFFICIENT_SCOPE",
                "The access token's scope does not allow this call.",
            ),
            _ => crate::auth::invalid_login(family),
        };
        if st.config.bearer_challenge
            && let Ok(v) = HeaderValue::from_str(&format!(
                "Bearer realm=\"{}\", error=\"{error}\"",
                st.realm()
            ))
        {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        Err(resp)
    };
    let inner = st.lock();
    let Some(b) = inner.oauth2.bearers.get(&token) else {
        drop(inner);
        return Some(refuse(401, "invalid_token", "InvalidToken"));
    };
    if !b.active || b.expires < st.instant() {
        drop(inner);
        return Some(refuse(401, "invalid_token", "ExpiredOrRevokedToken"));
    }
    if !b.scope.split(' ').any(|s| s == scope) {
        drop(inner);
        return Some(refuse(403, "insufficient_scope", "ScopeMismatched"));
    }
    Some(Ok(User {
        client_id: b.client_id.clone(),
        role: b.role.clone(),
        entity: b.entity.clone(),
    }))
}

/// Who a Bearer token speaks for.
pub struct User {
    pub client_id: String,
    pub role: String,
    pub entity: String,
}

/// The user of a REST call that must carry a Bearer token for `scope` (the certificate
/// endpoint takes no OAuth 1.0a signature).
#[allow(clippy::result_large_err)]
pub fn bearer_user(st: &State, req: &Req, scope: &str) -> Result<User, Response> {
    check_bearer(st, req, scope, http::Family::Rest).unwrap_or_else(|| {
        st.audit(&req.path, 401, "NoBearerToken");
        Err(crate::auth::invalid_login(http::Family::Rest))
    })
}

/// `GET /emulator/stats`: token endpoint calls by grant type, and the API calls: how many,
/// how many were refused over the concurrency limit, the peak and the time-weighted average in
/// flight.
pub fn stats(st: &State) -> serde_json::Value {
    use std::sync::atomic::Ordering;
    let (peak, avg) = st
        .api_flight
        .lock()
        .map(|log| (log.peak, log.average()))
        .unwrap_or_default();
    serde_json::json!({
        "tokenCalls": st.lock().oauth2.token_calls,
        "calls": st.api_hits.load(Ordering::SeqCst),
        "refused": st.refused.load(Ordering::SeqCst),
        "peakInFlight": peak,
        "avgInFlight": (avg * 100.0).round() / 100.0,
    })
}
