//! URL to signature, differentially: for any URL reqwest could send, nstba's signer and the
//! emulator's own base string and HMAC (written apart from it) must agree, so that a request
//! nstba signs is one NetSuite accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nstba::auth::tba::signer::{SignInput, sign};
use nstba::secret::Secret;
use nstba_emulator::oauth::{Signable, base_string, hmac_sha256, parse_authorization};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is the URL, the rest a form body.
    let (raw_url, form) = text.split_once('\n').unwrap_or((text, ""));
    let Ok(url) = url::Url::parse(raw_url) else {
        return;
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return;
    }
    let (cs, ts) = (Secret::new("c&s ecret"), Secret::new("t%secret"));
    let signed = sign(&SignInput {
        method: "post",
        url: &url,
        realm: Some("123_SB1"),
        consumer_key: "ck",
        consumer_secret: &cs,
        token: Some("tok"),
        token_secret: Some(&ts),
        callback: None,
        verifier: None,
        header_params: &[],
        form_body: (!form.is_empty()).then_some(form.as_bytes()),
        nonce: "abcdefghij0123456789",
        timestamp: 1_700_000_000,
    })
    .unwrap();
    let params = parse_authorization(&signed.authorization).expect("an OAuth header");
    let sig = &params.iter().find(|(k, _)| k == "oauth_signature").unwrap().1;
    // What goes on the wire: the Host header and the request target.
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap()),
        None => url.host_str().unwrap().to_string(),
    };
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let theirs = base_string(&Signable {
        method: "POST",
        scheme: url.scheme(),
        host: &host,
        target: &target,
        header_params: &params,
        form_body: (!form.is_empty()).then_some(form.as_bytes()),
    });
    assert_eq!(theirs, signed.base_string, "base strings differ for {raw_url:?}");
    assert_eq!(&hmac_sha256(&theirs, "c&s ecret", "t%secret"), sig);
});
