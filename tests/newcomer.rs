//! A predictable day for a newcomer (issue 19): what `--to` remembers and when, a refusal that
//! names the token and what chose it, `auth forget`, `auth switch` in a folder with a pick.

use crate::common::*;

fn deploy(sb: &Sandbox, emu: &nstba_emulator::Handle, extra: &[&str]) -> std::process::Output {
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("a.js"), "a").unwrap();
    let mut args = vec!["deploy", "dist", "--target", "SuiteScripts/app"];
    args.extend_from_slice(extra);
    sb.run(emu, &args)
}

#[test]
fn only_a_deploy_or_fetch_that_succeeded_remembers_its_token() {
    let emu = emulator();
    let sb = Sandbox::new();
    sb.add_token("sb", ACCOUNT, TID, TS);
    sb.add_token("sb2", ACCOUNT, TID, TS);
    sb.add_token("bad", ACCOUNT, "tid-nobody-knows", TS);

    // sign, request and suiteql use --to for that run only.
    for args in [
        &["sign", "GET", "/rest/tokeninfo", "--to", "sb2"][..],
        &["request", "GET", "/rest/tokeninfo", "--to", "sb2"],
    ] {
        let out = sb.run(&emu, args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(!stderr(&out).contains("Remembered"), "{}", stderr(&out));
    }
    assert_eq!(sb.project_choice(sb.path()), None);

    // A deploy that fails remembers nothing, and names the token NetSuite refused.
    let out = deploy(&sb, &emu, &["--to", "bad"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the TBA token 'bad' (chosen by the command line) was refused"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.project_choice(sb.path()), None);

    // One that succeeds remembers, and says how to forget.
    let out = deploy(&sb, &emu, &["--to", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Remembered 'sb'") && stderr(&out).contains("nstba auth forget"));
    assert_eq!(sb.project_choice(sb.path()).as_deref(), Some("sb"));

    // When the remembered token is refused, the message says it was the pick, and the fix.
    let mut store = sb.store_json();
    store["sb"]["secret"] = "a-secret-netsuite-never-issued".into();
    std::fs::write(sb.store(), store.to_string()).unwrap();
    let out = sb.run(&emu, &["request", "GET", "/rest/tokeninfo"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "the TBA token 'sb' (chosen by your last pick for this project folder) was refused"
        ) && err.contains("nstba auth forget"),
        "{err}"
    );

    // auth switch says the pick still wins here; auth forget clears it.
    let out = sb.run(&emu, &["auth", "switch", "sb2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a bare command still uses 'sb' (chosen by your last pick"),
        "{}",
        stderr(&out)
    );
    let out = sb.run(&emu, &["auth", "forget"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("Forgot 'sb'"), "{}", stderr(&out));
    assert_eq!(sb.project_choice(sb.path()), None);
    let out = sb.run(&emu, &["request", "GET", "/rest/tokeninfo", "-v"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the default set with"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn client_id_means_oauth2_and_a_login_in_ci_fails_at_once() {
    let emu = emulator_with(|c| {
        c.clients = vec![nstba_emulator::oauth2::Client {
            id: "oc".into(),
            secret: Some("oc-secret".into()),
        }];
    });
    let sb = Sandbox::new();
    // --client-id without --oauth2: an OAuth 2.0 login, not a TBA one that ignores it.
    let out = sb
        .nstba()
        .args([
            "auth",
            "login",
            "x",
            "--client-id",
            "oc",
            "--account",
            ACCOUNT,
        ])
        .args(["--no-browser", "--timeout", "1"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_CLIENT_SECRET", "oc-secret")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("oauth2/authorize.nl"), "{err}");
    assert!(
        !err.contains("/rest/requesttoken") && emu.token_count() == 1,
        "{err}"
    );

    // In CI a browser login fails in a second and points to client credentials.
    let started = std::time::Instant::now();
    let out = sb
        .nstba()
        .args(["auth", "login", "x", "--account", ACCOUNT])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("CI", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("NSTBA_CERTIFICATE_ID"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    emu.assert_no_calls();
}

#[test]
fn status_and_list_agree_with_the_account_guard_and_start_simply() {
    let sb = Sandbox::new();
    // Nothing saved, nothing in the environment: one line, no empty table.
    let out = sb
        .nstba()
        .args(["auth", "status", "--offline"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("nstba auth login NAME") && err.contains("NSTBA_CERTIFICATE_ID"),
        "{err}"
    );

    // A project for another account: status marks the token and says it is refused (exit 2);
    // list says none is for this account, not that none is saved.
    sb.add_token("sb2", ACCOUNT, TID, TS);
    assert!(
        sb.nstba()
            .args(["auth", "switch", "sb2"])
            .output()
            .unwrap()
            .status
            .success()
    );
    std::fs::write(sb.path().join("nstba.toml"), "account = \"7654321_SB2\"\n").unwrap();
    let out = sb
        .nstba()
        .args(["auth", "status", "--offline"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused") && stderr(&out).contains("7654321_SB2"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .nstba()
        .args(["auth", "status", "--offline", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["active"]["refused"]
            .as_str()
            .unwrap()
            .contains("7654321_SB2"),
        "{json}"
    );
    let out = sb.nstba().args(["auth", "list"]).output().unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("None for account 7654321_SB2") && err.contains("--all"),
        "{err}"
    );
    assert!(!err.contains("No tokens saved"), "{err}");
}

#[test]
fn a_browser_that_does_not_open_is_named() {
    let emu = emulator();
    let sb = Sandbox::new();
    #[cfg(unix)]
    let browser = "false";
    #[cfg(windows)]
    let browser = "cmd /c exit 1";
    let out = sb
        .nstba()
        .args(["auth", "login", "x", "--account", ACCOUNT, "--timeout", "3"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_BROWSER", browser)
        .env("NSTBA_CONSUMER_KEY", CK)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .env("NSTBA_CALLBACK_URL", "http://localhost:0/tba")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("could not open the browser NSTBA_BROWSER names ({browser}): it ended with exit status 1")),
        "{err}"
    );
    assert!(
        err.contains("authorizetoken.nl"),
        "the address is printed: {err}"
    );
}

#[test]
fn sign_warns_when_the_url_is_another_accounts() {
    let sb = Sandbox::with_token(); // sb: 1234567_SB1
    let out = sb
        .nstba()
        .args(["sign", "GET", "https://7654321.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=1&deploy=1"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("OAuth realm=\"1234567_SB1\""));
    let err = stderr(&out);
    assert!(
        err.contains("host of account 7654321") && err.contains("1234567_SB1"),
        "{err}"
    );
    let out = sb
        .nstba()
        .args(["sign", "GET", "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=1&deploy=1"])
        .output()
        .unwrap();
    assert!(
        !stderr(&out).contains("host of account"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn commands_gh_users_reach_for() {
    let sb = Sandbox::with_token();
    // ls and rm, as gh and rclone spell them.
    let out = sb.nstba().args(["auth", "ls"]).output().unwrap();
    assert!(
        out.status.success() && stdout(&out).contains("sb"),
        "{}",
        stderr(&out)
    );
    // auth token: TBA has none, and says what to use instead.
    let out = sb.nstba().args(["auth", "token", "sb"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nstba sign"), "{}", stderr(&out));
    // logout without a name and without a terminal: the saved names, not a hang.
    let out = sb.nstba().args(["auth", "logout"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("saved are sb"), "{}", stderr(&out));
    let out = sb.nstba().args(["auth", "rm", "sb"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb.store_json().get("sb").is_none());
}

#[test]
fn the_default_is_marked_and_help_examples_parse_as_written() {
    let sb = Sandbox::with_token();
    sb.add_token("prod", "1234567", TID, TS);
    assert!(
        sb.nstba()
            .args(["auth", "switch", "prod"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let out = sb.nstba().args(["auth", "list"]).output().unwrap();
    assert!(stdout(&out).contains("prod *"), "{}", stdout(&out));
    let out = sb
        .nstba()
        .args(["auth", "list", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[1]["authId"], "prod");
    assert_eq!(rows[1]["default"], true);
    assert!(rows[0].get("default").is_none());
    // keygen's example runs as written.
    let out = sb
        .nstba()
        .args([
            "auth",
            "keygen",
            "--out",
            "keys",
            "--algorithm",
            "ES256",
            "--days",
            "365",
            "--name",
            "ci-deploys",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // On a wide terminal no example line is wrapped.
    let out = sb
        .nstba()
        .args(["sign", "--help"])
        .env("COLUMNS", "160")
        .output()
        .unwrap();
    let help = stdout(&out);
    assert!(
        help.lines()
            .any(|l| l.trim_start().starts_with("nstba sign GET \"https://")
                && l.ends_with("--to prod")),
        "{help}"
    );
}

#[test]
fn words_that_say_what_they_mean() {
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args(["auth", "keygen", "--days", "1000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("at most 730 days, NetSuite's limit"),
        "{}",
        stderr(&out)
    );

    // Environment M2M credentials are named as such, and verified with a call that succeeds.
    let (key, cert) = sb.keygen_es256();
    let emu = emulator_with(|c| {
        c.clients = vec![nstba_emulator::oauth2::Client {
            id: "ci".into(),
            secret: None,
        }];
        c.m2m_certs = vec![("kid".into(), cert)];
    });
    let out = sb
        .nstba()
        .args(["auth", "verify"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", "ci")
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env("NSTBA_PRIVATE_KEY_FILE", &key)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("The M2M credentials in the environment (NSTBA_*) work for"),
        "{err}"
    );
    assert!(err.contains("HTTP 200"), "{err}");
    assert!(!err.contains("''"), "{err}");
}

#[test]
fn a_deploy_to_a_closed_port_says_each_wait_once() {
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    for i in 0..8 {
        std::fs::write(dist.join(format!("f{i}.js")), "x").unwrap();
    }
    let out = sb
        .nstba()
        .args([
            "deploy",
            "dist",
            "--target",
            "SuiteScripts/app",
            "--jobs",
            "4",
        ])
        .env("NSTBA_NETSUITE_URL", dead_url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    let lines = err.lines().filter(|l| l.contains("retrying in")).count();
    assert!((1..=6).contains(&lines), "{lines} retry lines:\n{err}");
}

#[test]
fn hints_fit_the_kind_of_credential() {
    use crate::common::standin::{Req, Resp, StandIn};
    let sb = Sandbox::new();
    let (key, _) = sb.keygen_es256();
    // NetSuite takes the assertion, then refuses the Bearer token on REST.
    let netsuite = StandIn::start(|req: Req| async move {
        if req.target.contains("/oauth2/v1/token") {
            Resp::json(200, r#"{"access_token":"at-1","expires_in":3600}"#)
        } else {
            Resp::json(
                401,
                r#"{"type":"x","title":"Unauthorized","status":401,"o:errorDetails":[{"detail":"Invalid login attempt.","o:errorCode":"INVALID_LOGIN"}]}"#,
            )
        }
    });
    let out = sb
        .nstba()
        .args(["request", "GET", "/services/rest/record/v1/employee/3"])
        .env("NSTBA_NETSUITE_URL", netsuite.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", "ci")
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env("NSTBA_PRIVATE_KEY_FILE", &key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("OAuth 2.0 login ends"), "{err}");
    assert!(
        !err.contains("realm") && !err.contains("clock"),
        "TBA's hints: {err}"
    );
    assert!(err.contains("M2M credentials in the environment"), "{err}");

    // No prompt allowed: the message names why.
    let sb = Sandbox::with_token();
    let out = sb
        .nstba()
        .args(["sign", "GET", "/rest/tokeninfo", "--to"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("NSTBA_NO_INPUT is set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn verify_teaches_the_store_the_role() {
    let emu = emulator();
    let sb = Sandbox::with_token(); // added by hand: no role
    assert!(sb.store_json()["sb"].get("role").is_none());
    let out = sb.run(&emu, &["auth", "verify", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.store_json()["sb"]["role"], "3");
    assert_eq!(sb.store_json()["sb"]["entity"], "38");
    // An OAuth 2.0 name is named with its article where it is refused.
    let mut store = sb.store_json();
    store["o2"] = serde_json::json!({"type": "oauth2", "account": ACCOUNT, "clientId": "c",
        "scope": "restlets", "accessToken": "a", "accessTokenExpiresAt": "2026-01-01T00:00:00Z",
        "refreshToken": "r"});
    std::fs::write(sb.store(), store.to_string()).unwrap();
    let out = sb.run(&emu, &["auth", "migrate", "o2", "--client-id", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("'o2' is an OAuth 2.0 credential already"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_lines_show_what_is_required_and_nothing_else() {
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args(["sign", "GET"])
        .env("NSTBA_NETSUITE_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("Usage: nstba sign [OPTIONS] <METHOD> <URL>\n"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .nstba()
        .args(["deploy", "--targte", "x"])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("Usage: nstba deploy [OPTIONS] [SOURCE]\n"),
        "{}",
        stderr(&out)
    );
    let out = sb
        .nstba()
        .args(["auth", "login", "x", "--oauth2", "--bogus"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        !err.contains("--consumer-key") && !err.contains("--netsuite-url"),
        "{err}"
    );
}

#[test]
fn hidden_files_left_out_are_said_and_counted() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(dist.join(".cache")).unwrap();
    std::fs::create_dir_all(dist.join("js")).unwrap();
    std::fs::write(dist.join("app.js"), "a").unwrap();
    std::fs::write(dist.join(".env"), "SECRET=1").unwrap();
    std::fs::write(dist.join("js/.map"), "m").unwrap();
    std::fs::write(dist.join(".cache/x"), "x").unwrap();
    let out = sb.run(
        &emu,
        &["deploy", "dist", "--target", "SuiteScripts/app", "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("3 hidden not deployed (.cache/, .env, js/.map)"),
        "{err}"
    );
    assert!(err.contains("3 hidden left out"), "{err}");
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        summary["hidden"],
        serde_json::json!([".cache/", ".env", "js/.map"])
    );
    assert_eq!(emu.files("SuiteScripts/app").len(), 1);
    // With --hidden nothing is left out, and nothing is said.
    let out = sb.run(
        &emu,
        &["deploy", "dist", "--target", "SuiteScripts/app", "--hidden"],
    );
    assert!(
        out.status.success() && !stderr(&out).contains("hidden"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unreachable_host_is_said_once() {
    let sb = Sandbox::with_token();
    sb.add_token("sb2", ACCOUNT, TID, TS);
    sb.add_token("sb3", ACCOUNT, TID, TS);
    let out = sb
        .nstba()
        .args(["auth", "status", "--timeout", "20"])
        .env("NSTBA_NETSUITE_URL", dead_url())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(text.matches("(see below)").count(), 3, "{text}");
    assert_eq!(text.matches("unreachable: ").count(), 1, "{text}");
}
