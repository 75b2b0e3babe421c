//! What makes the store's file safe to trust (docs/design.md §4): who else may read it, who
//! else may write its folder, and a lock file that cannot be a planted link.

use std::fs::{self, File, OpenOptions};
use std::path::Path;

use anyhow::Result;

use crate::error::Failure;

pub(super) fn permission_warning(path: &Path) -> Option<String> {
    crate::fsio::readable_by_others(path)
        .map(|why| format!("the token store {}: {why}", path.display()))
}

/// Refuses a store in a folder that others can write to (docs/design.md §4): they could replace the
/// file, or plant a link where nstba writes. A shared folder with the sticky bit is fine only
/// when it is the user's own.
pub(super) fn check_folder(target: &Path) -> Result<(), Failure> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let dir = crate::fsio::parent_dir(target);
        let Ok(meta) = fs::metadata(dir) else {
            return Ok(()); // a missing folder is reported when a write needs it
        };
        let others_write = meta.mode() & 0o002 != 0;
        let sticky = meta.mode() & 0o1000 != 0;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let own = meta.uid() == unsafe { libc::geteuid() };
        if others_write && !(sticky && own) {
            return Err(Failure::error(format!(
                "the token store {} is in {}, a folder other users can write to{}, so they \
                 could replace it or plant a link there: keep the store in a private folder \
                 (set NSTBA_STORE or --store), or run: chmod o-w {}",
                target.display(),
                dir.display(),
                if sticky { " (it is not yours)" } else { "" },
                dir.display()
            )));
        }
    }
    // Windows: a folder whose access list lets Everyone, Users or Authenticated Users change
    // it (a folder made under C:\\ inherits "Authenticated Users: Modify").
    #[cfg(windows)]
    {
        let dir = crate::fsio::parent_dir(target);
        if let Ok(others) = crate::fsio::windows::others(dir)
            && !others.write.is_empty()
        {
            return Err(Failure::error(format!(
                "the token store {} is in {}, a folder that {} can change by its access list, \
                 so other users could replace the store or plant a link there: keep it in your \
                 profile (set NSTBA_STORE or --store), or run: icacls \"{}\" /inheritance:r \
                 /grant:r \"%USERNAME%\":(OI)(CI)F",
                target.display(),
                dir.display(),
                others.write.join(", "),
                dir.display()
            )));
        }
    }
    #[cfg(not(any(unix, windows)))]
    let _ = target;
    Ok(())
}

/// Opens the sidecar lock file, never through a symlink (a link planted there would make nstba
/// create or truncate a file where it points).
pub(super) fn open_lock(path: &Path) -> Result<File> {
    let mut options = OpenOptions::new();
    options.create(true).write(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| {
        let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            anyhow::Error::from(Failure::error(format!(
                "the store's lock file {} is a symlink, which nstba never follows: remove it \
                 (rm {}) and run the command again",
                path.display(),
                path.display()
            )))
        } else {
            anyhow::Error::from(e).context(format!(
                "cannot create the store's lock file {}: check that its folder exists and is \
                 writable",
                path.display()
            ))
        }
    })?;
    if !file.metadata()?.is_file() {
        return Err(Failure::error(format!(
            "the store's lock file {} is not a regular file: remove it and run the command again",
            path.display()
        ))
        .into());
    }
    Ok(file)
}
