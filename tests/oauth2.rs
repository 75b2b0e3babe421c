//! OAuth 2.0 end to end over real HTTP (docs/design.md §10): the PKCE login through the emulator's
//! authorize page and nstba's loopback listener, Bearer calls, refresh on expiry and under the
//! store lock, the dead refresh token, revoke, and secrets kept out of every output.

use std::time::Duration;

use crate::common::standin::{Req, Resp, StandIn};
use crate::common::*;

const CLIENT_ID: &str = "cid-0a1b2c3d4e5f";
const CLIENT_SECRET: &str = "CLIENT-SECRET-do-not-print-5c1e";
const PUBLIC_ID: &str = "public-cid-77";

fn oauth2_emulator(change: impl FnOnce(&mut nstba_emulator::Config)) -> nstba_emulator::Handle {
    emulator_with(|c| {
        c.clients = vec![
            nstba_emulator::oauth2::Client {
                id: CLIENT_ID.into(),
                secret: Some(CLIENT_SECRET.into()),
            },
            nstba_emulator::oauth2::Client {
                id: PUBLIC_ID.into(),
                secret: None,
            },
        ];
        // An http:// redirect URI on a port of its own (the record's lenient case), so tests
        // run side by side; the https:// default has tests of its own.
        c.redirect_uris = vec![format!("http://localhost:{}/cb", free_port())];
        c.allow_http_redirect = true;
        change(c);
    })
}

fn login_env(emu: &nstba_emulator::Handle) -> Vec<(&'static str, String)> {
    vec![
        ("NSTBA_NETSUITE_URL", emu.url()),
        ("NSTBA_CLIENT_SECRET", CLIENT_SECRET.to_string()),
        ("NSTBA_CALLBACK_URL", emu.redirect_uri()),
        ("NSTBA_BROWSER", standin_browser()),
    ]
}

