//! The token store, `~/.nstba` (docs/design.md §4): the JSON file the SuiteCommerce gulp tools read and
//! write, kept safe. Reads take no lock (writes are atomic renames, so a reader sees the old
//! file or the new one). Writes take an exclusive lock on a sidecar `<store>.lock`, re-read,
//! change, write a 0600 temporary file in the same folder, fsync, rename over, fsync the folder.
//! Entries and fields nstba does not know are kept as they are on every rewrite.
//!
//! The store must be a regular file of at most [`MAX_STORE_BYTES`] (a FIFO, a device or a folder
//! is an error, never a hang), in a folder that others cannot write to; the lock file is opened
//! without following symlinks.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::Failure;
use crate::fsio::{self, parent_dir, temp_prefix};
use crate::secret::Secret;

/// Kinds of credential, as `auth list`, `auth status` and `-v` name them and as `--json` writes
/// them (one enum for display and serialization, docs/design.md §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Kind {
    #[serde(rename = "TBA")]
    Tba,
    #[serde(rename = "OAuth 2.0")]
    OAuth2,
    #[serde(rename = "M2M")]
    M2m,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tba => "TBA",
            Kind::OAuth2 => "OAuth 2.0",
            Kind::M2m => "M2M",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The largest store read: a few thousand tokens fit in far less.
pub const MAX_STORE_BYTES: u64 = 16 * 1024 * 1024;

/// One saved token. `token`, `secret` and `account` are the gulp tools' fields; the rest are
/// nstba's own and optional. Fields nobody here knows ride along in `extra`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub token: String,
    pub secret: Secret,
    pub account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_secret: Option<Secret>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub role: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

impl Entry {
    /// Parses one entry, or says what is wrong with it (no values in the message).
    pub fn from_value(value: &Value) -> Result<Entry, String> {
        if !value.is_object() {
            return Err("not a JSON object".into());
        }
        serde_json::from_value(value.clone()).map_err(|e| {
            // serde's message names the field, never the value, for missing or mistyped fields.
            e.to_string()
        })
    }

    pub fn to_value(&self) -> Value {
        // Serializing plain strings and maps cannot fail.
        serde_json::to_value(self).unwrap_or_else(|_| unreachable!("entry is plain data"))
    }
}

/// An OAuth 2.0 token from the authorization code grant (docs/design.md §10), beside TBA entries. The gulp
/// tools cannot use it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OAuth2Entry {
    pub account: String,
    pub client_id: String,
    /// Absent for a public client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    pub scope: String,
    pub access_token: Secret,
    /// RFC 3339.
    pub access_token_expires_at: String,
    pub refresh_token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_at: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub role: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An OAuth 2.0 client credentials (machine-to-machine) client (docs/design.md §10): no token is saved,
