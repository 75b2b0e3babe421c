//! `nstba auth verify` and `nstba auth revoke`: the token endpoints, each signed with the
//! token in question (SPEC 3, "Other token endpoints").

use std::process::ExitCode;

use anyhow::Result;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::account::Domain;
use crate::cli::{AuthRevokeArgs, AuthVerifyArgs, CredentialArgs};
use crate::commands::{App, write_stdout};
use crate::error::Failure;
use crate::netsuite::client::{Client, Reply};
use crate::store::Store;
use crate::ui;

/// Calls a token endpoint with `creds` and returns the reply, or NetSuite's decoded refusal.
fn call(
    creds: &crate::credentials::Credentials,
    app: &App,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Reply> {
    let mut url = app
        .endpoints
        .resolve(Some(&creds.account), path)
        .map_err(anyhow::Error::from)?;
    debug_assert_eq!(Domain::for_path(path), Domain::Restlet);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    let client = Client::new()?;
    crate::netsuite::runtime()?.block_on(client.send(creds, "GET", &url, HeaderMap::new(), None))
}

pub fn verify(app: &App, args: &AuthVerifyArgs) -> Result<ExitCode> {
    let mut cred_args = args.credentials.clone();
    if let Some(name) = &args.name {
        cred_args.auth_id = Some(name.clone());
        cred_args.to = None;
    }
    let creds = app.credentials(&cred_args)?;
    let reply = call(&creds, app, "/rest/tokeninfo", &[])?;
    let who = creds
        .auth_id
        .as_deref()
        .map(|id| format!("'{id}'"))
        .unwrap_or_else(|| "from the environment".into());
    if !reply.is_success() {
        let err = reply.error();
        return Err(Failure::new(
            err.exit_kind(),
            format!(
                "the token {who} does not work: {}",
                err.describe(Some(&creds.account.realm()))
            ),
        )
        .into());
    }
    let info: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    if args.json {
        let mut text = serde_json::to_string_pretty(&info)?;
        text.push('\n');
        write_stdout(text.as_bytes())?;
    } else {
        let s = |k: &str| match &info[k] {
            Value::String(s) => ui::escape(s),
            Value::Number(n) => n.to_string(),
            _ => "-".into(),
        };
        let out = format!(
            "account:      {} ({})\nrole:         {} ({})\nentity:       {} ({})\nintegration:  {}\n",
            s("companyId"),
            s("companyName"),
            s("roleId"),
            s("roleName"),
            s("entityId"),
            s("entityName"),
            s("integrationName"),
        );
        write_stdout(out.as_bytes())?;
    }
    ui::info(format!(
        "The token {who} works for account {}",
        creds.account
    ));
    Ok(ExitCode::SUCCESS)
}

pub fn revoke(app: &App, args: &AuthRevokeArgs) -> Result<ExitCode> {
    let creds = app.credentials(&CredentialArgs {
        auth_id: Some(args.auth_id.clone()),
        consumer_key: args.consumer_key.clone(),
        consumer_secret_stdin: args.consumer_secret_stdin,
        to: None,
        account: None,
    })?;
    let reply = call(
        &creds,
        app,
        "/rest/revoketoken",
        &[
            ("consumerKey", creds.consumer_key.as_str()),
            ("token", creds.token_id.as_str()),
        ],
    )?;
    if !reply.is_success() {
        let err = reply.error();
        let rejected = err.is_rejection();
        let mut message = format!(
            "NetSuite did not revoke '{}', so it stays saved: {}",
            args.auth_id,
            err.describe(Some(&creds.account.realm()))
        );
        if rejected {
            message.push_str(&format!(
                "\nhint: if the token was already revoked or deleted in NetSuite, remove it \
                 here with `nstba auth remove {}`",
                args.auth_id
            ));
        }
        return Err(Failure::new(err.exit_kind(), message).into());
    }
    let removed = Store::update(&app.store, |store| Ok(store.remove(&args.auth_id)))?;
    ui::info(if removed {
        format!(
            "Revoked '{}' in NetSuite and removed it from {}",
            args.auth_id,
            app.store.path().display()
        )
    } else {
        format!(
            "Revoked '{}' in NetSuite (it was already gone from {})",
            args.auth_id,
            app.store.path().display()
        )
    });
    Ok(ExitCode::SUCCESS)
}
