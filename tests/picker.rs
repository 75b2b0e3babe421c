//! The `--to` picker, driven on a pseudo-terminal as a person would: arrow keys and Enter.

use crate::common::*;

/// `nstba ARGS` on a pseudo-terminal, with prompting allowed (no NSTBA_NO_INPUT, no CI).
fn on_pty(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) -> rexpect::session::PtySession {
    let mut cmd = sb.nstba_std();
    cmd.env_remove("NSTBA_NO_INPUT")
        .env("TERM", "xterm")
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    rexpect::session::spawn_command(cmd, Some(30_000)).unwrap()
}

const DOWN: &str = "\x1b[B";

#[test]
fn picker_lists_tokens_and_remembers_the_choice() {
    let sb = Sandbox::new();
    sb.add_token("prod", "1234567", TID, TS);
    sb.add_token("sb", ACCOUNT, TID, TS);
    std::fs::write(
        sb.path().join("nstba.toml"),
        "# team settings\naccount = \"1234567_SB1\"\n",
    )
    .unwrap();
    let mut p = on_pty(&sb, &["sign", "GET", "/rest/tokeninfo", "--to"], &[]);
    p.exp_string("Which token?").unwrap();
    p.exp_string("prod - Account 1234567").unwrap();
    p.exp_string("sb - Account 1234567_SB1").unwrap();
    p.exp_string("New token").unwrap();
    p.send(DOWN).unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("OAuth realm=\"1234567_SB1\"").unwrap();
    let rest = p.exp_eof().unwrap();
    assert_no_secrets("picker session", &rest);
    let toml = std::fs::read_to_string(sb.path().join("nstba.toml")).unwrap();
    assert!(toml.contains("auth_id = \"sb\""), "{toml}");
    assert!(toml.contains("# team settings"));
}

#[test]
fn picker_new_token_runs_the_flow_and_goes_on() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    sb.add_token("prod", ACCOUNT, TID, TS);
    let browser = standin_browser();
    let url = emu.url();
    let mut p = on_pty(
        &sb,
        &["request", "GET", "/rest/tokeninfo", "--to"],
        &[
            ("NSTBA_NETSUITE_URL", &url),
            ("NSTBA_BROWSER", &browser),
            ("NSTBA_CALLBACK_URL", "http://localhost:0/tba"),
            ("NSTBA_ACCOUNT", ACCOUNT),
        ],
    );
    p.exp_string("New token").unwrap();
    p.send(DOWN).unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("Name for the new token").unwrap();
    p.send_line("fresh").unwrap();
    // The consumer pair comes from the saved token of the same account.
    p.exp_string("Saved token 'fresh'").unwrap();
    p.exp_string("\"companyId\":\"1234567_SB1\"").unwrap();
    p.exp_eof().unwrap();
    assert!(sb.store_json()["fresh"]["token"].is_string());
}
