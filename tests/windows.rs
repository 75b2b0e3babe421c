//! What Windows showed (issue 17, docs/design.md §16), run under Wine by scripts/test-windows.sh:
//! saves while another program holds the store open, the home folder as Node finds it, paths
//! without `\\?\`, access lists, Windows' hidden attribute, a browser path with spaces.

use std::os::windows::fs::OpenOptionsExt as _;
use std::time::Duration;

use crate::common::*;

/// FILE_SHARE_READ only, as an editor that keeps a file open: Windows then replaces nothing
/// over it until it is closed.
const SHARE_READ: u32 = 1;

#[test]
fn saves_wait_for_a_reader_that_holds_the_store_open() {
    let sb = Sandbox::new();
    sb.add_token("first", ACCOUNT, TID, TS);
    let holder = std::fs::OpenOptions::new()
        .read(true)
        .share_mode(SHARE_READ)
        .open(sb.store())
        .unwrap();
    // A few writers start while the reader holds the store: one waits on the rename, the
    // others on the lock. The reader lets go after a second (starting a process under Wine
    // takes a good part of one, so the rest start after), and the rest then queue on the lock
    // while the first ones save.
    let start = std::time::Instant::now();
    let mut children: Vec<_> = (0..8).map(|i| sb.spawn_add_token(i)).collect();
    std::thread::sleep(Duration::from_secs(1).saturating_sub(start.elapsed()));
    drop(holder);
    children.extend((8..56).map(|i| sb.spawn_add_token(i)));
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let store = sb.store_json();
    assert_eq!(store.as_object().unwrap().len(), 57, "every save landed");
    assert!(sb.temp_files().is_empty(), "{:?}", sb.temp_files());
}

#[test]
fn a_store_held_open_too_long_is_named_and_kept_whole() {
    let sb = Sandbox::new();
    sb.add_token("first", ACCOUNT, TID, TS);
    let before = sb.store_text();
    let _holder = std::fs::OpenOptions::new()
        .read(true)
        .share_mode(SHARE_READ)
        .open(sb.store())
        .unwrap();
    let out = sb
        .nstba()
        .args([
            "auth",
            "add",
            "second",
            "--account",
            ACCOUNT,
            "--token-id",
            TID,
        ])
        .args(["--consumer-key", CK])
        .env("NSTBA_TOKEN_SECRET", TS)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("another program holds it open"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.store_text(), before);
}

#[test]
fn the_home_folder_is_userprofile_as_node_finds_it() {
    let sb = Sandbox::new();
    let profile = sb.path().join("profile");
    std::fs::create_dir_all(&profile).unwrap();
    sb.nstba()
        .env_remove("NSTBA_STORE")
        .env("HOME", sb.path().join("msys-home"))
        .env("USERPROFILE", &profile)
        .args(["auth", "add", "sb", "--account", ACCOUNT, "--token-id", TID])
        .args(["--consumer-key", CK])
        .env("NSTBA_TOKEN_SECRET", TS)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .assert()
        .success();
    assert!(profile.join(".nstba").is_file());
    assert!(!sb.path().join("msys-home").exists());
}

#[test]
fn printed_and_saved_paths_carry_no_verbatim_prefix() {
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args(["auth", "keygen", "--out", "keys"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(!printed.contains(r"\\?\"), "{printed}");
    assert!(
        printed.lines().all(|l| std::path::Path::new(l).is_file()),
        "{printed}"
    );
    assert!(
        stderr(&out).contains("an access list for you alone"),
        "{}",
        stderr(&out)
    );
    for line in printed.lines() {
        let others = nstba::fsio::windows::others(std::path::Path::new(line)).unwrap();
        assert!(!others.any(), "{line}: {others:?}");
    }

    // The project folder's pick, keyed by its path.
    sb.add_token("a", ACCOUNT, TID, TS);
    sb.add_token("b", ACCOUNT, TID, TS);
    let emu = emulator();
    // Only a deploy or fetch that succeeded remembers its --to (docs/design.md §5).
    std::fs::create_dir_all(sb.path().join("dist")).unwrap();
    std::fs::write(sb.path().join("dist/a.js"), "a").unwrap();
    let out = sb.run(
        &emu,
        &["deploy", "dist", "--target", "SuiteScripts/w", "--to", "b"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let projects = std::fs::read_to_string(sb.config_dir().join("projects.toml")).unwrap();
    assert!(!projects.contains(r"\\?\"), "{projects}");
}

#[test]
fn access_lists_are_the_users_alone_and_others_are_warned_of() {
    let sb = Sandbox::with_token();
    let others = nstba::fsio::windows::others(&sb.store()).unwrap();
    assert!(!others.any(), "nstba's own write: {others:?}");

    // Everyone may read it: a warning that names who and the fix, as a 0644 store on Unix.
    nstba::fsio::windows::set_access(&sb.store(), "D:P(A;;FA;;;WD)").unwrap();
    let out = sb.nstba().args(["auth", "list"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("other users can read it (Everyone may"),
        "{err}"
    );
    assert!(err.contains("icacls"), "{err}");

    // A store in a folder that Authenticated Users may change is refused.
    let shared = sb.path().join("shared");
    std::fs::create_dir_all(&shared).unwrap();
    nstba::fsio::windows::set_access(&shared, "D:P(A;OICI;FA;;;AU)").unwrap();
    let out = sb
        .nstba()
        .env("NSTBA_STORE", shared.join(".nstba"))
        .args(["auth", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Authenticated Users can change"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_hidden_attribute_hides_nothing_from_a_deploy() {
    const FILE_ATTRIBUTE_HIDDEN: u32 = 2;
    let emu = emulator();
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("app.js"), "visible").unwrap();
    let mut hidden = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .attributes(FILE_ATTRIBUTE_HIDDEN)
        .open(dist.join("thumbs.js"))
        .unwrap();
    std::io::Write::write_all(&mut hidden, b"hidden by Windows").unwrap();
    drop(hidden);
    let out = sb.run(&emu, &["deploy", "dist", "--target", "SuiteScripts/app"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        emu.file("SuiteScripts/app/thumbs.js").as_deref(),
        Some(b"hidden by Windows".as_slice()),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_browser_path_with_spaces_and_quotes_starts() {
    let emu = emulator();
    let sb = Sandbox::new();
    let folder = sb.path().join("My Browser");
    std::fs::create_dir_all(&folder).unwrap();
    let script = format!("{}/scripts/standin-browser.py", env!("CARGO_MANIFEST_DIR"));
    // Wine's start.exe under another name, in a folder with a space: `start /unix` runs the
    // Linux stand-in browser with the URL nstba appends as the last argument.
    let windir = std::env::var("WINDIR").unwrap_or_else(|_| r"C:\windows".into());
    let exe = folder.join("browser.exe");
    std::fs::copy(format!(r"{windir}\system32\start.exe"), &exe).unwrap();
    let browser = format!("\"{}\" /unix /usr/bin/python3 \"{script}\"", exe.display());
    let out = sb
        .nstba()
        .args(["auth", "login", "sb", "--account", ACCOUNT])
        .envs(flow_env(&emu).iter().map(|(k, v)| (k, v)))
        .env("NSTBA_BROWSER", &browser)
        .output()
        .unwrap();
    assert!(out.status.success(), "{browser}: {}", stderr(&out));
    assert!(sb.store_json()["sb"]["token"].is_string());
}
