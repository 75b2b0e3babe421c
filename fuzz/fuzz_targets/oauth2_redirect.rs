//! The OAuth 2.0 redirect's decisions (docs/design.md §10): any request target or pasted line is
//! classified without panicking, only a target with our state is ever allowed or failed, and
//! an allowed one carries a non-empty code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nstba::auth::redirect::{Outcome, pasted_target};
use nstba::auth::oauth2::flow::classify;

const STATE: &str = "St4te0123456789St4te0123456789AB";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for target in [Some(text.to_string()), pasted_target(text)].into_iter().flatten() {
        for path in [Some("/cb"), None] {
            let has_state = || {
                let query = target.split_once('?').map(|(_, q)| q).unwrap_or_default();
                url::form_urlencoded::parse(query.as_bytes())
                    .any(|(k, v)| k == "state" && v == STATE)
            };
            match classify(&target, path, STATE) {
                Outcome::Allowed(cb) => {
                    assert!(!cb.code.is_empty());
                    assert!(has_state(), "allowed without our state: {target:?}");
                }
                Outcome::Denied => {
                    assert!(has_state(), "ended the login without our state: {target:?}")
                }
                Outcome::Failed(why) => {
                    assert!(has_state(), "ended the login without our state: {target:?}");
                    // The one line break is the hint's; what the server sent is escaped.
                    assert!(
                        !why.chars().any(|c| c.is_control() && c != '\n')
                            && why.matches('\n').count() == 1,
                        "an unescaped control character: {why:?}"
                    );
                }
                Outcome::Stray | Outcome::Refused(_) => {}
            }
        }
    }
});
