//! Shared test helpers: a temporary home and store per test, the real `nstba` binary with a
//! clean environment, and the emulator on 127.0.0.1:0.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub const ACCOUNT: &str = "1234567_SB1";
pub const CK: &str = "ck-0123456789abcdef";
pub const CS: &str = "CONSUMER-SECRET-do-not-print-81f2";
pub const TID: &str = "tid-abcdef0123456789";
pub const TS: &str = "TOKEN-SECRET-do-not-print-77a9";

/// A test's own folder: the store lives here, and it is the home and the current folder.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn store(&self) -> PathBuf {
        self.dir.path().join(".nstba")
    }

    pub fn store_text(&self) -> String {
        std::fs::read_to_string(self.store()).unwrap_or_default()
    }

    pub fn store_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.store_text()).expect("store is JSON")
    }

    /// The real binary with nothing inherited that could change its behaviour.
    pub fn nstba(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nstba"));
        for (k, _) in std::env::vars() {
            if k.starts_with("NSTBA_") || k == "CI" || k == "BROWSER" {
                cmd.env_remove(k);
            }
        }
        cmd.env("HOME", self.path())
            .env("NSTBA_STORE", self.store())
            .env("NSTBA_NO_INPUT", "1")
            .current_dir(self.path());
        cmd
    }

    /// Same, as a plain std Command (for spawning many at once).
    pub fn nstba_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nstba"));
        for (k, _) in std::env::vars() {
            if k.starts_with("NSTBA_") || k == "CI" {
                cmd.env_remove(k);
            }
        }
        cmd.env("HOME", self.path())
            .env("NSTBA_STORE", self.store())
            .env("NSTBA_NO_INPUT", "1")
            .current_dir(self.path());
        cmd
    }

    /// Saves a token with `nstba auth add` (secrets through the environment).
    pub fn add_token(&self, auth_id: &str, account: &str, tid: &str, ts: &str) {
        self.nstba()
            .args([
                "auth",
                "add",
                auth_id,
                "--account",
                account,
                "--token-id",
                tid,
            ])
            .args(["--consumer-key", CK])
            .env("NSTBA_TOKEN_SECRET", ts)
            .env("NSTBA_CONSUMER_SECRET", CS)
            .assert()
            .success();
    }
}

/// The emulator for `ACCOUNT` with the integration record (CK, CS) and the token (TID, TS).
pub fn emulator() -> nstba_emulator::Handle {
    emulator_with(|_| {})
}

pub fn emulator_with(change: impl FnOnce(&mut nstba_emulator::Config)) -> nstba_emulator::Handle {
    let mut config = nstba_emulator::Config {
        account: ACCOUNT.into(),
        consumer_key: CK.into(),
        consumer_secret: CS.into(),
        tokens: vec![(TID.into(), TS.into())],
        ..Default::default()
    };
    change(&mut config);
    nstba_emulator::spawn(config).expect("emulator starts")
}

/// Asserts that no secret appears in a text.
pub fn assert_no_secrets(what: &str, text: &str) {
    for secret in [CS, TS] {
        assert!(
            !text.contains(secret),
            "a secret leaked into {what}:\n{text}"
        );
    }
}

pub fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
