//! Credential resolution through the binary: environment, project file, the only token, and
//! the errors that say what to pass when nothing may be asked.

use crate::common::*;

fn five_vars(cmd: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    cmd.env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CONSUMER_KEY", CK)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .env("NSTBA_TOKEN_ID", TID)
        .env("NSTBA_TOKEN_SECRET", TS)
}

#[test]
fn environment_credentials_never_touch_the_store() {
    let emu = emulator();
    let sb = Sandbox::new();
    five_vars(&mut sb.nstba())
        .args(["request", "GET", "/rest/tokeninfo"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("CI", "true")
        .assert()
        .success();
    assert!(!sb.store().exists());
    assert!(!sb.path().join(".nstba.lock").exists());
}

#[test]
fn partial_environment_names_what_is_missing() {
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args(["sign", "GET", "https://x.example/"])
        .env("NSTBA_TOKEN_ID", TID)
        .env("NSTBA_TOKEN_SECRET", TS)
        .env("NSTBA_CONSUMER_KEY", CK)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("NSTBA_ACCOUNT, NSTBA_CONSUMER_SECRET are not set"),
        "{err}"
    );
}

#[test]
fn project_file_picks_the_token() {
    let sb = Sandbox::new();
    sb.add_token("prod", "1234567", TID, TS);
    sb.add_token("sb", ACCOUNT, TID, TS);
    std::fs::write(
        sb.path().join("nstba.toml"),
        "# project\naccount = \"1234567_SB1\"\nauth_id = \"sb\"\n",
    )
    .unwrap();
    let nested = sb.path().join("src/deep");
    std::fs::create_dir_all(&nested).unwrap();
    let out = sb
        .nstba()
        .current_dir(&nested)
        .args(["sign", "GET", "/rest/tokeninfo", "-v"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("OAuth realm=\"1234567_SB1\""));
    assert!(stderr(&out).contains("from auth_id in nstba.toml"));
    // A flag beats the project file's auth_id, but not its account: a token of another
    // account is refused, naming both, unless --account says that account is meant.
    let out = sb
        .nstba()
        .args(["sign", "GET", "/rest/tokeninfo", "--auth-id", "prod"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("is for account 1234567_SB1") && err.contains("is for account 1234567:"),
        "{err}"
    );
    let out = sb
        .nstba()
        .args([
            "sign",
            "GET",
            "/rest/tokeninfo",
            "--auth-id",
            "prod",
            "--account",
            "1234567",
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("OAuth realm=\"1234567\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn several_tokens_without_a_terminal_say_what_to_pass() {
    let sb = Sandbox::new();
    sb.add_token("a", "1234567", TID, TS);
    sb.add_token("b", ACCOUNT, TID, TS);
    let out = sb
        .nstba()
        .args(["sign", "GET", "/rest/tokeninfo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pass --to AUTH_ID"));
    let out = sb
        .nstba()
        .args(["sign", "GET", "/rest/tokeninfo", "--to"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("nstba does not ask here"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_token_at_all_says_how_to_make_one() {
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args(["sign", "GET", "https://x.example/"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nstba auth login"));
}
