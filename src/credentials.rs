//! Choosing the credentials a signing command uses (docs/design.md §5), in this order: `--to`/`--auth-id`,
//! the `NSTBA_*` credential variables (CI), `NSTBA_AUTH_ID`, this user's last pick for the
//! project folder (else `auth_id` in nstba.toml), the default set with `nstba auth switch`, the
//! one saved token (of the project's account), then the picker on a terminal. Every result
//! says where it came from; nothing here prompts when prompting is not allowed, and `--to NEW`
//! starts a browser login only where someone can finish it. The account guard
//! ([`check_account`]) runs on whatever was chosen.

use std::fmt;

use anyhow::Result;

use crate::account::AccountId;
use crate::account::Endpoints;
use crate::auth::{Authorizer, Grant, TbaPair};
use crate::error::Failure;
use crate::project::Project;
use crate::secret::Secret;
use crate::store::{Saved, Store, StorePath, TbaEntry};

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

/// The consumer pair (integration record) from outside the store entry: given explicitly on
/// the command line (`--consumer-key`, `--consumer-secret-stdin`), which wins over the entry,
/// or from `NSTBA_CONSUMER_KEY`/`_SECRET`, which only fill entries that have no pair (a
/// variable exported for one account must not break the tokens of another).
#[derive(Clone, Debug, Default)]
pub struct ConsumerOverride {
    pub explicit_key: Option<String>,
    pub explicit_secret: Option<Secret>,
    pub env_key: Option<String>,
    pub env_secret: Option<Secret>,
}

impl ConsumerOverride {
    /// The explicit values given, and the variables as they are set.
    pub fn new(explicit_key: Option<String>, explicit_secret: Option<Secret>) -> Self {
        ConsumerOverride {
            explicit_key: explicit_key.filter(|k| !k.is_empty()),
            explicit_secret,
            env_key: env_var(ENV_CONSUMER_KEY),
            env_secret: env_var(ENV_CONSUMER_SECRET).map(Secret::new),
        }
    }

    fn is_explicit(&self) -> bool {
        self.explicit_key.is_some() || self.explicit_secret.is_some()
    }

    /// The key to offer where nothing else has one (a prompt's default, a login).
    pub fn key(&self) -> Option<&String> {
        self.explicit_key.as_ref().or(self.env_key.as_ref())
    }

