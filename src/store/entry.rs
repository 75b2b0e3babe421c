//! The entries of the store (docs/design.md §4, §10): the gulp tools' TBA entry (no `type`), an
//! OAuth 2.0 login (`"type": "oauth2"`) and client credentials (`"type": "m2m"`), with the
//! auth ID rule and the times the store keeps. Fields nstba does not know ride along.

use std::path::PathBuf;
use std::time::SystemTime;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::Failure;
use crate::secret::Secret;

/// Kinds of credential, as `auth list`, `auth status` and `-v` name them and as `--json` writes
/// them (one enum for display and serialization, docs/design.md §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Kind {
    #[serde(rename = "TBA")]
    Tba,
    #[serde(rename = "OAuth 2.0")]
    OAuth2,
    #[serde(rename = "M2M")]
    M2m,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Tba => "TBA",
            Kind::OAuth2 => "OAuth 2.0",
            Kind::M2m => "M2M",
        }
    }

    /// With its article: "a TBA", "an OAuth 2.0", "an M2M" (said as they are read aloud).
    pub fn with_article(self) -> &'static str {
        match self {
            Kind::Tba => "a TBA",
            Kind::OAuth2 => "an OAuth 2.0",
            Kind::M2m => "an M2M",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One saved TBA token, in the gulp tools' form: `token` (the token ID), `secret` (the token
/// secret) and `account` are theirs; the rest are nstba's own and optional. Fields nobody here
/// knows ride along in `extra`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TbaEntry {
    #[serde(rename = "token")]
    pub token_id: String,
    #[serde(rename = "secret")]
    pub token_secret: Secret,
    pub account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_secret: Option<Secret>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub role: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

impl TbaEntry {
    /// Parses one entry, or says what is wrong with it (no values in the message).
    pub fn from_value(value: &Value) -> Result<TbaEntry, String> {
        if !value.is_object() {
            return Err("not a JSON object".into());
        }
        serde_json::from_value(value.clone()).map_err(|e| {
            // serde's message names the field, never the value, for missing or mistyped fields.
            e.to_string()
        })
    }

    pub fn to_value(&self) -> Value {
        // Serializing plain strings and maps cannot fail.
        serde_json::to_value(self).unwrap_or_else(|_| unreachable!("entry is plain data"))
    }
}

/// An OAuth 2.0 token from the authorization code grant (docs/design.md §10), beside TBA entries. The gulp
/// tools cannot use it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OAuth2Entry {
    pub account: String,
    pub client_id: String,
    /// Absent for a public client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    pub scope: String,
    pub access_token: Secret,
    /// RFC 3339.
    pub access_token_expires_at: String,
    pub refresh_token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_at: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub role: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub entity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An OAuth 2.0 client credentials (machine-to-machine) client (docs/design.md §10): no token is saved,
/// only where the private key is.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct M2mEntry {
    pub account: String,
    pub client_id: String,
    pub certificate_id: String,
    pub private_key_path: PathBuf,
    pub algorithm: String,
    pub scope: String,
    /// The role and entity the certificate is mapped to (known when nstba mapped it).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub role: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_number"
    )]
    pub entity: Option<String>,
    /// RFC 3339: when the certificate ends (known when nstba made it or read it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_expires_at: Option<String>,
    /// A rotation under way (docs/design.md §10): what to finish or undo next time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<Rotation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The state of an M2M rotation, saved before each step that a kill could cut short: a new
/// pair not yet switched to (`pending`, undone next time), or an old pair switched from
/// (`previous`, revoked and removed next time).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Rotation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_key_path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_certificate_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_key_path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_certificate_id: Option<String>,
}

/// A saved credential of any kind: a TBA entry has no `type` (the gulp tools' form), an OAuth
/// 2.0 one says `"type": "oauth2"`, a client credentials one `"type": "m2m"`.
#[derive(Clone, Debug, PartialEq)]
pub enum Saved {
    Tba(TbaEntry),
    OAuth2(OAuth2Entry),
    M2m(M2mEntry),
}

impl Saved {
    pub const OAUTH2: &'static str = "oauth2";
    pub const M2M: &'static str = "m2m";

    /// Parses one entry, or says what is wrong with it (no values in the message).
    pub fn from_value(value: &Value) -> Result<Saved, String> {
        match value.get("type").map(|t| t.as_str()) {
            None => TbaEntry::from_value(value).map(Saved::Tba),
            Some(Some(Saved::OAUTH2)) => serde_json::from_value(value.clone())
                .map(Saved::OAuth2)
                .map_err(|e| e.to_string()),
            Some(Some(Saved::M2M)) => serde_json::from_value(value.clone())
                .map(Saved::M2m)
                .map_err(|e| e.to_string()),
            Some(Some(other)) => Err(format!(
                "it is a credential of type '{other}', which this nstba does not know: update \
                 nstba"
            )),
            Some(None) => Err("its type is not a string".into()),
        }
    }

