//! The emulator's NetSuite checks, each met with a request that nstba signed and the test then
//! bent: NetSuite must refuse it, and the login audit trail must say why.

use crate::common::*;

fn sign(sb: &Sandbox, emu: &nstba_emulator::Handle, extra: &[&str], token: (&str, &str)) -> String {
    let out = sb
        .nstba()
        .args(["sign", "GET", &format!("{}/rest/tokeninfo", emu.url())])
        .args(extra)
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CONSUMER_KEY", CK)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .env("NSTBA_TOKEN_ID", token.0)
        .env("NSTBA_TOKEN_SECRET", token.1)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn send(emu: &nstba_emulator::Handle, authorization: &str) -> u16 {
    http()
        .get(format!("{}/rest/tokeninfo", emu.url()))
        .header("Authorization", authorization)
        .send()
        .unwrap()
        .status()
        .as_u16()
}

fn last_detail(emu: &nstba_emulator::Handle) -> String {
    emu.audit().last().unwrap().detail.clone()
}

#[test]
fn refuses_what_netsuite_refuses() {
    let emu = emulator_with(|c| c.tokens.push(("second".into(), "second-secret".into())));
    let sb = Sandbox::new();
    let good = (TID, TS);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();

    assert_eq!(send(&emu, &sign(&sb, &emu, &[], good)), 200);
    assert_eq!(last_detail(&emu), "ok");

    // A signature that does not match.
    let h = sign(&sb, &emu, &[], good);
    let tampered = h.replacen("oauth_signature=\"", "oauth_signature=\"A", 1);
    assert_eq!(send(&emu, &tampered), 401);
    assert_eq!(last_detail(&emu), "InvalidSignature");

    // HMAC-SHA1 is no longer accepted.
    let sha1 = sign(&sb, &emu, &[], good).replace("HMAC-SHA256", "HMAC-SHA1");
    assert_eq!(send(&emu, &sha1), 401);
    assert!(last_detail(&emu).starts_with("UnsupportedSignatureMethod"));

    // A timestamp more than 5 minutes off.
    let stale = sign(&sb, &emu, &["--timestamp", &(now - 400).to_string()], good);
    assert_eq!(send(&emu, &stale), 401);
    assert!(last_detail(&emu).starts_with("InvalidTimestamp"));

    // A nonce shorter than 6 characters, and a nonce used twice.
    let short = sign(&sb, &emu, &["--nonce", "abc12"], good);
    assert_eq!(send(&emu, &short), 401);
    assert_eq!(last_detail(&emu), "NonceTooShort");
    let once = sign(&sb, &emu, &[], good);
    assert_eq!(send(&emu, &once), 200);
    assert_eq!(send(&emu, &once), 401);
    assert_eq!(last_detail(&emu), "NonceUsed");

    // A sandbox realm in lower case.
    let lower =
        sign(&sb, &emu, &[], good).replace("realm=\"1234567_SB1\"", "realm=\"1234567_sb1\"");
    assert_eq!(send(&emu, &lower), 401);
    assert!(last_detail(&emu).starts_with("InvalidRealm"));

    // An unknown token, an unknown consumer key.
    assert_eq!(send(&emu, &sign(&sb, &emu, &[], ("nope", TS))), 401);
    assert_eq!(last_detail(&emu), "UnknownToken");
    let other_key = sign(&sb, &emu, &[], good).replace(CK, "other-key");
    assert_eq!(send(&emu, &other_key), 401);
    assert_eq!(last_detail(&emu), "UnknownIntegration");

    // A revoked token.
    sb.nstba()
        .args([
            "request",
            "GET",
            "/rest/revoketoken?consumerKey=ck-0123456789abcdef&token=second",
        ])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CONSUMER_KEY", CK)
        .env("NSTBA_CONSUMER_SECRET", CS)
        .env("NSTBA_TOKEN_ID", "second")
        .env("NSTBA_TOKEN_SECRET", "second-secret")
        .assert()
        .success();
    assert_eq!(
        send(&emu, &sign(&sb, &emu, &[], ("second", "second-secret"))),
        401
    );
    assert_eq!(last_detail(&emu), "TokenRevoked");
    // The other token still works.
    assert_eq!(send(&emu, &sign(&sb, &emu, &[], good)), 200);
}

#[test]
fn concurrency_limit_answers_like_netsuite() {
    let emu = emulator_with(|c| {
        c.max_concurrency = Some(1);
        c.latency_ms = 2000;
    });
    let sb = Sandbox::with_token();
    let run = |path: &'static str| {
        let mut cmd = sb.nstba_std();
        cmd.args(["request", "GET", path])
            .env("NSTBA_NETSUITE_URL", emu.url())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    let a = run("/services/rest/record/v1/employee/1");
    // Once the first request has arrived it stays in flight for the latency (2 s).
    while emu.hits() == 0 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let b = run("/services/rest/record/v1/employee/2");
    let c = run("/app/site/hosting/restlet.nl?script=1&deploy=1");
    let (a, b, c) = (
        a.wait_with_output().unwrap(),
        b.wait_with_output().unwrap(),
        c.wait_with_output().unwrap(),
    );
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(stderr(&b).contains("HTTP 429"), "{}", stderr(&b));
    assert!(
        stderr(&c).contains("HTTP 400: SSS_REQUEST_LIMIT_EXCEEDED"),
        "{}",
        stderr(&c)
    );
}

const RESTLET: &str = "/app/site/hosting/restlet.nl?script=customscript_nstba_filecabinet&deploy=customdeploy_nstba_filecabinet";

/// One RESTlet call through `nstba request`, its answer as JSON.
fn restlet_call(
    sb: &Sandbox,
    emu: &nstba_emulator::Handle,
    body: &serde_json::Value,
) -> serde_json::Value {
    let file = sb.path().join("body.json");
    std::fs::write(&file, body.to_string()).unwrap();
    let out = sb.run(
        emu,
        &[
            "request",
            "POST",
            RESTLET,
            "-d",
            &format!("@{}", file.display()),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn governance_is_charged_per_operation_as_netsuite_does() {
    let emu = emulator();
    let sb = Sandbox::with_token();
    // A put costs a search (10) and a save (20), and 20 per folder it creates: 5,000 units
    // hold 166 files when the first one makes the target folder.
    let files: Vec<_> = (0..300)
        .map(|i| serde_json::json!({"path": format!("SuiteScripts/gov/f{i:03}.js"), "encoding": "utf8", "content": "x"}))
        .collect();
    let put = restlet_call(
        &sb,
        &emu,
        &serde_json::json!({"action": "put", "files": files}),
    );
    assert_eq!(put["results"].as_array().unwrap().len(), 166, "{put}");
    assert_eq!(put["remaining"].as_array().unwrap().len(), 134);
    assert_eq!(put["remaining"][0], "SuiteScripts/gov/f166.js");
    // A get costs a file.load (10): 500 files a call.
    let paths: Vec<String> = (0..600)
        .map(|i| format!("SuiteScripts/gov/f{:03}.js", i % 166))
        .collect();
    let get = restlet_call(
        &sb,
        &emu,
        &serde_json::json!({"action": "get", "paths": paths}),
    );
    assert_eq!(get["files"].as_array().unwrap().len(), 500);
    assert_eq!(get["remaining"].as_array().unwrap().len(), 100);
}

#[test]
fn stats_count_calls_refusals_and_calls_in_flight() {
    let emu = emulator_with(|c| {
        c.call_overhead_ms = 1000;
        c.max_concurrency = Some(2);
    });
    let sb = Sandbox::with_token();
    let children: Vec<_> = (0..4)
        .map(|_| {
            let mut cmd = sb.nstba_std();
            cmd.args(["request", "GET", "/services/rest/record/v1/employee/3"])
                .env("NSTBA_NETSUITE_URL", emu.url())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            cmd.spawn().unwrap()
        })
        .collect();
    for mut c in children {
        c.wait().unwrap();
    }
    let stats = emu.stats();
    assert_eq!(stats["calls"], 4, "{stats}");
    let refused = stats["refused"].as_u64().unwrap();
    let peak = stats["peakInFlight"].as_u64().unwrap();
    // Four calls that each hold the server a second overlap; over the limit of 2 some are
    // refused at once (request sends once and does not retry).
    assert!(peak >= 2, "{stats}");
    assert!((1..=2).contains(&refused), "{stats}");
    assert!(stats["avgInFlight"].as_f64().unwrap() > 0.0, "{stats}");
}
