//! The transport every NetSuite call goes through (docs/design.md §8): one reqwest client per
//! process, each answer read while it streams and capped by where it comes from, and network
//! failures turned into exit code 5 with the origin they were for. Nothing here knows about
//! credentials: the token endpoints (`auth`) and the authorized client (`netsuite`) both send
//! through [`Http`].

pub mod errors;
mod runtime;

pub use runtime::{block_on, finish_started, settle, unfinished};

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::error::Failure;
use crate::ui;

/// The `Content-Type` of token requests, and the one whose body parameters TBA signs.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: reqwest::StatusCode,
    pub version: reqwest::Version,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn is_success(&self) -> bool {
        self.status.is_success()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// NetSuite's error, decoded.
    pub fn error(&self) -> errors::NetSuiteError {
        errors::NetSuiteError::decode(
            self.status.as_u16(),
            self.header("www-authenticate"),
            self.header("date"),
            &self.body,
        )
    }
}

/// Why one send failed.
pub enum SendError {
    /// Connection refused or reset, timed out, body cut short: worth another try.
    Network(reqwest::Error),
    Other(anyhow::Error),
}

/// What kind of network failure a send met: the retry loop decides on this, not on text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetworkFault {
    /// Nothing listens there (or it went away): a few quick tries.
    Refused,
    TimedOut,
    /// Reset, cut short, or anything else on the way.
    Failed,
}

impl NetworkFault {
    pub fn of(e: &reqwest::Error) -> NetworkFault {
        if e.is_connect() {
            NetworkFault::Refused
        } else if e.is_timeout() {
            NetworkFault::TimedOut
        } else {
            NetworkFault::Failed
        }
    }

    /// For people, in a retry line.
    pub fn describe(self) -> &'static str {
        match self {
            NetworkFault::Refused => "connection refused",
            NetworkFault::TimedOut => "timed out",
            NetworkFault::Failed => "the connection failed",
        }
    }
}

impl SendError {
    pub fn into_error(self, url: &Url) -> anyhow::Error {
        match self {
            SendError::Network(e) => network_error(e, url),
            SendError::Other(e) => e,
        }
    }
}

/// Whether a send follows a redirect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redirects {
    /// API calls: reqwest follows them and drops `Authorization` across origins.
    Follow,
    /// Token, revoke and certificate endpoints: a 3xx would carry a refresh token, a PKCE
    /// verifier or an assertion to wherever it points, and bring back tokens from there.
    Refuse,
}

/// The HTTP client: cheap to clone (reqwest's pool is shared).
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    /// The same, following no redirect (token endpoints).
    no_redirects: reqwest::Client,
    /// A cap below [`body_cap`]'s for every answer (probes such as `auth status`'s).
    cap: Option<u64>,
}

impl Http {
    /// A new client with nstba's user agent and timeouts (the library makes its own).
    pub fn new() -> Result<Http> {
        let builder = || {
            reqwest::Client::builder()
                .user_agent(concat!("nstba/", env!("CARGO_PKG_VERSION")))
                .connect_timeout(Duration::from_secs(30))
                .read_timeout(Duration::from_secs(120))
        };
        Ok(Http {
            client: builder().build().context("cannot start the HTTP client")?,
            no_redirects: builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .context("cannot start the HTTP client")?,
            cap: None,
        })
    }

    /// The same client, reading at most `max` bytes of any answer: a probe that only needs
    /// the status and a short error must not read a hostile server's 64 MB, many at once.
    pub fn capped(mut self, max: u64) -> Http {
        self.cap = Some(max);
        self
    }

    /// The command's one client, made on first use (commands that never call NetSuite never
    /// make one). Use it inside [`block_on`]'s runtime: its connections belong to that runtime.
    pub fn shared() -> Result<Http> {
        static SHARED: OnceLock<Http> = OnceLock::new();
        if let Some(http) = SHARED.get() {
            return Ok(http.clone());
        }
        let http = Http::new()?;
        Ok(SHARED.get_or_init(|| http).clone())
    }

    /// Sends a request to a token endpoint (flow steps, token, revoke): its headers are
    /// complete, its answer read within its cap, and a redirect is an error that names where it
    /// pointed, never followed.
    pub async fn send(
        &self,
        method: &str,
        url: &Url,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<Reply> {
        let reply = self
            .try_send(method, url, headers, body, Redirects::Refuse)
            .await
            .map_err(|e| e.into_error(url))?;
        if reply.status.is_redirection() {
            let to = reply.header("location").unwrap_or("nowhere said");
            return Err(Failure::error(format!(
                "{} answered HTTP {} pointing to {}: nstba never follows a redirect from a \
                 token endpoint (it would carry the request's secrets there). Check \
                 --netsuite-url or NSTBA_NETSUITE_URL if set, and any proxy",
                url.path(),
                reply.status.as_u16(),
                ui::escape(to)
            ))
            .into());
        }
        Ok(reply)
    }

    /// POSTs `form` as `application/x-www-form-urlencoded` with `headers` (the token
    /// endpoints' requests).
    pub async fn post_form(
        &self,
        url: &Url,
        mut headers: HeaderMap,
        form: &[(&str, &str)],
    ) -> Result<Reply> {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(FORM));
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send("POST", url, headers, Some(Bytes::from(body)))
            .await
    }

