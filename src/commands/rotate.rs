//! `nstba auth rotate NAME` (docs/design.md §10): a new key and certificate for an M2M entry,
//! without a browser. Each step is saved before the next, so a rotation killed at any moment
//! leaves an entry that works, and the next rotation finishes or undoes what was left:
//!
//! 1. a new key file, noted in the entry as pending;
//! 2. its certificate mapped with NAME's own M2M token, its ID noted as pending;
//! 3. a token minted with the new pair (the proof);
//! 4. the entry switched to the new pair under the store's lock, the old one noted as previous;
//! 5. the old certificate revoked, then its key file removed, and the notes cleared.
//!
//! Credentials from the environment (CI) are never rotated in place: `--out DIR` writes the new
//! key there and says what to put in the CI's secrets.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Result;

use crate::auth::Grant;
use crate::auth::oauth2::certs;
use crate::auth::oauth2::m2m::{Algorithm, M2m, PrivateKey};
use crate::cli::AuthRotateArgs;
use crate::commands::App;
use crate::commands::lasting::{self, checkpoint};
use crate::credentials::{Origin, Request, Resolution};
use crate::error::Failure;
use crate::store::{M2mEntry, Rotation, Saved, Store};
use crate::ui;

pub fn run(app: &App, args: &AuthRotateArgs) -> Result<ExitCode> {
    match &args.auth_id {
        Some(id) => rotate_saved(app, id, args),
        None => rotate_environment(app, args),
    }
}

/// NAME's M2M entry, or why NAME cannot be rotated.
fn m2m_entry(app: &App, id: &str) -> Result<M2mEntry> {
    match crate::credentials::load_store(&app.store)?.get(id)? {
        Some(Saved::M2m(e)) => Ok(e),
        Some(other) => Err(Failure::usage(format!(
            "'{id}' is {} credential: only client credentials (M2M) entries have a \
             certificate to rotate. Make one that lasts with nstba auth login {id}-m2m --oauth2 \
             --client-id ID --m2m",
            other.kind().with_article()
        ))
        .into()),
        None => Err(Failure::usage(format!(
            "no credential is saved as '{id}': `nstba auth list` shows the saved ones"
        ))
        .into()),
    }
}

/// Changes NAME's entry under the store's lock, if it still signs with `cert_id`.
fn update(app: &App, id: &str, cert_id: &str, change: impl FnOnce(&mut M2mEntry)) -> Result<()> {
    Store::update(&app.store, |s| {
        let Some(Saved::M2m(mut e)) = s.get(id)? else {
            return Err(Failure::error(format!("'{id}' was removed while it was rotated")).into());
        };
        if e.certificate_id != cert_id {
            return Err(Failure::error(format!(
                "'{id}' was changed by another nstba while it was rotated; run the rotation again"
            ))
            .into());
        }
        change(&mut e);
        s.put(id, &Saved::M2m(e));
        Ok(())
    })
}

/// A key file nstba made (in the keys folder) is removed; one the user pointed to is theirs.
fn remove_key(path: &std::path::Path) {
    // Both sides resolved: the store is anyone's to write, and `keys/../../.ssh/id_rsa` starts
    // with the keys folder as written.
    let ours = crate::config::keys_dir()
        .ok()
        .and_then(|d| crate::fsio::canonicalize(&d).ok())
        .zip(crate::fsio::canonicalize(path).ok())
        .is_some_and(|(dir, real)| real.parent() == Some(dir.as_path()));
    if ours {
        let _ = std::fs::remove_file(path);
    } else if path.exists() {
        ui::info(format!(
            "{} is no longer used; remove it when nothing else needs it",
            path.display()
        ));
    }
}

/// Finishes or undoes a rotation a kill cut short: a previous pair revoked and removed, a
/// pending one revoked and removed. Notes are cleared only for what was done.
fn settle(app: &App, id: &str) -> Result<()> {
    let entry = m2m_entry(app, id)?;
    let Some(r) = entry.rotation.clone() else {
        return Ok(());
    };
    ui::info(format!(
        "Finishing the rotation of '{id}' that stopped half-way"
    ));
    let creds = lasting::saved(app, id)?;
    let mut left = Rotation::default();
    for (cert, key, previous) in [
        (&r.previous_certificate_id, &r.previous_key_path, true),
        (&r.pending_certificate_id, &r.pending_key_path, false),
    ] {
        let revoked = cert.as_ref().is_none_or(|c| {
            lasting::revoke_quietly(app, &creds, &entry.client_id, c)
                || !still_active(app, &creds, &entry.client_id, c)
        });
        if !revoked {
            if previous {
                left.previous_certificate_id = cert.clone();
                left.previous_key_path = key.clone();
            } else {
                left.pending_certificate_id = cert.clone();
                left.pending_key_path = key.clone();
            }
            continue;
        }
        if let Some(k) = key {
            remove_key(k);
        }
    }
    update(app, id, &entry.certificate_id, |e| {
        e.rotation = (left != Rotation::default()).then_some(left)
    })
}

