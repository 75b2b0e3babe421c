//! `auth login` end to end over real HTTP: the emulator's consent page, nstba's loopback
//! listener, and a browser stand-in or the test itself playing the browser.

use crate::common::*;

fn login_env(emu: &nstba_emulator::Handle) -> Vec<(&'static str, String)> {
    let mut env = flow_env(emu);
    env.push(("NSTBA_BROWSER", standin_browser()));
    env
}

#[test]
fn whole_flow_with_a_browser_that_clicks_allow() {
    let emu = emulator(); // the consent page asks: the stand-in clicks Allow
    let sb = Sandbox::new();
    let page = sb.path().join("page.html");
    let mut env = login_env(&emu);
    env.push(("STANDIN_OUT", page.display().to_string()));
    env.push(("STANDIN_ROLE", "1000".to_string()));
    let out = sb
        .nstba()
        .args(["auth", "login", "sandbox", "--account", "1234567-sb1", "-v"])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("authorizetoken.nl?oauth_token="), "{err}");
    assert!(
        err.contains("Saved token 'sandbox' for account 1234567_SB1 (role 1000)"),
        "{err}"
    );
    assert!(err.contains("token saved "), "{err}");
    assert_no_secrets("login stderr", &err);
    assert!(stdout(&out).is_empty());

    let entry = &sb.store_json()["sandbox"];
    assert_eq!(entry["account"], ACCOUNT);
    assert_eq!(entry["role"], "1000");
    assert_eq!(entry["entity"], "38");
    assert_eq!(entry["consumerKey"], CK);
    assert_eq!(entry["consumerSecret"], CS);
    assert!(entry["createdAt"].as_str().unwrap().ends_with('Z'));
    let token = entry["token"].as_str().unwrap();
    assert!(emu.token_active(token));
    // The browser was told the truth.
    let html = written_file(&page);
    assert!(html.contains("Signed in"), "{html}");

    // The new token signs requests and verifies.
    let out = sb.run(&emu, &["auth", "verify", "sandbox"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("role:         1000 (NSTBA Developer)"));
}

#[test]
fn listener_ignores_strays_refuses_forgeries_then_completes() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    let env = flow_env(&emu);
    let mut run = sb.spawn(
        &["auth", "login", "sb", "--account", ACCOUNT, "--no-browser"],
        &env_refs(&env),
    );
    let authorize = run.authorize_url();
    let callback = run.callback_url();
    let origin = callback.trim_end_matches("/tba").to_string();
    let http = http();

    // Chromium-style speculative connections that send nothing do not block the listener.
    let idle: Vec<_> = (0..3)
        .map(|_| std::net::TcpStream::connect(callback_addr(&callback)).unwrap())
        .collect();
    let r = http.get(format!("{origin}/favicon.ico")).send().unwrap();
    assert_eq!(r.status(), 404);

    // The emulator allows at once and redirects to the callback; read it without following.
    let r = http.get(&authorize).send().unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with(&callback), "{location} vs {callback}");

    let forged = location.replacen("oauth_token=", "oauth_token=f0rged", 1);
    let r = http.get(&forged).send().unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("oauth_token"));
    let wrong_state = location.replacen("state=", "state=x", 1);
    let r = http.get(&wrong_state).send().unwrap();
    assert_eq!(r.status(), 400);
    assert!(!sb.store().exists(), "nothing saved yet");

    let r = http.get(&location).send().unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["connection"], "close");
    assert!(r.text().unwrap().contains("saved the token as 'sb'"));
    drop(idle);
    let (code, err) = run.finish();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("refused a callback: the oauth_token"), "{err}");
    assert!(err.contains("refused a callback: the state"), "{err}");
    assert_eq!(sb.store_json()["sb"]["account"], ACCOUNT);
}

fn callback_addr(callback: &str) -> std::net::SocketAddr {
    let port: u16 = callback
        .trim_start_matches("http://localhost:")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    std::net::SocketAddr::from(([127, 0, 0, 1], port))
}

