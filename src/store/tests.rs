//! The store's unit tests: entries, the file protocol, the guards.

use super::*;
use crate::secret::Secret;

fn temp_store() -> (tempfile::TempDir, StorePath) {
    let dir = tempfile::tempdir().unwrap();
    let path = StorePath::resolve(Some(&dir.path().join(".nstba"))).unwrap();
    (dir, path)
}

fn entry(account: &str) -> Saved {
    Saved::Tba(tba(account))
}

fn tba(account: &str) -> TbaEntry {
    TbaEntry {
        token_id: "tokenid".into(),
        token_secret: Secret::new("tsecret"),
        account: account.into(),
        consumer_key: Some("ck".into()),
        consumer_secret: Some(Secret::new("csecret")),
        role: Some("3".into()),
        entity: None,
        created_at: None,
        extra: Map::new(),
    }
}

#[test]
fn missing_and_empty_are_empty() {
    let (_d, p) = temp_store();
    assert!(Store::load(&p).unwrap().is_empty());
    fs::write(p.path(), "  \n").unwrap();
    assert!(Store::load(&p).unwrap().is_empty());
}

#[test]
fn update_writes_0600_and_keeps_unknowns() {
    let (_d, p) = temp_store();
    fs::write(
        p.path(),
        r#"{"gulp":{"token":"t","secret":"s","account":"123","extraField":[1,2]},"weird":42}"#,
    )
    .unwrap();
    Store::update(&p, |s| {
        s.put("new", &entry("123_SB1"));
        Ok(())
    })
    .unwrap();
    let text = fs::read_to_string(p.path()).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["gulp"]["extraField"], serde_json::json!([1, 2]));
    assert_eq!(v["weird"], 42);
    assert_eq!(v["new"]["consumerKey"], "ck");
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["gulp", "weird", "new"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = fs::metadata(p.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let store = Store::load(&p).unwrap();
    assert!(store.get("weird").is_err());
    assert_eq!(store.get("gulp").unwrap().unwrap().account(), "123");
}

/// Found by fuzzing (fuzz/fuzz_targets/store_file.rs): without exact float parsing a
/// number in an unknown field changed value on every rewrite.
#[test]
fn numbers_in_unknown_fields_keep_their_value() {
    let (_d, p) = temp_store();
    let text = r#"{"g":{"token":"t","secret":"s","account":"1","x":[188888888888888880807,0.1,1e-7,-2.5e300]}}"#;
    fs::write(p.path(), text).unwrap();
    let before: Value = serde_json::from_str(text).unwrap();
    for _ in 0..3 {
        Store::update(&p, |_| Ok(())).unwrap();
    }
    let after: Value = serde_json::from_str(&fs::read_to_string(p.path()).unwrap()).unwrap();
    assert_eq!(after["g"]["x"], before["g"]["x"]);
}

#[test]
fn corrupt_store_is_never_written() {
    let (_d, p) = temp_store();
    let bad = "{\n  \"a\": {\"token\": \"x\",,}\n}";
    fs::write(p.path(), bad).unwrap();
    let err = Store::update(&p, |s| {
        s.put("b", &entry("1"));
        Ok(())
    })
    .unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("line 2, column"), "{msg}");
    assert_eq!(fs::read_to_string(p.path()).unwrap(), bad);
}

#[test]
fn failed_change_writes_nothing() {
    let (_d, p) = temp_store();
    let r: Result<()> = Store::update(&p, |s| {
        s.put("b", &entry("1"));
        anyhow::bail!("no")
    });
    assert!(r.is_err());
    assert!(!p.path().exists());
}

#[test]
fn rename_keeps_position_and_fields() {
    let mut s = Store::default();
    s.put("a", &entry("1"));
    s.put("b", &entry("2"));
    s.put("c", &entry("3"));
    assert!(s.rename("b", "z"));
    assert!(!s.rename("a", "c"));
    assert!(!s.rename("nope", "x"));
    assert_eq!(s.ids().collect::<Vec<_>>(), ["a", "z", "c"]);
    assert_eq!(s.get("z").unwrap().unwrap().account(), "2");
}

