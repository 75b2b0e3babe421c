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