#[test]
fn pasted_redirect_url_completes_the_login() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    let env = flow_env(&emu);
    // No --account: steps 1 and 2 go to the system domain, the account comes back.
    let mut run = sb.spawn(&["auth", "login", "--no-browser"], &env_refs(&env));
    let authorize = run.authorize_url();
    let r = http().get(&authorize).send().unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_string();
    use std::io::Write as _;
    let mut stdin = run.child.stdin.take().unwrap();
    writeln!(stdin, "not a url").unwrap();
    writeln!(stdin, "{}", location.replacen("state=", "state=zz", 1)).unwrap();
    writeln!(stdin, "  {location}  ").unwrap();
    drop(stdin);
    let (code, err) = run.finish();
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("refused the pasted URL"), "{err}");
    // Without a name the token is saved under the account's host label.
    assert_eq!(sb.store_json()["1234567-sb1"]["account"], ACCOUNT);
}

#[test]
fn deny_exits_3_and_saves_nothing() {
    let emu = emulator();
    let sb = Sandbox::new();
    let page = sb.path().join("page.html");
    let mut env = login_env(&emu);
    env.push(("STANDIN_DECISION", "deny".into()));
    env.push(("STANDIN_OUT", page.display().to_string()));
    let out = sb
        .nstba()
        .args(["auth", "login", "x", "--account", ACCOUNT])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("denied"));
    assert!(!sb.store().exists());
    assert!(written_file(&page).contains("Access denied"));
    assert_eq!(emu.token_count(), 1, "only the token issued in advance");
}

#[test]
fn timeout_exits_5_and_stdin_eof_does_not_end_the_wait() {
    let emu = emulator();
    let sb = Sandbox::new();
    let started = std::time::Instant::now();
    let out = sb
        .nstba()
        .args([
            "auth",
            "login",
            "x",
            "--account",
            ACCOUNT,
            "--no-browser",
            "--timeout",
            "2",
        ])
        .envs(flow_env(&emu).iter().map(|(k, v)| (k, v)))
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("no authorization arrived within 2 s"));
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    assert!(!sb.store().exists());
}

#[test]
fn port_in_use_suggests_callback_url() {
    let emu = emulator();
    let sb = Sandbox::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let out = sb
        .nstba()
        .args(["auth", "login", "x", "--account", ACCOUNT, "--no-browser"])
        .envs(flow_env(&emu).iter().map(|(k, v)| (k, v)))
        .args(["--callback-url", &format!("http://127.0.0.1:{port}/tba")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("port {port} is already in use")),
        "{err}"
    );
    assert!(err.contains("--callback-url"), "{err}");
    emu.assert_no_calls();
}

#[test]
fn flow_errors_name_the_fix() {
    let emu = emulator_with(|c| c.callback = "http://localhost:7777/tba".into());
    let sb = Sandbox::new();
    // The record's callback is fixed to port 7777; any other callback is refused.
    let out = sb
        .nstba()
        .args(["auth", "login", "x", "--account", ACCOUNT, "--no-browser"])
        .envs(flow_env(&emu).iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("InvalidCallback"), "{err}");
    assert!(err.contains("Callback URL"), "{err}");

    // A consumer key the account does not know.
    let out = sb
        .nstba()
        .args(["auth", "login", "x", "--account", ACCOUNT, "--no-browser"])
        .envs(flow_env(&emu).iter().map(|(k, v)| (k, v)))
        .env("NSTBA_CONSUMER_KEY", "not-a-record")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("UnknownIntegration"), "{err}");
    assert!(err.contains("Manage Integrations"), "{err}");
    assert!(!sb.store().exists());

    // Without a consumer pair and no terminal, it says what to set.
    let out = sb.run(
        &emu,
        &["auth", "login", "x", "--account", ACCOUNT, "--no-browser"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("NSTBA_CONSUMER_SECRET"));
}

#[test]
fn existing_name_needs_force() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::with_token();
    let env = login_env(&emu);
    sb.nstba()
        .args(["auth", "login", "sb", "--account", ACCOUNT])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .assert()
        .code(2);
    assert_eq!(emu.hits(), 0);
    // The consumer pair comes from the saved token of the same account.
    sb.nstba()
        .args(["auth", "login", "sb", "--account", ACCOUNT, "--force"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_CALLBACK_URL", "http://localhost:0/tba")
        .env("NSTBA_BROWSER", standin_browser())
        .assert()
        .success();
    let token = sb.store_json()["sb"]["token"].as_str().unwrap().to_string();
    assert_ne!(token, TID);
    assert!(emu.token_active(&token));
}

#[test]
fn to_new_in_ci_fails_at_once_naming_the_saved_tokens() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let started = std::time::Instant::now();
    let out = sb
        .nstba()
        .args(["request", "GET", "/rest/tokeninfo", "--to", "ci-typo"])
        .envs(login_env(&emu).iter().map(|(k, v)| (k, v)))
        .env_remove("NSTBA_NO_INPUT")
        .env("CI", "true")
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("saved: sb"), "{err}");
    assert!(err.contains("nstba auth login ci-typo"), "{err}");
    assert!(
        !err.contains("authorizetoken"),
        "no browser flow was started: {err}"
    );
    emu.assert_no_calls();
}

