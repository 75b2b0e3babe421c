//! Access and refresh tokens of the authorization code grant (docs/design.md §10). NetSuite's
//! refresh token is a JWT that says when it ends (`exp`) and, for a public client, when its
//! chain began (`oit`). Its life is the record's "Refresh Token Validity" (`refresh_ttl`); a
//! public client's refresh token works once, each refresh answers a new one, and the chain ends
//! at "Maximum Time For Token Rotation" after its first login (`rotation_cap`) however often it
//! is refreshed. A confidential client's refresh answer carries no new refresh token.

use std::time::{Duration, Instant};

use axum::response::Response;
use base64::Engine as _;

use crate::http;
use crate::oauth2::{Bearer, Client, TOKEN_PATH, token_error};
use crate::state::{ENTITY, State};

pub struct Refresh {
    client_id: String,
    scope: String,
    role: String,
    expires: Instant,
    /// When the chain began (seconds since 1970): its first login.
    oit: u64,
    active: bool,
}

/// A JWT of `claims` with an opaque signature (nobody but NetSuite checks it).
fn jwt(st: &State, claims: &serde_json::Value) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.{}",
        b64.encode(br#"{"kid":"emulator","typ":"JWT","alg":"PS256"}"#),
        b64.encode(claims.to_string()),
        b64.encode(st.random_hex(64))
    )
}

/// Makes an access token, and a refresh token unless `keep` holds the one to keep (a
/// confidential refresh: the answer then carries none). `oit` is the chain's start for a
/// public client's refresh.
pub fn issue(
    st: &State,
    c: &Client,
    scope: &str,
    role: &str,
    keep: Option<(String, u64)>,
) -> Response {
    let now = st.unix();
    let access = jwt(
        st,
        &serde_json::json!({"sub": format!("{role};{ENTITY}"), "aud": c.id, "scope": scope.split(' ').collect::<Vec<_>>(), "iat": now, "exp": now + st.config.access_ttl}),
    );
    let mut inner = st.lock();
    let (refresh, send) = match keep {
        Some((token, _)) if c.secret.is_some() => (token, false),
        kept => {
            let oit = kept.map_or(now, |(_, oit)| oit);
            let mut exp = now.saturating_add(st.config.refresh_ttl);
            if c.secret.is_none() {
                exp = exp.min(oit.saturating_add(st.config.rotation_cap));
            }
            let mut claims = serde_json::json!({"sub": format!("{role};{ENTITY}"), "aud": c.id, "iat": now, "exp": exp, "jti": st.random_hex(32)});
            if c.secret.is_none() {
                claims["oit"] = oit.into();
            }
            let token = jwt(st, &claims);
            inner.oauth2.refreshes.insert(
                token.clone(),
                Refresh {
                    client_id: c.id.clone(),
                    scope: scope.into(),
                    role: role.into(),
                    expires: st.instant() + Duration::from_secs(exp.saturating_sub(now)),
                    oit,
                    active: true,
                },
            );
            (token, true)
        }
    };
    inner.oauth2.bearers.insert(
        access.clone(),
        Bearer {
            client_id: c.id.clone(),
            scope: scope.into(),
            role: role.into(),
            entity: ENTITY.into(),
            expires: st.instant() + Duration::from_secs(st.config.access_ttl),
            family: Some(refresh.clone()),
            active: true,
        },
    );
    drop(inner);
    st.audit(TOKEN_PATH, 200, "ok");
    // NetSuite has been seen sending expires_in as a string.
    let mut answer = serde_json::json!({
        "access_token": access,
        "expires_in": st.config.access_ttl.to_string(),
        "token_type": "bearer",
    });
    if send {
        answer["refresh_token"] = refresh.into();
    }
    http::json(200, &answer)
}

/// The refresh token grant.
pub fn grant(st: &State, c: &Client, presented: &str) -> Response {
    let mut inner = st.lock();
    let Some(r) = inner.oauth2.refreshes.get_mut(presented) else {
        drop(inner);
        return token_error(st, 400, "invalid_grant", "InvalidRefreshToken");
    };
    if !r.active || r.client_id != c.id {
        drop(inner);
        return token_error(st, 400, "invalid_grant", "InvalidRefreshToken");
    }
    if r.expires < st.instant() {
        drop(inner);
        return token_error(st, 400, "invalid_grant", "RefreshTokenExpired");
    }
    let (scope, role, oit) = (r.scope.clone(), r.role.clone(), r.oit);
    // A public client's refresh token works once: the answer carries a new one.
    if c.secret.is_none() {
        r.active = false;
    }
    drop(inner);
    issue(st, c, &scope, &role, Some((presented.to_string(), oit)))
}

/// Revokes a refresh token and every access token made from it; whether it was one.
pub fn revoke(st: &State, token: &str) -> bool {
    let mut inner = st.lock();
    let Some(r) = inner.oauth2.refreshes.get_mut(token) else {
        return false;
    };
    r.active = false;
    for b in inner.oauth2.bearers.values_mut() {
        if b.family.as_deref() == Some(token) {
            b.active = false;
        }
    }
    true
}
