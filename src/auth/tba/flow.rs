//! The three-step TBA authorization flow (docs/design.md §3): request token, the consent page in the
//! browser with a loopback callback, access token. The caller saves the token; the browser's
//! page is answered only after that, so it tells the truth about the outcome.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use rand::RngExt as _;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use url::Url;

use crate::account::{AccountId, Domain, Endpoints};
use crate::auth::callback::Listener;
use crate::auth::tba::signer::{self, SignInput};
use crate::error::Failure;
use crate::http::Http;
use crate::secret::Secret;

/// How to run one login.
#[derive(Debug)]
pub struct FlowOptions {
    /// The account, when known; else steps 1 and 2 go to the system domain and the account
    /// comes from the callback's `company`.
    pub account: Option<AccountId>,
    /// A role ID to ask for (signed in step 1).
    pub role: Option<String>,
    pub consumer_key: String,
    pub consumer_secret: Secret,
    /// The callback URL as configured (port 0 picks a free port).
    pub callback: Url,
    pub open_browser: bool,
    pub timeout: Duration,
    /// Also read a pasted redirect URL from stdin.
    pub paste: bool,
}

/// A token the user allowed.
#[derive(Debug)]
pub struct Authorized {
    pub account: AccountId,
    pub role: Option<String>,
    pub entity: Option<String>,
    pub token_id: String,
    pub token_secret: Secret,
}

/// A random `state`: 32 characters of `[A-Za-z0-9]` (NetSuite allows at most 512).
pub fn new_state() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// Runs the flow. `save` stores the token; its message goes to the browser's page. Returns
/// the token and how long it took from the callback's arrival to the end of `save`.
pub async fn authorize(
    client: &Http,
    endpoints: &Endpoints,
    opts: &FlowOptions,
    save: impl FnOnce(&Authorized) -> Result<String>,
) -> Result<(Authorized, Duration)> {
    let mut listener = Listener::bind(&opts.callback)?;
    let callback_url = listener.url.clone();

    // Step 1: a request token, signed with the consumer secret alone.
    let origin = |domain| match &opts.account {
        Some(a) => endpoints.origin(a, domain),
        None => endpoints.system(),
    };
    let url = join(&origin(Domain::Restlet), "/rest/requesttoken")?;
    let role_param: Vec<(&str, &str)> = opts.role.iter().map(|r| ("role", r.as_str())).collect();
    let realm = opts.account.as_ref().map(AccountId::realm);
    let (request_token, request_secret) = token_step(
        client,
        opts,
        TokenStep {
            name: "step 1 of the login (requesttoken)",
            url: &url,
            realm: realm.as_deref(),
            token: None,
            callback: Some(callback_url.as_str()),
            verifier: None,
            header_params: &role_param,
        },
    )
    .await?;

    // Step 2: the consent page; the callback comes to the listener (or is pasted).
    let state = new_state();
    let mut authorize_url = join(&origin(Domain::App), "/app/login/secure/authorizetoken.nl")?;
    authorize_url
        .query_pairs_mut()
        .append_pair("oauth_token", &request_token)
        .append_pair("state", &state);
    crate::auth::callback::announce(
        "",
        &authorize_url,
        opts.open_browser,
        &callback_url,
        opts.timeout,
        opts.paste,
    );
    let arrival = listener
        .wait(opts.timeout, opts.paste, "", |target, path| {
            crate::auth::redirect::classify(target, path, &request_token, &state)
        })
        .await?;
    let arrived = Instant::now();

    let result = async {
        // Step 3: the access token, on the RESTlet domain of the account that allowed it.
        let account = crate::auth::callback::account_of(
            arrival.callback.company.as_deref(),
            opts.account.as_ref(),
        )?;
        let url = join(
            &endpoints.origin(&account, Domain::Restlet),
            "/rest/accesstoken",
        )?;
        let realm = account.realm();
        let (token_id, token_secret) = token_step(
            client,
            opts,
            TokenStep {
                name: "step 3 of the login (accesstoken)",
                url: &url,
                realm: Some(&realm),
                token: Some((&request_token, &request_secret)),
                callback: None,
                verifier: Some(&arrival.callback.verifier),
                header_params: &[],
            },
        )
        .await?;
        let authorized = Authorized {
            account,
            role: arrival.callback.role.clone().or_else(|| opts.role.clone()),
            entity: arrival.callback.entity.clone(),
            token_id,
            token_secret,
        };
        let message = save(&authorized)?;
        Ok((authorized, message))
    }
    .await;

    arrival.conclude(arrived, result).await
}

/// One of the flow's token requests (steps 1 and 3): what differs between them.
struct TokenStep<'a> {
    name: &'a str,
    url: &'a Url,
    realm: Option<&'a str>,
    token: Option<(&'a str, &'a Secret)>,
    callback: Option<&'a str>,
    verifier: Option<&'a str>,
    header_params: &'a [(&'a str, &'a str)],
}

/// Signs and POSTs a token request; returns `oauth_token` and `oauth_token_secret`.
async fn token_step(
    client: &Http,
    opts: &FlowOptions,
    step: TokenStep<'_>,
) -> Result<(String, Secret)> {
    let nonce = signer::new_nonce();
    let signed = signer::sign(&SignInput {
        method: "POST",
        url: step.url,
        realm: step.realm,
        consumer_key: &opts.consumer_key,
        consumer_secret: &opts.consumer_secret,
        token: step.token.map(|(id, _)| id),
        token_secret: step.token.map(|(_, secret)| secret),
        callback: step.callback,
        verifier: step.verifier,
        header_params: step.header_params,
        form_body: None,
        nonce: &nonce,
        timestamp: signer::now_timestamp(),
    })
    .map_err(|e| Failure::error(e.to_string()))?;
    let mut headers = HeaderMap::new();
    let mut value = HeaderValue::from_str(&signed.authorization)
        .context("the Authorization header is not a valid header value")?;
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    let reply = client
        .send("POST", step.url, headers, Some(bytes::Bytes::new()))
        .await?;
    if !reply.is_success() {
        let err = reply.error();
        return Err(Failure::new(err.exit_kind(), err.describe_flow(step.name)).into());
    }
    let mut pairs = form_pairs(&reply.body);
    match (
        pairs.remove("oauth_token"),
        pairs.remove("oauth_token_secret"),
    ) {
        (Some(token), Some(secret)) => Ok((token, Secret::new(secret))),
        _ => Err(Failure::error(format!(
            "{} answered without oauth_token and oauth_token_secret: check the account ID and \
             --netsuite-url",
            step.name
        ))
        .into()),
    }
}

fn join(origin: &Url, path: &str) -> Result<Url> {
    let base = origin.as_str().trim_end_matches('/');
    Url::parse(&format!("{base}{path}")).with_context(|| format!("cannot build a URL for {path}"))
}

fn form_pairs(body: &[u8]) -> std::collections::HashMap<String, String> {
    let text = String::from_utf8_lossy(body);
    url::form_urlencoded::parse(text.trim().as_bytes())
        .into_owned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_fresh_and_alphanumeric() {
        let a = new_state();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(a, new_state());
    }

    #[test]
    fn response_pairs() {
        let p =
            form_pairs(b"oauth_token=a%2Bb&oauth_token_secret=s&oauth_callback_confirmed=true\n");
        assert_eq!(p["oauth_token"], "a+b");
        assert_eq!(p["oauth_token_secret"], "s");
    }
}