#[test]
fn revoke_then_the_token_is_rejected() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    sb.add_token("copy", ACCOUNT, TID, TS);
    let out = sb.run(&emu, &["auth", "revoke", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!emu.token_active(TID));
    assert!(sb.store_json().get("sb").is_none());
    // The same token under another name is now refused: exit 3, and revoke keeps the entry.
    let out = sb.run(&emu, &["auth", "verify", "copy"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let out = sb.run(&emu, &["auth", "revoke", "copy"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("nstba auth logout copy --local-only"));
    assert!(sb.store_json().get("copy").is_some());
}

#[test]
fn revoke_without_network_keeps_the_entry() {
    let sb = Sandbox::with_token();
    let out = sb
        .nstba()
        .args(["auth", "revoke", "sb"])
        .env("NSTBA_NETSUITE_URL", dead_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(sb.store_json().get("sb").is_some());
}

#[test]
fn role_is_asked_for_and_kept() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    sb.nstba()
        .args([
            "auth",
            "login",
            "ro",
            "--account",
            ACCOUNT,
            "--role",
            "1001",
        ])
        .envs(login_env(&emu).iter().map(|(k, v)| (k, v)))
        .assert()
        .success();
    assert_eq!(sb.store_json()["ro"]["role"], "1001");
}

#[cfg(unix)]
#[test]
fn ctrl_c_ends_the_wait_cleanly() {
    let emu = emulator();
    let sb = Sandbox::new();
    let env = flow_env(&emu);
    let mut run = sb.spawn(
        &["auth", "login", "x", "--account", ACCOUNT, "--no-browser"],
        &env_refs(&env),
    );
    run.callback_url(); // the listener is up and waiting
    // SAFETY: the pid is our own running child; SIGINT is what Ctrl-C sends.
    let sent = unsafe { libc::kill(run.child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0);
    let (code, err) = run.finish();
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("login cancelled (Ctrl-C); nothing was saved"),
        "{err}"
    );
    assert!(!sb.store().exists());
}

#[test]
fn logout_revokes_and_removes_and_local_only_only_removes() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    sb.add_token("copy", ACCOUNT, TID, TS);
    let out = sb.run(&emu, &["auth", "logout", "copy", "--local-only"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb.store_json().get("copy").is_none());
    assert!(
        emu.token_active(TID),
        "--local-only leaves it active in NetSuite"
    );
    let out = sb.run(&emu, &["auth", "logout", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb.store_json().get("sb").is_none());
    assert!(!emu.token_active(TID));
    let out = sb.run(&emu, &["auth", "logout", "sb"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn login_force_revokes_the_token_it_replaces_unless_keep_old() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::with_token();
    let again = |extra: &[&str]| {
        let out = sb
            .nstba()
            .args(["auth", "login", "sb", "--account", ACCOUNT, "--force"])
            .args(extra)
            .env("NSTBA_NETSUITE_URL", emu.url())
            .env("NSTBA_CALLBACK_URL", "http://localhost:0/tba")
            .env("NSTBA_BROWSER", standin_browser())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        (
            sb.store_json()["sb"]["token"].as_str().unwrap().to_string(),
            stderr(&out),
        )
    };
    assert!(emu.token_active(TID));
    let (first, err) = again(&[]);
    assert!(emu.token_active(&first));
    assert!(!emu.token_active(TID), "the replaced token is revoked");
    assert!(
        err.contains("Revoked the TBA token that 'sb' replaced"),
        "{err}"
    );
    let (second, err) = again(&["--keep-old"]);
    assert!(emu.token_active(&second));
    assert!(emu.token_active(&first), "--keep-old keeps it");
    assert!(err.contains("stays active"), "{err}");
}
