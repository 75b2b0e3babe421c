//! Choosing the credentials a signing command uses (SPEC 5), in this order:
//! `--to`/`--auth-id`, the five `NSTBA_*` variables (CI), the project file's `auth_id`, the one
//! saved token, then the picker on a terminal. Every result says where it came from, and
//! nothing here prompts when prompting is not allowed.

use std::fmt;

use anyhow::Result;

use crate::account::AccountId;
use crate::error::Failure;
use crate::project::Project;
use crate::secret::Secret;
use crate::store::{Entry, Store, StorePath};

pub const ENV_ACCOUNT: &str = "NSTBA_ACCOUNT";
pub const ENV_CONSUMER_KEY: &str = "NSTBA_CONSUMER_KEY";
pub const ENV_CONSUMER_SECRET: &str = "NSTBA_CONSUMER_SECRET";
pub const ENV_TOKEN_ID: &str = "NSTBA_TOKEN_ID";
pub const ENV_TOKEN_SECRET: &str = "NSTBA_TOKEN_SECRET";

/// Where a set of credentials came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `--to` or `--auth-id`.
    Flag,
    /// The five `NSTBA_*` variables.
    Environment,
    /// `auth_id` in the project file.
    ProjectFile,
    /// The only token saved.
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
            Origin::ProjectFile => "nstba.toml",
            Origin::OnlyToken => "the only saved token",
            Origin::Picker => "the picker",
            Origin::Login => "the login just made",
        })
    }
}

/// Everything needed to sign as one user and role of one account.
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The auth ID in the store; `None` for credentials from the environment.
    pub auth_id: Option<String>,
    pub account: AccountId,
    pub consumer_key: String,
    pub consumer_secret: Secret,
    pub token_id: String,
    pub token_secret: Secret,
    pub origin: Origin,
}

/// The consumer pair (integration record) when it does not come from the store entry.
#[derive(Clone, Debug, Default)]
pub struct ConsumerOverride {
    pub key: Option<String>,
    pub secret: Option<Secret>,
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
    pub project: Option<&'a Project>,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub can_prompt: bool,
}

/// What resolution decided.
#[derive(Debug)]
pub enum Resolution {
    Ready(Box<Credentials>),
    /// `--to NAME` where NAME is not saved: the caller runs the authorization flow.
    Create(String),
    /// The picker should be shown (only returned when prompting is allowed).
    Pick,
}

/// Reads a variable, treating an empty value as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

