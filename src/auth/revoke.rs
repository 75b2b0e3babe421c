//! Revocation, one per kind of credential (docs/design.md §3 and §10), for `auth revoke`,
//! `auth logout`, `auth login --force` and `auth migrate` alike. A TBA token is revoked at
//! `revoketoken`, signed with itself; an OAuth 2.0 login at the revoke endpoint by its refresh
//! token (which takes its access tokens with it); client credentials hold no token: their
//! certificate is revoked in the NetSuite UI.

use anyhow::Result;
use reqwest::header::HeaderMap;

use crate::account::{AccountId, Endpoints};
use crate::auth::oauth2::{self, ClientAuth, REVOKE_PATH};
use crate::auth::{TbaPair, tba};
use crate::error::{ExitKind, Failure};
use crate::http::Http;
use crate::secret::Secret;
use crate::store::Saved;

/// What revoking one saved credential needs.
pub enum Revocable {
    Tba {
        account: AccountId,
        pair: TbaPair,
    },
    OAuth2 {
        account: AccountId,
        client: ClientAuth,
        refresh_token: Secret,
    },
    /// Nothing to revoke from here.
    M2m,
}

/// Why NetSuite did not revoke: the exit code and NetSuite's reason, for the caller's message.
#[derive(Debug)]
pub struct Refused {
    pub kind: ExitKind,
    /// NetSuite rejected the credential itself (it may be revoked already).
    pub rejected: bool,
    pub reason: String,
}

impl Revocable {
    /// From a saved entry; a TBA entry without a consumer pair takes `consumer`.
    pub fn of_saved(saved: &Saved, consumer: Option<(String, Secret)>) -> Result<Revocable> {
        let account = || AccountId::parse(saved.account());
        Ok(match saved {
            Saved::Tba(e) => {
                let (consumer_key, consumer_secret) =
                    match (&e.consumer_key, &e.consumer_secret, consumer) {
                        (Some(k), Some(s), _) => (k.clone(), s.clone()),
                        (_, _, Some(pair)) => pair,
                        _ => {
                            return Err(
                                Failure::error("it has no consumer pair to sign with").into()
                            );
                        }
                    };
                Revocable::Tba {
                    account: account()?,
                    pair: TbaPair {
                        consumer_key,
                        consumer_secret,
                        token_id: e.token_id.clone(),
                        token_secret: e.token_secret.clone(),
                    },
                }
            }
            Saved::OAuth2(e) => Revocable::OAuth2 {
                account: account()?,
                client: ClientAuth {
                    client_id: e.client_id.clone(),
                    secret: e.client_secret.clone(),
                },
                refresh_token: e.refresh_token.clone(),
            },
            Saved::M2m(_) => Revocable::M2m,
        })
    }
}

/// Revokes in NetSuite. `Ok(Err(_))` is NetSuite's refusal; `Err(_)` a failure on the way.
pub async fn revoke(
    http: &Http,
    endpoints: &Endpoints,
    what: &Revocable,
) -> Result<Result<(), Refused>> {
    match what {
        Revocable::Tba { account, pair } => {
            let mut url = endpoints.resolve(Some(account), "/rest/revoketoken")?;
            url.query_pairs_mut()
                .append_pair("consumerKey", &pair.consumer_key)
                .append_pair("token", &pair.token_id);
            let signed = tba::sign_request(account, pair, "GET", &url, None, None, None)?;
            let mut headers = HeaderMap::new();
            headers.insert(
                reqwest::header::AUTHORIZATION,
                crate::http::sensitive(&signed.authorization)?,
            );
            let reply = http.send("GET", &url, headers, None).await?;
            if reply.is_success() {
                return Ok(Ok(()));
            }
            let err = reply.error();
            Ok(Err(Refused {
                kind: err.exit_kind(),
                rejected: err.is_rejection(),
                reason: err.describe(&crate::http::errors::Sent::Signature(account.realm())),
            }))
        }
        Revocable::OAuth2 {
            account,
            client,
            refresh_token,
        } => {
            let url = endpoints.resolve(Some(account), REVOKE_PATH)?;
            let (status, body) =
                oauth2::post_form(http, &url, client, &[("token", refresh_token.expose())]).await?;
            if (200..300).contains(&status) {
                return Ok(Ok(()));
            }
            let reason = oauth2::parse_token_answer(status, &body)
                .err()
                .map(|r| r.error)
                .unwrap_or_else(|| format!("HTTP {status}"));
            let rejected = status == 400 || status == 401;
            Ok(Err(Refused {
                kind: if rejected {
                    ExitKind::Rejected
                } else {
                    ExitKind::Error
                },
                rejected,
                reason,
            }))
        }
        Revocable::M2m => Err(Failure::error("client credentials hold no token to revoke").into()),
    }
}
