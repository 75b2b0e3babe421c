//! File Cabinet paths against local paths: the pure checks that keep `fetch` inside `--out`
//! and give `deploy` the remote path of each local file (SPEC 8).

use std::path::{Component, Path, PathBuf};

/// Why a remote path is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Absolute,
    Backslash,
    DotDot,
    Empty,
    Outside,
    Control,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::Absolute => "it is absolute",
            Refusal::Backslash => "it contains a backslash",
            Refusal::DotDot => "it contains '.' or '..'",
            Refusal::Empty => "it has an empty segment",
            Refusal::Outside => "it is not inside the folder asked for",
            Refusal::Control => "it contains a control character",
        })
    }
}

/// Normalises a folder as the user typed it: no leading or trailing `/`.
pub fn folder(raw: &str) -> String {
    raw.trim().trim_matches('/').to_string()
}

/// A folder the user named for deploy or fetch, normalised, or a usage error.
pub fn parse_folder(raw: &str) -> Result<String, crate::error::Failure> {
    let f = folder(raw);
    if f.is_empty() || local_relative("", &f).is_err() {
        return Err(crate::error::Failure::usage(format!(
            "'{raw}' is not a File Cabinet folder: use a path such as SuiteScripts/my-app"
        )));
    }
    Ok(f)
}

/// The local path, relative to `--out`, for `remote` listed under `folder`; or why not.
/// Only plain names survive: no absolute path, no `..` or `.`, no backslash (a separator on
/// Windows), no empty segment, no control character, nothing outside `folder`.
pub fn local_relative(folder: &str, remote: &str) -> Result<PathBuf, Refusal> {
    if remote.starts_with('/') {
        return Err(Refusal::Absolute);
    }
    if remote.contains('\\') {
        return Err(Refusal::Backslash);
    }
    if remote.chars().any(char::is_control) {
        return Err(Refusal::Control);
    }
    let segments: Vec<&str> = remote.split('/').collect();
    if segments.iter().any(|s| *s == ".." || *s == ".") {
        return Err(Refusal::DotDot);
    }
    if segments.iter().any(|s| s.is_empty()) {
        return Err(Refusal::Empty);
    }
    let rest = if folder.is_empty() {
        &segments[..]
    } else {
        let prefix: Vec<&str> = folder.split('/').collect();
        if segments.len() <= prefix.len() || segments[..prefix.len()] != prefix[..] {
            return Err(Refusal::Outside);
        }
        &segments[prefix.len()..]
    };
    let mut out = PathBuf::new();
    for seg in rest {
        // A drive letter or prefix (`C:`) would make the join absolute on Windows.
        if seg.contains(':') && cfg!(windows) {
            return Err(Refusal::Absolute);
        }
        out.push(seg);
    }
    // Belt and braces: what is left is only normal components.
    if !out.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(Refusal::DotDot);
    }
    Ok(out)
}

/// The File Cabinet path of a local file: `target/rel` with `/` separators. `None` when a
/// component is not valid UTF-8 or not a plain name.
pub fn remote_path(target: &str, rel: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(name) => parts.push(name.to_str()?),
            _ => return None,
        }
    }
    if parts.is_empty() {
        return None;
    }
    let rel = parts.join("/");
    Some(if target.is_empty() {
        rel
    } else {
        format!("{target}/{rel}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_the_folder() {
        assert_eq!(
            local_relative("SuiteScripts/app", "SuiteScripts/app/x/a b.js").unwrap(),
            PathBuf::from("x").join("a b.js")
        );
        assert_eq!(
            local_relative("", "a/b").unwrap(),
            PathBuf::from("a").join("b")
        );
    }

    #[test]
    fn hostile_paths_are_refused() {
        let f = "SuiteScripts/app";
        for (remote, why) in [
            ("/etc/passwd", Refusal::Absolute),
            ("SuiteScripts/app/../../x", Refusal::DotDot),
            ("SuiteScripts/app/./x", Refusal::DotDot),
            ("../x", Refusal::DotDot),
            ("SuiteScripts/app/a\\..\\..\\x", Refusal::Backslash),
            ("SuiteScripts/app//x", Refusal::Empty),
            ("SuiteScripts/app/", Refusal::Empty),
            ("SuiteScripts/other/x", Refusal::Outside),
            ("SuiteScripts/apple/x", Refusal::Outside),
            ("SuiteScripts/app", Refusal::Outside),
            ("SuiteScripts/app/x\n", Refusal::Control),
        ] {
            assert_eq!(local_relative(f, remote), Err(why), "{remote}");
        }
    }

    #[test]
    fn remote_paths() {
        assert_eq!(
            remote_path("SuiteScripts/app", Path::new("x/ü.js")).as_deref(),
            Some("SuiteScripts/app/x/ü.js")
        );
        assert_eq!(remote_path("", Path::new("a")).as_deref(), Some("a"));
        assert_eq!(remote_path("t", Path::new("../a")), None);
        assert_eq!(folder(" /SuiteScripts/app/ "), "SuiteScripts/app");
    }
}
