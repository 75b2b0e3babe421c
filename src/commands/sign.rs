//! `nstba sign`: the Authorization header value on stdout and nothing else; `--explain` adds
//! the base string and sorted parameters on stderr (never the key). How users debug
//! `InvalidSignature` and how other tools borrow nstba's tokens. `--no-token`, `--callback`
//! and `--verifier` sign the flow's own requests too, for debugging a flow step by hand.

use std::process::ExitCode;

use anyhow::Result;

use crate::account::AccountId;
use crate::auth::tba::signer::{self, SignInput};
use crate::cli::SignArgs;
use crate::commands::{App, write_stdout};
use crate::credentials::{self, ENV_ACCOUNT, ENV_CONSUMER_KEY, ENV_CONSUMER_SECRET};
use crate::error::Failure;
use crate::secret::Secret;

/// Who signs: a consumer pair, maybe a token, maybe an account for the realm and paths.
struct Signer {
    consumer_key: String,
    consumer_secret: Secret,
    token: Option<(String, Secret)>,
    account: Option<AccountId>,
}

/// What `sign` prints for: a TBA signature, or an OAuth 2.0 Bearer token.
enum Who {
    Tba(Signer),
    Bearer(Box<crate::credentials::Credentials>),
}

fn signer(app: &App, args: &SignArgs) -> Result<Who> {
    if !args.no_token {
        let c = app.credentials(&args.credentials)?;
        return Ok(match &c.grant {
            crate::auth::Grant::Tba(pair) => Who::Tba(Signer {
                consumer_key: pair.consumer_key.clone(),
                consumer_secret: pair.consumer_secret.clone(),
                token: Some((pair.token_id.clone(), pair.token_secret.clone())),
                account: Some(c.account.clone()),
            }),
            crate::auth::Grant::OAuth2(_) | crate::auth::Grant::M2m(_) => Who::Bearer(Box::new(c)),
        });
    }
    let consumer_key = args
        .credentials
        .consumer_key
        .clone()
        .or_else(|| crate::config::env_var(credentials::ENV_CONSUMER_KEY))
        .ok_or_else(|| {
            Failure::usage(format!(
                "--no-token signs with the consumer pair alone: pass --consumer-key or set \
             {ENV_CONSUMER_KEY}"
            ))
        })?;
    let consumer_secret = if args.credentials.consumer_secret_stdin {
        crate::commands::read_stdin_line("the consumer secret")?
    } else {
        crate::config::env_var(ENV_CONSUMER_SECRET)
            .map(Secret::new)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "--no-token needs the consumer secret: set {ENV_CONSUMER_SECRET} or pass \
                     --consumer-secret-stdin"
                ))
            })?
    };
    let account = match args
        .credentials
        .account
        .clone()
        .or_else(|| crate::config::env_var(ENV_ACCOUNT))
    {
        Some(a) => Some(AccountId::parse(&a)?),
        None => None,
    };
    Ok(Who::Tba(Signer {
        consumer_key,
        consumer_secret,
        token: None,
        account,
    }))
}

/// An OAuth 2.0 token signs nothing: the header is `Bearer` and the access token (refreshed
/// first when it nears expiry), the same for every request.
/// A full URL whose host names another account than the token's: NetSuite will refuse the
/// request, so say so before it is tried (the header still goes to stdout).
fn warn_if_other_account(url: &url::Url, account: &AccountId) {
    if let Some(named) = url.host_str().and_then(crate::account::host_account)
        && named != account.host_label()
    {
        crate::ui::warn(format!(
            "{} is a host of account {named}, and the token is for account {account}: NetSuite \
             refuses it there. Use the token of that account (--to), or that account's URL",
            url.host_str().unwrap_or_default()
        ));
    }
}

fn bearer(app: &App, args: &SignArgs, creds: &crate::credentials::Credentials) -> Result<ExitCode> {
    let url = app.endpoints.resolve(Some(&creds.account), &args.url)?;
    warn_if_other_account(&url, &creds.account);
    let http = crate::http::Http::shared()?;
    let value =
        crate::http::block_on(creds.authorization(&http, &args.method, &url, None, false))??;
    if args.explain {
        eprintln!("URL:         {url}");
        eprintln!(
            "kind:        OAuth 2.0: a Bearer access token, the same for every request until it \
             expires; nothing is signed"
        );
    }
    write_stdout(format!("{}\n", value.expose()).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(app: &App, args: &SignArgs) -> Result<ExitCode> {
    let s = match signer(app, args)? {
        Who::Tba(s) => s,
        Who::Bearer(creds) => return bearer(app, args, &creds),
    };
    let url = app.endpoints.resolve(s.account.as_ref(), &args.url)?;
    if let Some(account) = &s.account {
        warn_if_other_account(&url, account);
    }
    let realm = match (&s.account, args.no_realm) {
        (Some(a), false) => Some(a.realm()),
        _ => None,
    };
    let nonce = args.nonce.clone().unwrap_or_else(signer::new_nonce);
    if nonce.chars().count() < 6 {
        crate::ui::warn(format!(
            "the nonce '{nonce}' has {} characters: NetSuite refuses nonces under 6 characters \
             (nstba makes 20 when --nonce is not given)",
            nonce.chars().count()
        ));
    }
    let signed = signer::sign(&SignInput {
        method: &args.method,
        url: &url,
        realm: realm.as_deref(),
        consumer_key: &s.consumer_key,
        consumer_secret: &s.consumer_secret,
        token: s.token.as_ref().map(|(id, _)| id.as_str()),
        token_secret: s.token.as_ref().map(|(_, secret)| secret),
        callback: args.callback.as_deref(),
        verifier: args.verifier.as_deref(),
        header_params: &[],
        form_body: args.form.as_deref().map(str::as_bytes),
        nonce: &nonce,
        timestamp: args.timestamp.unwrap_or_else(signer::now_timestamp),
    })
    .map_err(|e| Failure::usage(e.to_string()))?;
    if args.explain {
        eprintln!("URL:         {url}");
        eprintln!("realm:       {}", realm.as_deref().unwrap_or("(none)"));
        eprintln!("base string: {}", signed.base_string);
        eprintln!("parameters (sorted, encoded):");
        for p in signed.sorted_parameters() {
            eprintln!("  {p}");
        }
        eprintln!("key:         enc(consumer secret)&enc(token secret) (not shown)");
    }
    write_stdout(format!("{}\n", signed.authorization).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
