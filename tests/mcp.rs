//! The emulator's MCP endpoint (issue 20, 4), as NetSuite's AI Connector Service serves it:
//! a Bearer token for the `mcp` scope alone, no Administrator role, a session from
//! `initialize`, `tools/list` and a SuiteQL tool. nstba's `--scope mcp` login gets that token.

use std::time::Duration;

use crate::common::*;

const CLIENT: &str = "mcp-client";

/// An `--oauth2 --scope mcp` login with the role the stand-in picks; its access token.
fn mcp_token(
    sb: &Sandbox,
    emu: &nstba_emulator::Handle,
    name: &str,
    role: &str,
    scope: &str,
) -> String {
    let out = sb
        .nstba()
        .args([
            "auth",
            "login",
            name,
            "--oauth2",
            "--client-id",
            CLIENT,
            "--public",
        ])
        .args(["--account", ACCOUNT, "--scope", scope])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_CALLBACK_URL", emu.redirect_uri())
        .env("NSTBA_BROWSER", standin_browser())
        .env("STANDIN_ROLE", role)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = sb.run(emu, &["auth", "token", name]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_string()
}

/// An account with a public client for MCP logins, on a redirect of its own.
fn mcp_emulator() -> nstba_emulator::Handle {
    emulator_with(|c| {
        c.clients = vec![nstba_emulator::oauth2::Client {
            id: CLIENT.into(),
            secret: None,
        }];
        c.redirect_uris = vec![format!("http://localhost:{}/cb", free_port())];
        c.allow_http_redirect = true;
    })
}

fn rpc(
    emu: &nstba_emulator::Handle,
    token: &str,
    session: Option<&str>,
    body: serde_json::Value,
) -> reqwest::blocking::Response {
    let mut req = http()
        .post(format!("{}/services/mcp/v1/all", emu.url()))
        .bearer_auth(token)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = session {
        req = req.header("mcp-session-id", s);
    }
    req.send().unwrap()
}

#[test]
fn the_emulators_mcp_endpoint_holds_netsuites_rules() {
    let emu = mcp_emulator();
    let sb = Sandbox::new();
    // nstba asks for mcp alone.
    let out = sb
        .nstba()
        .args([
            "auth",
            "login",
            "x",
            "--oauth2",
            "--client-id",
            CLIENT,
            "--public",
            "--scope",
            "mcp restlets",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("asked for alone"), "{}", stderr(&out));

    let token = mcp_token(&sb, &emu, "ai", "1000", "mcp");
    let r = rpc(
        &emu,
        &token,
        None,
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
    );
    assert_eq!(r.status(), 200);
    let session = r.headers()["mcp-session-id"].to_str().unwrap().to_string();
    let init: serde_json::Value = r.json().unwrap();
    assert_eq!(init["result"]["protocolVersion"], "2025-06-18");
    let r = rpc(
        &emu,
        &token,
        Some(&session),
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    assert_eq!(r.status(), 202);
    let list: serde_json::Value = rpc(
        &emu,
        &token,
        Some(&session),
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}),
    )
    .json()
    .unwrap();
    assert_eq!(list["result"]["tools"][0]["name"], "ns_runCustomSuiteQL");
    let call: serde_json::Value = rpc(&emu, &token, Some(&session), serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "ns_runCustomSuiteQL", "arguments": {"sqlQuery": "SELECT id FROM employee WHERE id <= 2"}}})).json().unwrap();
    let rows: serde_json::Value =
        serde_json::from_str(call["result"]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2, "{call}");
    // No session: refused.
    let r = rpc(
        &emu,
        &token,
        None,
        serde_json::json!({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}),
    );
    assert_eq!(r.status(), 400);

    // A token for other scopes, or of the Administrator role, is refused.
    let rest = mcp_token(&sb, &emu, "rest", "1000", "rest_webservices");
    let r = rpc(
        &emu,
        &rest,
        None,
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize"}),
    );
    assert_eq!(r.status(), 403);
    let admin = mcp_token(&sb, &emu, "admin", "3", "mcp");
    let r = rpc(
        &emu,
        &admin,
        None,
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize"}),
    );
    assert_eq!(r.status(), 403);
    assert!(r.text().unwrap().contains("Administrator"));
}

