//! The token store through the binary: parallel writers, gulp-written files, corrupt files,
//! permissions, and no temporary files left behind (docs/design.md §4).

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt as _;

use crate::common::*;

#[test]
fn twenty_parallel_writers_lose_nothing() {
    let sb = Sandbox::new();
    // A gulp entry that every writer must carry along.
    std::fs::write(
        sb.store(),
        r#"{"gulp":{"token":"t","secret":"s","account":"123","gulpOnly":true}}"#,
    )
    .unwrap();
    let children: Vec<_> = (0..20).map(|i| sb.spawn_add_token(i)).collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let store = sb.store_json();
    let map = store.as_object().unwrap();
    assert_eq!(map.len(), 21, "{map:?}");
    for i in 0..20 {
        assert_eq!(map[&format!("tok{i:02}")]["token"], format!("{TID}-{i}"));
    }
    assert_eq!(map["gulp"]["gulpOnly"], true);
    assert_private(&sb.store());
    assert!(sb.temp_files().is_empty(), "{:?}", sb.temp_files());
}

#[test]
fn gulp_written_entry_is_used_and_kept_on_rewrite() {
    let emu = emulator();
    let sb = Sandbox::new();
    let original = format!(
        r#"{{"gulp-sb":{{"token":"{TID}","secret":"{TS}","account":"1234567-sb1","molecule":"sca"}}}}"#
    );
    std::fs::write(sb.store(), &original).unwrap();
    make_private(&sb.store());

    // Without the consumer pair the entry cannot sign, and the error says what to set.
    let out = sb.run(&emu, &["request", "GET", "/rest/tokeninfo"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("NSTBA_CONSUMER_KEY and NSTBA_CONSUMER_SECRET"));

    // With it from the environment, the gulp token signs a request the emulator accepts.
    let out = sb
        .nstba()
        .args(["request", "GET", "/rest/tokeninfo"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_CONSUMER_KEY", CK)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.store_text(), original, "reading never rewrites");

    // A rewrite (rename, then add) keeps the unknown field and the gulp fields as they were.
    sb.nstba()
        .args(["auth", "rename", "gulp-sb", "sandbox"])
        .assert()
        .success();
    sb.add_token("other", "1234567", "tid2", "ts2");
    let v = sb.store_json();
    assert_eq!(v["sandbox"]["molecule"], "sca");
    assert_eq!(v["sandbox"]["account"], "1234567-sb1");
    assert_eq!(v["sandbox"]["token"], TID);
    assert_eq!(v["sandbox"]["secret"], TS);
    assert!(v["sandbox"].get("consumerKey").is_none());
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["sandbox", "other"]);
}

#[test]
fn corrupt_store_is_left_byte_for_byte() {
    let sb = Sandbox::new();
    let bad = "{\n  \"a\": {\"token\": \"t\", \"secret\": \"s\"\n  \"account\": \"1\"}\n}\n";
    std::fs::write(sb.store(), bad).unwrap();
    let attempts: Vec<Vec<&str>> = vec![
        vec!["auth", "list"],
        vec!["auth", "info", "a"],
        vec!["auth", "rename", "a", "b"],
        vec!["auth", "remove", "a"],
        vec!["sign", "GET", "https://x.example/"],
    ];
    for args in attempts {
        let out = sb.nstba().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("is not valid JSON (line 3, column"),
            "{args:?}: {err}"
        );
        assert!(err.contains("left unchanged"), "{err}");
        assert!(err.contains(&sb.store().display().to_string()), "{err}");
    }
    let out = sb
        .nstba()
        .args(["auth", "add", "x", "--account", ACCOUNT, "--token-id", TID])
        .args(["--consumer-key", CK])
        .env("NSTBA_TOKEN_SECRET", TS)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(sb.store()).unwrap(), bad);
    assert!(sb.temp_files().is_empty());
}

