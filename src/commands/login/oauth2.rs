//! The OAuth 2.0 login (docs/design.md §10): the authorization code grant with PKCE, for
//! `auth login --oauth2` and `auth migrate`, saved as an OAuth 2.0 entry.

use std::time::Duration;

use anyhow::Result;

use crate::account::AccountId;
use crate::auth::oauth2::{self, ClientAuth, ENV_CLIENT_SECRET, flow};
use crate::cli::{BrowserArgs, OAuth2Args};
use crate::commands::{App, read_stdin_line};
use crate::error::Failure;
use crate::secret::Secret;
use crate::store::Saved;
use crate::ui;

use super::{Pipeline, Saving};

/// The flow's options from the OAuth 2.0 argument group that `auth login` and `auth migrate`
/// share; the client secret comes from stdin, `NSTBA_CLIENT_SECRET` or a prompt.
pub fn options(
    app: &App,
    account: Option<AccountId>,
    args: &OAuth2Args,
    browser: &BrowserArgs,
) -> Result<flow::Options> {
    let client_id = args
        .client_id
        .clone()
        .or_else(|| crate::config::env_var(crate::auth::oauth2::ENV_CLIENT_ID))
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            Failure::usage(
                "an OAuth 2.0 login needs the integration record's --client-id (or \
                 NSTBA_CLIENT_ID)",
            )
        })?;
    let secret = if args.public {
        None
    } else if args.client_secret_stdin {
        Some(read_stdin_line("the client secret")?)
    } else if let Some(s) = crate::config::env_var(ENV_CLIENT_SECRET) {
        Some(Secret::new(s))
    } else if app.can_prompt {
        Some(Secret::new(ui::prompt(|| {
            dialoguer::Password::new()
                .with_prompt("Client secret (from the integration record)")
                .interact()
        })?))
    } else {
        return Err(Failure::usage(format!(
            "the login needs the integration record's client secret: set {ENV_CLIENT_SECRET}, \
             pipe it with --client-secret-stdin, or pass --public for a public client"
        ))
        .into());
    };
    Ok(flow::Options {
        account,
        client: ClientAuth { client_id, secret },
        scope: oauth2::parse_scope(&args.scope)?,
        redirect: crate::auth::callback::parse_redirect_uri(browser.callback_url.as_deref())?,
        open_browser: !browser.no_browser,
        timeout: Duration::from_secs(browser.timeout.max(1)),
        paste: !args.client_secret_stdin,
        prompt_login: args.prompt_login,
    })
}

/// What a login saved: the auth ID, the account NetSuite logged the user in to, and when the
/// login ends (as its refresh token says).
pub struct LoggedIn {
    pub auth_id: String,
    pub account: AccountId,
    pub ends: Option<std::time::SystemTime>,
    pub role: Option<String>,
    pub entity: Option<String>,
}

/// Runs the OAuth 2.0 login and saves the tokens. A login staged under another name
/// (`auth migrate`, `--m2m`) says how long it lasts only when it is given its name.
pub fn login(app: &App, saving: &Saving, opts: flow::Options) -> Result<LoggedIn> {
    let http = crate::http::Http::shared()?;
    let mut pipeline = Pipeline::begin(app, saving, "OAuth 2.0 token")?;
    let (authorized, took) = crate::http::block_on(flow::authorize(
        &http,
        &app.endpoints,
        &opts,
        |auth: &flow::Authorized| {
            let now = std::time::SystemTime::now();
            let entry = crate::store::OAuth2Entry {
                account: auth.account.to_string(),
                client_id: opts.client.client_id.clone(),
                client_secret: opts.client.secret.clone(),
                scope: opts.scope.clone(),
                access_token: auth.tokens.access_token.clone(),
                access_token_expires_at: crate::store::format_time(
                    crate::auth::oauth2::cache::AccessToken::lasting(
                        auth.tokens.access_token.clone(),
                        now,
                        auth.tokens.expires_in,
                    )
                    .expires_at,
                ),
                refresh_token: auth.tokens.refresh_token.clone().unwrap_or_default(),
                // Read from the refresh token, never assumed: the record sets it.
                refresh_token_expires_at: lasts_until(auth).map(crate::store::format_time),
                role: auth.role.clone(),
                entity: auth.entity.clone(),
                created_at: Some(crate::store::now()),
                extra: Default::default(),
            };
            pipeline.save(&auth.account, Saved::OAuth2(entry))
        },
    ))??;
    let saved_as = pipeline.end(
        (&authorized.account, authorized.role.as_deref()),
        took,
        "the redirect",
        None,
    );
    let ends = lasts_until(&authorized);
    if saving.staged_for.is_none() {
        say_how_long(&saved_as, &opts.client.client_id, ends);
    }
    Ok(LoggedIn {
        auth_id: saved_as,
        account: authorized.account,
        ends,
        role: authorized.role,
        entity: authorized.entity,
    })
}

