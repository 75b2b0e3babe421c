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
    let out = sb
        .nstba()
        .args(["auth", "rotate"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", CLIENT_ID)
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env(
            "NSTBA_PRIVATE_KEY",
            "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
        )
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    emu.assert_no_calls();
}

/// Kill at every step: after each, the entry works, and the next rotation finishes or undoes
/// what was left (no certificate stays active for nothing, no key file is left behind).
#[cfg(unix)]
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
