//! The pure OAuth 1.0a signer for NetSuite TBA (docs/design.md §2, RFC 5849, HMAC-SHA256 only).
//!
//! Built on `oauth1-request`, which does the parameter plumbing and header layout, with two
//! additions the crate lacks: an HMAC-SHA256 signature method (the crate ships HMAC-SHA1 only,
//! which NetSuite stopped accepting in 2023.1) and the `realm` header parameter NetSuite
//! requires. Nonce and timestamp are inputs, so the published vectors pin every output.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::{Display, Write as _};
use std::num::NonZeroU64;

use base64::Engine as _;
use hmac::{KeyInit, Mac};
use oauth::serializer::Serializer;
use oauth::signature_method::{Sign, SignatureMethod};
use oauth1_request as oauth;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use rand::RngExt as _;
use url::Url;

use crate::secret::Secret;

/// RFC 3986 unreserved characters stay; everything else becomes `%XX` with upper-case hex.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes with the RFC 3986 rules OAuth 1.0a uses (space is `%20`, never `+`).
pub fn encode(input: impl AsRef<[u8]>) -> String {
    percent_encoding::percent_encode(input.as_ref(), RFC3986).to_string()
}

/// Everything one signature depends on.
#[derive(Debug, Clone)]
pub struct SignInput<'a> {
    pub method: &'a str,
    /// The URL exactly as it will go on the wire; its query parameters are signed.
    pub url: &'a Url,
    pub realm: Option<&'a str>,
    pub consumer_key: &'a str,
    pub consumer_secret: &'a Secret,
    pub token: Option<&'a str>,
    pub token_secret: Option<&'a Secret>,
    pub callback: Option<&'a str>,
    pub verifier: Option<&'a str>,
    /// Non-OAuth parameters sent in the header and signed (the flow's `role`), unencoded.
    pub header_params: &'a [(&'a str, &'a str)],
    /// An `application/x-www-form-urlencoded` body, whose parameters are signed.
    pub form_body: Option<&'a [u8]>,
    pub nonce: &'a str,
    pub timestamp: u64,
}

/// A signature: the `Authorization` header value and the base string it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub authorization: String,
    pub base_string: String,
}

impl Signed {
    /// The sorted, encoded `name=value` parameters of the base string (for `sign --explain`).
    pub fn sorted_parameters(&self) -> Vec<String> {
        let params = self.base_string.splitn(3, '&').nth(2).unwrap_or_default();
        let decoded = percent_encoding::percent_decode_str(params).decode_utf8_lossy();
        decoded
            .split('&')
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The signature itself, base64 before percent-encoding.
    pub fn signature(&self) -> Option<String> {
        let start = self.authorization.find("oauth_signature=\"")? + "oauth_signature=\"".len();
        let rest = &self.authorization[start..];
        let encoded = &rest[..rest.find('"')?];
        Some(
            percent_encoding::percent_decode_str(encoded)
                .decode_utf8_lossy()
                .into_owned(),
        )
    }
}

/// Signs a request. Pure: the same input always gives the same output.
pub fn sign(input: &SignInput<'_>) -> Result<Signed, SignError> {
    let timestamp = NonZeroU64::new(input.timestamp).ok_or(SignError::Timestamp)?;
    if input.nonce.is_empty() {
        return Err(SignError::Nonce);
    }

    // Parameters are kept borrowed when they are already in RFC 3986 form (the usual case):
    // signing is on the hot path of every request, so it allocates as little as it can.
    let mut params: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::with_capacity(8);
    if let Some(query) = input.url.query() {
        params.extend(decode_pairs(query.as_bytes()));
    }
    if let Some(body) = input.form_body {
        params.extend(decode_pairs(body));
    }
    for (name, value) in input.header_params {
        params.push((reencode(name.as_bytes()), reencode(value.as_bytes())));
    }
    params.sort_unstable();

    let base_out = RefCell::new(String::new());
    let mut builder = oauth::Builder::new(
        oauth::Credentials::new(input.consumer_key, input.consumer_secret.expose()),
        HmacSha256 {
            base_out: Some(&base_out),
        },
    );
    if let (Some(token), Some(secret)) = (input.token, input.token_secret) {
        builder.token(oauth::Credentials::new(token, secret.expose()));
    } else if let Some(token) = input.token {
        builder.token(oauth::Credentials::new(token, ""));
    }
    builder
        .callback(input.callback)
        .verifier(input.verifier)
        .nonce(input.nonce)
        .timestamp(timestamp)
        .version(true);

    let method: Cow<'_, str> = if input.method.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(input.method.to_ascii_uppercase())
    } else {
        Cow::Borrowed(input.method)
    };
    let mut authorization = builder.authorize_with_buf(
        String::with_capacity(640),
        &method,
        BaseStringUri(input.url),
        &EncodedParams {
            params: &params,
            oauth_values: params
                .iter()
                .any(|(n, _)| n.starts_with("oauth_"))
                .then(|| oauth_values(input)),
        },
    );

