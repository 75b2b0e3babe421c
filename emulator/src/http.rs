//! Reading requests and writing NetSuite-shaped responses: the error bodies of each family of
//! endpoints, the `Date` header (with the clock offset), and the injected faults.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;

use crate::state::State;

/// A request, read whole.
pub struct Req {
    pub method: String,
    /// Path and query exactly as sent.
    pub target: String,
    pub path: String,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The largest body read: RESTlet requests are at most 10 MB, plus room for JSON.
const MAX_BODY: usize = 16 * 1024 * 1024;

impl Req {
    pub async fn read(request: axum::extract::Request) -> Result<Req, Response> {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, MAX_BODY).await.map_err(|_| {
            restlet_error(413, "SSS_REQUEST_TOO_LARGE", "The request is too large.")
        })?;
        let target = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), q.to_string()),
            None => (target.clone(), String::new()),
        };
        let query = crate::oauth::form_pairs(query.as_bytes())
            .into_iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect();
        Ok(Req {
            method: parts.method.as_str().to_string(),
            target,
            path,
            query,
            headers: parts.headers,
            body,
        })
    }

    /// The body's `application/x-www-form-urlencoded` pairs, as text.
    pub fn form(&self) -> Vec<(String, String)> {
        crate::oauth::form_pairs(&self.body)
            .into_iter()
            .map(|(k, v)| {
                (
                    String::from_utf8_lossy(&k).into_owned(),
                    String::from_utf8_lossy(&v).into_owned(),
                )
            })
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_form(&self) -> bool {
        self.header("content-type").is_some_and(|ct| {
            ct.trim()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
    }
}

/// Which kind of NetSuite endpoint a path is: each answers errors in its own shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// The token endpoints under `/rest/`.
    Token,
    /// REST web services under `/services/rest/`.
    Rest,
    /// RESTlets at `/app/site/hosting/restlet.nl`.
    Restlet,
    /// Pages (the consent page) and anything else.
    Page,
}

impl Family {
    pub fn of(path: &str) -> Family {
        if path.starts_with("/services/rest/auth/") {
            Family::Token
        } else if path.starts_with("/services/rest/") {
            Family::Rest
        } else if path == "/app/site/hosting/restlet.nl" {
            Family::Restlet
        } else if path.starts_with("/rest/") {
            Family::Token
        } else {
            Family::Page
        }
    }

    /// REST and RESTlet calls count against the account's concurrency and get faults.
    pub fn is_api(self) -> bool {
        matches!(self, Family::Rest | Family::Restlet)
    }

    pub fn limit_status(self) -> u16 {
        if self == Family::Restlet { 400 } else { 429 }
    }

    /// Over the concurrency limit (Oracle, "Errors Related to Concurrency Violations").
    pub fn limit_response(self) -> Response {
        match self {
            Family::Restlet => restlet_error(
                400,
                "SSS_REQUEST_LIMIT_EXCEEDED",
                "Request limit exceeded. The number of concurrent requests exceeds the \
                 account's limit.",
            ),
            _ => {
                let mut r = problem(
                    429,
                    "Too Many Requests",
                    "CONCURRENCY_LIMIT_EXCEEDED",
                    "Concurrent request limit exceeded. Request blocked.",
                );
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                r
            }
        }
    }

    pub fn server_error(self) -> Response {
        match self {
            Family::Restlet => restlet_error(
                503,
                "SSS_SERVICE_UNAVAILABLE",
                "The service is temporarily unavailable.",
            ),
            _ => problem(
                503,
                "Service Unavailable",
                "SERVICE_UNAVAILABLE",
                "The service is temporarily unavailable.",
            ),
        }
    }
}

pub fn json<T: Serialize + ?Sized>(status: u16, value: &T) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    build(status, "application/json; charset=utf-8", body)
}

pub fn text(status: u16, body: String) -> Response {
    build(status, "text/plain; charset=utf-8", body.into_bytes())
}

pub fn html(status: u16, body: String) -> Response {
    build(status, "text/html; charset=utf-8", body.into_bytes())
}

pub fn empty(status: u16) -> Response {
    build(status, "text/plain", Vec::new())
}

fn build(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub fn redirect(location: &str) -> Response {
    let mut r = empty(302);
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `{"error":{"code","message"}}`, as RESTlets and the token endpoints answer.
pub fn restlet_error(status: u16, code: &str, message: &str) -> Response {
    json(
        status,
        &serde_json::json!({"error": {"code": code, "message": message}}),
    )
}

/// REST web services' problem JSON.
pub fn problem(status: u16, title: &str, code: &str, detail: &str) -> Response {
    json(
        status,
        &serde_json::json!({
            "type": format!("https://www.rfc-editor.org/rfc/rfc9110.html#section-15.{}", match status {
                400..=499 => format!("5.{}", status - 399),
                _ => format!("6.{}", status.saturating_sub(499)),
            }),
            "title": title,
            "status": status,
            "o:errorDetails": [{"detail": detail, "o:errorCode": code}],
        }),
    )
}

/// Headers sent, a few body bytes, then the connection drops.
pub fn dropped_connection() -> Response {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(Bytes::from_static(b"{\"partial\":")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected fault: connection dropped",
        )),
    ];
    let mut r = Response::new(Body::from_stream(futures_util::stream::iter(chunks)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("4096"));
    r
}

/// Stamps NetSuite's `Date` (with the configured clock offset).
pub fn with_date(st: &State, mut r: Response) -> Response {
    let now = std::time::SystemTime::now();
    let offset = std::time::Duration::from_secs(st.config.clock_offset.unsigned_abs());
    let theirs = if st.config.clock_offset >= 0 {
        now + offset
    } else {
        now - offset
    };
    if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(theirs)) {
        r.headers_mut().insert(header::DATE, v);
    }
    r
}
