//! A login that lasts (docs/design.md §10): one browser login, then a client credentials (M2M)
//! entry whose certificate nstba makes and maps through NetSuite's certificate endpoint, and
//! renews with `auth rotate` (in [`super::rotate`]). Here: turning a fresh OAuth 2.0 login into
//! an M2M entry (`auth login --m2m`, `auth migrate --m2m`), and what rotation shares with it
//! (new key pairs, mapping with the five-certificate message, the pause points tests kill at).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Result;

use crate::auth::Authorizer;
use crate::auth::oauth2::certs::{self, SetUpError};
use crate::auth::oauth2::m2m::Algorithm;
use crate::commands::App;
use crate::credentials::{Credentials, Request, Resolution};
use crate::error::Failure;
use crate::store::{M2mEntry, Saved, Store};
use crate::ui;

/// The algorithm of the keys nstba makes for a lasting login: EC P-256 is small, fast to make
/// and accepted by NetSuite (README, decisions).
pub const ALGORITHM: Algorithm = Algorithm::ES256;

/// A pause point for the kill-at-every-step tests: with `NSTBA_PAUSE_AT` naming `step`, a
/// debug build says so on stderr and waits to be killed. Release builds never pause.
pub fn checkpoint(step: &str) {
    if cfg!(debug_assertions) && std::env::var("NSTBA_PAUSE_AT").is_ok_and(|s| s == step) {
        eprintln!("paused at {step}");
        loop {
            std::thread::sleep(Duration::from_secs(60));
        }
    }
}

/// A new key pair on disk: the key file (private, never overwritten), the certificate's PEM
/// and its end.
pub struct NewPair {
    pub key_path: PathBuf,
    pub cert_pem: String,
    pub expires_at: SystemTime,
}

/// Makes a key and a certificate valid `days` days; the key goes to `dir` (the keys folder
/// unless given) as `<name>-<time>.key.pem`, a name no other rotation takes.
pub fn new_pair(name: &str, days: u32, dir: Option<PathBuf>) -> Result<NewPair> {
    let (key_pem, cert_pem) = crate::commands::m2m::make(ALGORITHM, days)?;
    let dir = match dir {
        Some(d) => d,
        None => crate::config::keys_dir()?,
    };
    crate::fsio::create_private_dir_all(&dir)
        .map_err(|e| Failure::error(format!("cannot create the folder {}: {e}", dir.display())))?;
    let dir = crate::fsio::canonicalize(&dir)?;
    let stamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let key_path = dir.join(format!("{name}-{stamp}.key.pem"));
    crate::fsio::create_new_private(&key_path, key_pem.as_bytes())
        .map_err(|e| Failure::error(format!("cannot write {}: {e}", key_path.display())))?;
    // rcgen wrote the end as a day; NetSuite counts days too.
    let expires_at = SystemTime::now() + Duration::from_secs(u64::from(days) * 86_400);
    Ok(NewPair {
        key_path,
        cert_pem,
        expires_at,
    })
}

/// The saved credential `id`, resolved as commands resolve it.
pub fn saved(app: &App, id: &str) -> Result<Credentials> {
    let request = Request {
        auth_id: Some(id.to_string()),
        ..Default::default()
    };
    match app.resolve(&request, false)? {
        Resolution::Ready(c) => Ok(*c),
        _ => Err(Failure::usage(format!("no credential is saved as '{id}'")).into()),
    }
}

/// Maps a certificate for the user's role and entity with `auth`'s token; its ID. The
/// five-certificate limit gets a message that lists the active ones and the revoke command.
pub fn map(
    app: &App,
    auth: &Authorizer,
    auth_id: &str,
    client_id: &str,
    pair: &NewPair,
    role: &str,
    entity: &str,
) -> Result<String> {
    let http = crate::http::Http::shared()?;
    let endpoints = &app.endpoints;
    let result = crate::http::block_on(certs::set_up(
        &http,
        endpoints,
        auth,
        client_id,
        &pair.cert_pem,
        role,
        entity,
    ))?;
    match result {
        Ok(id) => Ok(id),
        Err(SetUpError::Other(e)) => Err(e),
        Err(SetUpError::Refused(status, said)) => {
            let active: Vec<certs::RemoteCert> =
                crate::http::block_on(certs::list(&http, endpoints, auth, client_id))?
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|c| c.active(SystemTime::now()))
                    .collect();
            if active.len() >= certs::MAX_ACTIVE {
                let lines: Vec<String> = active
                    .iter()
                    .map(|c| format!("  {}  {}", c.id, until(c.valid_until)))
                    .collect();
                return Err(Failure::usage(format!(
                    "the integration record has {} active certificates, NetSuite's limit of \
                     {}: revoke one it no longer needs, then run this again:\n{}\n  nstba auth \
                     certs revoke {auth_id} CERT_ID",
                    active.len(),
                    certs::MAX_ACTIVE,
                    lines.join("\n")
                ))
                .into());
            }
            Err(Failure::error(format!(
                "NetSuite did not set up the certificate (HTTP {status}: {said})\nhint: the role \
                 needs the permission Manage own OAuth 2.0 Client Credentials certificates, and \
                 the integration record the client credentials grant"
            ))
            .into())
        }
    }
}

