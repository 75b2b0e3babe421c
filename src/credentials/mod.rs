//! Choosing the credentials a signing command uses (docs/design.md §5), in this order: `--to`/`--auth-id`,
//! the `NSTBA_*` credential variables (CI), `NSTBA_AUTH_ID`, this user's last pick for the
//! project folder (else `auth_id` in nstba.toml), the default set with `nstba auth switch`, the
//! one saved token (of the project's account), then the picker on a terminal. Every result
//! says where it came from; nothing here prompts when prompting is not allowed, and `--to NEW`
//! starts a browser login only where someone can finish it. The account guard
//! ([`check_account`]) runs on whatever was chosen.

mod consumer;
mod environment;
pub mod expiry;
mod guard;
#[cfg(test)]
mod tests;

pub use consumer::{
    ConsumerOverride, ConsumerSource, consumer_pair, prompt_consumer, prompt_consumer_key,
};
pub use environment::from_environment;
pub use guard::check_account;

use std::fmt;

use anyhow::Result;

use crate::account::AccountId;
use crate::account::Endpoints;
use crate::auth::{Authorizer, Grant};
use crate::error::Failure;
use crate::project::Project;
use crate::store::{Saved, Store, StorePath};
use consumer::tba_pair;

pub const ENV_ACCOUNT: &str = "NSTBA_ACCOUNT";
pub const ENV_CONSUMER_KEY: &str = "NSTBA_CONSUMER_KEY";
pub const ENV_CONSUMER_SECRET: &str = "NSTBA_CONSUMER_SECRET";
pub const ENV_TOKEN_ID: &str = "NSTBA_TOKEN_ID";
pub const ENV_TOKEN_SECRET: &str = "NSTBA_TOKEN_SECRET";
pub const ENV_AUTH_ID: &str = "NSTBA_AUTH_ID";

/// Where a set of credentials came from (the step of docs/design.md §5 that chose it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `--to` or `--auth-id`.
    Flag,
    /// The `NSTBA_*` credential variables.
    Environment,
    /// `NSTBA_AUTH_ID`.
    EnvAuthId,
    /// This user's last pick for the project folder.
    ProjectChoice,
    /// `auth_id` in the project file.
    ProjectFile,
    /// The default set with `nstba auth switch`.
    Default,
    /// The only token saved (for the project's account).
    OnlyToken,
    /// Chosen in the picker.
    Picker,
    /// Just made with the authorization flow.
    Login,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Flag => "the command line",
            Origin::Environment => "the environment (NSTBA_*)",
            Origin::EnvAuthId => "NSTBA_AUTH_ID",
            Origin::ProjectChoice => "your last pick for this project folder",
            Origin::ProjectFile => "auth_id in nstba.toml",
            Origin::Default => "the default set with `nstba auth switch`",
            Origin::OnlyToken => "the only saved token",
            Origin::Picker => "the picker",
            Origin::Login => "the login just made",
        })
    }
}

/// The credential a command chose: what authorizes its requests (the account and the grant),
/// with the auth ID and the step that chose it, for messages. It derefs to its
/// [`Authorizer`], which is all that the NetSuite client takes.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The auth ID in the store; `None` for credentials from the environment.
    pub auth_id: Option<String>,
    pub authorizer: Authorizer,
    pub origin: Origin,
}

impl std::ops::Deref for Credentials {
    type Target = Authorizer;
    fn deref(&self) -> &Authorizer {
        &self.authorizer
    }
}

/// What the command line said about credentials.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// `--to`: `Some(None)` is `--to` without a value (the picker).
    pub to: Option<Option<String>>,
    pub auth_id: Option<String>,
    pub consumer: ConsumerOverride,
}

/// What resolution needs from its surroundings.
pub struct Context<'a> {
    pub store: &'a StorePath,
    pub endpoints: &'a Endpoints,
    pub project: Option<&'a Project>,
    /// Reads this user's picks (steps 4 and 5), only when the earlier steps chose nothing.
    pub picks: &'a dyn Fn() -> Result<UserPicks>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub can_prompt: bool,
}

