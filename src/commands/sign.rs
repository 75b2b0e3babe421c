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

fn signer(app: &App, args: &SignArgs) -> Result<Signer> {
    if !args.no_token {
        let c = app.credentials(&args.credentials)?;
        return Ok(Signer {
            consumer_key: c.consumer_key,
            consumer_secret: c.consumer_secret,
            token: Some((c.token_id, c.token_secret)),
            account: Some(c.account),
        });
    }
    let consumer_key = args
        .credentials
        .consumer_key
        .clone()
        .or_else(|| credentials::env_var(credentials::ENV_CONSUMER_KEY))
        .ok_or_else(|| {
            Failure::usage(format!(
                "--no-token signs with the consumer pair alone: pass --consumer-key or set \
             {ENV_CONSUMER_KEY}"
            ))
        })?;
    let consumer_secret = if args.credentials.consumer_secret_stdin {
        crate::commands::read_stdin_line("the consumer secret")?
    } else {
        credentials::env_var(ENV_CONSUMER_SECRET)
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
        .or_else(|| credentials::env_var(ENV_ACCOUNT))
    {
        Some(a) => Some(AccountId::parse(&a)?),
        None => None,
    };
    Ok(Signer {
        consumer_key,
        consumer_secret,
        token: None,
        account,
    })
}

pub fn run(app: &App, args: &SignArgs) -> Result<ExitCode> {
    let s = signer(app, args)?;
    let url = app.endpoints.resolve(s.account.as_ref(), &args.url)?;
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
