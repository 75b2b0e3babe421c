//! PKCE (RFC 7636) with S256, as NetSuite requires it (docs/design.md §10): a random verifier of 64
//! characters of the unreserved alphabet, and its challenge, base64url(SHA-256(verifier))
//! without padding. Distinct types keep a verifier from going where a challenge belongs.

use base64::Engine as _;
use rand::RngExt as _;
use sha2::Digest as _;

use crate::secret::Secret;

/// The secret half: sent only with the token request.
#[derive(Clone, Debug)]
pub struct Verifier(Secret);

/// The public half: sent on the authorize URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge(pub String);

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

impl Verifier {
    /// 64 random characters of `[A-Za-z0-9-._~]` (RFC 7636 allows 43 to 128).
    pub fn new() -> Verifier {
        let mut rng = rand::rng();
        let v: String = (0..64)
            .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
            .collect();
        Verifier(Secret::new(v))
    }

    pub fn challenge(&self) -> Challenge {
        Challenge(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(self.0.expose().as_bytes())),
        )
    }

    pub fn expose(&self) -> &str {
        self.0.expose()
    }
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, appendix B.
    #[test]
    fn rfc_7636_example() {
        let v = Verifier(Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        assert_eq!(
            v.challenge().0,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_long_random_and_unreserved() {
        let (a, b) = (Verifier::new(), Verifier::new());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().bytes().all(|c| ALPHABET.contains(&c)));
        assert_eq!(a.challenge().0.len(), 43);
        assert!(format!("{a:?}").contains("redacted"));
    }
}
