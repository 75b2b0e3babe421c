//! The inputs of client credentials (docs/design.md §10): any private key text and algorithm name is
//! read without panicking; a key that loads either signs an assertion or says why not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nstba::auth::oauth2::m2m::{Algorithm, PrivateKey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (alg, pem) = text.split_once('\n').unwrap_or((text, ""));
    let algorithm = Algorithm::parse(alg);
    if alg.to_ascii_uppercase().starts_with("RS") {
        assert!(algorithm.is_err(), "RS algorithms are refused");
    }
    let Ok(key) = PrivateKey::from_pem(pem.to_string()) else {
        return;
    };
    let algorithm = match algorithm {
        Ok(a) => a,
        Err(_) => match key.default_algorithm() {
            Ok(a) => a,
            Err(_) => return,
        },
    };
    let _ = key.assertion(
        algorithm,
        "client",
        "-kid",
        "restlets",
        "https://x.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token",
        std::time::SystemTime::UNIX_EPOCH,
    );
});
