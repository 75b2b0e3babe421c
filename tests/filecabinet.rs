//! `deploy` and `fetch` through the RESTlet protocol against the emulator's File Cabinet, and a
//! hostile server that tries to make `fetch` write outside `--out`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::standin::{Req, Resp, StandIn};
use crate::common::*;

const TARGET: &str = "SuiteScripts/app";

/// A source tree with the awkward cases: spaces, non-ASCII names, an empty file, binary
/// files, nesting.
fn make_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut seed = 7u64;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (seed >> 56) as u8
            })
            .collect()
    };
    files.insert(
        "index.js".into(),
        b"define([], function () { return 1; });\n".to_vec(),
    );
    files.insert("empty.txt".into(), Vec::new());
    files.insert(
        "with space/a file.css".into(),
        b"body { color: red }".to_vec(),
    );
    files.insert(
        "ünïcödé/ファイル.txt".into(),
        "héllo wörld ✓\n".as_bytes().to_vec(),
    );
    files.insert("img/logo.png".into(), random(70_000));
    files.insert("img/deep/er/blob.bin".into(), random(3_000));
    files.insert("img/zeros.bin".into(), vec![0u8; 1000]);
    for i in 0..20 {
        files.insert(
            format!("lib/m{i:02}.js"),
            format!("// module {i}\n").into_bytes(),
        );
    }
    for (rel, bytes) in &files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    files
}

fn deploy(sb: &Sandbox, emu: &nstba_emulator::Handle, extra: &[&str]) -> std::process::Output {
    sb.nstba()
        .args(["deploy", "dist", "--target", TARGET, "--json"])
        .args(extra)
        .env("NSTBA_NETSUITE_URL", emu.url())
        .output()
        .unwrap()
}

fn summary(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(out), stderr(out)))
}

fn setup() -> (Sandbox, BTreeMap<String, Vec<u8>>) {
    let sb = Sandbox::with_token();
    let files = make_tree(&sb.path().join("dist"));
    (sb, files)
}