/// Whether the record still lists `cert_id` as active (an unknown answer counts as active).
fn still_active(app: &App, auth: &crate::auth::Authorizer, client_id: &str, cert_id: &str) -> bool {
    let Ok(http) = crate::http::Http::shared() else {
        return true;
    };
    match crate::http::block_on(certs::list(&http, &app.endpoints, auth, client_id)) {
        Ok(Ok(list)) => list
            .iter()
            .any(|c| c.id == cert_id && c.active(SystemTime::now())),
        _ => true,
    }
}

/// The role and entity NAME's certificate is mapped to: saved, or read from the record's list.
fn mapping(
    app: &App,
    auth: &crate::auth::Authorizer,
    entry: &M2mEntry,
) -> Result<(String, String)> {
    if let (Some(r), Some(e)) = (&entry.role, &entry.entity) {
        return Ok((r.clone(), e.clone()));
    }
    let http = crate::http::Http::shared()?;
    let list = crate::http::block_on(certs::list(&http, &app.endpoints, auth, &entry.client_id))??;
    list.into_iter()
        .find(|c| c.id == entry.certificate_id)
        .and_then(|c| Some((c.role?, c.entity?)))
        .ok_or_else(|| {
            Failure::error(format!(
                "the certificate endpoint does not say which role and entity certificate {} is \
                 mapped to, so a new one cannot be mapped the same way",
                entry.certificate_id
            ))
            .into()
        })
}

/// Whether the certificate ends within `days` days (an unknown end counts as due).
fn due(entry: &M2mEntry, days: u32) -> bool {
    entry
        .certificate_expires_at
        .as_deref()
        .and_then(crate::store::parse_time)
        .is_none_or(|t| t <= SystemTime::now() + Duration::from_secs(u64::from(days) * 86_400))
}

/// Mints a token with a new pair: the proof that NetSuite takes it.
fn prove(app: &App, entry: &M2mEntry, cert_id: &str, key_path: &std::path::Path) -> Result<()> {
    let account = crate::account::AccountId::parse(&entry.account)?;
    let token_url = app
        .endpoints
        .resolve(Some(&account), crate::auth::oauth2::TOKEN_PATH)?;
    let m2m = M2m::new(
        entry.client_id.clone(),
        cert_id.to_string(),
        Some(Algorithm::parse(&entry.algorithm)?),
        entry.scope.clone(),
        PrivateKey::from_file(key_path, "the new key")?,
        &account,
        token_url,
    )?;
    let http = crate::http::Http::shared()?;
    crate::http::block_on(m2m.access_token(&http, true))?.map(drop)
}

fn rotate_saved(app: &App, id: &str, args: &AuthRotateArgs) -> Result<ExitCode> {
    settle(app, id)?;
    let entry = m2m_entry(app, id)?;
    if let Some(days) = args.if_expiring_within
        && !due(&entry, days)
    {
        ui::info(format!(
            "'{id}' needs no rotation yet: its certificate lasts {} (more than {days} days)",
            lasting::said_until(&entry)
        ));
        return Ok(ExitCode::SUCCESS);
    }
    let old = lasting::saved(app, id)?;
    let (role, entity) = mapping(app, &old, &entry)?;
    let old_cert = entry.certificate_id.clone();

    // 1. The new key, noted before anything is mapped.
    let pair = lasting::new_pair(id, args.days, None)?;
    update(app, id, &old_cert, |e| {
        e.rotation = Some(Rotation {
            pending_key_path: Some(pair.key_path.clone()),
            ..Default::default()
        })
    })?;
    checkpoint("rotate:key");

    // 2. Its certificate mapped with NAME's own token.
    let cert_id = match lasting::map(app, &old, id, &entry.client_id, &pair, &role, &entity) {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&pair.key_path);
            let _ = update(app, id, &old_cert, |e| e.rotation = None);
            return Err(e);
        }
    };
    update(app, id, &old_cert, |e| {
        if let Some(r) = &mut e.rotation {
            r.pending_certificate_id = Some(cert_id.clone());
        }
    })?;
    checkpoint("rotate:mapped");

    // 3. The proof.
    if let Err(e) = prove(app, &entry, &cert_id, &pair.key_path) {
        settle(app, id)?;
        return Err(e.context(format!(
            "NetSuite did not take the new certificate, so '{id}' keeps its old one"
        )));
    }
    checkpoint("rotate:proved");

    // 4. The switch.
    update(app, id, &old_cert, |e| {
        e.rotation = Some(Rotation {
            previous_certificate_id: Some(old_cert.clone()),
            previous_key_path: Some(e.private_key_path.clone()),
            ..Default::default()
        });
        e.certificate_id = cert_id.clone();
        e.private_key_path = pair.key_path.clone();
        e.certificate_expires_at = Some(crate::store::format_time(pair.expires_at));
        e.role = Some(role.clone());
        e.entity = Some(entity.clone());
    })?;
    checkpoint("rotate:switched");

    // 5. The old certificate revoked with the new pair, its key removed.
    let new = lasting::saved(app, id)?;
    if lasting::revoke_quietly(app, &new, &entry.client_id, &old_cert) {
        update(app, id, &cert_id, |e| {
            if let Some(r) = &mut e.rotation {
                r.previous_certificate_id = None;
            }
        })?;
        checkpoint("rotate:revoked");
        remove_key(&entry.private_key_path);
        update(app, id, &cert_id, |e| e.rotation = None)?;
    }
    let entry = m2m_entry(app, id)?;
    ui::info(format!(
        "Rotated '{id}': certificate {cert_id}, {}; the old certificate {old_cert} is revoked",
        lasting::said_until(&entry)
    ));
    Ok(ExitCode::SUCCESS)
}

