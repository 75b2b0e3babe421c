//! What fetch may do to a local file (docs/design.md §8): write one that is missing, leave one
//! that already holds the remote bytes, replace one only when it is exactly what nstba itself
//! last wrote or deployed there (its hash is in the deploy state) or with `--overwrite`, and
//! keep anything else, since it is local work. Every write is atomic, inside `--out`, and never
//! through a link.

use std::path::Path;

use crate::filecabinet::state::Confirmed;
use crate::filecabinet::walk::sha256_bytes;
use crate::fsio::Links;

/// The most of a local file read to compare it: a remote file is at most 10 MB, so a larger
/// local one differs from it, and is not what nstba wrote either.
const MAX_COMPARED: u64 = 10 * 1024 * 1024;

/// What became of one fetched file.
#[derive(Debug, PartialEq)]
pub enum Placed {
    /// Written (missing, or replaced as allowed): what it now holds.
    Written(Confirmed),
    /// It already held the remote bytes: left as it was.
    Unchanged(Confirmed),
    /// Local work (edited, or not nstba's): kept, and the remote bytes not written.
    Kept,
}

/// Puts `bytes` at `out/rel` as fetch may: `known` is the hash the deploy state holds for it
/// (what nstba last wrote or deployed there), `overwrite` replaces anything.
pub fn place(
    out: &Path,
    rel: &Path,
    bytes: &[u8],
    known: Option<&str>,
    overwrite: bool,
) -> Result<Placed, String> {
    let target = out.join(rel);
    let remote = sha256_bytes(bytes);
    match std::fs::symlink_metadata(&target) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", target.display())),
        // A link the user made is theirs: only --overwrite replaces it (the link, never
        // what it points to).
        Ok(m) if m.file_type().is_symlink() => {
            if !overwrite {
                return Ok(Placed::Kept);
            }
        }
        Ok(m) if m.is_dir() => return Err(format!("{} is a folder", target.display())),
        Ok(_) => match crate::fsio::read_capped(&target, MAX_COMPARED, Links::Refuse) {
            Ok(local) => {
                let local = sha256_bytes(&local);
                if local == remote {
                    return Ok(Placed::Unchanged(confirmed(&target, remote, bytes.len())));
                }
                if !overwrite && known != Some(local.as_str()) {
                    return Ok(Placed::Kept);
                }
            }
            // Larger than any remote file: not what nstba wrote.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData && !overwrite => {
                return Ok(Placed::Kept);
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {}
            Err(e) => return Err(format!("cannot read {}: {e}", target.display())),
        },
    }
    write_under(out, rel, bytes)?;
    Ok(Placed::Written(confirmed(&target, remote, bytes.len())))
}

/// What the deploy state records for a file now holding `sha256`.
fn confirmed(path: &Path, sha256: String, size: usize) -> Confirmed {
    Confirmed {
        sha256,
        size: size as u64,
        modified: std::fs::symlink_metadata(path)
            .ok()
            .and_then(|m| crate::filecabinet::walk::modified_nanos(&m)),
    }
}

/// Writes `bytes` to `out/rel` atomically (a temporary file in the same folder, renamed over).
/// Folders are created as needed; a symlink or a file in the way is refused, so nothing lands
/// outside `out`.
fn write_under(out: &Path, rel: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut dir = out.to_path_buf();
    let parents: Vec<_> = rel
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    for part in parents {
        dir.push(part);
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(format!(
                    "{} is a symlink; nstba does not write through links",
                    dir.display()
                ));
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(format!("{} is a file, not a folder", dir.display())),
            Err(_) => match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
                Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
            },
        }
    }
    let target = out.join(rel);
    if std::fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
        return Err(format!("{} is a folder", target.display()));
    }
    // Files fetched are the user's, not secrets: created as any file is (0666 less the umask).
    crate::fsio::write_atomic(&target, bytes, crate::fsio::Access::Usual)
        .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_inside_and_refuses_links() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        write_under(&out, Path::new("a/b/c.txt"), b"hi").unwrap();
        assert_eq!(std::fs::read(out.join("a/b/c.txt")).unwrap(), b"hi");
        write_under(&out, Path::new("a/b/c.txt"), b"again").unwrap();
        assert_eq!(std::fs::read(out.join("a/b/c.txt")).unwrap(), b"again");
        #[cfg(unix)]
        {
            let outside = dir.path().join("outside");
            std::fs::create_dir(&outside).unwrap();
            std::os::unix::fs::symlink(&outside, out.join("link")).unwrap();
            assert!(write_under(&out, Path::new("link/x.txt"), b"no").is_err());
            assert!(!outside.join("x.txt").exists());
        }
        assert!(write_under(&out, Path::new("a/b/c.txt/d"), b"no").is_err());
    }

    /// Missing: written. The same bytes: unchanged. What nstba wrote: replaced. Anything
    /// else: kept, unless --overwrite.
    #[test]
    fn fetch_replaces_only_its_own_writes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let rel = Path::new("js/mod1.js");
        let Placed::Written(first) = place(out, rel, b"v1", None, false).unwrap() else {
            panic!("a missing file is written");
        };
        assert_eq!(first.sha256, sha256_bytes(b"v1"));
        assert!(matches!(
            place(out, rel, b"v1", None, false),
            Ok(Placed::Unchanged(_))
        ));
        // The remote changed, the local file is what nstba wrote: replaced.
        let Ok(Placed::Written(second)) = place(out, rel, b"v2", Some(&first.sha256), false) else {
            panic!("nstba's own write is replaced");
        };
        // Edited locally since: kept, whatever the remote holds.
        std::fs::write(out.join(rel), b"my edit").unwrap();
        assert_eq!(
            place(out, rel, b"v3", Some(&second.sha256), false),
            Ok(Placed::Kept)
        );
        assert_eq!(place(out, rel, b"v3", None, false), Ok(Placed::Kept));
        assert_eq!(std::fs::read(out.join(rel)).unwrap(), b"my edit");
        assert!(matches!(
            place(out, rel, b"v3", None, true),
            Ok(Placed::Written(_))
        ));
        assert_eq!(std::fs::read(out.join(rel)).unwrap(), b"v3");
    }
}
