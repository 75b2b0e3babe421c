//! What `--jobs auto` runs learned of each account's concurrency limit (docs/design.md §11),
//! kept in the cache folder (`limits.json`, keyed by realm) so that the next run starts there.
//! It is the user's file, but anything could have written it: a damaged file gives nothing,
//! and numbers outside 1 to 64 are not believed.

/// The file of what runs learned of accounts' concurrency limits, in the cache folder.
const LIMITS_FILE: &str = "limits.json";

/// What a run learned of an account's concurrency limit (docs/design.md §11): about this
/// many calls at once, and when (RFC 3339).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LearnedLimit {
    pub calls: usize,
    pub learned_at: String,
    /// Found at a refusal (the limit itself), not only a level the account took.
    pub exact: bool,
}

fn limits() -> serde_json::Map<String, serde_json::Value> {
    let Ok(dir) = crate::config::cache_dir() else {
        return Default::default();
    };
    crate::fsio::read_capped(
        &dir.join(LIMITS_FILE),
        256 * 1024,
        crate::fsio::Links::Refuse,
    )
    .ok()
    .and_then(|b| serde_json::from_slice(&b).ok())
    .unwrap_or_default()
}

/// The limit a run learned for the account with `realm`, if any (a hostile or damaged file
/// gives nothing; numbers outside 1..=64 are not believed).
pub fn account_limit(realm: &str) -> Option<LearnedLimit> {
    Learned::read().get(realm)
}

/// The whole file, read once (`auth status` asks for every account it lists).
pub struct Learned(serde_json::Map<String, serde_json::Value>);

impl Learned {
    pub fn read() -> Learned {
        Learned(limits())
    }

    /// The limit learned for `realm`, checked as [`account_limit`] says.
    pub fn get(&self, realm: &str) -> Option<LearnedLimit> {
        learned(self.0.get(realm)?)
    }
}

fn learned(entry: &serde_json::Value) -> Option<LearnedLimit> {
    let calls = entry
        .get("calls")?
        .as_u64()
        .filter(|n| (1..=64).contains(n))? as usize;
    let learned_at = entry
        .get("learnedAt")
        .and_then(|v| v.as_str())
        .filter(|t| crate::store::parse_time(t).is_some())?
        .to_string();
    let exact = entry
        .get("exact")
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    Some(LearnedLimit {
        calls,
        learned_at,
        exact,
    })
}

/// Keeps what a run learned of an account's limit (best effort: the cache can always be
/// rebuilt, and a run that cannot write it still did its work).
pub fn set_account_limit(realm: &str, calls: usize, exact: bool) {
    let Ok(dir) = crate::config::cache_dir() else {
        return;
    };
    let mut all = limits();
    all.insert(
        realm.to_string(),
        serde_json::json!({"calls": calls, "exact": exact, "learnedAt": crate::store::now()}),
    );
    let text = serde_json::to_vec_pretty(&all).unwrap_or_default();
    let _ = crate::fsio::create_private_dir_all(&dir).and_then(|()| {
        crate::fsio::write_atomic(&dir.join(LIMITS_FILE), &text, crate::fsio::Access::Private)
    });
}