/// only where the private key is.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct M2mEntry {
    pub account: String,
    pub client_id: String,
    pub certificate_id: String,
    pub private_key_path: PathBuf,
    pub algorithm: String,
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A saved credential of any kind: a TBA entry has no `type` (the gulp tools' form), an OAuth
/// 2.0 one says `"type": "oauth2"`, a client credentials one `"type": "m2m"`.
#[derive(Clone, Debug, PartialEq)]
pub enum Saved {
    Tba(Entry),
    OAuth2(OAuth2Entry),
    M2m(M2mEntry),
}

impl Saved {
    pub const OAUTH2: &'static str = "oauth2";
    pub const M2M: &'static str = "m2m";

    /// Parses one entry, or says what is wrong with it (no values in the message).
    pub fn from_value(value: &Value) -> Result<Saved, String> {
        match value.get("type").map(|t| t.as_str()) {
            None => Entry::from_value(value).map(Saved::Tba),
            Some(Some(Saved::OAUTH2)) => serde_json::from_value(value.clone())
                .map(Saved::OAuth2)
                .map_err(|e| e.to_string()),
            Some(Some(Saved::M2M)) => serde_json::from_value(value.clone())
                .map(Saved::M2m)
                .map_err(|e| e.to_string()),
            Some(Some(other)) => Err(format!(
                "it is a credential of type '{other}', which this nstba does not know: update \
                 nstba"
            )),
            Some(None) => Err("its type is not a string".into()),
        }
    }

    pub fn to_value(&self) -> Value {
        let (kind, value) = match self {
            Saved::Tba(e) => return e.to_value(),
            Saved::OAuth2(e) => (Saved::OAUTH2, serde_json::to_value(e)),
            Saved::M2m(e) => (Saved::M2M, serde_json::to_value(e)),
        };
        // Serializing plain strings and maps cannot fail.
        let mut value = value.unwrap_or_else(|_| unreachable!("an entry is plain data"));
        if let Value::Object(m) = &mut value {
            // `type` first, as a person would write it.
            let mut out = Map::new();
            out.insert("type".into(), Value::from(kind));
            out.extend(std::mem::take(m));
            return Value::Object(out);
        }
        value
    }

    /// What kind of credential, for people: `TBA`, `OAuth 2.0`.
    pub fn kind(&self) -> Kind {
        match self {
            Saved::Tba(_) => Kind::Tba,
            Saved::OAuth2(_) => Kind::OAuth2,
            Saved::M2m(_) => Kind::M2m,
        }
    }

    pub fn account(&self) -> &str {
        match self {
            Saved::Tba(e) => &e.account,
            Saved::OAuth2(e) => &e.account,
            Saved::M2m(e) => &e.account,
        }
    }

    pub fn role(&self) -> Option<&str> {
        match self {
            Saved::Tba(e) => e.role.as_deref(),
            Saved::OAuth2(e) => e.role.as_deref(),
            Saved::M2m(_) => None,
        }
    }

    pub fn entity(&self) -> Option<&str> {
        match self {
            Saved::Tba(e) => e.entity.as_deref(),
            Saved::OAuth2(e) => e.entity.as_deref(),
            Saved::M2m(_) => None,
        }
    }

    pub fn created_at(&self) -> Option<&str> {
        match self {
            Saved::Tba(e) => e.created_at.as_deref(),
            Saved::OAuth2(e) => e.created_at.as_deref(),
            Saved::M2m(e) => e.created_at.as_deref(),
        }
    }
}

/// Checks an auth ID: `[A-Za-z0-9._-]{1,64}`.
pub fn validate_auth_id(id: &str) -> Result<(), Failure> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "'{id}' is not a valid auth ID: use 1 to 64 letters, digits, '.', '_' or '-' \
             (for example my-sandbox)"
        )))
    }
}

/// The store file's location.
#[derive(Clone, Debug)]
pub struct StorePath(PathBuf);