    // The crate writes `OAuth oauth_...`; NetSuite also wants `realm`, and flow step 1 sends
    // `role` in the header. Neither is part of the crate's output, so they go in front.
    let mut extra = String::with_capacity(32);
    if let Some(realm) = input.realm {
        let _ = write!(extra, "realm=\"{}\",", Encoded(realm.as_bytes()));
    }
    for (name, value) in input.header_params {
        let _ = write!(
            extra,
            "{}=\"{}\",",
            Encoded(name.as_bytes()),
            Encoded(value.as_bytes())
        );
    }
    if authorization.starts_with("OAuth ") {
        authorization.insert_str("OAuth ".len(), &extra);
    }
    Ok(Signed {
        authorization,
        base_string: base_out.into_inner(),
    })
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("the OAuth timestamp must be a positive number of Unix seconds")]
    Timestamp,
    #[error("the OAuth nonce must not be empty")]
    Nonce,
}

/// The encoded values of the `oauth_*` parameters, in dictionary order of their names.
fn oauth_values(input: &SignInput<'_>) -> [Option<String>; 8] {
    let enc = |v: &str| Some(encode(v));
    [
        input.callback.and_then(enc),
        enc(input.consumer_key),
        enc(input.nonce),
        Some("HMAC-SHA256".into()),
        Some(input.timestamp.to_string()),
        input.token.and_then(enc),
        input.verifier.and_then(enc),
        Some("1.0".into()),
    ]
}

/// `scheme://host[:port]/path` in the form RFC 5849 3.4.1.2 wants (lower-case scheme and host,
/// which the `url` crate normalises, default ports dropped, no query or fragment), written
/// straight into its destination.
struct BaseStringUri<'a>(&'a Url);

impl Display for BaseStringUri<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self.0;
        f.write_str(url.scheme())?;
        f.write_str("://")?;
        f.write_str(url.host_str().unwrap_or_default())?;
        if let Some(port) = url.port() {
            write!(f, ":{port}")?;
        }
        f.write_str(url.path())
    }
}

/// RFC 3986 percent-encoding as a `Display`, so it writes without an intermediate string.
struct Encoded<'a>(&'a [u8]);

impl Display for Encoded<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match unreserved_str(self.0) {
            // Most names and values need no escape: one write.
            Some(s) => f.write_str(s),
            None => Display::fmt(&percent_encoding::percent_encode(self.0, RFC3986), f),
        }
    }
}

/// The bytes as a `str` when they are all unreserved characters (which are ASCII).
fn unreserved_str(bytes: &[u8]) -> Option<&str> {
    if bytes.iter().all(|&b| is_unreserved(b)) {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

/// A fresh nonce: 20 random alphanumeric characters.
pub fn new_nonce() -> String {
    let bytes: Vec<u8> = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(20)
        .collect();
    // Alphanumeric bytes are ASCII.
    String::from_utf8(bytes).unwrap_or_default()
}

/// The current Unix time in seconds.
pub fn now_timestamp() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(1)
}

/// Splits a query or form body into pairs, decodes each name and value (with `+` as space,
/// byte-exact so non-UTF-8 escapes survive) and re-encodes them with RFC 3986 rules.
fn decode_pairs(raw: &[u8]) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> + '_ {
    raw.split(|&b| b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = match part.iter().position(|&b| b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &[][..]),
            };
            (reencode(name), reencode(value))
        })
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// A query or form component, decoded and encoded again with RFC 3986 rules. A component of
/// unreserved characters only is its own encoding, and is borrowed as it is.
fn reencode(raw: &[u8]) -> Cow<'_, str> {
    match unreserved_str(raw) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(encode(form_decode(raw))),
    }
}

fn form_decode(raw: &[u8]) -> Vec<u8> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|&b| if b == b'+' { b' ' } else { b })
        .collect();
    percent_encoding::percent_decode(&plus_as_space).collect()
}

/// Already encoded and sorted parameters, fed to the crate's serializer in dictionary order
/// with the `oauth_*` parameters slotted in where they sort.
///
/// A request parameter may share its name with an `oauth_*` one (RFC 5849 3.4.1.3.2 sorts by
/// name, then by value); only then are the `oauth_*` values needed, and `oauth_values` holds
/// them, encoded, in the order of the names below. Found by fuzzing (fuzz/base_string).
struct EncodedParams<'a> {
    params: &'a [(Cow<'a, str>, Cow<'a, str>)],
    oauth_values: Option<[Option<String>; 8]>,
}

