//! Authorized HTTP calls to NetSuite. Each call is authorized just before it is sent, over the
//! exact URL reqwest puts on the wire (the `url::Url` is handed to reqwest unchanged, so the
//! query that was signed is the query that is sent). [`Client::send_retrying`] adds the
//! retries that an account's concurrency limit calls for (docs/design.md §8): a RESTlet over
//! the limit answers HTTP 400 `SSS_REQUEST_LIMIT_EXCEEDED`, REST answers 429, and 5xx and
//! dropped connections happen; each is retried with exponential backoff, jitter and
//! `Retry-After`, re-signed with a fresh nonce and timestamp every time.

use std::time::Duration;

use anyhow::Result;
use bytes::Bytes;
use rand::RngExt as _;
use reqwest::header::HeaderMap;
use url::Url;

use crate::auth::Authorizer;
pub use crate::http::Reply;
use crate::http::{FORM, Http, NetworkFault, Redirects, SendError};
use crate::ui;

/// An HTTP client for NetSuite.
#[derive(Clone)]
pub struct Client {
    http: Http,
    /// The window of a parallel run, told of each call that went through or was refused.
    limiter: Option<std::sync::Arc<crate::netsuite::limiter::Limiter>>,
}

impl Client {
    /// The process's client (see [`Http::shared`]).
    pub fn new() -> Result<Client> {
        Ok(Client::over(Http::shared()?))
    }

    /// A client over a transport of the caller's (the library makes its own).
    pub fn over(http: Http) -> Client {
        Client {
            http,
            limiter: None,
        }
    }

    /// The transport under this client (token endpoints are reached through it).
    pub fn http(&self) -> &Http {
        &self.http
    }

    /// The same client, telling `limiter` how each call went (deploy's and fetch's window).
    pub fn with_limiter(
        mut self,
        limiter: std::sync::Arc<crate::netsuite::limiter::Limiter>,
    ) -> Client {
        self.limiter = Some(limiter);
        self
    }

    /// Signs and sends a request once (a call that may not be idempotent is never repeated).
    /// Form-encoded bodies have their parameters signed.
    pub async fn send(
        &self,
        auth: &Authorizer,
        method: &str,
        url: &Url,
        headers: HeaderMap,
        body: Option<Bytes>,
    ) -> Result<Reply> {
        self.send_retrying(auth, method, url, headers, body, &Retry::once())
            .await
    }

    /// Signs and sends a request, retrying what the account's concurrency limit and passing
    /// faults call for (see the module comment). Other answers, errors included, come back
    /// as they are.
    pub async fn send_retrying(
        &self,
        auth: &Authorizer,
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
                .authorized_headers(auth, method, url, headers.clone(), body.as_deref(), false)
                .await?;
            let call = self.limiter.as_ref().map(|l| l.call());
            let outcome = self
                .http
                .try_send(method, url, authorized, body.clone(), Redirects::Follow)
                .await;
            attempt += 1;
            // Any 401 to a Bearer request gets one forced refresh (or a new assertion) and one
            // retry (docs/design.md §10): NetSuite's REST 401 is a problem body with
            // INVALID_LOGIN and documents no Bearer challenge, so none is waited for. A token
            // revoked or invalidated before its time is renewed this way.
            if let Ok(reply) = &outcome
                && !refreshed
                && auth.retry_after_refresh()
                && reply.status == 401
            {
                refreshed = true;
                ui::verbose("NetSuite refused the access token: renewing it once");
                let authorized = self
                    .authorized_headers(auth, method, url, headers.clone(), body.as_deref(), true)
                    .await?;
                let retried = self
                    .http
                    .try_send(method, url, authorized, body.clone(), Redirects::Follow)
                    .await;
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
                Err(SendError::Network(e)) => {
                    let fault = NetworkFault::of(e);
                    let attempts = match fault {
                        NetworkFault::Refused => retry.attempts.min(5),
                        _ => retry.attempts,
                    };
                    Some((Why::Network(fault), None, attempts))
                }
                Err(SendError::Other(_)) => None,
            };
            match again {
                Some((why, after, attempts)) if attempt < attempts => {
                    let mut delay = retry.delay(attempt, after);
                    if why == Why::Network(NetworkFault::Refused) {
                        delay = delay.min(Duration::from_secs(1));
                    }
                    let line = format!(
                        "{} ({method} {}); retrying in {}, attempt {} of {attempts}",
                        why.describe(),
                        url.path(),
                        human_delay(delay),
                        attempt + 1,
                    );
                    // Counted in the summary, each said only with -v; and of calls that wait at
                    // once, one says so for the run (issue 19: 4 calls to a closed port printed
                    // 16 lines in 3 s).
                    let expected = finding;
                    if expected || !retry_line_due(delay) {
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

/// Whether a retry line is said now: not while the wait of the last one said is still on
/// (the other calls' waits overlap it). Run-wide.
fn retry_line_due(delay: Duration) -> bool {
    static QUIET_UNTIL: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);
    let now = std::time::Instant::now();
    let mut until = QUIET_UNTIL.lock().unwrap_or_else(|p| p.into_inner());
    if until.is_some_and(|u| now < u) {
        return false;
    }
    *until = Some(now + delay);
    true
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

/// Why a call is tried again.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Why {
    /// 429.
    Busy,
    /// 5xx.
    ServerError(u16),
    /// A RESTlet's 400 `SSS_REQUEST_LIMIT_EXCEEDED`.
    LimitExceeded,
    Network(NetworkFault),
}

impl Why {
    fn describe(&self) -> String {
        match self {
            Why::Busy => "NetSuite is busy (HTTP 429)".into(),
            Why::ServerError(status) => format!("NetSuite answered HTTP {status}"),
            Why::LimitExceeded => {
                "the account's concurrency limit is reached (SSS_REQUEST_LIMIT_EXCEEDED)".into()
            }
            Why::Network(fault) => fault.describe().into(),
        }
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
fn retryable(reply: &Reply) -> Option<Why> {
    let status = reply.status.as_u16();
    if status == 429 {
        return Some(Why::Busy);
    }
    if status >= 500 {
        return Some(Why::ServerError(status));
    }
    if status == 400 && reply.error().code.as_deref() == Some("SSS_REQUEST_LIMIT_EXCEEDED") {
        return Some(Why::LimitExceeded);
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
    /// credential (the seam of [`Authorizer`]).
    async fn authorized_headers(
        &self,
        auth: &Authorizer,
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
        let value = auth
            .authorization(&self.http, method, url, form_body, force_refresh)
            .await?;
        headers.insert(
            reqwest::header::AUTHORIZATION,
            crate::http::sensitive(value.expose())?,
        );
        Ok(headers)
    }
}
