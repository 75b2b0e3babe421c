//! The deploy state file, `.nstba-deploy.json` beside `nstba.toml` (or in the current folder):
//! for each account and target folder, the SHA-256 of every file the RESTlet confirmed. A
//! file whose hash matches is not sent again; each confirmation is written at once, so an
//! interrupted or failed deploy resumes where it stopped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::ui;

pub const FILE_NAME: &str = ".nstba-deploy.json";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Confirmed {
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Doc {
    version: u32,
    /// `REALM:target` to (relative path to what was confirmed).
    targets: BTreeMap<String, BTreeMap<String, Confirmed>>,
}

/// The state of one account and target, loaded from and saved to its file.
pub struct DeployState {
    path: PathBuf,
    key: String,
    doc: Doc,
}

impl DeployState {
    /// Loads the state for `realm` and `target`. A missing file is an empty state; an
    /// unreadable one is a warning and an empty state (everything is sent again).
    pub fn load(dir: &Path, realm: &str, target: &str) -> DeployState {
        let path = dir.join(FILE_NAME);
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
        DeployState {
            path,
            key: format!("{realm}:{target}"),
            doc,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, rel: &str) -> Option<&Confirmed> {
        self.doc.targets.get(&self.key)?.get(rel)
    }

    pub fn confirm(&mut self, rel: &str, confirmed: Confirmed) {
        self.doc
            .targets
            .entry(self.key.clone())
            .or_default()
            .insert(rel.to_string(), confirmed);
    }

    /// Writes the file atomically (0600, like the store).
    pub fn save(&mut self) -> Result<()> {
        self.doc.version = 1;
        let mut text = serde_json::to_string_pretty(&self.doc)?;
        text.push('\n');
        crate::store::write_atomic(&self.path, &text)
            .with_context(|| format!("cannot write the deploy state {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_by_account_and_target() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = DeployState::load(dir.path(), "123_SB1", "SuiteScripts/app");
        let c = Confirmed {
            sha256: "ab".into(),
            size: 2,
        };
        s.confirm("a.js", c.clone());
        s.save().unwrap();
        assert_eq!(
            DeployState::load(dir.path(), "123_SB1", "SuiteScripts/app").get("a.js"),
            Some(&c)
        );
        assert!(
            DeployState::load(dir.path(), "123", "SuiteScripts/app")
                .get("a.js")
                .is_none()
        );
        assert!(
            DeployState::load(dir.path(), "123_SB1", "SuiteScripts/x")
                .get("a.js")
                .is_none()
        );
        std::fs::write(dir.path().join(FILE_NAME), "{oops").unwrap();
        assert!(
            DeployState::load(dir.path(), "123_SB1", "SuiteScripts/app")
                .get("a.js")
                .is_none()
        );
    }
}
