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

/// A store anything may have written: keys that are shell code, a glob, terminal escapes.
fn hostile_store(sb: &Sandbox) {
    let entry = |account: &str| {
        serde_json::json!({"token": TID, "secret": TS, "account": account,
            "consumerKey": CK, "consumerSecret": CS})
    };
    let store = serde_json::json!({
        "x;touch $HOME/PWNED;": entry("1234567"),
        "*": entry("1234567"),
        "esc\u{1b}]0;pwned\u{7}": entry("1234567"),
        "xgood": entry("1234567\u{1b}[2J\u{7}"),
    });
    std::fs::write(sb.store(), store.to_string()).unwrap();
}

#[test]
fn completion_offers_only_valid_auth_ids_and_escapes_their_help() {
    let sb = Sandbox::new();
    hostile_store(&sb);
    for shell in ["bash", "zsh", "fish"] {
        assert_eq!(
            complete(&sb, shell, &["nstba", "auth", "remove", ""]),
            ["xgood"],
            "{shell}"
        );
    }
    let out = sb
        .nstba()
        .env("COMPLETE", "fish")
        .args(["--", "nstba", "auth", "remove", "x"])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "raw escapes: {text:?}"
    );
    assert!(text.contains("xgood\tTBA 1234567"), "{text:?}");
}

#[test]
fn completion_reads_the_store_the_command_would_use() {
    let sb = Sandbox::with_token(); // "sb", in NSTBA_STORE
    let other = sb.path().join("other.json");
    let entry = serde_json::json!({"elsewhere": {"token": TID, "secret": TS,
        "account": "1234567"}});
    std::fs::write(&other, entry.to_string()).unwrap();
    let other = other.to_str().unwrap();
    assert_eq!(
        complete(
            &sb,
            "bash",
            &["nstba", "--store", other, "auth", "info", ""]
        ),
        ["elsewhere"]
    );
    assert_eq!(
        complete(
            &sb,
            "bash",
            &["nstba", "auth", "info", &format!("--store={other}"), ""]
        ),
        ["elsewhere"]
    );
    assert_eq!(
        complete(&sb, "bash", &["nstba", "auth", "info", ""]),
        ["sb"]
    );
}

/// In a real bash on a pty, with nstba's registration sourced: TAB after `x` and Enter must
/// not run a command hidden in a store key.
#[cfg(unix)]
#[test]
fn a_hostile_key_completed_in_bash_runs_nothing() {
    let sb = Sandbox::new();
    hostile_store(&sb);
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_nstba"))
        .parent()
        .unwrap()
        .to_path_buf();
    let mut cmd = std::process::Command::new("bash");
    cmd.args(["--norc", "--noprofile", "-i"])
        .env_clear()
        .env("HOME", sb.path())
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("NSTBA_STORE", sb.store())
        .env("NSTBA_CONFIG_DIR", sb.config_dir())
        .env("NSTBA_NO_INPUT", "1")
        .env("TERM", "dumb")
        .env("PS1", "READY$ ")
        .current_dir(sb.path());
    let mut bash = rexpect::session::spawn_command(cmd, Some(20_000)).unwrap();
    bash.exp_string("READY$ ").unwrap();
    bash.send_line("source <(nstba completions bash); echo sourced")
        .unwrap();
    bash.exp_string("sourced").unwrap();
    bash.exp_string("READY$ ").unwrap();
    // TAB completes the one candidate for "x"; Enter runs the line.
    bash.send("nstba auth remove x\t").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    bash.send_line("").unwrap();
    bash.exp_string("READY$ ").unwrap();
    bash.send_line("echo done-$?").unwrap();
    bash.exp_string("done-").unwrap();
    bash.send_line("exit").unwrap();
    assert!(
        !sb.path().join("PWNED").exists(),
        "completing a store key ran the command in it"
    );
    // The valid name completed: it was removed.
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sb.store()).unwrap()).unwrap();
    assert!(store.get("xgood").is_none(), "{store}");
}

#[test]
fn verify_migrate_and_flag_values_complete() {
    let sb = Sandbox::with_token(); // "sb", TBA
    let mut store = sb.store_json();
    store["o2"] = serde_json::json!({"type": "oauth2", "account": ACCOUNT, "clientId": "c",
        "scope": "restlets", "accessToken": "a", "accessTokenExpiresAt": "2026-01-01T00:00:00Z",
        "refreshToken": "r"});
    std::fs::write(sb.store(), store.to_string()).unwrap();
    assert_eq!(
        complete(&sb, "bash", &["nstba", "auth", "verify", ""]),
        ["o2", "sb"]
    );
    // migrate moves a TBA token: only those are offered.
    assert_eq!(
        complete(&sb, "bash", &["nstba", "auth", "migrate", ""]),
        ["sb"]
    );
    assert_eq!(
        complete(
            &sb,
            "bash",
            &["nstba", "auth", "keygen", "--algorithm", "ES"]
        ),
        ["ES256", "ES384", "ES512"]
    );
    assert!(
        complete(&sb, "bash", &["nstba", "deploy", "--jobs", ""]).contains(&"auto".to_string())
    );
    assert_eq!(
        complete(&sb, "bash", &["nstba", "suiteql", "q", "--format", ""]),
        ["csv", "json", "ndjson"]
    );
    assert_eq!(
        complete(
            &sb,
            "bash",
            &["nstba", "auth", "login", "x", "--scope", "rest"]
        ),
        ["rest_webservices", "restlets"]
    );
}
