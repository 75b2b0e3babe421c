//! File Cabinet paths against local paths: the pure checks that keep `fetch` inside `--out`
//! and give `deploy` the remote path of each local file (docs/design.md §8).

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
    /// A `.git` segment in any case, or its 8.3 form `GIT~1`: git would run what it holds.
    Git,
    /// A name Windows reserves (`CON`, `aux.txt`, `COM1`), which no portable tree can hold.
    Reserved,
    /// A name ending in a dot or a space, which Windows cannot hold.
    TrailingDotOrSpace,
    /// One of `<>:"|?*`, which Windows allows in no name (a colon would name a stream).
    WindowsCharacter(char),
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
            Refusal::Git => {
                "it is inside a .git folder, which would let the File Cabinet run commands \
                 through git's hooks or config"
            }
            Refusal::Reserved => "its name is reserved on Windows (such as CON or aux.txt)",
            Refusal::TrailingDotOrSpace => "a name in it ends with a dot or a space",
            Refusal::WindowsCharacter(c) => {
                return write!(f, "it contains '{c}', which Windows allows in no file name");
            }
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
    for seg in rest {
        check_segment(seg)?;
    }
    let mut out = PathBuf::new();
    for seg in rest {
        out.push(seg);
    }
    // Belt and braces: what is left is only normal components.
    if !out.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(Refusal::DotDot);
    }
    Ok(out)
}

/// The checks on one name that keep a fetched tree harmless and portable (docs/design.md §8).
fn check_segment(seg: &str) -> Result<(), Refusal> {
    let lower = seg.to_ascii_lowercase();
    // NTFS also reads `.git.`, `.git ` and `.git::$INDEX_ALLOCATION` as `.git`.
    let base = lower.split(':').next().unwrap_or_default();
    let base = base.trim_end_matches(['.', ' ']);
    if base == ".git" || base == "git~1" {
        return Err(Refusal::Git);
    }
    // Checked on every platform, so a tree fetched on Linux can be checked out on Windows; a
    // colon would also make a drive-relative path (`C:x`) there.
    if let Some(c) = seg.chars().find(|c| r#"<>:"|?*"#.contains(*c)) {
        return Err(Refusal::WindowsCharacter(c));
    }
    if seg.ends_with('.') || seg.ends_with(' ') {
        return Err(Refusal::TrailingDotOrSpace);
    }
    let stem = lower.split('.').next().unwrap_or_default().trim_end();
    // Microsoft's list ("Naming Files, Paths, and Namespaces"): the superscript digits count.
    let port = |prefix: &str| {
        stem.strip_prefix(prefix).is_some_and(|n| {
            let mut c = n.chars();
            matches!(
                (c.next(), c.next()),
                (Some('0'..='9' | '¹' | '²' | '³'), None)
            )
        })
    };
    let reserved = matches!(stem, "con" | "prn" | "aux" | "nul" | "conin$" | "conout$")
        || port("com")
        || port("lpt");
    if reserved {
        return Err(Refusal::Reserved);
    }
    Ok(())
}

/// The key under which two local paths are the same file on a case-insensitive or
/// normalizing file system (macOS, Windows): lower case, Unicode NFC.
pub fn collision_key(rel: &Path) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    rel.to_string_lossy()
        .nfc()
        .collect::<String>()
        .to_lowercase()
}

/// The File Cabinet path of a local file: `target/rel` with `/` separators, in Unicode NFC, so
/// a name macOS hands back decomposed (NFD) is uploaded as a Linux or Windows teammate's is
/// (docs/design.md §8). `None` when a component is not valid UTF-8 or not a plain name.
pub fn remote_path(target: &str, rel: &Path) -> Option<String> {
    use unicode_normalization::UnicodeNormalization as _;
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
    let rel: String = parts.join("/").nfc().collect();
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
    fn remote_names_are_nfc() {
        let nfd = Path::new("cafe\u{301}/re\u{301}sume\u{301}.js");
        assert_eq!(
            remote_path("SuiteScripts", nfd).unwrap(),
            "SuiteScripts/caf\u{e9}/r\u{e9}sum\u{e9}.js"
        );
    }

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
            ("SuiteScripts/app/.git/config", Refusal::Git),
            ("SuiteScripts/app/a/.GIT/hooks/post-checkout", Refusal::Git),
            ("SuiteScripts/app/GIT~1/config", Refusal::Git),
            ("SuiteScripts/app/.git./config", Refusal::Git),
            (
                "SuiteScripts/app/.git::$INDEX_ALLOCATION/config",
                Refusal::Git,
            ),
            ("SuiteScripts/app/CON", Refusal::Reserved),
            ("SuiteScripts/app/x/aux.txt", Refusal::Reserved),
            ("SuiteScripts/app/Com1.js", Refusal::Reserved),
            ("SuiteScripts/app/lpt9", Refusal::Reserved),
            ("SuiteScripts/app/nul.tar.gz", Refusal::Reserved),
            ("SuiteScripts/app/a.", Refusal::TrailingDotOrSpace),
            ("SuiteScripts/app/dir /a", Refusal::TrailingDotOrSpace),
            // Windows' reserved characters and names, on every platform (issue 17).
            ("SuiteScripts/app/a<b.js", Refusal::WindowsCharacter('<')),
            (
                "SuiteScripts/app/x/what?.js",
                Refusal::WindowsCharacter('?'),
            ),
            ("SuiteScripts/app/a|b", Refusal::WindowsCharacter('|')),
            ("SuiteScripts/app/*.js", Refusal::WindowsCharacter('*')),
            (
                "SuiteScripts/app/say\"hi\".txt",
                Refusal::WindowsCharacter('"'),
            ),
            ("SuiteScripts/app/C:x", Refusal::WindowsCharacter(':')),
            (
                "SuiteScripts/app/a.js:stream",
                Refusal::WindowsCharacter(':'),
            ),
            ("SuiteScripts/app/CONIN$", Refusal::Reserved),
            ("SuiteScripts/app/conout$.txt", Refusal::Reserved),
            ("SuiteScripts/app/COM¹", Refusal::Reserved),
            ("SuiteScripts/app/lpt³.log", Refusal::Reserved),
            ("SuiteScripts/app/com0", Refusal::Reserved),
        ] {
            assert_eq!(local_relative(f, remote), Err(why), "{remote}");
        }
    }

    #[test]
    fn ordinary_names_pass() {
        for ok in [
            ".gitignore",
            ".github",
            "git",
            "console.js",
            "auxiliary",
            "com10",
            "com¹x",
            "conin",
            "a.b",
        ] {
            assert!(local_relative("", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn collisions_fold_case_and_normalization() {
        assert_eq!(
            collision_key(Path::new("A/B.txt")),
            collision_key(Path::new("a/b.TXT"))
        );
        // é as one code point (NFC) and as e + combining acute (NFD).
        assert_eq!(
            collision_key(Path::new("caf\u{e9}.js")),
            collision_key(Path::new("cafe\u{301}.js"))
        );
        assert_ne!(collision_key(Path::new("a")), collision_key(Path::new("b")));
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