/// What this user chose outside any project file.
#[derive(Clone, Debug, Default)]
pub struct UserPicks {
    /// The last pick for the project folder (`projects.toml`).
    pub choice: Option<String>,
    /// The default token (`nstba auth switch`).
    pub default: Option<String>,
}

/// For callers with no user settings to read (the picker, tests).
pub fn no_picks() -> Result<UserPicks> {
    Ok(UserPicks::default())
}

/// What resolution decided.
#[derive(Debug)]
pub enum Resolution {
    Ready(Box<Credentials>),
    /// `--to NAME` where NAME is not saved: the caller runs the authorization flow (only
    /// returned when prompting is allowed).
    Create(String),
    /// The picker should be shown (only returned when prompting is allowed).
    Pick,
}

pub fn resolve(req: &Request, ctx: &Context<'_>) -> Result<Resolution> {
    // 1. --to / --auth-id
    match (&req.to, &req.auth_id) {
        (Some(Some(id)), _) | (None, Some(id)) => {
            let store = load_store(ctx.store)?;
            return match store.get(id)? {
                Some(entry) => from_entry(id, entry, Origin::Flag, req, ctx).map(ready),
                None if req.to.is_some() && ctx.can_prompt => {
                    crate::store::validate_auth_id(id)?;
                    Ok(Resolution::Create(id.clone()))
                }
                // In CI or a script a misspelt name must fail at once, not wait for a browser.
                None if req.to.is_some() => Err(Failure::usage(format!(
                    "no token is saved as '{id}' ({}), and nstba does not start a browser login \
                     here (no terminal, CI or --no-input). Pass a saved auth ID, or create this \
                     one where a browser can be used: `nstba auth login {id}`",
                    listing(&store)
                ))
                .into()),
                None => Err(not_saved(id, &store, "--auth-id").into()),
            };
        }
        (Some(None), _) => {
            return if ctx.can_prompt {
                Ok(Resolution::Pick)
            } else {
                Err(Failure::usage(format!(
                    "--to without a value opens a picker, which asks a question, and nstba does \
                     not ask here ({}): pass --to AUTH_ID (see `nstba auth list`)",
                    crate::ui::no_prompt_reason()
                ))
                .into())
            };
        }
        (None, None) => {}
    }

    // 2. The environment (CI).
    if let Some(creds) = from_environment(ctx.env, ctx.endpoints)? {
        return Ok(ready(creds));
    }

    let store = load_store(ctx.store)?;
    let named = |id: &str, origin: Origin, named_by: &str| -> Result<Resolution> {
        match store.get(id)? {
            Some(entry) => from_entry(id, entry, origin, req, ctx).map(ready),
            None => Err(not_saved(id, &store, named_by).into()),
        }
    };

    // 3. NSTBA_AUTH_ID.
    if let Some(id) = (ctx.env)(ENV_AUTH_ID) {
        return named(&id, Origin::EnvAuthId, ENV_AUTH_ID);
    }

    // 4. This user's pick for the project (a pick whose token is gone no longer counts),
    //    else the team's auth_id in nstba.toml.
    let picks = (ctx.picks)()?;
    if let Some(id) = &picks.choice
        && store.contains(id)
    {
        return named(id, Origin::ProjectChoice, "your last pick");
    }
    if let Some(project) = ctx.project
        && let Some(id) = project.auth_id()
    {
        return named(
            &id,
            Origin::ProjectFile,
            &format!("auth_id in {}", project.path.display()),
        );
    }

    // 5. The default token.
    if let Some(id) = &picks.default {
        return named(
            id,
            Origin::Default,
            "the default set with `nstba auth switch`",
        );
    }

    // 6. Exactly one saved token (of the project's account, when nstba.toml names one).
    let project_account = ctx
        .project
        .and_then(Project::account)
        .and_then(|a| AccountId::parse(&a).ok());
    let usable: Vec<(&str, Saved)> = store
        .entries()
        .into_iter()
        .filter_map(|(id, e)| e.ok().map(|e| (id, e)))
        .filter(|(_, e)| match &project_account {
            None => true,
            Some(want) => AccountId::parse(e.account()).is_ok_and(|a| a.same_as(want)),
        })
        .collect();
    if let [(id, entry)] = usable.as_slice() {
        return from_entry(id, entry.clone(), Origin::OnlyToken, req, ctx).map(ready);
    }

    // 7. The picker, or an error that says what to pass.
    if ctx.can_prompt && !store.is_empty() {
        return Ok(Resolution::Pick);
    }
    if usable.is_empty() {
        let scope = match &project_account {
            Some(a) if !store.is_empty() => format!(" for account {a} (nstba.toml)"),
            _ => String::new(),
        };
        Err(Failure::usage(format!(
            "no token{scope} is saved in {} and none is in the environment. Create one with \
             `nstba auth login AUTH_ID` (or `nstba auth add`), or in CI set {ENV_ACCOUNT}, \
             {ENV_CONSUMER_KEY}, {ENV_CONSUMER_SECRET}, {ENV_TOKEN_ID} and {ENV_TOKEN_SECRET}",
            store.path.display()
        ))
        .into())
    } else {
        let ids: Vec<&str> = usable.iter().map(|(id, _)| *id).collect();
        Err(Failure::usage(format!(
            "{} tokens are saved ({}) and nothing says which to use: pass --to AUTH_ID, set \
             {ENV_AUTH_ID}, pick a default with `nstba auth switch AUTH_ID`, or set the \
             NSTBA_* credential variables",
            ids.len(),
            ids.join(", ")
        ))
        .into())
    }
}

