//! The companion RESTlet's file protocol, version 1 (docs/design.md §8): `list`, `get` and `put` at
//! `<RESTlet domain>/app/site/hosting/restlet.nl?script=S&deploy=D` (the RESTlet also answers
//! `delete`, which nstba does not send yet). Every call is retried as
//! [`Client::send_retrying`] does; every answer must say `"protocol": 1`. Calls here make one
//! request each: sending `remaining` again is the caller's loop, which knows what was
//! confirmed in between.

use std::sync::Arc;

use anyhow::Result;
use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

use crate::account::Domain;
use crate::auth::Authorizer;
use crate::error::Failure;
use crate::netsuite::client::{Client, Reply, Retry};

pub const PROTOCOL: u64 = 1;
pub const DEFAULT_SCRIPT: &str = "customscript_nstba_filecabinet";
pub const DEFAULT_DEPLOY: &str = "customdeploy_nstba_filecabinet";
/// A RESTlet request or response, and one file's content, is at most 10 MB.
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;

/// A file as `list` shows it.
#[derive(Clone, Debug, Deserialize)]
pub struct RemoteFile {
    pub path: String,
    #[serde(default)]
    pub id: Value,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub modified: Option<String>,
}

/// An answer that says which protocol it speaks.
pub trait Versioned {
    fn protocol(&self) -> Option<u64>;
}

macro_rules! versioned {
    ($($t:ty),*) => {$(
        impl Versioned for $t {
            fn protocol(&self) -> Option<u64> {
                self.protocol
            }
        }
    )*};
}
versioned!(Listing, GetReply, ResultsReply);

#[derive(Debug, Deserialize)]
pub struct Listing {
    #[serde(default)]
    pub protocol: Option<u64>,
    pub files: Vec<RemoteFile>,
    #[serde(default)]
    pub truncated: bool,
}

/// A file as `get` returns it.
#[derive(Debug, Deserialize)]
pub struct Fetched {
    pub path: String,
    #[serde(default)]
    pub encoding: String,
    #[serde(default)]
    pub content: String,
}

