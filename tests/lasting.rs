//! A login that lasts (docs/design.md §10), end to end against the emulator's certificate
//! endpoint: one browser login turned into an M2M entry, used by ten commands, rotated without
//! a browser (the old certificate refused, the new one taken), listed, the five-certificate
//! limit, and a rotation killed at every step that still leaves a working entry.

use std::time::Duration;

use crate::common::*;

const CLIENT_ID: &str = "lasting-client-5e";
const CLIENT_SECRET: &str = "LASTING-SECRET-never-printed-77";

fn lasting_emulator(change: impl FnOnce(&mut nstba_emulator::Config)) -> nstba_emulator::Handle {
    emulator_with(|c| {
        c.clients = vec![nstba_emulator::oauth2::Client {
            id: CLIENT_ID.into(),
            secret: Some(CLIENT_SECRET.into()),
        }];
        c.redirect_uris = vec![format!("http://localhost:{}/cb", free_port())];
        c.allow_http_redirect = true;
        change(c);
    })
}

fn login_m2m(
    sb: &Sandbox,
    emu: &nstba_emulator::Handle,
    name: &str,
    extra: &[&str],
) -> std::process::Output {
    sb.nstba()
        .args([
            "auth",
            "login",
            name,
            "--oauth2",
            "--client-id",
            CLIENT_ID,
            "--m2m",
        ])
        .args(["--account", ACCOUNT])
        .args(extra)
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_CLIENT_SECRET", CLIENT_SECRET)
        .env("NSTBA_CALLBACK_URL", emu.redirect_uri())
        .env("NSTBA_BROWSER", standin_browser())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

/// A token endpoint call with a previous certificate: what NetSuite says of it.
fn works(sb: &Sandbox, emu: &nstba_emulator::Handle, name: &str) -> bool {
    sb.run(
        emu,
        &[
            "request",
            "GET",
            "/services/rest/record/v1/employee/3",
            "--to",
            name,
        ],
    )
    .status
    .success()
}

#[test]
fn one_browser_login_then_m2m_that_rotates_without_a_browser() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    let out = login_m2m(&sb, &emu, "sb", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Saved the client credentials 'sb'"), "{err}");
    assert!(!err.contains(CLIENT_SECRET) && !err.contains('#'), "{err}");
    let store = sb.store_json();
    assert_eq!(
        store.as_object().unwrap().len(),
        1,
        "the browser login was not kept: {store}"
    );
    let entry = &store["sb"];
    assert_eq!(entry["type"], "m2m");
    assert_eq!(entry["clientId"], CLIENT_ID);
    assert_eq!(
        (entry["role"].as_str(), entry["entity"].as_str()),
        (Some("3"), Some("38"))
    );
    assert!(
        entry["certificateExpiresAt"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}", time::OffsetDateTime::now_utc().year() + 2))
    );
    let first = entry["certificateId"].as_str().unwrap().to_string();
    let first_key = std::path::PathBuf::from(entry["privateKeyPath"].as_str().unwrap());
    assert!(
        first_key.starts_with(sb.config_dir()),
        "{}",
        first_key.display()
    );
    assert_eq!(emu.token_calls("authorization_code"), 1);

    // Ten commands with the entry: no browser, no refresh token, a minted token.
    for _ in 0..10 {
        assert!(works(&sb, &emu, "sb"));
    }
    assert_eq!(emu.token_calls("refresh_token"), 0);

    // Rotation: a new pair, the old certificate revoked and its key removed (a copy of it is
    // kept here to show that NetSuite refuses the old pair).
    let old_key = sb.path().join("old.key.pem");
    std::fs::copy(&first_key, &old_key).unwrap();
    let out = sb.run(&emu, &["auth", "rotate", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let entry = sb.store_json()["sb"].clone();
    let second = entry["certificateId"].as_str().unwrap().to_string();
    assert_ne!(first, second);
    assert!(entry.get("rotation").is_none(), "{entry}");
    assert!(!first_key.exists(), "the old key file is removed");
    assert!(works(&sb, &emu, "sb"), "the new pair works");
    assert_eq!(
        emu.certificates()
            .iter()
            .filter(|(_, revoked)| !revoked)
            .count(),
        1
    );

    // The old pair is refused: an assertion for the old certificate.
    let old_entry = {
        let mut e = entry.clone();
        e["certificateId"] = first.clone().into();
        e["privateKeyPath"] = old_key.display().to_string().into();
        e
    };
    let mut store = sb.store_json();
    store["old"] = old_entry;
    std::fs::write(sb.store(), store.to_string()).unwrap();
    let out = sb.run(
        &emu,
        &[
            "request",
            "GET",
            "/services/rest/record/v1/employee/3",
            "--to",
            "old",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(emu.audit().iter().any(|a| a.detail == "CertificateRevoked"));

    // auth certs shows both, which one sb uses, and --json says the same.
    let out = sb.run(&emu, &["auth", "certs", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(&format!("{first}\trevoked")), "{text}");
    assert!(
        text.contains(&format!("{second}\tactive")) && text.contains("used by sb"),
        "{text}"
    );
    let out = sb.run(&emu, &["auth", "certs", "sb", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|c| c["usedBy"] == "sb" && c["certificateId"] == second.as_str())
    );

    // The certificate sb signs with is not revoked by accident.
    let out = sb.run(&emu, &["auth", "certs", "revoke", "sb", &second]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(works(&sb, &emu, "sb"));

    // A scheduled rotation is a no-op until the certificate nears its end.
    let out = sb.run(
        &emu,
        &["auth", "rotate", "sb", "--if-expiring-within", "30"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("needs no rotation yet"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sb.store_json()["sb"]["certificateId"], second.as_str());
}

#[test]
fn the_five_certificate_limit_lists_the_active_ones() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login_m2m(&sb, &emu, "sb", &[]).status.success());
    // Four more mapped by CI rotations (credentials from the environment): five active.
    let key = sb.store_json()["sb"]["privateKeyPath"]
        .as_str()
        .unwrap()
        .to_string();
    let cert = sb.store_json()["sb"]["certificateId"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..4 {
        let out = sb
            .nstba()
            .args(["auth", "rotate", "--out", "ci-keys"])
            .env("NSTBA_NETSUITE_URL", emu.url())
            .env("NSTBA_ACCOUNT", ACCOUNT)
            .env("NSTBA_CLIENT_ID", CLIENT_ID)
            .env("NSTBA_CERTIFICATE_ID", &cert)
            .env("NSTBA_PRIVATE_KEY_FILE", &key)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("NSTBA_PRIVATE_KEY"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(emu.certificates().iter().filter(|(_, r)| !r).count(), 5);
    let out = sb.run(&emu, &["auth", "rotate", "sb"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("5 active certificates") && err.contains("nstba auth certs revoke sb"),
        "{err}"
    );
    assert!(err.contains(&cert), "{err}");
    // Nothing changed: the entry works, no rotation is left half-way, no key file is left.
    let entry = sb.store_json()["sb"].clone();
    assert_eq!(entry["certificateId"], cert.as_str());
    assert!(entry.get("rotation").is_none(), "{entry}");
    assert!(works(&sb, &emu, "sb"));
}

#[test]
fn an_entry_from_the_environment_is_not_rotated_in_place() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    // A real key in the variable (a broken one would fail for another reason).
    let (key_path, _) = sb.keygen_es256();
    let key = std::fs::read_to_string(&key_path).unwrap();
    let out = sb
        .nstba()
        .args(["auth", "rotate"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", CLIENT_ID)
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env("NSTBA_PRIVATE_KEY", &key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot rotate them in place") && err.contains("--out DIR"),
        "{err}"
    );
    assert!(!err.contains("BEGIN"), "the key was printed: {err}");
    emu.assert_no_calls();
}

/// Kill at every step: after each, the entry works, and the next rotation finishes or undoes
/// what was left (no certificate stays active for nothing, no key file is left behind). On
/// Windows the kill is TerminateProcess, as Task Manager's.
#[test]
fn a_rotation_killed_at_any_step_leaves_an_entry_that_works() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login_m2m(&sb, &emu, "sb", &[]).status.success());
    for step in [
        "rotate:key",
        "rotate:mapped",
        "rotate:proved",
        "rotate:switched",
        "rotate:revoked",
    ] {
        let mut child = sb
            .nstba_std()
            .args(["auth", "rotate", "sb"])
            .env("NSTBA_NETSUITE_URL", emu.url())
            .env("NSTBA_PAUSE_AT", step)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            assert!(
                std::io::BufRead::read_line(&mut err, &mut line).unwrap() > 0,
                "{seen}"
            );
            seen.push_str(&line);
            if line.contains("paused at") {
                break;
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        assert!(works(&sb, &emu, "sb"), "after a kill at {step}");
        let out = sb.run(&emu, &["auth", "rotate", "sb"]);
        assert!(
            out.status.success(),
            "after a kill at {step}: {}",
            stderr(&out)
        );
        assert!(
            works(&sb, &emu, "sb"),
            "after the rotation that followed {step}"
        );
        let entry = sb.store_json()["sb"].clone();
        assert!(entry.get("rotation").is_none(), "{step}: {entry}");
        let active: Vec<_> = emu.certificates().into_iter().filter(|(_, r)| !r).collect();
        assert_eq!(active.len(), 1, "{step}: {active:?}");
        assert_eq!(active[0].0, entry["certificateId"].as_str().unwrap());
        let keys: Vec<_> = std::fs::read_dir(sb.config_dir().join("keys"))
            .unwrap()
            .collect();
        assert_eq!(keys.len(), 1, "{step}: {keys:?}");
    }
}

#[test]
fn the_certificate_end_shows_in_list_and_status_and_warns_once_a_day() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login_m2m(&sb, &emu, "sb", &[]).status.success());
    let out = sb.run(&emu, &["auth", "list"]);
    let ends = sb.store_json()["sb"]["certificateExpiresAt"]
        .as_str()
        .unwrap()[..10]
        .to_string();
    assert!(
        stdout(&out).contains("ENDS") && stdout(&out).contains(&ends),
        "{}",
        stdout(&out)
    );
    let out = sb.run(&emu, &["auth", "list", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows[0]["certificateExpiresAt"]
            .as_str()
            .unwrap()
            .starts_with(&ends),
        "{rows}"
    );
    let out = sb.run(&emu, &["auth", "status", "--json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        status["tokens"][0]["expiresAt"]
            .as_str()
            .unwrap()
            .starts_with(&ends),
        "{status}"
    );
    // No warning two years before.
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/3"],
    );
    assert!(
        out.status.success() && !stderr(&out).contains("certificate of"),
        "{}",
        stderr(&out)
    );

    // 20 days before: one warning today, then none.
    let soon =
        time::OffsetDateTime::now_utc() + time::Duration::days(20) + time::Duration::hours(1);
    let mut store = sb.store_json();
    store["sb"]["certificateExpiresAt"] = soon
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
        .into();
    std::fs::write(sb.store(), store.to_string()).unwrap();
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/3"],
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("ends in 20 days") && err.contains("within 30 days"),
        "{err}"
    );
    assert!(err.contains("nstba auth rotate sb"), "{err}");
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/3"],
    );
    assert!(!stderr(&out).contains("certificate of"), "{}", stderr(&out));
}

#[test]
fn migrate_m2m_turns_a_tba_name_into_client_credentials() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::with_token(); // "sb", TBA, for ACCOUNT
    let out = sb
        .nstba()
        .args(["auth", "migrate", "sb", "--client-id", CLIENT_ID, "--m2m"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_CLIENT_SECRET", CLIENT_SECRET)
        .env("NSTBA_CALLBACK_URL", emu.redirect_uri())
        .env("NSTBA_BROWSER", standin_browser())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("client credentials (M2M)") && !err.contains('#'),
        "{err}"
    );
    let store = sb.store_json();
    assert_eq!(store["sb"]["type"], "m2m", "{store}");
    assert_eq!(store.as_object().unwrap().len(), 1, "{store}");
    assert!(!emu.token_active(TID), "the TBA token was revoked");
    assert!(works(&sb, &emu, "sb"));
}

/// A certificate made here (not by nstba): (PEM) with `key` and the validity given.
fn certificate(key: &rcgen::KeyPair, from_days_ago: i64, days: i64) -> String {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(from_days_ago);
    params.not_after = now - time::Duration::days(from_days_ago) + time::Duration::days(days);
    params.self_signed(key).unwrap().pem()
}

#[test]
fn the_emulator_holds_oracles_certificate_and_client_rules() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login_m2m(&sb, &emu, "sb", &[]).status.success());
    let bearer = stdout(&sb.run(
        &emu,
        &["sign", "GET", "/services/rest/record/v1/employee/3"],
    ))
    .trim()
    .to_string();
    assert!(bearer.starts_with("Bearer "), "{bearer}");
    let certs = format!(
        "{}/services/rest/auth/oauth2/v1/clients/{CLIENT_ID}/certificates",
        emu.url()
    );
    let set_up = |auth: &str, pem: &str| {
        let r = http()
            .post(&certs)
            .header("authorization", auth)
            .json(&serde_json::json!({"fileContent": pem, "role": 3, "entity": 38}))
            .send()
            .unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    // RSA 2048 is refused; 3072 is what NetSuite takes.
    let rsa = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .unwrap();
    let (status, body) = set_up(&bearer, &certificate(&rsa, 0, 365));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("2048"), "{body}");
    // An expired one is refused; a five-year one is shortened to two years.
    let (status, body) = set_up(&bearer, &certificate(&ec, 400, 365));
    assert_eq!(status, 400, "{body}");
    let (status, body) = set_up(&bearer, &certificate(&ec, 0, 5 * 365));
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let until = httpdate::parse_http_date(answer["validUntil"].as_str().unwrap()).unwrap();
    let years = until
        .duration_since(std::time::SystemTime::now())
        .unwrap()
        .as_secs()
        / 86_400;
    assert!((729..=731).contains(&years), "{answer}");
    // Another user's role or entity is not this user's to map.
    let r = http()
        .post(&certs)
        .header("authorization", &bearer)
        .json(&serde_json::json!({"fileContent": certificate(&ec, 0, 30), "role": 3, "entity": 99}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    // No token, or one without rest_webservices: refused.
    assert_eq!(http().get(&certs).send().unwrap().status(), 401);
    let mut store = sb.store_json();
    store["narrow"] = store["sb"].clone();
    store["narrow"]["scope"] = "restlets".into();
    std::fs::write(sb.store(), store.to_string()).unwrap();
    let narrow = stdout(&sb.run(
        &emu,
        &[
            "sign",
            "GET",
            "/app/site/hosting/restlet.nl",
            "--to",
            "narrow",
        ],
    ));
    let r = http()
        .get(&certs)
        .header("authorization", narrow.trim())
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);

    // Without the permission, the endpoint answers 403 and nstba says which permission.
    let denied = lasting_emulator(|c| c.deny_certificate_management = true);
    let sb2 = Sandbox::new();
    let out = login_m2m(&sb2, &denied, "sb", &[]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("Manage own OAuth 2.0 Client Credentials certificates"),
        "{}",
        stderr(&out)
    );
    assert!(
        sb2.store_json().as_object().is_none_or(|o| o.is_empty()),
        "nothing saved"
    );

    // Client authentication at the token endpoints (revoke takes the same): a public client's
    // Basic header with its ID alone; a Basic header and a body client_id together is
    // invalid_request; a wrong secret is invalid_client, 401 with a Basic challenge.
    let public = lasting_emulator(|c| {
        c.clients.push(nstba_emulator::oauth2::Client {
            id: "pub-1".into(),
            secret: None,
        })
    });
    let revoke = format!("{}/services/rest/auth/oauth2/v1/revoke", public.url());
    let basic = |user: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user)
        )
    };
    let r = http()
        .post(&revoke)
        .header("authorization", basic("pub-1:"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("token=x")
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http()
        .post(&revoke)
        .header(
            "authorization",
            basic(&format!("{CLIENT_ID}:{CLIENT_SECRET}")),
        )
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token=x&client_id={CLIENT_ID}"))
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("invalid_request"));
    let r = http()
        .post(&revoke)
        .header("authorization", basic(&format!("{CLIENT_ID}:wrong")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("token=x")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.headers()["www-authenticate"].to_str().unwrap(),
        format!("Basic realm=\"{ACCOUNT}\"")
    );
}

#[test]
fn an_expired_certificate_is_refused_with_the_rotation_to_run() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login_m2m(&sb, &emu, "sb", &[]).status.success());
    emu.advance_clock(Duration::from_secs(3 * 365 * 86_400));
    let out = sb.run(
        &emu,
        &["request", "GET", "/services/rest/record/v1/employee/3"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(emu.audit().iter().any(|a| a.detail == "CertificateExpired"));
}

#[test]
fn auth_token_prints_the_access_token_and_logout_revokes_the_certificate() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login_m2m(&sb, &emu, "sb", &[]).status.success());
    let out = sb.run(&emu, &["auth", "token", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).trim().to_string();
    let r = http()
        .get(format!("{}/services/rest/record/v1/employee/3", emu.url()))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "the printed token works");

    let cert = sb.store_json()["sb"]["certificateId"]
        .as_str()
        .unwrap()
        .to_string();
    let out = sb.run(&emu, &["auth", "logout", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("Revoked the certificate {cert}")),
        "{}",
        stderr(&out)
    );
    assert!(emu.certificates().iter().all(|(_, revoked)| *revoked));
    assert!(sb.store_json().get("sb").is_none());
}

#[test]
fn a_rotation_note_pointing_out_of_the_keys_folder_removes_nothing_there() {
    let emu = lasting_emulator(|_| {});
    let sb = Sandbox::new();
    assert!(login_m2m(&sb, &emu, "sb", &[]).status.success());
    // A store anyone could have written: a note whose path starts with the keys folder as
    // written, and leads out of it.
    let victim = sb.config_dir().join("victim.pem");
    std::fs::write(&victim, "keep me").unwrap();
    let sneaky = sb.config_dir().join("keys").join("..").join("victim.pem");
    let mut store = sb.store_json();
    store["sb"]["rotation"] = serde_json::json!({"previousKeyPath": sneaky.display().to_string()});
    std::fs::write(sb.store(), store.to_string()).unwrap();
    let out = sb.run(&emu, &["auth", "rotate", "sb"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
}
