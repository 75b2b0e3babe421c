//! The deploy state (docs/design.md §8): for one source folder, account and target, the SHA-256 and size
//! of every file the RESTlet confirmed, so that an unchanged file is not sent again and a
//! failed deploy resumes where it stopped. It is a cache, never the truth: deploy checks it
//! against a listing of the target before it skips anything. It lives in the user's cache
//! folder (`<cache dir>/nstba/deploy/`, one file per source, account and target), outside the
//! project, so a state file committed to a repository cannot hide files. An old
//! `.nstba-deploy.json` in the project is read once, migrated, and then ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::ui;

/// The state file of nstba before it moved to the cache folder.
pub const LEGACY_FILE_NAME: &str = ".nstba-deploy.json";
/// The most of a legacy state file read (a few thousand files' hashes fit in far less).
const MAX_LEGACY_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Confirmed {
    pub sha256: String,
    pub size: u64,
    /// The file's modification time when it was sent (nanoseconds since 1970): a file of the
    /// same size and time is not hashed again (unless `--checksum`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Doc {
    version: u32,
    /// What this state is for, for people reading the cache folder.
    #[serde(default)]
    source: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    target: String,
    /// Relative path to what was confirmed.
    #[serde(default)]
    files: BTreeMap<String, Confirmed>,
}

/// The legacy file: `REALM:target` to (relative path to what was confirmed).
#[derive(Debug, Default, Deserialize)]
struct LegacyDoc {
    #[serde(default)]
    targets: BTreeMap<String, BTreeMap<String, Confirmed>>,
}

/// The state of one source folder, account and target.
pub struct DeployState {
    path: PathBuf,
    doc: Doc,
}

impl DeployState {
    /// The state file for `source` (its real path), `realm` and `target`, under `cache_dir`.
    pub fn path_for(cache_dir: &Path, source: &Path, realm: &str, target: &str) -> PathBuf {
        let source = crate::fsio::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
        let key = format!("{}\0{realm}\0{target}", source.display());
        let hash = crate::filecabinet::walk::sha256_bytes(key.as_bytes());
        cache_dir
            .join("deploy")
            .join(format!("{}.json", &hash[..32]))
    }

