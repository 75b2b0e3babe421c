//! The library's front door: [`NetSuite`], one account reached with one credential, whatever
//! its kind (TBA, OAuth 2.0, client credentials), found as the `nstba` command finds it.

use std::sync::Arc;

use anyhow::Result;
use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use serde_json::{Map, Value};

use std::path::PathBuf;

use crate::account::{AccountId, Endpoints};
use crate::auth::{Authorizer, Grant, TbaPair};
use crate::config::env_var;
use crate::credentials::{self, Resolution};
use crate::http::Http;
use crate::netsuite::client::{Client, Retry};
use crate::secret::Secret;
use crate::store::StorePath;

/// One NetSuite account, reached with one credential. Cheap to clone; calls may run at once.
#[derive(Clone)]
pub struct NetSuite {
    client: Client,
    auth: Arc<Authorizer>,
    endpoints: Endpoints,
}

/// A NetSuite answer: its status and body (capped in size while it streamed).
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body, as NetSuite sent it.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as JSON.
    pub fn json(&self) -> Result<Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }
}

/// Where requests go: NetSuite's domains, or `NSTBA_NETSUITE_URL` when set (the emulator, a
/// proxy), as for the command.
fn endpoints() -> Result<Endpoints> {
    Ok(Endpoints::new(env_var("NSTBA_NETSUITE_URL").as_deref())?)
}

impl NetSuite {
    /// A token saved in the store (`NSTBA_STORE`, else `~/.nstba`) under `auth_id`.
    pub fn saved(auth_id: &str) -> Result<NetSuite> {
        let store = StorePath::resolve(env_var("NSTBA_STORE").map(PathBuf::from).as_deref())?;
        let endpoints = endpoints()?;
        let request = credentials::Request {
            auth_id: Some(auth_id.to_string()),
            ..Default::default()
        };
        let context = credentials::Context {
            store: &store,
            endpoints: &endpoints,
            project: None,
            picks: &credentials::no_picks,
            env: &env_var,
            can_prompt: false,
        };
        match credentials::resolve(&request, &context)? {
            Resolution::Ready(creds) => NetSuite::with(creds.authorizer),
            _ => anyhow::bail!("no token is saved as '{auth_id}'"),
        }
    }

    /// The credentials of the environment, as in CI: `NSTBA_ACCOUNT` with the four TBA
    /// variables, or the client-credentials (M2M) ones.
    pub fn from_env() -> Result<NetSuite> {
        let endpoints = endpoints()?;
        match credentials::from_environment(&env_var, &endpoints)? {
            Some(creds) => NetSuite::with(creds.authorizer),
            None => anyhow::bail!(
                "no credentials in the environment: set NSTBA_ACCOUNT and NSTBA_CONSUMER_KEY, \
                 NSTBA_CONSUMER_SECRET, NSTBA_TOKEN_ID, NSTBA_TOKEN_SECRET"
            ),
        }
    }

    /// A TBA token given in full.
    pub fn tba(
        account: &str,
        consumer_key: &str,
        consumer_secret: &str,
        token_id: &str,
        token_secret: &str,
    ) -> Result<NetSuite> {
        NetSuite::with(Authorizer::new(
            AccountId::parse(account)?,
            Grant::Tba(TbaPair {
                consumer_key: consumer_key.into(),
                consumer_secret: Secret::new(consumer_secret),
                token_id: token_id.into(),
                token_secret: Secret::new(token_secret),
            }),
        ))
    }

    fn with(auth: Authorizer) -> Result<NetSuite> {
        Ok(NetSuite {
            // Its own transport: the library runs in its caller's runtime.
            client: Client::over(Http::new()?),
            auth: Arc::new(auth),
            endpoints: endpoints()?,
        })
    }

    /// Sends this credential's requests to `base_url` instead of NetSuite's domains (the
    /// emulator, a proxy); `NSTBA_NETSUITE_URL` does the same for every constructor.
    pub fn via(mut self, base_url: &str) -> Result<NetSuite> {
        self.endpoints = Endpoints::new(Some(base_url))?;
        Ok(self)
    }

    /// The account, in NetSuite's form (`1234567_SB1`).
    pub fn account(&self) -> String {
        self.auth.account.to_string()
    }

    /// The full URL of a path on the right domain (`/services/rest/...` on SuiteTalk,
    /// `/app/site/hosting/restlet.nl?...` on the RESTlet domain), or a full URL as it is.
    pub fn url(&self, path_or_url: &str) -> Result<url::Url> {
        Ok(self
            .endpoints
            .resolve(Some(&self.auth.account), path_or_url)?)
    }

    /// The `Authorization` header value for a request, for a tool that sends it itself.
    pub async fn authorization(&self, method: &str, path_or_url: &str) -> Result<String> {
        let url = self.url(path_or_url)?;
        let value = self
            .auth
            .authorization(self.client.http(), method, &url, None, false)
            .await?;
        Ok(value.expose().to_string())
    }

    /// Sends one signed request (a JSON body when given), retrying what NetSuite asks to be
    /// retried (concurrency limits, 5xx, dropped connections) for idempotent methods.
    pub async fn request(
        &self,
        method: &str,
        path_or_url: &str,
        json: Option<&Value>,
    ) -> Result<Response> {
        let url = self.url(path_or_url)?;
        let mut headers = HeaderMap::new();
        let body = match json {
            Some(v) => {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                Some(Bytes::from(serde_json::to_vec(v)?))
            }
            None => None,
        };
        let idempotent = matches!(method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS");
        let retry = if idempotent {
            Retry::default()
        } else {
            Retry::once()
        };
        let reply = self
            .client
            .send_retrying(&self.auth, method, &url, headers, body, &retry)
            .await?;
        Ok(Response {
            status: reply.status.as_u16(),
            body: reply.body.to_vec(),
        })
    }

    /// Runs a SuiteQL query, page by page, handing each row to `row` as its page comes;
    /// returns how many rows there were.
    pub async fn suiteql(
        &self,
        query: &str,
        mut row: impl FnMut(Map<String, Value>),
    ) -> Result<u64> {
        use crate::netsuite::suiteql::{self, MAX_PAGE, Next};
        suiteql::query(
            &self.client,
            &self.auth,
            &self.endpoints,
            query,
            MAX_PAGE,
            |rows| {
                rows.into_iter().for_each(&mut row);
                Ok(Next::More)
            },
        )
        .await
    }
}
