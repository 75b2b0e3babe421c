//! The TBA login (docs/design.md §3): `auth login`, `--to NEW` and the picker's "New token".

use std::time::Duration;

use anyhow::Result;

use crate::account::AccountId;
use crate::auth::callback::{DEFAULT_CALLBACK, ENV_CALLBACK_URL, parse_callback_url};
use crate::auth::tba::flow::{self, Authorized, FlowOptions};
use crate::commands::App;
use crate::credentials::{self, ConsumerOverride, Credentials, Origin};
use crate::error::Failure;
use crate::project::Project;
use crate::secret::Secret;
use crate::store::{Saved, Store, TbaEntry, validate_auth_id};
use crate::ui;

use super::{Pipeline, Saving};

/// Runs the flow and saves the token. Returns the credentials, ready to sign.
pub fn login(app: &App, saving: &Saving, flow: FlowOptions) -> Result<Credentials> {
    let http = crate::http::Http::shared()?;
    let mut pipeline = Pipeline::begin(app, saving, "token")?;
    let (authorized, took) = crate::http::block_on(flow::authorize(
        &http,
        &app.endpoints,
        &flow,
        |auth: &Authorized| {
            let entry = TbaEntry {
                token_id: auth.token_id.clone(),
                token_secret: auth.token_secret.clone(),
                account: auth.account.to_string(),
                consumer_key: Some(flow.consumer_key.clone()),
                consumer_secret: Some(flow.consumer_secret.clone()),
                role: auth.role.clone(),
                entity: auth.entity.clone(),
                created_at: Some(crate::store::now()),
                extra: Default::default(),
            };
            pipeline.save(&auth.account, Saved::Tba(entry))
        },
    ))??;
    let fallback = (flow.consumer_key.as_str(), &flow.consumer_secret);
    let saved_as = pipeline.end(
        (&authorized.account, authorized.role.as_deref()),
        took,
        "the callback",
        Some(fallback),
    );
    Ok(Credentials {
        auth_id: Some(saved_as),
        authorizer: crate::auth::Authorizer::new(
            authorized.account,
            crate::auth::Grant::Tba(crate::auth::TbaPair {
                consumer_key: flow.consumer_key,
                consumer_secret: flow.consumer_secret,
                token_id: authorized.token_id,
                token_secret: authorized.token_secret,
            }),
        ),
        origin: Origin::Login,
    })
}

/// The integration record's consumer pair for a login: the command line and environment, a
/// saved token of the same account, or a prompt.
pub(super) fn consumer_pair(
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
    yes: bool,
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
    if !yes {
        confirm_new(&store, auth_id)?;
    }
    let (consumer_key, consumer_secret) = consumer_pair(app, &store, account.as_ref(), over)?;
    let callback =
        crate::config::env_var(ENV_CALLBACK_URL).unwrap_or_else(|| DEFAULT_CALLBACK.to_string());
    ui::info(format!(
        "No token is saved as '{auth_id}': creating it with the authorization flow"
    ));
    login(
        app,
        &Saving {
            auth_id: Some(auth_id.to_string()),
            force: false,
            keep_old: false,
            staged_for: None,
        },
        FlowOptions {
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
    // The gulp tools' `AUTH_ID - Account ACCOUNT`, with the kind (after a migrate, `play` and
    // `play-tba` differ only by it); the store's text escaped.
    let mut items: Vec<String> = usable
        .iter()
        .map(|(id, e)| {
            format!(
                "{} - Account {} ({})",
                ui::escape(id),
                ui::escape(e.account()),
                e.kind()
            )
        })
        .collect();
    items.push("New token".to_string());
    // It starts on the token a bare command would use here, and filters as you type.
    let dir = app.project_dir(project)?;
    let current = crate::config::project_choice(&dir)?.or(crate::config::default_auth_id()?);
    let start = current
        .and_then(|c| usable.iter().position(|(id, _)| *id == c))
        .unwrap_or(0);
    let choice = ui::prompt(|| {
        dialoguer::FuzzySelect::new()
            .with_prompt("Which token? (type to filter)")
            .items(&items)
            .default(start)
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
    // The name was just typed for a new token: nothing to confirm.
    for_command(app, &name, true, over, project, None)
}

/// Before a login for a `--to` name that is not saved (docs/design.md §5, "A name that is not
/// saved"): the saved names close to it (edit distance up to 2), and a question. A typo must
/// not start a login at once.
fn confirm_new(store: &Store, auth_id: &str) -> Result<()> {
    let close: Vec<String> = store
        .ids()
        .filter(|id| strsim::levenshtein(id, auth_id) <= 2)
        .map(|id| format!("'{}'", ui::escape(id)))
        .collect();
    let question = if close.is_empty() {
        format!("No token is saved as '{auth_id}'. Log in now and save one under that name?")
    } else {
        format!(
            "No token is saved as '{auth_id}'; did you mean {}? Log in now and save a new one \
             as '{auth_id}'?",
            close.join(" or ")
        )
    };
    let go = ui::prompt(|| {
        dialoguer::Confirm::new()
            .with_prompt(question)
            .default(close.is_empty())
            .interact()
    })?;
    if go {
        return Ok(());
    }
    Err(Failure::usage(match close.first() {
        Some(name) => format!("nothing was done: pass --to {}", name.trim_matches('\'')),
        None => "nothing was done: `nstba auth list` shows the saved tokens".to_string(),
    })
    .into())
}