/// "until 2028-12-01" for a certificate's end, or that it is not known.
pub fn until(t: Option<SystemTime>) -> String {
    match t {
        Some(t) => format!("until {}", &crate::store::format_time(t)[..10]),
        None => "end not known".into(),
    }
}

/// Revokes a certificate with `auth`'s token, as a last step or to undo: a failure is a
/// warning that says what is left.
pub fn revoke_quietly(app: &App, auth: &Authorizer, client_id: &str, cert_id: &str) -> bool {
    let result = crate::http::Http::shared().and_then(|http| {
        crate::http::block_on(certs::revoke(
            &http,
            &app.endpoints,
            auth,
            client_id,
            cert_id,
        ))?
    });
    match result {
        Ok(()) => true,
        Err(e) => {
            ui::warn(format!(
                "the certificate {cert_id} could not be revoked ({e:#}): it stays active until \
                 `nstba auth certs revoke` or NetSuite's OAuth 2.0 Client Credentials (M2M) \
                 Setup page revokes it"
            ));
            false
        }
    }
}

/// What a fresh OAuth 2.0 login is turned into.
pub struct Convert<'a> {
    /// The staged login's auth ID (its token maps the certificate).
    pub login: &'a str,
    /// Where the M2M entry is saved.
    pub save_as: &'a str,
    /// The name people see (for messages and key file names).
    pub name: &'a str,
    pub role: Option<String>,
    pub entity: Option<String>,
}

/// Makes a key and certificate, maps it with the login's token, saves the M2M entry under
/// `save_as` and proves it by minting a token. A failure after the mapping undoes it (the
/// certificate revoked, the key removed, nothing saved).
pub fn convert(app: &App, c: &Convert<'_>) -> Result<M2mEntry> {
    let login = saved(app, c.login)?;
    let Grant2 { client_id, scope } = grant_of(&login)?;
    let (Some(role), Some(entity)) = (c.role.clone(), c.entity.clone()) else {
        return Err(Failure::error(
            "NetSuite's redirect named no role or entity, which the certificate must be mapped \
             to: log in again, or map a certificate by hand (`nstba auth keygen`)",
        )
        .into());
    };
    let pair = new_pair(c.name, crate::cli::DEFAULT_DAYS, None)?;
    let undo_key = |p: &NewPair| {
        let _ = std::fs::remove_file(&p.key_path);
    };
    let cert_id = match map(app, &login, c.name, &client_id, &pair, &role, &entity) {
        Ok(id) => id,
        Err(e) => {
            undo_key(&pair);
            return Err(e);
        }
    };
    let entry = M2mEntry {
        account: login.account.to_string(),
        client_id: client_id.clone(),
        certificate_id: cert_id.clone(),
        private_key_path: pair.key_path.clone(),
        algorithm: ALGORITHM.name().to_string(),
        scope,
        role: Some(role),
        entity: Some(entity),
        certificate_expires_at: Some(crate::store::format_time(pair.expires_at)),
        rotation: None,
        created_at: Some(crate::store::now()),
        extra: Default::default(),
    };
    let proved = Store::update(&app.store, |s| {
        s.put(c.save_as, &Saved::M2m(entry.clone()));
        Ok(())
    })
    .and_then(|()| saved(app, c.save_as))
    .and_then(|m2m| crate::commands::token::check_works(&app.endpoints, &m2m));
    if let Err(e) = proved {
        let _ = Store::update(&app.store, |s| Ok(s.remove(c.save_as)));
        revoke_quietly(app, &login, &client_id, &cert_id);
        undo_key(&pair);
        return Err(e.context("the new client credentials did not work, so nothing was saved"));
    }
    Ok(entry)
}

/// The client ID and scope of an OAuth 2.0 login.
struct Grant2 {
    client_id: String,
    scope: String,
}

fn grant_of(creds: &Credentials) -> Result<Grant2> {
    match &creds.grant {
        crate::auth::Grant::OAuth2(session) => Ok(Grant2 {
            client_id: session.client.client_id.clone(),
            scope: session.scope.clone(),
        }),
        crate::auth::Grant::M2m(m2m) => Ok(Grant2 {
            client_id: m2m.client_id.clone(),
            scope: m2m.scope.clone(),
        }),
        crate::auth::Grant::Tba(_) => Err(Failure::usage(
            "a TBA token cannot call the certificate endpoint: it takes an OAuth 2.0 token",
        )
        .into()),
    }
}

/// The certificate's end for people.
pub fn said_until(entry: &M2mEntry) -> String {
    until(
        entry
            .certificate_expires_at
            .as_deref()
            .and_then(crate::store::parse_time),
    )
}

/// Revokes and removes a staged browser login without naming it (its name is internal);
/// whether NetSuite revoked it. It is removed from the store either way.
pub fn drop_login(app: &App, staging: &str) -> bool {
    // The revocation of a token no longer in use (`auth login --force` uses it too).
    let revoked = match crate::credentials::load_store(&app.store).and_then(|s| s.get(staging)) {
        Ok(Some(saved)) => {
            crate::commands::token::revoke_replaced(&app.endpoints, &saved, None).is_ok()
        }
        Ok(None) => true,
        Err(_) => false,
    };
    let _ = Store::update(&app.store, |s| Ok(s.remove(staging)));
    revoked
}
