//! Walking a deploy's source folder: which files go, their File Cabinet paths, and their
//! SHA-256 (docs/design.md §8). Only regular files inside the source are read: a symlink is followed only
//! when its target resolves inside the source folder, and any other link, FIFO, socket or
//! device is skipped with a warning, so a malicious commit (`ln -s ~/.ssh/id_ed25519 dist/x`)
//! cannot upload a secret. Hidden files and folders (`.env`, `.npmrc`, `.git`) are skipped
//! unless `--hidden`, or a `!` rule in `.nstbaignore` (or `.gitignore`) names them; `.git` never
//! goes. `.gitignore` and `.nstbaignore` inside the folder are honoured.

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
    /// Where its bytes really are (links resolved), inside the source folder.
    pub abs: PathBuf,
    /// Its File Cabinet path.
    pub remote: String,
    pub size: u64,
    /// Its modification time (nanoseconds since 1970), when the system gives one.
    pub modified: Option<u64>,
    /// Whether `modified` was older than the coarsest timestamp resolution when the walk saw
    /// it. A newer time is not recorded: an edit within the resolution could keep it.
    pub settled: bool,
}

/// The coarsest timestamp resolution among common file systems (FAT and exFAT: 2 s; HFS+ 1 s).
/// A file modified less than this before a deploy read it may change again without its time
/// changing, so its time is not trusted next time and it is hashed (as git's "racily clean").
pub const TIME_RESOLUTION_NANOS: u64 = 2_000_000_000;

impl LocalFile {
    /// The modification time to record in the deploy state: none when it is too recent to be
    /// trusted (docs/design.md §8).
    pub fn modified_to_record(&self) -> Option<u64> {
        self.modified.filter(|_| self.settled)
    }
}

/// Whether a time `modified` is at least [`TIME_RESOLUTION_NANOS`] before `now` (both in
/// nanoseconds since 1970).
pub fn settled(modified: Option<u64>, now: Option<u64>) -> bool {
    matches!((modified, now), (Some(m), Some(n)) if m.saturating_add(TIME_RESOLUTION_NANOS) < n)
}

fn now_nanos() -> Option<u64> {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
}

/// What a walk found: the files, what could not be read (with why), and what was skipped on
/// purpose (links leading out, FIFOs, sockets, devices; with why).
#[derive(Debug, Default)]
pub struct Walk {
    pub files: Vec<LocalFile>,
    pub problems: Vec<(String, String)>,
    pub skipped: Vec<(String, String)>,
    /// Names starting with a dot that the walk left out (without `--hidden`): files, and
    /// folders as `name/`, relative to the source folder.
    pub hidden: Vec<String>,
}

