//! Decoding what NetSuite says when it refuses: REST problem JSON (`o:errorDetails`,
//! `o:errorCode`), RESTlet and token-endpoint JSON (`{"error":{"code","message"}}`), the
//! `WWW-Authenticate` header, and the clock skew read from the `Date` header (docs/design.md §6).

use std::time::SystemTime;

use serde_json::Value;

use crate::error::{ExitKind, Failure};

/// Codes that mean "these credentials were refused" (exit 3).
const REJECTED_CODES: &[&str] = &[
    "INVALID_LOGIN_ATTEMPT",
    "INVALID_LOGIN",
    "INVALID_LOGIN_CREDENTIALS",
    "USER_ERROR_INVALID_LOGIN",
    "InvalidSignature",
    "InvalidTimestamp",
    "NonceRejected",
    "nonce_used",
    "token_rejected",
    "UnknownIntegration",
    "IntegrationBlocked",
    "TokenRevoked",
    "InvalidToken",
];

/// How a refused request proved itself, for the hints that fit it: a TBA signature's realm
/// and clock, or a Bearer token's login (docs/design.md §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sent {
    /// An OAuth 1.0a signature with this realm.
    Signature(String),
    /// An OAuth 2.0 access token (authorization code or client credentials).
    Bearer,
}

/// What NetSuite said about a failed request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetSuiteError {
    pub status: u16,
    pub code: Option<String>,
    pub message: Option<String>,
    pub www_authenticate: Option<String>,
    /// NetSuite's clock minus ours, in seconds, from the `Date` header.
    pub skew_secs: Option<i64>,
}

impl NetSuiteError {
    /// Decodes a response. Never fails: what cannot be decoded becomes a short snippet.
    pub fn decode(
        status: u16,
        www_authenticate: Option<&str>,
        date: Option<&str>,
        body: &[u8],
    ) -> NetSuiteError {
        let mut err = NetSuiteError {
            status,
            www_authenticate: www_authenticate.map(str::to_string),
            skew_secs: date.and_then(skew_from_date),
            ..Default::default()
        };
        if let Ok(json) = serde_json::from_slice::<Value>(body) {
            let (code, message) = decode_json(&json);
            err.code = code;
            err.message = message;
        } else if !body.is_empty() {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if !text.is_empty() {
                err.message = Some(snippet(text));
            }
        }
        if err.code.is_none()
            && let Some(header) = www_authenticate
        {
            err.code = auth_param(header, "error");
            if err.message.is_none() {
                err.message = auth_param(header, "error_description");
            }
        }
        // Everything here came from the server and ends up on a terminal.
        err.code = err.code.map(|c| crate::ui::escape(&c));
        err.message = err.message.map(|m| crate::ui::escape(&m));
        err
    }

    /// Whether NetSuite refused the credentials themselves.
    pub fn is_rejection(&self) -> bool {
        self.status == 401
            || self
                .code
                .as_deref()
                .is_some_and(|c| REJECTED_CODES.iter().any(|r| r.eq_ignore_ascii_case(c)))
    }