    /// The pair to use where no entry has one (a login): explicit values first, then the
    /// variables.
    pub fn pair(&self) -> Option<(String, Secret)> {
        let key = self.key()?.clone();
        let secret = self
            .explicit_secret
            .clone()
            .or_else(|| self.env_secret.clone())?;
        Some((key, secret))
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

use crate::config::env_var;

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
                Err(Failure::usage(
                    "--to without a value opens a picker, which needs a terminal: pass \
                     --to AUTH_ID (see `nstba auth list`)",
                )
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

/// The account guard (docs/design.md §5): `--account` on the command line, else the project's
/// `account`, must be the token's account, whichever step chose the token. Deploying a
/// sandbox project to production by a slip of `--to` must be impossible.
pub fn check_account(
    creds: &Credentials,
    cli_account: Option<&str>,
    project: Option<&Project>,
) -> Result<()> {
    let token = creds
        .auth_id
        .as_deref()
        .map(|id| format!("the token '{id}'"))
        .unwrap_or_else(|| "the token in the environment".into());
    if let Some(raw) = cli_account {
        let wanted = AccountId::parse(raw)?;
        if !creds.account.same_as(&wanted) {
            return Err(Failure::usage(format!(
                "{token} (from {}) is for account {}, and --account says {wanted}: nothing \
                 was sent. Pick a token for {wanted} (`nstba auth list --all`)",
                creds.origin, creds.account
            ))
            .into());
        }
        return Ok(());
    }
    let Some(project) = project else {
        return Ok(());
    };
    let Some(raw) = project.account() else {
        return Ok(());
    };
    let wanted = AccountId::parse(&raw).map_err(|e| {
        Failure::usage(format!(
            "account = \"{raw}\" in {} is not an account ID: {e}",
            project.path.display()
        ))
    })?;
    if creds.account.same_as(&wanted) {
        return Ok(());
    }
    Err(Failure::usage(format!(
        "{} is for account {wanted}, and {token} (from {}) is for account {}: nothing was \
         sent. Use a token for {wanted} (`nstba auth list`), or pass --account {} if you \
         really mean account {}",
        project.path.display(),
        creds.origin,
        creds.account,
        creds.account,
        creds.account
    ))
    .into())
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

/// The credential variables of one kind, all or none: TBA's five, or OAuth 2.0 client
/// credentials' (`NSTBA_ACCOUNT`, `NSTBA_CLIENT_ID`, `NSTBA_CERTIFICATE_ID`, and
/// `NSTBA_PRIVATE_KEY` or `NSTBA_PRIVATE_KEY_FILE`). A partial set is an error that names what
/// is missing; both kinds at once is an error too.
pub fn from_environment(
    env: &dyn Fn(&str) -> Option<String>,
    endpoints: &Endpoints,
) -> Result<Option<Credentials>> {
    use crate::auth::oauth2::m2m::{ENV_CERTIFICATE_ID, ENV_PRIVATE_KEY, ENV_PRIVATE_KEY_FILE};
    let tba = env(ENV_TOKEN_ID).is_some() || env(ENV_TOKEN_SECRET).is_some();
    let m2m = [ENV_CERTIFICATE_ID, ENV_PRIVATE_KEY, ENV_PRIVATE_KEY_FILE]
        .iter()
        .any(|n| env(n).is_some());
    if tba && m2m {
        return Err(Failure::usage(format!(
            "both TBA variables ({ENV_TOKEN_ID}, {ENV_TOKEN_SECRET}) and OAuth 2.0 client \
             credentials variables ({ENV_CERTIFICATE_ID}, {ENV_PRIVATE_KEY}) are set: nstba \
             cannot tell which to use; unset one kind"
        ))
        .into());
    }
    if m2m {
        return m2m_from_environment(env, endpoints).map(Some);
    }
    if !tba {
        return Ok(None);
    }
    let names = [
        ENV_ACCOUNT,
        ENV_CONSUMER_KEY,
        ENV_CONSUMER_SECRET,
        ENV_TOKEN_ID,
        ENV_TOKEN_SECRET,
    ];
    let missing: Vec<&str> = names.into_iter().filter(|n| env(n).is_none()).collect();
    if !missing.is_empty() {
        return Err(Failure::usage(format!(
            "{ENV_TOKEN_ID} or {ENV_TOKEN_SECRET} is set, so credentials come from the \
             environment, but {} {} not set. Set all five of {}, or unset them to use a saved token",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            names.join(", ")
        ))
        .into());
    }
    let get = |n: &str| env(n).unwrap_or_default();
    Ok(Some(Credentials {
        auth_id: None,
        authorizer: Authorizer::new(
            AccountId::parse(&get(ENV_ACCOUNT))?,
            Grant::Tba(TbaPair {
                consumer_key: get(ENV_CONSUMER_KEY),
                consumer_secret: Secret::new(get(ENV_CONSUMER_SECRET)),
                token_id: get(ENV_TOKEN_ID),
                token_secret: Secret::new(get(ENV_TOKEN_SECRET)),
            }),
        ),
        origin: Origin::Environment,
    }))
}

/// OAuth 2.0 client credentials from the environment (CI without a store).
fn m2m_from_environment(
    env: &dyn Fn(&str) -> Option<String>,
    endpoints: &Endpoints,
) -> Result<Credentials> {
    use crate::auth::oauth2::m2m::{
        Algorithm, ENV_ALGORITHM, ENV_CERTIFICATE_ID, ENV_PRIVATE_KEY, ENV_PRIVATE_KEY_FILE, M2m,
        PrivateKey,
    };
    use crate::auth::oauth2::{DEFAULT_SCOPE, ENV_CLIENT_ID, TOKEN_PATH};
    let mut missing: Vec<&str> = [ENV_ACCOUNT, ENV_CLIENT_ID, ENV_CERTIFICATE_ID]
        .into_iter()
        .filter(|n| env(n).is_none())
        .collect();
    if env(ENV_PRIVATE_KEY).is_none() && env(ENV_PRIVATE_KEY_FILE).is_none() {
        missing.push("NSTBA_PRIVATE_KEY (or NSTBA_PRIVATE_KEY_FILE)");
    }
    if !missing.is_empty() {
        return Err(Failure::usage(format!(
            "OAuth 2.0 client credentials come from the environment ({ENV_CERTIFICATE_ID} or a \
             private key is set), but {} {} not set",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
        ))
        .into());
    }
    let get = |n: &str| env(n).unwrap_or_default();
    let account = AccountId::parse(&get(ENV_ACCOUNT))?;
    let key = match env(ENV_PRIVATE_KEY) {
        // CI secrets sometimes keep a PEM's line breaks as `\n`.
        Some(pem) => PrivateKey::from_pem(pem.replace("\\n", "\n"))?,
        None => PrivateKey::from_file(std::path::Path::new(&get(ENV_PRIVATE_KEY_FILE)))?,
    };
    let algorithm = env(ENV_ALGORITHM)
        .map(|a| Algorithm::parse(&a))
        .transpose()?;
    let token_url = endpoints.resolve(Some(&account), TOKEN_PATH)?;
    let m2m = M2m::new(
        get(ENV_CLIENT_ID),
        get(ENV_CERTIFICATE_ID),
        algorithm,
        env("NSTBA_SCOPE").unwrap_or_else(|| DEFAULT_SCOPE.to_string()),
        key,
        token_url,
    )?;
    Ok(Credentials {
        auth_id: None,
        authorizer: Authorizer::new(account, Grant::M2m(std::sync::Arc::new(m2m))),
        origin: Origin::Environment,
    })
}

/// Where the consumer pair of an entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerSource {
    /// `--consumer-key`/`--consumer-secret-stdin`, over whatever the entry has.
    Explicit,
    Store,
    /// `NSTBA_CONSUMER_KEY`/`_SECRET`, for an entry without a pair.
    Environment,
    Missing,
}

impl fmt::Display for ConsumerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConsumerSource::Explicit => "the command line",
            ConsumerSource::Store => "store",
            ConsumerSource::Environment => {
                "environment (NSTBA_CONSUMER_KEY, NSTBA_CONSUMER_SECRET)"
            }
            ConsumerSource::Missing => "missing",
        })
    }
}

