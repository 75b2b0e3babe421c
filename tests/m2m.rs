//! OAuth 2.0 client credentials (docs/design.md §10) end to end: `auth keygen` makes a key and a
//! certificate, the emulator verifies assertions against that certificate with its own code,
//! `auth add-m2m` and the CI variables both work, for every algorithm NetSuite accepts; RS256
//! is refused before any request; the private key never reaches an output.

use std::time::Duration;

use crate::common::*;

const CLIENT_ID: &str = "m2m-client-91";

/// Makes a key and certificate with `nstba auth keygen`; (key path, certificate PEM).
fn keygen(sb: &Sandbox, alg: &str) -> (std::path::PathBuf, String) {
    let out = sb
        .nstba()
        .args(["auth", "keygen", "--algorithm", alg, "--out", "keys"])
        .args(["--name", &format!("k-{}", alg.to_ascii_lowercase())])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let paths: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(paths.len(), 2, "{}", stdout(&out));
    assert!(stderr(&out).contains("OAuth 2.0 Client Credentials (M2M) Setup"));
    let key = std::path::PathBuf::from(paths[0]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is private");
    }
    (key, std::fs::read_to_string(paths[1]).unwrap())
}

fn m2m_emulator(certs: Vec<(String, String)>) -> nstba_emulator::Handle {
    emulator_with(|c| {
        c.clients = vec![nstba_emulator::oauth2::Client {
            id: CLIENT_ID.into(),
            secret: None,
        }];
        c.m2m_certs = certs;
    })
}

