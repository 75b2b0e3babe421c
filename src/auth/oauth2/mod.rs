//! OAuth 2.0 as NetSuite serves it (docs/design.md §10): the authorization code grant with PKCE
//! ([`flow`]), Bearer access tokens refreshed under the store lock ([`session`]), and the token
//! endpoint's requests and answers (here), and client credentials for CI ([`m2m`]).

pub mod cache;
pub mod certs;
pub mod flow;
pub mod lifetime;
pub mod m2m;
pub mod pkce;
pub mod session;

use anyhow::Result;
use base64::Engine as _;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::{Deserialize, Deserializer};
use url::Url;

use crate::error::Failure;
use crate::http::Http;
use crate::secret::Secret;

pub const AUTHORIZE_PATH: &str = "/app/login/oauth2/authorize.nl";
pub const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";
pub const REVOKE_PATH: &str = "/services/rest/auth/oauth2/v1/revoke";
/// What nstba asks for unless `--scope` says otherwise.
pub const DEFAULT_SCOPE: &str = "restlets rest_webservices";
pub const SCOPES: &[&str] = &["restlets", "rest_webservices", "suite_analytics", "mcp"];
pub const ENV_CLIENT_ID: &str = "NSTBA_CLIENT_ID";
pub const ENV_CLIENT_SECRET: &str = "NSTBA_CLIENT_SECRET";

/// How a client proves itself at the token endpoint: HTTP Basic with its secret
/// (confidential), or its ID in the body (public, `--public`).
#[derive(Clone, Debug)]
pub struct ClientAuth {
    pub client_id: String,
    pub secret: Option<Secret>,
}

/// The token endpoint's answer.
#[derive(Debug, Deserialize)]
pub struct TokenAnswer {
    pub access_token: Secret,
    #[serde(default)]
    pub refresh_token: Option<Secret>,
    /// Seconds; NetSuite has been seen sending it as a string.
    #[serde(default = "default_expires_in", deserialize_with = "number_or_string")]
    pub expires_in: u64,
}

fn default_expires_in() -> u64 {
    3600
}

/// The longest lifetime nstba believes of an access token (NetSuite's live 60 minutes): a
/// server's larger number, up to `u64::MAX`, is cut to this, so no date arithmetic overflows
/// and a token NetSuite refuses early is refreshed on its 401 anyway.
pub const MAX_EXPIRES_IN: u64 = 24 * 3600;

fn number_or_string<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let seconds: u64 = match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| serde::de::Error::custom("expires_in is not a whole number")),
        serde_json::Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| serde::de::Error::custom("expires_in is not a number")),
        _ => Err(serde::de::Error::custom("expires_in is not a number")),
    }?;
    Ok(seconds.min(MAX_EXPIRES_IN))
}

/// A refusal from the token endpoint: `{"error": "invalid_grant"}` and its status.
#[derive(Debug)]
pub struct TokenRefused {
    pub status: u16,
    /// The OAuth 2.0 error code (escaped for printing), or `HTTP <status>`.
    pub error: String,
}

/// Reads a token endpoint answer (pure, for fuzzing): the tokens, or the refusal.
pub fn parse_token_answer(status: u16, body: &[u8]) -> Result<TokenAnswer, TokenRefused> {
    if (200..300).contains(&status)
        && let Ok(answer) = serde_json::from_slice::<TokenAnswer>(body)
        && !answer.access_token.expose().is_empty()
    {
        return Ok(answer);
    }
    let error = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(crate::ui::escape))
        .unwrap_or_else(|| {
            if (200..300).contains(&status) {
                "an answer without an access token".into()
            } else {
                format!("HTTP {status}")
            }
        });
    Err(TokenRefused { status, error })
}

