//! `nstba auth login`, and the two ways a signing command gets a token it does not have yet:
//! `--to NEW` (runs the flow under that name) and the picker (`--to` without a value).

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use crate::account::AccountId;
use crate::auth::callback::{DEFAULT_CALLBACK, ENV_CALLBACK_URL, parse_callback_url};
use crate::auth::tba::flow::{self, Authorized, FlowOptions};
use crate::cli::AuthLoginArgs;
use crate::commands::{App, read_stdin_line};
use crate::credentials::{self, ConsumerOverride, Credentials, Origin};
use crate::error::Failure;
use crate::project::Project;
use crate::secret::Secret;
use crate::store::{Saved, Store, TbaEntry, validate_auth_id};
use crate::ui;

/// What one login needs beyond the flow's options.
pub struct Login {
    /// The name to save under; `None` derives one from the account.
    pub auth_id: Option<String>,
    pub force: bool,
    /// With `force`: leave the replaced token active in NetSuite.
    pub keep_old: bool,
    pub flow: FlowOptions,
}

pub fn run(app: &App, args: &AuthLoginArgs) -> Result<ExitCode> {
    if let Some(id) = &args.auth_id {
        validate_auth_id(id)?;
    }
    if args.oauth2 {
        return run_oauth2(app, args);
    }
    let account = args.account.as_deref().map(AccountId::parse).transpose()?;
    let explicit_secret = if args.consumer_secret_stdin {
        Some(read_stdin_line("the consumer secret")?)
    } else {
        None
    };
    let over = ConsumerOverride::new(args.consumer_key.clone(), explicit_secret);
    let store = credentials::load_store(&app.store)?;
    if let Some(id) = &args.auth_id
        && store.contains(id)
        && !args.force
    {
        return Err(Failure::usage(format!(
            "a token is already saved as '{id}': pass --force to replace it, or choose another \
             name (`nstba auth list` shows the saved ones)"
        ))
        .into());
    }
    let (consumer_key, consumer_secret) = consumer_pair(app, &store, account.as_ref(), &over)?;
    let login = Login {
        auth_id: args.auth_id.clone(),
        force: args.force,
        keep_old: args.keep_old,
        flow: FlowOptions {
            account,
            role: args.role.clone(),
            consumer_key,
            consumer_secret,
            callback: parse_callback_url(&args.callback_url)?,
            open_browser: !args.no_browser,
            timeout: Duration::from_secs(args.timeout.max(1)),
            // `auth login` owns stdin: a pasted redirect URL can always come there.
            paste: !args.consumer_secret_stdin,
        },
    };
    perform(app, login)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the flow and saves the token. Returns the credentials, ready to sign.
pub fn perform(app: &App, login: Login) -> Result<Credentials> {
    let client = crate::http::Http::shared()?;
    let store_path = app.store.clone();
    let mut saved_as = String::new();
    let mut replaced = None;
    let (authorized, took) = crate::http::block_on(flow::authorize(
        &client,
        &app.endpoints,
        &login.flow,
        |auth: &Authorized| {
            let entry = TbaEntry {
                token_id: auth.token_id.clone(),
                token_secret: auth.token_secret.clone(),
                account: auth.account.to_string(),
                consumer_key: Some(login.flow.consumer_key.clone()),
                consumer_secret: Some(login.flow.consumer_secret.clone()),
                role: auth.role.clone(),
                entity: auth.entity.clone(),
                created_at: Some(crate::store::now()),
                extra: Default::default(),
            };
            (saved_as, replaced) = save_login(
                &store_path,
                login.auth_id.as_deref(),
                login.force,
                &auth.account,
                Saved::Tba(entry),
            )?;
            Ok(format!(
                "nstba saved the token as '{saved_as}' for account {}. You can close this tab.",
                auth.account
            ))
        },
    ))??;
    announce_saved(
        app,
        "token",
        &saved_as,
        &authorized.account,
        authorized.role.as_deref(),
        took,
        "the callback",
    );
    let fallback = (
        login.flow.consumer_key.as_str(),
        &login.flow.consumer_secret,
    );
    settle_replaced(app, &saved_as, replaced, login.keep_old, Some(fallback));
    Ok(Credentials {
        auth_id: Some(saved_as),
        authorizer: crate::auth::Authorizer::new(
            authorized.account,
            crate::auth::Grant::Tba(crate::auth::TbaPair {
                consumer_key: login.flow.consumer_key,
                consumer_secret: login.flow.consumer_secret,
                token_id: authorized.token_id,
                token_secret: authorized.token_secret,
            }),
        ),
        origin: Origin::Login,
    })
}

/// `auth login --oauth2`: the authorization code grant with PKCE (docs/design.md §10), saved as an
/// OAuth 2.0 entry.
fn run_oauth2(app: &App, args: &AuthLoginArgs) -> Result<ExitCode> {
    oauth2_login(app, args)?;
    Ok(ExitCode::SUCCESS)
}

/// Runs the OAuth 2.0 login of `args` and saves the tokens; returns the auth ID saved under.
pub fn oauth2_login(app: &App, args: &AuthLoginArgs) -> Result<String> {
    use crate::auth::oauth2::{self, ClientAuth, ENV_CLIENT_SECRET, flow};
    let account = args.account.as_deref().map(AccountId::parse).transpose()?;
    let store = credentials::load_store(&app.store)?;
    if let Some(id) = &args.auth_id
        && store.contains(id)
        && !args.force
    {
        return Err(Failure::usage(format!(
            "a token is already saved as '{id}': pass --force to replace it, or choose another \
             name (`nstba auth list` shows the saved ones)"
        ))
        .into());
    }
    let client_id = args
        .client_id
        .clone()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            Failure::usage(
                "--oauth2 needs the integration record's --client-id (or NSTBA_CLIENT_ID)",
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
    let opts = flow::Options {
        account,
        client: ClientAuth { client_id, secret },
        scope: oauth2::parse_scope(&args.scope)?,
        redirect: crate::auth::callback::parse_redirect_uri(&args.callback_url)?,
        open_browser: !args.no_browser,
        timeout: Duration::from_secs(args.timeout.max(1)),
        paste: !args.client_secret_stdin,
        prompt_login: args.prompt_login,
    };
    let client = crate::http::Http::shared()?;
    let store_path = app.store.clone();
    let mut saved_as = String::new();
    let mut replaced = None;
    let (authorized, took) = crate::http::block_on(flow::authorize(
        &client,
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
                    now + Duration::from_secs(auth.tokens.expires_in),
                ),
                refresh_token: auth.tokens.refresh_token.clone().unwrap_or_default(),
                // NetSuite: 3 hours for public clients, 7 days by default for confidential.
                refresh_token_expires_at: Some(crate::store::format_time(
                    now + Duration::from_secs(if opts.client.secret.is_none() {
                        3 * 3600
                    } else {
                        7 * 24 * 3600
                    }),
                )),
                role: auth.role.clone(),
                entity: auth.entity.clone(),
                created_at: Some(crate::store::now()),
                extra: Default::default(),
            };
            (saved_as, replaced) = save_login(
                &store_path,
                args.auth_id.as_deref(),
                args.force,
                &auth.account,
                Saved::OAuth2(entry),
            )?;
            Ok(format!(
                "nstba saved the OAuth 2.0 token as '{saved_as}' for account {}. You can close \
                 this tab.",
                auth.account
            ))
        },
    ))??;
    announce_saved(
        app,
        "OAuth 2.0 token",
        &saved_as,
        &authorized.account,
        authorized.role.as_deref(),
        took,
        "the redirect",
    );
    settle_replaced(app, &saved_as, replaced, args.keep_old, None);
    Ok(saved_as)
}

