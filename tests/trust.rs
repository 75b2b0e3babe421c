//! Trust at the edges (issue 8): each reproduction of the review, over real loopback HTTP. A
//! hostile source tree, a hostile server, a hostile nstba.toml, a slip of `--to`.

use std::path::Path;

use crate::common::*;

const TARGET: &str = "SuiteScripts/app";

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

fn deploy_json(sb: &Sandbox, emu: &nstba_emulator::Handle, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["deploy", "dist", "--target", TARGET, "--json"];
    args.extend_from_slice(extra);
    sb.run(emu, &args)
}

fn summary(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

fn remote_names(emu: &nstba_emulator::Handle) -> Vec<String> {
    emu.files(TARGET).into_iter().map(|(p, _)| p).collect()
}

#[cfg(unix)]
#[test]
fn a_symlinked_secret_never_reaches_the_file_cabinet() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    write(&dist, "app.js", b"ok");
    write(sb.path(), "id_ed25519", b"PRIVATE KEY do-not-upload-4411");
    std::os::unix::fs::symlink("/proc/self/environ", dist.join("env.txt")).unwrap();
    std::os::unix::fs::symlink("../id_ed25519", dist.join("key.txt")).unwrap();
    std::os::unix::fs::symlink(sb.store(), dist.join("store.json")).unwrap();
    std::os::unix::fs::symlink("app.js", dist.join("alias.js")).unwrap();
    let out = sb
        .nstba()
        .args(["deploy", "dist", "--target", TARGET, "--json"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_CONSUMER_SECRET", CS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut names = remote_names(&emu);
    names.sort();
    assert_eq!(
        names,
        [
            "SuiteScripts/app/alias.js".to_string(),
            "SuiteScripts/app/app.js".to_string()
        ]
    );
    for (_, bytes) in emu.files(TARGET) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(CS) && !text.contains(TS) && !text.contains("do-not-upload"));
    }
    let err = stderr(&out);
    for link in ["env.txt", "key.txt", "store.json"] {
        assert!(
            err.contains(&format!("skipped {link}: a symlink that leads outside")),
            "{err}"
        );
    }
}