impl StorePath {
    /// `--store`/`NSTBA_STORE` when given, else `~/.nstba`.
    pub fn resolve(explicit: Option<&Path>) -> Result<StorePath> {
        match explicit {
            Some(p) if !p.as_os_str().is_empty() => Ok(StorePath(p.to_path_buf())),
            _ => {
                let home = dirs::home_dir().ok_or_else(|| {
                    Failure::error(
                        "cannot find the home directory for ~/.nstba: set NSTBA_STORE or pass \
                         --store PATH",
                    )
                })?;
                Ok(StorePath(home.join(".nstba")))
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The file that is really written: a symlinked store (dotfile managers) keeps its link.
    fn target(&self) -> PathBuf {
        fs::canonicalize(&self.0).unwrap_or_else(|_| self.0.clone())
    }

    fn lock_path(target: &Path) -> PathBuf {
        let mut name = target.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        target.with_file_name(name)
    }
}

/// The store's exclusive lock, held while a change is read, made and written. An OAuth 2.0
/// refresh holds it across its network call (docs/design.md §10), so parallel commands refresh once.
/// Released when dropped (and by the OS if the process dies).
pub struct StoreLock {
    path: StorePath,
    target: PathBuf,
    _file: File,
}

impl StoreLock {
    /// Takes the lock, waiting for other writers. Blocking: call it off the async runtime.
    pub fn acquire(path: &StorePath) -> Result<StoreLock> {
        let target = path.target();
        check_folder(&target)?;
        let lock_path = StorePath::lock_path(&target);
        let file = open_lock(&lock_path)?;
        file.lock()
            .with_context(|| format!("cannot lock {}", lock_path.display()))?;
        remove_stale_temps(&target);
        Ok(StoreLock {
            path: path.clone(),
            target,
            _file: file,
        })
    }

    /// The store as it is now (no other writer can change it while the lock is held).
    pub fn load(&self) -> Result<Store> {
        Store::load(&self.path)
    }

    /// Writes the store atomically.
    pub fn save(&self, store: &Store) -> Result<()> {
        fsio::write_atomic(
            &self.target,
            store.to_json().as_bytes(),
            fsio::Access::Private,
        )
        .with_context(|| {
            format!(
                "cannot write the token store {}",
                self.path.path().display()
            )
        })
    }
}

/// The store's contents: auth ID to entry, in file order, unknown entries included.
#[derive(Clone, Debug, Default)]
pub struct Store {
    pub path: PathBuf,
    doc: Map<String, Value>,
    /// Warnings found while loading (a store readable by others), for the caller to show.
    pub warnings: Vec<String>,
}

impl Store {
    /// Reads the store without locking. A missing file is an empty store.
    pub fn load(path: &StorePath) -> Result<Store> {
        let target = path.target();
        check_folder(&target)?;
        let mut warnings = Vec::new();
        let text = match read_store_file(&target) {
            Ok(text) => {
                if let Some(w) = permission_warning(&target) {
                    warnings.push(w);
                }
                text
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(Failure::error(format!(
                    "the token store {}: {e}; it was left unchanged. Point NSTBA_STORE or \
                     --store at the token file",
                    path.path().display()
                ))
                .into());
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot read the token store {}", path.path().display())
                });
            }
        };
        let doc = parse(&text, path.path())?;
        Ok(Store {
            path: path.path().to_path_buf(),
            doc,
            warnings,
        })
    }

    /// Changes the store under an exclusive lock: re-reads it, applies `change`, and writes
    /// the result atomically. When `change` fails nothing is written.
    pub fn update<T>(path: &StorePath, change: impl FnOnce(&mut Store) -> Result<T>) -> Result<T> {
        let lock = StoreLock::acquire(path)?;
        let mut store = lock.load()?;
        let out = change(&mut store)?;
        lock.save(&store)?;
        Ok(out)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.doc.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.doc.len()
    }

    pub fn is_empty(&self) -> bool {
        self.doc.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.doc.contains_key(id)
    }

    /// The entry saved under `id`: `None` when absent, an error when it is not usable.
    pub fn get(&self, id: &str) -> Result<Option<Saved>> {
        match self.doc.get(id) {
            None => Ok(None),
            Some(v) => Saved::from_value(v).map(Some).map_err(|why| {
                Failure::error(format!(
                    "the entry '{id}' in {} cannot be used: {why}. Fix it there, or save it \
                     again with `nstba auth add {id}`",
                    self.path.display()
                ))
                .into()
            }),
        }
    }

    /// Every entry in file order, each parsed or with the reason it cannot be.
    pub fn entries(&self) -> Vec<(&str, Result<Saved, String>)> {
        self.doc
            .iter()
            .map(|(k, v)| (k.as_str(), Saved::from_value(v)))
            .collect()
    }

    /// Saves an entry, keeping fields of an existing one of the same kind that the new one does
    /// not set (fields of another tool's making survive an update); an entry of another kind
    /// is replaced whole, so nothing of a TBA token lingers in the OAuth 2.0 entry that
    /// replaces it.
    pub fn put(&mut self, id: &str, entry: &Saved) {
        let mut value = entry.to_value();
        if let (Some(Value::Object(old)), Value::Object(new)) = (self.doc.get(id), &mut value)
            && old.get("type") == new.get("type")
        {
            for (k, v) in old {
                if !new.contains_key(k) {
                    new.insert(k.clone(), v.clone());
                }
            }
        }
        self.doc.insert(id.to_string(), value);
    }

    pub fn remove(&mut self, id: &str) -> bool {
        self.doc.shift_remove(id).is_some()
    }

    /// Renames an entry in place (it keeps its position and every field).
    pub fn rename(&mut self, old: &str, new: &str) -> bool {
        if !self.doc.contains_key(old) || self.doc.contains_key(new) {
            return false;
        }
        let doc = std::mem::take(&mut self.doc);
        self.doc = doc
            .into_iter()
            .map(|(k, v)| {
                if k == old {
                    (new.to_string(), v)
                } else {
                    (k, v)
                }
            })
            .collect();
        true
    }

    fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(&self.doc)
            .unwrap_or_else(|_| unreachable!("a JSON map always serializes"));
        out.push('\n');
        out
    }
}