#[cfg(unix)]
#[test]
fn readable_store_gets_a_warning() {
    let sb = Sandbox::new();
    sb.add_token("a", ACCOUNT, TID, TS);
    std::fs::set_permissions(sb.store(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = sb.nstba().args(["auth", "list"]).output().unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("chmod 600"), "{}", stderr(&out));
    // A command that reads the store at every step says it once.
    for args in [
        &["auth", "status", "--offline"][..],
        &["sign", "GET", "/services/rest/x"],
    ] {
        let out = sb.nstba().args(args).output().unwrap();
        let said = stderr(&out).matches("chmod 600").count();
        assert_eq!(said, 1, "{args:?}: {}", stderr(&out));
    }
    // nstba's own write puts it back to 0600.
    sb.add_token("b", ACCOUNT, TID, TS);
    let mode = std::fs::metadata(sb.store()).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn list_info_rename_remove() {
    let sb = Sandbox::new();
    sb.add_token("prod", "1234567", TID, TS);
    sb.add_token("sb", "1234567-sb1", TID, TS);

    let out = sb
        .nstba()
        .args(["auth", "list", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1]["authId"], "sb");
    assert_eq!(rows[1]["realm"], "1234567_SB1");
    assert_eq!(rows[1]["tokenId"], "tid-…");

    let out = sb.nstba().args(["auth", "list"]).output().unwrap();
    let table = stdout(&out);
    assert!(table.starts_with("AUTH ID"), "{table}");
    assert!(table.contains("prod") && table.contains("1234567-sb1"));

    // nstba.toml's account narrows the list; --all shows everything.
    std::fs::write(sb.path().join("nstba.toml"), "account = \"1234567_SB1\"\n").unwrap();
    let out = sb
        .nstba()
        .args(["auth", "list", "--json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert!(stderr(&out).contains("--all shows them"));
    let out = sb
        .nstba()
        .args(["auth", "list", "--json", "--all"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);

    let out = sb
        .nstba()
        .args(["auth", "info", "sb", "--json"])
        .output()
        .unwrap();
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(info["tokenId"], "tid-…");
    assert_eq!(info["sources"]["consumer"], "store");

    sb.nstba()
        .args(["auth", "rename", "sb", "sandbox"])
        .assert()
        .success();
    sb.nstba()
        .args(["auth", "rename", "sandbox", "prod"])
        .assert()
        .code(2);
    sb.nstba()
        .args(["auth", "rename", "sandbox", "../evil"])
        .assert()
        .code(2);
    let out = sb
        .nstba()
        .args(["auth", "remove", "sandbox"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(err.contains("stays active in NetSuite"), "{err}");
    assert!(err.contains("Setup > Users/Roles > Access Tokens"), "{err}");
    assert!(err.contains("nstba auth logout sandbox"), "{err}");
    sb.nstba()
        .args(["auth", "remove", "sandbox"])
        .assert()
        .code(2);
    let keys: Vec<String> = sb
        .store_json()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["prod"]);
}

#[test]
fn add_refuses_bad_input_and_existing_names() {
    let sb = Sandbox::new();
    sb.add_token("a", ACCOUNT, TID, TS);
    for (id, account) in [("a", ACCOUNT), ("bad/id", ACCOUNT), ("b", "123.evil.com")] {
        let out = sb
            .nstba()
            .args(["auth", "add", id, "--account", account, "--token-id", TID])
            .args(["--consumer-key", CK])
            .env("NSTBA_TOKEN_SECRET", TS)
            .env("NSTBA_CONSUMER_SECRET", CS)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{id}: {}", stderr(&out));
    }
    // Secrets on stdin, two lines: the token secret, then the consumer secret.
    sb.nstba()
        .args([
            "auth",
            "add",
            "piped",
            "--account",
            ACCOUNT,
            "--token-id",
            TID,
        ])
        .args(["--consumer-key", CK])
        .write_stdin(format!("{TS}\n{CS}\n"))
        .assert()
        .success();
    let v = sb.store_json();
    assert_eq!(v["piped"]["secret"], TS);
    assert_eq!(v["piped"]["consumerSecret"], CS);
    assert_eq!(v.as_object().unwrap().len(), 2);
}

/// `auth add` with the emulator's token, as a user would (secrets from the environment).
#[cfg(unix)]
fn add(sb: &Sandbox) -> std::process::Output {
    sb.nstba()
        .args(["auth", "add", "sb", "--account", ACCOUNT, "--token-id", TID])
        .args(["--consumer-key", CK])
        .env("NSTBA_TOKEN_SECRET", TS)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn a_planted_lock_symlink_is_never_followed() {
    let sb = Sandbox::new();
    let elsewhere = sb.path().join("victim");
    std::os::unix::fs::symlink(&elsewhere, sb.path().join(".nstba.lock")).unwrap();
    let out = add(&sb);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a symlink"), "{}", stderr(&out));
    assert!(
        !elsewhere.exists(),
        "a file was created where the link points"
    );
    assert!(!sb.store().exists());
}

#[cfg(unix)]
#[test]
fn a_store_that_is_a_fifo_is_an_error_not_a_hang() {
    let sb = Sandbox::new();
    let c = std::ffi::CString::new(sb.store().to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let started = std::time::Instant::now();
    let out = sb
        .nstba()
        .args(["auth", "list"])
        .timeout(std::time::Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn a_one_gigabyte_store_is_refused_without_reading_it() {
    let sb = Sandbox::new();
    // Sparse: a gigabyte that costs no disk.
    std::fs::File::create(sb.store())
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let out = sb.nstba().args(["auth", "list"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("over the 16.0 MB"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::metadata(sb.store()).unwrap().len(), 1 << 30);
}

#[cfg(unix)]
#[test]
fn a_store_in_a_folder_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let sb = Sandbox::new();
    let shared = sb.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = sb
        .nstba()
        .args(["auth", "add", "sb", "--account", ACCOUNT, "--token-id", TID])
        .args(["--consumer-key", CK])
        .env("NSTBA_STORE", shared.join(".nstba"))
        .env("NSTBA_TOKEN_SECRET", TS)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("other users can write to"),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::read_dir(&shared).unwrap().next().is_none(),
        "nothing written"
    );
    // With the sticky bit, in a folder of the user's own, it is fine (as a private /tmp).
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let out = sb
        .nstba()
        .args(["auth", "list"])
        .env("NSTBA_STORE", shared.join(".nstba"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn auth_list_marks_gulp_entries_without_a_consumer_pair_and_says_what_they_need() {
    let sb = Sandbox::with_token(); // nstba's own entry, with its pair
    let mut store = sb.store_json();
    store["gulp"] = serde_json::json!({"token": "t", "secret": "s", "account": "1234567"});
    std::fs::write(sb.store(), serde_json::to_string(&store).unwrap()).unwrap();
    let out = sb.nstba().args(["auth", "list"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let gulp = table.lines().find(|l| l.starts_with("gulp")).unwrap();
    assert!(gulp.contains("none: needs a pair"), "{table}");
    let sb_line = table.lines().find(|l| l.starts_with("sb ")).unwrap();
    assert!(sb_line.contains("saved"), "{table}");
    let err = stderr(&out);
    assert!(
        err.contains("1 TBA token is saved without a consumer pair")
            && err.contains("NSTBA_CONSUMER_KEY")
            && err.contains("--consumer-key KEY --consumer-secret-stdin"),
        "{err}"
    );
    // With the pair in the environment, it signs: no hint.
    let out = sb
        .nstba()
        .args(["auth", "list"])
        .env("NSTBA_CONSUMER_KEY", "k")
        .env("NSTBA_CONSUMER_SECRET", "s")
        .output()
        .unwrap();
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with("gulp") && l.contains("from env"))
    );
    assert!(!stderr(&out).contains("without a consumer pair"));
}
