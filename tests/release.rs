//! What a user sees of the build itself (issue 11): `--version` names the commit.

use crate::common::*;

#[test]
#[cfg_attr(
    windows,
    ignore = "needs git inside Windows: it compares with git rev-parse"
)]
fn version_names_the_git_commit() {
    let sb = Sandbox::new();
    let out = sb.nstba().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected_commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    assert_eq!(
        text.trim(),
        format!(
            "nstba {} (commit {expected_commit})",
            env!("CARGO_PKG_VERSION")
        )
    );
}

/// A message whose line continuation was lost carries a run of spaces mid-sentence (issue 15
/// found three). Read from the binary itself, so every message the user can see is covered.
#[test]
fn no_message_in_the_binary_has_a_run_of_spaces_mid_sentence() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_nstba")).unwrap();
    let mut found = Vec::new();
    for text in bytes.split(|b| !(0x20..0x7f).contains(b)) {
        let Ok(text) = std::str::from_utf8(text) else {
            continue;
        };
        // Between two words: a lower-case letter or punctuation, ten spaces or more, a letter.
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                let start = i;
                while i < b.len() && b[i] == b' ' {
                    i += 1;
                }
                let before = start.checked_sub(1).map(|j| b[j]);
                let after = b.get(i).copied();
                // std's own backtrace lines ("             at FILE") sit in every binary,
                // beside whatever string the linker put before them.
                let std_backtrace = b[i..].starts_with(b"at ");
                if i - start >= 10
                    && !std_backtrace
                    && before.is_some_and(|c| c.is_ascii_lowercase() || b",.:;)".contains(&c))
                    && after.is_some_and(|c| c.is_ascii_alphabetic())
                {
                    let from = start.saturating_sub(40);
                    found.push(text[from..(i + 20).min(text.len())].to_string());
                }
            } else {
                i += 1;
            }
        }
    }
    assert!(found.is_empty(), "messages with runs of spaces: {found:#?}");
}
