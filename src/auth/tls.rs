//! nstba's loopback certificate for `https://localhost` redirect URIs (docs/design.md §10): a
//! self-signed certificate for `localhost`, `127.0.0.1` and `::1`, kept in the config folder
//! with its key (one private file, written atomically), so that its fingerprint stays the same
//! and a browser exception the user accepted once keeps working. It is made again when it is
//! missing, unreadable, changeable by others, or within [`RENEW_BEFORE`] of its end.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio_rustls::rustls::pki_types as rustls_key;

use crate::auth::loopback::Tls;
use crate::error::Failure;

/// How long a new loopback certificate is valid.
pub const VALIDITY: Duration = Duration::from_secs(365 * 86_400);
/// A certificate this close to its end is replaced before a login uses it.
pub const RENEW_BEFORE: Duration = Duration::from_secs(30 * 86_400);
/// The file's name in the config folder: the key, then the certificate, both PEM.
pub const FILE: &str = "localhost-tls.pem";
/// The most the file may hold (a key and a certificate take about 1 KB).
const CAP: u64 = 64 * 1024;

/// The identity a login serves the redirect with.
pub struct Identity {
    pub tls: Tls,
    pub fingerprint: String,
    /// Made now (the browser has not seen it before).
    pub made: bool,
}

fn fail(e: impl std::fmt::Display) -> Failure {
    Failure::error(format!("cannot make the callback's TLS certificate: {e}"))
}

impl Identity {
    /// The kept certificate, or a new one saved for the next login.
    pub fn load_or_make() -> Result<Identity, Failure> {
        let dir = crate::config::config_dir().map_err(fail)?;
        Self::in_dir(&dir, SystemTime::now())
    }

    pub fn in_dir(dir: &Path, now: SystemTime) -> Result<Identity, Failure> {
        let path: PathBuf = dir.join(FILE);
        if let Some(pem) = read_trusted(&path)
            && let Some((key, cert)) = usable(&pem, now)
        {
            return Self::serve(key, cert, false);
        }
        let (key, cert, pem) = make(now)?;
        // A folder or file nstba cannot write is no reason to refuse the login: the
        // certificate serves this once, and the browser warns again next time.
        match crate::fsio::create_private_dir_all(dir).and_then(|()| {
            crate::fsio::write_atomic(&path, pem.as_bytes(), crate::fsio::Access::Private)
        }) {
            Ok(()) => {}
            Err(e) => crate::ui::warn(format!(
                "cannot keep the loopback certificate in {} ({e}): the browser will warn again \
                 at the next login",
                path.display()
            )),
        }
        Self::serve(key, cert, true)
    }

    fn serve(
        key: rustls_key::PrivateKeyDer<'static>,
        cert: rustls_key::CertificateDer<'static>,
        made: bool,
    ) -> Result<Identity, Failure> {
        let tls = Tls::new(cert, key)?;
        Ok(Identity {
            fingerprint: tls.fingerprint.clone(),
            tls,
            made,
        })
    }
}

/// The file's text when only this user can change it (a certificate others can swap would
/// let them serve the redirect).
fn read_trusted(path: &Path) -> Option<String> {
    let bytes = crate::fsio::read_capped(path, CAP, crate::fsio::Links::Refuse).ok()?;
    if let Some(why) = crate::fsio::untrusted(path) {
        crate::ui::warn(format!(
            "not using the loopback certificate {}: {why}; making a new one",
            path.display()
        ));
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// The key and certificate of a kept file, when both parse and the certificate is not near
/// its end.
fn usable(
    pem: &str,
    now: SystemTime,
) -> Option<(
    rustls_key::PrivateKeyDer<'static>,
    rustls_key::CertificateDer<'static>,
)> {
    use rustls_key::pem::PemObject as _;
    use x509_cert::der::Decode as _;
    let key = rustls_key::PrivateKeyDer::from_pem_slice(pem.as_bytes()).ok()?;
    let cert = rustls_key::CertificateDer::from_pem_slice(pem.as_bytes()).ok()?;
    let parsed = x509_cert::Certificate::from_der(cert.as_ref()).ok()?;
    let not_after = parsed.tbs_certificate.validity.not_after.to_system_time();
    (not_after > now + RENEW_BEFORE).then_some((key, cert))
}

/// A new key pair and certificate: (key, certificate, both as the PEM file to keep).
#[allow(clippy::type_complexity)]
fn make(
    now: SystemTime,
) -> Result<
    (
        rustls_key::PrivateKeyDer<'static>,
        rustls_key::CertificateDer<'static>,
        String,
    ),
    Failure,
> {
    let key = rcgen::KeyPair::generate().map_err(fail)?;
    let names = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    let mut params = rcgen::CertificateParams::new(names).map_err(fail)?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "nstba loopback (this machine only)",
    );
    params.not_before = (now - Duration::from_secs(86_400)).into();
    params.not_after = (now + VALIDITY).into();
    let cert = params.self_signed(&key).map_err(fail)?;
    let pem = format!("{}{}", key.serialize_pem(), cert.pem());
    Ok((
        rustls_key::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        cert.der().clone(),
        pem,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_then_renewed_near_its_end() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let first = Identity::in_dir(dir.path(), now).unwrap();
        assert!(first.made);
        let again = Identity::in_dir(dir.path(), now + Duration::from_secs(86_400)).unwrap();
        assert!(!again.made);
        assert_eq!(first.fingerprint, again.fingerprint);
        let late = Identity::in_dir(dir.path(), now + VALIDITY - RENEW_BEFORE / 2).unwrap();
        assert!(late.made);
        assert_ne!(first.fingerprint, late.fingerprint);
        // A damaged file is replaced, not an error.
        std::fs::write(dir.path().join(FILE), "-----BEGIN nonsense").unwrap();
        assert!(Identity::in_dir(dir.path(), now).unwrap().made);
    }
}
