//! The authorization code grant with PKCE (docs/design.md §10): the authorize page in the browser, the
//! redirect to the same loopback listener and paste path as TBA, and the code exchanged for
//! tokens. The caller saves them; the browser's page is answered only after that.

use std::time::{Duration, Instant};

use anyhow::Result;
use url::Url;

use crate::account::{AccountId, Domain, Endpoints};
use crate::auth::callback::Listener;
use crate::auth::oauth2::pkce::Verifier;
use crate::auth::oauth2::{AUTHORIZE_PATH, ClientAuth, TOKEN_PATH, TokenAnswer, token_request};
use crate::auth::redirect::Outcome;
use crate::error::Failure;
use crate::http::Http;
use crate::ui;

/// How to run one OAuth 2.0 login.
#[derive(Debug)]
pub struct Options {
    pub account: Option<AccountId>,
    pub client: ClientAuth,
    /// Space-separated scopes.
    pub scope: String,
    /// The redirect URI, as the integration record has it (port 0 picks a free port).
    pub redirect: Url,
    pub open_browser: bool,
    pub timeout: Duration,
    pub paste: bool,
    /// Ask NetSuite to show its login page even with a session (`prompt=login`).
    pub prompt_login: bool,
}

/// What the redirect brings when the user allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeCallback {
    pub code: String,
    pub company: Option<String>,
    pub role: Option<String>,
    pub entity: Option<String>,
}

/// A token the user allowed.
#[derive(Debug)]
pub struct Authorized {
    pub account: AccountId,
    pub role: Option<String>,
    pub entity: Option<String>,
    pub tokens: TokenAnswer,
}

/// Decides what a redirect is (pure, fuzzable): the shared checks of
/// [`crate::auth::redirect::redirect`] (path, then `state`), then an `error`, then the `code`.
/// `path` is `None` for a pasted URL.
pub fn classify(target: &str, path: Option<&str>, state: &str) -> Outcome<CodeCallback> {
    let r = match crate::auth::redirect::redirect(target, path, state) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let get = |name: &str| r.get(name);
    match get("error").as_deref() {
        Some("access_denied") => return Outcome::Denied,
        Some(error) => {
            return Outcome::Failed(format!(
                "NetSuite answered the authorization with {}{}\nhint: check the integration \
                 record (its redirect URI, scopes and authorization code grant) and the Login \
                 Audit Trail (Setup > Users/Roles > User Management > View Login Audit Trail)",
                ui::escape(error),
                match error {
                    "invalid_scope" =>
                        ": the integration record does not allow the scopes \
                                        asked for (--scope)",
                    "unauthorized_client" =>
                        ": the integration record does not allow the \
                                              authorization code grant for this client",
                    _ => "",
                }
            ));
        }
        None => {}
    }
    match get("code") {
        Some(code) => Outcome::Allowed(CodeCallback {
            code,
            company: get("company"),
            role: match r.internal_id("role") {
                Ok(role) => role,
                Err(why) => return Outcome::Refused(why),
            },
            entity: match r.internal_id("entity") {
                Ok(entity) => entity,
                Err(why) => return Outcome::Refused(why),
            },
        }),
        None => Outcome::Refused("the redirect carries neither a code nor an error"),
    }
}