/// `auth login --oauth2` with the stand-in browser clicking Allow.
fn login(
    sb: &Sandbox,
    emu: &nstba_emulator::Handle,
    id: &str,
    extra: &[&str],
) -> std::process::Output {
    let public = extra.contains(&"--public");
    let client = if public { PUBLIC_ID } else { CLIENT_ID };
    sb.nstba()
        .args([
            "auth",
            "login",
            id,
            "--oauth2",
            "--client-id",
            client,
            "--account",
            ACCOUNT,
        ])
        .args(extra)
        .envs(login_env(emu))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

fn assert_no_oauth2_secrets(sb: &Sandbox, what: &str, text: &str) {
    assert!(
        !text.contains(CLIENT_SECRET),
        "the client secret leaked into {what}"
    );
    let store = sb.store_json();
    for entry in store.as_object().unwrap().values() {
        for field in ["accessToken", "refreshToken"] {
            if let Some(token) = entry[field].as_str() {
                assert!(!text.contains(token), "{field} leaked into {what}:\n{text}");
            }
        }
    }
}

#[test]
fn pkce_login_then_bearer_calls_sign_and_verify() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    let page = sb.path().join("page.html");
    let out = sb
        .nstba()
        .args(["auth", "login", "sb2", "--oauth2", "--client-id", CLIENT_ID])
        .args(["--account", ACCOUNT, "-v"])
        .envs(login_env(&emu))
        .env("STANDIN_OUT", &page)
        .env("STANDIN_ROLE", "1000")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("authorize.nl?response_type=code"), "{err}");
    assert!(err.contains("code_challenge_method=S256"), "{err}");
    assert!(
        err.contains("Saved OAuth 2.0 token 'sb2' for account 1234567_SB1 (role 1000)"),
        "{err}"
    );
    assert!(written_file(&page).contains("saved the OAuth 2.0 token as"));
    let entry = &sb.store_json()["sb2"];
    assert_eq!(entry["type"], "oauth2");
    assert_eq!(entry["clientId"], CLIENT_ID);
    assert_eq!(entry["scope"], "restlets rest_webservices");
    assert_eq!(entry["role"], "1000");
    assert!(entry["refreshToken"].as_str().unwrap().len() > 20);
    assert_no_oauth2_secrets(&sb, "login stderr", &err);
    assert_eq!(emu.token_calls("authorization_code"), 1);

    // The same commands as with TBA: request, suiteql, sign, verify, list.
    let out = sb.run(
        &emu,
        &[
            "request",
            "GET",
            "/services/rest/record/v1/employee/3",
            "-v",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("\"id\""), "{}", stdout(&out));
    assert_no_oauth2_secrets(&sb, "request -v", &(stdout(&out) + &stderr(&out)));
    let out = sb.run(&emu, &["suiteql", "SELECT id FROM employee WHERE id <= 2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
    let out = sb.run(
        &emu,
        &["sign", "GET", "/services/rest/record/v1/employee/3"],
    );
    let access = sb.store_json()["sb2"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(stdout(&out), format!("Bearer {access}\n"));
    let out = sb.run(&emu, &["auth", "verify", "sb2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("role:         1000"),
        "{}",
        stdout(&out)
    );
    let out = sb.run(&emu, &["auth", "list"]);
    assert!(stdout(&out).contains("OAuth 2.0"), "{}", stdout(&out));
    assert_eq!(emu.token_calls("refresh_token"), 0);
}

#[test]
fn scopes_are_enforced_per_route() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(
        login(&sb, &emu, "r", &["--scope", "restlets"])
            .status
            .success()
    );
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/3"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("HTTP 403"), "{}", stderr(&out));
}

#[test]
fn deny_a_forged_code_and_a_wrong_state() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args([
            "auth",
            "login",
            "x",
            "--oauth2",
            "--client-id",
            CLIENT_ID,
            "--account",
            ACCOUNT,
        ])
        .envs(login_env(&emu))
        .env("STANDIN_DECISION", "deny")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("denied"), "{}", stderr(&out));
    assert!(!sb.store().exists());

    // A redirect with our state but a code NetSuite never issued: the exchange is refused.
    let emu = oauth2_emulator(|c| c.decision = nstba_emulator::Decision::Allow);
    let env = login_env(&emu);
    let (run, location) = login_by_hand(&sb, &env, "x");
    let wrong_state = location.replacen("state=", "state=x", 1);
    let r = http().get(&wrong_state).send().unwrap();
    assert_eq!(r.status(), 400);
    let forged = regex_replace_code(&location, "f0rged");
    let r = http().get(&forged).send().unwrap();
    assert_eq!(r.status(), 500);
    let (code, err) = run.finish();
    assert_eq!(code, Some(3), "{err}");
    assert!(err.contains("refused a callback: the state"), "{err}");
    assert!(err.contains("invalid_grant"), "{err}");
    assert!(!sb.store().exists());
}

/// `auth login --oauth2 --no-browser` with the emulator allowing at once: the running login,
/// and the redirect NetSuite sends the browser to (not followed).
fn login_by_hand(sb: &Sandbox, env: &[(&'static str, String)], id: &str) -> (Running, String) {
    let mut run = sb.spawn(
        &[
            "auth",
            "login",
            id,
            "--oauth2",
            "--client-id",
            CLIENT_ID,
            "--account",
            ACCOUNT,
            "--no-browser",
        ],
        &env_refs(env),
    );
    let authorize = run.line_with("authorize.nl").trim().to_string();
    let location = http().get(&authorize).send().unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    (run, location)
}

fn regex_replace_code(url: &str, code: &str) -> String {
    let (base, query) = url.split_once('?').unwrap();
    let query: Vec<String> = query
        .split('&')
        .map(|kv| {
            if kv.starts_with("code=") {
                format!("code={code}")
            } else {
                kv.to_string()
            }
        })
        .collect();
    format!("{base}?{}", query.join("&"))
}

#[test]
fn the_pasted_redirect_completes_the_login() {
    let emu = oauth2_emulator(|c| c.decision = nstba_emulator::Decision::Allow);
    let sb = Sandbox::new();
    let env = login_env(&emu);
    let (mut run, location) = login_by_hand(&sb, &env, "p");
    // Pasted from a browser that could not reach the listener (another machine, a container).
    use std::io::Write as _;
    let stdin = run.child.stdin.as_mut().unwrap();
    writeln!(
        stdin,
        "{}",
        location.replace("localhost", "elsewhere.invalid")
    )
    .unwrap();
    let (code, err) = run.finish();
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(sb.store_json()["p"]["type"], "oauth2");
}

/// An access token NetSuite no longer takes is refreshed once and the call retried. The
/// emulator's clock is moved past the token's hour: nstba's own clock still calls the token
/// fresh (it is far from the 60 s margin), so only NetSuite's refusal can cause the refresh.
#[test]
fn an_expired_access_token_is_refreshed() {
    let emu = oauth2_emulator(|c| c.access_ttl = 3600);
    let sb = Sandbox::new();
    assert!(login(&sb, &emu, "sb", &[]).status.success());
    let first = sb.store_json()["sb"]["accessToken"].clone();
    let get = || {
        sb.run(
            &emu,
            &["request", "GET", "/services/rest/record/v1/employee/3"],
        )
    };
    let out = get();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        emu.token_calls("refresh_token"),
        0,
        "a fresh token is used as it is"
    );
    emu.advance_clock(Duration::from_secs(3601));
    let out = get();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(emu.token_calls("refresh_token"), 1);
    assert_ne!(sb.store_json()["sb"]["accessToken"], first);
}

/// Seconds from now until an RFC 3339 time in the store.
fn seconds_until(raw: &serde_json::Value) -> i64 {
    let t = time::OffsetDateTime::parse(
        raw.as_str().unwrap_or_else(|| panic!("not a time: {raw}")),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    (t - time::OffsetDateTime::now_utc()).whole_seconds()
}

#[test]
fn how_long_a_login_lasts_comes_from_the_refresh_token() {
    // The record says 5 hours; a public chain ends 2 hours after its login however it is used.
    let emu = oauth2_emulator(|c| {
        c.refresh_ttl = 5 * 3600;
        c.rotation_cap = 2 * 3600;
    });
    let sb = Sandbox::new();
    let out = login(&sb, &emu, "conf", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("This login lasts until "), "{err}");
    assert!(err.contains("--m2m"), "{err}");
    let left = seconds_until(&sb.store_json()["conf"]["refreshTokenExpiresAt"]);
    assert!((5 * 3600 - 60..=5 * 3600).contains(&left), "{left}");

    let out = login(&sb, &emu, "pub", &["--public"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let left = seconds_until(&sb.store_json()["pub"]["refreshTokenExpiresAt"]);
    assert!((2 * 3600 - 60..=2 * 3600).contains(&left), "{left}");

    // A refresh an hour on: the confidential entry keeps its refresh token and its end (the
    // answer carries no new one); the public one gets a new token whose end is still the
    // chain's.
    let before = sb.store_json();
    emu.advance_clock(Duration::from_secs(3601));
    for id in ["conf", "pub"] {
        let out = sb.run(
            &emu,
            &[
                "request",
                "GET",
                "/services/rest/record/v1/employee/3",
                "--to",
                id,
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(emu.token_calls("refresh_token"), 2);
    let after = sb.store_json();
    assert_eq!(
        after["conf"]["refreshToken"],
        before["conf"]["refreshToken"]
    );
    assert_eq!(
        after["conf"]["refreshTokenExpiresAt"],
        before["conf"]["refreshTokenExpiresAt"]
    );
    assert_ne!(after["pub"]["refreshToken"], before["pub"]["refreshToken"]);
    // However late it was refreshed, the chain ends 2 hours after the login.
    let left = seconds_until(&after["pub"]["refreshTokenExpiresAt"]);
    assert!((2 * 3600 - 120..=2 * 3600).contains(&left), "{left}");
}

/// N parallel commands with an expired access token make exactly one refresh call, and all
/// succeed; for a public client too, whose refresh token works once.
fn parallel_refresh(public: bool) {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    let extra: &[&str] = if public { &["--public"] } else { &[] };
    let out = login(&sb, &emu, "sb", extra);
    assert!(out.status.success(), "{}", stderr(&out));
    // The saved access token has expired (an hour later, as far as nstba can tell).
    let mut store = sb.store_json();
    store["sb"]["accessTokenExpiresAt"] = "2000-01-01T00:00:00Z".into();
    std::fs::write(sb.store(), store.to_string()).unwrap();
    let children: Vec<_> = (0..32)
        .map(|_| {
            let mut cmd = sb.nstba_std();
            cmd.args(["request", "GET", "/services/rest/record/v1/employee/3"])
                .env("NSTBA_NETSUITE_URL", emu.url())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let stats: serde_json::Value = http()
        .get(format!("{}/emulator/stats", emu.url()))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(stats["tokenCalls"]["refresh_token"], 1, "{stats}");
}

#[test]
fn thirty_two_parallel_commands_refresh_once() {
    parallel_refresh(false);
}

#[test]
fn thirty_two_parallel_commands_refresh_once_with_one_time_refresh_tokens() {
    parallel_refresh(true);
}

#[test]
fn an_invalid_access_token_gets_one_forced_refresh() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login(&sb, &emu, "sb", &[]).status.success());
    // The access token dies early (revoked by an administrator, say), though not expired.
    let mut store = sb.store_json();
    store["sb"]["accessToken"] = "eyJnot-a-token-NetSuite-knows".into();
    std::fs::write(sb.store(), store.to_string()).unwrap();
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/3"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(emu.token_calls("refresh_token"), 1);
}

/// NetSuite answers a refused Bearer token as it answers a refused signature, with no Bearer
/// challenge (docs/design.md §10): REST a problem body with INVALID_LOGIN, RESTlets the RESTlet
/// error; the challenge only with --bearer-challenge.
#[test]
fn a_refused_bearer_token_gets_netsuites_bodies_and_no_challenge() {
    let client = reqwest::blocking::Client::new();
    let call = |emu: &nstba_emulator::Handle, path: &str| {
        let reply = client
            .get(format!("{}{path}", emu.url()))
            .header("Authorization", "Bearer eyJnot-a-token-NetSuite-knows")
            .send()
            .unwrap();
        let challenge = reply.headers().get("www-authenticate").cloned();
        let status = reply.status().as_u16();
        let body: serde_json::Value = reply.json().unwrap();
        (status, challenge, body)
    };
    let strict = oauth2_emulator(|_| {});
    let (status, challenge, body) = call(&strict, "/services/rest/record/v1/employee/3");
    assert_eq!((status, challenge), (401, None));
    assert_eq!(
        body["o:errorDetails"][0]["o:errorCode"], "INVALID_LOGIN",
        "{body}"
    );
    let restlet = "/app/site/hosting/restlet.nl?script=customscript_nstba_filecabinet&deploy=customdeploy_nstba_filecabinet";
    let (status, challenge, body) = call(&strict, restlet);
    assert_eq!((status, challenge), (401, None));
    assert_eq!(body["error"]["code"], "INVALID_LOGIN_ATTEMPT", "{body}");
    let lenient = oauth2_emulator(|c| c.bearer_challenge = true);
    let (_, challenge, _) = call(&lenient, "/services/rest/record/v1/employee/3");
    assert!(
        challenge.is_some_and(|h| h.to_str().unwrap().contains("invalid_token")),
        "--bearer-challenge sends one"
    );
}

#[test]
fn a_dead_refresh_token_exits_3_with_the_command_that_logs_in_again() {
    let emu = oauth2_emulator(|c| {
        c.access_ttl = 1;
        c.refresh_ttl = 1;
    });
    let sb = Sandbox::new();
    assert!(login(&sb, &emu, "sb", &[]).status.success());
    std::thread::sleep(Duration::from_millis(1500));
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/3"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "nstba auth login sb --oauth2 --client-id {CLIENT_ID} --force"
        )),
        "{err}"
    );
    assert!(err.contains("Login Audit Trail"), "{err}");
}

#[test]
fn revoke_kills_the_refresh_token_and_its_access_tokens() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login(&sb, &emu, "sb", &[]).status.success());
    let access = sb.store_json()["sb"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let out = sb.run(&emu, &["auth", "revoke", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(sb.store_json().get("sb").is_none());
    let r = http()
        .get(format!("{}/services/rest/record/v1/employee/3", emu.url()))
        .bearer_auth(&access)
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[test]
fn an_https_redirect_uri_is_served_with_the_certificate_nstba_keeps() {
    // The record holds an https:// redirect URI only, as Oracle's page requires.
    let uri = format!("https://localhost:{}/callback", free_port());
    let emu = oauth2_emulator(|c| {
        c.redirect_uris = vec![uri.clone()];
        c.allow_http_redirect = false;
    });
    let sb = Sandbox::new();
    let login_once = |name: &str| {
        let out = sb
            .nstba()
            .args(["auth", "login", name, "--oauth2", "--client-id", CLIENT_ID])
            .args(["--account", ACCOUNT])
            .envs(login_env(&emu))
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let err = stderr(&out);
        let fingerprint = err
            .split("SHA-256 fingerprint ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .unwrap_or_else(|| panic!("no fingerprint printed: {err}"))
            .to_string();
        assert_eq!(fingerprint.len(), 32 * 3 - 1, "{fingerprint}");
        assert!(
            err.contains("redirect_uri=https%3A%2F%2Flocalhost%3A"),
            "{err}"
        );
        (fingerprint, err.contains("accept it once"))
    };
    let (first, explained) = login_once("tls");
    assert!(
        explained,
        "the first login says what the browser warning means"
    );
    // The next login serves the same certificate, so an exception accepted once still holds.
    let (second, explained) = login_once("tls2");
    assert_eq!(first, second);
    assert!(!explained);
    assert_eq!(sb.store_json()["tls2"]["type"], "oauth2");
    // The kept key is the user's alone: mode 0600, or an access list for the user alone.
    let kept = sb.config_dir().join("localhost-tls.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", kept.display());
    }
    #[cfg(windows)]
    {
        let others = nstba::fsio::windows::others(&kept).unwrap();
        assert!(!others.any(), "{}: {others:?}", kept.display());
    }
}

#[test]
fn port_0_and_an_unregistered_redirect_are_refused_for_oauth2() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args(["auth", "login", "x", "--oauth2", "--client-id", CLIENT_ID])
        .args(["--account", ACCOUNT])
        .envs(login_env(&emu))
        .env("NSTBA_CALLBACK_URL", "http://localhost:0/cb")
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("port 0") && err.contains("exactly"), "{err}");
    emu.assert_no_calls();

    // The emulator matches the record's redirect URIs exactly and takes no http:// one unless
    // told to; several may be registered.
    let https = format!("https://localhost:{}/callback", free_port());
    let strict = oauth2_emulator(|c| {
        c.redirect_uris = vec![
            https.clone(),
            "com.example.app:/oauth".into(),
            "http://localhost:7777/cb".into(),
        ];
        c.allow_http_redirect = false;
    });
    let authorize = |uri: &str| {
        let url = format!(
            "{}/app/login/oauth2/authorize.nl?response_type=code&client_id={CLIENT_ID}&scope=restlets&state=abcdefghijklmnopqrstuvwxyz&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&redirect_uri={}",
            strict.url(),
            nstba_emulator::oauth::pct_encode(uri.as_bytes())
        );
        let r = http().get(url).send().unwrap();
        r.status().as_u16()
    };
    assert_eq!(authorize(&https), 200, "the consent page");
    assert_eq!(authorize("com.example.app:/oauth"), 200);
    assert_eq!(authorize(&https.replace("/callback", "/callback/")), 400);
    assert_eq!(authorize(&https.replace("https:", "http:")), 400);
    assert_eq!(
        authorize("http://localhost:7777/cb"),
        400,
        "http:// needs --allow-http-redirect"
    );
}

#[test]
fn migrate_keeps_the_auth_id_working_and_revokes_the_tba_token() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::with_token();
    let dist = sb.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("a.js"), "a").unwrap();
    let out = sb
        .nstba()
        .args(["auth", "migrate", "sb", "--client-id", CLIENT_ID])
        .envs(login_env(&emu))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let store = sb.store_json();
    assert_eq!(store["sb"]["type"], "oauth2", "{store}");
    assert_eq!(store["sb"]["account"], ACCOUNT);
    assert!(
        store.get("sb-tba").is_none()
            && store
                .as_object()
                .unwrap()
                .keys()
                .all(|k| !k.contains("migrating")),
        "{store}"
    );
    assert!(!emu.token_active(TID), "the TBA token was revoked");
    // The same script goes on working, now with Bearer.
    let out = sb.run(
        &emu,
        &[
            "deploy",
            "dist",
            "--target",
            "SuiteScripts/app",
            "--to",
            "sb",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(emu.file("SuiteScripts/app/a.js").unwrap(), b"a");

    // --keep keeps the TBA token as NAME-tba.
    let sb = Sandbox::new();
    sb.add_token("old", ACCOUNT, TID, TS);
    let emu = oauth2_emulator(|_| {});
    let out = sb
        .nstba()
        .args(["auth", "migrate", "old", "--client-id", CLIENT_ID, "--keep"])
        .envs(login_env(&emu))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(sb.store_json()["old"]["type"], "oauth2");
    assert_eq!(sb.store_json()["old-tba"]["token"], TID);
    assert!(emu.token_active(TID));
}

/// A login that comes back for another account never changes the account under a name: the
/// TBA token stays as it was, nothing staged is left, nothing is revoked.
#[test]
fn migrate_refuses_a_login_for_another_account() {
    let emu = oauth2_emulator(|_| {}); // logs everyone in to ACCOUNT
    let sb = Sandbox::new();
    sb.add_token("sb", "7654321_SB1", TID, TS);
    let before = sb.store_json();
    let out = sb
        .nstba()
        .args(["auth", "migrate", "sb", "--client-id", CLIENT_ID])
        .envs(login_env(&emu))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("7654321_SB1") && err.contains(ACCOUNT),
        "{err}"
    );
    assert!(!err.contains("is now an OAuth 2.0 token"), "{err}");
    assert!(
        !err.contains("migrating"),
        "an internal name was printed: {err}"
    );
    assert_eq!(sb.store_json(), before, "the store is as it was");
    assert!(emu.token_active(TID), "the TBA token was not revoked");
}

/// The staged login cannot touch a token of the user's, whatever its name.
#[test]
fn migrate_stages_under_a_name_no_token_can_have() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::with_token(); // "sb"
    sb.add_token("sb.migrating", ACCOUNT, "tid-other", "ts-other");
    let out = sb
        .nstba()
        .args(["auth", "migrate", "sb", "--client-id", CLIENT_ID])
        .envs(login_env(&emu))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("migrating"), "{}", stderr(&out));
    let store = sb.store_json();
    assert_eq!(store["sb"]["type"], "oauth2");
    assert_eq!(store["sb.migrating"]["token"], "tid-other", "{store}");
}

/// Text saved from a redirect (or by anything that writes the store) reaches the terminal
/// escaped in every human table: auth list, auth info, auth verify.
#[test]
fn stored_role_and_entity_come_out_escaped() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login(&sb, &emu, "sb", &[]).status.success());
    let mut store = sb.store_json();
    store["sb"]["role"] = "3\u{1b}]0;pwned\u{7}".into();
    store["sb"]["entity"] = "38\u{1b}[2J".into();
    std::fs::write(sb.store(), store.to_string()).unwrap();
    for args in [
        &["auth", "list"][..],
        &["auth", "info", "sb"],
        &["auth", "verify", "sb"],
        &["auth", "status", "--offline"],
    ] {
        let out = sb.run(&emu, args);
        let all = stdout(&out) + &stderr(&out);
        assert!(out.status.success(), "{args:?}: {all}");
        assert!(
            !all.contains('\u{1b}') && !all.contains('\u{7}'),
            "{args:?}: raw escapes in {all:?}"
        );
    }
}

