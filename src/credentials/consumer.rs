//! The consumer pair of a TBA token (docs/design.md §5): explicit flags win over the entry's
//! own pair, which wins over `NSTBA_CONSUMER_KEY`/`_SECRET` (which only fill entries without
//! one), else a prompt on a terminal. Secrets never come from argv.

use std::fmt;

use anyhow::Result;

use crate::auth::TbaPair;
use crate::config::env_var;
use crate::error::Failure;
use crate::secret::Secret;
use crate::store::TbaEntry;

use super::{Context, ENV_CONSUMER_KEY, ENV_CONSUMER_SECRET, Request};

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

impl ConsumerSource {
    /// The name `auth info --json` gives it (stable: scripts read it).
    pub fn json_name(&self) -> &'static str {
        match self {
            ConsumerSource::Explicit => "the command line",
            ConsumerSource::Store => "store",
            ConsumerSource::Environment => {
                "environment (NSTBA_CONSUMER_KEY, NSTBA_CONSUMER_SECRET)"
            }
            ConsumerSource::Missing => "missing",
        }
    }
}

impl fmt::Display for ConsumerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConsumerSource::Explicit => "the command line",
            ConsumerSource::Store => "the store",
            ConsumerSource::Environment => "NSTBA_CONSUMER_KEY and NSTBA_CONSUMER_SECRET",
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

/// A TBA entry's token with its consumer pair (design §5's order for the pair).
pub(super) fn tba_pair(
    id: &str,
    entry: TbaEntry,
    req: &Request,
    ctx: &Context<'_>,
) -> Result<TbaPair> {
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