    pub fn to_value(&self) -> Value {
        let (kind, value) = match self {
            Saved::Tba(e) => return e.to_value(),
            Saved::OAuth2(e) => (Saved::OAUTH2, serde_json::to_value(e)),
            Saved::M2m(e) => (Saved::M2M, serde_json::to_value(e)),
        };
        // Serializing plain strings and maps cannot fail.
        let mut value = value.unwrap_or_else(|_| unreachable!("an entry is plain data"));
        if let Value::Object(m) = &mut value {
            // `type` first, as a person would write it.
            let mut out = Map::new();
            out.insert("type".into(), Value::from(kind));
            out.extend(std::mem::take(m));
            return Value::Object(out);
        }
        value
    }

    /// What kind of credential, for people: `TBA`, `OAuth 2.0`.
    pub fn kind(&self) -> Kind {
        match self {
            Saved::Tba(_) => Kind::Tba,
            Saved::OAuth2(_) => Kind::OAuth2,
            Saved::M2m(_) => Kind::M2m,
        }
    }

    pub fn account(&self) -> &str {
        match self {
            Saved::Tba(e) => &e.account,
            Saved::OAuth2(e) => &e.account,
            Saved::M2m(e) => &e.account,
        }
    }

    pub fn role(&self) -> Option<&str> {
        match self {
            Saved::Tba(e) => e.role.as_deref(),
            Saved::OAuth2(e) => e.role.as_deref(),
            Saved::M2m(e) => e.role.as_deref(),
        }
    }

    pub fn entity(&self) -> Option<&str> {
        match self {
            Saved::Tba(e) => e.entity.as_deref(),
            Saved::OAuth2(e) => e.entity.as_deref(),
            Saved::M2m(e) => e.entity.as_deref(),
        }
    }

    pub fn created_at(&self) -> Option<&str> {
        match self {
            Saved::Tba(e) => e.created_at.as_deref(),
            Saved::OAuth2(e) => e.created_at.as_deref(),
            Saved::M2m(e) => e.created_at.as_deref(),
        }
    }

    /// When the credential stops working unless it is renewed (RFC 3339): an M2M entry's
    /// certificate end, an OAuth 2.0 login's refresh token end; a TBA token has none.
    pub fn ends_at(&self) -> Option<&str> {
        match self {
            Saved::Tba(_) => None,
            Saved::OAuth2(e) => e.refresh_token_expires_at.as_deref(),
            Saved::M2m(e) => e.certificate_expires_at.as_deref(),
        }
    }
}

/// Checks an auth ID: `[A-Za-z0-9._-]{1,64}`.
pub fn validate_auth_id(id: &str) -> Result<(), Failure> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "'{id}' is not a valid auth ID: use 1 to 64 letters, digits, '.', '_' or '-' \
             (for example my-sandbox)"
        )))
    }
}

/// A time as the store keeps it: RFC 3339 in UTC, to the second (`2026-11-22T10:00:00Z`).
pub fn format_time(t: SystemTime) -> String {
    let utc = time::OffsetDateTime::from(t);
    let utc = utc.replace_nanosecond(0).unwrap_or(utc);
    // Formatting a UTC time in RFC 3339 cannot fail for years 0 to 9999.
    utc.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Now, as the store keeps times.
pub fn now() -> String {
    format_time(SystemTime::now())
}

/// A time read from the store; `None` when it is not RFC 3339.
pub fn parse_time(raw: &str) -> Option<SystemTime> {
    time::OffsetDateTime::parse(raw.trim(), &time::format_description::well_known::Rfc3339)
        .ok()
        .map(SystemTime::from)
}

#[cfg(test)]
mod time_tests {
    use super::*;

    #[test]
    fn times_round_trip_to_the_second() {
        let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_795_000_000_500);
        let text = format_time(t);
        assert_eq!(text, "2026-11-18T11:06:40Z");
        let back = parse_time(&text).unwrap();
        assert_eq!(
            back,
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000)
        );
        assert_eq!(
            parse_time("2026-11-22T12:00:00+02:00"),
            parse_time("2026-11-22T10:00:00Z")
        );
        assert_eq!(parse_time("yesterday"), None);
    }
}
