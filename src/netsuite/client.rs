//! Signed HTTP calls to NetSuite. Each call is signed just before it is sent, over the exact
//! URL reqwest puts on the wire (the `url::Url` is handed to reqwest unchanged, so the query
//! that was signed is the query that is sent). [`Client::send_retrying`] adds the retries
//! that an account's concurrency limit calls for (SPEC 8): a RESTlet over the limit answers
//! HTTP 400 `SSS_REQUEST_LIMIT_EXCEEDED`, REST answers 429, and 5xx and dropped connections
//! happen; each is retried with exponential backoff, jitter and `Retry-After`, re-signed with
//! a fresh nonce and timestamp every time.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use bytes::Bytes;
use rand::RngExt as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::auth::tba::signer::{self, SignInput, Signed};
use crate::credentials::Credentials;
use crate::error::Failure;
use crate::ui;

/// The `Content-Type` whose body parameters are signed.
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
    pub fn error(&self) -> crate::netsuite::errors::NetSuiteError {
        crate::netsuite::errors::NetSuiteError::decode(
            self.status.as_u16(),
            self.header("www-authenticate"),
            self.header("date"),
            &self.body,
        )
    }
}

/// Signs a request with a TBA token (fresh nonce and timestamp unless given).
pub fn sign_request(
    account: &crate::account::AccountId,
    pair: &crate::auth::TbaPair,
    method: &str,
    url: &Url,
    form_body: Option<&[u8]>,
    nonce: Option<&str>,
    timestamp: Option<u64>,
) -> Result<Signed> {
    let fresh_nonce;
    let nonce = match nonce {
        Some(n) => n,
        None => {
            fresh_nonce = signer::new_nonce();
            &fresh_nonce
        }
    };
    let realm = account.realm();
    let signed = signer::sign(&SignInput {
        method,
        url,
        realm: Some(&realm),
        consumer_key: &pair.consumer_key,
        consumer_secret: &pair.consumer_secret,
        token: Some(&pair.token_id),
        token_secret: Some(&pair.token_secret),
        callback: None,
        verifier: None,
        header_params: &[],
        form_body,
        nonce,
        timestamp: timestamp.unwrap_or_else(signer::now_timestamp),
    })
    .map_err(|e| Failure::usage(e.to_string()))?;
    Ok(signed)
}

/// An HTTP client for NetSuite.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// The window of a parallel run, told of each call that went through or was refused.
    limiter: Option<std::sync::Arc<crate::netsuite::limiter::Limiter>>,
}

impl Client {
    pub fn new() -> Result<Client> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("nstba/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(Duration::from_secs(120))
            .build()
            .context("cannot start the HTTP client")?;
        Ok(Client {
            http,
            limiter: None,
        })
    }

    /// The same client, telling `limiter` how each call went (deploy's and fetch's window).
    pub fn with_limiter(
        mut self,
        limiter: std::sync::Arc<crate::netsuite::limiter::Limiter>,
    ) -> Client {
        self.limiter = Some(limiter);
        self
    }

