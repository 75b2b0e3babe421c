//! Token-based authentication (OAuth 1.0a with HMAC-SHA256): the pure request signer
//! (docs/design.md §2) and the three-step authorization flow (§3).

pub mod flow;
pub mod signer;

use anyhow::Result;
use url::Url;

use crate::account::AccountId;
use crate::auth::TbaPair;
use crate::error::Failure;
use signer::{SignInput, Signed};

/// Signs a request with a TBA token (fresh nonce and timestamp unless given).
pub fn sign_request(
    account: &AccountId,
    pair: &TbaPair,
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
    let realm = account.realm();
    let signed = signer::sign(&SignInput {
        method,
        url,
        realm: Some(&realm),
        consumer_key: &pair.consumer_key,
        consumer_secret: &pair.consumer_secret,
        token: Some(&pair.token_id),
        token_secret: Some(&pair.token_secret),
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
