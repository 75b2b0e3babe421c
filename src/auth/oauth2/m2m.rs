//! OAuth 2.0 client credentials, machine to machine (docs/design.md §10), for CI: a JWT assertion signed
//! with the private key whose certificate the administrator uploaded (PS256/384/512 or
//! ES256/384/512; NetSuite refuses RS256), traded at the token endpoint for an access token
//! that is kept in memory and minted again near expiry. There is no refresh token.
//!
//! The JWT is made with `jsonwebtoken` (its aws-lc-rs backend); it has no ES512, so that one
//! algorithm is signed with aws-lc-rs directly and assembled the same way (RFC 7515 compact).

use std::time::{Duration, SystemTime};

use anyhow::Result;
use base64::Engine as _;
use rand::RngExt as _;
use url::Url;

use crate::auth::oauth2::cache::{AccessToken, Cache};
use crate::auth::oauth2::{parse_token_answer, post_form_bare};
use crate::error::Failure;
use crate::http::Http;
use crate::secret::Secret;

pub const ENV_CERTIFICATE_ID: &str = "NSTBA_CERTIFICATE_ID";
pub const ENV_PRIVATE_KEY: &str = "NSTBA_PRIVATE_KEY";
pub const ENV_PRIVATE_KEY_FILE: &str = "NSTBA_PRIVATE_KEY_FILE";
pub const ENV_ALGORITHM: &str = "NSTBA_ALGORITHM";
/// How long an assertion is valid (NetSuite allows at most 60 minutes).
const ASSERTION_LIFETIME: Duration = Duration::from_secs(300);

/// The JWT algorithms NetSuite accepts for client credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
}

impl Algorithm {
    pub const ALL: [Algorithm; 6] = [
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
        Algorithm::ES256,
        Algorithm::ES384,
        Algorithm::ES512,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
        }
    }

    pub fn is_rsa(self) -> bool {
        matches!(self, Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512)
    }

    /// Parses an algorithm name; RS256 gets NetSuite's reason.
    pub fn parse(raw: &str) -> Result<Algorithm, Failure> {
        let upper = raw.trim().to_ascii_uppercase();
        if let Some(a) = Algorithm::ALL.iter().find(|a| a.name() == upper) {
            return Ok(*a);
        }
        if upper.starts_with("RS") {
            return Err(Failure::usage(format!(
                "{upper} is refused by NetSuite for client credentials (RSASSA-PKCS1-v1_5 is no \
                 longer accepted): use PS256, PS384 or PS512 with the same RSA key"
            )));
        }
        Err(Failure::usage(format!(
            "'{raw}' is not an algorithm NetSuite accepts for client credentials: use PS256, \
             PS384, PS512, ES256, ES384 or ES512"
        )))
    }
}

/// The claims NetSuite reads from the assertion.
#[derive(serde::Serialize)]
struct Claims<'a> {
    iss: &'a str,
    scope: Vec<&'a str>,
    aud: &'a str,
    iat: u64,
    exp: u64,
    jti: String,
}

/// A PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`) or the older RSA and EC forms.
#[derive(Clone, Debug)]
pub struct PrivateKey(Secret);

impl PrivateKey {
    pub fn from_pem(pem: String) -> Result<PrivateKey, Failure> {
        if !pem.contains("-----BEGIN") || !pem.contains("PRIVATE KEY-----") {
            return Err(Failure::usage(
                "the private key is not in PEM form (-----BEGIN PRIVATE KEY-----): use the \
                 key file `nstba auth keygen` wrote, or convert it with openssl pkcs8 -topk8",
            ));
        }
        Ok(PrivateKey(Secret::new(pem)))
    }