#[test]
fn numbers_for_role_and_entity() {
    let e = TbaEntry::from_value(&serde_json::json!({
        "token": "t", "secret": "s", "account": "1", "role": 3, "entity": 38
    }))
    .unwrap();
    assert_eq!(e.role.as_deref(), Some("3"));
    assert_eq!(e.entity.as_deref(), Some("38"));
}

#[test]
fn oauth2_entries_round_trip_beside_tba_ones() {
    let value = serde_json::json!({
        "type": "oauth2", "account": "1_SB1", "clientId": "c", "scope": "restlets",
        "accessToken": "a", "accessTokenExpiresAt": "2026-11-23T10:00:00Z",
        "refreshToken": "r", "role": 3, "custom": [1]
    });
    let saved = Saved::from_value(&value).unwrap();
    assert_eq!(
        (saved.kind(), saved.account(), saved.role()),
        (Kind::OAuth2, "1_SB1", Some("3"))
    );
    let back = saved.to_value();
    assert_eq!(back["type"], "oauth2");
    assert_eq!(back["custom"], serde_json::json!([1]));
    assert_eq!(back.as_object().unwrap().keys().next().unwrap(), "type");
    assert!(
        Saved::from_value(&serde_json::json!({"type": "m3m", "account": "1"}))
            .unwrap_err()
            .contains("update nstba")
    );
    let debug = format!("{saved:?}");
    assert!(
        !debug.contains("\"a\"") && !debug.contains("\"r\""),
        "{debug}"
    );
}

#[test]
fn put_keeps_unknown_fields_of_the_same_kind_only() {
    let mut s = Store::default();
    let mut first = tba("1");
    first.extra.insert("gulpField".into(), Value::from(7));
    s.put("a", &Saved::Tba(first));
    s.put("a", &entry("2"));
    assert_eq!(s.doc["a"]["gulpField"], 7);
    let oauth2 = Saved::from_value(&serde_json::json!({
        "type": "oauth2", "account": "1", "clientId": "c", "scope": "restlets",
        "accessToken": "a", "accessTokenExpiresAt": "2026-11-23T10:00:00Z", "refreshToken": "r"
    }))
    .unwrap();
    s.put("a", &oauth2);
    for gone in ["token", "secret", "consumerSecret", "gulpField"] {
        assert!(s.doc["a"].get(gone).is_none(), "{gone} lingered");
    }
}

#[test]
fn auth_ids() {
    for ok in ["a", "my-sandbox", "prod.v2_x", &"x".repeat(64)] {
        assert!(validate_auth_id(ok).is_ok(), "{ok}");
    }
    for bad in ["", "a b", "../x", "a/b", &"x".repeat(65), "ü"] {
        assert!(validate_auth_id(bad).is_err(), "{bad}");
    }
}

#[test]
fn debug_hides_secrets() {
    // The first check could never fail (Debug does not quote field names); what it meant
    // is that both secrets show as redacted.
    let debug = format!("{:?}", tba("1"));
    assert_eq!(debug.matches("(redacted)").count(), 2, "{debug}");
    assert!(!debug.contains("tsecret"));
    assert!(!debug.contains("csecret"));
}

#[test]
fn byte_order_marks_and_utf16() {
    let json = r#"{"a":{"token":"t","secret":"s","account":"1"}}"#;
    let with_bom = [b"\xEF\xBB\xBF".as_slice(), json.as_bytes()].concat();
    assert_eq!(super::decode(with_bom).unwrap(), json);
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(json.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let err = super::decode(utf16).unwrap_err();
    assert!(
        err.contains("UTF-16") && err.contains("Set-Content -Encoding utf8"),
        "{err}"
    );
    let no_bom: Vec<u8> = json.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(super::decode(no_bom).unwrap_err().contains("UTF-16"));
    assert_eq!(
        super::decode(vec![0xC3]).unwrap_err(),
        "it is not UTF-8 text"
    );
}
