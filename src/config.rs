//! The user's own nstba settings, outside every project (docs/design.md §5 and 7): the default token set
//! with `nstba auth switch` (`<config dir>/nstba/config.toml`) and the token picked for each
//! project folder with `--to` or the picker (`<config dir>/nstba/projects.toml`, keyed by the
//! folder's absolute path). They are personal, so they never go into `nstba.toml`, which the
//! team commits. `NSTBA_CONFIG_DIR` and `NSTBA_CACHE_DIR` move the folders (tests, sandboxes).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use toml_edit::{DocumentMut, Item, Table};

use crate::error::Failure;

/// Reads a variable, treating an empty value as unset.
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Where nstba keeps the user's settings: `NSTBA_CONFIG_DIR`, else `<config dir>/nstba`
/// (`%APPDATA%\\nstba` on Windows, `~/Library/Application Support/nstba` on macOS).
pub fn config_dir() -> Result<PathBuf> {
    user_dir(
        "NSTBA_CONFIG_DIR",
        dirs::config_dir().map(|d| d.join("nstba")),
        "config",
    )
}

/// Where nstba keeps what it can always rebuild (the deploy state): `NSTBA_CACHE_DIR`, else
/// `<cache dir>/nstba`; on Windows `%LOCALAPPDATA%\\nstba\\cache`, never the roaming profile.
pub fn cache_dir() -> Result<PathBuf> {
    #[cfg(windows)]
    let platform = dirs::data_local_dir().map(|d| d.join("nstba").join("cache"));
    #[cfg(not(windows))]
    let platform = dirs::cache_dir().map(|d| d.join("nstba"));
    user_dir("NSTBA_CACHE_DIR", platform, "cache")
}

/// Where `auth keygen` puts keys: `<config>/keys`; on Windows `%LOCALAPPDATA%\\nstba\\keys`,
/// because `%APPDATA%` roams, and domain profile servers copy it around (docs/design.md §16).
pub fn keys_dir() -> Result<PathBuf> {
    #[cfg(windows)]
    if env_var("NSTBA_CONFIG_DIR").is_none() {
        return user_dir(
            "NSTBA_CONFIG_DIR",
            dirs::data_local_dir().map(|d| d.join("nstba").join("keys")),
            "local application data",
        );
    }
    Ok(config_dir()?.join("keys"))
}

fn user_dir(var: &str, platform: Option<PathBuf>, what: &str) -> Result<PathBuf> {
    if let Some(dir) = crate::config::env_var(var) {
        return Ok(PathBuf::from(dir));
    }
    platform.ok_or_else(|| {
        Failure::error(format!(
            "cannot find this user's {what} folder: set {var} to a folder nstba may use"
        ))
        .into()
    })
}

const CONFIG_FILE: &str = "config.toml";
const PROJECTS_FILE: &str = "projects.toml";
/// The most of a settings file read (a few hundred project folders fit in far less).
const MAX_BYTES: u64 = 4 * 1024 * 1024;

/// A small TOML file of the user's, read whole and rewritten atomically (0600).
struct UserFile {
    path: PathBuf,
    doc: DocumentMut,
}