    /// Reads a key file; one that others can read gets a warning. `named_by` says where the
    /// path came from (`NSTBA_PRIVATE_KEY_FILE`, `--private-key`, a store entry), for messages.
    pub fn from_file(path: &std::path::Path, named_by: &str) -> Result<PrivateKey> {
        check_key_path(path, named_by)?;
        // A key is a few KB: a path to a device or a huge file is refused, never read whole.
        // Links are followed (mounted CI secrets are often links).
        let bytes =
            crate::fsio::read_capped(path, 64 * 1024, crate::fsio::Links::Follow).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the private key {}: {e}",
                    path.display()
                ))
            })?;
        let pem = String::from_utf8(bytes).map_err(|_| {
            Failure::usage(format!(
                "the private key {} is not PEM text",
                path.display()
            ))
        })?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            if let Ok(m) = std::fs::metadata(path)
                && m.permissions().mode() & 0o077 != 0
            {
                crate::ui::warn(format!(
                    "the private key {} can be read by other users: run chmod 600 {}",
                    path.display(),
                    path.display()
                ));
            }
        }
        Ok(PrivateKey::from_pem(pem)?)
    }

    /// The algorithm a key signs with by default: PS256 for RSA, ES256/384/512 by curve.
    pub fn default_algorithm(&self) -> Result<Algorithm, Failure> {
        let der = self.pkcs8_der()?;
        use aws_lc_rs::signature::{
            ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING,
            ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair, RsaKeyPair,
        };
        if RsaKeyPair::from_pkcs8(&der).is_ok() {
            return Ok(Algorithm::PS256);
        }
        for (alg, curve) in [
            (Algorithm::ES256, &ECDSA_P256_SHA256_FIXED_SIGNING),
            (Algorithm::ES384, &ECDSA_P384_SHA384_FIXED_SIGNING),
            (Algorithm::ES512, &ECDSA_P521_SHA512_FIXED_SIGNING),
        ] {
            if EcdsaKeyPair::from_pkcs8(curve, &der).is_ok() {
                return Ok(alg);
            }
        }
        Err(Failure::usage(
            "the private key is neither RSA nor EC P-256, P-384 or P-521, which NetSuite needs",
        ))
    }

    fn pkcs8_der(&self) -> Result<Vec<u8>, Failure> {
        use tokio_rustls::rustls::pki_types::{PrivateKeyDer, pem::PemObject as _};
        let key = PrivateKeyDer::from_pem_slice(self.0.expose().as_bytes())
            .map_err(|_| Failure::usage("the private key's PEM cannot be read (is it whole?)"))?;
        match key {
            PrivateKeyDer::Pkcs8(k) => Ok(k.secret_pkcs8_der().to_vec()),
            _ => Err(Failure::usage(
                "the private key is not PKCS#8 (-----BEGIN PRIVATE KEY-----): convert it with \
                 `openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8.pem`",
            )),
        }
    }

    /// Signs the assertion for `client_id` and `certificate_id` (the `kid`), aimed at the
    /// token endpoint `aud`.
    pub fn assertion(
        &self,
        algorithm: Algorithm,
        client_id: &str,
        certificate_id: &str,
        scope: &str,
        aud: &str,
        now: SystemTime,
    ) -> Result<Secret> {
        let iat = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let jti: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        let claims = Claims {
            iss: client_id,
            scope: scope.split(' ').filter(|s| !s.is_empty()).collect(),
            aud,
            iat,
            exp: iat + ASSERTION_LIFETIME.as_secs(),
            jti,
        };
        let bad_key = |why: String| {
            Failure::usage(format!(
                "the private key cannot sign {}: {why} (an RSA key signs PS256/384/512; an EC \
                 key signs the ES algorithm of its curve)",
                algorithm.name()
            ))
        };
        let jwt = if algorithm == Algorithm::ES512 {
            es512(&self.pkcs8_der()?, certificate_id, &claims).map_err(bad_key)?
        } else {
            use jsonwebtoken::{EncodingKey, Header};
            let alg = match algorithm {
                Algorithm::PS256 => jsonwebtoken::Algorithm::PS256,
                Algorithm::PS384 => jsonwebtoken::Algorithm::PS384,
                Algorithm::PS512 => jsonwebtoken::Algorithm::PS512,
                Algorithm::ES256 => jsonwebtoken::Algorithm::ES256,
                _ => jsonwebtoken::Algorithm::ES384,
            };
            let pem = self.0.expose().as_bytes();
            let key = if algorithm.is_rsa() {
                EncodingKey::from_rsa_pem(pem)
            } else {
                EncodingKey::from_ec_pem(pem)
            }
            .map_err(|e| bad_key(e.to_string()))?;
            let mut header = Header::new(alg);
            header.kid = Some(certificate_id.to_string());
            header.typ = Some("JWT".into());
            jsonwebtoken::encode(&header, &claims, &key).map_err(|e| bad_key(e.to_string()))?
        };
        Ok(Secret::new(jwt))
    }
}

/// ES512 (ECDSA P-521 with SHA-512), which jsonwebtoken lacks: RFC 7515 compact serialization,
/// the signature in the fixed r||s form JWS uses.
fn es512(pkcs8: &[u8], kid: &str, claims: &Claims<'_>) -> Result<String, String> {
    use aws_lc_rs::signature::{ECDSA_P521_SHA512_FIXED_SIGNING, EcdsaKeyPair};
    let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P521_SHA512_FIXED_SIGNING, pkcs8)
        .map_err(|e| e.to_string())?;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let header = serde_json::json!({"typ": "JWT", "alg": "ES512", "kid": kid});
    let message = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(&serde_json::to_vec(claims).map_err(|e| e.to_string())?)
    );
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let signature = key
        .sign(&rng, message.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(format!("{message}.{}", b64(signature.as_ref())))
}

