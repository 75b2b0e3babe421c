//! File I/O that every part of nstba shares (docs/design.md §4, §8): reading a file that
//! someone else may have swapped for a FIFO, a device or a link, with a bound on its size; and
//! writing a file atomically, so a crash leaves the old file or the new one, never a mix.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

#[cfg(windows)]
pub mod windows;

/// Whether a read may follow a symlink in the last component of its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    /// The user's own files (the store may be a link into a dotfiles repository).
    Follow,
    /// Files a walk already resolved: a link swapped in meanwhile is refused.
    Refuse,
}

/// Opens a regular file for reading: never blocking on a FIFO (opened non-blocking), and a
/// folder, FIFO, socket or device is `InvalidData` saying what it is.
pub fn open_regular(path: &Path, links: Links) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        let nofollow = if links == Links::Refuse {
            libc::O_NOFOLLOW
        } else {
            0
        };
        options.custom_flags(libc::O_NONBLOCK | nofollow);
    }
    // Windows opens no FIFO by a file path, but refuses to open a folder as a file ("access
    // denied"), and has links of its own: both are told apart before the open.
    #[cfg(windows)]
    {
        let meta = std::fs::symlink_metadata(path)?;
        if links == Links::Refuse && meta.file_type().is_symlink() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "it is a link, which nstba does not follow here",
            ));
        }
        if std::fs::metadata(path)?.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "it is a folder",
            ));
        }
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "it is a folder"
        } else {
            "it is not a regular file (a FIFO, socket or device)"
        };
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, what));
    }
    Ok(file)
}

/// A regular file's bytes (as [`open_regular`] opens it), at most `cap` of them: a larger
/// file, or one that grows past the cap while it is read, is `InvalidData`.
pub fn read_capped(path: &Path, cap: u64, links: Links) -> std::io::Result<Vec<u8>> {
    let file = open_regular(path, links)?;
    let len = file.metadata().map_or(0, |m| m.len());
    let too_large = |len: u64| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is {}, over the {} nstba reads there",
                crate::ui::human_bytes(len),
                crate::ui::human_bytes(cap)
            ),
        )
    };
    if len > cap {
        return Err(too_large(len));
    }
    // Sized once from the file's length; a file that grows meanwhile still stops at the cap.
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The folder a file is in (`.` for a bare name).
pub fn parent_dir(target: &Path) -> &Path {
    match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The name prefix of `target`'s temporary files: `.<name>.`, so that those of one target can
/// be told apart (and removed when a killed writer left them).
pub fn temp_prefix(target: &Path) -> String {
    format!(
        ".{}.",
        target.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Creates `dir` and its missing parents as the user's alone (0700 on Unix, whatever the
/// umask: under umask 000 they were 0777, and another user could replace what nstba wrote in
/// them). Folders that exist are left as they are. Windows: each folder it creates gets an
/// access list for the user alone.
pub fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    #[cfg(windows)]
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    builder.create(dir)?;
    #[cfg(windows)]
    for created in missing.iter().rev() {
        windows::make_private(created, true)?;
    }
    Ok(())
}

/// The home folder as Node's `os.homedir()` finds it, so that nstba and the gulp tools open the
/// same `~/.nstba` (docs/design.md §4): `USERPROFILE` on Windows, then the profile folder;
/// `HOME` elsewhere, then the user's entry in the password database.
pub fn home_dir() -> Option<PathBuf> {
    #[cfg(windows)]
    if let Some(profile) = std::env::var_os("USERPROFILE").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(profile));
    }
    dirs::home_dir()
}

/// A path made absolute with links resolved, without Windows' `\\?\` prefix where the path
/// can do without it (so what nstba prints and saves reads as the user typed it).
pub fn canonicalize(path: &Path) -> std::io::Result<PathBuf> {
    dunce::canonicalize(path)
}

/// Writes a new file that only the user may read (0600), exclusively: a file, or a link
/// (dangling or not), already at `path` is `AlreadyExists`, never followed or replaced.
pub fn create_new_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    // Before anything is written into it.
    #[cfg(windows)]
    windows::make_private(path, false)?;
    file.write_all(contents)?;
    file.sync_all()
}

/// Who may read a file [`write_atomic`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Secrets and settings: 0600 on Unix (tempfile's mode).
    Private,
    /// The user's own work (a fetched file): 0666 less the umask, as any new file.
    Usual,
}

