//! `nstba auth ...`: save, list, inspect, rename and remove tokens. Secrets are never printed;
//! token IDs are masked (first 4 characters, then `…`).

use std::process::ExitCode;

use anyhow::Result;
use serde_json::json;

use crate::account::AccountId;
use crate::cli::{AuthAddArgs, AuthInfoArgs};
use crate::commands::{App, read_stdin_line, write_stdout};
use crate::credentials::{self, ConsumerOverride};
use crate::error::Failure;
use crate::secret::Secret;
use crate::store::{Saved, Store, TbaEntry, validate_auth_id};
use crate::ui;

/// The token ID as shown to people: first 4 characters, then `…`.
pub fn mask(token_id: &str) -> String {
    let head: String = token_id.chars().take(4).collect();
    format!("{head}…")
}

/// A secret from its variable, else a hidden prompt on a terminal, else a line of stdin.
fn read_secret(app: &App, what: &str, var: &str, force_stdin: bool) -> Result<Secret> {
    let secret = if force_stdin {
        read_stdin_line(what)?
    } else if let Some(v) = crate::config::env_var(var) {
        Secret::new(v)
    } else if app.can_prompt {
        let mut first = what.chars();
        let label = first
            .next()
            .map(|c| c.to_uppercase().collect::<String>() + first.as_str())
            .unwrap_or_default();
        Secret::new(ui::prompt(|| {
            dialoguer::Password::new().with_prompt(label).interact()
        })?)
    } else {
        read_stdin_line(&format!("{what} (or set {var})"))?
    };
    if secret.expose().trim().is_empty() {
        return Err(Failure::usage(format!("{what} is empty")).into());
    }
    Ok(Secret::new(secret.expose().trim()))
}

pub fn add(app: &App, args: &AuthAddArgs) -> Result<ExitCode> {
    validate_auth_id(&args.auth_id)?;
    let existing = credentials::load_store(&app.store)?;
    if existing.contains(&args.auth_id) && args.token_id.is_none() && !args.force {
        return set_consumer(app, args);
    }
    let (Some(account), Some(token_id)) = (&args.account, &args.token_id) else {
        return Err(Failure::usage(format!(
            "a new token needs --account and --token-id (or {} and {}); to set only the \
             consumer pair of a saved token, name one that exists (`nstba auth list`)",
            credentials::ENV_ACCOUNT,
            credentials::ENV_TOKEN_ID
        ))
        .into());
    };
    let account = AccountId::parse(account)?;
    if existing.contains(&args.auth_id) && !args.force {
        return Err(Failure::usage(format!(
            "a token is already saved as '{}': pass --force to replace it, or choose another \
             name (without --token-id, only its consumer key and secret are set)",
            args.auth_id
        ))
        .into());
    }
    let consumer_key = consumer_key_for_add(app, args)?;
    // Order on stdin, when secrets are piped: the token secret, then the consumer secret.
    let token_secret = read_secret(
        app,
        "the token secret",
        credentials::ENV_TOKEN_SECRET,
        args.token_secret_stdin,
    )?;
    let consumer_secret = read_secret(
        app,
        "the consumer secret",
        credentials::ENV_CONSUMER_SECRET,
        args.consumer_secret_stdin,
    )?;
    let entry = TbaEntry {
        token_id: token_id.trim().to_string(),
        token_secret,
        account: account.to_string(),
        consumer_key: Some(consumer_key),
        consumer_secret: Some(consumer_secret),
        role: args.role.clone(),
        entity: None,
        created_at: Some(crate::store::now()),
        extra: Default::default(),
    };
    let id = args.auth_id.clone();
    Store::update(&app.store, |store| {
        if store.contains(&id) && !args.force {
            return Err(Failure::usage(format!(
                "a token was saved as '{id}' meanwhile: pass --force to replace it"
            ))
            .into());
        }
        // A replaced entry starts afresh: nothing of the old token may linger.
        store.remove(&id);
        store.put(&id, &Saved::Tba(entry));
        Ok(())
    })?;
    ui::info(format!(
        "Saved token '{}' for account {} in {}",
        args.auth_id,
        account,
        app.store.path().display()
    ));
    Ok(ExitCode::SUCCESS)
}

fn consumer_key_for_add(app: &App, args: &AuthAddArgs) -> Result<String> {
    match args
        .consumer_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        Some(k) => Ok(k.to_string()),
        None if app.can_prompt => credentials::prompt_consumer_key(),
        None => Err(Failure::usage(
            "the consumer key is missing: pass --consumer-key or set NSTBA_CONSUMER_KEY \
             (Setup > Integration > Manage Integrations, shown once when the record is saved)",
        )
        .into()),
    }
}

