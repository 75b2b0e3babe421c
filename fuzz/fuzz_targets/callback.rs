//! The loopback listener's decisions: any request target or pasted line is classified
//! without panicking, and only a target with our state and request token is ever allowed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nstba::auth::redirect::{Outcome, classify, pasted_target};

const TOKEN: &str = "reqtok";
const STATE: &str = "St4te0123456789";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for target in [Some(text.to_string()), pasted_target(text)].into_iter().flatten() {
        for path in [Some("/tba"), None] {
            if let Outcome::Allowed(cb) = classify(&target, path, TOKEN, STATE) {
                assert_eq!(cb.token, TOKEN);
                assert!(!cb.verifier.is_empty());
                let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
                assert!(
                    url::form_urlencoded::parse(query.as_bytes())
                        .any(|(k, v)| k == "state" && v == STATE),
                    "allowed without our state: {target:?}"
                );
            }
        }
    }
});