#[test]
fn no_oauth2_secret_reaches_any_output_under_v() {
    let emu = oauth2_emulator(|c| c.access_ttl = 2);
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args([
            "auth",
            "login",
            "sb",
            "--oauth2",
            "--client-id",
            CLIENT_ID,
            "--account",
            ACCOUNT,
            "-vv",
        ])
        .envs(login_env(&emu))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut seen = stdout(&out) + &stderr(&out);
    let first = sb.store_json();
    std::thread::sleep(Duration::from_millis(2100));
    for args in [
        &[
            "request",
            "GET",
            "/services/rest/record/v1/employee/3",
            "-vv",
        ][..],
        &["auth", "verify", "sb", "-vv", "--json"],
        &["auth", "info", "sb", "--json"],
        &["auth", "list", "--json"],
        &["request", "GET", "/services/rest/record/v1/nothing", "-vv"],
    ] {
        let out = sb.run(&emu, args);
        seen.push_str(&stdout(&out));
        seen.push_str(&stderr(&out));
    }
    assert!(
        emu.token_calls("refresh_token") >= 1,
        "a refresh happened under -vv"
    );
    // Tokens from before and after the refresh.
    for store in [first, sb.store_json()] {
        for field in ["accessToken", "refreshToken"] {
            let token = store["sb"][field].as_str().unwrap();
            assert!(!seen.contains(token), "{field} leaked:\n{seen}");
        }
    }
    assert!(
        !seen.contains(CLIENT_SECRET),
        "the client secret leaked:\n{seen}"
    );
    let out = sb.run(&emu, &["auth", "revoke", "sb", "-vv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_oauth2_secrets(&sb, "revoke -vv", &(stdout(&out) + &stderr(&out)));
    assert!(!stderr(&out).contains(CLIENT_SECRET));
}

/// A front for the emulator on loopback that never answers calls signed for `silent_realm` (a
/// NetSuite that cannot be reached for that account) and forwards every other call.
fn front(emu: &nstba_emulator::Handle, silent_realm: &'static str) -> StandIn {
    let upstream = emu.url();
    let client = reqwest::Client::new();
    StandIn::start(move |req: Req| {
        let (upstream, client) = (upstream.clone(), client.clone());
        async move {
            let auth = req.header("authorization").unwrap_or_default();
            if auth.contains(&format!("realm=\"{silent_realm}\"")) {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return Resp::json(504, "{}");
            }
            let mut fwd = client.request(
                req.method.parse().unwrap(),
                format!("{upstream}{}", req.target),
            );
            for (k, v) in &req.headers {
                // The Host stays the signed one: the signature covers it.
                if !k.eq_ignore_ascii_case("content-length") {
                    fwd = fwd.header(k, v);
                }
            }
            let resp = fwd.body(req.body).send().await.unwrap();
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .filter(|(k, _)| *k == "www-authenticate" || *k == "content-type")
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
                .collect();
            let body = resp.bytes().await.unwrap().to_vec();
            Resp {
                status,
                headers,
                body,
            }
        }
    })
}

#[test]
fn auth_status_shows_each_state_and_marks_the_token_in_use() {
    let emu = oauth2_emulator(|c| {
        c.access_ttl = 1;
        c.refresh_ttl = 1;
    });
    let sb = Sandbox::with_token(); // "sb": valid TBA
    sb.add_token("revoked", ACCOUNT, "not-a-token", "its-secret");
    sb.add_token("far", "7654321", TID, TS);
    assert!(login(&sb, &emu, "expired", &[]).status.success());
    std::thread::sleep(Duration::from_millis(1500));
    let front = front(&emu, "7654321");
    let url = front.url();
    let status = |default: &str| {
        let out = sb
            .nstba()
            .args(["auth", "switch", default])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let started = std::time::Instant::now();
        let out = sb
            .nstba()
            .args(["auth", "status", "--json", "--timeout", "3"])
            .env("NSTBA_NETSUITE_URL", &url)
            .output()
            .unwrap();
        let took = started.elapsed();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v, took)
    };
    let (code, v, took) = status("sb");
    eprintln!("{v:#}");
    let state = |id: &str| {
        v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["authId"] == id)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state("sb"), "valid");
    assert_eq!(state("revoked"), "rejected");
    assert_eq!(state("expired"), "refresh token expired");
    assert_eq!(state("far"), "unreachable");
    assert_eq!(v["active"]["authId"], "sb");
    assert_eq!(
        v["active"]["because"],
        "the default set with `nstba auth switch`"
    );
    assert_eq!(code, Some(0), "the token in use works");
    assert!(
        took < Duration::from_secs(5),
        "under the 3 s timeout: {took:?}"
    );
    let active: Vec<_> = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["active"] == true)
        .collect();
    assert_eq!(active.len(), 1);
    assert_eq!(status("revoked").0, Some(3));
    assert_eq!(status("expired").0, Some(3));
    assert_eq!(status("far").0, Some(5));

    // Offline: nothing asked, the marker still there; the table for people.
    let calls = emu.hits();
    let out = sb
        .nstba()
        .args(["auth", "status", "--offline"])
        .env("NSTBA_NETSUITE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(emu.hits(), calls, "--offline asks nothing");
    let table = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        table
            .lines()
            .any(|l| l.starts_with('*') && l.contains("far")),
        "{table}"
    );
    assert!(
        stderr(&out).contains("a bare command here uses 'far'"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn prompt_login_without_an_account_warns_that_it_may_be_ignored() {
    let emu = oauth2_emulator(|_| {});
    let sb = Sandbox::new();
    let out = sb
        .nstba()
        .args([
            "auth",
            "login",
            "p",
            "--oauth2",
            "--client-id",
            CLIENT_ID,
            "--prompt-login",
        ])
        .envs(login_env(&emu))
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("prompt=login"), "{err}");
    assert!(
        err.contains("without --account") && err.contains("Pass --account"),
        "{err}"
    );
    let out = login(&sb, &emu, "q", &["--prompt-login"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("prompt=login") && !err.contains("without --account"),
        "{err}"
    );
}