/// Says where a login's token was saved (and, with -v, how long after `arrival` came).
fn announce_saved(
    app: &App,
    what: &str,
    saved_as: &str,
    account: &AccountId,
    role: Option<&str>,
    took: Duration,
    arrival: &str,
) {
    ui::info(format!(
        "Saved {what} '{saved_as}' for account {account}{} in {}",
        role.map(|r| format!(" (role {r})")).unwrap_or_default(),
        app.store.path().display()
    ));
    ui::verbose(format!(
        "token saved {:.1} ms after {arrival} arrived",
        took.as_secs_f64() * 1000.0
    ));
}

/// After `auth login --force`: revokes the token the new one replaced, unless `keep_old`
/// (then says it stays active). A failed revocation is a warning: the new token is saved and
/// works, and the old one can still be revoked in the UI.
fn settle_replaced(
    app: &App,
    auth_id: &str,
    replaced: Option<Saved>,
    keep_old: bool,
    fallback: Option<(&str, &crate::secret::Secret)>,
) {
    let Some(old) = replaced else { return };
    if keep_old {
        ui::info(format!(
            "The {} token '{auth_id}' replaced stays active in NetSuite (--keep-old): revoke it \
             in the UI when it is no longer used ({})",
            old.kind(),
            crate::commands::auth::where_to_revoke(Some(&old))
        ));
        return;
    }
    match crate::commands::token::revoke_replaced(&app.endpoints, &old, fallback) {
        Ok(()) => ui::info(format!(
            "Revoked the token '{auth_id}' replaced ({}) in NetSuite",
            old.kind()
        )),
        Err(e) => ui::warn(format!(
            "the token '{auth_id}' replaced could not be revoked, so it stays active in \
             NetSuite: {}. Revoke it in the UI ({})",
            format!("{e:#}").lines().next().unwrap_or_default(),
            crate::commands::auth::where_to_revoke(Some(&old))
        )),
    }
}

