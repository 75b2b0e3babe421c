//! The project file `nstba.toml` (SPEC 7), found in the current folder or a parent. It is
//! optional; flags override it. Edits go through `toml_edit` so the user's comments and
//! layout survive.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use toml_edit::DocumentMut;

use crate::error::Failure;

pub const FILE_NAME: &str = "nstba.toml";

#[derive(Debug, Clone)]
pub struct Project {
    pub path: PathBuf,
    doc: DocumentMut,
}

impl Project {
    /// Finds `nstba.toml` in `start` or one of its parents.
    pub fn find(start: &Path) -> Result<Option<Project>> {
        for dir in start.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                return Project::load(&candidate).map(Some);
            }
        }
        Ok(None)
    }

    pub fn load(path: &Path) -> Result<Project> {
        let text = fs::read_to_string(path)
            .with_context(|| format!("cannot read the project file {}", path.display()))?;
        let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            Failure::error(format!(
                "the project file {} is not valid TOML: {}",
                path.display(),
                e.to_string().trim()
            ))
        })?;
        Ok(Project {
            path: path.to_path_buf(),
            doc,
        })
    }

    /// The folder the project file is in (relative paths in it are relative to this).
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    fn string(&self, table: Option<&str>, key: &str) -> Option<String> {
        let item = match table {
            None => self.doc.get(key)?,
            Some(t) => self.doc.get(t)?.get(key)?,
        };
        item.as_str()
            .map(str::to_string)
            .or_else(|| item.as_integer().map(|i| i.to_string()))
    }

    pub fn account(&self) -> Option<String> {
        self.string(None, "account")
    }

    pub fn auth_id(&self) -> Option<String> {
        self.string(None, "auth_id")
    }

    pub fn get(&self, table: &str, key: &str) -> Option<String> {
        self.string(Some(table), key)
    }

    /// Remembers the chosen auth ID, keeping comments and layout.
    pub fn set_auth_id(&mut self, auth_id: &str) -> Result<()> {
        self.doc["auth_id"] = toml_edit::value(auth_id);
        crate::store::write_atomic(&self.path, &self.doc.to_string())
            .with_context(|| format!("cannot update the project file {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_in_parent_and_keeps_comments() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(FILE_NAME);
        fs::write(
            &file,
            "# my project\naccount = \"1234567_SB1\"  # sandbox\n\n[deploy]\nsource = \"dist\"\n",
        )
        .unwrap();
        let nested = dir.path().join("a/b");
        fs::create_dir_all(&nested).unwrap();
        let mut p = Project::find(&nested).unwrap().unwrap();
        assert_eq!(p.account().as_deref(), Some("1234567_SB1"));
        assert_eq!(p.get("deploy", "source").as_deref(), Some("dist"));
        assert_eq!(p.auth_id(), None);
        p.set_auth_id("sb").unwrap();
        let text = fs::read_to_string(&file).unwrap();
        assert!(text.contains("# my project"));
        assert!(text.contains("# sandbox"));
        assert_eq!(
            Project::load(&file).unwrap().auth_id().as_deref(),
            Some("sb")
        );
    }

    #[test]
    fn bad_toml_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(FILE_NAME), "account = ").unwrap();
        assert!(Project::find(dir.path()).is_err());
    }
}
