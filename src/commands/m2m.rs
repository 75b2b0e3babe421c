//! `nstba auth add-m2m` and `nstba auth keygen`: OAuth 2.0 client credentials for CI (docs/design.md
//! §10). keygen makes what NetSuite accepts (RSA 3072 or EC P-256/P-384/P-521, a self-signed
//! certificate valid at most two years) and says where to upload it; add-m2m saves the client
//! with the path of its key (the key itself is never copied into the store).

use std::process::ExitCode;

use anyhow::{Context as _, Result};

use crate::account::AccountId;
use crate::auth::oauth2::m2m::{Algorithm, M2m, PrivateKey, check_key_path};
use crate::auth::oauth2::{TOKEN_PATH, parse_scope};
use crate::cli::{AuthAddM2mArgs, AuthKeygenArgs};
use crate::commands::App;
use crate::error::Failure;
use crate::store::{M2mEntry, Saved, Store, validate_auth_id};
use crate::ui;

pub fn add(app: &App, args: &AuthAddM2mArgs) -> Result<ExitCode> {
    validate_auth_id(&args.auth_id)?;
    let account = AccountId::parse(&args.account)?;
    let algorithm = args
        .algorithm
        .as_deref()
        .map(Algorithm::parse)
        .transpose()?;
    let scope = parse_scope(&args.scope)?;
    check_key_path(&args.private_key, "--private-key")?;
    let key_path = crate::fsio::canonicalize(&args.private_key).map_err(|e| {
        Failure::usage(format!(
            "cannot read the private key {}: {e}",
            args.private_key.display()
        ))
    })?;
    // The key must sign with the algorithm now, not at the first request in CI.
    let token_url = app.endpoints.resolve(Some(&account), TOKEN_PATH)?;
    let m2m = M2m::new(
        args.client_id.clone(),
        args.certificate_id.clone(),
        algorithm,
        scope.clone(),
        PrivateKey::from_file(&key_path, "--private-key")?,
        &account,
        token_url,
    )?;
    let entry = M2mEntry {
        account: account.to_string(),
        client_id: args.client_id.clone(),
        certificate_id: args.certificate_id.clone(),
        private_key_path: key_path.clone(),
        algorithm: m2m.algorithm.name().to_string(),
        scope,
        role: None,
        entity: None,
        certificate_expires_at: None,
        rotation: None,
        created_at: Some(crate::store::now()),
        extra: Default::default(),
    };
    let id = args.auth_id.clone();
    Store::update(&app.store, |store| {
        if store.contains(&id) && !args.force {
            return Err(Failure::usage(format!(
                "a credential is already saved as '{id}': pass --force to replace it, or choose \
                 another name"
            ))
            .into());
        }
        store.remove(&id);
        store.put(&id, &Saved::M2m(entry));
        Ok(())
    })?;
    ui::info(format!(
        "Saved the client credentials '{id}' for account {account} ({}, key {}) in {}",
        m2m.algorithm.name(),
        key_path.display(),
        app.store.path().display()
    ));
    Ok(ExitCode::SUCCESS)
}

pub fn keygen(args: &AuthKeygenArgs) -> Result<ExitCode> {
    let algorithm = Algorithm::parse(&args.algorithm)?;
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => crate::config::keys_dir()?,
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| format!("nstba-m2m-{}", algorithm.name().to_ascii_lowercase()));
    validate_auth_id(&name)
        .map_err(|_| Failure::usage(format!("'{name}' is not a plain file name")))?;
    let (key_pem, cert_pem) = make(algorithm, args.days)?;
    crate::fsio::create_private_dir_all(&dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    // Absolute paths, so that what is printed can be pasted from anywhere.
    let dir = crate::fsio::canonicalize(&dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    let key_path = dir.join(format!("{name}.key.pem"));
    let cert_path = dir.join(format!("{name}.cert.pem"));
    // Both files are new, 0600, and never written through a link (a dangling one planted at
    // the certificate's name would have had nstba create the file where it pointed).
    let exists = |p: &std::path::Path| {
        Failure::usage(format!(
            "{} exists already (or is a link); nstba does not overwrite keys: pass --name or \
             --out",
            p.display()
        ))
    };
    for p in [&key_path, &cert_path] {
        if std::fs::symlink_metadata(p).is_ok() {
            return Err(exists(p).into());
        }
    }
    for (path, pem) in [(&key_path, &key_pem), (&cert_path, &cert_pem)] {
        crate::fsio::create_new_private(path, pem.as_bytes()).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                anyhow::Error::from(exists(path))
            } else {
                anyhow::Error::from(e).context(format!("cannot write {}", path.display()))
            }
        })?;
    }
    let out = format!("{}\n{}\n", key_path.display(), cert_path.display());
    crate::commands::write_stdout(out.as_bytes())?;
    ui::info(format!(
        "Wrote an {} key ({}) and a self-signed certificate valid {} days.\n\
         Next:\n  1. In NetSuite: Setup > Integration > Manage Authentication > OAuth 2.0 Client \
         Credentials (M2M) Setup > Create New: choose the entity, role and integration record, \
         and upload {}\n  2. Copy the certificate ID NetSuite shows, then:\n     nstba auth \
         add-m2m NAME --account ACCOUNT --client-id CLIENT_ID --certificate-id=CERT_ID \
         --private-key {}{}\n  In CI, set NSTBA_ACCOUNT, NSTBA_CLIENT_ID, NSTBA_CERTIFICATE_ID \
         and NSTBA_PRIVATE_KEY (the key file's text) instead.",
        key_description(algorithm),
        if cfg!(windows) {
            "private: an access list for you alone"
        } else {
            "private, mode 600"
        },
        args.days,
        cert_path.display(),
        key_path.display(),
        if algorithm == Algorithm::PS256 {
            String::new()
        } else {
            format!(" --algorithm {}", algorithm.name())
        }
    ));
    Ok(ExitCode::SUCCESS)
}

fn key_description(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => "RSA 3072",
        Algorithm::ES256 => "EC P-256",
        Algorithm::ES384 => "EC P-384",
        Algorithm::ES512 => "EC P-521",
    }
}

/// A key pair and a self-signed certificate within NetSuite's rules: (key PEM, cert PEM).
pub fn make(algorithm: Algorithm, days: u32) -> Result<(String, String), Failure> {
    let fail = |e: rcgen::Error| Failure::error(format!("cannot make the key pair: {e}"));
    let key = match algorithm {
        Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => {
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_3072)
        }
        Algorithm::ES256 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
        Algorithm::ES384 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
        Algorithm::ES512 => rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512),
    }
    .map_err(fail)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "nstba client credentials");
    let now = std::time::SystemTime::now();
    params.not_before = date(now);
    params.not_after = date(now + std::time::Duration::from_secs(u64::from(days) * 86_400));
    let cert = params.self_signed(&key).map_err(fail)?;
    Ok((key.serialize_pem(), cert.pem()))
}

/// rcgen's date from a system time (the day; NetSuite checks days, not seconds).
fn date(t: std::time::SystemTime) -> time::OffsetDateTime {
    let utc = time::OffsetDateTime::from(t);
    rcgen::date_time_ymd(utc.year(), u8::from(utc.month()), utc.day())
}
