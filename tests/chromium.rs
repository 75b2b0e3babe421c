//! The login in a real browser: headless Chromium, driven through ChromeDriver's WebDriver
//! API, opens the emulator's consent page, clicks Allow, follows the redirect to nstba's
//! loopback listener, and the login completes. `.ci/run` installs Debian's `chromium` and
//! `chromium-driver`; in CI (CI set) a missing browser fails the test instead of skipping it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

/// The W3C WebDriver key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn find(names: &[&str]) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// ChromeDriver on a free port; killed on drop.
struct Driver {
    child: std::process::Child,
    base: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(path: &std::path::Path) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let driver = Driver {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = http()
            .get(format!("{}/status", driver.base))
            .send()
            .ok()
            .and_then(|r| r.json::<Value>().ok())
            .is_some_and(|v| v["value"]["ready"] == true);
        if ready {
            return driver;
        }
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn call(method: reqwest::Method, url: String, body: Option<Value>) -> Value {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let mut req = client.request(method, &url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().unwrap();
    let status = resp.status();
    let v: Value = resp.json().unwrap();
    assert!(status.is_success(), "{url}: {status} {v}");
    v["value"].clone()
}

/// Chromium and ChromeDriver, or `None` (a skip, except in CI, where it fails).
fn browser() -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    match (
        find(&["chromium", "chromium-browser", "google-chrome"]),
        find(&["chromedriver"]),
    ) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
            assert!(
                !in_ci,
                "CI must run the browser test: install Debian's chromium and chromium-driver"
            );
            eprintln!(
                "skipped: chromium or chromedriver is not installed (apt-get install chromium \
                 chromium-driver)"
            );
            None
        }
    }
}

/// Opens `authorize` in headless Chromium, clicks Allow, and waits for nstba's page: its
/// title, and the time from the click to it.
fn click_allow(sb: &Sandbox, authorize: &str) -> (Value, Duration) {
    let (chromium, chromedriver) = browser().expect("checked by the caller");
    let driver = start_driver(&chromedriver);
    let profile = sb.path().join("chromium-profile");
    // acceptInsecureCerts: as a user who accepted nstba's loopback certificate once (the
    // TBA flow's http:// callback needs no such thing).
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "acceptInsecureCerts": true,
        "goog:chromeOptions": {
            "binary": chromium.display().to_string(),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                     format!("--user-data-dir={}", profile.display())],
        },
    }}});
    let session = call(
        reqwest::Method::POST,
        format!("{}/session", driver.base),
        Some(caps),
    );
    let sid = session["sessionId"].as_str().unwrap().to_string();
    let s = format!("{}/session/{sid}", driver.base);

    call(
        reqwest::Method::POST,
        format!("{s}/url"),
        Some(json!({"url": authorize})),
    );
    let title = call(reqwest::Method::GET, format!("{s}/title"), None);
    assert_eq!(title, "Grant access");
    let allow = call(
        reqwest::Method::POST,
        format!("{s}/element"),
        Some(json!({"using": "css selector", "value": "#allow"})),
    );
    let id = allow[ELEMENT]
        .as_str()
        .unwrap_or_else(|| panic!("{allow}"))
        .to_string();
    let clicked = Instant::now();
    call(
        reqwest::Method::POST,
        format!("{s}/element/{id}/click"),
        Some(json!({})),
    );
    // The click posts the form; NetSuite redirects to nstba's listener, which answers once
    // the token is saved.
    let deadline = Instant::now() + Duration::from_secs(60);
    let title = loop {
        let t = call(reqwest::Method::GET, format!("{s}/title"), None);
        if t.as_str().is_some_and(|t| t.starts_with("nstba")) || Instant::now() > deadline {
            break t;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = clicked.elapsed();
    call(reqwest::Method::DELETE, s.clone(), None);
    drop(driver);
    (title, took)
}

#[test]
fn headless_chromium_clicks_allow() {
    if browser().is_none() {
        return;
    }
    let emu = emulator(); // the consent page waits for a click
    let sb = Sandbox::new();
    let env = flow_env(&emu);
    let mut run = sb.spawn(
        &[
            "auth",
            "login",
            "browser",
            "--account",
            ACCOUNT,
            "--no-browser",
            "-v",
        ],
        &env_refs(&env),
    );
    let authorize = run.authorize_url();
    let (title, took) = click_allow(&sb, &authorize);
    assert_eq!(title, "nstba: Signed in");
    let (code, err) = run.finish();
    assert_eq!(code, Some(0), "{err}");
    eprintln!(
        "browser login: click to success page in {} ms",
        took.as_millis()
    );
    assert!(
        err.contains("Saved token 'browser' for account 1234567_SB1"),
        "{err}"
    );
    let store = sb.store_json();
    let token = store["browser"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("{store}\n{err}"));
    assert!(emu.token_active(token));
}

#[test]
fn headless_chromium_allows_an_oauth2_login_on_the_https_default() {
    if browser().is_none() {
        return;
    }
    let emu = emulator_with(|c| {
        c.clients = vec![nstba_emulator::oauth2::Client {
            id: "chromium-client".into(),
            secret: Some("chromium-client-secret".into()),
        }];
    });
    let sb = Sandbox::new();
    // No --callback-url: the default, https://localhost:7777/callback, which the emulator's
    // record holds by default (Oracle: https:// or a custom scheme only).
    let mut env: Vec<_> = flow_env(&emu)
        .into_iter()
        .filter(|(k, _)| *k != "NSTBA_CALLBACK_URL")
        .collect();
    env.push(("NSTBA_CLIENT_SECRET", "chromium-client-secret".into()));
    let mut run = sb.spawn(
        &[
            "auth",
            "login",
            "browser2",
            "--oauth2",
            "--client-id",
            "chromium-client",
            "--account",
            ACCOUNT,
            "--no-browser",
            "-v",
        ],
        &env_refs(&env),
    );
    let authorize = run.line_with("authorize.nl").trim().to_string();
    assert!(
        authorize.contains("redirect_uri=https%3A%2F%2Flocalhost%3A7777%2Fcallback"),
        "{authorize}"
    );
    let (title, took) = click_allow(&sb, &authorize);
    assert_eq!(title, "nstba: Signed in");
    let (code, err) = run.finish();
    assert_eq!(code, Some(0), "{err}");
    eprintln!(
        "OAuth 2.0 browser login: click to success page in {} ms",
        took.as_millis()
    );
    assert_eq!(sb.store_json()["browser2"]["type"], "oauth2");
    assert_eq!(emu.token_calls("authorization_code"), 1);
}