/// Saves what a login made, under `auth_id` (else a free name from the account), replacing a
/// saved entry only with `force`: the store is re-read under its lock, so a token saved by
/// another process while the login ran is never lost silently. Returns the name and the entry
/// replaced.
fn save_login(
    store_path: &crate::store::StorePath,
    auth_id: Option<&str>,
    force: bool,
    account: &AccountId,
    entry: Saved,
) -> Result<(String, Option<Saved>)> {
    Store::update(store_path, |store| {
        let id = match auth_id {
            Some(id) if store.contains(id) && !force => {
                return Err(Failure::usage(format!(
                    "a token was saved as '{id}' while the login ran: run it again with --force \
                     to replace it, or with another name"
                ))
                .into());
            }
            Some(id) => id.to_string(),
            None => free_name(store, account),
        };
        // A replaced entry starts afresh: nothing of the old one may linger.
        let replaced = store.get(&id).ok().flatten();
        store.remove(&id);
        store.put(&id, &entry);
        Ok((id, replaced))
    })
}

/// `1234567-sb1`, or `1234567-sb1-2` and so on when taken.
fn free_name(store: &Store, account: &AccountId) -> String {
    let base = account.host_label();
    std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|name| !store.contains(name))
        .unwrap_or(base)
}

/// The integration record's consumer pair for a login: the command line and environment, a
/// saved token of the same account, or a prompt.
fn consumer_pair(
    app: &App,
    store: &Store,
    account: Option<&AccountId>,
    over: &ConsumerOverride,
) -> Result<(String, Secret)> {
    if let Some(pair) = over.pair() {
        return Ok(pair);
    }
    if let Some(account) = account {
        let saved = store.entries().into_iter().find_map(|(_, e)| {
            let Ok(Saved::Tba(e)) = e else { return None };
            let same = AccountId::parse(&e.account).ok()?.same_as(account);
            let key = e
                .consumer_key
                .filter(|k| over.key().is_none_or(|o| o == k))?;
            same.then_some((key, e.consumer_secret?))
        });
        if let Some(pair) = saved {
            ui::verbose(format!(
                "using the consumer key of a saved token for account {account}"
            ));
            return Ok(pair);
        }
    }
    if app.can_prompt {
        return credentials::prompt_consumer(over);
    }
    Err(Failure::usage(format!(
        "the login needs the integration record's consumer key and secret: set {} and {} \
         (Setup > Integration > Manage Integrations; the secret is shown once, when the record \
         is saved)",
        credentials::ENV_CONSUMER_KEY,
        credentials::ENV_CONSUMER_SECRET
    ))
    .into())
}

