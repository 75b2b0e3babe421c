//! Credentials from the environment (docs/design.md §5, step 2): a full set of TBA variables
//! or of client-credentials (M2M) variables, used without touching the store.

use anyhow::Result;

use crate::account::AccountId;
use crate::account::Endpoints;
use crate::auth::{Authorizer, Grant, TbaPair};
use crate::error::Failure;
use crate::secret::Secret;

use super::{
    Credentials, ENV_ACCOUNT, ENV_CONSUMER_KEY, ENV_CONSUMER_SECRET, ENV_TOKEN_ID,
    ENV_TOKEN_SECRET, Origin,
};

/// The credential variables of one kind, all or none: TBA's five, or OAuth 2.0 client
/// credentials' (`NSTBA_ACCOUNT`, `NSTBA_CLIENT_ID`, `NSTBA_CERTIFICATE_ID`, and
/// `NSTBA_PRIVATE_KEY` or `NSTBA_PRIVATE_KEY_FILE`). A partial set is an error that names what
/// is missing; both kinds at once is an error too.
pub fn from_environment(
    env: &dyn Fn(&str) -> Option<String>,
    endpoints: &Endpoints,
) -> Result<Option<Credentials>> {
    use crate::auth::oauth2::m2m::{ENV_CERTIFICATE_ID, ENV_PRIVATE_KEY, ENV_PRIVATE_KEY_FILE};
    let tba = env(ENV_TOKEN_ID).is_some() || env(ENV_TOKEN_SECRET).is_some();
    let m2m = [ENV_CERTIFICATE_ID, ENV_PRIVATE_KEY, ENV_PRIVATE_KEY_FILE]
        .iter()
        .any(|n| env(n).is_some());
    if tba && m2m {
        return Err(Failure::usage(format!(
            "both TBA variables ({ENV_TOKEN_ID}, {ENV_TOKEN_SECRET}) and OAuth 2.0 client \
             credentials variables ({ENV_CERTIFICATE_ID}, {ENV_PRIVATE_KEY}) are set: nstba \
             cannot tell which to use; unset one kind"
        ))
        .into());
    }
    if m2m {
        return m2m_from_environment(env, endpoints).map(Some);
    }
    if !tba {
        return Ok(None);
    }
    let names = [
        ENV_ACCOUNT,
        ENV_CONSUMER_KEY,
        ENV_CONSUMER_SECRET,
        ENV_TOKEN_ID,
        ENV_TOKEN_SECRET,
    ];
    let missing: Vec<&str> = names.into_iter().filter(|n| env(n).is_none()).collect();
    if !missing.is_empty() {
        return Err(Failure::usage(format!(
            "{ENV_TOKEN_ID} or {ENV_TOKEN_SECRET} is set, so credentials come from the \
             environment, but {} {} not set. Set all five of {}, or unset them to use a saved token",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            names.join(", ")
        ))
        .into());
    }
    let get = |n: &str| env(n).unwrap_or_default();
    Ok(Some(Credentials {
        auth_id: None,
        authorizer: Authorizer::new(
            AccountId::parse(&get(ENV_ACCOUNT))?,
            Grant::Tba(TbaPair {
                consumer_key: get(ENV_CONSUMER_KEY),
                consumer_secret: Secret::new(get(ENV_CONSUMER_SECRET)),
                token_id: get(ENV_TOKEN_ID),
                token_secret: Secret::new(get(ENV_TOKEN_SECRET)),
            }),
        ),
        origin: Origin::Environment,
    }))
}

/// OAuth 2.0 client credentials from the environment (CI without a store).
fn m2m_from_environment(
    env: &dyn Fn(&str) -> Option<String>,
    endpoints: &Endpoints,
) -> Result<Credentials> {
    use crate::auth::oauth2::m2m::{
        Algorithm, ENV_ALGORITHM, ENV_CERTIFICATE_ID, ENV_PRIVATE_KEY, ENV_PRIVATE_KEY_FILE, M2m,
        PrivateKey,
    };
    use crate::auth::oauth2::{DEFAULT_SCOPE, ENV_CLIENT_ID, TOKEN_PATH};
    let mut missing: Vec<&str> = [ENV_ACCOUNT, ENV_CLIENT_ID, ENV_CERTIFICATE_ID]
        .into_iter()
        .filter(|n| env(n).is_none())
        .collect();
    if env(ENV_PRIVATE_KEY).is_none() && env(ENV_PRIVATE_KEY_FILE).is_none() {
        missing.push("NSTBA_PRIVATE_KEY (or NSTBA_PRIVATE_KEY_FILE)");
    }
    if !missing.is_empty() {
        return Err(Failure::usage(format!(
            "OAuth 2.0 client credentials come from the environment ({ENV_CERTIFICATE_ID} or a \
             private key is set), but {} {} not set",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
        ))
        .into());
    }
    let get = |n: &str| env(n).unwrap_or_default();
    let account = AccountId::parse(&get(ENV_ACCOUNT))?;
    let key = match env(ENV_PRIVATE_KEY) {
        // CI secrets sometimes keep a PEM's line breaks as `\n`.
        Some(pem) => PrivateKey::from_pem(pem.replace("\\n", "\n"))?,
        None => PrivateKey::from_file(
            std::path::Path::new(&get(ENV_PRIVATE_KEY_FILE)),
            ENV_PRIVATE_KEY_FILE,
        )?,
    };
    let algorithm = env(ENV_ALGORITHM)
        .map(|a| Algorithm::parse(&a))
        .transpose()?;
    let token_url = endpoints.resolve(Some(&account), TOKEN_PATH)?;
    let m2m = M2m::new(
        get(ENV_CLIENT_ID),
        get(ENV_CERTIFICATE_ID),
        algorithm,
        env("NSTBA_SCOPE").unwrap_or_else(|| DEFAULT_SCOPE.to_string()),
        key,
        &account,
        token_url,
    )?;
    Ok(Credentials {
        auth_id: None,
        authorizer: Authorizer::new(account, Grant::M2m(std::sync::Arc::new(m2m))),
        origin: Origin::Environment,
    })
}