    /// A message for people, with the hint of docs/design.md §6 for refused credentials.
    pub fn describe(&self, sent: &Sent) -> String {
        let mut out = format!("NetSuite answered HTTP {}", self.status);
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => out.push_str(&format!(": {c}: {m}")),
            (Some(c), None) => out.push_str(&format!(": {c}")),
            (None, Some(m)) => out.push_str(&format!(": {m}")),
            (None, None) => {}
        }
        if self.is_rejection() {
            out.push_str(
                "\nhint: NetSuite refused these credentials. Check:\n  \
                 - the Login Audit Trail (Setup > Users/Roles > User Management > View Login \
                 Audit Trail) says why;\n  \
                 - the token may be revoked, or made in another environment (sandbox tokens \
                 are not copied from production and die on a sandbox refresh);\n",
            );
            let realm = match sent {
                Sent::Bearer => {
                    out.push_str(
                        "  - an OAuth 2.0 login ends when its refresh token does, and client \
                         credentials when their certificate is revoked or expires \
                         (`nstba auth certs`); the role needs Log in using OAuth 2.0 Access \
                         Tokens",
                    );
                    return out;
                }
                Sent::Signature(realm) => realm,
            };
            out.push_str(&format!(
                "  - the realm must be the account ID in upper case with '_' (sent: {realm});\n"
            ));
            match self.skew_secs {
                Some(s) if s.abs() > 60 => out.push_str(&format!(
                    "  - clock skew: NetSuite's clock is {} s {} this machine's; NetSuite \
                     rejects timestamps more than 5 minutes off: fix the local clock",
                    s.abs(),
                    if s > 0 { "ahead of" } else { "behind" }
                )),
                _ => out.push_str("  - the local clock must be within 5 minutes of NetSuite's"),
            }
        }
        out
    }

    /// A message for a failed step of the authorization flow, with the hint for the error
    /// NetSuite named (docs/design.md §3).
    pub fn describe_flow(&self, step: &str) -> String {
        let mut out = format!("{step} failed: NetSuite answered HTTP {}", self.status);
        match (&self.code, &self.message) {
            (Some(c), Some(m)) => out.push_str(&format!(": {c}: {m}")),
            (Some(c), None) => out.push_str(&format!(": {c}")),
            (None, Some(m)) => out.push_str(&format!(": {m}")),
            (None, None) => {}
        }
        let hint = match self.code.as_deref() {
            Some(code) => flow_hint(code),
            None if self.status == 405 => Some(
                "the account is not set up for the authorization flow: enable Token-Based \
                 Authentication (Setup > Company > Enable Features > SuiteCloud) and check the \
                 account ID",
            ),
            None => None,
        };
        if let Some(h) = hint {
            out.push_str(&format!("\nhint: {h}"));
        }
        if let Some(s) = self.skew_secs.filter(|s| s.abs() > 60) {
            out.push_str(&format!(
                "\nhint: NetSuite's clock is {} s {} this machine's; fix the local clock",
                s.abs(),
                if s > 0 { "ahead of" } else { "behind" }
            ));
        }
        out
    }

    pub fn exit_kind(&self) -> ExitKind {
        if self.is_rejection() {
            ExitKind::Rejected
        } else {
            ExitKind::Error
        }
    }

    pub fn into_failure(self, sent: &Sent) -> Failure {
        Failure::new(self.exit_kind(), self.describe(sent))
    }
}

/// What to do about an error the flow endpoints name (docs/design.md §3).
pub fn flow_hint(code: &str) -> Option<&'static str> {
    Some(match code {
        "UnknownIntegration" => {
            "the consumer key is not an integration record of this account: copy it from \
             Setup > Integration > Manage Integrations (sandboxes have their own records after a \
             refresh), and check the account ID"
        }
        "IntegrationBlocked" => {
            "the integration record is blocked: set its State to Enabled (Setup > Integration > \
             Manage Integrations)"
        }
        "AuthorizationFlowRequired" => {
            "tick \"TBA: Authorization Flow\" on the integration record and set its Callback URL \
             (http://localhost:7777/tba, or http://localhost:* for any port)"
        }
        "InvalidCallback" => {
            "the callback URL must match the integration record's Callback URL: set the record to \
             http://localhost:7777/tba (or http://localhost:* for any port), or pass the record's \
             URL with --callback-url"
        }
        "InvalidTimestamp" => "the local clock must be within 5 minutes of NetSuite's",
        "InvalidSignature" => {
            "the consumer secret does not match the consumer key (copy both from the \
             integration record again)"
        }
        "MissingRequiredParameter" => "a required OAuth parameter was missing: please report this",
        "NonceRejected" | "nonce_used" => "a nonce was reused or too short: run the login again",
        "InvalidVerifier" | "InvalidToken" => {
            "the authorization expired or was already used: run the login again"
        }
        _ => return None,
    })
}