#[test]
fn nstba_mcp_bridges_stdio_to_netsuites_mcp_server() {
    use std::io::{BufRead as _, Write as _};
    let emu = mcp_emulator();
    let sb = Sandbox::new();
    mcp_token(&sb, &emu, "ai", "1000", "mcp");
    mcp_token(&sb, &emu, "rest", "1000", "rest_webservices");
    // A login for other scopes is refused at once, saying how to log in for MCP.
    let out = sb.run(&emu, &["mcp", "--to", "rest"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--scope mcp"), "{}", stderr(&out));

    let mut child = sb
        .nstba_std()
        .args(["mcp", "--to", "ai"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut ask = |msg: serde_json::Value| -> Option<serde_json::Value> {
        writeln!(stdin, "{msg}").unwrap();
        stdin.flush().unwrap();
        // A notification has no answer.
        msg.get("id")?;
        Some(serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap())
    };
    let init = ask(serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})).unwrap();
    assert_eq!(
        init["result"]["serverInfo"]["name"], "NetSuite emulator MCP",
        "{init}"
    );
    ask(serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    // The session NetSuite gave at initialize goes with the next messages.
    let list = ask(serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})).unwrap();
    assert_eq!(
        list["result"]["tools"][0]["name"], "ns_runCustomSuiteQL",
        "{list}"
    );
    let call = ask(serde_json::json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "ns_runCustomSuiteQL", "arguments": {"sqlQuery": "SELECT id FROM employee WHERE id <= 3"}}})).unwrap();
    assert_eq!(call["id"], 3);
    assert!(
        call["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("\"id\":\"3\""),
        "{call}"
    );
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    let store = sb.store_json();
    let token = store["ai"]["accessToken"].as_str().unwrap();
    assert!(!err.contains(token), "the token reached stderr: {err}");
}

/// The official MCP Python SDK (PyPI's `mcp`, in `target/ci-venv`, which `.ci/run` installs)
/// starts `nstba mcp`, lists the emulator's tools and calls one. A Linux program: not run under
/// Wine. Without the venv it is skipped, except in CI, where it fails.
#[cfg(unix)]
#[test]
fn the_python_mcp_sdk_drives_nstba_mcp() {
    let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv/bin/python");
    let has_sdk = python.is_file()
        && std::process::Command::new(&python)
            .args(["-c", "import mcp"])
            .output()
            .is_ok_and(|o| o.status.success());
    if !has_sdk {
        let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        assert!(
            !in_ci,
            "CI must run the MCP SDK test: target/ci-venv/bin/pip install mcp"
        );
        eprintln!(
            "skipped: the MCP Python SDK is not installed (python3 -m venv target/ci-venv && target/ci-venv/bin/pip install mcp)"
        );
        return;
    }
    let emu = mcp_emulator();
    let sb = Sandbox::new();
    mcp_token(&sb, &emu, "ai", "1000", "mcp");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/sdk_client.py");
    // The SDK passes this environment on to nstba: the sandbox's, and the emulator's URL.
    let nstba = sb.nstba_std();
    let mut cmd = std::process::Command::new(&python);
    cmd.arg(&script).arg(env!("CARGO_BIN_EXE_nstba")).arg("ai");
    for (k, v) in nstba.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.env("NSTBA_NETSUITE_URL", emu.url())
        .current_dir(sb.path());
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let got: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(got["server"], "NetSuite emulator MCP", "{got}");
    assert_eq!(got["tools"], serde_json::json!(["ns_runCustomSuiteQL"]));
    assert_eq!(got["rows"].as_array().unwrap().len(), 2, "{got}");
    assert_eq!(got["isError"], false);
}
