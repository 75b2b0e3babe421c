//! The token endpoint's answers (docs/design.md §10): any status and body is read without panicking, an
//! accepted answer has an access token, and a refusal's error is printable (no control
//! characters reach a terminal).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nstba::auth::oauth2::parse_token_answer;

fuzz_target!(|data: &[u8]| {
    let Some((&status, body)) = data.split_first() else {
        return;
    };
    let status = 100 + u16::from(status) * 2;
    match parse_token_answer(status, body) {
        Ok(answer) => {
            assert!((200..300).contains(&status));
            assert!(!answer.access_token.expose().is_empty());
            // Whatever lifetime the server claims, the expiry is a date the store can keep.
            let now = std::time::SystemTime::now();
            let token = nstba::auth::oauth2::cache::AccessToken::lasting(
                answer.access_token,
                now,
                answer.expires_in,
            );
            assert!(token.expires_at >= now);
            assert!(!nstba::store::format_time(token.expires_at).is_empty());
        }
        Err(refused) => {
            assert_eq!(refused.status, status);
            assert!(!refused.error.chars().any(char::is_control), "{:?}", refused.error);
        }
    }
});
