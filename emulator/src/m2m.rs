//! OAuth 2.0 client credentials (docs/design.md §10): the JWT assertion checked against a registered
//! certificate (`--m2m-cert KID:CERT.pem`). Written here with RustCrypto's RSA-PSS and ECDSA
//! and an X.509 parser, not with the JOSE crate nstba signs with, so that agreement means
//! something. NetSuite's rules: `typ` JWT; `alg` PS256/384/512 or ES256/384/512 (RS256 is
//! refused); `kid` the certificate ID; `iss` a client ID; `aud` the account's token URL on its
//! own domain; `exp` less than 60 minutes after `iat` and not past; a `jti`, if sent, used
//! once; `scope` an array or a comma-separated string.

use axum::response::Response;
use base64::Engine as _;
use serde_json::Value;

use crate::oauth2::SCOPES;
use crate::state::State;

/// The registered certificate's public key.
pub(crate) enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    P521(p521::ecdsa::VerifyingKey),
}

pub(crate) fn public_key(cert_pem: &str) -> Result<PublicKey, String> {
    use x509_cert::der::{DecodePem as _, Encode as _};
    let cert = x509_cert::Certificate::from_pem(cert_pem).map_err(|e| e.to_string())?;
    let spki = cert
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|e| e.to_string())?;
    use rsa::pkcs8::DecodePublicKey as _;
    if let Ok(k) = rsa::RsaPublicKey::from_public_key_der(&spki) {
        return Ok(PublicKey::Rsa(k));
    }
    if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        return Ok(PublicKey::P256(k));
    }
    if let Ok(k) = p384::ecdsa::VerifyingKey::from_public_key_der(&spki) {
        return Ok(PublicKey::P384(k));
    }
    let point = p521::PublicKey::from_public_key_der(&spki).map_err(|e| e.to_string())?;
    p521::ecdsa::VerifyingKey::from_affine(*point.as_affine())
        .map(PublicKey::P521)
        .map_err(|e| e.to_string())
}

fn verify(key: &PublicKey, alg: &str, message: &[u8], sig: &[u8]) -> bool {
    use rsa::signature::Verifier as _;
    match (key, alg) {
        (PublicKey::Rsa(k), "PS256" | "PS384" | "PS512") => {
            let Ok(sig) = rsa::pss::Signature::try_from(sig) else {
                return false;
            };
            match alg {
                "PS256" => rsa::pss::VerifyingKey::<rsa::sha2::Sha256>::new(k.clone())
                    .verify(message, &sig)
                    .is_ok(),
                "PS384" => rsa::pss::VerifyingKey::<rsa::sha2::Sha384>::new(k.clone())
                    .verify(message, &sig)
                    .is_ok(),
                _ => rsa::pss::VerifyingKey::<rsa::sha2::Sha512>::new(k.clone())
                    .verify(message, &sig)
                    .is_ok(),
            }
        }
        (PublicKey::P256(k), "ES256") => {
            p256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(message, &s).is_ok())
        }
        (PublicKey::P384(k), "ES384") => {
            p384::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(message, &s).is_ok())
        }
        (PublicKey::P521(k), "ES512") => {
            p521::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(message, &s).is_ok())
        }
        _ => false,
    }
}

/// What an accepted assertion grants: the client, the scope, and the certificate's mapping.
struct Grant {
    client_id: String,
    scope: String,
    role: String,
    entity: String,
}

/// Checks a client assertion; what it grants, or why not.
fn check(st: &State, assertion: &str) -> Result<Grant, &'static str> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = assertion.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("MalformedAssertion");
    };
    let json =
        |part: &str| -> Option<Value> { serde_json::from_slice(&b64.decode(part).ok()?).ok() };
    let (Some(header), Some(claims), Ok(sig)) = (json(h), json(c), b64.decode(s)) else {
        return Err("MalformedAssertion");
    };
    let alg = header["alg"].as_str().unwrap_or_default();
    if alg.starts_with("RS") {
        return Err("UnsupportedAlgorithmRS256");
    }
    if header["typ"] != "JWT" {
        return Err("InvalidTyp");
    }
    let kid = header["kid"].as_str().unwrap_or_default();
    let iss = claims["iss"].as_str().unwrap_or_default();
    let Some(cert) = st
        .lock()
        .oauth2
        .certs
        .iter()
        .find(|c| c.id == kid && c.client_id.as_deref().is_none_or(|id| id == iss))
        .cloned()
    else {
        return Err("UnknownCertificateId");
    };
    let key = public_key(&cert.pem).map_err(|_| "InvalidCertificate")?;
    if !verify(&key, alg, format!("{h}.{c}").as_bytes(), &sig) {
        return Err("InvalidSignature");
    }
    if !st.config.clients.iter().any(|cl| cl.id == iss) {
        return Err("UnknownClient");
    }
    // A revoked or expired certificate needs a new mapping (Oracle's setup page).
    if let Some(why) = cert.refusal(st.unix()) {
        return Err(why);
    }
    if claims["aud"].as_str() != Some(st.token_audience().as_str()) {
        return Err("InvalidAudience");
    }
    // The assertion's times against the real clock: a test that moves the emulated clock
    // forward (to expire certificates and tokens) still signs with this machine's.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap_or(0),
        claims["exp"].as_u64().unwrap_or(0),
    );
    // Oracle: `exp` less than 60 minutes after `iat`.
    if exp <= now || exp >= iat + 3600 || iat > now + 300 {
        return Err("InvalidExpiration");
    }
    // Oracle lists no `jti`: none is required, but one that is sent is used once.
    if let Some(jti) = claims.get("jti") {
        match jti.as_str() {
            Some(j) if !j.is_empty() && st.lock().oauth2.jtis.insert(j.to_string()) => {}
            _ => return Err("JtiReused"),
        }
    }
    // Oracle's sample sends an array; its text says comma-separated: both are taken.
    let scopes: Vec<&str> = match &claims["scope"] {
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => s.split(',').map(str::trim).collect(),
        _ => Vec::new(),
    };
    if scopes.is_empty() || scopes.iter().any(|s| !SCOPES.contains(s)) {
        return Err("ScopeMismatched");
    }
    Ok(Grant {
        client_id: iss.to_string(),
        scope: scopes.join(" "),
        role: cert.role,
        entity: cert.entity,
    })
}

/// The client credentials grant on the token endpoint.
pub fn client_credentials(st: &State, body: &[(String, String)]) -> Response {
    let get = |n: &str| {
        body.iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    if get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
        return crate::oauth2::token_error(st, 400, "invalid_request", "InvalidAssertionType");
    }
    match check(st, get("client_assertion")) {
        Ok(g) => crate::oauth2::issue_m2m(st, &g.client_id, &g.scope, &g.role, &g.entity),
        Err(why) => crate::oauth2::token_error(st, 401, "invalid_client", why),
    }
}