/// A machine-to-machine client in use: it mints access tokens and keeps the current one.
#[derive(Debug)]
pub struct M2m {
    pub client_id: String,
    pub certificate_id: String,
    pub algorithm: Algorithm,
    pub scope: String,
    key: PrivateKey,
    token_url: Url,
    /// The assertion's `aud`: the account's own token URL, wherever the request goes
    /// (`--netsuite-url`, a proxy), as NetSuite checks it (docs/design.md §10).
    audience: String,
    current: Cache,
}

impl M2m {
    /// Checks the key and the algorithm at once, so that a bad one fails before any request.
    pub fn new(
        client_id: String,
        certificate_id: String,
        algorithm: Option<Algorithm>,
        scope: String,
        key: PrivateKey,
        account: &crate::account::AccountId,
        token_url: Url,
    ) -> Result<M2m> {
        let audience = crate::account::Endpoints::default()
            .resolve(Some(account), super::TOKEN_PATH)?
            .to_string();
        let algorithm = match algorithm {
            Some(a) => a,
            None => key.default_algorithm()?,
        };
        // A trial signature: the key must be able to sign with the algorithm.
        key.assertion(
            algorithm,
            &client_id,
            &certificate_id,
            &scope,
            &audience,
            SystemTime::now(),
        )?;
        Ok(M2m {
            client_id,
            certificate_id,
            algorithm,
            scope,
            key,
            token_url,
            audience,
            current: Cache::default(),
        })
    }

    /// The access token: the one held while it lives, else a new one for a fresh assertion.
    pub async fn access_token(&self, client: &Http, force: bool) -> Result<Secret> {
        self.current.get(force, |_| self.mint(client)).await
    }

    /// A new access token for a fresh assertion.
    async fn mint(&self, client: &Http) -> Result<AccessToken> {
        let assertion = self.key.assertion(
            self.algorithm,
            &self.client_id,
            &self.certificate_id,
            &self.scope,
            &self.audience,
            SystemTime::now(),
        )?;
        let answer = mint(client, &self.token_url, assertion).await?;
        Ok(AccessToken::lasting(
            answer.access_token,
            SystemTime::now(),
            answer.expires_in,
        ))
    }
}

/// Refuses a key's text given where its file's path belongs (CI "File" variables invite the
/// mix-up), without ever printing it: the value is the private key itself.
pub fn check_key_path(path: &std::path::Path, named_by: &str) -> Result<(), Failure> {
    let text = path.to_string_lossy();
    if text.contains("-----BEGIN") || text.contains("PRIVATE KEY") || text.contains('\n') {
        return Err(Failure::usage(format!(
            "{named_by} holds a private key's text, not the path of a key file (nstba does not \
             print it): give the key file's path there, or put the PEM text itself in \
             {ENV_PRIVATE_KEY}"
        )));
    }
    Ok(())
}

/// The client credentials request: the client proves itself with the assertion alone (no
/// Basic header, no client_id in the body).
async fn mint(
    client: &Http,
    url: &Url,
    assertion: Secret,
) -> Result<crate::auth::oauth2::TokenAnswer> {
    let form = [
        ("grant_type", "client_credentials"),
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ),
        ("client_assertion", assertion.expose()),
    ];
    let (status, body) = post_form_bare(client, url, &form).await?;
    parse_token_answer(status, &body).map_err(|refused| {
        // Seen in the wild: a 500 server_error for an assertion NetSuite cannot use (an RS256
        // signature, a kid it does not know, a certificate that does not match the key).
        if refused.status == 500 || refused.error == "server_error" {
            return Failure::rejected(format!(
                "NetSuite's token endpoint failed on the client credentials ({}): this is what \
                 it answers when it cannot use the assertion. Check the algorithm (PS256, PS384, \
                 PS512, ES256, ES384 or ES512; never RS256), that the certificate ID (the JWT's \
                 kid) is the one NetSuite shows for the mapping, and that the certificate \
                 uploaded there is the one of this private key\nhint: the Login Audit Trail \
                 (Setup > Users/Roles > User Management > View Login Audit Trail) may say more",
                refused.error
            ))
            .into();
        }
        Failure::rejected(format!(
            "NetSuite refused the client credentials ({}): check the certificate ID, that the \
             certificate uploaded on Setup > Integration > Manage Authentication > OAuth 2.0 \
             Client Credentials (M2M) Setup is the one of this key and has not expired, and \
             that the integration record allows the client credentials grant\nhint: the Login \
             Audit Trail (Setup > Users/Roles > User Management > View Login Audit Trail) says \
             why",
            refused.error
        ))
        .into()
    })
}
