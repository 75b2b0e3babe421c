//! `nstba sign`: the Authorization header value on stdout and nothing else; `--explain` adds
//! the base string and sorted parameters on stderr (never the key). How users debug
//! `InvalidSignature` and how other tools borrow nstba's tokens.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::SignArgs;
use crate::commands::{App, write_stdout};
use crate::netsuite::client::sign_request;

pub fn run(app: &App, args: &SignArgs) -> Result<ExitCode> {
    let creds = app.credentials(&args.credentials)?;
    let url = app.endpoints.resolve(Some(&creds.account), &args.url)?;
    let signed = sign_request(
        &creds,
        &args.method,
        &url,
        args.form.as_deref().map(str::as_bytes),
        args.nonce.as_deref(),
        args.timestamp,
    )?;
    if args.explain {
        eprintln!("URL:         {url}");
        eprintln!("realm:       {}", creds.account.realm());
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