    /// One send, its failure kept apart for the retry loop.
    pub async fn try_send(
        &self,
        method: &str,
        url: &Url,
        headers: HeaderMap,
        body: Option<Bytes>,
        redirects: Redirects,
    ) -> Result<Reply, SendError> {
        let method_v = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| {
                SendError::Other(Failure::usage(format!("'{method}' is not an HTTP method")).into())
            })?;
        let started = Instant::now();
        if ui::is_verbose() {
            ui::verbose(format!("> {method_v} {}", shown(url)));
        }
        let client = match redirects {
            Redirects::Follow => &self.client,
            Redirects::Refuse => &self.no_redirects,
        };
        let mut req = client
            .request(method_v.clone(), url.clone())
            .headers(headers);
        if let Some(body) = body {
            req = req.body(body);
        }
        let mut resp = req.send().await.map_err(SendError::Network)?;
        let status = resp.status();
        let version = resp.version();
        let headers = resp.headers().clone();
        let cap = self.cap.map_or(body_cap(url), |c| c.min(body_cap(url)));
        let too_large = || {
            SendError::Other(
                Failure::error(format!(
                    "the answer to {method_v} {} was larger than {}, more than NetSuite ever \
                     sends there: nstba stopped reading it. Check --netsuite-url or \
                     NSTBA_NETSUITE_URL if set, or the RESTlet",
                    url.path(),
                    ui::human_bytes(cap)
                ))
                .into(),
            )
        };
        if resp.content_length().is_some_and(|n| n > cap) {
            return Err(too_large());
        }
        // Read as it streams, never more than the cap: an endless body keeps memory flat.
        let mut body =
            bytes::BytesMut::with_capacity(resp.content_length().unwrap_or(0).min(cap) as usize);
        while let Some(chunk) = resp.chunk().await.map_err(SendError::Network)? {
            if (body.len() + chunk.len()) as u64 > cap {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        ui::verbose(format!(
            "< {} {} ({} ms, {} bytes)",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            started.elapsed().as_millis(),
            body.len()
        ));
        Ok(Reply {
            status,
            version,
            headers,
            body,
        })
    }
}

/// A URL as `-v` prints it: a token ID in the query (revoketoken's `token`) masked as
/// `auth info` masks it, first 4 characters then `…`.
fn shown(url: &Url) -> String {
    if !url.query_pairs().any(|(k, _)| k == "token") {
        return url.to_string();
    }
    let mut masked = url.clone();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "token" {
                format!("{}…", v.chars().take(4).collect::<String>())
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    masked.query_pairs_mut().clear().extend_pairs(pairs);
    masked.to_string().replace("%E2%80%A6", "…")
}

/// The most nstba reads of an answer (docs/design.md §8): a RESTlet answers at most 10 MB, a
/// token endpoint a few hundred bytes, a REST or SuiteQL page far less than 64 MB.
pub fn body_cap(url: &Url) -> u64 {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    let path = url.path();
    if path.ends_with("/restlet.nl") {
        11 * MB
    } else if path.starts_with("/rest/") || path.starts_with("/services/rest/auth/") {
        64 * KB
    } else {
        64 * MB
    }
}

/// Parses `Name: value` header arguments.
pub fn parse_header(raw: &str) -> Result<(HeaderName, HeaderValue), Failure> {
    let (name, value) = raw.split_once(':').ok_or_else(|| {
        Failure::usage(format!(
            "header '{raw}' is not of the form 'Name: value' (for example -H 'Accept: application/json')"
        ))
    })?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| Failure::usage(format!("'{}' is not a valid header name", name.trim())))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| Failure::usage(format!("the value of header '{name}' is not valid")))?;
    Ok((name, value))
}

/// A header value that `Debug` and logs never show (an `Authorization`).
pub fn sensitive(value: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(value)
        .context("the Authorization header is not a valid header value")?;
    v.set_sensitive(true);
    Ok(v)
}

fn network_error(e: reqwest::Error, url: &Url) -> anyhow::Error {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let origin = format!(
        "{}://{}",
        url.scheme(),
        crate::account::origin_authority(url)
    );
    let mut chain = String::new();
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(s) = source {
        if !chain.is_empty() {
            chain.push_str(": ");
        }
        chain.push_str(&s.to_string());
        source = s.source();
    }
    Failure::network(format!(
        "the request to {origin} {what} ({chain}). Check the network, the account ID, and \
         --netsuite-url/NSTBA_NETSUITE_URL if set"
    ))
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbose_urls_mask_token_ids() {
        let url = Url::parse("http://x/rest/revoketoken?consumerKey=ck&token=abcdef123").unwrap();
        assert_eq!(
            shown(&url),
            "http://x/rest/revoketoken?consumerKey=ck&token=abcd…"
        );
        let plain = Url::parse("http://x/a?b=c").unwrap();
        assert_eq!(shown(&plain), "http://x/a?b=c");
    }
}
