//! The flags of a login that lasts (docs/design.md §10): `auth rotate` and `auth certs`; the
//! `--m2m` flags of `auth login` and `auth migrate` are in [`super::auth`].

// Help text for a terminal, not rustdoc (as in cli/mod.rs).
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use clap::{Args, Subcommand};

use super::saved_auth_ids;

/// How long a certificate nstba makes is valid unless `--days` says otherwise: NetSuite's
/// longest (it shortens a longer one to two years).
pub const DEFAULT_DAYS: u32 = 730;

/// `--days`: 1 to 730, said in NetSuite's words.
pub fn certificate_days(raw: &str) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(d) if (1..=DEFAULT_DAYS).contains(&d) => Ok(d),
        Ok(0) => Err("a certificate must be valid at least 1 day".into()),
        Ok(_) => Err(format!(
            "at most {DEFAULT_DAYS} days, NetSuite's limit (it shortens a longer certificate \
             to two years)"
        )),
        Err(_) => Err("a number of days, such as 365".into()),
    }
}

#[derive(Debug, Args)]
pub struct AuthRotateArgs {
    /// The saved M2M client to give a new key and certificate [default: with --out, the
    /// environment's client credentials]
    #[arg(value_name = "AUTH_ID", add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub auth_id: Option<String>,

    /// Days the new certificate is valid (NetSuite keeps at most two years)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_DAYS, value_parser = certificate_days)]
    pub days: u32,

    /// Do nothing unless the certificate ends within DAYS days (for a scheduled job)
    #[arg(long, value_name = "DAYS")]
    pub if_expiring_within: Option<u32>,

    /// For credentials from the environment (CI): write the new key to this folder instead of
    /// rotating in place, and print what to put in the CI's secrets
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuthCertsArgs {
    #[command(subcommand)]
    pub action: Option<CertsAction>,

    /// The saved OAuth 2.0 or M2M credential whose integration record to list [default: the one
    /// commands would use]
    #[arg(value_name = "AUTH_ID", add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub auth_id: Option<String>,

    /// Print JSON: one object per certificate
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum CertsAction {
    /// Revoke one certificate of the record (never the one AUTH_ID signs with)
    #[command(
        after_help = "Examples:\n  nstba auth certs revoke sb NPMnRyPg-WDWhPiAbisjKiH0fqnBpjOZ367wDTe0pqA\n  nstba auth certs revoke sb -abc123   # an ID that starts with '-'"
    )]
    Revoke {
        /// The saved credential to revoke with
        #[arg(value_name = "AUTH_ID", add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
        auth_id: String,
        /// The certificate's ID (one that starts with '-' is taken as it is)
        #[arg(value_name = "CERT_ID", allow_hyphen_values = true)]
        cert_id: String,
    },
}