/// Writes `contents` to `target` atomically: a temporary file in the same folder, fsync,
/// rename over, fsync the folder. A crash leaves the old file or the new one.
pub fn write_atomic(target: &Path, contents: &[u8], access: Access) -> std::io::Result<()> {
    let dir = parent_dir(target);
    let prefix = temp_prefix(target);
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    if access == Access::Usual {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    // Windows: a private file gets the user's own access list before anything is written;
    // the user's work takes its folder's.
    #[cfg(windows)]
    if access == Access::Private {
        windows::make_private(tmp.path(), false)?;
    }
    #[cfg(not(unix))]
    let _ = access;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    persist(tmp, target)?;
    // A folder cannot be opened for fsync on Windows; its rename is durable once it returns.
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    Ok(())
}

/// Renames the temporary file over `target`. Windows will not replace a file another program
/// holds open (an editor, the gulp tools, another nstba reading it): that is retried for about
/// three seconds, then named (docs/design.md §4). The old file is whole either way.
fn persist(tmp: tempfile::NamedTempFile, target: &Path) -> std::io::Result<()> {
    #[cfg(windows)]
    {
        let mut tmp = tmp;
        let mut wait = std::time::Duration::from_millis(5);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        loop {
            match tmp.persist(target) {
                Ok(_) => return Ok(()),
                Err(e) if windows::is_held_open(&e.error) => {
                    if std::time::Instant::now() >= deadline {
                        return Err(std::io::Error::new(
                            e.error.kind(),
                            format!(
                                "another program holds it open (an editor, the gulp tools or \
                                 another nstba), and Windows replaces no file that is open: \
                                 close it and run the command again ({})",
                                e.error
                            ),
                        ));
                    }
                    tmp = e.file;
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(std::time::Duration::from_millis(200));
                }
                Err(e) => return Err(e.error),
            }
        }
    }
    #[cfg(not(windows))]
    tmp.persist(target).map(drop).map_err(|e| e.error)
}

/// Why a file that configures nstba (`nstba.toml`, `config.toml`, `projects.toml`) may not be
/// trusted (docs/design.md §7): owned by another user, or writable by others (or
/// by a group other than the user's own, as umask 002 systems make files).
pub fn untrusted(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path).ok()?;
        // SAFETY: geteuid and getegid have no preconditions and cannot fail.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        if meta.uid() != uid {
            return Some(format!("it belongs to another user (uid {})", meta.uid()));
        }
        let mode = meta.mode();
        if mode & 0o002 != 0 || (mode & 0o020 != 0 && meta.gid() != gid) {
            return Some(format!(
                "other users can change it (mode {:o})",
                mode & 0o777
            ));
        }
    }
    #[cfg(windows)]
    if let Ok(others) = windows::others(path) {
        if others.foreign_owner {
            return Some("it belongs to another user".into());
        }
        if !others.write.is_empty() {
            return Some(format!(
                "other users can change it ({} may, by its access list)",
                others.write.join(", ")
            ));
        }
    }
    #[cfg(not(any(unix, windows)))]
    let _ = path;
    None
}

/// Why a file of secrets (the store, a private key) is not the user's alone: readable by
/// others (mode bits on Unix, the access list on Windows), with the command that fixes it.
pub fn readable_by_others(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            return Some(format!(
                "other users can read it (mode {:o}); run: chmod 600 {}",
                mode & 0o777,
                path.display()
            ));
        }
    }
    #[cfg(windows)]
    {
        let others = windows::others(path).ok()?;
        let mut who: Vec<&str> = others.read.iter().chain(&others.write).copied().collect();
        who.sort_unstable();
        who.dedup();
        if !who.is_empty() {
            return Some(format!(
                "other users can read it ({} may, by its access list); run: icacls \"{}\" \
                 /inheritance:r /grant:r \"%USERNAME%\":F",
                who.join(", "),
                path.display()
            ));
        }
    }
    #[cfg(not(any(unix, windows)))]
    let _ = path;
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_capped(&path, 5, Links::Refuse).unwrap(), b"12345");
        let err = read_capped(&path, 4, Links::Refuse).unwrap_err();
        assert!(err.to_string().contains("over the 4 B"), "{err}");
        let err = read_capped(dir.path(), 4, Links::Follow).unwrap_err();
        assert!(err.to_string().contains("folder"), "{err}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert!(read_capped(&link, 5, Links::Refuse).is_err());
            assert_eq!(read_capped(&link, 5, Links::Follow).unwrap(), b"12345");
        }
    }

    #[test]
    fn writes_replace_whole_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"one", Access::Private).unwrap();
        write_atomic(&path, b"two", Access::Usual).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file stays");
    }
}