pub fn resolve(req: &Request, ctx: &Context<'_>) -> Result<Resolution> {
    // 1. --to / --auth-id
    match (&req.to, &req.auth_id) {
        (Some(Some(id)), _) | (None, Some(id)) => {
            let store = load_store(ctx.store)?;
            return match store.get(id)? {
                Some(entry) => from_entry(id, entry, Origin::Flag, req, ctx).map(ready),
                None if req.to.is_some() => {
                    crate::store::validate_auth_id(id)?;
                    Ok(Resolution::Create(id.clone()))
                }
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
    if let Some(creds) = from_environment(ctx.env)? {
        return Ok(ready(creds));
    }

    let store = load_store(ctx.store)?;

    // 3. The project file's auth_id.
    if let Some(project) = ctx.project
        && let Some(id) = project.auth_id()
    {
        return match store.get(&id)? {
            Some(entry) => from_entry(&id, entry, Origin::ProjectFile, req, ctx).map(ready),
            None => Err(not_saved(
                &id,
                &store,
                &format!("auth_id in {}", project.path.display()),
            )
            .into()),
        };
    }

    // 4. Exactly one saved token.
    let usable: Vec<(&str, Entry)> = store
        .entries()
        .into_iter()
        .filter_map(|(id, e)| e.ok().map(|e| (id, e)))
        .collect();
    if let [(id, entry)] = usable.as_slice() {
        return from_entry(id, entry.clone(), Origin::OnlyToken, req, ctx).map(ready);
    }

    // 5. The picker, or an error that says what to pass.
    if ctx.can_prompt && !usable.is_empty() {
        return Ok(Resolution::Pick);
    }
    if usable.is_empty() {
        Err(Failure::usage(format!(
            "no token is saved in {} and none is in the environment. Create one with \
             `nstba auth login AUTH_ID` (or `nstba auth add`), or in CI set {ENV_ACCOUNT}, \
             {ENV_CONSUMER_KEY}, {ENV_CONSUMER_SECRET}, {ENV_TOKEN_ID} and {ENV_TOKEN_SECRET}",
            store.path.display()
        ))
        .into())
    } else {
        let ids: Vec<&str> = usable.iter().map(|(id, _)| *id).collect();
        Err(Failure::usage(format!(
            "{} tokens are saved ({}) and nothing says which to use: pass --to AUTH_ID, set \
             auth_id in nstba.toml, or set the five NSTBA_* variables",
            ids.len(),
            ids.join(", ")
        ))
        .into())
    }
}

fn ready(c: Credentials) -> Resolution {
    Resolution::Ready(Box::new(c))
}

/// Reads the store and shows its warnings (a store others can read) once.
pub fn load_store(path: &StorePath) -> Result<Store> {
    let store = Store::load(path)?;
    for w in &store.warnings {
        crate::ui::warn(w);
    }
    Ok(store)
}

fn not_saved(id: &str, store: &Store, named_by: &str) -> Failure {
    let saved: Vec<&str> = store.ids().collect();
    let listing = if saved.is_empty() {
        "no tokens are saved".to_string()
    } else {
        format!("saved: {}", saved.join(", "))
    };
    Failure::usage(format!(
        "no token is saved as '{id}' (named by {named_by}; {listing}). Create it with \
         `nstba auth login {id}` or `nstba auth add {id}`"
    ))
}

/// The five variables, all or none: a partial set is an error that names what is missing.
pub fn from_environment(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Credentials>> {
    if env(ENV_TOKEN_ID).is_none() && env(ENV_TOKEN_SECRET).is_none() {
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
        account: AccountId::parse(&get(ENV_ACCOUNT))?,
        consumer_key: get(ENV_CONSUMER_KEY),
        consumer_secret: Secret::new(get(ENV_CONSUMER_SECRET)),
        token_id: get(ENV_TOKEN_ID),
        token_secret: Secret::new(get(ENV_TOKEN_SECRET)),
        origin: Origin::Environment,
    }))
}

/// Where the consumer pair of an entry comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumerSource {
    Store,
    Override,
    Missing,
}

/// The consumer pair for an entry: the entry's own, else the command line and environment.
pub fn consumer_pair(
    entry: &Entry,
    over: &ConsumerOverride,
) -> (Option<(String, Secret)>, ConsumerSource) {
    if let (Some(k), Some(s)) = (&entry.consumer_key, &entry.consumer_secret) {
        return (Some((k.clone(), s.clone())), ConsumerSource::Store);
    }
    match (&over.key, &over.secret) {
        (Some(k), Some(s)) => (Some((k.clone(), s.clone())), ConsumerSource::Override),
        _ => (None, ConsumerSource::Missing),
    }
}

/// Credentials from a saved entry.
pub fn from_entry(
    id: &str,
    entry: Entry,
    origin: Origin,
    req: &Request,
    ctx: &Context<'_>,
) -> Result<Credentials> {
    let account = AccountId::parse(&entry.account).map_err(|_| {
        Failure::error(format!(
            "the token '{id}' has account '{}', which is not a NetSuite account ID: fix it in {}",
            entry.account,
            ctx.store.path().display()
        ))
    })?;
    let (key, secret) = match consumer_pair(&entry, &req.consumer).0 {
        Some(pair) => pair,
        None if ctx.can_prompt => prompt_consumer(&req.consumer)?,
        None => {
            return Err(Failure::usage(format!(
                "the token '{id}' has no consumer key and secret (the gulp tools do not save \
                 them): set {ENV_CONSUMER_KEY} and {ENV_CONSUMER_SECRET} from the integration \
                 record, or save them with `nstba auth add {id} --consumer-key ...`"
            ))
            .into());
        }
    };
    Ok(Credentials {
        auth_id: Some(id.to_string()),
        account,
        consumer_key: key,
        consumer_secret: secret,
        token_id: entry.token,
        token_secret: entry.secret,
        origin,
    })
}

/// Asks for the consumer key on the terminal.
pub fn prompt_consumer_key() -> Result<String> {
    let key: String = dialoguer::Input::new()
        .with_prompt("Consumer key (from the integration record)")
        .interact_text()?;
    Ok(key.trim().to_string())
}

/// Asks for the consumer key and secret on the terminal (the secret hidden).
pub fn prompt_consumer(over: &ConsumerOverride) -> Result<(String, Secret)> {
    let key = match &over.key {
        Some(k) => k.clone(),
        None => prompt_consumer_key()?,
    };
    let secret = match &over.secret {
        Some(s) => s.clone(),
        None => Secret::new(
            dialoguer::Password::new()
                .with_prompt("Consumer secret")
                .interact()?,
        ),
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
                project: None,
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
        let to_new = Request {
            to: Some(Some("new".into())),
            ..Default::default()
        };
        assert!(matches!(
            run(&f, &to_new, &[]).unwrap(),
            Resolution::Create(id) if id == "new"
        ));
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
                key: Some("k".into()),
                secret: Some(Secret::new("s")),
            },
            ..Default::default()
        };
        match run(&f, &req, &[]).unwrap() {
            Resolution::Ready(c) => {
                assert_eq!(c.consumer_key, "k");
                assert_eq!(c.account.realm(), "123_SB1");
                assert_eq!(c.origin, Origin::OnlyToken);
            }
            other => panic!("{other:?}"),
        }
    }
}
