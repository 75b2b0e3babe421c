//! A saved OAuth 2.0 token in use: the access token for `Authorization: Bearer`, refreshed when
//! it nears expiry or NetSuite calls it invalid (docs/design.md §10, "Refreshing safely"). Parallel
//! commands share one entry, and a public client's refresh token works once, so a refresh
//! happens under the store's lock: take the lock, re-read the entry, use the new access token
//! if another process refreshed it meanwhile, else refresh and write the new tokens before the
//! lock is released. N parallel commands with an expired access token make one refresh call.

use std::time::SystemTime;

use anyhow::Result;
use url::Url;

use crate::auth::oauth2::cache::{AccessToken, Cache};
use crate::auth::oauth2::{ClientAuth, token_request};
use crate::error::Failure;
use crate::http::Http;
use crate::secret::Secret;
use crate::store::{OAuth2Entry, Saved, StoreLock, StorePath};

/// One saved OAuth 2.0 entry, ready to authorize requests.
#[derive(Debug)]
pub struct Session {
    store: StorePath,
    auth_id: String,
    pub client: ClientAuth,
    pub scope: String,
    token_url: Url,
    current: Cache,
}

/// An RFC 3339 time as saved in the store; an unreadable one counts as expired.
fn expiry(raw: &str) -> SystemTime {
    crate::store::parse_time(raw).unwrap_or(SystemTime::UNIX_EPOCH)
}

impl Session {
    pub fn new(store: &StorePath, auth_id: &str, entry: &OAuth2Entry, token_url: Url) -> Self {
        Session {
            store: store.clone(),
            auth_id: auth_id.to_string(),
            client: ClientAuth {
                client_id: entry.client_id.clone(),
                secret: entry.client_secret.clone(),
            },
            scope: entry.scope.clone(),
            token_url,
            current: Cache::new(Some(AccessToken {
                token: entry.access_token.clone(),
                expires_at: expiry(&entry.access_token_expires_at),
            })),
        }
    }

    /// The access token to send: the one held while it is fresh; else (or with `force`,
    /// after NetSuite called `failed` invalid) the one another process saved meanwhile, or a
    /// new one from the refresh token, saved under the store's lock.
    pub async fn access_token(&self, client: &Http, force: bool) -> Result<Secret> {
        self.current
            .get(force, |held| self.refresh(client, held))
            .await
    }

    /// Under the store's lock: the token another process saved meanwhile, else a refreshed
    /// one, saved before the lock is released. Once the lock is held the rest runs to its end
    /// whatever becomes of this future: the refresh token it sends may be rotated by the
    /// server, and only saving the answer keeps the login (docs/design.md §10).
    async fn refresh(&self, client: &Http, held: Option<AccessToken>) -> Result<AccessToken> {
        let failed = held.map(|t| t.token).unwrap_or_default();
        let store = self.store.clone();
        let lock = tokio::task::spawn_blocking(move || StoreLock::acquire(&store))
            .await
            .map_err(|e| Failure::error(format!("cannot lock the token store: {e}")))??;
        let refresh = Refresh {
            lock,
            auth_id: self.auth_id.clone(),
            client: self.client.clone(),
            token_url: self.token_url.clone(),
            http: client.clone(),
            failed,
        };
        crate::http::finish_started(refresh.run()).await
    }
}

/// One refresh under the store's lock, owning what it needs to run on its own.
struct Refresh {
    lock: StoreLock,
    auth_id: String,
    client: ClientAuth,
    token_url: Url,
    http: Http,
    /// The access token that failed or expired (empty when none was held).
    failed: Secret,
}

impl Refresh {
    async fn run(self) -> Result<AccessToken> {
        let Refresh {
            lock,
            auth_id,
            client,
            token_url,
            http,
            failed,
        } = self;
        let mut saved = lock.load()?;
        let mut entry = match saved.get(&auth_id)? {
            Some(Saved::OAuth2(e)) => e,
            _ => {
                return Err(Failure::rejected(format!(
                    "the OAuth 2.0 token '{auth_id}' was removed or replaced while this command \
                     ran; run the command again"
                ))
                .into());
            }
        };
        let theirs = AccessToken {
            token: entry.access_token.clone(),
            expires_at: expiry(&entry.access_token_expires_at),
        };
        // Another process refreshed meanwhile: its token serves while it lives (the margin is
        // for tokens nobody has replaced yet).
        if theirs.token != failed && theirs.expires_at > SystemTime::now() {
            crate::ui::verbose(format!(
                "using the access token another nstba refreshed for '{auth_id}'"
            ));
            return Ok(theirs);
        }
        crate::ui::verbose(format!("refreshing the access token of '{auth_id}'"));
        let answer = token_request(
            &http,
            &token_url,
            &client,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", entry.refresh_token.expose()),
            ],
        )
        .await?
        .map_err(|refused| {
            // Only a dead refresh token is "log in again"; a refused client (a changed secret,
            // a disabled record) is named as what it is (issue 19: auth status called
            // invalid_client an expired refresh token).
            if refused.error != "invalid_grant" {
                let why = if refused.error == "invalid_client" {
                    "NetSuite refused the client (invalid_client): the client ID or secret is \
                     wrong, or the integration record was changed or disabled"
                        .to_string()
                } else {
                    format!("NetSuite refused the refresh ({})", refused.error)
                };
                return Failure::rejected(format!(
                    "the OAuth 2.0 token '{auth_id}' cannot be refreshed: {why}\nhint: the Login \
                     Audit Trail (Setup > Users/Roles > User Management > View Login Audit \
                     Trail) says why"
                ));
            }
            Failure::rejected(format!(
                "the OAuth 2.0 token '{auth_id}' cannot be refreshed: its refresh token is no \
                 longer valid (expired, revoked, or already used: a public client's refresh \
                 token works once). Log in again: nstba auth login {auth_id} --oauth2 \
                 --client-id {} --force\nhint: the Login Audit Trail (Setup > Users/Roles > \
                 User Management > View Login Audit Trail) says why (such as \
                 RefreshTokenExpired)",
                client.client_id
            ))
            .because(crate::error::Reason::RefreshTokenExpired)
        })?;
        let fresh = AccessToken::lasting(
            answer.access_token.clone(),
            SystemTime::now(),
            answer.expires_in,
        );
        entry.access_token = answer.access_token;
        entry.access_token_expires_at = crate::store::format_time(fresh.expires_at);
        // A public client's answer carries the next refresh token (the old one is dead); a
        // confidential client's carries none, and the one held lives on with its end.
        if let Some(refresh) = answer.refresh_token {
            entry.refresh_token_expires_at =
                crate::auth::oauth2::lifetime::of_refresh_token(refresh.expose())
                    .ends
                    .map(crate::store::format_time);
            entry.refresh_token = refresh;
        }
        saved.put(&auth_id, &Saved::OAuth2(entry));
        lock.save(&saved)?;
        drop(lock);
        Ok(fresh)
    }
}