/// Runs the flow. `save` stores the tokens; its message goes to the browser's page. Returns
/// the tokens and how long it took from the redirect's arrival to the end of `save`.
pub async fn authorize(
    client: &Http,
    endpoints: &Endpoints,
    opts: &Options,
    save: impl FnOnce(&Authorized) -> Result<String>,
) -> Result<(Authorized, Duration)> {
    let mut listener = Listener::bind(&opts.redirect)?;
    let redirect = listener.url.clone();
    let verifier = Verifier::new();
    let state = crate::auth::tba::flow::new_state();
    let origin = match &opts.account {
        Some(a) => endpoints.origin(a, Domain::App),
        None => endpoints.system(),
    };
    let mut url = origin
        .join(AUTHORIZE_PATH.trim_start_matches('/'))
        .map_err(|e| Failure::error(format!("cannot build the authorize URL: {e}")))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &opts.client.client_id)
            .append_pair("redirect_uri", redirect.as_str())
            .append_pair("scope", &opts.scope)
            .append_pair("state", &state)
            .append_pair("code_challenge", &verifier.challenge().0)
            .append_pair("code_challenge_method", "S256");
        if opts.prompt_login {
            q.append_pair("prompt", "login");
        }
    }
    if opts.prompt_login && opts.account.is_none() {
        crate::ui::warn(
            "--prompt-login without --account: NetSuite honours prompt=login only on the \
             account's own domain, and without an account the login starts on \
             system.netsuite.com, which may ignore it. Pass --account ACCOUNT_ID",
        );
    }
    crate::auth::callback::announce(
        " (OAuth 2.0)",
        &url,
        opts.open_browser,
        &redirect,
        opts.timeout,
        opts.paste,
    );
    let hint = format!(
        ".\nhint: with a wrong client ID or redirect URI NetSuite shows an error and never \
         sends the browser back: check that the integration record's client ID is {} and its \
         redirect URI is exactly {redirect}, and see the Login Audit Trail (Setup > Users/Roles \
         > User Management > View Login Audit Trail)",
        opts.client.client_id
    );
    let arrival = listener
        .wait(opts.timeout, opts.paste, &hint, |target, path| {
            classify(target, path, &state)
        })
        .await?;
    let arrived = Instant::now();

    let result = async {
        let account = crate::auth::callback::account_of(
            arrival.callback.company.as_deref(),
            opts.account.as_ref(),
        )?;
        let token_url = endpoints
            .resolve(Some(&account), TOKEN_PATH)
            .map_err(anyhow::Error::from)?;
        let tokens = token_request(
            client,
            &token_url,
            &opts.client,
            &[
                ("grant_type", "authorization_code"),
                ("code", &arrival.callback.code),
                ("redirect_uri", redirect.as_str()),
                ("code_verifier", verifier.expose()),
            ],
        )
        .await?
        .map_err(|refused| {
            let hint = match refused.error.as_str() {
                "invalid_client" => {
                    ": the client ID or secret is wrong (the secret is shown once, when the \
                     integration record is saved; NSTBA_CLIENT_SECRET)"
                }
                "invalid_grant" => {
                    ": the code was refused (used, expired, or the redirect URI or PKCE \
                     verifier did not match); run the login again"
                }
                _ => "",
            };
            Failure::rejected(format!(
                "NetSuite refused to exchange the code for tokens ({}){hint}\nhint: the Login \
                 Audit Trail (Setup > Users/Roles > User Management > View Login Audit Trail) \
                 says why",
                refused.error
            ))
        })?;
        if tokens.refresh_token.is_none() {
            return Err(Failure::error(
                "NetSuite's answer holds no refresh token, so the login could not last: check \
                 that the integration record uses the authorization code grant",
            )
            .into());
        }
        let authorized = Authorized {
            account,
            role: arrival.callback.role.clone(),
            entity: arrival.callback.entity.clone(),
            tokens,
        };
        let message = save(&authorized)?;
        Ok((authorized, message))
    }
    .await;

    arrival.conclude(arrived, result).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "St4teSt4teSt4teSt4teSt4te";

    #[test]
    fn redirects() {
        let ok = classify(
            &format!("/cb?state={S}&role=3&entity=38&company=123_SB1&code=abc"),
            Some("/cb"),
            S,
        );
        assert_eq!(
            ok,
            Outcome::Allowed(CodeCallback {
                code: "abc".into(),
                company: Some("123_SB1".into()),
                role: Some("3".into()),
                entity: Some("38".into()),
            })
        );
        assert_eq!(classify("/favicon.ico", Some("/cb"), S), Outcome::Stray);
        assert!(matches!(
            classify("/cb?state=other&code=abc", Some("/cb"), S),
            Outcome::Refused(w) if w.contains("state")
        ));
        // An error without our state tells nothing about our login.
        assert!(matches!(
            classify("/cb?error=access_denied", Some("/cb"), S),
            Outcome::Refused(_)
        ));
        assert_eq!(
            classify(
                &format!("/cb?state={S}&error=access_denied"),
                Some("/cb"),
                S
            ),
            Outcome::Denied
        );
        assert!(matches!(
            classify(&format!("/cb?state={S}&error=invalid_scope"), Some("/cb"), S),
            Outcome::Failed(w) if w.contains("invalid_scope") && w.contains("--scope")
        ));
        assert!(matches!(
            classify(&format!("/cb?state={S}"), Some("/cb"), S),
            Outcome::Refused(_)
        ));
        // A pasted URL's path is not checked.
        assert!(matches!(
            classify(&format!("/x?state={S}&code=c"), None, S),
            Outcome::Allowed(_)
        ));
    }
}
