//! Walking a deploy's source folder: which files go (`.gitignore` and `.nstbaignore` inside the
//! folder are honoured, `.git` is never sent), their File Cabinet paths, and their SHA-256.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use sha2::{Digest as _, Sha256};

use crate::error::Failure;
use crate::filecabinet::paths::remote_path;

/// The ignore file of nstba's own, beside `.gitignore`.
pub const IGNORE_FILE: &str = ".nstbaignore";

/// A local file to deploy.
#[derive(Clone, Debug)]
pub struct LocalFile {
    /// Relative to the source folder, with `/` separators (the state file's key).
    pub rel: String,
    pub abs: PathBuf,
    /// Its File Cabinet path.
    pub remote: String,
    pub size: u64,
}

/// What a walk found: the files, and what could not be read (with why).
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<LocalFile>,
    pub problems: Vec<(String, String)>,
}

pub fn walk(source: &Path, target: &str) -> Result<Walk> {
    let meta = std::fs::metadata(source).map_err(|e| {
        Failure::usage(format!(
            "cannot read the source folder {}: {e}. Pass the folder to deploy, or set \
             [deploy] source in nstba.toml",
            source.display()
        ))
    })?;
    if !meta.is_dir() {
        return Err(Failure::usage(format!("{} is not a folder", source.display())).into());
    }
    let mut out = Walk::default();
    let walker = ignore::WalkBuilder::new(source)
        .hidden(false)
        // Ignore files above the source folder are not read: a project's .gitignore that
        // names the build folder (dist/) must not hide the very files being deployed.
        .parents(false)
        .require_git(false)
        .git_global(false)
        .follow_links(true)
        .add_custom_ignore_filename(IGNORE_FILE)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let (path, why) = describe_walk_error(&e, source);
                out.problems.push((path, why));
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = entry.file_name();
        if name == ".gitignore" || name == IGNORE_FILE {
            continue;
        }
        let abs = entry.path().to_path_buf();
        let rel_path = abs.strip_prefix(source).unwrap_or(&abs).to_path_buf();
        let Some(remote) = remote_path(target, &rel_path) else {
            out.problems.push((
                rel_path.display().to_string(),
                "its name is not valid UTF-8, which the File Cabinet cannot hold".into(),
            ));
            continue;
        };
        let rel = remote_path("", &rel_path).unwrap_or_default();
        match entry.metadata() {
            Ok(m) => out.files.push(LocalFile {
                rel,
                abs,
                remote,
                size: m.len(),
            }),
            Err(e) => out.problems.push((rel, e.to_string())),
        }
    }
    Ok(out)
}

fn describe_walk_error(e: &ignore::Error, source: &Path) -> (String, String) {
    let rel = |p: &Path| p.strip_prefix(source).unwrap_or(p).display().to_string();
    match e {
        ignore::Error::Loop { child, ancestor } => (
            rel(child),
            format!(
                "a symlink loop (it leads back to {}): remove the link or add it to {IGNORE_FILE}",
                rel(ancestor)
            ),
        ),
        ignore::Error::WithPath { path, err } => {
            let (_, why) = describe_walk_error(err, source);
            (rel(path), why)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err, source)
        }
        ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => (
            String::new(),
            "permission denied: make it readable, or add it to .nstbaignore".into(),
        ),
        other => (String::new(), other.to_string()),
    }
}

/// SHA-256 of a file, hex, read in 64 KB pieces.
pub fn sha256(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// SHA-256 of bytes in memory, hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes every file on a few threads; each result is in the order of `files`.
pub fn hash_all(files: &[LocalFile]) -> Vec<std::io::Result<String>> {
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(1, 4);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|f| sha256(&f.abs)).collect::<Vec<_>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err(std::io::Error::other("hashing failed"))])
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_honouring_ignore_files() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("dist");
        std::fs::create_dir_all(src.join("js/vendor")).unwrap();
        std::fs::create_dir_all(src.join(".git")).unwrap();
        std::fs::write(dir.path().join(".gitignore"), "dist/\n").unwrap();
        std::fs::write(src.join(".gitignore"), "*.map\n").unwrap();
        std::fs::write(src.join(IGNORE_FILE), "vendor/\n").unwrap();
        for f in [
            "a.js",
            "a.js.map",
            "js/b.js",
            "js/vendor/c.js",
            ".git/HEAD",
            ".hidden",
        ] {
            std::fs::write(src.join(f), f).unwrap();
        }
        let w = walk(&src, "SuiteScripts/app").unwrap();
        let rels: Vec<&str> = w.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, [".hidden", "a.js", "js/b.js"]);
        assert_eq!(w.files[2].remote, "SuiteScripts/app/js/b.js");
        assert!(w.problems.is_empty());
        // hash_all keeps the order of its input.
        let hashes = hash_all(&w.files);
        for (f, h) in w.files.iter().zip(&hashes) {
            assert_eq!(h.as_ref().unwrap(), &sha256(&f.abs).unwrap());
        }
        assert_ne!(hashes[0].as_ref().unwrap(), hashes[1].as_ref().unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a/f.txt"), "x").unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("a/up")).unwrap();
        let w = walk(dir.path(), "t").unwrap();
        assert_eq!(w.files.len(), 1);
        assert!(w.problems[0].1.contains("symlink loop"), "{:?}", w.problems);
    }

    #[test]
    fn sha256_matches_a_known_value() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc");
        std::fs::write(&p, "abc").unwrap();
        assert_eq!(
            sha256(&p).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
