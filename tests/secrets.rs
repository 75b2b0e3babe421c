//! Secret hygiene: every command, run with `-v` through successes and failures, never prints
//! a consumer secret or token secret (SPEC 4, the guide's engineering standards).

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

#[test]
fn debug_of_credentials_is_redacted() {
    let c = nstba::credentials::Credentials {
        auth_id: Some("x".into()),
        account: nstba::account::AccountId::parse(ACCOUNT).unwrap(),
        consumer_key: CK.into(),
        consumer_secret: nstba::secret::Secret::new(CS),
        token_id: TID.into(),
        token_secret: nstba::secret::Secret::new(TS),
        origin: nstba::credentials::Origin::Flag,
    };
    assert_no_secrets("Debug of Credentials", &format!("{c:?} {c:#?}"));
}
