//! The kinds of credential nstba holds, behind one seam: [`Grant::authorization`] gives the
//! `Authorization` header of one request, whatever the kind. TBA signs it (OAuth 1.0a,
//! [`tba`]); OAuth 2.0 sends `Bearer` with an access token refreshed when needed
//! ([`oauth2`]). The loopback listener and the callback wait serve every browser flow.

pub mod callback;
pub mod loopback;
pub mod oauth2;
pub mod tba;

use std::sync::Arc;

use anyhow::Result;
use url::Url;

use crate::account::AccountId;
use crate::error::Failure;
use crate::netsuite::client::Client;
use crate::secret::Secret;

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
    /// For people: `TBA`, `OAuth 2.0`.
    pub fn kind(&self) -> &'static str {
        match self {
            Grant::Tba(_) => "TBA",
            Grant::OAuth2(_) => "OAuth 2.0",
            Grant::M2m(_) => "M2M",
        }
    }

    /// The TBA pair, for what only TBA has (revoketoken's parameters, `sign --explain`).
    pub fn tba(&self) -> Option<&TbaPair> {
        match self {
            Grant::Tba(pair) => Some(pair),
            _ => None,
        }
    }

    /// The `Authorization` header value for one request: a fresh TBA signature (form bodies
    /// signed), or `Bearer` with an access token that is refreshed when it nears expiry, or
    /// with `force` after NetSuite called it invalid.
    pub async fn authorization(
        &self,
        client: &Client,
        account: &AccountId,
        method: &str,
        url: &Url,
        form_body: Option<&[u8]>,
        force: bool,
    ) -> Result<Secret> {
        match self {
            Grant::Tba(pair) => {
                let signed = crate::netsuite::client::sign_request(
                    account, pair, method, url, form_body, None, None,
                )?;
                Ok(Secret::new(signed.authorization))
            }
            Grant::OAuth2(session) => bearer(session.access_token(client, force).await?),
            Grant::M2m(m2m) => bearer(m2m.access_token(client, force).await?),
        }
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