/// Parses the store's text. An empty file is an empty store; anything that is not a JSON
/// object is an error that says where, and the file is never touched.
pub fn parse(text: &str, path: &Path) -> Result<Map<String, Value>, Failure> {
    if text.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Failure::error(format!(
            "the token store {} is JSON but not an object of auth IDs; it was left unchanged. \
             Move it away (nstba starts a new one) or point NSTBA_STORE elsewhere",
            path.display()
        ))),
        Err(e) => Err(Failure::error(format!(
            "the token store {} is not valid JSON (line {}, column {}: {}); it was left \
             unchanged. Fix it by hand, or move it away and save your tokens again",
            path.display(),
            e.line(),
            e.column(),
            describe_json_error(&e)
        ))),
    }
}

/// serde_json's message without the trailing position (we print our own).
fn describe_json_error(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn permission_warning(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(path).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            return Some(format!(
                "the token store {} can be read by other users (mode {:o}); run: chmod 600 {}",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    None
}

/// Removes temporary files a killed writer of `target` left behind. Only writers that hold
/// the store's lock make them, so under the lock any that exist are stale.
fn remove_stale_temps(target: &Path) {
    let prefix = temp_prefix(target);
    let Ok(entries) = fs::read_dir(parent_dir(target)) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".tmp") && name.len() > prefix.len() + 4 {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Reads the store file: a regular file of at most [`MAX_STORE_BYTES`] (a FIFO put in its
/// place cannot hang nstba; anything else is `InvalidData` with what it is).
fn read_store_file(target: &Path) -> std::io::Result<String> {
    let bytes = fsio::read_capped(target, MAX_STORE_BYTES, fsio::Links::Follow)?;
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Refuses a store in a folder that others can write to (docs/design.md §4): they could replace the
/// file, or plant a link where nstba writes. A shared folder with the sticky bit is fine only
/// when it is the user's own.
fn check_folder(target: &Path) -> Result<(), Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let dir = parent_dir(target);
        let Ok(meta) = fs::metadata(dir) else {
            return Ok(()); // a missing folder is reported when a write needs it
        };
        let others_write = meta.mode() & 0o002 != 0;
        let sticky = meta.mode() & 0o1000 != 0;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let own = meta.uid() == unsafe { libc::geteuid() };
        if others_write && !(sticky && own) {
            return Err(Failure::error(format!(
                "the token store {} is in {}, a folder other users can write to{}, so they \
                 could replace it or plant a link there: keep the store in a private folder \
                 (set NSTBA_STORE or --store), or run: chmod o-w {}",
                target.display(),
                dir.display(),
                if sticky { " (it is not yours)" } else { "" },
                dir.display()
            )));
        }
    }
    #[cfg(not(unix))]
    let _ = target;
    Ok(())
}

/// Opens the sidecar lock file, never through a symlink (a link planted there would make nstba
/// create or truncate a file where it points).
fn open_lock(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).write(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            anyhow::Error::from(Failure::error(format!(
                "the store's lock file {} is a symlink, which nstba never follows: remove it \
                 (rm {}) and run the command again",
                path.display(),
                path.display()
            )))
        } else {
            anyhow::Error::from(e).context(format!(
                "cannot create the store's lock file {}: check that its folder exists and is \
                 writable",
                path.display()
            ))
        }
    })?;
    if !file.metadata()?.is_file() {
        return Err(Failure::error(format!(
            "the store's lock file {} is not a regular file: remove it and run the command again",
            path.display()
        ))
        .into());
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_store() -> (tempfile::TempDir, StorePath) {
        let dir = tempfile::tempdir().unwrap();
        let path = StorePath::resolve(Some(&dir.path().join(".nstba"))).unwrap();
        (dir, path)
    }

    fn entry(account: &str) -> Saved {
        Saved::Tba(tba(account))
    }

    fn tba(account: &str) -> Entry {
        Entry {
            token: "tokenid".into(),
            secret: Secret::new("tsecret"),
            account: account.into(),
            consumer_key: Some("ck".into()),
            consumer_secret: Some(Secret::new("csecret")),
            role: Some("3".into()),
            entity: None,
            created_at: None,
            extra: Map::new(),
        }
    }

    #[test]
    fn missing_and_empty_are_empty() {
        let (_d, p) = temp_store();
        assert!(Store::load(&p).unwrap().is_empty());
        fs::write(p.path(), "  \n").unwrap();
        assert!(Store::load(&p).unwrap().is_empty());
    }

    #[test]
    fn update_writes_0600_and_keeps_unknowns() {
        let (_d, p) = temp_store();
        fs::write(
            p.path(),
            r#"{"gulp":{"token":"t","secret":"s","account":"123","extraField":[1,2]},"weird":42}"#,
        )
        .unwrap();
        Store::update(&p, |s| {
            s.put("new", &entry("123_SB1"));
            Ok(())
        })
        .unwrap();
        let text = fs::read_to_string(p.path()).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["gulp"]["extraField"], serde_json::json!([1, 2]));
        assert_eq!(v["weird"], 42);
        assert_eq!(v["new"]["consumerKey"], "ck");
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["gulp", "weird", "new"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(p.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let store = Store::load(&p).unwrap();
        assert!(store.get("weird").is_err());
        assert_eq!(store.get("gulp").unwrap().unwrap().account(), "123");
    }

    /// Found by fuzzing (fuzz/fuzz_targets/store_file.rs): without exact float parsing a
    /// number in an unknown field changed value on every rewrite.
    #[test]
    fn numbers_in_unknown_fields_keep_their_value() {
        let (_d, p) = temp_store();
        let text = r#"{"g":{"token":"t","secret":"s","account":"1","x":[188888888888888880807,0.1,1e-7,-2.5e300]}}"#;
        fs::write(p.path(), text).unwrap();
        let before: Value = serde_json::from_str(text).unwrap();
        for _ in 0..3 {
            Store::update(&p, |_| Ok(())).unwrap();
        }
        let after: Value = serde_json::from_str(&fs::read_to_string(p.path()).unwrap()).unwrap();
        assert_eq!(after["g"]["x"], before["g"]["x"]);
    }

    #[test]
    fn corrupt_store_is_never_written() {
        let (_d, p) = temp_store();
        let bad = "{\n  \"a\": {\"token\": \"x\",,}\n}";
        fs::write(p.path(), bad).unwrap();
        let err = Store::update(&p, |s| {
            s.put("b", &entry("1"));
            Ok(())
        })
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("line 2, column"), "{msg}");
        assert_eq!(fs::read_to_string(p.path()).unwrap(), bad);
    }

    #[test]
    fn failed_change_writes_nothing() {
        let (_d, p) = temp_store();
        let r: Result<()> = Store::update(&p, |s| {
            s.put("b", &entry("1"));
            anyhow::bail!("no")
        });
        assert!(r.is_err());
        assert!(!p.path().exists());
    }

    #[test]
    fn rename_keeps_position_and_fields() {
        let mut s = Store::default();
        s.put("a", &entry("1"));
        s.put("b", &entry("2"));
        s.put("c", &entry("3"));
        assert!(s.rename("b", "z"));
        assert!(!s.rename("a", "c"));
        assert!(!s.rename("nope", "x"));
        assert_eq!(s.ids().collect::<Vec<_>>(), ["a", "z", "c"]);
        assert_eq!(s.get("z").unwrap().unwrap().account(), "2");
    }

    #[test]
    fn numbers_for_role_and_entity() {
        let e = Entry::from_value(&serde_json::json!({
            "token": "t", "secret": "s", "account": "1", "role": 3, "entity": 38
        }))
        .unwrap();
        assert_eq!(e.role.as_deref(), Some("3"));
        assert_eq!(e.entity.as_deref(), Some("38"));
    }

    #[test]
    fn oauth2_entries_round_trip_beside_tba_ones() {
        let value = serde_json::json!({
            "type": "oauth2", "account": "1_SB1", "clientId": "c", "scope": "restlets",
            "accessToken": "a", "accessTokenExpiresAt": "2026-11-23T10:00:00Z",
            "refreshToken": "r", "role": 3, "custom": [1]
        });
        let saved = Saved::from_value(&value).unwrap();
        assert_eq!(
            (saved.kind(), saved.account(), saved.role()),
            (Kind::OAuth2, "1_SB1", Some("3"))
        );
        let back = saved.to_value();
        assert_eq!(back["type"], "oauth2");
        assert_eq!(back["custom"], serde_json::json!([1]));
        assert_eq!(back.as_object().unwrap().keys().next().unwrap(), "type");
        assert!(
            Saved::from_value(&serde_json::json!({"type": "m3m", "account": "1"}))
                .unwrap_err()
                .contains("update nstba")
        );
        let debug = format!("{saved:?}");
        assert!(
            !debug.contains("\"a\"") && !debug.contains("\"r\""),
            "{debug}"
        );
    }

    #[test]
    fn put_keeps_unknown_fields_of_the_same_kind_only() {
        let mut s = Store::default();
        let mut first = tba("1");
        first.extra.insert("gulpField".into(), Value::from(7));
        s.put("a", &Saved::Tba(first));
        s.put("a", &entry("2"));
        assert_eq!(s.doc["a"]["gulpField"], 7);
        let oauth2 = Saved::from_value(&serde_json::json!({
            "type": "oauth2", "account": "1", "clientId": "c", "scope": "restlets",
            "accessToken": "a", "accessTokenExpiresAt": "2026-11-23T10:00:00Z", "refreshToken": "r"
        }))
        .unwrap();
        s.put("a", &oauth2);
        for gone in ["token", "secret", "consumerSecret", "gulpField"] {
            assert!(s.doc["a"].get(gone).is_none(), "{gone} lingered");
        }
    }

    #[test]
    fn auth_ids() {
        for ok in ["a", "my-sandbox", "prod.v2_x", &"x".repeat(64)] {
            assert!(validate_auth_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "../x", "a/b", &"x".repeat(65), "ü"] {
            assert!(validate_auth_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        // The first check could never fail (Debug does not quote field names); what it meant
        // is that both secrets show as redacted.
        let debug = format!("{:?}", tba("1"));
        assert_eq!(debug.matches("(redacted)").count(), 2, "{debug}");
        assert!(!debug.contains("tsecret"));
        assert!(!debug.contains("csecret"));
    }
}