/// The consumer pair for an entry (docs/design.md §5): explicit flags win over everything (a rotated
/// consumer secret must be usable), else the entry's own, else the variables.
pub fn consumer_pair(
    entry: &TbaEntry,
    over: &ConsumerOverride,
) -> (Option<(String, Secret)>, ConsumerSource) {
    if over.is_explicit() {
        let key = over
            .explicit_key
            .clone()
            .or_else(|| entry.consumer_key.clone())
            .or_else(|| over.env_key.clone());
        // A key given alone keeps the entry's secret only when it is the entry's key.
        let secret = over.explicit_secret.clone().or_else(|| {
            if over.explicit_key.is_some() && over.explicit_key != entry.consumer_key {
                over.env_secret.clone()
            } else {
                entry.consumer_secret.clone()
            }
        });
        return match (key, secret) {
            (Some(k), Some(s)) => (Some((k, s)), ConsumerSource::Explicit),
            _ => (None, ConsumerSource::Missing),
        };
    }
    if let (Some(k), Some(s)) = (&entry.consumer_key, &entry.consumer_secret) {
        return (Some((k.clone(), s.clone())), ConsumerSource::Store);
    }
    match (&over.env_key, &over.env_secret) {
        (Some(k), Some(s)) => (Some((k.clone(), s.clone())), ConsumerSource::Environment),
        _ => (None, ConsumerSource::Missing),
    }
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
            let token_url = ctx
                .endpoints
                .resolve(Some(&account), crate::auth::oauth2::TOKEN_PATH)?;
            Grant::M2m(std::sync::Arc::new(M2m::new(
                entry.client_id,
                entry.certificate_id,
                Some(Algorithm::parse(&entry.algorithm)?),
                entry.scope,
                PrivateKey::from_file(&entry.private_key_path)?,
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

/// A TBA entry's token with its consumer pair (design §5's order for the pair).
fn tba_pair(id: &str, entry: TbaEntry, req: &Request, ctx: &Context<'_>) -> Result<TbaPair> {
    let (key, secret) = match consumer_pair(&entry, &req.consumer) {
        (Some(pair), source) => {
            if source == ConsumerSource::Explicit && entry.consumer_key.is_some() {
                crate::ui::verbose(format!(
                    "the consumer key and secret from the command line replace the pair saved \
                     with '{id}'"
                ));
            }
            pair
        }
        (None, _) if ctx.can_prompt => prompt_consumer(&req.consumer)?,
        (None, _) => {
            return Err(Failure::usage(format!(
                "the token '{id}' has no consumer key and secret (the gulp tools do not save \
                 them): set {ENV_CONSUMER_KEY} and {ENV_CONSUMER_SECRET} from the integration \
                 record, or save them with `nstba auth add {id} --consumer-key ...`"
            ))
            .into());
        }
    };
    Ok(TbaPair {
        consumer_key: key,
        consumer_secret: secret,
        token_id: entry.token_id,
        token_secret: entry.token_secret,
    })
}

/// Asks for the consumer key on the terminal.
pub fn prompt_consumer_key() -> Result<String> {
    let key: String = crate::ui::prompt(|| {
        dialoguer::Input::new()
            .with_prompt("Consumer key (from the integration record)")
            .interact_text()
    })?;
    Ok(key.trim().to_string())
}

/// Asks for the consumer key and secret on the terminal (the secret hidden).
pub fn prompt_consumer(over: &ConsumerOverride) -> Result<(String, Secret)> {
    let key = match over.key() {
        Some(k) => k.clone(),
        None => prompt_consumer_key()?,
    };
    let secret = match over.explicit_secret.as_ref().or(over.env_secret.as_ref()) {
        Some(s) => s.clone(),
        None => Secret::new(crate::ui::prompt(|| {
            dialoguer::Password::new()
                .with_prompt("Consumer secret")
                .interact()
        })?),
    };
    Ok((key.trim().to_string(), Secret::new(secret.expose().trim())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Fixture {
        _dir: tempfile::TempDir,
        store: StorePath,
    }

    fn fixture(entries: &[(&str, serde_json::Value)]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".nstba");
        let map: serde_json::Map<_, _> = entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        std::fs::write(&path, serde_json::to_string(&map).unwrap()).unwrap();
        Fixture {
            store: StorePath::resolve(Some(&path)).unwrap(),
            _dir: dir,
        }
    }

    fn full(account: &str) -> serde_json::Value {
        serde_json::json!({"token":"tid","secret":"ts","account":account,
            "consumerKey":"ck","consumerSecret":"cs"})
    }

    fn run(f: &Fixture, req: &Request, env: &[(&str, &str)]) -> Result<Resolution> {
        let vars: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |k: &str| vars.get(k).cloned();
        resolve(
            req,
            &Context {
                store: &f.store,
                endpoints: &Endpoints::new(None).unwrap(),
                project: None,
                picks: &no_picks,
                env: &lookup,
                can_prompt: false,
            },
        )
    }

    fn account_of(r: Resolution) -> String {
        match r {
            Resolution::Ready(c) => c.account.to_string(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn flag_beats_environment_and_store() {
        let f = fixture(&[("a", full("111")), ("b", full("222"))]);
        let req = Request {
            auth_id: Some("b".into()),
            ..Default::default()
        };
        assert_eq!(account_of(run(&f, &req, &[]).unwrap()), "222");
        // Without a terminal, --to NEW is an error naming the saved IDs, never a login.
        let to_new = Request {
            to: Some(Some("new".into())),
            ..Default::default()
        };
        let msg = run(&f, &to_new, &[]).unwrap_err().to_string();
        assert!(
            msg.contains("saved: a, b") && msg.contains("nstba auth login new"),
            "{msg}"
        );
        let missing = Request {
            auth_id: Some("zzz".into()),
            ..Default::default()
        };
        let msg = run(&f, &missing, &[]).unwrap_err().to_string();
        assert!(msg.contains("saved: a, b"), "{msg}");
    }

    #[test]
    fn environment_all_or_nothing() {
        let f = fixture(&[]);
        let env = [
            (ENV_ACCOUNT, "999_SB1"),
            (ENV_CONSUMER_KEY, "k"),
            (ENV_CONSUMER_SECRET, "s"),
            (ENV_TOKEN_ID, "t"),
            (ENV_TOKEN_SECRET, "token-secret-zq9"),
        ];
        assert_eq!(
            account_of(run(&f, &Request::default(), &env).unwrap()),
            "999_SB1"
        );
        let msg = run(&f, &Request::default(), &env[3..])
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("NSTBA_ACCOUNT, NSTBA_CONSUMER_KEY, NSTBA_CONSUMER_SECRET are not set")
        );
        // The error names variables, never their values.
        assert!(!msg.contains("token-secret-zq9"), "{msg}");
    }

    #[test]
    fn only_token_then_error_without_terminal() {
        let one = fixture(&[("a", full("111"))]);
        assert_eq!(
            account_of(run(&one, &Request::default(), &[]).unwrap()),
            "111"
        );
        let two = fixture(&[("a", full("111")), ("b", full("222"))]);
        let msg = run(&two, &Request::default(), &[]).unwrap_err().to_string();
        assert!(msg.contains("pass --to AUTH_ID"), "{msg}");
        let none = fixture(&[]);
        let msg = run(&none, &Request::default(), &[])
            .unwrap_err()
            .to_string();
        assert!(msg.contains("nstba auth login"), "{msg}");
        let picker = Request {
            to: Some(None),
            ..Default::default()
        };
        assert!(run(&two, &picker, &[]).is_err());
    }

    #[test]
    fn gulp_entry_needs_consumer_pair() {
        let f = fixture(&[(
            "g",
            serde_json::json!({"token":"t","secret":"s","account":"123-sb1"}),
        )]);
        let msg = run(&f, &Request::default(), &[]).unwrap_err().to_string();
        assert!(msg.contains("NSTBA_CONSUMER_KEY"), "{msg}");
        let req = Request {
            consumer: ConsumerOverride {
                env_key: Some("k".into()),
                env_secret: Some(Secret::new("s")),
                ..Default::default()
            },
            ..Default::default()
        };
        match run(&f, &req, &[]).unwrap() {
            Resolution::Ready(c) => {
                let Grant::Tba(pair) = &c.grant else {
                    panic!("not TBA: {c:?}")
                };
                assert_eq!(pair.consumer_key, "k");
                assert_eq!(c.account.realm(), "123_SB1");
                assert_eq!(c.origin, Origin::OnlyToken);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn explicit_consumer_flags_win_variables_only_fill() {
        let entry = TbaEntry::from_value(&full("1")).unwrap();
        let _ = Saved::Tba(entry.clone());
        let env_only = ConsumerOverride {
            env_key: Some("envk".into()),
            env_secret: Some(Secret::new("envs")),
            ..Default::default()
        };
        let (pair, source) = consumer_pair(&entry, &env_only);
        assert_eq!(
            (pair.unwrap().0, source),
            ("ck".into(), ConsumerSource::Store)
        );
        let rotated = ConsumerOverride {
            explicit_secret: Some(Secret::new("rotated")),
            ..env_only.clone()
        };
        let (pair, source) = consumer_pair(&entry, &rotated);
        let (k, s) = pair.unwrap();
        assert_eq!(
            (k.as_str(), s.expose(), source),
            ("ck", "rotated", ConsumerSource::Explicit)
        );
        let new_key = ConsumerOverride {
            explicit_key: Some("newk".into()),
            ..env_only
        };
        let (k, s) = consumer_pair(&entry, &new_key).0.unwrap();
        assert_eq!((k.as_str(), s.expose()), ("newk", "envs"));
    }

    #[test]
    fn order_after_the_environment() {
        let f = fixture(&[("a", full("111")), ("b", full("222")), ("c", full("333"))]);
        let endpoints = Endpoints::new(None).unwrap();
        fn lookup(k: &str) -> Option<String> {
            (k == ENV_AUTH_ID).then(|| "c".to_string())
        }
        fn none(_: &str) -> Option<String> {
            None
        }
        let resolve_with =
            |env: &dyn Fn(&str) -> Option<String>, choice: Option<&str>, default: Option<&str>| {
                let picks = || {
                    Ok(UserPicks {
                        choice: choice.map(str::to_string),
                        default: default.map(str::to_string),
                    })
                };
                resolve(
                    &Request::default(),
                    &Context {
                        store: &f.store,
                        endpoints: &endpoints,
                        project: None,
                        picks: &picks,
                        env,
                        can_prompt: false,
                    },
                )
            };
        let pick = |env: &dyn Fn(&str) -> Option<String>, c, d| {
            account_of(resolve_with(env, c, d).unwrap())
        };
        assert_eq!(pick(&lookup, Some("a"), Some("b")), "333");
        assert_eq!(pick(&none, Some("a"), Some("b")), "111");
        // A pick whose token is gone no longer counts.
        assert_eq!(pick(&none, Some("gone"), Some("b")), "222");
        assert_eq!(pick(&none, None, Some("b")), "222");
        assert!(resolve_with(&none, None, Some("zz")).is_err());
    }
}