    /// Loads the state. A missing file is an empty state, unless `legacy` (the project's old
    /// `.nstba-deploy.json`) holds one for this account and target: that is migrated, saved
    /// here, and reported; once this file exists the old one is never read again. An unreadable file is a warning and an empty state (everything is
    /// sent again).
    pub fn load(
        path: PathBuf,
        source: &Path,
        realm: &str,
        target: &str,
        legacy: Option<&Path>,
    ) -> Result<DeployState> {
        let fresh = !path.exists();
        let doc = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap_or_else(|e| {
                ui::warn(format!(
                    "{} is not a deploy state nstba can read ({e}); every file will be sent",
                    path.display()
                ));
                Doc::default()
            }),
            Err(_) => Doc::default(),
        };
        let mut state = DeployState { path, doc };
        state.doc.source = source.display().to_string();
        state.doc.account = realm.to_string();
        state.doc.target = target.to_string();
        if fresh && let Some(legacy) = legacy {
            state.migrate(legacy, realm, target)?;
        }
        Ok(state)
    }

    fn migrate(&mut self, legacy: &Path, realm: &str, target: &str) -> Result<()> {
        // The project's file is the repository's: a regular file of bounded size, never read
        // through a link (a committed link to /dev/zero must not hang a deploy).
        let bytes =
            match crate::fsio::read_capped(legacy, MAX_LEGACY_BYTES, crate::fsio::Links::Refuse) {
                Ok(b) => b,
                Err(e) => {
                    ui::warn(format!("ignoring {}: {e}", legacy.display()));
                    return Ok(());
                }
            };
        let Ok(old) = serde_json::from_slice::<LegacyDoc>(&bytes) else {
            return Ok(());
        };
        let Some(files) = old.targets.get(&format!("{realm}:{target}")) else {
            return Ok(());
        };
        self.doc.files = files.clone();
        self.save()?;
        ui::info(format!(
            "Moved the deploy state of {target} on {realm} from {} to {} (nstba no longer reads \
             the old file; delete it, and keep it out of the repository)",
            legacy.display(),
            self.path.display()
        ));
        Ok(())
    }

    pub fn get(&self, rel: &str) -> Option<&Confirmed> {
        self.doc.files.get(rel)
    }

    pub fn confirm(&mut self, rel: &str, confirmed: Confirmed) {
        self.doc.files.insert(rel.to_string(), confirmed);
    }

    /// Writes the file atomically (0600, like the store), creating its folder.
    pub fn save(&mut self) -> Result<()> {
        self.doc.version = 2;
        let mut text = serde_json::to_string_pretty(&self.doc)?;
        text.push('\n');
        if let Some(dir) = self.path.parent() {
            crate::fsio::create_private_dir_all(dir)
                .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        }
        crate::fsio::write_atomic(&self.path, text.as_bytes(), crate::fsio::Access::Private)
            .with_context(|| format!("cannot write the deploy state {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_by_source_account_and_target() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("dist");
        std::fs::create_dir(&src).unwrap();
        let load = |realm: &str, target: &str| {
            let path = DeployState::path_for(dir.path(), &src, realm, target);
            DeployState::load(path, &src, realm, target, None).unwrap()
        };
        let mut s = load("123_SB1", "SuiteScripts/app");
        let c = Confirmed {
            sha256: "ab".into(),
            size: 2,
            modified: Some(7),
        };
        s.confirm("a.js", c.clone());
        s.save().unwrap();
        assert!(s.path.starts_with(dir.path().join("deploy")));
        assert_eq!(load("123_SB1", "SuiteScripts/app").get("a.js"), Some(&c));
        assert!(load("123", "SuiteScripts/app").get("a.js").is_none());
        assert!(load("123_SB1", "SuiteScripts/x").get("a.js").is_none());
        std::fs::write(
            DeployState::path_for(dir.path(), &src, "123_SB1", "SuiteScripts/app"),
            "{oops",
        )
        .unwrap();
        assert!(load("123_SB1", "SuiteScripts/app").get("a.js").is_none());
    }

    #[test]
    fn a_legacy_file_is_migrated_once() {
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join(LEGACY_FILE_NAME);
        std::fs::write(
            &legacy,
            r#"{"version":1,"targets":{"1_SB1:S/app":{"a.js":{"sha256":"ab","size":2}}}}"#,
        )
        .unwrap();
        let path = DeployState::path_for(dir.path(), dir.path(), "1_SB1", "S/app");
        let s =
            DeployState::load(path.clone(), dir.path(), "1_SB1", "S/app", Some(&legacy)).unwrap();
        assert_eq!(s.get("a.js").unwrap().sha256, "ab");
        assert!(path.exists());
        // Once migrated, the old file is not read again (its changes do not count).
        std::fs::write(
            &legacy,
            r#"{"targets":{"1_SB1:S/app":{"b.js":{"sha256":"cd","size":2}}}}"#,
        )
        .unwrap();
        let s = DeployState::load(path, dir.path(), "1_SB1", "S/app", Some(&legacy)).unwrap();
        assert!(s.get("b.js").is_none());
    }

    /// A legacy file is the repository's: a link (to /dev/zero, say) is not read.
    #[cfg(unix)]
    #[test]
    fn a_legacy_file_that_is_a_link_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join(LEGACY_FILE_NAME);
        std::os::unix::fs::symlink("/dev/zero", &legacy).unwrap();
        let path = DeployState::path_for(dir.path(), dir.path(), "1_SB1", "S/app");
        let s =
            DeployState::load(path.clone(), dir.path(), "1_SB1", "S/app", Some(&legacy)).unwrap();
        assert!(s.get("a.js").is_none());
        assert!(!path.exists(), "nothing was migrated");
    }
}