/// The dot names in the folders a walk entered that it did not deploy: what `--hidden` would
/// add (issue 19: a changed `.env` vanished from a deploy without a word). A dot folder a `!`
/// rule brought back counts only if none of its files came along. One `read_dir` per folder.
fn left_out_dot_names(
    source: &Path,
    dirs: &[std::path::PathBuf],
    files: &[LocalFile],
) -> Vec<String> {
    let walked: std::collections::HashSet<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !name.starts_with('.') || [".git", ".gitignore", IGNORE_FILE].contains(&name) {
                continue;
            }
            let Some(rel) = entry
                .path()
                .strip_prefix(source)
                .ok()
                .and_then(|r| remote_path("", r))
            else {
                continue;
            };
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                let prefix = format!("{rel}/");
                if !walked.iter().any(|w| w.starts_with(&prefix)) {
                    out.push(prefix);
                }
            } else if !walked.contains(rel.as_str()) {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

/// A one-line ignore file, `.*`, in a private temporary file: the walker reads it when it is
/// built, so the file goes away with the returned handle.
fn dot_names_rule() -> Result<tempfile::NamedTempFile> {
    use std::io::Write;
    let mut file = tempfile::NamedTempFile::new()
        .map_err(|e| Failure::error(format!("cannot write a temporary file: {e}")))?;
    file.write_all(b".*\n")
        .map_err(|e| Failure::error(format!("cannot write a temporary file: {e}")))?;
    Ok(file)
}

pub fn walk(source: &Path, target: &str, hidden: bool) -> Result<Walk> {
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
    let root = crate::fsio::canonicalize(source).map_err(|e| {
        Failure::usage(format!(
            "cannot read the source folder {}: {e}",
            source.display()
        ))
    })?;
    let mut out = Walk::default();
    let mut remotes = std::collections::HashSet::new();
    let now = now_nanos();
    let skipped = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    // The folders the walk enters, to find afterwards the dot names it left out (the ignore
    // crate drops them before any filter sees them).
    let entered = std::sync::Arc::new(std::sync::Mutex::new(vec![source.to_path_buf()]));
    let (filter_root, filter_source, filter_skipped, filter_entered) = (
        root.clone(),
        source.to_path_buf(),
        skipped.clone(),
        entered.clone(),
    );
    // Hidden means a name that starts with a dot, on every platform: Windows' hidden attribute
    // (which the ignore crate's own check also reads) hides nothing from a deploy. The rule is
    // an ignore file of the lowest precedence, as the crate's own check is, so a `!.well-known/`
    // in .nstbaignore or .gitignore still brings a dot folder back (docs/design.md §16).
    let mut builder = ignore::WalkBuilder::new(source);
    if !hidden {
        let rules = dot_names_rule()?;
        if let Some(e) = builder.add_ignore(rules.path()) {
            return Err(Failure::error(format!("cannot read the hidden-name rule: {e}")).into());
        }
    }
    let walker = builder
        .hidden(false)
        // Ignore files above the source folder are not read: a project's .gitignore that
        // names the build folder (dist/) must not hide the very files being deployed.
        .parents(false)
        .require_git(false)
        .git_global(false)
        .follow_links(true)
        .add_custom_ignore_filename(IGNORE_FILE)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            if !e.path_is_symlink() {
                if e.file_type().is_some_and(|t| t.is_dir())
                    && let Ok(mut list) = filter_entered.lock()
                {
                    list.push(e.path().to_path_buf());
                }
                return true;
            }
            // A link is followed only when what it leads to is inside the source folder.
            let why = match crate::fsio::canonicalize(e.path()) {
                Ok(real) if real.starts_with(&filter_root) => return true,
                Ok(_) => "a symlink that leads outside the source folder; not read",
                Err(_) => "a symlink that leads nowhere; not read",
            };
            let rel = e.path().strip_prefix(&filter_source).unwrap_or(e.path());
            if let Ok(mut list) = filter_skipped.lock() {
                list.push((rel.display().to_string(), why.to_string()));
            }
            false
        })
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let (path, why) = describe_walk_error(&e, source);
                let dangling = !path.is_empty()
                    && std::fs::symlink_metadata(source.join(&path))
                        .is_ok_and(|m| m.file_type().is_symlink())
                    && std::fs::metadata(source.join(&path)).is_err();
                if dangling {
                    out.skipped
                        .push((path, "a symlink that leads nowhere; not read".into()));
                } else {
                    out.problems.push((path, why));
                }
                continue;
            }
        };
        let Some(kind) = entry.file_type() else {
            continue; // the standard input, which a walk of a folder never yields
        };
        let rel_path = entry
            .path()
            .strip_prefix(source)
            .unwrap_or(entry.path())
            .to_path_buf();
        if kind.is_dir() {
            continue;
        }
        if !kind.is_file() {
            out.skipped.push((
                rel_path.display().to_string(),
                "not a regular file (a FIFO, socket or device); not read".into(),
            ));
            continue;
        }
        let name = entry.file_name();
        if name == ".gitignore" || name == IGNORE_FILE {
            continue;
        }
        // Links were checked on the way in; the real path is what is read from now on.
        let abs = match crate::fsio::canonicalize(entry.path()) {
            Ok(real) if real.starts_with(&root) => real,
            Ok(_) => {
                out.skipped.push((
                    rel_path.display().to_string(),
                    "it leads outside the source folder; not read".into(),
                ));
                continue;
            }
            Err(e) => {
                out.problems
                    .push((rel_path.display().to_string(), e.to_string()));
                continue;
            }
        };
        let Some(remote) = remote_path(target, &rel_path) else {
            out.problems.push((
                rel_path.display().to_string(),
                "its name is not valid UTF-8, which the File Cabinet cannot hold".into(),
            ));
            continue;
        };
        let rel = remote_path("", &rel_path).unwrap_or_default();
        // Two local names that are one name in NFC (possible on Linux) would be one remote file.
        if !remotes.insert(remote.clone()) {
            out.problems.push((
                rel_path.display().to_string(),
                format!(
                    "another file has the same name once Unicode-normalized ({remote}): \
                     rename one of them"
                ),
            ));
            continue;
        }
        match entry.metadata() {
            Ok(m) => {
                let modified = modified_nanos(&m);
                out.files.push(LocalFile {
                    rel,
                    abs,
                    remote,
                    size: m.len(),
                    modified,
                    settled: settled(modified, now),
                })
            }
            Err(e) => out.problems.push((rel, e.to_string())),
        }
    }
    if let Ok(mut list) = skipped.lock() {
        out.skipped.append(&mut list);
    }
    if !hidden {
        let dirs = entered.lock().map(|d| d.clone()).unwrap_or_default();
        out.hidden = left_out_dot_names(source, &dirs, &out.files);
    }
    out.skipped.sort();
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
    let mut file = crate::fsio::open_regular(path, crate::fsio::Links::Refuse)?;
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
/// A file's modification time in nanoseconds since 1970, when the system gives one (what the
/// deploy state records).
pub fn modified_nanos(meta: &std::fs::Metadata) -> Option<u64> {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| u64::try_from(d.as_nanos()).ok())
}

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
    fn a_time_within_the_resolution_of_now_is_not_settled() {
        let now = 10_000_000_000;
        assert!(settled(Some(now - TIME_RESOLUTION_NANOS - 1), Some(now)));
        assert!(!settled(Some(now - TIME_RESOLUTION_NANOS), Some(now)));
        assert!(!settled(Some(now + 5), Some(now)));
        assert!(!settled(None, Some(now)));
        assert!(!settled(Some(u64::MAX), Some(now)));
    }

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
        let w = walk(&src, "SuiteScripts/app", false).unwrap();
        let rels: Vec<&str> = w.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a.js", "js/b.js"]);
        let with_hidden = walk(&src, "SuiteScripts/app", true).unwrap();
        let rels: Vec<&str> = with_hidden.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, [".hidden", "a.js", "js/b.js"]);
        assert_eq!(w.files[1].remote, "SuiteScripts/app/js/b.js");
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
        let w = walk(dir.path(), "t", false).unwrap();
        assert_eq!(w.files.len(), 1);
        assert!(w.problems[0].1.contains("symlink loop"), "{:?}", w.problems);
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_are_followed_links_outside_and_fifos_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("dist");
        std::fs::create_dir_all(src.join("real")).unwrap();
        std::fs::write(src.join("real/a.js"), "a").unwrap();
        std::fs::write(dir.path().join("secret"), "s").unwrap();
        std::os::unix::fs::symlink("real/a.js", src.join("inside.js")).unwrap();
        std::os::unix::fs::symlink("real", src.join("inside-dir")).unwrap();
        std::os::unix::fs::symlink("../secret", src.join("outside.txt")).unwrap();
        std::os::unix::fs::symlink("..", src.join("up")).unwrap();
        std::os::unix::fs::symlink("nowhere", src.join("dangling")).unwrap();
        let fifo = std::ffi::CString::new(src.join("pipe").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        let w = walk(&src, "t", false).unwrap();
        let rels: Vec<&str> = w.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["inside-dir/a.js", "inside.js", "real/a.js"]);
        let skipped: Vec<&str> = w.skipped.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(skipped, ["dangling", "outside.txt", "pipe", "up"]);
        assert!(
            w.files
                .iter()
                .all(|f| f.abs.starts_with(src.canonicalize().unwrap()))
        );
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
