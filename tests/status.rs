//! `nstba auth status` against hostile and slow servers (docs/design.md §6, §10): a refresh it
//! started is saved whatever the display's deadline, and its probes read little.

use std::time::Duration;

use crate::common::standin::{Req, Resp, StandIn};
use crate::common::*;

const TOKEN_PATH: &str = "/services/rest/auth/oauth2/v1/token";

/// Saves an OAuth 2.0 login `id` whose access token has expired.
fn save_expired_login(sb: &Sandbox, id: &str, refresh_token: &str) {
    save_login(sb, id, refresh_token, "2000-01-01T00:00:00Z");
}

/// Saves an OAuth 2.0 login `id` whose access token lasts until `expires_at`.
fn save_login(sb: &Sandbox, id: &str, refresh_token: &str, expires_at: &str) {
    let mut store = if sb.store().exists() {
        sb.store_json()
    } else {
        serde_json::json!({})
    };
    store[id] = serde_json::json!({
        "type": "oauth2",
        "account": ACCOUNT,
        "clientId": "cid-1",
        "clientSecret": "CLIENT-SECRET-do-not-print-5c1e",
        "scope": "rest_webservices",
        "accessToken": format!("old-access-{id}"),
        "accessTokenExpiresAt": expires_at,
        "refreshToken": refresh_token,
    });
    std::fs::write(sb.store(), serde_json::to_string_pretty(&store).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(sb.store(), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A token endpoint that answers in 3 s with a rotated refresh token, past a 1 s `--timeout`:
/// the server has spent the old one, so the store must end with the new one.
#[test]
fn a_refresh_under_way_is_saved_past_the_deadline() {
    let server = StandIn::start(|req: Req| async move {
        if req.target.starts_with(TOKEN_PATH) {
            tokio::time::sleep(Duration::from_secs(3)).await;
            return Resp::json(
                200,
                r#"{"access_token":"new-access","refresh_token":"rotated-refresh","expires_in":3600,"token_type":"bearer"}"#,
            );
        }
        Resp::json(200, "{}")
    });
    let sb = Sandbox::new();
    save_expired_login(&sb, "sb", "spent-refresh");
    let out = sb
        .nstba()
        .args(["auth", "status", "--timeout", "1"])
        .env("NSTBA_NETSUITE_URL", server.url())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("no answer within the 1 s"),
        "{}",
        stdout(&out)
    );
    let store = sb.store_json();
    assert_eq!(
        store["sb"]["refreshToken"],
        "rotated-refresh",
        "the rotated refresh token was lost: {}",
        stderr(&out)
    );
    assert_eq!(store["sb"]["accessToken"], "new-access");
    assert!(
        stderr(&out).contains("Waiting for a token refresh"),
        "{}",
        stderr(&out)
    );
}

/// Twelve logins checked at once against a server whose every answer is endless: each probe
/// stops at a small cap (it read up to 64 MB each: 529 MB with 24 entries), and says why.
#[cfg(unix)]
#[test]
fn status_probes_read_little_from_a_hostile_server() {
    fn endless(stream: &mut std::net::TcpStream) {
        use std::io::Write as _;
        let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
        while stream.write_all(chunk.as_bytes()).is_ok() {}
    }
    let (url, hits) = hostile(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        endless,
    );
    let sb = Sandbox::new();
    for n in 0..12 {
        save_login(&sb, &format!("sb{n}"), "refresh", "2999-01-01T00:00:00Z");
    }
    let mut cmd = sb.nstba_std();
    cmd.args(["auth", "status", "--timeout", "60"])
        .env("NSTBA_NETSUITE_URL", &url);
    let (out, peak_kb) = run_measured(cmd);
    // Each of the 12 probes stopped at the cap; the shared reason is said once (issue 19).
    assert_eq!(
        stdout(&out).matches("(see below)").count(),
        12,
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(
        stdout(&out).matches("larger than 256.0 KB").count(),
        1,
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 12);
    eprintln!("auth status over 12 endless answers: peak RSS {peak_kb} KB");
    assert!(peak_kb < 64 * 1024, "peak RSS {peak_kb} KB");
}

/// A `config.toml` or `projects.toml` that other users can change could choose the token a
/// bare command uses: each is ignored with a warning, as an `nstba.toml` is (docs/design.md §7).
#[cfg(unix)]
#[test]
fn settings_that_others_can_change_are_ignored() {
    use std::os::unix::fs::PermissionsExt as _;
    let sb = Sandbox::new();
    sb.add_token("mine", ACCOUNT, TID, TS);
    sb.add_token("theirs", ACCOUNT, TID, TS);
    let out = sb
        .nstba()
        .args(["auth", "switch", "theirs"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let config = sb.config_dir().join("config.toml");
    let status = || {
        sb.nstba()
            .args(["auth", "status", "--offline"])
            .output()
            .unwrap()
    };
    assert!(stderr(&status()).contains("uses 'theirs'"));

    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = status();
    assert!(!stderr(&out).contains("uses 'theirs'"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("other users can change it (mode 666)"),
        "{}",
        stderr(&out)
    );

    // The same for the per-folder pick in projects.toml.
    std::fs::remove_file(&config).unwrap();
    let dir = sb.path().to_string_lossy().into_owned();
    let projects = sb.config_dir().join("projects.toml");
    std::fs::write(&projects, format!("[{:?}]\nauth_id = \"theirs\"\n", dir)).unwrap();
    std::fs::set_permissions(&projects, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(
        stderr(&status()).contains("uses 'theirs'"),
        "{}",
        stderr(&status())
    );
    std::fs::set_permissions(&projects, std::fs::Permissions::from_mode(0o622)).unwrap();
    let out = status();
    assert!(!stderr(&out).contains("uses 'theirs'"), "{}", stderr(&out));
    assert!(stderr(&out).contains("ignoring"), "{}", stderr(&out));
}