/// A per-file failure the RESTlet reports.
#[derive(Clone, Debug, Deserialize)]
pub struct FileError {
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

#[derive(Debug, Deserialize)]
pub struct GetReply {
    #[serde(default)]
    pub protocol: Option<u64>,
    #[serde(default)]
    pub files: Vec<Fetched>,
    #[serde(default)]
    pub errors: Vec<FileError>,
    #[serde(default)]
    pub remaining: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// One file's outcome of `put`.
#[derive(Debug, Deserialize)]
pub struct FileResult {
    pub path: String,
    #[serde(default)]
    pub created: Option<bool>,
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

#[derive(Debug, Deserialize)]
pub struct ResultsReply {
    #[serde(default)]
    pub protocol: Option<u64>,
    #[serde(default)]
    pub results: Vec<FileResult>,
    #[serde(default)]
    pub remaining: Vec<String>,
}

/// A `put` request body, written file by file: each file's content is encoded straight into
/// it (text as a JSON string, anything else as base64), so a call holds its files once, as
/// they travel, and never as separate strings beside the body.
pub struct PutBody {
    buf: Vec<u8>,
    files: usize,
}

impl Default for PutBody {
    fn default() -> Self {
        PutBody {
            buf: br#"{"action":"put","files":["#.to_vec(),
            files: 0,
        }
    }
}

impl PutBody {
    /// Adds a file unless the body would then be over `limit` bytes (the first file is always
    /// added). Says whether it was added.
    pub fn push(&mut self, path: &str, content: &[u8], limit: usize) -> bool {
        let mark = self.buf.len();
        // Room for the whole file at once: a body grown by doubling would hold up to twice
        // its size.
        let text = std::str::from_utf8(content).ok();
        let encoded = match text {
            Some(_) => content.len() + content.len() / 8,
            None => base64::encoded_len(content.len(), true).unwrap_or(0),
        };
        self.buf.reserve_exact(encoded + path.len() + 64);
        if self.files > 0 {
            self.buf.push(b',');
        }
        self.buf.extend_from_slice(br#"{"path":"#);
        // Writing JSON into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.buf, path);
        match text {
            Some(text) => {
                self.buf
                    .extend_from_slice(br#","encoding":"utf8","content":"#);
                let _ = serde_json::to_writer(&mut self.buf, text);
            }
            None => {
                use base64::Engine as _;
                self.buf
                    .extend_from_slice(br#","encoding":"base64","content":""#);
                let start = self.buf.len();
                let engine = &base64::engine::general_purpose::STANDARD;
                self.buf.resize(
                    start + base64::encoded_len(content.len(), true).unwrap_or(0),
                    0,
                );
                let _ = engine.encode_slice(content, &mut self.buf[start..]);
                self.buf.push(b'"');
            }
        }
        self.buf.push(b'}');
        if self.files > 0 && self.buf.len() + 2 > limit {
            self.buf.truncate(mark);
            return false;
        }
        self.files += 1;
        true
    }

    /// Files in the body.
    pub fn files(&self) -> usize {
        self.files
    }

    fn finish(mut self) -> Bytes {
        self.buf.extend_from_slice(b"]}");
        Bytes::from(self.buf)
    }
}

/// Why a RESTlet's answer cannot be used.
#[derive(Debug, PartialEq, Eq)]
pub enum ReplyError {
    /// Not JSON of any protocol: another RESTlet, or none.
    NotOurs,
    /// Another protocol version (or none stated).
    Version(Option<u64>),
    /// Protocol 1, but not the shape this call returns.
    Shape(String),
}

/// Reads a RESTlet answer straight into its type (a large answer is not held twice), after
/// checking that it speaks protocol 1. Pure, so it can be fuzzed.
pub fn parse_reply<T: DeserializeOwned + Versioned>(body: &[u8]) -> Result<T, ReplyError> {
    let parsed: Result<T, _> = serde_json::from_slice(body);
    let protocol = match &parsed {
        Ok(t) => t.protocol(),
        // A shape this nstba does not know may still say which protocol it is.
        Err(_) => serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("protocol").and_then(Value::as_u64)),
    };
    match (parsed, protocol) {
        (Ok(t), Some(PROTOCOL)) => Ok(t),
        (Err(e), Some(PROTOCOL)) => Err(ReplyError::Shape(e.to_string())),
        (Err(_), None) => Err(ReplyError::NotOurs),
        (_, other) => Err(ReplyError::Version(other)),
    }
}

#[derive(serde::Serialize)]
struct Paths<'a> {
    action: &'static str,
    paths: &'a [String],
}

fn body(value: &impl serde::Serialize) -> Result<Bytes> {
    Ok(Bytes::from(serde_json::to_vec(value)?))
}

/// The RESTlet of one account, reached with one set of credentials.
#[derive(Clone)]
pub struct Restlet {
    client: Client,
    auth: Arc<Authorizer>,
    url: Url,
    script: String,
    deploy: String,
    retry: Retry,
}

impl Restlet {
    pub fn new(
        client: Client,
        auth: Arc<Authorizer>,
        endpoints: &crate::account::Endpoints,
        script: &str,
        deploy: &str,
    ) -> Result<Restlet> {
        let origin = endpoints.origin(&auth.account, Domain::Restlet);
        let mut url = origin
            .join("app/site/hosting/restlet.nl")
            .map_err(|e| Failure::error(format!("cannot build the RESTlet URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("script", script)
            .append_pair("deploy", deploy);
        Ok(Restlet {
            client,
            auth,
            url,
            script: script.into(),
            deploy: deploy.into(),
            retry: Retry::default(),
        })
    }

    /// Every file under `folder`, at any depth.
    pub async fn list(&self, folder: &str) -> Result<Listing> {
        let reply = self.list_reply(folder).await?;
        self.decode(reply)
    }

    /// As [`Restlet::list`], but a folder that does not exist yet is `None` (a first deploy).
    pub async fn list_if_exists(&self, folder: &str) -> Result<Option<Listing>> {
        let reply = self.list_reply(folder).await?;
        if !reply.is_success() && reply.error().code.as_deref() == Some("FOLDER_NOT_FOUND") {
            return Ok(None);
        }
        self.decode(reply).map(Some)
    }

    async fn list_reply(&self, folder: &str) -> Result<Reply> {
        let mut url = self.url.clone();
        url.query_pairs_mut()
            .append_pair("action", "list")
            .append_pair("path", folder);
        self.client
            .send_retrying(&self.auth, "GET", &url, HeaderMap::new(), None, &self.retry)
            .await
    }

    pub async fn get(&self, paths: &[String]) -> Result<GetReply> {
        self.post(body(&Paths {
            action: "get",
            paths,
        })?)
        .await
    }

    /// Sends a `put` body made with [`PutBody`], the one encoder of file content.
    pub async fn put_body(&self, body: PutBody) -> Result<ResultsReply> {
        self.post(body.finish()).await
    }

    async fn post<T: DeserializeOwned + Versioned>(&self, bytes: Bytes) -> Result<T> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let reply = self
            .client
            .send_retrying(
                &self.auth,
                "POST",
                &self.url,
                headers,
                Some(bytes),
                &self.retry,
            )
            .await?;
        self.decode(reply)
    }

    /// Checks the status and the protocol version, then reads the answer.
    fn decode<T: DeserializeOwned + Versioned>(&self, reply: Reply) -> Result<T> {
        if !reply.is_success() {
            return Err(self.failure(&reply));
        }
        parse_reply(&reply.body).map_err(|e| {
            let message = match e {
                ReplyError::NotOurs => format!(
                    "the RESTlet (script {}, deploy {}) did not answer in nstba's protocol: is \
                     it nstba's companion RESTlet? Check [restlet] script and deploy in \
                     nstba.toml",
                    self.script, self.deploy
                ),
                ReplyError::Version(theirs) => format!(
                    "the RESTlet speaks protocol {}, and this nstba speaks protocol \
                     {PROTOCOL}: update the RESTlet from this nstba's restlet/ folder, or \
                     update nstba",
                    theirs.map_or("none".to_string(), |v| v.to_string())
                ),
                ReplyError::Shape(why) => {
                    format!("the RESTlet's answer is not protocol {PROTOCOL}: {why}")
                }
            };
            Failure::error(message).into()
        })
    }

    /// What a refused RESTlet call means, with the next step.
    fn failure(&self, reply: &Reply) -> anyhow::Error {
        let err = reply.error();
        let code = err.code.as_deref().unwrap_or_default();
        let not_installed = code == "SSS_INVALID_SCRIPTLET_ID"
            || (reply.status == 404 && code.is_empty())
            || code == "SSS_MISSING_REQD_ARGUMENT";
        if not_installed {
            return Failure::error(format!(
                "{}\nhint: nstba's companion RESTlet is not installed in account {}, or \
                 nstba.toml names other IDs (script {}, deploy {}). Install it once (README, \
                 \"Install the RESTlet\"), then set [restlet] script and deploy in nstba.toml \
                 to its script and deployment IDs",
                err.describe(&self.auth.sent()),
                self.auth.account,
                self.script,
                self.deploy
            ))
            .into();
        }
        let permission = reply.status == 403
            || code.contains("PERMISSION")
            || code == "SSS_INSUFFICIENT_PERMISSION";
        if permission {
            return Failure::error(format!(
                "{}\nhint: the token's role lacks a permission the RESTlet needs: give it \
                 Documents and Files (Full) and access to the script deployment (its \
                 Audience), or use a token of another role",
                err.describe(&self.auth.sent())
            ))
            .into();
        }
        err.into_failure(&self.auth.sent()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        let ok: GetReply = parse_reply(
            br#"{"protocol":1,"files":[{"path":"a","encoding":"utf8","content":"x"}]}"#,
        )
        .unwrap();
        assert_eq!(ok.files[0].content, "x");
        assert_eq!(
            parse_reply::<GetReply>(br#"{"protocol":2,"files":[]}"#).unwrap_err(),
            ReplyError::Version(Some(2))
        );
        assert_eq!(
            parse_reply::<GetReply>(br#"{"files":[]}"#).unwrap_err(),
            ReplyError::Version(None)
        );
        assert_eq!(
            parse_reply::<Listing>(b"<html>").unwrap_err(),
            ReplyError::NotOurs
        );
        assert!(matches!(
            parse_reply::<Listing>(br#"{"protocol":1,"files":7}"#),
            Err(ReplyError::Shape(_))
        ));
    }

    #[test]
    fn a_put_body_is_the_json_of_its_files_and_stops_at_the_limit() {
        let mut b = PutBody::default();
        assert!(b.push("A/\"x\".js", "say \"hi\"\n".as_bytes(), 1000));
        assert!(b.push("A/b.bin", &[0, 159, 146, 150], 1000));
        assert!(!b.push("A/c.js", &[b'x'; 2000], 1000), "over the limit");
        assert!(b.push("A/c.js", &[b'x'; 2000], 10_000));
        assert_eq!(b.files(), 3);
        let v: Value = serde_json::from_slice(&b.finish()).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"action": "put", "files": [
                {"path": "A/\"x\".js", "encoding": "utf8", "content": "say \"hi\"\n"},
                {"path": "A/b.bin", "encoding": "base64", "content": "AJ+Slg=="},
                {"path": "A/c.js", "encoding": "utf8", "content": "x".repeat(2000)},
            ]})
        );
        let mut first = PutBody::default();
        assert!(
            first.push("big", &[b'y'; 50], 10),
            "the first file always goes"
        );
    }
}
