//! The project file `nstba.toml` (docs/design.md §7): the team's file, committed with the project, so
//! nstba reads it and never writes it, and treats it as input from a repository it may not
//! control. It is found in the current folder or a parent, but the search stops at a folder
//! holding `.git` and at the home folder (a file in `/tmp` or a parent project must not steer
//! this one). A file owned by another user, or writable by others, is ignored with a warning.
//! Paths in it must stay inside its folder. Unknown keys get a warning naming the nearest
//! known key.

use std::path::{Component, Path, PathBuf};

use anyhow::{Context as _, Result};
use toml_edit::DocumentMut;

use crate::error::Failure;

pub const FILE_NAME: &str = "nstba.toml";
/// A project file is a few lines; anything larger is not one.
const MAX_BYTES: u64 = 1024 * 1024;

/// Every key nstba reads, by table (`""` is the top level).
const KNOWN: &[(&str, &[&str])] = &[
    ("", &["account", "auth_id", "restlet", "deploy", "fetch"]),
    ("restlet", &["script", "deploy"]),
    ("deploy", &["source", "target"]),
    ("fetch", &["out"]),
];

#[derive(Debug, Clone)]
pub struct Project {
    pub path: PathBuf,
    doc: DocumentMut,
}

impl Project {
    /// Finds `nstba.toml` in `start` or a parent, stopping after a folder that holds `.git`
    /// and at `home`. Warnings (an ignored file, unknown keys) go to stderr.
    pub fn find(start: &Path, home: Option<&Path>) -> Result<Option<Project>> {
        for dir in start.ancestors() {
            let candidate = dir.join(FILE_NAME);
            if candidate.is_file() {
                if let Some(why) = crate::fsio::untrusted(&candidate) {
                    crate::ui::warn(format!(
                        "ignoring {}: {why}. Fix its owner or mode (chmod go-w) if it is yours",
                        candidate.display()
                    ));
                    return Ok(None);
                }
                let project = Project::load(&candidate)?;
                for w in project.unknown_keys() {
                    crate::ui::warn(format!("{}: {w}", candidate.display()));
                }
                return Ok(Some(project));
            }
            if dir.join(".git").exists() || home.is_some_and(|h| h == dir) {
                break;
            }
        }
        Ok(None)
    }

    pub fn load(path: &Path) -> Result<Project> {
        use std::io::Read as _;
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_BYTES).read_to_string(&mut text))
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

    /// A path key (`[deploy] source`, `[fetch] out`), joined to the file's folder. One that
    /// leaves the folder (absolute, `..`, or a link leading out) is a usage error.
    pub fn path(&self, table: &str, key: &str) -> Result<Option<PathBuf>> {
        let Some(raw) = self.get(table, key) else {
            return Ok(None);
        };
        let leaves = |why: &str| -> anyhow::Error {
            Failure::usage(format!(
                "{key} = \"{raw}\" under [{table}] in {} {why}: paths in nstba.toml must stay \
                 inside its folder ({}). Pass the path on the command line if you mean it",
                self.path.display(),
                self.dir().display()
            ))
            .into()
        };
        let rel = Path::new(&raw);
        if !rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
        {
            return Err(leaves("leaves the project folder"));
        }
        let joined = self.dir().join(rel);
        // Where it exists, links are resolved too: a folder link in the project leading out
        // is as far away as `../..`.
        if let (Ok(real), Ok(root)) = (
            crate::fsio::canonicalize(&joined),
            crate::fsio::canonicalize(self.dir()),
        ) && !real.starts_with(&root)
        {
            return Err(leaves("leads outside the project folder through a link"));
        }
        Ok(Some(joined))
    }

    /// A warning for each key nstba does not know, with the nearest known one.
    pub fn unknown_keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        let known = |table: &str| {
            KNOWN
                .iter()
                .find(|(t, _)| *t == table)
                .map_or(&[][..], |(_, keys)| *keys)
        };
        let mut check = |table: &str, key: &str| {
            let keys = known(table);
            if keys.contains(&key) {
                return;
            }
            let place = if table.is_empty() {
                String::new()
            } else {
                format!(" under [{table}]")
            };
            let nearest = keys
                .iter()
                .map(|k| (strsim::jaro_winkler(key, k), *k))
                .filter(|(score, _)| *score > 0.7)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            out.push(match nearest {
                Some((_, k)) => format!("unknown key '{key}'{place}: did you mean '{k}'?"),
                None => format!(
                    "unknown key '{key}'{place}: nstba reads {}",
                    keys.join(", ")
                ),
            });
        };
        for (key, item) in self.doc.iter() {
            check("", key);
            if let Some(table) = item.as_table_like()
                && KNOWN.iter().any(|(t, _)| *t == key)
            {
                for (sub, _) in table.iter() {
                    check(key, sub);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let file = dir.join(FILE_NAME);
        std::fs::write(&file, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        file
    }

    #[test]
    fn finds_in_parent_and_stops_at_git_and_home() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "account = \"1234567_SB1\"\n[deploy]\nsource = \"dist\"\n",
        );
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let p = Project::find(&nested, None).unwrap().unwrap();
        assert_eq!(p.account().as_deref(), Some("1234567_SB1"));
        assert_eq!(p.get("deploy", "source").as_deref(), Some("dist"));
        assert_eq!(p.auth_id(), None);
        // A repository below it is a project of its own: the search stops there.
        std::fs::create_dir(dir.path().join("a/.git")).unwrap();
        assert!(Project::find(&nested, None).unwrap().is_none());
        std::fs::remove_dir(dir.path().join("a/.git")).unwrap();
        // So does the home folder.
        assert!(
            Project::find(&nested, Some(&dir.path().join("a")))
                .unwrap()
                .is_none()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_write_is_ignored() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = write(dir.path(), "account = \"1\"\n");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o646)).unwrap();
        assert!(Project::find(dir.path(), None).unwrap().is_none());
        assert!(crate::fsio::untrusted(&file).unwrap().contains("mode 646"));
    }

    #[test]
    fn paths_stay_inside() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../..", "/etc", "dist/../../x"] {
            write(dir.path(), &format!("[deploy]\nsource = \"{bad}\"\n"));
            let p = Project::find(dir.path(), None).unwrap().unwrap();
            let err = p.path("deploy", "source").unwrap_err().to_string();
            assert!(err.contains("must stay inside"), "{bad}: {err}");
        }
        write(dir.path(), "[fetch]\nout = \"./back\"\n");
        let p = Project::find(dir.path(), None).unwrap().unwrap();
        assert_eq!(
            p.path("fetch", "out").unwrap().unwrap(),
            dir.path().join("./back")
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/", dir.path().join("root")).unwrap();
            write(dir.path(), "[deploy]\nsource = \"root\"\n");
            let p = Project::find(dir.path(), None).unwrap().unwrap();
            assert!(p.path("deploy", "source").is_err());
        }
    }

    #[test]
    fn unknown_keys_get_the_nearest() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "acount = \"1\"\nzzz = 1\n[deploy]\nsorce = \"d\"\n[restlet]\nscript = \"s\"\n",
        );
        let p = Project::load(&dir.path().join(FILE_NAME)).unwrap();
        let w = p.unknown_keys();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].contains("'acount': did you mean 'account'?"), "{w:?}");
        assert!(w[1].contains("'zzz': nstba reads"), "{w:?}");
        assert!(
            w[2].contains("'sorce' under [deploy]: did you mean 'source'?"),
            "{w:?}"
        );
    }

    #[test]
    fn bad_toml_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "account = ");
        assert!(Project::find(dir.path(), None).is_err());
    }
}
