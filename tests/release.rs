//! What a user sees of the build itself (issue 11): `--version` names the commit.

use crate::common::*;

#[test]
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
