//! How long a login lasts, read from the refresh token (docs/design.md §10). NetSuite's refresh
//! token is a JWT: `exp` says when it ends (the integration record's "Refresh Token Validity",
//! and for a public client no later than "Maximum Time For Token Rotation" after `oit`, when
//! its chain began). nstba never assumes a lifetime: a token that is not a JWT, or whose times
//! are missing or absurd, gives `None` ("NetSuite did not say"). The signature is not checked:
//! only NetSuite can, and nothing here is trusted beyond showing a date.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

/// The latest time believed (the end of year 9999, the last RFC 3339 can write).
const LATEST: u64 = 253_402_300_799;

/// What a refresh token says of its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Lifetime {
    /// When it ends (`exp`).
    pub ends: Option<SystemTime>,
    /// When its chain began (`oit`; public clients).
    pub chain_began: Option<SystemTime>,
}

/// Reads a refresh token's `exp` and `oit` (pure; for any input, never a panic).
pub fn of_refresh_token(token: &str) -> Lifetime {
    let mut parts = token.split('.');
    let (Some(_), Some(claims), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Lifetime::default();
    };
    // A JWT's parts are base64url without padding; some servers pad.
    let Ok(bytes) =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims.trim_end_matches('='))
    else {
        return Lifetime::default();
    };
    let Ok(serde_json::Value::Object(claims)) = serde_json::from_slice(&bytes) else {
        return Lifetime::default();
    };
    let time = |name: &str| {
        let secs = claims.get(name)?.as_u64().filter(|s| *s <= LATEST)?;
        UNIX_EPOCH.checked_add(Duration::from_secs(secs))
    };
    Lifetime {
        ends: time("exp"),
        chain_began: time("oit"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", b64.encode("{}"), b64.encode(claims))
    }

    #[test]
    fn reads_exp_and_oit_and_believes_nothing_else() {
        let l = of_refresh_token(&jwt(r#"{"exp":1800000000,"oit":1790000000}"#));
        assert_eq!(
            l.ends,
            Some(UNIX_EPOCH + Duration::from_secs(1_800_000_000))
        );
        assert_eq!(
            l.chain_began,
            Some(UNIX_EPOCH + Duration::from_secs(1_790_000_000))
        );
        let l = of_refresh_token(&jwt(r#"{"exp":1800000000}"#));
        assert_eq!(l.chain_began, None);
        for bad in [
            "opaque-refresh-token".to_string(),
            jwt(r#"{"exp":18446744073709551615}"#),
            jwt(r#"{"exp":-5}"#),
            jwt(r#"{"exp":"soon"}"#),
            jwt(r#"{"exp":1.5e300}"#),
            jwt("[1,2]"),
            "a.%%%.c".into(),
            "a.b.c.d".into(),
        ] {
            assert_eq!(of_refresh_token(&bad).ends, None, "{bad}");
        }
    }
}
