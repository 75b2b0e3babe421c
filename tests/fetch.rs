//! What fetch may replace (docs/design.md §8): a local file that differs from the File
//! Cabinet is replaced only when it is what nstba itself last wrote or deployed there, or with
//! `--overwrite`; anything else is kept, listed, and the exit is 4.

use std::path::Path;

use crate::common::*;

const TARGET: &str = "SuiteScripts/my-app";

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn read(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join(rel)).unwrap()
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stderr(out)))
}

/// The case: deploy, edit a file without deploying it, fetch into the same folder
/// (no `--out`): the edit stays, is listed, and the exit is 4; --overwrite replaces it.
#[test]
fn fetch_keeps_an_edit_that_was_not_deployed() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    let app = sb.path().join("app");
    write(&app, "js/mod1.js", "remote one");
    write(&app, "js/mod2.js", "remote two");
    let out = sb.run(&emu, &["deploy", "app", "--target", TARGET]);
    assert!(out.status.success(), "{}", stderr(&out));

    write(&app, "js/mod1.js", "my work in progress");
    let out = sb
        .nstba()
        .args(["fetch", TARGET, "--json"])
        .current_dir(&app)
        .env("NSTBA_NETSUITE_URL", emu.url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("kept: local changes: SuiteScripts/my-app/js/mod1.js"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--overwrite"), "{}", stderr(&out));
    assert_eq!(read(&app, "js/mod1.js"), "my work in progress");
    let summary = json(&out);
    assert_eq!(
        summary["kept"],
        serde_json::json!(["SuiteScripts/my-app/js/mod1.js"])
    );
    assert_eq!(summary["unchanged"], 1);
    assert_eq!(summary["fetched"], 0);

    let out = sb
        .nstba()
        .args(["fetch", TARGET, "--overwrite"])
        .current_dir(&app)
        .env("NSTBA_NETSUITE_URL", emu.url())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&app, "js/mod1.js"), "remote one");
}

/// A file nstba fetched (or deployed) and nobody touched since is brought up to date when the
/// File Cabinet changes; a file nstba never wrote there is kept, even in a fresh folder.
#[test]
fn fetch_replaces_only_what_it_wrote_itself() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    write(&sb.path().join("v1"), "a.js", "version 1");
    write(&sb.path().join("v1"), "b.js", "b 1");
    assert!(
        sb.run(&emu, &["deploy", "v1", "--target", TARGET])
            .status
            .success()
    );
    let out = sb.run(&emu, &["fetch", TARGET, "--out", "back"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let back = sb.path().join("back");
    assert_eq!(read(&back, "a.js"), "version 1");

    // Someone deploys a new version from elsewhere.
    write(&sb.path().join("v2"), "a.js", "version 2");
    write(&sb.path().join("v2"), "b.js", "b 2");
    assert!(
        sb.run(&emu, &["deploy", "v2", "--target", TARGET])
            .status
            .success()
    );
    // b.js was edited here after the fetch; a.js was not.
    write(&back, "b.js", "edited here");
    let out = sb.run(&emu, &["fetch", TARGET, "--out", "back", "--json"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(read(&back, "a.js"), "version 2");
    assert_eq!(read(&back, "b.js"), "edited here");
    assert_eq!(json(&out)["fetched"], 1);

    // A folder nstba never wrote: what is there is the user's.
    write(&sb.path().join("fresh"), "a.js", "mine");
    let out = sb.run(&emu, &["fetch", TARGET, "--out", "fresh"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(read(&sb.path().join("fresh"), "a.js"), "mine");
    assert_eq!(read(&sb.path().join("fresh"), "b.js"), "b 2");
}