/// `auth add AUTH_ID --consumer-key CK` on a saved token: sets its consumer pair only (a gulp
/// entry that has none, or a rotated integration record), leaving the token as it is.
fn set_consumer(app: &App, args: &AuthAddArgs) -> Result<ExitCode> {
    let consumer_key = consumer_key_for_add(app, args)?;
    let consumer_secret = read_secret(
        app,
        "the consumer secret",
        credentials::ENV_CONSUMER_SECRET,
        args.consumer_secret_stdin,
    )?;
    let id = args.auth_id.clone();
    Store::update(&app.store, |store| {
        let mut entry = match store.get(&id)? {
            Some(Saved::Tba(e)) => e,
            Some(_) => {
                return Err(Failure::usage(format!(
                    "'{id}' is an OAuth 2.0 token, which has no consumer key and secret"
                ))
                .into());
            }
            None => {
                return Err(Failure::usage(format!(
                    "the token '{id}' was removed meanwhile; nothing changed"
                ))
                .into());
            }
        };
        entry.consumer_key = Some(consumer_key.clone());
        entry.consumer_secret = Some(consumer_secret.clone());
        store.put(&id, &Saved::Tba(entry));
        Ok(())
    })?;
    ui::info(format!(
        "Saved the consumer key and secret of '{id}' in {} (its token is unchanged)",
        app.store.path().display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `nstba auth switch AUTH_ID`: the user's default token (docs/design.md §5, step 5).
pub fn switch(app: &App, auth_id: &str) -> Result<ExitCode> {
    let store = credentials::load_store(&app.store)?;
    if store.get(auth_id)?.is_none() {
        let saved: Vec<&str> = store.ids().collect();
        return Err(Failure::usage(format!(
            "no token is saved as '{auth_id}' (saved: {}): `nstba auth login {auth_id}` \
             creates it",
            if saved.is_empty() {
                "none".into()
            } else {
                saved.join(", ")
            }
        ))
        .into());
    }
    let file = crate::config::set_default_auth_id(auth_id)?;
    ui::info(format!(
        "'{auth_id}' is now the default token (in {}). --to, NSTBA_AUTH_ID, the NSTBA_* \
         credential variables and a project's own choice still come first",
        file.display()
    ));
    // Here, something earlier may still win: say so, with how to change it.
    if let Ok(crate::credentials::Resolution::Ready(here)) =
        app.resolve(&crate::credentials::Request::default(), false)
        && here.auth_id.as_deref() != Some(auth_id)
    {
        let how = match here.origin {
            crate::credentials::Origin::ProjectChoice => ": `nstba auth forget` forgets it",
            crate::credentials::Origin::ProjectFile => ": it is auth_id in nstba.toml",
            _ => "",
        };
        ui::warn(format!(
            "in this folder a bare command still uses {} (chosen by {}){how}",
            here.auth_id
                .as_deref()
                .map(|id| format!("'{}'", ui::escape(id)))
                .unwrap_or_else(|| "the NSTBA_* credentials".into()),
            here.origin
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// `nstba auth forget [FOLDER]`: clears the token remembered for a project folder.
pub fn forget(app: &App, folder: Option<&std::path::Path>) -> Result<ExitCode> {
    let dir = match folder {
        Some(f) => crate::fsio::canonicalize(f)
            .map_err(|e| Failure::usage(format!("cannot read the folder {}: {e}", f.display())))?,
        None => app.project_dir(app.project()?.as_ref())?,
    };
    match crate::config::clear_project_choice(&dir)? {
        Some(id) => ui::info(format!(
            "Forgot '{}' for {}: a bare command there chooses as if nothing was picked",
            ui::escape(&id),
            dir.display()
        )),
        None => ui::info(format!("No token is remembered for {}", dir.display())),
    }
    Ok(ExitCode::SUCCESS)
}

pub fn info(app: &App, args: &AuthInfoArgs) -> Result<ExitCode> {
    let store = credentials::load_store(&app.store)?;
    let entry = store.get(&args.auth_id)?.ok_or_else(|| {
        Failure::usage(format!(
            "no token is saved as '{}': `nstba auth list` shows the saved ones",
            args.auth_id
        ))
    })?;
    let account = AccountId::parse(entry.account()).ok();
    let mut value = json!({
        "authId": args.auth_id,
        "kind": entry.kind(),
        "store": app.store.path().display().to_string(),
        "account": entry.account(),
        "realm": account.as_ref().map(AccountId::realm),
        "role": entry.role(),
        "entity": entry.entity(),
        "createdAt": entry.created_at(),
    });
    let consumer_from = match &entry {
        Saved::Tba(e) => {
            let (pair, source) = credentials::consumer_pair(e, &ConsumerOverride::new(None, None));
            value["tokenId"] = json!(mask(&e.token_id));
            value["consumerKey"] = json!(pair.as_ref().map(|(k, _)| mask(k)));
            value["sources"] = json!({
                "token": "store", "account": "store", "consumer": source.json_name(),
            });
            source.to_string()
        }
        Saved::OAuth2(e) => {
            value["clientId"] = json!(e.client_id);
            value["publicClient"] = json!(e.client_secret.is_none());
            value["scope"] = json!(e.scope);
            value["accessTokenExpiresAt"] = json!(e.access_token_expires_at);
            value["refreshTokenExpiresAt"] = json!(e.refresh_token_expires_at);
            String::new()
        }
        Saved::M2m(e) => {
            value["clientId"] = json!(e.client_id);
            value["certificateId"] = json!(e.certificate_id);
            value["privateKeyPath"] = json!(e.private_key_path.display().to_string());
            value["algorithm"] = json!(e.algorithm);
            value["scope"] = json!(e.scope);
            value["certificateExpiresAt"] = json!(e.certificate_expires_at);
            String::new()
        }
    };
    if args.json {
        let mut text = serde_json::to_string_pretty(&value)?;
        text.push('\n');
        write_stdout(text.as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    let s = |k: &str| value[k].as_str().unwrap_or("-").to_string();
    let mut out = String::new();
    out.push_str(&format!("auth ID:       {}\n", s("authId")));
    out.push_str(&format!("kind:          {}\n", s("kind")));
    out.push_str(&format!(
        "account:       {} (realm {})\n",
        s("account"),
        value["realm"].as_str().unwrap_or("invalid")
    ));
    out.push_str(&format!("role:          {}\n", s("role")));
    out.push_str(&format!("entity:        {}\n", s("entity")));
    out.push_str(&format!("created:       {}\n", s("createdAt")));
    if let Saved::M2m(e) = &entry {
        out.push_str(&format!("client ID:     {}\n", e.client_id));
        out.push_str(&format!(
            "certificate:   {} ({})\n",
            e.certificate_id,
            crate::commands::lasting::said_until(e)
        ));
        out.push_str(&format!(
            "private key:   {} ({})\n",
            e.private_key_path.display(),
            e.algorithm
        ));
        out.push_str(&format!("scope:         {}\n", e.scope));
    } else if let Saved::OAuth2(e) = &entry {
        out.push_str(&format!(
            "client ID:     {}{}\n",
            e.client_id,
            if e.client_secret.is_none() {
                " (public client)"
            } else {
                ""
            }
        ));
        out.push_str(&format!("scope:         {}\n", e.scope));
        out.push_str(&format!(
            "access token:  expires {} (refreshed as needed)\n",
            e.access_token_expires_at
        ));
    } else {
        out.push_str(&format!(
            "token ID:      {} (from the store)\n",
            s("tokenId")
        ));
        out.push_str(&format!(
            "consumer key:  {} (from {consumer_from})\n",
            value["consumerKey"].as_str().unwrap_or("-")
        ));
    }
    out.push_str(&format!("store:         {}\n", s("store")));
    // Everything here came from the store, which anything may have written.
    write_stdout(ui::for_terminal(&out).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn rename(app: &App, old: &str, new: &str) -> Result<ExitCode> {
    validate_auth_id(new)?;
    Store::update(&app.store, |store| {
        if !store.contains(old) {
            return Err(Failure::usage(format!(
                "no token is saved as '{old}': `nstba auth list` shows the saved ones"
            ))
            .into());
        }
        if store.contains(new) {
            return Err(Failure::usage(format!(
                "a token is already saved as '{new}': remove or rename it first"
            ))
            .into());
        }
        store.rename(old, new);
        Ok(())
    })?;
    // The default and the user's picks follow the rename; nstba.toml is the team's file, so
    // a name it holds is only pointed out.
    crate::config::rename_auth_id(old, new)?;
    ui::info(format!("Renamed '{old}' to '{new}'"));
    if let Some(project) = app.project()?
        && project.auth_id().as_deref() == Some(old)
    {
        ui::warn(format!(
            "{} still names '{old}' as auth_id: change it there (nstba never writes it)",
            project.path.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn remove(app: &App, auth_id: &str) -> Result<ExitCode> {
    let removed = Store::update(&app.store, |store| {
        let saved = store.get(auth_id).ok().flatten();
        if store.remove(auth_id) {
            Ok(saved)
        } else {
            Err(Failure::usage(format!(
                "no token is saved as '{auth_id}': `nstba auth list` shows the saved ones"
            ))
            .into())
        }
    })?;
    let where_to_revoke = where_to_revoke(removed.as_ref());
    ui::info(format!(
        "Removed '{auth_id}' from {}. {where_to_revoke}. Next time, `nstba auth logout \
         {auth_id}` revokes and removes in one step.",
        app.store.path().display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Where a token of this kind is revoked in NetSuite's UI.
pub fn where_to_revoke(saved: Option<&Saved>) -> &'static str {
    match saved {
        Some(Saved::M2m(_)) => {
            "Its certificate stays valid in NetSuite until revoked on Setup > Integration > \
             Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup"
        }
        Some(Saved::OAuth2(_)) => {
            "Its refresh token stays valid in NetSuite until it expires or is revoked (a user \
             revokes authorized applications on their Manage Access Tokens / OAuth 2.0 \
             Authorized Applications page; an administrator on the integration record)"
        }
        _ => {
            "The token stays active in NetSuite: revoke it there (Setup > Users/Roles > Access \
             Tokens: open the token and click Revoke)"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask("abcdef123"), "abcd…");
        assert_eq!(mask("ab"), "ab…");
    }
}
