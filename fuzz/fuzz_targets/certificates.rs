//! The certificate endpoint's answers and a refresh token's times (docs/design.md §10): any body
//! is read without panicking, every ID is printable (no control characters reach a terminal),
//! and every date is one the store can write.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nstba::auth::oauth2::{certs, lifetime};

fuzz_target!(|data: &[u8]| {
    for cert in certs::parse_list(data) {
        assert!(!cert.id.chars().any(char::is_control), "{:?}", cert.id);
        if let Some(t) = cert.valid_until {
            assert!(!nstba::store::format_time(t).is_empty());
        }
    }
    if let Some(id) = certs::parse_created(data) {
        assert!(!id.chars().any(char::is_control), "{id:?}");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let l = lifetime::of_refresh_token(text);
        for t in [l.ends, l.chain_began].into_iter().flatten() {
            assert!(!nstba::store::format_time(t).is_empty());
        }
    }
});
