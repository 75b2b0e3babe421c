//! `nstba auth verify` and `nstba auth revoke`: the token endpoints, each signed with the
//! token in question (docs/design.md §3, "Other token endpoints").

use std::process::ExitCode;

use anyhow::Result;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::account::{Domain, Endpoints};
use crate::auth::Grant;
use crate::auth::revoke::{self, Revocable};
use crate::cli::{AuthRevokeArgs, AuthVerifyArgs};
use crate::commands::{App, consumer_override, write_stdout};
use crate::credentials::{self, ConsumerOverride, Resolution};
use crate::error::Failure;
use crate::netsuite::client::{Client, Reply};
use crate::store::Kind;
use crate::store::Store;
use crate::ui;

/// Calls a token endpoint with `creds` and returns the reply, or NetSuite's decoded refusal.
/// The most a check reads of an answer: it needs the status and a short error, and `auth
/// status` makes every check at once (docs/design.md §6).
const PROBE_CAP: u64 = 256 * 1024;

/// The client of checks (tokeninfo, `auth verify`, `auth status`): answers capped at
/// [`PROBE_CAP`].
fn probe_client() -> Result<Client> {
    Ok(Client::over(crate::http::Http::shared()?.capped(PROBE_CAP)))
}

async fn call(
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
    let client = probe_client()?;
    client
        .send(creds, "GET", &url, HeaderMap::new(), None)
        .await
}

pub fn verify(app: &App, args: &AuthVerifyArgs) -> Result<ExitCode> {
    let mut cred_args = args.credentials.clone();
    if let Some(name) = &args.name {
        cred_args.auth_id = Some(name.clone());
        cred_args.to = None;
    }
    let creds = app.credentials(&cred_args)?;
    if let Some(scope) = creds.scope() {
        return verify_oauth2(app, args, &creds, scope);
    }
    let reply = crate::http::block_on(call(&creds, &app.endpoints, "/rest/tokeninfo", &[]))??;
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
                err.describe(&creds.sent())
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
    // What NetSuite just said of the role and entity fills a saved entry that lacked them
    // (a token added by hand), so auth list shows them too.
    if let Some(id) = creds.auth_id.as_deref() {
        learn_role(app, id, &info);
    }
    Ok(ExitCode::SUCCESS)
}

