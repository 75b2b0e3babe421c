//! Secret hygiene: every command, run with `-v` through successes and failures, never prints
//! a consumer secret or token secret (docs/design.md §4, the guide's engineering standards).

use crate::common::*;

/// A command's arguments and the variables it runs with.
type Run<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>);

#[test]
fn no_command_prints_a_secret() {
    let emu = emulator();
    let sb = Sandbox::new();
    sb.add_token("good", ACCOUNT, TID, TS);
    sb.add_token("bad", ACCOUNT, TID, "wrong-secret-zz");
    let url = emu.url();
    let dead = dead_url();

    let runs: Vec<Run> = vec![
        (vec!["auth", "list"], vec![]),
        (vec!["auth", "list", "--json", "--all"], vec![]),
        (vec!["auth", "info", "good"], vec![]),
        (vec!["auth", "info", "good", "--json"], vec![]),
        (vec!["auth", "info", "missing"], vec![]),
        (
            vec![
                "sign",
                "GET",
                "/rest/tokeninfo",
                "--to",
                "good",
                "--explain",
            ],
            vec![],
        ),
        (
            vec![
                "sign",
                "POST",
                "https://x.example/?a=1",
                "--form",
                "b=2",
                "--explain",
            ],
            vec![
                ("NSTBA_ACCOUNT", ACCOUNT),
                ("NSTBA_CONSUMER_KEY", CK),
                ("NSTBA_CONSUMER_SECRET", CS),
                ("NSTBA_TOKEN_ID", TID),
                ("NSTBA_TOKEN_SECRET", TS),
            ],
        ),
        (
            vec![
                "sign",
                "POST",
                "/rest/requesttoken",
                "--no-token",
                "--explain",
            ],
            vec![("NSTBA_CONSUMER_KEY", CK), ("NSTBA_CONSUMER_SECRET", CS)],
        ),
        (
            vec!["request", "GET", "/rest/tokeninfo", "--to", "good", "-i"],
            vec![("NSTBA_NETSUITE_URL", &url)],
        ),
        (
            vec![
                "request",
                "GET",
                "/services/rest/record/v1/employee/1",
                "--to",
                "bad",
            ],
            vec![("NSTBA_NETSUITE_URL", &url)],
        ),
        (
            vec![
                "request",
                "GET",
                "/services/rest/record/v1/employee/999",
                "--to",
                "good",
            ],
            vec![("NSTBA_NETSUITE_URL", &url)],
        ),
        (
            vec!["request", "GET", "/rest/tokeninfo", "--to", "good"],
            vec![("NSTBA_NETSUITE_URL", &dead)],
        ),
        (
            // A partial environment: the error names variables, never values.
            vec!["request", "GET", "/rest/tokeninfo"],
            vec![("NSTBA_TOKEN_SECRET", TS), ("NSTBA_CONSUMER_SECRET", CS)],
        ),
        (
            vec![
                "auth",
                "add",
                "good",
                "--account",
                ACCOUNT,
                "--token-id",
                TID,
            ],
            vec![
                ("NSTBA_CONSUMER_KEY", CK),
                ("NSTBA_TOKEN_SECRET", TS),
                ("NSTBA_CONSUMER_SECRET", CS),
            ],
        ),
        (vec!["auth", "rename", "bad", "worse"], vec![]),
        (vec!["auth", "remove", "worse"], vec![]),
        (vec!["completions", "bash"], vec![]),
    ];
    let mut codes = Vec::new();
    for (args, env) in runs {
        let mut cmd = sb.nstba();
        cmd.arg("-v").args(&args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        codes.push(out.status.code().unwrap_or(-1));
        assert_no_secrets(&format!("stdout of {args:?}"), &stdout(&out));
        assert_no_secrets(&format!("stderr of {args:?}"), &stderr(&out));
    }
    // The runs went through successes and each kind of failure.
    for code in [0, 1, 2, 3, 5] {
        assert!(codes.contains(&code), "no run exited {code}: {codes:?}");
    }
    // Nothing but the store holds a secret.
    for entry in std::fs::read_dir(sb.path()).unwrap() {
        let path = entry.unwrap().path();
        if path == sb.store() || !path.is_file() {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert_no_secrets(&path.display().to_string(), &text);
    }
}

/// Help shows which variable an argument reads, never its value; `-v` shows a revoked token's
/// ID masked.
#[test]
fn help_and_verbose_urls_show_no_values() {
    let sb = Sandbox::with_token();
    for var in [
        "NSTBA_TOKEN_ID",
        "NSTBA_ACCOUNT",
        "NSTBA_CLIENT_ID",
        "NSTBA_STORE",
    ] {
        let out = sb
            .nstba()
            .args(["auth", "add", "--help"])
            .env(var, "VALUE-SEEN-IN-HELP")
            .output()
            .unwrap();
        assert!(
            !stdout(&out).contains("VALUE-SEEN-IN-HELP"),
            "{var}: {}",
            stdout(&out)
        );
    }
    let emu = emulator();
    let out = sb.run(&emu, &["auth", "revoke", "sb", "-v"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("revoketoken"), "{err}");
    assert!(!err.contains(TID), "the token ID in full: {err}");
}

#[test]
fn debug_of_the_store_shows_no_entry() {
    let sb = Sandbox::with_token();
    let path = nstba::store::StorePath::resolve(Some(&sb.store())).unwrap();
    let store = nstba::store::Store::load(&path).unwrap();
    let text = format!("{store:?} {store:#?}");
    assert_no_secrets("Debug of Store", &text);
    assert!(text.contains("\"sb\""), "{text}");
}

#[test]
fn debug_of_credentials_is_redacted() {
    let c = nstba::credentials::Credentials {
        auth_id: Some("x".into()),
        authorizer: nstba::auth::Authorizer::new(
            nstba::account::AccountId::parse(ACCOUNT).unwrap(),
            nstba::auth::Grant::Tba(nstba::auth::TbaPair {
                consumer_key: CK.into(),
                consumer_secret: nstba::secret::Secret::new(CS),
                token_id: TID.into(),
                token_secret: nstba::secret::Secret::new(TS),
            }),
        ),
        origin: nstba::credentials::Origin::Flag,
    };
    assert_no_secrets("Debug of Credentials", &format!("{c:?} {c:#?}"));
}

/// Every flow of the product with `-v`, through successes and failures (a login allowed,
/// denied and timed out; 401; 429; an unreachable NetSuite; a corrupt store; deploy, fetch and
/// SuiteQL): no consumer secret or token secret in any output or in any file nstba writes but
/// the store, and (on Unix) the store and the deploy state are 0600.
#[test]
fn no_secret_leaks_through_failures_either() {
    let emu = emulator_with(|c| c.decision = nstba_emulator::Decision::Allow);
    let limited = emulator_with(|c| {
        c.max_concurrency = Some(0);
    });
    let sb = Sandbox::new();
    let browser = standin_browser();
    let url = emu.url();
    let dead = dead_url();
    std::fs::create_dir_all(sb.path().join("dist/sub")).unwrap();
    std::fs::write(sb.path().join("dist/a.js"), "let a = 1;").unwrap();
    std::fs::write(sb.path().join("dist/sub/b.bin"), [0u8, 255, 1]).unwrap();

    let flow_env: Vec<(&str, &str)> = vec![
        ("NSTBA_NETSUITE_URL", &url),
        ("NSTBA_CONSUMER_KEY", CK),
        ("NSTBA_CONSUMER_SECRET", CS),
        ("NSTBA_CALLBACK_URL", "http://localhost:0/tba"),
        ("NSTBA_BROWSER", &browser),
    ];
    let mut outputs = Vec::new();
    let mut run = |args: &[&str], env: &[(&str, &str)], stdin: &str| {
        let mut cmd = sb.nstba();
        cmd.arg("-v").args(args).write_stdin(stdin.to_string());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        outputs.push((
            format!("{args:?}"),
            out.status.code(),
            stdout(&out) + &stderr(&out),
        ));
    };

    // Logins: allowed, timed out, denied (another emulator that denies).
    run(
        &["auth", "login", "main", "--account", ACCOUNT],
        &flow_env,
        "",
    );
    // The login made a token secret nstba has never printed: it is checked too.
    let made = sb.store_json()["main"]["secret"]
        .as_str()
        .expect("the login saved a token")
        .to_string();
    run(
        &[
            "auth",
            "login",
            "slow",
            "--account",
            ACCOUNT,
            "--no-browser",
            "--timeout",
            "1",
        ],
        &flow_env,
        "",
    );
    let deny = emulator_with(|c| c.decision = nstba_emulator::Decision::Deny);
    let deny_url = deny.url();
    let mut deny_env = flow_env.clone();
    deny_env[0] = ("NSTBA_NETSUITE_URL", &deny_url);
    run(
        &["auth", "login", "denied", "--account", ACCOUNT],
        &deny_env,
        "",
    );

    let on = [("NSTBA_NETSUITE_URL", url.as_str())];
    run(&["auth", "verify", "main"], &on, "");
    run(&["request", "GET", "/rest/tokeninfo", "-i"], &on, "");
    run(
        &["deploy", "dist", "--target", "SuiteScripts/x", "--json"],
        &on,
        "",
    );
    run(
        &["fetch", "SuiteScripts/x", "--out", "back", "--json"],
        &on,
        "",
    );
    run(
        &["suiteql", "SELECT id FROM employee WHERE id < 3"],
        &on,
        "",
    );
    run(&["sign", "GET", "/rest/tokeninfo", "--explain"], &on, "");
    // 429 from REST over the account's limit, 401 with a wrong secret, no network at all.
    run(
        &["request", "GET", "/services/rest/record/v1/employee/1"],
        &[("NSTBA_NETSUITE_URL", limited.url().as_str())],
        "",
    );
    run(
        &["request", "GET", "/rest/tokeninfo"],
        &[("NSTBA_NETSUITE_URL", dead.as_str())],
        "",
    );
    run(
        &[
            "auth",
            "add",
            "wrong",
            "--account",
            ACCOUNT,
            "--token-id",
            TID,
            "--consumer-key",
            CK,
        ],
        &[],
        &format!("not-the-secret\n{CS}\n"),
    );
    run(
        &["request", "GET", "/rest/tokeninfo", "--to", "wrong"],
        &on,
        "",
    );
    run(
        &[
            "deploy",
            "dist",
            "--target",
            "SuiteScripts/y",
            "--to",
            "wrong",
        ],
        &on,
        "",
    );
    run(&["auth", "revoke", "main"], &on, "");

    let codes: Vec<Option<i32>> = outputs.iter().map(|(_, c, _)| *c).collect();
    for code in [0, 1, 3, 5] {
        assert!(
            codes.contains(&Some(code)),
            "no run exited {code}: {codes:?}"
        );
    }
    let store_text = sb.store_text();
    let secrets = [made.as_str(), CS, TS, "not-the-secret"];
    for (what, _, text) in &outputs {
        for s in &secrets {
            assert!(!text.contains(s), "a secret leaked in {what}:\n{text}");
        }
    }
    // Corrupt the store: the error names the place, never the content.
    std::fs::write(sb.store(), format!("{{\"x\": {{\"secret\": \"{TS}\",, }}")).unwrap();
    let out = sb.nstba().args(["-v", "auth", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains(TS), "{}", stderr(&out));
    std::fs::write(sb.store(), &store_text).unwrap();

    // Files: only the store holds secrets; the store and the deploy state are private.
    let mut stack = vec![sb.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p != sb.store() {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                for s in &secrets {
                    assert!(!text.contains(s), "a secret is in {}", p.display());
                }
            }
        }
    }
    // The deploy's state, and the fetch's record of what it wrote.
    let states = sb.deploy_states();
    assert_eq!(states.len(), 2, "{states:?}");
    #[cfg(unix)]
    for p in [vec![sb.store()], states].concat() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
}
