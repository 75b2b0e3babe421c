//! `nstba auth certs [NAME] [--json]` and `nstba auth certs revoke NAME CERT_ID` (docs/design.md
//! §10): an integration record's client credentials certificates through NetSuite's certificate
//! endpoint, with a token of NAME (OAuth 2.0 or M2M, for the `rest_webservices` scope).

use std::process::ExitCode;
use std::time::SystemTime;

use anyhow::Result;
use serde_json::json;

use crate::auth::Grant;
use crate::auth::oauth2::certs;
use crate::cli::{AuthCertsArgs, CertsAction};
use crate::commands::App;
use crate::commands::lasting;
use crate::credentials::{Credentials, Request, Resolution};
use crate::error::Failure;
use crate::ui;

/// The credential to call with, and the client ID and certificate it signs with.
fn with(app: &App, auth_id: Option<&str>) -> Result<(Credentials, String, Option<String>)> {
    let creds = match auth_id {
        Some(id) => lasting::saved(app, id)?,
        None => match app.resolve(&Request::default(), app.can_prompt)? {
            Resolution::Ready(c) => *c,
            _ => {
                return Err(Failure::usage(
                    "name the OAuth 2.0 or M2M credential to list with: nstba auth certs NAME",
                )
                .into());
            }
        },
    };
    let (client_id, in_use) = match &creds.grant {
        Grant::OAuth2(s) => (s.client.client_id.clone(), None),
        Grant::M2m(m) => (m.client_id.clone(), Some(m.certificate_id.clone())),
        Grant::Tba(_) => {
            return Err(Failure::usage(
                "a TBA token cannot call the certificate endpoint: use an OAuth 2.0 or M2M \
                 credential of the integration record",
            )
            .into());
        }
    };
    Ok((creds, client_id, in_use))
}

pub fn run(app: &App, args: &AuthCertsArgs) -> Result<ExitCode> {
    if let Some(CertsAction::Revoke { auth_id, cert_id }) = &args.action {
        return revoke(app, auth_id, cert_id);
    }
    let (creds, client_id, in_use) = with(app, args.auth_id.as_deref())?;
    let http = crate::http::Http::shared()?;
    let list = crate::http::block_on(certs::list(&http, &app.endpoints, &creds, &client_id))??;
    let now = SystemTime::now();
    let name = creds
        .auth_id
        .clone()
        .unwrap_or_else(|| "the environment".into());
    let used = |c: &certs::RemoteCert| in_use.as_deref() == Some(c.id.as_str());
    if args.json {
        let items: Vec<_> = list
            .iter()
            .map(|c| {
                json!({
                    "certificateId": c.id,
                    "validUntil": c.valid_until.map(crate::store::format_time),
                    "revoked": c.revoked,
                    "active": c.active(now),
                    "role": c.role,
                    "entity": c.entity,
                    "usedBy": used(c).then(|| name.clone()),
                })
            })
            .collect();
        let mut out = serde_json::to_vec_pretty(&items)?;
        out.push(b'\n');
        crate::commands::write_stdout(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = String::new();
    for c in &list {
        let state = if c.revoked {
            "revoked"
        } else if c.active(now) {
            "active"
        } else {
            "expired"
        };
        out.push_str(&format!(
            "{}\t{state}\t{}{}\n",
            c.id,
            lasting::until(c.valid_until),
            if used(c) {
                format!("\tused by {name}")
            } else {
                String::new()
            }
        ));
    }
    crate::commands::write_stdout(out.as_bytes())?;
    let active = list.iter().filter(|c| c.active(now)).count();
    ui::info(format!(
        "{} certificates, {active} active (NetSuite allows {} active per integration record)",
        list.len(),
        certs::MAX_ACTIVE
    ));
    Ok(ExitCode::SUCCESS)
}

fn revoke(app: &App, auth_id: &str, cert_id: &str) -> Result<ExitCode> {
    let (creds, client_id, in_use) = with(app, Some(auth_id))?;
    if in_use.as_deref() == Some(cert_id) {
        return Err(Failure::usage(format!(
            "'{auth_id}' signs with certificate {cert_id}: revoking it would stop '{auth_id}'. \
             Rotate first (`nstba auth rotate {auth_id}` revokes the old one), or `nstba auth \
             logout {auth_id}`"
        ))
        .into());
    }
    let http = crate::http::Http::shared()?;
    crate::http::block_on(certs::revoke(
        &http,
        &app.endpoints,
        &creds,
        &client_id,
        cert_id,
    ))??;
    ui::info(format!("Revoked certificate {}", ui::escape(cert_id)));
    Ok(ExitCode::SUCCESS)
}