    /// Sends a request whose `Authorization` header is already made (the flow's own calls).
    pub async fn send_raw(
        &self,
        method: &str,
        url: &Url,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<Reply> {
        self.send_once(method, url, headers, body)
            .await
            .map_err(|e| e.into_error(url))
    }

    async fn send_once(
        &self,
        method: &str,
        url: &Url,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<Reply, SendError> {
        let method_v = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| {
                SendError::Other(Failure::usage(format!("'{method}' is not an HTTP method")).into())
            })?;
        let started = Instant::now();
        ui::verbose(format!("> {method_v} {url}"));
        let mut req = self
            .http
            .request(method_v.clone(), url.clone())
            .headers(headers);
        if let Some(body) = body {
            req = req.body(body);
        }
        let mut resp = req.send().await.map_err(SendError::Network)?;
        let status = resp.status();
        let version = resp.version();
        let headers = resp.headers().clone();
        let cap = body_cap(url);
        let too_large = || {
            SendError::Other(
                Failure::error(format!(
                    "the answer to {method_v} {} was larger than {}, more than NetSuite ever \
                     sends there: nstba stopped reading it. Check --netsuite-url or \
                     NSTBA_NETSUITE_URL if set, or the RESTlet",
                    url.path(),
                    crate::commands::transfer::human_bytes(cap)
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

    /// Signs and sends a request once (a call that may not be idempotent is never repeated).
    /// Form-encoded bodies have their parameters signed.
    pub async fn send(
        &self,
        creds: &Credentials,
        method: &str,
        url: &Url,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<Reply> {
        self.send_retrying(creds, method, url, headers, body, &Retry::once())
            .await
    }

    /// Signs and sends a request, retrying what the account's concurrency limit and passing
    /// faults call for (see the module comment). Other answers, errors included, come back
    /// as they are.
    pub async fn send_retrying(
        &self,
        creds: &Credentials,
        method: &str,
        url: &Url,
        headers: HeaderMap,
        body: Option<Bytes>,
        retry: &Retry,
    ) -> Result<Reply> {
        let mut attempt = 0u32;
        let mut refreshed = false;
        loop {
            let authorized = self
                .authorized_headers(creds, method, url, headers.clone(), body.as_deref(), false)
                .await?;
            let call = self.limiter.as_ref().map(|l| l.call());
            let outcome = self.send_once(method, url, authorized, body.clone()).await;
            attempt += 1;
            // An OAuth 2.0 access token NetSuite calls invalid gets one forced refresh and
            // one retry (SPEC 10).
            if let Ok(reply) = &outcome
                && !refreshed
                && matches!(
                    creds.grant,
                    crate::auth::Grant::OAuth2(_) | crate::auth::Grant::M2m(_)
                )
                && reply.status == 401
                && reply
                    .header("www-authenticate")
                    .is_some_and(|h| h.contains("invalid_token"))
            {
                refreshed = true;
                ui::verbose("NetSuite called the access token invalid: refreshing it once");
                let authorized = self
                    .authorized_headers(creds, method, url, headers.clone(), body.as_deref(), true)
                    .await?;
                let retried = self.send_once(method, url, authorized, body.clone()).await;
                if !matches!(&retried, Ok(r) if retryable(r).is_some()) {
                    return retried.map_err(|e| e.into_error(url));
                }
                continue;
            }
            if let (Some(limiter), Ok(reply)) = (&self.limiter, &outcome) {
                if is_limit_refusal(reply) {
                    limiter.refused();
                    // A refused call made no room in the account for anyone.
                    if let Some(call) = call {
                        call.end_quietly();
                    }
                } else if reply.status.is_success() {
                    // Only a call that went through says the account took it: an error may
                    // stop the run, and must not widen the window on its way.
                    limiter.succeeded();
                }
            }
            // Under a found window, a refusal is how the limit is found, not a failure: such
            // retries wait for room and may take longer than others.
            let finding = self.limiter.as_ref().is_some_and(|l| l.is_adaptive())
                && matches!(&outcome, Ok(r) if is_limit_refusal(r));
            let again = match &outcome {
                Ok(reply) if finding => retryable(reply)
                    .map(|why| (why, retry_after(reply), retry.attempts.saturating_mul(4))),
                Ok(reply) => retryable(reply).map(|why| (why, retry_after(reply), retry.attempts)),
                // Nothing listening: a few quick tries (about 3 s), not the patience that a
                // busy account deserves.
                Err(SendError::Network(e)) if e.is_connect() => Some((
                    "connection refused".to_string(),
                    None,
                    retry.attempts.min(5),
                )),
                Err(SendError::Network(e)) if e.is_timeout() => {
                    Some(("timed out".to_string(), None, retry.attempts))
                }
                Err(SendError::Network(_)) => {
                    Some(("the connection failed".to_string(), None, retry.attempts))
                }
                Err(SendError::Other(_)) => None,
            };
            match again {
                Some((why, after, attempts)) if attempt < attempts => {
                    let mut delay = retry.delay(attempt, after);
                    if why == "connection refused" {
                        delay = delay.min(Duration::from_secs(1));
                    }
                    let line = format!(
                        "{why} ({method} {}); retrying in {}, attempt {} of {attempts}",
                        url.path(),
                        human_delay(delay),
                        attempt + 1,
                    );
                    // Counted in the summary, each said only with -v.
                    let expected = finding;
                    if expected {
                        ui::verbose(line);
                    } else {
                        ui::info(line);
                    }
                    match (&self.limiter, expected) {
                        (Some(limiter), true) => limiter.wait_for_room(delay).await,
                        _ => tokio::time::sleep(delay).await,
                    }
                }
                _ => return outcome.map_err(|e| e.into_error(url)),
            }
        }
    }
}

/// A wait for people: `400 ms`, `2 s`, `1.5 s`.
fn human_delay(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() < 50 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// Why one send failed.
enum SendError {
    /// Connection refused or reset, timed out, body cut short: worth another try.
    Network(reqwest::Error),
    Other(anyhow::Error),
}

impl SendError {
    fn into_error(self, url: &Url) -> anyhow::Error {
        match self {
            SendError::Network(e) => network_error(e, url),
            SendError::Other(e) => e,
        }
    }
}

/// The most nstba reads of an answer (SPEC 8): a RESTlet answers at most 10 MB, a token
/// endpoint a few hundred bytes, a REST or SuiteQL page far less than 64 MB.
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

/// An account's concurrency limit refusing a call: 429, or a RESTlet's 400
/// `SSS_REQUEST_LIMIT_EXCEEDED`.
fn is_limit_refusal(reply: &Reply) -> bool {
    let status = reply.status.as_u16();
    status == 429
        || (status == 400 && reply.error().code.as_deref() == Some("SSS_REQUEST_LIMIT_EXCEEDED"))
}

/// When a reply is worth another try: 429, 5xx, and a RESTlet's 400
/// `SSS_REQUEST_LIMIT_EXCEEDED` (a 400 is not always final).
fn retryable(reply: &Reply) -> Option<String> {
    let status = reply.status.as_u16();
    if status == 429 {
        return Some("NetSuite is busy (HTTP 429)".into());
    }
    if status >= 500 {
        return Some(format!("NetSuite answered HTTP {status}"));
    }
    if status == 400 && reply.error().code.as_deref() == Some("SSS_REQUEST_LIMIT_EXCEEDED") {
        return Some(
            "the account's concurrency limit is reached (SSS_REQUEST_LIMIT_EXCEEDED)".into(),
        );
    }
    None
}

/// `Retry-After` in seconds (the HTTP-date form is read too).
fn retry_after(reply: &Reply) -> Option<Duration> {
    let raw = reply.header("retry-after")?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(raw).ok()?;
    when.duration_since(std::time::SystemTime::now()).ok()
}

/// How often and how patiently to retry.
#[derive(Clone, Debug)]
pub struct Retry {
    /// Tries in all, the first included.
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 8,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
        }
    }
}

impl Retry {
    /// One try, no retry.
    pub fn once() -> Retry {
        Retry {
            attempts: 1,
            ..Retry::default()
        }
    }

    /// Exponential backoff with jitter (half fixed, half random), never less than what
    /// `Retry-After` asked for (up to a minute).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.cap);
        let jittered = exp / 2 + exp.mul_f64(rand::rng().random::<f64>() / 2.0);
        match retry_after {
            Some(ra) => jittered.max(ra.min(Duration::from_secs(60))),
            None => jittered,
        }
    }
}

impl Client {
    /// The headers with a fresh `Authorization` for this request, whatever the kind of
    /// credential (the seam of [`crate::auth::Grant`]).
    async fn authorized_headers(
        &self,
        creds: &Credentials,
        method: &str,
        url: &Url,
        mut headers: HeaderMap,
        body: Option<&[u8]>,
        force_refresh: bool,
    ) -> Result<HeaderMap> {
        let is_form = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.trim().to_ascii_lowercase().starts_with(FORM));
        let form_body = if is_form { body } else { None };
        let value = creds
            .grant
            .authorization(self, &creds.account, method, url, form_body, force_refresh)
            .await?;
        let mut auth = HeaderValue::from_str(value.expose())
            .context("the Authorization header is not a valid header value")?;
        auth.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, auth);
        Ok(headers)
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