fn decode_json(json: &Value) -> (Option<String>, Option<String>) {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    // RESTlet and token endpoints: {"error":{"code","message"}}
    if let Some(e) = json.get("error") {
        if e.is_object() {
            return (s(e.get("code")), s(e.get("message")));
        }
        // OAuth-style {"error":"...","error_description":"..."}
        return (s(Some(e)), s(json.get("error_description")));
    }
    // REST web services: problem JSON with o:errorDetails
    if let Some(details) = json.get("o:errorDetails").and_then(Value::as_array)
        && let Some(first) = details.first()
    {
        return (
            s(first.get("o:errorCode")),
            s(first.get("detail")).or_else(|| s(json.get("title"))),
        );
    }
    if json.get("title").is_some() || json.get("o:errorCode").is_some() {
        return (s(json.get("o:errorCode")), s(json.get("title")));
    }
    (None, None)
}

/// Reads `name="value"` (or `name=value`) from a `WWW-Authenticate` header.
fn auth_param(header: &str, name: &str) -> Option<String> {
    let rest = header
        .trim_start_matches("OAuth")
        .trim_start_matches("oauth");
    for part in rest.split(',') {
        let (k, v) = part.split_once('=')?;
        if k.trim().eq_ignore_ascii_case(name) {
            return Some(v.trim().trim_matches('"').to_string());
        }
    }
    None
}

fn skew_from_date(date: &str) -> Option<i64> {
    let theirs = httpdate::parse_http_date(date).ok()?;
    let ours = SystemTime::now();
    Some(match theirs.duration_since(ours) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    })
}

fn snippet(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 300 {
        let cut: String = one_line.chars().take(300).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restlet_error() {
        let e = NetSuiteError::decode(
            400,
            None,
            None,
            br#"{"error":{"code":"SSS_REQUEST_LIMIT_EXCEEDED","message":"Too many"}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("SSS_REQUEST_LIMIT_EXCEEDED"));
        assert!(!e.is_rejection());
        assert_eq!(e.exit_kind(), ExitKind::Error);
    }

    #[test]
    fn rest_problem_json_and_hint() {
        let body = br#"{"type":"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.2","title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt.","o:errorCode":"INVALID_LOGIN"}]}"#;
        let e = NetSuiteError::decode(401, None, Some("Sun, 06 Nov 1994 08:49:37 GMT"), body);
        assert_eq!(e.code.as_deref(), Some("INVALID_LOGIN"));
        assert_eq!(e.message.as_deref(), Some("Invalid login attempt."));
        let text = e.describe(&Sent::Signature("123_SB1".into()));
        assert!(text.contains("Login Audit Trail"));
        assert!(text.contains("sent: 123_SB1"));
        assert!(text.contains("behind this machine's"), "{text}");
        assert_eq!(e.exit_kind(), ExitKind::Rejected);
    }

    #[test]
    fn www_authenticate_only() {
        let e = NetSuiteError::decode(
            401,
            Some(
                r#"OAuth realm="123", error="token_rejected", error_description="Invalid login attempt.""#,
            ),
            None,
            b"",
        );
        assert_eq!(e.code.as_deref(), Some("token_rejected"));
        assert_eq!(e.message.as_deref(), Some("Invalid login attempt."));
    }

    #[test]
    fn html_body_becomes_snippet() {
        let e = NetSuiteError::decode(
            502,
            None,
            None,
            b"<html>\n  <body>Bad gateway</body></html>",
        );
        assert_eq!(
            e.message.as_deref(),
            Some("<html> <body>Bad gateway</body></html>")
        );
        let long = "x".repeat(1000);
        let e = NetSuiteError::decode(500, None, None, long.as_bytes());
        assert!(e.message.unwrap().chars().count() <= 301);
    }
}