/// When the login's refresh token ends, as it says itself.
fn lasts_until(auth: &flow::Authorized) -> Option<std::time::SystemTime> {
    let token = auth.tokens.refresh_token.as_ref()?;
    crate::auth::oauth2::lifetime::of_refresh_token(token.expose()).ends
}

/// Tells the user until when the login lasts, and how to make one that lasts.
pub fn say_how_long(auth_id: &str, client_id: &str, ends: Option<std::time::SystemTime>) {
    let when = match ends {
        Some(t) => format!(
            "This login lasts until {} (the integration record's Refresh Token Validity); after \
             that nstba asks you to log in again",
            crate::store::format_time(t)
        ),
        None => "NetSuite did not say how long this login lasts (its refresh token carries no \
                 end date)"
            .to_string(),
    };
    ui::info(format!(
        "{when}. For one that lasts up to two years without a browser: nstba auth login \
         {auth_id} --oauth2 --client-id {client_id} --m2m --force"
    ));
}

/// `auth login NAME --oauth2 --m2m`: the browser login staged under a name no token can have,
/// turned into an M2M entry NAME, then the browser login revoked (or kept as NAME-login).
pub fn login_m2m(
    app: &App,
    saving: &Saving,
    opts: flow::Options,
    keep_login: bool,
) -> Result<std::process::ExitCode> {
    let Some(name) = saving.auth_id.clone() else {
        return Err(Failure::usage(
            "--m2m needs the name to save the client credentials under: nstba auth login NAME \
             --oauth2 --client-id ID --m2m",
        )
        .into());
    };
    let kept = format!("{name}-login");
    let store = crate::credentials::load_store(&app.store)?;
    if store.contains(&name) && !saving.force {
        return Err(Failure::usage(format!(
            "a credential is already saved as '{name}': pass --force to replace it, or choose \
             another name"
        ))
        .into());
    }
    if keep_login && store.contains(&kept) {
        return Err(Failure::usage(format!(
            "'{kept}' is taken, so the browser login cannot be kept under that name"
        ))
        .into());
    }
    let staging = format!("{name}#login");
    let staged = Saving {
        auth_id: Some(staging.clone()),
        force: true,
        keep_old: false,
        staged_for: Some(name.clone()),
    };
    let done = login(app, &staged, opts)?;
    // Saved under a name no token can have until it works: a failed conversion must not cost
    // the entry that --force would replace.
    let staged_m2m = format!("{name}#m2m");
    let converted = crate::commands::lasting::convert(
        app,
        &crate::commands::lasting::Convert {
            login: &staging,
            save_as: &staged_m2m,
            name: &name,
            role: done.role.clone(),
            entity: done.entity.clone(),
        },
    )
    .and_then(|entry| {
        crate::store::Store::update(&app.store, |s| {
            s.remove(&name);
            s.rename(&staged_m2m, &name);
            Ok(())
        })?;
        Ok(entry)
    });
    let entry = match converted {
        Ok(e) => e,
        Err(e) => {
            crate::commands::lasting::drop_login(app, &staging);
            return Err(e);
        }
    };
    ui::info(format!(
        "Saved the client credentials '{name}' for account {} (certificate {}, {}, key {}). \
         No browser login is needed until then; renew it with `nstba auth rotate {name}`",
        entry.account,
        entry.certificate_id,
        crate::commands::lasting::said_until(&entry),
        entry.private_key_path.display()
    ));
    if keep_login {
        crate::store::Store::update(&app.store, |s| {
            s.rename(&staging, &kept);
            Ok(())
        })?;
        ui::info(format!("The browser login is kept as '{kept}'"));
    } else if crate::commands::lasting::drop_login(app, &staging) {
        ui::info(format!("The browser login is revoked: '{name}' needs none"));
    } else {
        ui::warn(
            "the browser login could not be revoked in NetSuite; it is removed here and ends by \
             itself when its refresh token does",
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}