fn ready(c: Credentials) -> Resolution {
    Resolution::Ready(Box::new(c))
}

/// Reads the store and shows its warnings (a store others can read), each once per run.
pub fn load_store(path: &StorePath) -> Result<Store> {
    let store = Store::load(path)?;
    for w in &store.warnings {
        crate::ui::warn_once(w);
    }
    Ok(store)
}

fn listing(store: &Store) -> String {
    let saved: Vec<&str> = store.ids().collect();
    if saved.is_empty() {
        "no tokens are saved".to_string()
    } else {
        format!("saved: {}", saved.join(", "))
    }
}

fn not_saved(id: &str, store: &Store, named_by: &str) -> Failure {
    Failure::usage(format!(
        "no token is saved as '{id}' (named by {named_by}; {}). Create it with \
         `nstba auth login {id}` or `nstba auth add {id}`",
        listing(store)
    ))
}

/// Credentials from a saved entry of any kind.
pub fn from_entry(
    id: &str,
    saved: Saved,
    origin: Origin,
    req: &Request,
    ctx: &Context<'_>,
) -> Result<Credentials> {
    let account = AccountId::parse(saved.account()).map_err(|_| {
        Failure::error(format!(
            "the token '{id}' has account '{}', which is not a NetSuite account ID: fix it in {}",
            saved.account(),
            ctx.store.path().display()
        ))
    })?;
    let grant = match saved {
        Saved::Tba(entry) => Grant::Tba(tba_pair(id, entry, req, ctx)?),
        Saved::OAuth2(entry) => {
            let token_url = ctx
                .endpoints
                .resolve(Some(&account), crate::auth::oauth2::TOKEN_PATH)?;
            Grant::OAuth2(std::sync::Arc::new(
                crate::auth::oauth2::session::Session::new(ctx.store, id, &entry, token_url),
            ))
        }
        Saved::M2m(entry) => {
            use crate::auth::oauth2::m2m::{Algorithm, M2m, PrivateKey};
            expiry::warn_once_a_day(id, &entry);
            let token_url = ctx
                .endpoints
                .resolve(Some(&account), crate::auth::oauth2::TOKEN_PATH)?;
            Grant::M2m(std::sync::Arc::new(M2m::new(
                entry.client_id,
                entry.certificate_id,
                Some(Algorithm::parse(&entry.algorithm)?),
                entry.scope,
                PrivateKey::from_file(
                    &entry.private_key_path,
                    &format!("privateKeyPath of '{id}' in {}", ctx.store.path().display()),
                )?,
                &account,
                token_url,
            )?))
        }
    };
    Ok(Credentials {
        auth_id: Some(id.to_string()),
        authorizer: Authorizer::new(account, grant),
        origin,
    })
}
