//! The kinds of credential nstba holds, behind one seam: an [`Authorizer`] (an account and a
//! [`Grant`]) gives the `Authorization` header of one request and says what a 401 means,
//! whatever the kind. TBA signs each request (OAuth 1.0a, [`tba`]); OAuth 2.0 sends `Bearer`
//! with an access token refreshed when needed ([`oauth2`]). The loopback listener and the
//! callback wait serve every browser flow. Token endpoints are reached through the transport
//! ([`crate::http`]), never through the NetSuite client, which sits above this module.

pub mod callback;
pub mod loopback;
pub mod oauth2;
pub mod redirect;
pub mod revoke;
pub mod tba;
pub mod tls;

use std::sync::Arc;

use anyhow::Result;
use url::Url;

use crate::account::AccountId;
use crate::error::Failure;
use crate::http::Http;
use crate::secret::Secret;
use crate::store::Kind;

/// A TBA token and its integration record's consumer pair.
#[derive(Clone, Debug)]
pub struct TbaPair {
    pub consumer_key: String,
    pub consumer_secret: Secret,
    pub token_id: String,
    pub token_secret: Secret,
}

/// The kind of credential, and what it needs to authorize a request.
#[derive(Clone, Debug)]
pub enum Grant {
    Tba(TbaPair),
    /// OAuth 2.0, authorization code grant (a saved entry with a refresh token).
    OAuth2(Arc<oauth2::session::Session>),
    /// OAuth 2.0 client credentials (machine to machine): a JWT assertion per access token.
    M2m(Arc<oauth2::m2m::M2m>),
}

impl Grant {
    /// The kind of credential.
    pub fn kind(&self) -> Kind {
        match self {
            Grant::Tba(_) => Kind::Tba,
            Grant::OAuth2(_) => Kind::OAuth2,
            Grant::M2m(_) => Kind::M2m,
        }
    }
}

/// What authorizes requests to one account: the account and the credential. The NetSuite
/// client and the RESTlet client take this, never how it was chosen.
#[derive(Clone, Debug)]
pub struct Authorizer {
    pub account: AccountId,
    pub grant: Grant,
}

impl Authorizer {
    pub fn new(account: AccountId, grant: Grant) -> Authorizer {
        Authorizer { account, grant }
    }

    /// The `Authorization` header value for one request: a fresh TBA signature (form bodies
    /// signed), or `Bearer` with an access token that is refreshed when it nears expiry, or
    /// with `force` after NetSuite refused it.
    pub async fn authorization(
        &self,
        http: &Http,
        method: &str,
        url: &Url,
        form_body: Option<&[u8]>,
        force: bool,
    ) -> Result<Secret> {
        match &self.grant {
            Grant::Tba(pair) => {
                let signed =
                    tba::sign_request(&self.account, pair, method, url, form_body, None, None)?;
                Ok(Secret::new(signed.authorization))
            }
            Grant::OAuth2(session) => bearer(session.access_token(http, force).await?),
            Grant::M2m(m2m) => bearer(m2m.access_token(http, force).await?),
        }
    }

    /// The OAuth 2.0 scope the credential was granted (`None` for TBA, which has none).
    pub fn scope(&self) -> Option<&str> {
        match &self.grant {
            Grant::Tba(_) => None,
            Grant::OAuth2(session) => Some(&session.scope),
            Grant::M2m(m2m) => Some(&m2m.scope),
        }
    }

    /// How its requests prove themselves, for the hints a refusal gets.
    pub fn sent(&self) -> crate::http::errors::Sent {
        match &self.grant {
            Grant::Tba(_) => crate::http::errors::Sent::Signature(self.account.realm()),
            Grant::OAuth2(_) | Grant::M2m(_) => crate::http::errors::Sent::Bearer,
        }
    }

    /// What a 401 that calls the token invalid means for this credential: a Bearer token gets
    /// one forced refresh (or a new assertion) and one retry (docs/design.md §10); a refused
    /// TBA signature stays refused.
    pub fn retry_after_refresh(&self) -> bool {
        matches!(self.grant, Grant::OAuth2(_) | Grant::M2m(_))
    }
}

/// `Bearer <token>`, refusing a token that cannot go in a header.
fn bearer(token: Secret) -> Result<Secret> {
    if token.expose().chars().any(|c| c.is_control() || c == ' ') {
        return Err(
            Failure::error("NetSuite sent an access token that cannot go in a header").into(),
        );
    }
    Ok(Secret::new(format!("Bearer {}", token.expose())))
}
