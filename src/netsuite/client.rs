//! Signed HTTP calls to NetSuite. Each call is signed just before it is sent, over the exact
//! URL reqwest puts on the wire (the `url::Url` is handed to reqwest unchanged, so the query
//! that was signed is the query that is sent).

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::credentials::Credentials;
use crate::error::Failure;
use crate::oauth::signer::{self, SignInput, Signed};
use crate::ui;

/// The `Content-Type` whose body parameters are signed.
pub const FORM: &str = "application/x-www-form-urlencoded";

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: reqwest::StatusCode,
    pub version: reqwest::Version,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
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

/// Signs a request with a set of credentials (fresh nonce and timestamp unless given).
pub fn sign_request(
    creds: &Credentials,
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
    let realm = creds.account.realm();
    let signed = signer::sign(&SignInput {
        method,
        url,
        realm: Some(&realm),
        consumer_key: &creds.consumer_key,
        consumer_secret: &creds.consumer_secret,
        token: Some(&creds.token_id),
        token_secret: Some(&creds.token_secret),
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
}

impl Client {
    pub fn new() -> Result<Client> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("nstba/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(30))
            .read_timeout(Duration::from_secs(120))
            .build()
            .context("cannot start the HTTP client")?;
        Ok(Client { http })
    }

    /// Sends a request whose `Authorization` header is already made (the flow's own calls).
    pub async fn send_raw(
        &self,
        method: &str,
        url: &Url,
        headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Result<Reply> {
        let method_v = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .map_err(|_| Failure::usage(format!("'{method}' is not an HTTP method")))?;
        let started = Instant::now();
        ui::verbose(format!("> {method_v} {url}"));
        let mut req = self
            .http
            .request(method_v.clone(), url.clone())
            .headers(headers);
        if let Some(body) = body {
            req = req.body(body);
        }
        let resp = req.send().await.map_err(|e| network_error(e, url))?;
        let status = resp.status();
        let version = resp.version();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| network_error(e, url))?
            .to_vec();
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

    /// Signs and sends a request. Form-encoded bodies have their parameters signed.
    pub async fn send(
        &self,
        creds: &Credentials,
        method: &str,
        url: &Url,
        mut headers: HeaderMap,
        body: Option<Vec<u8>>,
    ) -> Result<Reply> {
        let is_form = headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.trim().to_ascii_lowercase().starts_with(FORM));
        let form_body = if is_form { body.as_deref() } else { None };
        let signed = sign_request(creds, method, url, form_body, None, None)?;
        let mut auth = HeaderValue::from_str(&signed.authorization)
            .context("the Authorization header is not a valid header value")?;
        auth.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, auth);
        self.send_raw(method, url, headers, body).await
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
