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
    // A pick for sign is for that run only (only a deploy or fetch that succeeded remembers,
    // docs/design.md §5), and nstba.toml, the team's file, is never written.
    assert_eq!(sb.project_choice(sb.path()), None);
    let toml = std::fs::read_to_string(sb.path().join("nstba.toml")).unwrap();
    assert_eq!(toml, "# team settings\naccount = \"1234567_SB1\"\n");
}

#[test]
fn ctrl_c_and_esc_in_the_picker_restore_the_cursor() {
    let sb = Sandbox::new();
    sb.add_token("a", ACCOUNT, TID, TS);
    sb.add_token("b", ACCOUNT, TID, TS);
    for (key, code) in [("\x03", 130), ("\x1b", 2)] {
        let mut p = on_pty(&sb, &["sign", "GET", "/rest/tokeninfo", "--to"], &[]);
        p.exp_string("New token").unwrap();
        p.send(key).unwrap();
        p.flush().unwrap();
        let rest = p.exp_eof().unwrap();
        let shown = rest.rfind("\x1b[?25h");
        let hidden = rest.rfind("\x1b[?25l");
        assert!(
            shown.is_some() && shown > hidden,
            "cursor left hidden: {rest:?}"
        );
        let status = p.process().wait().unwrap();
        assert!(
            matches!(status, rexpect::process::WaitStatus::Exited(_, c) if c == code),
            "{status:?}"
        );
    }
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

#[test]
fn to_new_on_a_terminal_creates_the_token_then_uses_it() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    std::fs::write(
        sb.path().join("nstba.toml"),
        "# my project\naccount = \"1234567_SB1\" # sandbox\n",
    )
    .unwrap();
    let browser = standin_browser();
    let url = emu.url();
    let mut p = on_pty(
        &sb,
        &["request", "GET", "/rest/tokeninfo", "--to", "fresh"],
        &[
            ("NSTBA_NETSUITE_URL", &url),
            ("NSTBA_BROWSER", &browser),
            ("NSTBA_CALLBACK_URL", "http://localhost:0/tba"),
            ("NSTBA_CONSUMER_KEY", CK),
            ("NSTBA_CONSUMER_SECRET", CS),
        ],
    );
    p.exp_string("No token is saved as 'fresh'. Log in now")
        .unwrap();
    p.send("y").unwrap();
    p.flush().unwrap();
    p.exp_string("creating it with the authorization flow")
        .unwrap();
    p.exp_string("\"companyId\":\"1234567_SB1\"").unwrap();
    p.exp_eof().unwrap();
    assert!(sb.store_json()["fresh"]["token"].is_string());
    // Not remembered (a request is one run); nstba.toml is left as it was.
    assert_eq!(sb.project_choice(sb.path()), None);
    let toml = std::fs::read_to_string(sb.path().join("nstba.toml")).unwrap();
    assert_eq!(toml, "# my project\naccount = \"1234567_SB1\" # sandbox\n");
    // The next run uses it without --to and without another login.
    let hits = emu.hits();
    sb.nstba()
        .args(["request", "GET", "/rest/tokeninfo"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .assert()
        .success();
    assert_eq!(emu.hits(), hits + 1);
}

/// The deploy's progress on a terminal: files, bytes, rate and time left; colour unless
/// NO_COLOR is set.
#[test]
fn deploy_progress_shows_files_bytes_rate_and_time_left_and_honours_no_color() {
    let emu = emulator_with(|c| {
        c.call_overhead_ms = 150;
        c.governance = Some(4);
    });
    for no_color in [false, true] {
        let sb = Sandbox::with_token();
        let dist = sb.path().join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        for i in 0..40 {
            std::fs::write(dist.join(format!("f{i}.js")), "x".repeat(2000)).unwrap();
        }
        let url = emu.url();
        let mut env = vec![("NSTBA_NETSUITE_URL", url.as_str())];
        if no_color {
            env.push(("NO_COLOR", "1"));
        }
        let mut p = on_pty(
            &sb,
            &[
                "deploy",
                "dist",
                "--target",
                "SuiteScripts/p",
                "--jobs",
                "2",
            ],
            &env,
        );
        let seen = p.exp_string("Deployed to").unwrap();
        assert!(seen.contains("/40 files, "), "{seen:?}");
        assert!(seen.contains(" left"), "{seen:?}");
        assert!(seen.contains("/s"), "a rate: {seen:?}");
        assert_eq!(
            seen.contains("\x1b[36m"),
            !no_color,
            "colour only without NO_COLOR: {seen:?}"
        );
    }
}

#[test]
fn a_typo_in_to_suggests_the_saved_name_and_asks_first() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    sb.add_token("play", ACCOUNT, TID, TS);
    let url = emu.url();
    let mut p = on_pty(
        &sb,
        &["request", "GET", "/rest/tokeninfo", "--to", "plya"],
        &[("NSTBA_NETSUITE_URL", &url)],
    );
    p.exp_string("did you mean 'play'?").unwrap();
    // The default is no when a close name exists: Enter does nothing.
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("nothing was done: pass --to play").unwrap();
    p.exp_eof().unwrap();
    assert!(matches!(
        p.process().wait().unwrap(),
        rexpect::process::WaitStatus::Exited(_, 2)
    ));
    emu.assert_no_calls();
    assert!(sb.store_json().get("plya").is_none());

    // --yes skips the question.
    let browser = standin_browser();
    let mut p = on_pty(
        &sb,
        &["request", "GET", "/rest/tokeninfo", "--to", "plya", "--yes"],
        &[
            ("NSTBA_NETSUITE_URL", &url),
            ("NSTBA_BROWSER", &browser),
            ("NSTBA_CALLBACK_URL", "http://localhost:0/tba"),
            ("NSTBA_ACCOUNT", ACCOUNT),
        ],
    );
    p.exp_string("creating it with the authorization flow")
        .unwrap();
    p.exp_string("\"companyId\":\"1234567_SB1\"").unwrap();
    p.exp_eof().unwrap();
    assert!(sb.store_json()["plya"]["token"].is_string());
}

#[test]
fn the_picker_filters_as_you_type_shows_kinds_and_starts_on_the_current_token() {
    let sb = Sandbox::new();
    sb.add_token("prod", ACCOUNT, TID, TS);
    sb.add_token("sb", ACCOUNT, TID, TS);
    sb.add_token("staging", ACCOUNT, TID, TS);
    assert!(
        sb.nstba()
            .args(["auth", "switch", "sb"])
            .output()
            .unwrap()
            .status
            .success()
    );
    // Enter at once: the token a bare command would use (the default).
    let mut p = on_pty(&sb, &["sign", "GET", "/rest/tokeninfo", "--to", "-v"], &[]);
    p.exp_string("sb - Account 1234567_SB1 (TBA)").unwrap();
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("the TBA token 'sb'").unwrap();
    p.exp_eof().unwrap();
    // Typing filters the list.
    let mut p = on_pty(&sb, &["sign", "GET", "/rest/tokeninfo", "--to", "-v"], &[]);
    p.exp_string("New token").unwrap();
    p.send("stag").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("the TBA token 'staging'").unwrap();
    p.exp_eof().unwrap();
}