#[test]
fn deploy_then_fetch_gives_the_same_tree() {
    let emu = emulator();
    let (sb, files) = setup();
    let out = deploy(&sb, &emu, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["uploaded"], files.len());
    assert_eq!(s["skipped"], 0);
    assert_eq!(s["failed"], 0);
    assert_eq!(s["bytes"], files.values().map(Vec::len).sum::<usize>());
    assert!(s["seconds"].is_number());
    assert_eq!(
        emu.file("SuiteScripts/app/ünïcödé/ファイル.txt").unwrap(),
        files["ünïcödé/ファイル.txt"]
    );

    let out = sb.run(
        &emu,
        &["fetch", TARGET, "--out", "back", "--json", "--dry-run"],
    );
    assert_eq!(summary(&out)["wouldFetch"], files.len());
    assert!(!sb.path().join("back").exists(), "a dry run writes nothing");
    let out = sb.run(&emu, &["fetch", TARGET, "--out", "back", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(summary(&out)["fetched"], files.len());
    assert_eq!(read_tree(&sb.path().join("back")), files);
}

#[test]
fn redeploy_uploads_nothing_then_only_what_changed() {
    let emu = emulator();
    let (sb, files) = setup();
    assert!(deploy(&sb, &emu, &[]).status.success());
    let hits = emu.api_hits();
    let out = deploy(&sb, &emu, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(
        (s["uploaded"].as_u64(), s["skipped"].as_u64()),
        (Some(0), Some(files.len() as u64))
    );
    assert_eq!(
        emu.api_hits(),
        hits + 1,
        "an unchanged re-deploy sends one request: the listing that checks the state"
    );
    assert_eq!(s["resent"], serde_json::json!([]));

    let dist = sb.path().join("dist");
    std::fs::write(dist.join("index.js"), "changed").unwrap();
    std::fs::write(dist.join("img/zeros.bin"), [1u8; 10]).unwrap();
    std::fs::write(dist.join("new file.txt"), "new").unwrap();
    let s = summary(&deploy(&sb, &emu, &[]));
    assert_eq!(s["uploaded"], 3);
    assert_eq!(emu.file("SuiteScripts/app/index.js").unwrap(), b"changed");
    assert_eq!(emu.file("SuiteScripts/app/new file.txt").unwrap(), b"new");

    // --dry-run says what would go and sends nothing; --force sends everything.
    std::fs::write(dist.join("index.js"), "again").unwrap();
    let hits = emu.api_hits();
    let out = sb.run(&emu, &["deploy", "dist", "--target", TARGET, "--dry-run"]);
    assert_eq!(stdout(&out), "SuiteScripts/app/index.js\n");
    let s = summary(&deploy(&sb, &emu, &["--dry-run"]));
    assert_eq!(
        (s["wouldUpload"].as_u64(), s["dryRun"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(
        emu.api_hits(),
        hits + 2,
        "each dry run only lists the target"
    );
    assert_eq!(emu.file("SuiteScripts/app/index.js").unwrap(), b"changed");
    let s = summary(&deploy(&sb, &emu, &["--force"]));
    assert_eq!(s["uploaded"], files.len() + 1);
}

#[test]
fn governance_cuts_batches_and_everything_arrives() {
    let emu = emulator_with(|c| c.governance = Some(3));
    let (sb, files) = setup();
    let out = deploy(&sb, &emu, &["--jobs", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(summary(&out)["uploaded"], files.len());
    assert!(
        emu.api_hits() >= files.len() / 3,
        "batches were cut into calls of 3"
    );
    let out = sb.run(&emu, &["fetch", TARGET, "--out", "back"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_tree(&sb.path().join("back")), files);
}

#[test]
fn faults_then_a_second_run_finishes() {
    let emu = emulator_with(|c| {
        c.fail_rate = 0.3;
        c.seed = Some(42);
        c.max_concurrency = Some(3);
        // Long enough that the batches' requests overlap even on a loaded machine.
        c.latency_ms = 150;
        c.governance = Some(40);
    });
    let (sb, mut files) = setup();
    // Enough files for several batches in flight at once.
    for i in 0..400 {
        let rel = format!("many/f{i:03}.txt");
        let bytes = format!("file {i}\n").into_bytes();
        std::fs::create_dir_all(sb.path().join("dist/many")).unwrap();
        std::fs::write(sb.path().join("dist").join(&rel), &bytes).unwrap();
        files.insert(rel, bytes);
    }
    let first = deploy(&sb, &emu, &["--jobs", "5", "-v"]);
    match first.status.code() {
        Some(0) => {}
        Some(4) => assert!(stderr(&first).contains("failed: "), "{}", stderr(&first)),
        other => panic!("exit {other:?}: {}", stderr(&first)),
    }
    let second = deploy(&sb, &emu, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    // The faults did happen, and were retried.
    let details: Vec<String> = emu.audit().into_iter().map(|a| a.detail).collect();
    assert!(details.iter().any(|d| d == "InjectedFault"), "{details:?}");
    assert!(
        details.iter().any(|d| d == "ConcurrencyLimitExceeded"),
        "{details:?}"
    );
    assert!(
        stderr(&first).contains("(POST /app/site/hosting/restlet.nl); retrying in "),
        "{}",
        stderr(&first)
    );
    let (a, b) = (summary(&first), summary(&second));
    assert_eq!(
        a["uploaded"].as_u64().unwrap() + b["uploaded"].as_u64().unwrap(),
        files.len() as u64,
        "the second run sends only what the first did not confirm"
    );
    let out = sb.run(&emu, &["fetch", TARGET, "--out", "back", "--jobs", "5"]);
    if out.status.code() == Some(4) {
        // A fetch may lose files to faults too; the next one completes.
        let again = sb.run(&emu, &["fetch", TARGET, "--out", "back"]);
        assert!(again.status.success(), "{}", stderr(&again));
    } else {
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(read_tree(&sb.path().join("back")), files);
}

#[test]
fn an_interrupted_deploy_resumes_where_it_stopped() {
    let emu = emulator_with(|c| c.latency_ms = 400);
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    for i in 0..250 {
        std::fs::write(dist.join(format!("f{i:03}.txt")), format!("file {i}")).unwrap();
    }
    let mut child = sb
        .nstba_std()
        .args(["deploy", "dist", "--target", TARGET, "--jobs", "1"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while sb.deploy_states().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no batch was confirmed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    let _ = child.wait();
    let state = sb.deploy_states().remove(0);
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(recorded["account"], ACCOUNT);
    let done = recorded["files"].as_object().unwrap().len();
    assert!(done > 0 && done < 250, "{done}");
    let out = sb.run(&emu, &["deploy", "dist", "--target", TARGET, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["skipped"], done, "{}", stderr(&out));
    assert_eq!(s["uploaded"], 250 - done);
    assert_eq!(emu.files(TARGET).len(), 250);
}

#[test]
fn files_over_10_mb_are_refused_before_any_request() {
    let emu = emulator();
    let (sb, _) = setup();
    let big = sb.path().join("dist/big.bin");
    std::fs::write(&big, vec![7u8; 11 * 1024 * 1024]).unwrap();
    let out = deploy(&sb, &emu, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("big.bin (11.0 MB)"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("Nothing was sent"));
    emu.assert_no_calls();
}

#[test]
fn ignore_files_and_project_defaults() {
    let emu = emulator();
    let (sb, files) = setup();
    std::fs::write(sb.path().join("dist/.nstbaignore"), "img/\n").unwrap();
    std::fs::write(sb.path().join("dist/.gitignore"), "*.css\n").unwrap();
    std::fs::write(
        sb.path().join("nstba.toml"),
        "account = \"1234567_SB1\"\n[deploy]\nsource = \"dist\"\ntarget = \"SuiteScripts/app\"\n\
         [fetch]\nout = \"pulled\"\n",
    )
    .unwrap();
    let out = sb.run(&emu, &["deploy", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected: Vec<&String> = files
        .keys()
        .filter(|k| !k.starts_with("img/") && !k.ends_with(".css"))
        .collect();
    assert_eq!(summary(&out)["uploaded"], expected.len());
    assert!(emu.file("SuiteScripts/app/img/logo.png").is_none());
    assert!(emu.file("SuiteScripts/app/.nstbaignore").is_none());
    let out = sb
        .nstba()
        .arg("fetch")
        .env("NSTBA_NETSUITE_URL", emu.url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read_tree(&sb.path().join("pulled")).len(), expected.len());
}

#[test]
fn missing_restlet_says_how_to_install_it() {
    let emu = emulator_with(|c| c.restlet_script = "customscript_other".into());
    let (sb, _) = setup();
    let out = deploy(&sb, &emu, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("SSS_INVALID_SCRIPTLET_ID"), "{err}");
    assert!(err.contains("Install the RESTlet"), "{err}");
    assert!(err.contains("[restlet] script and deploy"), "{err}");
    // With the right IDs it works.
    let out = deploy(&sb, &emu, &["--script", "customscript_other"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn revoked_token_stops_the_deploy_with_exit_3() {
    let emu = emulator();
    let sb = Sandbox::new();
    sb.add_token("sb", ACCOUNT, TID, "wrong");
    make_tree(&sb.path().join("dist"));
    let out = deploy(&sb, &emu, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("Login Audit Trail"));
}

/// A server that answers the RESTlet protocol with hostile paths (and, with `protocol`, a
/// protocol version of its choosing). No signature check: it only has to be called.
fn hostile_server(protocol: u64) -> StandIn {
    let paths = [
        "../evil.txt",
        "/tmp/evil-absolute.txt",
        "SuiteScripts/app/../../evil2.txt",
        "SuiteScripts/app/sub\\..\\..\\evil3.txt",
        "SuiteScripts/other/evil4.txt",
        "SuiteScripts/app/link/evil5.txt",
        // Names Windows cannot hold, refused on every platform before anything is written.
        "SuiteScripts/app/a<b.js",
        "SuiteScripts/app/CONIN$",
        "SuiteScripts/app/COM¹.txt",
        "SuiteScripts/app/x:y.js",
        "SuiteScripts/app/ok.txt",
    ];
    StandIn::start(move |req: Req| async move {
        let files: Vec<serde_json::Value> = paths
            .iter()
            .map(|p| serde_json::json!({"path": p, "id": "1", "size": 4, "encoding": "utf8", "content": "pwnd"}))
            .collect();
        let answer = if req.target.contains("action=list") {
            serde_json::json!({"protocol": protocol, "files": files, "truncated": false})
        } else {
            serde_json::json!({"protocol": protocol, "files": files, "remaining": []})
        };
        Resp::json(200, answer.to_string())
    })
}

#[test]
fn hostile_paths_never_escape_out() {
    let server = hostile_server(1);
    let url = server.url();
    let sb = Sandbox::with_token();
    let out_dir = sb.path().join("a/b/out");
    std::fs::create_dir_all(&out_dir).unwrap();
    // A symlink inside --out that points outside it.
    let outside = sb.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, out_dir.join("link")).unwrap();
    let before = list_all(sb.path());
    let out = sb
        .nstba()
        .args(["fetch", TARGET, "--out"])
        .arg(&out_dir)
        .env("NSTBA_NETSUITE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    for refused in [
        "../evil.txt",
        "/tmp/evil-absolute.txt",
        "evil2.txt",
        "evil3.txt",
        "evil4.txt",
        "a<b.js",
        "CONIN$",
        "COM¹.txt",
        "x:y.js",
    ] {
        assert!(err.contains(refused), "{refused} not reported: {err}");
    }
    assert!(
        err.contains("which Windows allows in no file name"),
        "{err}"
    );
    #[cfg(unix)]
    assert!(err.contains("symlink"), "{err}");
    assert_eq!(std::fs::read(out_dir.join("ok.txt")).unwrap(), b"pwnd");
    let mut after = list_all(sb.path());
    // What fetch wrote, less its record of it in the user's cache folder.
    after.retain(|p| !before.contains(p) && !p.starts_with(sb.path().join(".cache")));
    // Without the planted link (Unix only here), link/evil5.txt is an ordinary file inside.
    #[cfg(not(unix))]
    after.retain(|p| !p.starts_with(out_dir.join("link")));
    assert_eq!(after, vec![out_dir.join("ok.txt")], "only ok.txt is new");
    assert!(!Path::new("/tmp/evil-absolute.txt").exists());
}

#[test]
fn another_protocol_version_is_refused() {
    let server = hostile_server(2);
    let url = server.url();
    let sb = Sandbox::with_token();
    let out = sb
        .nstba()
        .args(["fetch", TARGET, "--out", "out"])
        .env("NSTBA_NETSUITE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("protocol 2"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("update the RESTlet"),
        "{}",
        stderr(&out)
    );
    assert!(!sb.path().join("out").exists());
}

fn list_all(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A role without File Cabinet permission: NetSuite answers 403; the error says which
/// permission to give, and nothing is recorded as deployed.
#[test]
fn permission_errors_name_the_permission() {
    let server = StandIn::start(|_req: Req| async {
        let body = r#"{"error":{"code":"INSUFFICIENT_PERMISSION","message":"Permission Violation: You need the 'Documents and Files' permission."}}"#;
        Resp::json(403, body)
    });
    let url = server.url();
    let sb = Sandbox::with_token();
    make_tree(&sb.path().join("dist"));
    let out = sb
        .nstba()
        .args(["deploy", "dist", "--target", TARGET])
        .env("NSTBA_NETSUITE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("INSUFFICIENT_PERMISSION"), "{err}");
    assert!(err.contains("Documents and Files (Full)"), "{err}");
    assert!(
        sb.deploy_states().is_empty(),
        "nothing recorded as deployed"
    );
    // A refusal is final: the deploy stopped instead of sending every file; only the calls
    // already under way when it came were made (the window starts at 4).
    assert!(server.hits() <= 4, "{} calls", server.hits());
}

#[test]
fn an_edit_within_the_timestamp_resolution_of_a_deploy_is_not_skipped() {
    // On FAT (2 s), HFS+ (1 s) or SMB an edit just after a deploy can keep the file's size
    // and time: a time that recent is not recorded, so the next deploy hashes the file.
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let a = dist.join("a.js");
    std::fs::write(&a, "one").unwrap();
    let out = sb.run(&emu, &["deploy", "dist", "--target", TARGET, "--json"]);
    assert_eq!(summary(&out)["uploaded"], 1, "{}", stderr(&out));
    let time = std::fs::metadata(&a).unwrap().modified().unwrap();
    std::fs::write(&a, "ONE").unwrap();
    set_modified(&a, time);
    let out = sb.run(&emu, &["deploy", "dist", "--target", TARGET, "--json"]);
    assert_eq!(summary(&out)["uploaded"], 1, "{}", stderr(&out));
    assert_eq!(emu.file(&format!("{TARGET}/a.js")).unwrap(), b"ONE");
}

#[test]
fn a_file_of_the_recorded_size_and_time_is_not_hashed_again_unless_checksum() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    let (a, b) = (dist.join("a.js"), dist.join("b.js"));
    std::fs::write(&a, "one").unwrap();
    std::fs::write(&b, "two").unwrap();
    // Times a minute old: a time within the file system's resolution of the deploy is never
    // trusted (an_edit_within_the_timestamp_resolution_of_a_deploy_is_not_skipped).
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    for f in [&a, &b] {
        set_modified(f, old);
    }
    let deploy = |extra: &[&str]| {
        let mut args = vec!["deploy", "dist", "--target", TARGET, "--json"];
        args.extend_from_slice(extra);
        let out = sb.run(&emu, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        summary(&out)
    };
    assert_eq!(deploy(&[])["uploaded"], 2);
    // a.js changes but keeps its size and time (as a tool that restores times might leave
    // it): only a hash can tell, so a plain deploy trusts the size and time...
    let time = std::fs::metadata(&a).unwrap().modified().unwrap();
    std::fs::write(&a, "ONE").unwrap();
    set_modified(&a, time);
    // ...and b.js is touched but the same: hashed once, found unchanged, its time recorded.
    set_modified(&b, time + std::time::Duration::from_secs(5));
    assert_eq!(deploy(&[])["uploaded"], 0);
    assert_eq!(emu.file(&format!("{TARGET}/a.js")).unwrap(), b"one");
    let recorded = std::fs::read_to_string(&sb.deploy_states()[0]).unwrap();
    assert!(recorded.contains("\"modified\""), "{recorded}");
    // --checksum hashes everything and finds a.js.
    assert_eq!(deploy(&["--checksum"])["uploaded"], 1);
    assert_eq!(emu.file(&format!("{TARGET}/a.js")).unwrap(), b"ONE");
}

#[test]
fn names_are_uploaded_in_nfc_as_macos_would_not() {
    // macOS (HFS+) hands back names decomposed; the File Cabinet gets the composed form a
    // Linux or Windows teammate's deploy sends, and two names that are one in NFC are refused.
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(dist.join("re\u{301}sume\u{301}")).unwrap();
    std::fs::write(dist.join("re\u{301}sume\u{301}/cafe\u{301}.js"), "nfd").unwrap();
    let out = sb.run(&emu, &["deploy", "dist", "--target", TARGET, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(summary(&out)["uploaded"], 1);
    assert_eq!(
        emu.file(&format!("{TARGET}/r\u{e9}sum\u{e9}/caf\u{e9}.js"))
            .unwrap(),
        b"nfd"
    );
    if cfg!(target_os = "linux") {
        // Only Linux keeps both forms side by side.
        std::fs::write(dist.join("re\u{301}sume\u{301}/caf\u{e9}.js"), "nfc").unwrap();
        let out = sb.run(&emu, &["deploy", "dist", "--target", TARGET, "--json"]);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(said.contains("Unicode-normalized"), "{said}");
    }
}
