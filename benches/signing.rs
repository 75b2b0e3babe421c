//! Signing speed (criterion): nstba's signer on a typical RESTlet request (fresh nonce and
//! timestamp each time, as a real request has), against a bare HMAC-SHA256 over the same base
//! string with the same key: the floor any signer sits on. `benches/compare.sh` reads the
//! estimates and puts Python oauthlib and Node oauth-1.0a beside them.

use std::hint::black_box;

use base64::Engine as _;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hmac::{KeyInit, Mac};
use nstba::auth::tba::signer::{SignInput, encode, new_nonce, now_timestamp, sign};
use nstba::secret::Secret;

const URL: &str = "https://1234567-sb1.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=customscript_nstba_filecabinet&deploy=customdeploy_nstba_filecabinet";
const CK: &str = "ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4";
const CS: &str = "d26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9e8b5";
const TOKEN: &str = "2b0ce516420110bcbd36b69e99196d1b7f6de3c6234c5afb799b73d87569f5cc";
const TS: &str = "c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295";

fn input<'a>(
    url: &'a url::Url,
    secrets: &'a (Secret, Secret),
    nonce: &'a str,
    timestamp: u64,
) -> SignInput<'a> {
    SignInput {
        method: "POST",
        url,
        realm: Some("1234567_SB1"),
        consumer_key: CK,
        consumer_secret: &secrets.0,
        token: Some(TOKEN),
        token_secret: Some(&secrets.1),
        callback: None,
        verifier: None,
        header_params: &[],
        form_body: None,
        nonce,
        timestamp,
    }
}

fn signing(c: &mut Criterion) {
    let url = url::Url::parse(URL).unwrap();
    let secrets = (Secret::new(CS), Secret::new(TS));
    let base = sign(&input(
        &url,
        &secrets,
        "abcdefghij0123456789",
        1_700_000_000,
    ))
    .unwrap()
    .base_string;
    let key = format!("{}&{}", encode(CS), encode(TS));

    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Elements(1));
    group.bench_function("nstba", |b| {
        b.iter(|| {
            let nonce = new_nonce();
            black_box(sign(&input(&url, &secrets, &nonce, now_timestamp())).unwrap());
        })
    });
    group.bench_function("bare_hmac_sha256", |b| {
        b.iter(|| {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
            mac.update(black_box(base.as_bytes()));
            black_box(
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()),
            );
        })
    });
    group.finish();
}

criterion_group!(benches, signing);
criterion_main!(benches);