/// The login a signing command runs for `--to NEW` or "New token" in the picker: the account
/// from `--account`, `nstba.toml` or `NSTBA_ACCOUNT` when known, the callback from
/// `NSTBA_CALLBACK_URL`.
pub fn for_command(
    app: &App,
    auth_id: &str,
    over: &ConsumerOverride,
    project: Option<&Project>,
    cli_account: Option<&str>,
) -> Result<Credentials> {
    validate_auth_id(auth_id)?;
    let account = cli_account
        .map(str::to_string)
        .or_else(|| project.and_then(Project::account))
        .or_else(|| crate::config::env_var(credentials::ENV_ACCOUNT))
        .map(|a| AccountId::parse(&a))
        .transpose()?;
    // Resolution read the store already and showed its warnings.
    let store = Store::load(&app.store)?;
    let (consumer_key, consumer_secret) = consumer_pair(app, &store, account.as_ref(), over)?;
    let callback =
        crate::config::env_var(ENV_CALLBACK_URL).unwrap_or_else(|| DEFAULT_CALLBACK.to_string());
    ui::info(format!(
        "No token is saved as '{auth_id}': creating it with the authorization flow"
    ));
    perform(
        app,
        Login {
            auth_id: Some(auth_id.to_string()),
            force: false,
            keep_old: false,
            flow: FlowOptions {
                account,
                role: None,
                consumer_key,
                consumer_secret,
                callback: parse_callback_url(&callback)?,
                open_browser: true,
                timeout: Duration::from_secs(300),
                // The command may want stdin for itself; a terminal is where people paste.
                paste: std::io::IsTerminal::is_terminal(&std::io::stdin()),
            },
        },
    )
}

/// The picker: saved tokens as `AUTH_ID - Account ACCOUNT`, then "New token" (the gulp tools'
/// list). Only called when prompting is allowed.
pub fn pick(
    app: &App,
    over: &ConsumerOverride,
    project: Option<&Project>,
    req: &credentials::Request,
) -> Result<Credentials> {
    let store = Store::load(&app.store)?;
    let usable: Vec<(String, Saved)> = store
        .entries()
        .into_iter()
        .filter_map(|(id, e)| e.ok().map(|e| (id.to_string(), e)))
        .collect();
    let mut items: Vec<String> = usable
        .iter()
        .map(|(id, e)| format!("{id} - Account {}", e.account()))
        .collect();
    items.push("New token".to_string());
    let choice = ui::prompt(|| {
        dialoguer::Select::new()
            .with_prompt("Which token?")
            .items(&items)
            .default(0)
            .interact_opt()
    })?;
    let Some(index) = choice else {
        return Err(Failure::usage("no token chosen").into());
    };
    if let Some((id, entry)) = usable.get(index) {
        let ctx = credentials::Context {
            store: &app.store,
            endpoints: &app.endpoints,
            project,
            picks: &credentials::no_picks,
            env: &crate::config::env_var,
            can_prompt: app.can_prompt,
        };
        return credentials::from_entry(id, entry.clone(), Origin::Picker, req, &ctx);
    }
    let name: String = ui::prompt(|| {
        dialoguer::Input::new()
            .with_prompt("Name for the new token (auth ID)")
            .validate_with(|input: &String| validate_auth_id(input).map_err(|e| e.message))
            .interact_text()
    })?;
    if store.contains(&name) {
        return Err(Failure::usage(format!(
            "a token is already saved as '{name}': pick it from the list instead"
        ))
        .into());
    }
    for_command(app, &name, over, project, None)
}
