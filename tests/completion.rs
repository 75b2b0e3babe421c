//! Shell completion of saved auth IDs (issue 11): the shell asks nstba itself, through
//! clap_complete's protocol (`COMPLETE=SHELL nstba -- WORDS`), and gets the store's names.

use crate::common::*;

/// The values (not flags) nstba offers for the last of `words`, as `shell` asks.
fn complete(sb: &Sandbox, shell: &str, words: &[&str]) -> Vec<String> {
    let mut cmd = sb.nstba();
    cmd.env("COMPLETE", shell).arg("--").args(words);
    if shell == "bash" {
        cmd.env("_CLAP_IFS", "\n")
            .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
            .env("_CLAP_COMPLETE_COMP_TYPE", "9")
            .env("_CLAP_COMPLETE_SPACE", "true");
    } else if shell == "zsh" {
        cmd.env("_CLAP_IFS", "\n")
            .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string());
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut names: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split(['\t', ':']).next().unwrap_or_default().to_string())
        // Flags are offered beside values; only the values matter here.
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .collect();
    names.sort();
    names
}

#[test]
fn to_and_auth_id_arguments_complete_the_saved_names() {
    let sb = Sandbox::with_token(); // "sb"
    sb.add_token("prod-eu", "7654321", TID, TS);
    for shell in ["bash", "zsh", "fish"] {
        // --to's value is optional, so flags and the SOURCE folder are offered too.
        let after_to = complete(&sb, shell, &["nstba", "deploy", "--to", ""]);
        assert!(
            after_to.contains(&"prod-eu".to_string()) && after_to.contains(&"sb".to_string()),
            "{shell}: --to: {after_to:?}"
        );
        assert_eq!(
            complete(&sb, shell, &["nstba", "request", "GET", "/x", "--to", "pr"]),
            ["prod-eu"],
            "{shell}: --to with a prefix"
        );
        assert_eq!(
            complete(&sb, shell, &["nstba", "auth", "logout", "pr"]),
            ["prod-eu"],
            "{shell}: a prefix"
        );
        assert_eq!(
            complete(&sb, shell, &["nstba", "auth", "info", ""]),
            ["prod-eu", "sb"],
            "{shell}: AUTH_ID"
        );
    }
    // The help shown beside a name says what it is (fish shows it).
    let out = sb
        .nstba()
        .env("COMPLETE", "fish")
        .args(["--", "nstba", "auth", "switch", "p"])
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("prod-eu\tTBA 7654321"),
        "{}",
        stdout(&out)
    );
    // `nstba completions SHELL` prints the registration that asks nstba.
    let out = sb.nstba().args(["completions", "bash"]).output().unwrap();
    let script = stdout(&out);
    assert!(script.contains("COMPLETE=\"bash\""), "{script}");
    assert!(script.contains("complete -o nospace"), "{script}");
}