#[test]
fn every_algorithm_through_keygen_add_m2m_and_the_ci_variables() {
    let sb = Sandbox::new();
    let algs = ["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];
    let made: Vec<_> = algs.iter().map(|a| (a, keygen(&sb, a))).collect();
    let certs = made
        .iter()
        .map(|(a, (_, cert))| (format!("-kid-{a}"), cert.clone()))
        .collect();
    let emu = m2m_emulator(certs);
    for (alg, (key, _)) in &made {
        let id = format!("ci-{}", alg.to_ascii_lowercase());
        let out = sb
            .nstba()
            .args([
                "auth",
                "add-m2m",
                &id,
                "--account",
                ACCOUNT,
                "--client-id",
                CLIENT_ID,
            ])
            .arg(format!("--certificate-id=-kid-{alg}"))
            .arg("--private-key")
            .arg(key)
            // An RSA key defaults to PS256; keygen said to name the others.
            .args(if alg.starts_with("PS") && **alg != "PS256" {
                vec!["--algorithm", alg]
            } else {
                vec![]
            })
            .env("NSTBA_NETSUITE_URL", emu.url())
            .output()
            .unwrap();
        assert!(out.status.success(), "{alg}: {}", stderr(&out));
        assert_eq!(sb.store_json()[&id]["algorithm"], **alg);
        let out = sb.run(
            &emu,
            &[
                "request",
                "GET",
                "/services/rest/record/v1/employee/3",
                "--to",
                &id,
                "-v",
            ],
        );
        assert!(out.status.success(), "{alg}: {}", stderr(&out));
        let pem = std::fs::read_to_string(key).unwrap();
        let body = pem.lines().nth(1).unwrap();
        assert!(!stderr(&out).contains(body) && !stdout(&out).contains(body));
    }
    assert_eq!(emu.token_calls("client_credentials"), 6);

    // In CI: the variables alone, nothing saved, the key as text.
    let (key, _) = &made[3].1;
    let ci = Sandbox::new();
    let out = ci
        .nstba()
        .args(["suiteql", "SELECT id FROM employee WHERE id <= 3"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", CLIENT_ID)
        .env("NSTBA_CERTIFICATE_ID", "-kid-ES256")
        .env("NSTBA_PRIVATE_KEY", std::fs::read_to_string(key).unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 3);
    assert!(
        !ci.store().exists(),
        "the environment's credentials never touch the store"
    );
    assert_eq!(emu.token_calls("client_credentials"), 7);
}

#[test]
fn rs256_and_partial_variables_are_refused_before_any_request() {
    let sb = Sandbox::new();
    let (key, cert) = keygen(&sb, "PS256");
    let emu = m2m_emulator(vec![("kid".into(), cert)]);
    let env = |cmd: &mut assert_cmd::Command| {
        cmd.env("NSTBA_NETSUITE_URL", emu.url())
            .env("NSTBA_ACCOUNT", ACCOUNT)
            .env("NSTBA_CLIENT_ID", CLIENT_ID)
            .env("NSTBA_PRIVATE_KEY_FILE", &key);
    };
    let mut cmd = sb.nstba();
    cmd.args(["request", "GET", "/services/rest/record/v1/employee/3"])
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env("NSTBA_ALGORITHM", "RS256");
    env(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("RS256 is refused by NetSuite"),
        "{}",
        stderr(&out)
    );
    // A partial set names what is missing.
    let mut cmd = sb.nstba();
    cmd.args(["request", "GET", "/services/rest/record/v1/employee/3"]);
    env(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("NSTBA_CERTIFICATE_ID is not set"),
        "{}",
        stderr(&out)
    );
    emu.assert_no_calls();
}

#[test]
fn a_certificate_netsuite_does_not_know_is_refused_with_exit_3() {
    let sb = Sandbox::new();
    let (key, _) = keygen(&sb, "ES256");
    let (_, other_cert) = keygen(&sb, "ES384");
    let emu = m2m_emulator(vec![("kid".into(), other_cert)]);
    let out = sb
        .nstba()
        .args(["request", "GET", "/services/rest/record/v1/employee/3"])
        .env("NSTBA_NETSUITE_URL", emu.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", CLIENT_ID)
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env("NSTBA_PRIVATE_KEY_FILE", &key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refused the client credentials"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_private_key_path_to_a_device_is_refused_not_read() {
    let sb = Sandbox::new();
    let started = std::time::Instant::now();
    let out = sb
        .nstba()
        .args(["sign", "GET", "/services/rest/record/v1/employee/3"])
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", CLIENT_ID)
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env("NSTBA_PRIVATE_KEY_FILE", "/dev/zero")
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// A key's PEM text given where its path belongs (a GitLab "File" variable mixed up) is never
/// printed: the message names the variable and the one that takes the text.
#[test]
fn a_key_given_where_its_path_belongs_is_never_printed() {
    let sb = Sandbox::new();
    let (key, _) = keygen(&sb, "ES256");
    let pem = std::fs::read_to_string(&key).unwrap();
    let body: String = pem.lines().nth(1).unwrap().to_string();
    for args in [
        &["sign", "GET", "/services/rest/record/v1/employee/3"][..],
        &["request", "GET", "/services/rest/record/v1/employee/3"],
        &["auth", "verify"],
    ] {
        let out = sb
            .nstba()
            .args(args)
            .env("NSTBA_ACCOUNT", ACCOUNT)
            .env("NSTBA_CLIENT_ID", CLIENT_ID)
            .env("NSTBA_CERTIFICATE_ID", "kid")
            .env("NSTBA_PRIVATE_KEY_FILE", &pem)
            .output()
            .unwrap();
        let all = stdout(&out) + &stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {all}");
        assert!(
            !all.contains(&body) && !all.contains("BEGIN"),
            "{args:?}: {all}"
        );
        assert!(
            all.contains("NSTBA_PRIVATE_KEY_FILE holds") && all.contains("in NSTBA_PRIVATE_KEY"),
            "{args:?}: {all}"
        );
    }
    let out = sb
        .nstba()
        .args([
            "auth",
            "add-m2m",
            "ci",
            "--account",
            ACCOUNT,
            "--client-id",
            CLIENT_ID,
        ])
        .args(["--certificate-id", "kid", "--private-key", &pem])
        .output()
        .unwrap();
    let all = stdout(&out) + &stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(!all.contains(&body) && !all.contains("BEGIN"), "{all}");
    assert!(all.contains("--private-key"), "{all}");
}

/// A token endpoint's redirect is never followed: the assertion would go to wherever it
/// points, and that origin's token come back and be used.
#[test]
fn a_token_endpoint_redirect_is_an_error_not_followed() {
    use crate::common::standin::{Req, Resp, StandIn};
    let sb = Sandbox::new();
    let (key, _) = keygen(&sb, "ES256");
    let evil = StandIn::start(|_req: Req| async {
        Resp::json(200, r#"{"access_token":"evil-token","expires_in":3600}"#)
    });
    let to = format!("{}/services/rest/auth/oauth2/v1/token", evil.url());
    let front = StandIn::start(move |_req: Req| {
        let to = to.clone();
        async move {
            Resp {
                status: 307,
                headers: vec![("location".into(), to)],
                body: Vec::new(),
            }
        }
    });
    let out = sb
        .nstba()
        .args(["sign", "GET", "/services/rest/record/v1/employee/3"])
        .env("NSTBA_NETSUITE_URL", front.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", CLIENT_ID)
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env("NSTBA_PRIVATE_KEY_FILE", &key)
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(!stdout(&out).contains("evil-token"));
    assert!(
        stderr(&out).contains("never follows a redirect") && stderr(&out).contains(&evil.url()),
        "{}",
        stderr(&out)
    );
    evil.assert_no_calls();
}

#[test]
fn a_500_server_error_from_the_token_endpoint_names_alg_kid_and_certificate() {
    use crate::common::standin::{Req, Resp, StandIn};
    let sb = Sandbox::new();
    let (key, _) = keygen(&sb, "ES256");
    let netsuite =
        StandIn::start(|_req: Req| async { Resp::json(500, r#"{"error":"server_error"}"#) });
    let out = sb
        .nstba()
        .args(["sign", "GET", "/services/rest/record/v1/employee/3"])
        .env("NSTBA_NETSUITE_URL", netsuite.url())
        .env("NSTBA_ACCOUNT", ACCOUNT)
        .env("NSTBA_CLIENT_ID", CLIENT_ID)
        .env("NSTBA_CERTIFICATE_ID", "kid")
        .env("NSTBA_PRIVATE_KEY_FILE", &key)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("server_error")
            && err.contains("RS256")
            && err.contains("kid")
            && err.contains("certificate"),
        "{err}"
    );
}

/// Under umask 000, what keygen creates is still the user's alone: folders 0700, the key and
/// the certificate 0600 (another user replaced a 0666 certificate waiting to be uploaded).
#[cfg(unix)]
#[test]
fn keygen_under_umask_000_creates_only_private_folders_and_files() {
    use std::os::unix::fs::PermissionsExt as _;
    let sb = Sandbox::new();
    let bin = env!("CARGO_BIN_EXE_nstba");
    // The sandbox's environment, for a shell that sets the umask first.
    let cmd = sb.nstba_std();
    let mut sh = std::process::Command::new("sh");
    sh.args(["-c", &format!("umask 000; exec '{bin}' auth keygen")])
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
        .current_dir(sb.path());
    let out = sh.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let keys = sb.config_dir().join("keys");
    assert_eq!(mode(&sb.config_dir()), 0o700);
    assert_eq!(mode(&keys), 0o700);
    for entry in std::fs::read_dir(&keys).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

/// A link planted at the certificate's name is never followed: keygen refuses, and nothing
/// appears where it points.
#[cfg(unix)]
#[test]
fn keygen_never_writes_through_a_planted_link() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.path().join("keys")).unwrap();
    let target = sb.path().join("elsewhere.pem");
    std::os::unix::fs::symlink(&target, sb.path().join("keys/nstba-m2m-ps256.cert.pem")).unwrap();
    let out = sb
        .nstba()
        .args(["auth", "keygen", "--out", "keys"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!target.exists(), "written through the link");
    assert!(stderr(&out).contains("exists already"), "{}", stderr(&out));
}

/// The emulator's assertion rules are Oracle's, tried with claims nstba never makes (signed
/// here with jsonwebtoken): no `jti` is fine, a `jti` spent is refused, `scope` as an array or
/// a comma-separated string, `exp` 60 minutes after `iat` refused (less than 60 is the rule),
/// `aud` the account's own token URL even when sent to the emulator's address, and a refused
/// assertion is `invalid_client` with 401 and a Basic challenge.
#[test]
fn assertions_follow_oracles_rules_not_only_nstbas() {
    let sb = Sandbox::new();
    let (key, cert) = keygen(&sb, "ES256");
    let emu = m2m_emulator(vec![("cert-1".into(), cert)]);
    let pem = std::fs::read(&key).unwrap();
    let key = jsonwebtoken::EncodingKey::from_ec_pem(&pem).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let own_aud = format!(
        "https://{}.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
        ACCOUNT.to_ascii_lowercase().replace('_', "-")
    );
    let client = reqwest::blocking::Client::new();
    let ask = |claims: serde_json::Value| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some("cert-1".into());
        header.typ = Some("JWT".into());
        let jwt = jsonwebtoken::encode(&header, &claims, &key).unwrap();
        let reply = client
            .post(format!("{}/services/rest/auth/oauth2/v1/token", emu.url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("grant_type", "client_credentials")
                    .append_pair(
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    )
                    .append_pair("client_assertion", &jwt)
                    .finish(),
            )
            .send()
            .unwrap();
        let challenge = reply
            .headers()
            .get("www-authenticate")
            .map(|h| h.to_str().unwrap().to_string());
        (reply.status().as_u16(), challenge)
    };
    let claims = |aud: &str, scope: serde_json::Value, exp: u64| serde_json::json!({"iss": CLIENT_ID, "aud": aud, "scope": scope, "iat": now, "exp": exp});
    let ok = |(status, _): (u16, Option<String>)| status == 200;
    let array = serde_json::json!(["restlets", "rest_webservices"]);
    assert!(
        ok(ask(claims(&own_aud, array.clone(), now + 300))),
        "no jti"
    );
    assert!(
        ok(ask(claims(
            &own_aud,
            "restlets, rest_webservices".into(),
            now + 300
        ))),
        "a comma-separated scope"
    );
    let mut with_jti = claims(&own_aud, array.clone(), now + 300);
    with_jti["jti"] = "once-only-4f1c".into();
    assert!(ok(ask(with_jti.clone())), "a fresh jti");
    let (status, challenge) = ask(with_jti);
    assert_eq!(status, 401, "a spent jti");
    assert_eq!(
        challenge.as_deref(),
        Some(&*format!("Basic realm=\"{ACCOUNT}\""))
    );
    assert_eq!(
        ask(claims(&own_aud, array.clone(), now + 3600)).0,
        401,
        "exp = iat + 60 min"
    );
    assert!(ok(ask(claims(&own_aud, array.clone(), now + 3599))));
    let where_sent = format!("{}/services/rest/auth/oauth2/v1/token", emu.url());
    assert_eq!(
        ask(claims(&where_sent, array, now + 300)).0,
        401,
        "aud is the account's URL"
    );
}