/// Saves tokeninfo's role and entity (digits only) into a TBA entry that has none.
fn learn_role(app: &App, id: &str, info: &Value) {
    let digits = |k: &str| {
        let v = match &info[k] {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        crate::account::is_internal_id(&v).then_some(v)
    };
    let (role, entity) = (digits("roleId"), digits("entityId"));
    if role.is_none() && entity.is_none() {
        return;
    }
    let _ = Store::update(&app.store, |s| {
        if let Some(crate::store::Saved::Tba(mut e)) = s.get(id)?
            && (e.role.is_none() || e.entity.is_none())
        {
            e.role = e.role.or(role);
            e.entity = e.entity.or(entity);
            s.put(id, &crate::store::Saved::Tba(e));
        }
        Ok(())
    });
}

pub fn revoke(app: &App, args: &AuthRevokeArgs) -> Result<ExitCode> {
    let consumer = consumer_override(args.consumer_key.clone(), args.consumer_secret_stdin)?;
    revoke_saved(app, &args.auth_id, consumer)
}

/// Revokes a saved token in NetSuite (one place per kind: [`crate::auth::revoke`]), then
/// removes it from the store. `auth revoke`, `auth logout` and `auth migrate` come here.
pub fn revoke_saved(app: &App, auth_id: &str, consumer: ConsumerOverride) -> Result<ExitCode> {
    let request = credentials::Request {
        auth_id: Some(auth_id.to_string()),
        consumer,
        ..Default::default()
    };
    let creds = match app.resolve(&request, app.can_prompt)? {
        Resolution::Ready(c) => *c,
        _ => return Err(Failure::usage(format!("no token is saved as '{auth_id}'")).into()),
    };
    let what = match &creds.grant {
        // The pair the command resolved (a consumer secret given now wins over the saved one).
        Grant::Tba(pair) => Revocable::Tba {
            account: creds.account.clone(),
            pair: pair.clone(),
        },
        _ => match credentials::load_store(&app.store)?.get(auth_id)? {
            Some(saved) => Revocable::of_saved(&saved, None)?,
            None => return Err(Failure::usage(format!("no token is saved as '{auth_id}'")).into()),
        },
    };
    let http = crate::http::Http::shared()?;
    if let Err(refused) = crate::http::block_on(revoke::revoke(&http, &app.endpoints, &what))?? {
        let mut message = format!(
            "NetSuite did not revoke '{auth_id}', so it stays saved: {}",
            refused.reason
        );
        if refused.rejected {
            message.push_str(&format!(
                "\nhint: if the token was already revoked or deleted in NetSuite, remove it \
                 here with `nstba auth logout {auth_id} --local-only`"
            ));
        }
        return Err(Failure::new(refused.kind, message).into());
    }
    let removed = Store::update(&app.store, |store| Ok(store.remove(auth_id)))?;
    let what = match creds.grant.kind() {
        Kind::OAuth2 => " (its refresh token and access tokens)",
        _ => "",
    };
    ui::info(if removed {
        format!(
            "Revoked the {} token '{auth_id}' in NetSuite{what} and removed it from {}",
            creds.grant.kind(),
            app.store.path().display()
        )
    } else {
        format!(
            "Revoked the {} token '{auth_id}' in NetSuite{what} (it was already gone from {})",
            creds.grant.kind(),
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
    let what = Revocable::of_saved(old, fallback.map(|(k, s)| (k.to_string(), s.clone())))?;
    let http = crate::http::Http::shared()?;
    match crate::http::block_on(revoke::revoke(&http, endpoints, &what))?? {
        Ok(()) => Ok(()),
        Err(refused) => Err(Failure::new(refused.kind, refused.reason).into()),
    }
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
    let who = match &creds.auth_id {
        Some(id) => format!(
            "The {} token '{}' works",
            creds.grant.kind(),
            ui::escape(id)
        ),
        None => format!(
            "The {} credentials in the environment (NSTBA_*) work",
            creds.grant.kind()
        ),
    };
    let saved = store.get(&id)?;
    let (role, entity) = match &saved {
        Some(s) => (s.role().map(str::to_string), s.entity().map(str::to_string)),
        None => (None, None),
    };
    let (url, status) =
        crate::http::block_on(cheap_call(&app.endpoints, creds, scope, entity.as_deref()))??;
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
        write_stdout(ui::for_terminal(&out).as_bytes())?;
    }
    ui::info(format!(
        "{who} for account {} (NetSuite answered HTTP {status} to GET {})",
        creds.account,
        url.path()
    ));
    Ok(ExitCode::SUCCESS)
}

/// Whether a token works: TBA asks tokeninfo; OAuth 2.0 makes `cheap_call`.
pub fn check_works(endpoints: &Endpoints, creds: &crate::credentials::Credentials) -> Result<()> {
    crate::http::block_on(works(endpoints, creds))?
}

/// [`check_works`] as a future, for checks that run together (`auth status`).
pub async fn works(endpoints: &Endpoints, creds: &crate::credentials::Credentials) -> Result<()> {
    let Some(scope) = creds.scope() else {
        let reply = call(creds, endpoints, "/rest/tokeninfo", &[]).await?;
        if reply.is_success() {
            return Ok(());
        }
        let err = reply.error();
        return Err(Failure::new(err.exit_kind(), err.describe(&creds.sent())).into());
    };
    cheap_call(endpoints, creds, scope, None).await.map(drop)
}

/// One cheap call that the scope allows (a REST record for `rest_webservices`, else the
/// companion RESTlet's listing). Any answer but a refusal of the token (401) shows it works:
/// a 403 or a missing RESTlet is about the role or the account, not the token.
async fn cheap_call(
    endpoints: &Endpoints,
    creds: &crate::credentials::Credentials,
    scope: &str,
    entity: Option<&str>,
) -> Result<(url::Url, u16)> {
    let id = creds.auth_id.clone().unwrap_or_default();
    let path = if scope.split(' ').any(|s| s == "rest_webservices") {
        // The user's own employee record, else one row of the collection: a call that
        // succeeds, not a 404 that happens to prove the token.
        match entity {
            Some(e) => format!("/services/rest/record/v1/employee/{e}"),
            None => "/services/rest/record/v1/employee?limit=1".to_string(),
        }
    } else {
        // The RESTlet's own folder: a listing of a few files (a missing folder is an error
        // answer, which shows the token works as well as a listing does).
        let (script, deploy) = crate::commands::restlet_for(&Default::default(), None);
        format!(
            "/app/site/hosting/restlet.nl?script={script}&deploy={deploy}&action=list&path=SuiteScripts/nstba"
        )
    };
    let url = endpoints
        .resolve(Some(&creds.account), &path)
        .map_err(anyhow::Error::from)?;
    let client = probe_client()?;
    let reply = client
        .send(creds, "GET", &url, HeaderMap::new(), None)
        .await?;
    if reply.status == 401 {
        let err = reply.error();
        return Err(Failure::rejected(format!(
            "the {} token '{id}' does not work: {}",
            creds.grant.kind(),
            err.describe(&creds.sent())
        ))
        .into());
    }
    Ok((url, reply.status.as_u16()))
}

/// `nstba auth logout AUTH_ID` (the habit from gh): revoke in NetSuite, then remove, in one
/// step; `--local-only` removes only. Client credentials hold no token to revoke.
pub fn logout(app: &App, args: &crate::cli::AuthLogoutArgs) -> Result<ExitCode> {
    let store = crate::credentials::load_store(&app.store)?;
    let auth_id = match &args.auth_id {
        Some(id) => id.clone(),
        None => pick_saved(app, &store, "Log out of which token?")?,
    };
    if args.local_only {
        return crate::commands::auth::remove(app, &auth_id);
    }
    match store.get(&auth_id)? {
        None => Err(Failure::usage(format!(
            "no token is saved as '{auth_id}': `nstba auth list` shows the saved ones"
        ))
        .into()),
        Some(crate::store::Saved::M2m(e)) => {
            // Client credentials hold no token: their certificate is what NetSuite takes, and
            // the certificate endpoint revokes it with the entry's own token.
            let revoked = crate::commands::lasting::saved(app, &auth_id).is_ok_and(|creds| {
                crate::commands::lasting::revoke_quietly(
                    app,
                    &creds,
                    &e.client_id,
                    &e.certificate_id,
                )
            });
            Store::update(&app.store, |s| Ok(s.remove(&auth_id)))?;
            ui::info(if revoked {
                format!(
                    "Revoked the certificate {} of the client credentials '{auth_id}' in \
                     NetSuite and removed them from {}",
                    e.certificate_id,
                    app.store.path().display()
                )
            } else {
                format!(
                    "Removed the client credentials '{auth_id}' from {}; their certificate {} \
                     stays valid in NetSuite until revoked on Setup > Integration > Manage \
                     Authentication > OAuth 2.0 Client Credentials (M2M) Setup",
                    app.store.path().display(),
                    e.certificate_id
                )
            });
            Ok(ExitCode::SUCCESS)
        }
        Some(_) => {
            let consumer =
                consumer_override(args.consumer_key.clone(), args.consumer_secret_stdin)?;
            revoke_saved(app, &auth_id, consumer)
        }
    }
}

/// A saved auth ID picked on a terminal; elsewhere a usage error that lists them.
fn pick_saved(app: &App, store: &crate::store::Store, question: &str) -> Result<String> {
    let ids: Vec<String> = store.ids().map(str::to_string).collect();
    if ids.is_empty() {
        return Err(Failure::usage("no token is saved").into());
    }
    if !app.can_prompt {
        return Err(Failure::usage(format!(
            "name the token: saved are {}",
            ids.iter()
                .map(|i| ui::escape(i))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    let shown: Vec<String> = ids.iter().map(|i| ui::escape(i)).collect();
    let index = ui::prompt(|| {
        dialoguer::Select::new()
            .with_prompt(question)
            .items(&shown)
            .default(0)
            .interact()
    })?;
    Ok(ids[index].clone())
}

/// `nstba auth token [AUTH_ID]`: the access token of an OAuth 2.0 or M2M credential on stdout
/// (as `gh auth token`), refreshed or minted as needed; TBA has none.
pub fn print_access_token(app: &App, auth_id: Option<String>) -> Result<ExitCode> {
    let args = crate::cli::CredentialArgs {
        auth_id,
        ..Default::default()
    };
    let creds = app.credentials(&args)?;
    if matches!(creds.grant, Grant::Tba(_)) {
        return Err(Failure::usage(
            "a TBA token has no access token to print: each request is signed on its own. \
             `nstba sign METHOD URL` prints the Authorization header for one request",
        )
        .into());
    }
    let url = app
        .endpoints
        .resolve(Some(&creds.account), crate::auth::oauth2::TOKEN_PATH)?;
    let http = crate::http::Http::shared()?;
    let value = crate::http::block_on(creds.authorization(&http, "GET", &url, None, false))??;
    let token = value
        .expose()
        .strip_prefix("Bearer ")
        .unwrap_or(value.expose());
    write_stdout(format!("{token}\n").as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
