//! The token store, `~/.nstba` (docs/design.md §4): the JSON file the SuiteCommerce gulp tools read and
//! write, kept safe. Reads take no lock (writes are atomic renames, so a reader sees the old
//! file or the new one). Writes take an exclusive lock on a sidecar `<store>.lock`, re-read,
//! change, write a 0600 temporary file in the same folder, fsync, rename over, fsync the folder.
//! Entries and fields nstba does not know are kept as they are on every rewrite.
//!
//! The store must be a regular file of at most [`MAX_STORE_BYTES`] (a FIFO, a device or a folder
//! is an error, never a hang), in a folder that others cannot write to; the lock file is opened
//! without following symlinks.

mod entry;
mod guard;
#[cfg(test)]
mod tests;

pub use entry::*;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde_json::{Map, Value};

use crate::error::Failure;
use crate::fsio::{self, parent_dir, temp_prefix};
use guard::{check_folder, open_lock, permission_warning};

/// The largest store read: a few thousand tokens fit in far less.
pub const MAX_STORE_BYTES: u64 = 16 * 1024 * 1024;

/// The store file's location.
#[derive(Clone, Debug)]
pub struct StorePath(PathBuf);

impl StorePath {
    /// `--store`/`NSTBA_STORE` when given, else `~/.nstba`.
    pub fn resolve(explicit: Option<&Path>) -> Result<StorePath> {
        match explicit {
            Some(p) if !p.as_os_str().is_empty() => Ok(StorePath(p.to_path_buf())),
            _ => {
                let home = fsio::home_dir().ok_or_else(|| {
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
    /// The links are read one by one, never by opening the store (on Windows an open, even
    /// the one a canonicalize makes, stops another nstba's rename over it).
    fn target(&self) -> PathBuf {
        let mut path = self.0.clone();
        for _ in 0..40 {
            match fs::read_link(&path) {
                Ok(next) => path = parent_dir(&path).join(next),
                Err(_) => break,
            }
        }
        path
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
#[derive(Clone, Default)]
pub struct Store {
    pub path: PathBuf,
    doc: Map<String, Value>,
    /// Warnings found while loading (a store readable by others), for the caller to show.
    pub warnings: Vec<String>,
}

/// The file and its auth IDs, never an entry: the entries are raw JSON, secrets included.
impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .field("auth_ids", &self.doc.keys().collect::<Vec<_>>())
            .field("warnings", &self.warnings)
            .finish()
    }
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

    /// Saves an entry, keeping fields of an existing TBA entry that the new one does not set
    /// (fields of another tool's making survive an update); an OAuth 2.0 or M2M entry carries
    /// its unknown fields itself, so a field it no longer sets (a rotation's notes, a refresh
    /// token's end) goes; an entry of another kind is replaced whole, so nothing of a TBA token
    /// lingers in the OAuth 2.0 entry that replaces it.
    pub fn put(&mut self, id: &str, entry: &Saved) {
        let mut value = entry.to_value();
        if let (Some(Value::Object(old)), Value::Object(new)) = (self.doc.get(id), &mut value)
            && old.get("type").is_none()
            && new.get("type").is_none()
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
    decode(bytes).map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidData, why))
}

/// The store's text: UTF-8, with or without the byte-order mark Notepad and PowerShell 5 write
/// (the next save drops it). UTF-16, which PowerShell 5's `>` writes, is named with the fix.
fn decode(bytes: Vec<u8>) -> Result<String, String> {
    const UTF16: &str = "it is UTF-16 text (PowerShell 5's `>` and Out-File write that), and \
        the gulp tools and nstba read UTF-8: convert it with PowerShell, Get-Content .nstba | \
        Set-Content -Encoding utf8 .nstba, or save it as UTF-8 in an editor";
    let utf16 = bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || (bytes.len() >= 2 && (bytes[0] == 0 || bytes[1] == 0));
    let text = bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(&bytes);
    match std::str::from_utf8(text) {
        Ok(t) if !t.contains('\0') => Ok(t.to_string()),
        _ if utf16 => Err(UTF16.into()),
        _ => Err("it is not UTF-8 text".into()),
    }
}
