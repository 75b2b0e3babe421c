//! Resolution's unit tests: the order, the environment, the consumer pair.

use super::*;
use crate::account::Endpoints;
use crate::auth::Grant;
use crate::secret::Secret;
use crate::store::{Saved, StorePath, TbaEntry};
use std::collections::HashMap;

struct Fixture {
    _dir: tempfile::TempDir,
    store: StorePath,
}

fn fixture(entries: &[(&str, serde_json::Value)]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".nstba");
    let map: serde_json::Map<_, _> = entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    std::fs::write(&path, serde_json::to_string(&map).unwrap()).unwrap();
    Fixture {
        store: StorePath::resolve(Some(&path)).unwrap(),
        _dir: dir,
    }
}

fn full(account: &str) -> serde_json::Value {
    serde_json::json!({"token":"tid","secret":"ts","account":account,
        "consumerKey":"ck","consumerSecret":"cs"})
}

fn run(f: &Fixture, req: &Request, env: &[(&str, &str)]) -> Result<Resolution> {
    let vars: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let lookup = move |k: &str| vars.get(k).cloned();
    resolve(
        req,
        &Context {
            store: &f.store,
            endpoints: &Endpoints::new(None).unwrap(),
            project: None,
            picks: &no_picks,
            env: &lookup,
            can_prompt: false,
        },
    )
}

fn account_of(r: Resolution) -> String {
    match r {
        Resolution::Ready(c) => c.account.to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn flag_beats_environment_and_store() {
    let f = fixture(&[("a", full("111")), ("b", full("222"))]);
    let req = Request {
        auth_id: Some("b".into()),
        ..Default::default()
    };
    assert_eq!(account_of(run(&f, &req, &[]).unwrap()), "222");
    // Without a terminal, --to NEW is an error naming the saved IDs, never a login.
    let to_new = Request {
        to: Some(Some("new".into())),
        ..Default::default()
    };
    let msg = run(&f, &to_new, &[]).unwrap_err().to_string();
    assert!(
        msg.contains("saved: a, b") && msg.contains("nstba auth login new"),
        "{msg}"
    );
    let missing = Request {
        auth_id: Some("zzz".into()),
        ..Default::default()
    };
    let msg = run(&f, &missing, &[]).unwrap_err().to_string();
    assert!(msg.contains("saved: a, b"), "{msg}");
}

#[test]
fn environment_all_or_nothing() {
    let f = fixture(&[]);
    let env = [
        (ENV_ACCOUNT, "999_SB1"),
        (ENV_CONSUMER_KEY, "k"),
        (ENV_CONSUMER_SECRET, "s"),
        (ENV_TOKEN_ID, "t"),
        (ENV_TOKEN_SECRET, "token-secret-zq9"),
    ];
    assert_eq!(
        account_of(run(&f, &Request::default(), &env).unwrap()),
        "999_SB1"
    );
    let msg = run(&f, &Request::default(), &env[3..])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("NSTBA_ACCOUNT, NSTBA_CONSUMER_KEY, NSTBA_CONSUMER_SECRET are not set"));
    // The error names variables, never their values.
    assert!(!msg.contains("token-secret-zq9"), "{msg}");
}

#[test]
fn only_token_then_error_without_terminal() {
    let one = fixture(&[("a", full("111"))]);
    assert_eq!(
        account_of(run(&one, &Request::default(), &[]).unwrap()),
        "111"
    );
    let two = fixture(&[("a", full("111")), ("b", full("222"))]);
    let msg = run(&two, &Request::default(), &[]).unwrap_err().to_string();
    assert!(msg.contains("pass --to AUTH_ID"), "{msg}");
    let none = fixture(&[]);
    let msg = run(&none, &Request::default(), &[])
        .unwrap_err()
        .to_string();
    assert!(msg.contains("nstba auth login"), "{msg}");
    let picker = Request {
        to: Some(None),
        ..Default::default()
    };
    assert!(run(&two, &picker, &[]).is_err());
}

#[test]
fn gulp_entry_needs_consumer_pair() {
    let f = fixture(&[(
        "g",
        serde_json::json!({"token":"t","secret":"s","account":"123-sb1"}),
    )]);
    let msg = run(&f, &Request::default(), &[]).unwrap_err().to_string();
    assert!(msg.contains("NSTBA_CONSUMER_KEY"), "{msg}");
    let req = Request {
        consumer: ConsumerOverride {
            env_key: Some("k".into()),
            env_secret: Some(Secret::new("s")),
            ..Default::default()
        },
        ..Default::default()
    };
    match run(&f, &req, &[]).unwrap() {
        Resolution::Ready(c) => {
            let Grant::Tba(pair) = &c.grant else {
                panic!("not TBA: {c:?}")
            };
            assert_eq!(pair.consumer_key, "k");
            assert_eq!(c.account.realm(), "123_SB1");
            assert_eq!(c.origin, Origin::OnlyToken);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn explicit_consumer_flags_win_variables_only_fill() {
    let entry = TbaEntry::from_value(&full("1")).unwrap();
    let _ = Saved::Tba(entry.clone());
    let env_only = ConsumerOverride {
        env_key: Some("envk".into()),
        env_secret: Some(Secret::new("envs")),
        ..Default::default()
    };
    let (pair, source) = consumer_pair(&entry, &env_only);
    assert_eq!(
        (pair.unwrap().0, source),
        ("ck".into(), ConsumerSource::Store)
    );
    let rotated = ConsumerOverride {
        explicit_secret: Some(Secret::new("rotated")),
        ..env_only.clone()
    };
    let (pair, source) = consumer_pair(&entry, &rotated);
    let (k, s) = pair.unwrap();
    assert_eq!(
        (k.as_str(), s.expose(), source),
        ("ck", "rotated", ConsumerSource::Explicit)
    );
    let new_key = ConsumerOverride {
        explicit_key: Some("newk".into()),
        ..env_only
    };
    let (k, s) = consumer_pair(&entry, &new_key).0.unwrap();
    assert_eq!((k.as_str(), s.expose()), ("newk", "envs"));
}

#[test]
fn order_after_the_environment() {
    let f = fixture(&[("a", full("111")), ("b", full("222")), ("c", full("333"))]);
    let endpoints = Endpoints::new(None).unwrap();
    fn lookup(k: &str) -> Option<String> {
        (k == ENV_AUTH_ID).then(|| "c".to_string())
    }
    fn none(_: &str) -> Option<String> {
        None
    }
    let resolve_with =
        |env: &dyn Fn(&str) -> Option<String>, choice: Option<&str>, default: Option<&str>| {
            let picks = || {
                Ok(UserPicks {
                    choice: choice.map(str::to_string),
                    default: default.map(str::to_string),
                })
            };
            resolve(
                &Request::default(),
                &Context {
                    store: &f.store,
                    endpoints: &endpoints,
                    project: None,
                    picks: &picks,
                    env,
                    can_prompt: false,
                },
            )
        };
    let pick =
        |env: &dyn Fn(&str) -> Option<String>, c, d| account_of(resolve_with(env, c, d).unwrap());
    assert_eq!(pick(&lookup, Some("a"), Some("b")), "333");
    assert_eq!(pick(&none, Some("a"), Some("b")), "111");
    // A pick whose token is gone no longer counts.
    assert_eq!(pick(&none, Some("gone"), Some("b")), "222");
    assert_eq!(pick(&none, None, Some("b")), "222");
    assert!(resolve_with(&none, None, Some("zz")).is_err());
}