impl UserFile {
    fn open(name: &str) -> Result<UserFile> {
        let path = config_dir()?.join(name);
        // Another user's file, or one others can change, could pick the token a bare command
        // uses: ignored with a warning, as nstba.toml is, and replaced by the next save.
        if path.exists()
            && let Some(why) = crate::fsio::untrusted(&path)
        {
            crate::ui::warn_once(format!(
                "ignoring {}: {why}. Fix its owner or mode (chmod 600) if it is yours",
                path.display()
            ));
            return Ok(UserFile {
                path,
                doc: DocumentMut::new(),
            });
        }
        let text = match crate::fsio::read_capped(&path, MAX_BYTES, crate::fsio::Links::Follow) {
            Ok(t) => String::from_utf8(t).map_err(|_| {
                Failure::error(format!(
                    "{} is not UTF-8 text; fix it or remove it",
                    path.display()
                ))
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let doc = text.parse::<DocumentMut>().map_err(|e| {
            Failure::error(format!(
                "{} is not valid TOML ({}); fix it or remove it",
                path.display(),
                e.to_string().trim()
            ))
        })?;
        Ok(UserFile { path, doc })
    }

    fn save(&self) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            crate::fsio::create_private_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        crate::fsio::write_atomic(
            &self.path,
            self.doc.to_string().as_bytes(),
            crate::fsio::Access::Private,
        )
        .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// The default token (`nstba auth switch`), if one is set.
pub fn default_auth_id() -> Result<Option<String>> {
    let file = UserFile::open(CONFIG_FILE)?;
    Ok(file
        .doc
        .get("auth_id")
        .and_then(Item::as_str)
        .map(str::to_string))
}

/// Sets the default token; returns the file it lives in.
pub fn set_default_auth_id(auth_id: &str) -> Result<PathBuf> {
    let mut file = UserFile::open(CONFIG_FILE)?;
    file.doc["auth_id"] = toml_edit::value(auth_id);
    file.save()?;
    Ok(file.path)
}

/// The token this user last picked for the project folder `dir`.
pub fn project_choice(dir: &Path) -> Result<Option<String>> {
    let file = UserFile::open(PROJECTS_FILE)?;
    Ok(file
        .doc
        .get(&key(dir))
        .and_then(|t| t.get("auth_id"))
        .and_then(Item::as_str)
        .map(str::to_string))
}

/// Remembers the token picked for the project folder `dir`; returns the file.
pub fn set_project_choice(dir: &Path, auth_id: &str) -> Result<PathBuf> {
    let mut file = UserFile::open(PROJECTS_FILE)?;
    let k = key(dir);
    if !file.doc.contains_table(&k) {
        file.doc.insert(&k, Item::Table(Table::new()));
    }
    file.doc[&k]["auth_id"] = toml_edit::value(auth_id);
    file.save()?;
    Ok(file.path)
}

/// Forgets the token picked for the project folder `dir`; the auth ID it held, if any.
pub fn clear_project_choice(dir: &Path) -> Result<Option<String>> {
    let mut file = UserFile::open(PROJECTS_FILE)?;
    let k = key(dir);
    let held = file
        .doc
        .get(&k)
        .and_then(|t| t.get("auth_id"))
        .and_then(Item::as_str)
        .map(str::to_string);
    if held.is_some() {
        file.doc.remove(&k);
        file.save()?;
    }
    Ok(held)
}

/// After `auth rename`, the default and every project choice follow the new name.
pub fn rename_auth_id(old: &str, new: &str) -> Result<()> {
    let mut config = UserFile::open(CONFIG_FILE)?;
    if config.doc.get("auth_id").and_then(Item::as_str) == Some(old) {
        config.doc["auth_id"] = toml_edit::value(new);
        config.save()?;
    }
    let mut projects = UserFile::open(PROJECTS_FILE)?;
    let mut changed = false;
    for (_, item) in projects.doc.iter_mut() {
        if let Some(table) = item.as_table_like_mut()
            && table.get("auth_id").and_then(Item::as_str) == Some(old)
        {
            table.insert("auth_id", toml_edit::value(new));
            changed = true;
        }
    }
    if changed {
        projects.save()?;
    }
    Ok(())
}

fn key(dir: &Path) -> String {
    crate::fsio::canonicalize(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_default_and_rename() {
        let dir = tempfile::tempdir().unwrap();
        // SAFETY: this is the only unit test that touches NSTBA_CONFIG_DIR.
        unsafe { std::env::set_var("NSTBA_CONFIG_DIR", dir.path()) };
        let project = dir.path().join("p");
        std::fs::create_dir(&project).unwrap();
        assert_eq!(default_auth_id().unwrap(), None);
        assert_eq!(project_choice(&project).unwrap(), None);
        set_default_auth_id("a").unwrap();
        set_project_choice(&project, "a").unwrap();
        set_project_choice(&project, "b").unwrap();
        assert_eq!(project_choice(&project).unwrap().as_deref(), Some("b"));
        rename_auth_id("a", "z").unwrap();
        assert_eq!(default_auth_id().unwrap().as_deref(), Some("z"));
        assert_eq!(project_choice(&project).unwrap().as_deref(), Some("b"));
        assert!(dir.path().join(PROJECTS_FILE).exists());
    }
}
