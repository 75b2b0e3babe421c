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