impl oauth::Request for EncodedParams<'_> {
    fn serialize<S: Serializer>(&self, mut serializer: S) -> S::Output {
        type Emit<S> = fn(&mut S);
        let oauth_params: [(&str, Emit<S>); 8] = [
            ("oauth_callback", S::serialize_oauth_callback),
            ("oauth_consumer_key", S::serialize_oauth_consumer_key),
            ("oauth_nonce", S::serialize_oauth_nonce),
            (
                "oauth_signature_method",
                S::serialize_oauth_signature_method,
            ),
            ("oauth_timestamp", S::serialize_oauth_timestamp),
            ("oauth_token", S::serialize_oauth_token),
            ("oauth_verifier", S::serialize_oauth_verifier),
            ("oauth_version", S::serialize_oauth_version),
        ];
        let mut pending = oauth_params.iter().enumerate().peekable();
        for (name, value) in self.params {
            while let Some((_, (_, emit))) = pending.next_if(|(i, (n, _))| {
                match (*n).cmp(name.as_ref()) {
                    std::cmp::Ordering::Less => true,
                    std::cmp::Ordering::Greater => false,
                    // Same name: the smaller value goes first (an absent oauth_* one never
                    // goes out at all, so its place does not matter).
                    std::cmp::Ordering::Equal => self
                        .oauth_values
                        .as_ref()
                        .and_then(|v| v[*i].as_deref())
                        .is_none_or(|v| v < value.as_ref()),
                }
            }) {
                emit(&mut serializer);
            }
            serializer.serialize_parameter_encoded(name, value);
        }
        for (_, (_, emit)) in pending {
            emit(&mut serializer);
        }
        serializer.end()
    }
}

/// HMAC-SHA256 for `oauth1-request`. It collects the base string, then signs it, and hands
/// the base string back through `base_out` for `--explain`.
#[derive(Clone, Copy)]
struct HmacSha256<'a> {
    base_out: Option<&'a RefCell<String>>,
}

struct HmacSha256Sign<'a> {
    key: String,
    base: String,
    base_out: Option<&'a RefCell<String>>,
}

impl<'a> SignatureMethod for HmacSha256<'a> {
    type Sign = HmacSha256Sign<'a>;

    fn sign_with(self, consumer_secret: &str, token_secret: Option<&str>) -> Self::Sign {
        let mut key = String::with_capacity(160);
        let _ = write!(
            key,
            "{}&{}",
            Encoded(consumer_secret.as_bytes()),
            Encoded(token_secret.unwrap_or("").as_bytes())
        );
        HmacSha256Sign {
            key,
            base: String::with_capacity(640),
            base_out: self.base_out,
        }
    }
}

type HmacSha256State = hmac::Hmac<sha2::Sha256>;

thread_local! {
    /// The HMAC keyed with the last signing key. A deploy or a SuiteQL run signs hundreds of
    /// requests with one key; keying (hashing a 129-byte key) is a tenth of a signature.
    static LAST_KEY: RefCell<Option<(String, HmacSha256State)>> = const { RefCell::new(None) };
}

/// An HMAC-SHA256 keyed with `key`, from the cache when the key is the last one used.
fn keyed_hmac(key: &str) -> HmacSha256State {
    LAST_KEY.with(|cell| {
        let mut last = cell.borrow_mut();
        if let Some((k, mac)) = last.as_ref()
            && k == key
        {
            return mac.clone();
        }
        // HMAC accepts keys of any length, so this cannot fail.
        let mac = HmacSha256State::new_from_slice(key.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        *last = Some((key.to_string(), mac.clone()));
        mac
    })
}

/// The base64 signature, written percent-encoded into the header without an allocation.
struct Signature([u8; 44]);

impl Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Base64 needs three escapes at most (`+`, `/`, `=`): at most 44 * 3 bytes, in one write.
        let mut out = [0u8; 132];
        let mut n = 0;
        for &b in &self.0 {
            let esc = match b {
                b'+' => b'B',
                b'/' => b'F',
                b'=' => b'D',
                _ => {
                    out[n] = b;
                    n += 1;
                    continue;
                }
            };
            out[n] = b'%';
            out[n + 1] = if b == b'=' { b'3' } else { b'2' };
            out[n + 2] = esc;
            n += 3;
        }
        f.write_str(std::str::from_utf8(&out[..n]).map_err(|_| std::fmt::Error)?)
    }
}

impl Sign for HmacSha256Sign<'_> {
    type Signature = Signature;

    fn get_signature_method_name(&self) -> &'static str {
        "HMAC-SHA256"
    }

    fn request_method(&mut self, method: &str) {
        self.base.push_str(method);
        self.base.push('&');
    }

    fn uri<T: Display>(&mut self, uri: T) {
        let _ = write!(self.base, "{uri}");
        self.base.push('&');
    }

    fn parameter<V: Display>(&mut self, key: &str, value: V) {
        // Names reach us encoded once (the crate expects URI-safe names), so they are encoded
        // again here like the values the crate double-encodes. (Plain pushes where they do:
        // this runs for every parameter of every request.)
        if key.bytes().all(is_unreserved) {
            self.base.push_str(key);
        } else {
            let _ = write!(self.base, "{}", Encoded(key.as_bytes()));
        }
        self.base.push_str("%3D");
        let _ = write!(self.base, "{value}");
    }

    fn delimiter(&mut self) {
        self.base.push_str("%26");
    }

    fn end(self) -> Signature {
        let mut mac = keyed_hmac(&self.key);
        mac.update(self.base.as_bytes());
        let digest = mac.finalize().into_bytes();
        if let Some(out) = self.base_out {
            *out.borrow_mut() = self.base;
        }
        let mut sig = Signature([0; 44]);
        // 32 bytes are 44 characters of base64, padding included.
        let _ = base64::engine::general_purpose::STANDARD.encode_slice(digest, &mut sig.0);
        sig
    }
}

#[cfg(test)]
mod tests;
