//! `nstba auth verify` and `nstba auth revoke`: the token endpoints, each signed with the
//! token in question (docs/design.md §3, "Other token endpoints").

use std::process::ExitCode;

use anyhow::Result;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::account::{Domain, Endpoints};
use crate::cli::{AuthRevokeArgs, AuthVerifyArgs, CredentialArgs};
use crate::commands::{App, write_stdout};
use crate::error::Failure;
use crate::netsuite::client::{Client, Reply};
use crate::store::Store;
use crate::ui;

/// Calls a token endpoint with `creds` and returns the reply, or NetSuite's decoded refusal.
fn call(
    creds: &crate::credentials::Credentials,
    endpoints: &Endpoints,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Reply> {
    let mut url = endpoints
        .resolve(Some(&creds.account), path)
        .map_err(anyhow::Error::from)?;
    debug_assert_eq!(Domain::for_path(path), Domain::Restlet);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    let client = Client::new()?;
    crate::http::block_on(client.send(creds, "GET", &url, HeaderMap::new(), None))?
}

pub fn verify(app: &App, args: &AuthVerifyArgs) -> Result<ExitCode> {
    let mut cred_args = args.credentials.clone();
    if let Some(name) = &args.name {
        cred_args.auth_id = Some(name.clone());
        cred_args.to = None;
    }
    let creds = app.credentials(&cred_args)?;
    let scope = match &creds.grant {
        crate::auth::Grant::OAuth2(session) => Some(session.scope.clone()),
        crate::auth::Grant::M2m(m2m) => Some(m2m.scope.clone()),
        crate::auth::Grant::Tba(_) => None,
    };
    if let Some(scope) = scope {
        return verify_oauth2(app, args, &creds, &scope);
    }
    let reply = call(&creds, &app.endpoints, "/rest/tokeninfo", &[])?;
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
    let Some(pair) = creds.grant.tba() else {
        return revoke_oauth2(app, &args.auth_id, &creds);
    };
    let reply = call(
        &creds,
        &app.endpoints,
        "/rest/revoketoken",
        &[
            ("consumerKey", pair.consumer_key.as_str()),
            ("token", pair.token_id.as_str()),
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
                 here with `nstba auth logout {} --local-only`",
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

/// Revokes a token that is no longer saved (`auth login --force` replaced it): a TBA token
/// signed with its own consumer pair, else `fallback` (the login's); an OAuth 2.0 token by its
/// refresh token. Client credentials hold no token: their certificate is revoked in the UI.
pub fn revoke_replaced(
    endpoints: &Endpoints,
    old: &crate::store::Saved,
    fallback: Option<(&str, &crate::secret::Secret)>,
) -> Result<()> {
    use crate::store::Saved;
    let account = crate::account::AccountId::parse(old.account())?;
    match old {
        Saved::Tba(e) => {
            let (consumer_key, consumer_secret) = match (&e.consumer_key, &e.consumer_secret) {
                (Some(k), Some(s)) => (k.clone(), s.clone()),
                _ => match fallback {
                    Some((k, s)) => (k.to_string(), s.clone()),
                    None => {
                        return Err(Failure::error("it has no consumer pair to sign with").into());
                    }
                },
            };
            let creds = crate::credentials::Credentials {
                auth_id: None,
                authorizer: crate::auth::Authorizer::new(
                    account.clone(),
                    crate::auth::Grant::Tba(crate::auth::TbaPair {
                        consumer_key: consumer_key.clone(),
                        consumer_secret,
                        token_id: e.token.clone(),
                        token_secret: e.secret.clone(),
                    }),
                ),
                origin: crate::credentials::Origin::Login,
            };
            let reply = call(
                &creds,
                endpoints,
                "/rest/revoketoken",
                &[("consumerKey", &consumer_key), ("token", &e.token)],
            )?;
            if !reply.is_success() {
                let err = reply.error();
                return Err(
                    Failure::new(err.exit_kind(), err.describe(Some(&account.realm()))).into(),
                );
            }
            Ok(())
        }
        Saved::OAuth2(e) => {
            use crate::auth::oauth2::{ClientAuth, REVOKE_PATH, post_form};
            let url = endpoints
                .resolve(Some(&account), REVOKE_PATH)
                .map_err(anyhow::Error::from)?;
            let auth = ClientAuth {
                client_id: e.client_id.clone(),
                secret: e.client_secret.clone(),
            };
            let (status, _) = crate::http::block_on(post_form(
                &crate::http::Http::shared()?,
                &url,
                &auth,
                &[("token", e.refresh_token.expose())],
            ))??;
            if !(200..300).contains(&status) {
                return Err(
                    Failure::error(format!("the revoke endpoint answered HTTP {status}")).into(),
                );
            }
            Ok(())
        }
        Saved::M2m(_) => Err(Failure::error("client credentials hold no token to revoke").into()),
    }
}

/// Revokes an OAuth 2.0 token at the revoke endpoint (docs/design.md §10): its refresh token, and with it
/// every access token made from it; then removes the entry.
fn revoke_oauth2(
    app: &App,
    auth_id: &str,
    creds: &crate::credentials::Credentials,
) -> Result<ExitCode> {
    use crate::auth::oauth2::{ClientAuth, REVOKE_PATH, post_form};
    let store = crate::credentials::load_store(&app.store)?;
    let Some(crate::store::Saved::OAuth2(entry)) = store.get(auth_id)? else {
        return Err(Failure::error(format!("'{auth_id}' is not an OAuth 2.0 token")).into());
    };
    let url = app
        .endpoints
        .resolve(Some(&creds.account), REVOKE_PATH)
        .map_err(anyhow::Error::from)?;
    let auth = ClientAuth {
        client_id: entry.client_id.clone(),
        secret: entry.client_secret.clone(),
    };
    let client = crate::http::Http::shared()?;
    let (status, body) = crate::http::block_on(post_form(
        &client,
        &url,
        &auth,
        &[("token", entry.refresh_token.expose())],
    ))??;
    if !(200..300).contains(&status) {
        let refused = crate::auth::oauth2::parse_token_answer(status, &body)
            .err()
            .map(|r| r.error)
            .unwrap_or_else(|| format!("HTTP {status}"));
        let kind = if status == 401 || status == 400 {
            crate::error::ExitKind::Rejected
        } else {
            crate::error::ExitKind::Error
        };
        return Err(Failure::new(
            kind,
            format!(
                "NetSuite did not revoke '{auth_id}' ({refused}), so it stays saved\nhint: if \
                 it was already revoked, remove it here with `nstba auth remove {auth_id}`"
            ),
        )
        .into());
    }
    Store::update(&app.store, |store| Ok(store.remove(auth_id)))?;
    ui::info(format!(
        "Revoked the OAuth 2.0 token '{auth_id}' in NetSuite (its refresh token and access \
         tokens) and removed it from {}",
        app.store.path().display()
    ));
    Ok(ExitCode::SUCCESS)
}

/// `auth verify` for OAuth 2.0, which has no tokeninfo: one cheap call that the token's scope
/// allows (a REST record for `rest_webservices`, else the companion RESTlet's listing). Any
/// answer but a refusal of the token shows it works (a 403 or a missing RESTlet is about the
/// role or the account, not the token); account, role and entity come from the login.
fn verify_oauth2(
    app: &App,
    args: &AuthVerifyArgs,
    creds: &crate::credentials::Credentials,
    scope: &str,
) -> Result<ExitCode> {
    let store = crate::credentials::load_store(&app.store)?;
    let id = creds.auth_id.clone().unwrap_or_default();
    let saved = store.get(&id)?;
    let (role, entity) = match &saved {
        Some(s) => (s.role().map(str::to_string), s.entity().map(str::to_string)),
        None => (None, None),
    };
    let (url, status) = cheap_call(&app.endpoints, creds, scope, entity.as_deref())?;
    let info = serde_json::json!({
        "authId": id,
        "kind": creds.grant.kind(),
        "companyId": creds.account.realm(),
        "roleId": role,
        "entityId": entity,
        "scope": scope,
        "checkedWith": format!("GET {} (HTTP {status})", url.path()),
    });
    if args.json {
        let mut text = serde_json::to_string_pretty(&info)?;
        text.push('\n');
        write_stdout(text.as_bytes())?;
    } else {
        let out = format!(
            "account:      {}\nrole:         {}\nentity:       {}\nscope:        {scope}\n",
            creds.account,
            role.as_deref().unwrap_or("-"),
            entity.as_deref().unwrap_or("-"),
        );
        write_stdout(out.as_bytes())?;
    }
    ui::info(format!(
        "The {} token '{id}' works for account {} (NetSuite answered HTTP {status} to GET {})",
        creds.grant.kind(),
        creds.account,
        url.path()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Whether a token works: TBA asks tokeninfo; OAuth 2.0 makes `cheap_call`.
pub fn check_works(endpoints: &Endpoints, creds: &crate::credentials::Credentials) -> Result<()> {
    let scope = match &creds.grant {
        crate::auth::Grant::OAuth2(s) => s.scope.clone(),
        crate::auth::Grant::M2m(m) => m.scope.clone(),
        crate::auth::Grant::Tba(_) => {
            let reply = call(creds, endpoints, "/rest/tokeninfo", &[])?;
            if reply.is_success() {
                return Ok(());
            }
            let err = reply.error();
            return Err(
                Failure::new(err.exit_kind(), err.describe(Some(&creds.account.realm()))).into(),
            );
        }
    };
    cheap_call(endpoints, creds, &scope, None).map(drop)
}

/// One cheap call that the scope allows (a REST record for `rest_webservices`, else the
/// companion RESTlet's listing). Any answer but a refusal of the token (401) shows it works:
/// a 403 or a missing RESTlet is about the role or the account, not the token.
fn cheap_call(
    endpoints: &Endpoints,
    creds: &crate::credentials::Credentials,
    scope: &str,
    entity: Option<&str>,
) -> Result<(url::Url, u16)> {
    let id = creds.auth_id.clone().unwrap_or_default();
    let path = if scope.split(' ').any(|s| s == "rest_webservices") {
        format!(
            "/services/rest/record/v1/employee/{}",
            entity.unwrap_or("-1")
        )
    } else {
        let (script, deploy) = crate::commands::restlet_for(&Default::default(), None);
        format!(
            "/app/site/hosting/restlet.nl?script={script}&deploy={deploy}&action=list&path=SuiteScripts"
        )
    };
    let url = endpoints
        .resolve(Some(&creds.account), &path)
        .map_err(anyhow::Error::from)?;
    let client = Client::new()?;
    let reply = crate::http::block_on(client.send(creds, "GET", &url, HeaderMap::new(), None))??;
    if reply.status == 401 {
        let err = reply.error();
        return Err(Failure::rejected(format!(
            "the {} token '{id}' does not work: {}",
            creds.grant.kind(),
            err.describe(Some(&creds.account.realm()))
        ))
        .into());
    }
    Ok((url, reply.status.as_u16()))
}

/// `nstba auth logout AUTH_ID` (the habit from gh): revoke in NetSuite, then remove, in one
/// step; `--local-only` removes only. Client credentials hold no token to revoke.
pub fn logout(app: &App, args: &crate::cli::AuthLogoutArgs) -> Result<ExitCode> {
    if args.local_only {
        return crate::commands::auth::remove(app, &args.auth_id);
    }
    let store = crate::credentials::load_store(&app.store)?;
    match store.get(&args.auth_id)? {
        None => Err(Failure::usage(format!(
            "no token is saved as '{}': `nstba auth list` shows the saved ones",
            args.auth_id
        ))
        .into()),
        Some(crate::store::Saved::M2m(_)) => {
            Store::update(&app.store, |s| Ok(s.remove(&args.auth_id)))?;
            ui::info(format!(
                "Removed the client credentials '{}' from {}. They hold no token to revoke; \
                 the certificate stays valid in NetSuite until revoked on Setup > Integration \
                 > Manage Authentication > OAuth 2.0 Client Credentials (M2M) Setup",
                args.auth_id,
                app.store.path().display()
            ));
            Ok(ExitCode::SUCCESS)
        }
        Some(_) => revoke(
            app,
            &AuthRevokeArgs {
                auth_id: args.auth_id.clone(),
                consumer_key: args.consumer_key.clone(),
                consumer_secret_stdin: args.consumer_secret_stdin,
            },
        ),
    }
}