#[test]
fn hidden_files_stay_home_unless_asked_for() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    write(&dist, "app.js", b"ok");
    write(&dist, ".env", b"API_KEY=hidden-1234");
    write(&dist, ".npmrc", b"//registry:_authToken=abc");
    write(&dist, ".config/x.json", b"{}");
    write(&dist, ".well-known/assetlinks.json", b"[]");
    write(&dist, ".nstbaignore", b"!.well-known/\n");
    let out = deploy_json(&sb, &emu, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut names = remote_names(&emu);
    names.sort();
    assert_eq!(
        names,
        [
            "SuiteScripts/app/.well-known/assetlinks.json".to_string(),
            "SuiteScripts/app/app.js".to_string()
        ]
    );
    let out = deploy_json(&sb, &emu, &["--hidden"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(emu.file("SuiteScripts/app/.env").is_some());
    assert!(emu.file("SuiteScripts/app/.config/x.json").is_some());
}

#[test]
fn fetch_refuses_git_reserved_names_and_colliding_paths() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let planted: &[(&str, &[u8])] = &[
        ("ok.js", b"fine"),
        (
            ".git/config",
            b"[core]\n\tfsmonitor = \"touch /tmp/pwned\"\n",
        ),
        ("sub/.GIT/hooks/post-checkout", b"#!/bin/sh\n"),
        ("GIT~1/config", b"x"),
        ("CON", b"x"),
        ("lib/aux.txt", b"x"),
        ("trailing.", b"x"),
        ("a.txt", b"lower"),
        ("A.txt", b"upper"),
        ("caf\u{e9}.js", b"nfc"),
        ("cafe\u{301}.js", b"nfd"),
    ];
    for (rel, bytes) in planted {
        emu.put_file(&format!("{TARGET}/{rel}"), bytes);
    }
    let out = sb.run(&emu, &["fetch", TARGET, "--out", "back", "--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["fetched"], 1);
    let failed: Vec<&str> = s["failedFiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), planted.len() - 1, "{failed:?}");
    // Nothing of what was refused is written: only ok.js exists.
    let tree = read_tree(&sb.path().join("back"));
    assert_eq!(tree.keys().collect::<Vec<_>>(), ["ok.js"]);
    let err = stderr(&out);
    assert!(err.contains("git's hooks or config"), "{err}");
    assert!(err.contains("reserved on Windows"), "{err}");
    assert!(
        err.contains("one local file where case or Unicode"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn fetched_files_honour_the_umask() {
    use std::os::unix::fs::PermissionsExt as _;
    let emu = emulator();
    let sb = Sandbox::with_token();
    emu.put_file(&format!("{TARGET}/x.js"), b"x");
    let mut cmd = sb.nstba_std();
    cmd.args(["fetch", TARGET, "--out", "back"])
        .env("NSTBA_NETSUITE_URL", emu.url());
    // A group-shared checkout: umask 002 makes files 0664.
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", "umask 002 && exec \"$0\" \"$@\""])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env_remove("CI")
        .current_dir(sb.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(sb.path().join("back/x.js"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o664);
}

fn project(sb: &Sandbox, toml: &str) {
    std::fs::write(sb.path().join("nstba.toml"), toml).unwrap();
}

#[test]
fn nstba_toml_paths_that_leave_the_project_are_refused() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    std::fs::create_dir_all(sb.path().join("work")).unwrap();
    write(
        &sb.path().join(".ssh"),
        "id_ed25519",
        b"PRIVATE do-not-upload",
    );
    project(
        &sb,
        "[deploy]\nsource = \".ssh/..\"\ntarget = \"SuiteScripts/app\"\n",
    );
    let out = sb.run(&emu, &["deploy"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("must stay inside"),
        "{}",
        stderr(&out)
    );
    std::fs::write(
        sb.path().join("work/nstba.toml"),
        "[deploy]\nsource = \"../.ssh\"\ntarget = \"SuiteScripts/app\"\n[fetch]\nout = \"../../\"\n",
    )
    .unwrap();
    for args in [&["deploy"][..], &["fetch"][..]] {
        let out = sb
            .nstba()
            .current_dir(sb.path().join("work"))
            .args(args)
            .env("NSTBA_NETSUITE_URL", emu.url())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("must stay inside"),
            "{}",
            stderr(&out)
        );
    }
    assert!(emu.files("SuiteScripts").is_empty());
    emu.assert_no_calls();
}

#[test]
fn the_account_guard_stops_a_slip_of_to_and_a_dry_run_remembers_nothing() {
    let emu = emulator();
    let sb = Sandbox::new();
    sb.add_token("sb", ACCOUNT, TID, TS);
    sb.add_token("prod", "1234567", TID, TS);
    write(&sb.path().join("dist"), "a.js", b"a");
    let toml =
        "account = \"1234567_SB1\"\n[deploy]\nsource = \"dist\"\ntarget = \"SuiteScripts/app\"\n";
    project(&sb, toml);
    let out = sb.run(&emu, &["deploy", "--to", "prod"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("is for account 1234567_SB1")
            && err.contains("'prod' (from the command line) is for account 1234567:")
            && err.contains("--account 1234567"),
        "{err}"
    );
    assert_eq!(emu.api_hits(), 0, "nothing was sent");
    assert_eq!(
        sb.project_choice(sb.path()),
        None,
        "a refused token is not remembered"
    );
    // A dry run with the right token changes nothing anywhere, the pick included.
    let out = sb.run(&emu, &["deploy", "--to", "sb", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.project_choice(sb.path()), None);
    let out = sb.run(&emu, &["deploy", "--to", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.project_choice(sb.path()).as_deref(), Some("sb"));
    assert_eq!(
        std::fs::read_to_string(sb.path().join("nstba.toml")).unwrap(),
        toml
    );
    // The environment is held to the same guard.
    let out = sb
        .nstba()
        .args(["sign", "GET", "/rest/tokeninfo"])
        .envs([
            ("NSTBA_ACCOUNT", "1234567"),
            ("NSTBA_CONSUMER_KEY", CK),
            ("NSTBA_CONSUMER_SECRET", CS),
            ("NSTBA_TOKEN_ID", TID),
            ("NSTBA_TOKEN_SECRET", TS),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn nstba_auth_id_and_the_default_token_are_honoured_in_order() {
    let sb = Sandbox::new();
    sb.add_token("a", ACCOUNT, TID, TS);
    sb.add_token("b", ACCOUNT, "tid-b", TS);
    let sign = |env: &[(&str, &str)]| {
        let out = sb
            .nstba()
            .args(["sign", "GET", "/rest/tokeninfo", "-v"])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (out.status.code(), stdout(&out), stderr(&out))
    };
    let (code, _, err) = sign(&[]);
    assert_eq!(code, Some(2), "two tokens, nothing chosen: {err}");
    assert!(err.contains("nstba auth switch"), "{err}");
    let out = sb.nstba().args(["auth", "switch", "b"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, out, err) = sign(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("oauth_token=\"tid-b\""), "{out}");
    assert!(
        err.contains("the default set with `nstba auth switch`"),
        "{err}"
    );
    let (_, out, err) = sign(&[("NSTBA_AUTH_ID", "a")]);
    assert!(out.contains(&format!("oauth_token=\"{TID}\"")), "{out}");
    assert!(err.contains("(from NSTBA_AUTH_ID)"), "{err}");
    let out = sb.nstba().args(["auth", "switch", "zz"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_explicit_consumer_secret_wins_over_the_saved_one() {
    let emu = emulator();
    let sb = Sandbox::new();
    // Saved with the secret from before the integration record was reset.
    sb.nstba()
        .args(["auth", "add", "sb", "--account", ACCOUNT, "--token-id", TID])
        .args(["--consumer-key", CK])
        .env("NSTBA_TOKEN_SECRET", TS)
        .env("NSTBA_CONSUMER_SECRET", "stale-consumer-secret")
        .assert()
        .success();
    let out = sb.run(&emu, &["request", "GET", "/rest/tokeninfo"]);
    assert_eq!(out.status.code(), Some(3), "the stale secret is refused");
    let out = sb
        .nstba()
        .args(["request", "GET", "/rest/tokeninfo", "-v"])
        .args(["--consumer-key", CK, "--consumer-secret-stdin"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .write_stdin(format!("{CS}\n"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("replace the pair saved"),
        "{}",
        stderr(&out)
    );
    // A variable only fills entries without a pair: the saved (stale) one still counts.
    let out = sb
        .nstba()
        .args(["request", "GET", "/rest/tokeninfo"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_CONSUMER_SECRET", CS)
        .env("NSTBA_CONSUMER_KEY", CK)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    // `auth add NAME --consumer-key` on the saved entry sets its pair and nothing else.
    sb.nstba()
        .args(["auth", "add", "sb", "--consumer-key", CK])
        .env("NSTBA_CONSUMER_SECRET", CS)
        .assert()
        .success();
    assert_eq!(sb.store_json()["sb"]["token"], TID);
    let out = sb.run(&emu, &["request", "GET", "/rest/tokeninfo"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_secret_and_a_body_both_on_stdin_is_a_usage_error() {
    let sb = Sandbox::with_token();
    let out = sb
        .nstba()
        .args([
            "request",
            "POST",
            "/services/rest/record/v1/customer",
            "-d",
            "@-",
        ])
        .arg("--consumer-secret-stdin")
        .write_stdin("x\n{}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("stdin"), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn an_endless_body_stops_at_the_cap_with_flat_memory() {
    fn endless(stream: &mut std::net::TcpStream) {
        use std::io::Write as _;
        let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
        while stream.write_all(chunk.as_bytes()).is_ok() {}
    }
    let (url, _) = hostile(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        endless,
    );
    let sb = Sandbox::with_token();
    let mut cmd = sb.nstba_std();
    cmd.args(["fetch", TARGET, "--out", "back"])
        .env("NSTBA_NETSUITE_URL", &url);
    let started = std::time::Instant::now();
    let (out, peak_kb) = run_measured(cmd);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("larger than 11.0 MB"),
        "{}",
        stderr(&out)
    );
    assert!(peak_kb < 64 * 1024, "peak RSS {peak_kb} KB");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(!sb.path().join("back").exists());
}

#[test]
fn escape_sequences_from_the_server_are_printed_escaped() {
    fn nothing(_: &mut std::net::TcpStream) {}
    let (url, _) = hostile(
        concat!(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n",
            "Content-Length: 88\r\n\r\n",
            r#"{"error":{"code":"X\u001b[2J","message":"\u001b]0;pwned\u0007\r\nDeployed: all good"}}"#,
            "  "
        ),
        nothing,
    );
    let sb = Sandbox::with_token();
    let out = sb
        .nstba()
        .args([
            "request",
            "GET",
            "/app/site/hosting/restlet.nl?script=1&deploy=1",
        ])
        .env("NSTBA_NETSUITE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        !err.contains('\x1b') && !err.contains('\x07') && !err.contains('\r'),
        "{err:?}"
    );
    assert!(err.contains("X\\u{1b}[2J"), "{err}");
    // The fake line stays on the line of the error it came with.
    assert!(
        !err.lines().any(|l| l.starts_with("Deployed: all good")),
        "{err}"
    );
}

#[test]
fn a_file_deleted_remotely_after_a_deploy_is_sent_again() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    for name in ["a.js", "b.js", "c.js"] {
        write(&dist, name, name.as_bytes());
    }
    assert!(deploy_json(&sb, &emu, &[]).status.success());
    // Deleted in the NetSuite UI, and another changed there (a sandbox refresh does both).
    assert!(emu.delete_file("SuiteScripts/app/b.js"));
    emu.put_file("SuiteScripts/app/c.js", &[b'x'; 5000]);
    let out = deploy_json(&sb, &emu, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["resent"], serde_json::json!(["b.js", "c.js"]));
    assert_eq!(
        (s["uploaded"].as_u64(), s["skipped"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(emu.file("SuiteScripts/app/b.js").unwrap(), b"b.js");
    assert_eq!(emu.file("SuiteScripts/app/c.js").unwrap(), b"c.js");
}

#[test]
fn a_committed_state_file_cannot_hide_files() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    write(&dist, "a.js", b"a");
    // A state file committed to the repository, claiming a.js is deployed already.
    let sha = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
    std::fs::write(
        sb.path().join(".nstba-deploy.json"),
        format!(
            r#"{{"version":1,"targets":{{"{ACCOUNT}:{TARGET}":{{"a.js":{{"sha256":"{sha}","size":1}}}}}}}}"#
        ),
    )
    .unwrap();
    let out = deploy_json(&sb, &emu, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Moved the deploy state"),
        "{}",
        stderr(&out)
    );
    assert_eq!(summary(&out)["resent"], serde_json::json!(["a.js"]));
    assert_eq!(emu.file("SuiteScripts/app/a.js").unwrap(), b"a");
    assert_eq!(sb.deploy_states().len(), 1);
}

#[test]
fn a_binary_over_the_limit_as_base64_is_refused_before_any_request() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    // 7.9 MB that is not UTF-8: 10.5 MB as base64.
    let binary: Vec<u8> = (0..7_900_000u32).map(|i| (i % 251) as u8 | 0x80).collect();
    write(&dist, "big.bin", &binary);
    // 7.9 MB of text travels as it is.
    write(&dist, "big.txt", &vec![b'a'; 7_900_000]);
    let out = deploy_json(&sb, &emu, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("big.bin (7.5 MB, 10.0 MB as base64"), "{err}");
    assert!(!err.contains("big.txt"), "{err}");
    assert!(err.contains("Nothing was sent"), "{err}");
    emu.assert_no_calls();
}

#[test]
fn a_refused_connection_says_each_retry_and_gives_up_in_seconds() {
    let sb = Sandbox::with_token();
    let started = std::time::Instant::now();
    let out = sb
        .nstba()
        .args(["fetch", TARGET, "--out", "back"])
        .env("NSTBA_NETSUITE_URL", dead_url())
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    let err = stderr(&out);
    let waits: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("; retrying in "))
        .collect();
    assert_eq!(waits.len(), 4, "{err}");
    assert!(
        waits[0].starts_with("connection refused (GET /app/site/hosting/restlet.nl)"),
        "{err}"
    );
    assert!(waits[3].ends_with("attempt 5 of 5"), "{err}");
    assert!(took < std::time::Duration::from_secs(8), "{took:?}");
    // -q keeps them quiet.
    let out = sb
        .nstba()
        .args(["fetch", TARGET, "--out", "back", "-q"])
        .env("NSTBA_NETSUITE_URL", dead_url())
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("retrying"), "{}", stderr(&out));
}

#[test]
fn a_short_nonce_gets_a_warning() {
    let sb = Sandbox::with_token();
    let out = sb
        .nstba()
        .args([
            "sign",
            "GET",
            "/rest/tokeninfo",
            "--nonce",
            "abc",
            "--timestamp",
            "1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refuses nonces under 6 characters"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("oauth_nonce=\"abc\""));
    let out = sb
        .nstba()
        .args(["sign", "GET", "/rest/tokeninfo", "--nonce", "abcdef"])
        .output()
        .unwrap();
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}
