//! `nstba auth migrate TBA_AUTH_ID --client-id ID` (docs/design.md §10): from TBA to OAuth 2.0 without
//! changing a script. It runs the PKCE login for the TBA entry's account, checks the new token
//! with a call, then gives it the old auth ID; the TBA token is kept as `TBA_AUTH_ID-tba` with
//! `--keep`, else revoked in NetSuite and removed. `--to TBA_AUTH_ID` goes on working.

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::AuthMigrateArgs;
use crate::commands::App;
use crate::commands::login;
use crate::error::Failure;
use crate::store::{Saved, Store};
use crate::ui;

pub fn run(app: &App, args: &AuthMigrateArgs) -> Result<ExitCode> {
    let id = &args.auth_id;
    crate::store::validate_auth_id(id)?;
    login::refuse_in_ci(&args.browser)?;
    let store = crate::credentials::load_store(&app.store)?;
    let entry = match store.get(id)? {
        Some(Saved::Tba(e)) => e,
        Some(other) => {
            return Err(Failure::usage(format!(
                "'{id}' is {} credential already, not a TBA token",
                other.kind().with_article()
            ))
            .into());
        }
        None => {
            return Err(Failure::usage(format!(
                "no token is saved as '{id}': `nstba auth list` shows the saved ones"
            ))
            .into());
        }
    };
    // The staged login's name cannot be an auth ID (`#` is not allowed in one), so no saved
    // token of the user's can be in its way.
    let staging = format!("{id}#migrating");
    let kept = format!("{id}-tba");
    if args.keep && store.contains(&kept) {
        return Err(Failure::usage(format!(
            "'{kept}' is taken, so the TBA token cannot be kept under that name: rename or \
             remove it first"
        ))
        .into());
    }

    // 1. The OAuth 2.0 login for the same account, saved under a staging name.
    ui::info(format!(
        "Migrating '{id}' (TBA, account {}) to OAuth 2.0",
        entry.account
    ));
    let account = crate::account::AccountId::parse(&entry.account)?;
    let mut opts = login::oauth2::options(app, Some(account.clone()), &args.oauth2, &args.browser)?;
    // The certificate endpoint takes a token for rest_webservices.
    if args.m2m && !opts.scope.split(' ').any(|s| s == "rest_webservices") {
        opts.scope.push_str(" rest_webservices");
    }
    let staging_login = login::Saving {
        auth_id: Some(staging.clone()),
        force: true,
        keep_old: false,
        staged_for: Some(id.clone()),
    };
    let client_id = opts.client.client_id.clone();
    let done = login::oauth2::login(app, &staging_login, opts)?;
    let logged_in = done.account;
    // The login page lets the user pick any account: a name must never change account.
    if !logged_in.same_as(&account) {
        Store::update(&app.store, |s| Ok(s.remove(&staging)))?;
        return Err(Failure::usage(format!(
            "the OAuth 2.0 login came back for account {logged_in}, and '{id}' is a token for \
             account {account}: nothing was changed, and '{id}' stays a TBA token. Log in to \
             {account} when NetSuite asks (its login page may have kept another account's \
             session: add --prompt-login)"
        ))
        .into());
    }

    // 2. The new credential must work before the old one goes: the login's token checked with
    // a call, or (--m2m) turned into client credentials that mint a token.
    let staged = if args.m2m {
        let m2m_id = format!("{id}#m2m");
        let converted = crate::commands::lasting::convert(
            app,
            &crate::commands::lasting::Convert {
                login: &staging,
                save_as: &m2m_id,
                name: id,
                role: done.role.clone(),
                entity: done.entity.clone(),
            },
        );
        crate::commands::lasting::drop_login(app, &staging);
        converted.map_err(|e| {
            e.context(format!(
                "the migration stopped, so '{id}' stays as it was (TBA)"
            ))
        })?;
        m2m_id
    } else {
        let request = crate::credentials::Request {
            auth_id: Some(staging.clone()),
            ..Default::default()
        };
        let crate::credentials::Resolution::Ready(creds) = app.resolve(&request, false)? else {
            return Err(
                Failure::error(format!("the new OAuth 2.0 token of '{id}' was not saved")).into(),
            );
        };
        if let Err(e) = crate::commands::token::check_works(&app.endpoints, &creds) {
            let _ = Store::update(&app.store, |s| Ok(s.remove(&staging)));
            return Err(e.context(format!(
                "the new OAuth 2.0 token does not work, so '{id}' stays as it was (TBA)"
            )));
        }
        staging.clone()
    };

    // 3. The new token takes the old name.
    Store::update(&app.store, |s| {
        if !s.rename(id, &kept) || !s.rename(&staged, id) {
            return Err(Failure::error(format!(
                "the store changed while '{id}' was migrated; nothing was renamed"
            ))
            .into());
        }
        Ok(())
    })?;
    ui::info(format!(
        "'{id}' is now {} for account {}; scripts that say --to {id} keep working",
        if args.m2m {
            "a client credentials (M2M) entry, renewed with `nstba auth rotate`,"
        } else {
            "an OAuth 2.0 token"
        },
        entry.account
    ));
    if !args.m2m {
        login::oauth2::say_how_long(id, &client_id, done.ends);
    }

    // 4. The old TBA token: kept, or revoked and removed.
    if args.keep {
        ui::info(format!(
            "The TBA token is kept as '{kept}' and stays active in NetSuite until revoked \
             (`nstba auth revoke {kept}`)"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let consumer = crate::credentials::ConsumerOverride::new(None, None);
    if let Err(e) = crate::commands::token::revoke_saved(app, &kept, consumer) {
        ui::warn(format!(
            "the migration is done, but the old TBA token could not be revoked, so it stays \
             saved as '{kept}' and active: {e:#}. Revoke it later with `nstba auth revoke \
             {kept}`, or in NetSuite (Setup > Users/Roles > Access Tokens)"
        ));
    }
    Ok(ExitCode::SUCCESS)
}