/// POSTs a form to the token (or revoke) endpoint with the client's authentication.
pub async fn post_form(
    client: &Http,
    url: &Url,
    auth: &ClientAuth,
    form: &[(&str, &str)],
) -> Result<(u16, bytes::Bytes)> {
    let mut headers = HeaderMap::new();
    let mut pairs: Vec<(&str, &str)> = form.to_vec();
    match &auth.secret {
        Some(secret) => {
            let basic = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                auth.client_id,
                secret.expose()
            ));
            let mut value = HeaderValue::from_str(&format!("Basic {basic}")).map_err(|_| {
                Failure::usage("the client ID or secret holds characters a header cannot carry")
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        None => pairs.push(("client_id", &auth.client_id)),
    }
    send_form(client, url, headers, &pairs).await
}

/// POSTs a form with no client authentication (client credentials carry their own).
pub async fn post_form_bare(
    client: &Http,
    url: &Url,
    form: &[(&str, &str)],
) -> Result<(u16, bytes::Bytes)> {
    send_form(client, url, HeaderMap::new(), form).await
}

/// POSTs `form` with `headers`, answering the status and body.
async fn send_form(
    client: &Http,
    url: &Url,
    headers: HeaderMap,
    form: &[(&str, &str)],
) -> Result<(u16, bytes::Bytes)> {
    let reply = client.post_form(url, headers, form).await?;
    Ok((reply.status.as_u16(), reply.body))
}

/// Asks the token endpoint for tokens; the refusal comes back as it is for the caller to
/// explain.
pub async fn token_request(
    client: &Http,
    url: &Url,
    auth: &ClientAuth,
    form: &[(&str, &str)],
) -> Result<Result<TokenAnswer, TokenRefused>> {
    let (status, body) = post_form(client, url, auth, form).await?;
    Ok(parse_token_answer(status, &body))
}

/// Checks `--scope` values: a space-separated subset of NetSuite's scopes.
pub fn parse_scope(raw: &[String]) -> Result<String, Failure> {
    let scopes: Vec<&str> = raw
        .iter()
        .flat_map(|s| s.split([' ', ',']))
        .filter(|s| !s.is_empty())
        .collect();
    if scopes.is_empty() {
        return Ok(DEFAULT_SCOPE.to_string());
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(s)) {
        return Err(Failure::usage(format!(
            "'{bad}' is not a NetSuite OAuth 2.0 scope: use {}",
            SCOPES.join(", ")
        )));
    }
    // NetSuite's AI Connector Service issues the mcp scope only when it is asked for alone.
    if scopes.contains(&"mcp") && scopes.len() > 1 {
        return Err(Failure::usage(
            "the mcp scope must be asked for alone: log in for MCP under a name of its own \
             (nstba auth login NAME --oauth2 --client-id ID --scope mcp)",
        ));
    }
    Ok(scopes.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    #[test]
    fn token_answers() {
        let a = parse_token_answer(
            200,
            br#"{"access_token":"eyJa","refresh_token":"r","expires_in":"3600","token_type":"bearer"}"#,
        )
        .unwrap();
        assert_eq!(a.expires_in, 3600);
        assert_eq!(a.refresh_token.unwrap().expose(), "r");
        // A server's huge lifetime is cut, never overflowed (issue 16).
        for huge in ["18446744073709551615", "\"300000000000\""] {
            let body = format!(r#"{{"access_token":"x","expires_in":{huge}}}"#);
            let a = parse_token_answer(200, body.as_bytes()).unwrap();
            assert_eq!(a.expires_in, MAX_EXPIRES_IN);
            let t = cache::AccessToken::lasting(a.access_token, SystemTime::now(), a.expires_in);
            assert!(!crate::store::format_time(t.expires_at).is_empty());
        }
        let a = parse_token_answer(200, br#"{"access_token":"x","expires_in":60}"#).unwrap();
        assert_eq!((a.expires_in, a.refresh_token.is_none()), (60, true));
        let e = parse_token_answer(400, br#"{"error":"invalid_grant"}"#).unwrap_err();
        assert_eq!((e.status, e.error.as_str()), (400, "invalid_grant"));
        let e = parse_token_answer(401, b"<html>").unwrap_err();
        assert_eq!(e.error, "HTTP 401");
        let e = parse_token_answer(200, br#"{"access_token":""}"#).unwrap_err();
        assert!(e.error.contains("without an access token"));
        let e = parse_token_answer(400, b"{\"error\":\"x\\u001b[2J\"}").unwrap_err();
        assert!(!e.error.contains('\x1b'));
    }

    #[test]
    fn scopes() {
        assert_eq!(parse_scope(&[]).unwrap(), DEFAULT_SCOPE);
        assert_eq!(
            parse_scope(&["restlets,suite_analytics".into()]).unwrap(),
            "restlets suite_analytics"
        );
        assert!(parse_scope(&["email".into()]).is_err());
        assert_eq!(parse_scope(&["mcp".into()]).unwrap(), "mcp");
        assert!(parse_scope(&["mcp restlets".into()]).is_err());
    }
}
