//! `nstba auth login`, and the two ways a signing command gets a token it does not have yet:
//! `--to NEW` (runs the flow under that name) and the picker (`--to` without a value). Both
//! flows (TBA in [`tba`], OAuth 2.0 in [`oauth2`]) go through one pipeline ([`Pipeline`]):
//! the name is checked, the token saved under the store's lock the moment it arrives, the
//! user told, and a token it replaced revoked.

pub mod oauth2;
pub mod tba;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use crate::account::AccountId;
use crate::auth::callback::parse_callback_url;
use crate::cli::AuthLoginArgs;
use crate::commands::{App, consumer_override};
use crate::credentials;
use crate::error::Failure;
use crate::secret::Secret;
use crate::store::{Saved, Store, validate_auth_id};
use crate::ui;

pub use tba::{for_command, pick};

/// A browser login in CI would wait its whole timeout for a person who is not there: with `CI`
/// set and neither `--no-browser` (someone opens the printed address) nor a terminal to paste
/// into, it fails at once and points to client credentials.
pub fn refuse_in_ci(browser: &crate::cli::BrowserArgs) -> Result<()> {
    if crate::ui::in_ci()
        && !browser.no_browser
        && !std::io::IsTerminal::is_terminal(&std::io::stdin())
    {
        return Err(Failure::usage(
            "a browser login needs a person at a browser, and this is CI (CI is set): in CI use \
             client credentials (M2M): set NSTBA_ACCOUNT, NSTBA_CLIENT_ID, NSTBA_CERTIFICATE_ID \
             and NSTBA_PRIVATE_KEY (`nstba auth keygen` makes the key), or the five NSTBA_* TBA \
             variables. Pass --no-browser to print the address and wait anyway",
        )
        .into());
    }
    Ok(())
}

pub fn run(app: &App, args: &AuthLoginArgs) -> Result<ExitCode> {
    if let Some(id) = &args.auth_id {
        validate_auth_id(id)?;
    }
    refuse_in_ci(&args.browser)?;
    let saving = Saving {
        auth_id: args.auth_id.clone(),
        force: args.force,
        keep_old: args.keep_old,
        staged_for: None,
    };
    let account = args.account.as_deref().map(AccountId::parse).transpose()?;
    // --client-id (given here, not by NSTBA_CLIENT_ID, which CI sets for M2M) and --m2m mean
    // OAuth 2.0 as --oauth2 does.
    if args.oauth2 || args.m2m || args.oauth2_client.client_id.is_some() {
        let mut opts = oauth2::options(app, account, &args.oauth2_client, &args.browser)?;
        if args.m2m {
            // The certificate endpoint takes a token for rest_webservices.
            if !opts.scope.split(' ').any(|s| s == "rest_webservices") {
                opts.scope.push_str(" rest_webservices");
            }
            return oauth2::login_m2m(app, &saving, opts, args.keep_login);
        }
        oauth2::login(app, &saving, opts)?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.oauth2_client.any() {
        return Err(Failure::usage(
            "--public, --scope, --client-secret-stdin and --prompt-login are OAuth 2.0 options: \
             add --oauth2 (with --client-id)",
        )
        .into());
    }
    let over = consumer_override(args.consumer_key.clone(), args.consumer_secret_stdin)?;
    let store = credentials::load_store(&app.store)?;
    saving.check(&store)?;
    let (consumer_key, consumer_secret) = tba::consumer_pair(app, &store, account.as_ref(), &over)?;
    let flow = crate::auth::tba::flow::FlowOptions {
        account,
        role: args.role.clone(),
        consumer_key,
        consumer_secret,
        callback: parse_callback_url(
            args.browser
                .callback_url
                .as_deref()
                .unwrap_or(crate::auth::callback::DEFAULT_CALLBACK),
        )?,
        open_browser: !args.browser.no_browser,
        timeout: Duration::from_secs(args.browser.timeout.max(1)),
        // `auth login` owns stdin: a pasted redirect URL can always come there.
        paste: !args.consumer_secret_stdin,
    };
    tba::login(app, &saving, flow)?;
    Ok(ExitCode::SUCCESS)
}

/// Where a login saves what it makes: under `auth_id` (else a free name from the account),
/// replacing a saved entry only with `force`, whose token is then revoked unless `keep_old`.
pub struct Saving {
    pub auth_id: Option<String>,
    pub force: bool,
    pub keep_old: bool,
    /// A login staged for another command (`auth migrate`): saved under `auth_id`, an internal
    /// name, but said to be for this one, and not announced (that command tells the user).
    pub staged_for: Option<String>,
}

impl Saving {
    /// Refuses, before any browser opens, a name already saved (without `force`).
    pub fn check(&self, store: &Store) -> Result<()> {
        match &self.auth_id {
            Some(id) if store.contains(id) && !self.force => Err(Failure::usage(format!(
                "a token is already saved as '{id}': pass --force to replace it, or choose \
                 another name (`nstba auth list` shows the saved ones)"
            ))
            .into()),
            _ => Ok(()),
        }
    }
}

/// One login from the name check to the revocation of what it replaced, whatever the flow.
pub struct Pipeline<'a> {
    app: &'a App,
    saving: &'a Saving,
    /// For people: `token`, `OAuth 2.0 token`.
    what: &'static str,
    saved_as: String,
    replaced: Option<Saved>,
}

impl<'a> Pipeline<'a> {
    /// Checks the name (the store is read again under its lock when the token comes).
    pub fn begin(app: &'a App, saving: &'a Saving, what: &'static str) -> Result<Pipeline<'a>> {
        saving.check(&credentials::load_store(&app.store)?)?;
        Ok(Pipeline {
            app,
            saving,
            what,
            saved_as: String::new(),
            replaced: None,
        })
    }

    /// Saves the entry the flow made; returns the browser page's message.
    pub fn save(&mut self, account: &AccountId, entry: Saved) -> Result<String> {
        (self.saved_as, self.replaced) = save_login(
            &self.app.store,
            self.saving.auth_id.as_deref(),
            self.saving.force,
            account,
            entry,
        )?;
        Ok(match &self.saving.staged_for {
            Some(name) => format!(
                "nstba has the {} for '{name}', account {account}. You can close this tab.",
                self.what
            ),
            None => format!(
                "nstba saved the {} as '{}' for account {account}. You can close this tab.",
                self.what, self.saved_as
            ),
        })
    }

    /// Tells the user, revokes what the login replaced, and returns the auth ID saved under.
    /// `fallback` signs the revocation of a replaced TBA entry that had no consumer pair.
    pub fn end(
        self,
        authorized: (&AccountId, Option<&str>),
        took: Duration,
        arrival: &str,
        fallback: Option<(&str, &Secret)>,
    ) -> String {
        if self.saving.staged_for.is_some() {
            return self.saved_as;
        }
        announce_saved(
            self.app,
            self.what,
            &self.saved_as,
            authorized.0,
            authorized.1,
            took,
            arrival,
        );
        settle_replaced(
            self.app,
            &self.saved_as,
            self.replaced,
            self.saving.keep_old,
            fallback,
        );
        self.saved_as
    }
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
            "Revoked the {} token that '{auth_id}' replaced, in NetSuite",
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
