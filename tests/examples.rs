//! The top-level `examples/` (issue 11): each Rust example is built and run against the
//! emulator, and each CI recipe's shell steps run as the CI would run them, with the TBA and
//! the M2M variables.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::*;

/// Builds the Rust examples once; their folder.
fn examples() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let out = Command::new(cargo)
                .args(["build", "--examples", "--quiet"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The examples sit beside the binary under test.
            Path::new(env!("CARGO_BIN_EXE_nstba"))
                .parent()
                .unwrap()
                .join("examples")
        })
        .clone()
}

fn example(sb: &Sandbox, emu: &nstba_emulator::Handle, name: &str) -> Command {
    let mut cmd = Command::new(examples().join(name));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sb.path())
        .env("NSTBA_STORE", sb.store())
        .env("NSTBA_NETSUITE_URL", emu.url())
        .current_dir(sb.path());
    cmd
}

#[test]
#[cfg_attr(windows, ignore = "needs cargo inside Windows: it builds the examples")]
fn the_rust_examples_run_against_the_emulator() {
    let emu = emulator();
    let sb = Sandbox::with_token(); // "sb"
    emu.put_file("SuiteScripts/shown/a.js", b"// a");

    let out = example(&sb, &emu, "sign_request")
        .args(["sb", "SuiteScripts/shown"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("SuiteScripts/shown/a.js\t"),
        "{}",
        stdout(&out)
    );
    assert_no_secrets("sign_request", &stderr(&out));

    let out = example(&sb, &emu, "suiteql")
        .arg("SELECT id, entityid FROM employee WHERE id <= 3")
        .env("NSTBA_AUTH_ID", "sb")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(rows[0]["entityid"].is_string());

    let dist = sb.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("app.js"), "define([], () => 1);\n").unwrap();
    std::fs::write(dist.join("logo.bin"), [0u8, 159, 146, 150]).unwrap();
    let out = example(&sb, &emu, "deploy_folder")
        .args(["sb", "dist", "SuiteScripts/sketch"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        emu.file("SuiteScripts/sketch/logo.bin").unwrap(),
        [0u8, 159, 146, 150]
    );
    assert_eq!(
        emu.file("SuiteScripts/sketch/app.js").unwrap(),
        b"define([], () => 1);\n"
    );
}

/// The shell steps of a CI recipe, in order: GitHub's `run:` blocks or GitLab's `script:`
/// items, without the step that installs nstba (the test puts the nstba under test on PATH).
fn shell_steps(recipe: &str) -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(recipe)).unwrap();
    let mut steps = Vec::new();
    let mut lines = text.lines().peekable();
    let mut in_script = false;
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("run:") {
            in_script = false;
            let rest = rest.trim();
            if rest == "|" {
                let indent = lines.peek().map_or(0, |l| l.len() - l.trim_start().len());
                while let Some(next) = lines.peek() {
                    let next_indent = next.len() - next.trim_start().len();
                    if next.trim().is_empty() || next_indent < indent {
                        break;
                    }
                    steps.push(next.trim().to_string());
                    lines.next();
                }
            } else {
                steps.push(rest.to_string());
            }
        } else if trimmed == "script:" {
            in_script = true;
        } else if in_script {
            match trimmed.strip_prefix("- ") {
                Some(item) => steps.push(item.to_string()),
                None => in_script = false,
            }
        }
    }
    let steps: Vec<String> = steps
        .into_iter()
        .filter(|s| !s.contains("# install"))
        .collect();
    assert!(steps.len() >= 2, "{recipe}: {steps:?}");
    steps.join("\n")
}

/// Runs a recipe's steps in a fresh checkout-like folder with `env`; returns the folder.
fn run_recipe(
    recipe: &str,
    env: &[(&str, String)],
    emu: &nstba_emulator::Handle,
) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let app = repo.path().join("src/FileCabinet/SuiteScripts/my-app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("main.js"), "define([], () => 'ci');\n").unwrap();
    std::fs::create_dir_all(repo.path().join("examples/ci")).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci/deploy.sh");
    std::fs::copy(&script, repo.path().join("examples/ci/deploy.sh")).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_nstba"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &shell_steps(recipe)])
        .current_dir(repo.path())
        .env_clear()
        .env("PATH", path)
        .env("HOME", repo.path())
        .env("CI", "true")
        .env("NSTBA_NETSUITE_URL", emu.url())
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{recipe}: {}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert_no_secrets(recipe, &stderr(&out));
    repo
}

#[test]
#[cfg_attr(
    windows,
    ignore = "needs bash inside Windows: the recipes are shell steps"
)]
fn the_ci_recipes_deploy_with_tba_and_with_m2m_variables() {
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args(["auth", "keygen", "--algorithm", "ES256", "--out", "keys"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let paths: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    let cert = std::fs::read_to_string(&paths[1]).unwrap();
    let emu = emulator_with(|c| {
        c.clients = vec![nstba_emulator::oauth2::Client {
            id: "ci-client".into(),
            secret: None,
        }];
        c.m2m_certs = vec![("ci-kid".into(), cert)];
    });
    let tba = vec![
        ("NSTBA_ACCOUNT", ACCOUNT.to_string()),
        ("NSTBA_CONSUMER_KEY", CK.to_string()),
        ("NSTBA_CONSUMER_SECRET", CS.to_string()),
        ("NSTBA_TOKEN_ID", TID.to_string()),
        ("NSTBA_TOKEN_SECRET", TS.to_string()),
    ];
    let m2m = vec![
        ("NSTBA_ACCOUNT", ACCOUNT.to_string()),
        ("NSTBA_CLIENT_ID", "ci-client".to_string()),
        ("NSTBA_CERTIFICATE_ID", "ci-kid".to_string()),
        (
            "NSTBA_PRIVATE_KEY",
            std::fs::read_to_string(&paths[0]).unwrap(),
        ),
    ];
    for (recipe, env) in [
        ("examples/ci/github-actions.yml", &tba),
        ("examples/ci/gitlab-ci.yml", &m2m),
    ] {
        let repo = run_recipe(recipe, env, &emu);
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(repo.path().join("nstba-deploy.json")).unwrap())
                .unwrap();
        assert_eq!(summary["failed"], 0, "{recipe}: {summary}");
        assert_eq!(
            emu.file("SuiteScripts/my-app/main.js").unwrap(),
            b"define([], () => 'ci');\n",
            "{recipe}"
        );
    }
}