/// Client credentials from the environment: a new pair written to `--out`, mapped and proved,
/// for the user to put in the CI's secrets; the old certificate stays until they revoke it.
fn rotate_environment(app: &App, args: &AuthRotateArgs) -> Result<ExitCode> {
    let creds = match app.resolve(&Request::default(), false)? {
        Resolution::Ready(c) => *c,
        _ => {
            return Err(Failure::usage(
                "name the saved M2M client to rotate: nstba auth rotate NAME",
            )
            .into());
        }
    };
    let Grant::M2m(m2m) = &creds.grant else {
        return Err(
            Failure::usage("name the saved M2M client to rotate: nstba auth rotate NAME").into(),
        );
    };
    if creds.origin != Origin::Environment {
        return Err(
            Failure::usage("name the saved M2M client to rotate: nstba auth rotate NAME").into(),
        );
    }
    let Some(out) = &args.out else {
        return Err(Failure::usage(
            "these client credentials come from the environment (NSTBA_CERTIFICATE_ID and \
             NSTBA_PRIVATE_KEY or NSTBA_PRIVATE_KEY_FILE), so nstba cannot rotate them in place. \
             Run `nstba auth rotate --out DIR`: it writes the new key to DIR and prints the new \
             certificate ID; put the key's text in the CI secret NSTBA_PRIVATE_KEY and the ID in \
             NSTBA_CERTIFICATE_ID, then revoke the old certificate with `nstba auth certs revoke`",
        )
        .into());
    };
    let entry = M2mEntry {
        account: creds.account.to_string(),
        client_id: m2m.client_id.clone(),
        certificate_id: m2m.certificate_id.clone(),
        private_key_path: Default::default(),
        algorithm: m2m.algorithm.name().to_string(),
        scope: m2m.scope.clone(),
        role: None,
        entity: None,
        certificate_expires_at: None,
        rotation: None,
        created_at: None,
        extra: Default::default(),
    };
    let (role, entity) = mapping(app, &creds, &entry)?;
    let pair = lasting::new_pair("nstba-ci", args.days, Some(out.clone()))?;
    let cert_id = match lasting::map(app, &creds, "NAME", &entry.client_id, &pair, &role, &entity) {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&pair.key_path);
            return Err(e);
        }
    };
    if let Err(e) = prove(app, &entry, &cert_id, &pair.key_path) {
        lasting::revoke_quietly(app, &creds, &entry.client_id, &cert_id);
        let _ = std::fs::remove_file(&pair.key_path);
        return Err(e.context("NetSuite did not take the new certificate"));
    }
    crate::commands::write_stdout(format!("{}\n{cert_id}\n", pair.key_path.display()).as_bytes())?;
    ui::info(format!(
        "Mapped certificate {cert_id} ({}) with a new key in {}.\nNext, in the CI's secrets: \
         NSTBA_PRIVATE_KEY = the text of that file, NSTBA_CERTIFICATE_ID = {cert_id}. Then \
         revoke the old certificate {} (nstba auth certs revoke with a saved credential, or \
         NetSuite's OAuth 2.0 Client Credentials (M2M) Setup page) and delete the key file",
        lasting::until(Some(pair.expires_at)),
        pair.key_path.display(),
        entry.certificate_id
    ));
    Ok(ExitCode::SUCCESS)
}
