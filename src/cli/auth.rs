//! `nstba auth ...`: every subcommand's flags.

// Help text for a terminal, not rustdoc (as in cli/mod.rs).
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use clap::{Args, Subcommand};

use super::{CredentialArgs, saved_auth_ids};

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Get a new token with the browser authorization flow and save it
    #[command(
        after_help = "Examples:\n  nstba auth login sandbox --account 1234567_SB1\n  nstba auth login prod --account 1234567 --no-browser\n  nstba auth login sandbox --oauth2 --client-id \"$CLIENT_ID\" --account 1234567_SB1"
    )]
    Login(AuthLoginArgs),
    /// Save a token made in the NetSuite UI (secrets from the environment, a prompt or stdin)
    #[command(
        after_help = "Examples:\n  nstba auth add ci --account 1234567 --token-id \"$TOKEN_ID\"   # secret asked for, or NSTBA_TOKEN_SECRET\n  printf %s \"$TOKEN_SECRET\" | nstba auth add ci --account 1234567 --token-id \"$TOKEN_ID\" --token-secret-stdin\n  nstba auth add gulp-entry --consumer-key \"$KEY\" --consumer-secret-stdin < key.txt"
    )]
    Add(AuthAddArgs),
    /// List saved tokens
    #[command(visible_alias = "ls")]
    #[command(
        after_help = "Examples:\n  nstba auth list\n  nstba auth list --json\n  nstba auth list --all"
    )]
    List(AuthListArgs),
    /// Show one saved token: account, role, where each value comes from (no secrets)
    #[command(
        after_help = "Examples:\n  nstba auth info sandbox\n  nstba auth info sandbox --json"
    )]
    Info(AuthInfoArgs),
    /// Rename a saved token
    #[command(
        after_help = "Examples:\n  nstba auth rename sandbox sb1\n  nstba auth rename default-token prod"
    )]
    Rename {
        /// The saved token's current name
        #[arg(add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
        old: String,
        /// Its new name
        new: String,
    },
    /// Remove a saved token from this machine only (it stays active in NetSuite; `logout`
    /// revokes it too)
    #[command(visible_alias = "rm")]
    #[command(
        after_help = "Examples:\n  nstba auth remove old-laptop\n  nstba auth logout old-laptop   # revokes it in NetSuite too"
    )]
    Remove {
        /// The saved token to remove
        #[arg(add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
        auth_id: String,
    },
    /// Revoke a token in NetSuite and remove it from this machine, in one step
    #[command(
        after_help = "Examples:\n  nstba auth logout sandbox\n  nstba auth logout old-laptop --local-only"
    )]
    Logout(AuthLogoutArgs),
    /// Make a saved token the default, used when nothing else names one
    #[command(
        after_help = "Examples:\n  nstba auth switch sandbox\n  nstba auth list   # the default is marked"
    )]
    Switch {
        /// The saved token to use by default
        #[arg(add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
        auth_id: String,
    },
    /// Every saved token and the environment's credentials: kind, account, role, whether
    /// each works, and which one a bare command would use here (and why)
    #[command(
        after_help = "Exit codes: 0 the token a bare command would use works, 3 NetSuite rejects it \
(or nothing would be used), 5 NetSuite cannot be reached.\n\nExamples:\n  nstba auth status\n  \
nstba auth status --offline\n  nstba auth status --json --timeout 5"
    )]
    Status(AuthStatusArgs),
    /// Ask NetSuite about a token (tokeninfo); exits 3 when NetSuite rejects it
    #[command(
        after_help = "Examples:\n  nstba auth verify sandbox\n  nstba auth verify --to prod --json"
    )]
    Verify(AuthVerifyArgs),
    /// Revoke a token in NetSuite, then remove it from this machine
    #[command(
        after_help = "Examples:\n  nstba auth revoke sandbox\n  nstba auth revoke gulp-entry --consumer-key \"$KEY\" --consumer-secret-stdin < secret.txt"
    )]
    Revoke(AuthRevokeArgs),
    /// Save an OAuth 2.0 client credentials (machine-to-machine) client, for CI
    #[command(name = "add-m2m")]
    #[command(
        after_help = "Examples:\n  nstba auth add-m2m ci --account 1234567 --client-id \"$CLIENT_ID\" --certificate-id \"$CERTIFICATE_ID\" --private-key ci-key.pem\n  nstba auth add-m2m ci --account 1234567 --client-id \"$CLIENT_ID\" --certificate-id \"$CERTIFICATE_ID\" --private-key ci-key.pem --scope restlets --scope rest_webservices"
    )]
    AddM2m(AuthAddM2mArgs),
    /// Make a key pair and a self-signed certificate to upload for client credentials (M2M)
    #[command(
        after_help = "Examples:\n  nstba auth keygen --out keys\n  nstba auth keygen --out keys --algorithm ES256 --days 365 --name ci-deploys"
    )]
    Keygen(AuthKeygenArgs),
    /// Replace a TBA token with an OAuth 2.0 one under the same name (scripts keep working)
    #[command(
        after_help = "Examples:\n  nstba auth migrate sandbox --client-id \"$CLIENT_ID\"\n  nstba auth migrate sandbox --client-id \"$CLIENT_ID\" --keep"
    )]
    Migrate(AuthMigrateArgs),
    /// Print the access token of an OAuth 2.0 or M2M credential (refreshed or minted as
    /// needed), for tools that take a Bearer token
    #[command(
        after_help = "Examples:\n  nstba auth token sb\n  curl -H \"Authorization: Bearer $(nstba auth token sb)\" \"$URL\""
    )]
    Token {
        /// The saved credential [default: the one commands would use]
        #[arg(value_name = "AUTH_ID", add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
        auth_id: Option<String>,
    },
    /// Forget the token a deploy or fetch with --to remembered for a project folder
    #[command(
        after_help = "Examples:\n  nstba auth forget\n  nstba auth forget ~/work/shop   # another project's folder"
    )]
    Forget {
        /// The project folder [default: the project of the current folder, else the folder]
        #[arg(value_name = "FOLDER")]
        folder: Option<std::path::PathBuf>,
    },
    /// Give a saved M2M client a new key and certificate, without a browser
    #[command(
        after_help = "Examples:\n  nstba auth rotate sb\n  nstba auth rotate sb --if-expiring-within 30   # a weekly scheduled job\n  nstba auth rotate --out keys   # CI: credentials from the environment"
    )]
    Rotate(super::lasting::AuthRotateArgs),
    /// List an integration record's client credentials certificates, or revoke one
    #[command(
        after_help = "Examples:\n  nstba auth certs sb\n  nstba auth certs sb --json\n  nstba auth certs revoke sb CERT_ID"
    )]
    Certs(super::lasting::AuthCertsArgs),
}

#[derive(Debug, Args)]
pub struct AuthMigrateArgs {
    /// The saved TBA token to replace
    #[arg(value_name = "TBA_AUTH_ID", add = clap_complete::ArgValueCandidates::new(super::saved_tba_ids))]
    pub auth_id: String,

    /// Keep the TBA token, saved as TBA_AUTH_ID-tba (and active in NetSuite); without it, it is
    /// revoked in NetSuite and removed
    #[arg(long)]
    pub keep: bool,

    /// Migrate to client credentials (M2M) with a certificate nstba makes and maps, so the
    /// login lasts up to two years
    #[arg(long)]
    pub m2m: bool,

    #[command(flatten)]
    pub oauth2: OAuth2Args,

    #[command(flatten)]
    pub browser: BrowserArgs,
}

/// How a login's browser part runs (`auth login` and `auth migrate`).
#[derive(Debug, Args, Clone)]
pub struct BrowserArgs {
    /// Where NetSuite sends the browser back: the integration record's callback URL (TBA,
    /// default http://localhost:7777/tba; port 0 picks a free port for records whose callback
    /// is http://localhost:*) or redirect URI (OAuth 2.0, default
    /// https://localhost:7777/callback; http:// only for records that accept it)
    #[arg(
        long,
        env = "NSTBA_CALLBACK_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub callback_url: Option<String>,

    /// Do not open a browser; open the printed address by hand (or paste the redirect back)
    #[arg(long)]
    pub no_browser: bool,

    /// Seconds to wait for the authorization
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

/// The OAuth 2.0 integration record a login uses (`auth login --oauth2` and `auth migrate`).
#[derive(Debug, Args, Clone, Default)]
pub struct OAuth2Args {
    /// The OAuth 2.0 integration record's client ID (else NSTBA_CLIENT_ID); given here, it means
    /// OAuth 2.0
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// A public client: no client secret (its refresh tokens work once)
    #[arg(long)]
    pub public: bool,

    /// OAuth 2.0 scopes: restlets, rest_webservices, suite_analytics (repeatable, or
    /// space-separated) [default: restlets rest_webservices]
    #[arg(long, value_name = "SCOPE", add = clap_complete::ArgValueCandidates::new(super::scopes))]
    pub scope: Vec<String>,

    /// Read the client secret from the first line of stdin (else NSTBA_CLIENT_SECRET, else a
    /// prompt)
    #[arg(long, conflicts_with = "public")]
    pub client_secret_stdin: bool,

    /// Ask NetSuite to show its login page even when the browser has a session
    #[arg(long)]
    pub prompt_login: bool,
}

impl OAuth2Args {
    /// Whether any OAuth 2.0 option was given (they mean nothing to a TBA login).
    pub fn any(&self) -> bool {
        self.public || !self.scope.is_empty() || self.client_secret_stdin || self.prompt_login
    }
}

#[derive(Debug, Args)]
pub struct AuthStatusArgs {
    /// Print a JSON object on stdout instead of a table
    #[arg(long)]
    pub json: bool,
    /// Show what is saved and which token would be used, without asking NetSuite
    #[arg(long)]
    pub offline: bool,
    /// Seconds all the checks together may take; a token not answered by then is unreachable
    #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct AuthLogoutArgs {
    /// The saved token to log out of [default: asked on a terminal]
    #[arg(add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub auth_id: Option<String>,

    /// Only remove it from this machine (it stays active in NetSuite), as `auth remove`
    #[arg(long)]
    pub local_only: bool,

    /// Consumer key of the integration record; given here it replaces the saved one
    #[arg(long, value_name = "KEY")]
    pub consumer_key: Option<String>,

    /// Read the consumer secret from the first line of stdin
    #[arg(long)]
    pub consumer_secret_stdin: bool,
}

#[derive(Debug, Args)]
pub struct AuthAddM2mArgs {
    /// The name to save the client under
    pub auth_id: String,

    /// Account ID, such as 1234567 or 1234567_SB1
    #[arg(long, env = "NSTBA_ACCOUNT", hide_env_values = true)]
    pub account: String,

    /// The integration record's client ID
    #[arg(
        long,
        env = "NSTBA_CLIENT_ID",
        hide_env_values = true,
        value_name = "ID"
    )]
    pub client_id: String,

    /// The certificate ID NetSuite gave when the certificate was uploaded (it may start with
    /// '-': write --certificate-id=-abc)
    #[arg(
        long,
        env = "NSTBA_CERTIFICATE_ID",
        hide_env_values = true,
        value_name = "KID",
        allow_hyphen_values = true
    )]
    pub certificate_id: String,

    /// The private key file (PEM, PKCS#8), as `nstba auth keygen` writes it
    // A value that starts with `-` is taken, so that a key's text pasted here reaches nstba's
    // check (which never prints it) instead of clap's "unexpected argument", which would.
    #[arg(long, value_name = "PATH", allow_hyphen_values = true)]
    pub private_key: std::path::PathBuf,

    /// PS256, PS384, PS512, ES256, ES384 or ES512 [default: from the key: PS256 for RSA, the
    /// ES algorithm of an EC key's curve]
    #[arg(long, value_name = "ALG", add = clap_complete::ArgValueCandidates::new(super::algorithms))]
    pub algorithm: Option<String>,

    /// Scopes: restlets, rest_webservices, suite_analytics [default: restlets
    /// rest_webservices]
    #[arg(long, value_name = "SCOPE", add = clap_complete::ArgValueCandidates::new(super::scopes))]
    pub scope: Vec<String>,

    /// Replace a credential already saved under this name
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct AuthKeygenArgs {
    /// The folder to write the key and certificate into [default: <config dir>/nstba/keys]
    #[arg(long, value_name = "DIR")]
    pub out: Option<std::path::PathBuf>,

    /// The algorithm the key will sign with: PS256/PS384/PS512 make an RSA 3072 key,
    /// ES256/ES384/ES512 an EC key on P-256/P-384/P-521
    #[arg(long, default_value = "PS256", value_name = "ALG", add = clap_complete::ArgValueCandidates::new(super::algorithms))]
    pub algorithm: String,

    /// Days the certificate is valid (NetSuite accepts at most two years)
    #[arg(long, default_value_t = 730, value_parser = super::lasting::certificate_days)]
    pub days: u32,

    /// The name of the files (NAME.key.pem, NAME.cert.pem) [default: nstba-m2m-ALG]
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct AuthLoginArgs {
    /// The name to save the token under [default: the account, such as 1234567-sb1]
    pub auth_id: Option<String>,

    /// Account ID; without it NetSuite's login page asks, and the account comes back with the
    /// callback
    #[arg(long, env = "NSTBA_ACCOUNT", hide_env_values = true)]
    pub account: Option<String>,

    /// Role ID to ask for (the user can still change it on the consent page)
    #[arg(long, value_name = "ID")]
    pub role: Option<String>,

    #[command(flatten)]
    pub browser: BrowserArgs,

    /// Consumer key of the integration record
    #[arg(
        long,
        env = "NSTBA_CONSUMER_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub consumer_key: Option<String>,

    /// Read the consumer secret from the first line of stdin (else NSTBA_CONSUMER_SECRET)
    #[arg(long)]
    pub consumer_secret_stdin: bool,

    /// Replace a token already saved under this name
    #[arg(long)]
    pub force: bool,

    /// Log in with OAuth 2.0 (authorization code with PKCE) instead of TBA (--client-id and
    /// --m2m mean it too)
    #[arg(long)]
    pub oauth2: bool,

    #[command(flatten)]
    pub oauth2_client: OAuth2Args,

    /// With --force: keep the replaced token active in NetSuite (by default it is revoked once
    /// the new one is saved)
    #[arg(long, requires = "force")]
    pub keep_old: bool,

    /// With --oauth2: after the browser login, make a key and certificate, map it through
    /// NetSuite's certificate endpoint and save a client credentials (M2M) entry that lasts up
    /// to two years (`auth rotate` renews it)
    #[arg(long)]
    pub m2m: bool,

    /// With --m2m: keep the browser login too, saved as AUTH_ID-login (by default it is revoked
    /// once the M2M entry works)
    #[arg(long, requires = "m2m")]
    pub keep_login: bool,
}

#[derive(Debug, Args)]
pub struct AuthVerifyArgs {
    /// The saved token to check [default: the one signing commands would use]
    #[arg(value_name = "AUTH_ID", add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub name: Option<String>,

    /// Print NetSuite's answer as JSON
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub credentials: CredentialArgs,
}

#[derive(Debug, Args)]
pub struct AuthRevokeArgs {
    /// The saved token to revoke
    #[arg(add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub auth_id: String,

    /// Consumer key of the integration record; given here it replaces the saved one
    #[arg(long, value_name = "KEY")]
    pub consumer_key: Option<String>,

    /// Read the consumer secret from the first line of stdin (else NSTBA_CONSUMER_SECRET)
    #[arg(long)]
    pub consumer_secret_stdin: bool,
}

#[derive(Debug, Args)]
pub struct AuthAddArgs {
    /// The name to save the token under
    pub auth_id: String,

    /// Account ID, such as 1234567 or 1234567_SB1 (needed for a new token)
    #[arg(long, env = "NSTBA_ACCOUNT", hide_env_values = true)]
    pub account: Option<String>,

    /// Token ID, from Setup > Users/Roles > Access Tokens (needed for a new token; without it,
    /// an existing entry only gets its consumer key and secret set)
    #[arg(
        long,
        env = "NSTBA_TOKEN_ID",
        hide_env_values = true,
        value_name = "ID"
    )]
    pub token_id: Option<String>,

    /// Consumer key of the integration record
    #[arg(
        long,
        env = "NSTBA_CONSUMER_KEY",
        hide_env_values = true,
        value_name = "KEY"
    )]
    pub consumer_key: Option<String>,

    /// Role ID the token was made for (shown in listings)
    #[arg(long)]
    pub role: Option<String>,

    /// Read the token secret from stdin even when NSTBA_TOKEN_SECRET is set
    #[arg(long)]
    pub token_secret_stdin: bool,

    /// Read the consumer secret from stdin even when NSTBA_CONSUMER_SECRET is set
    #[arg(long)]
    pub consumer_secret_stdin: bool,

    /// Replace a token already saved under this name
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct AuthListArgs {
    /// Also list tokens of other accounts than nstba.toml's, and entries nstba cannot use
    #[arg(long)]
    pub all: bool,

    /// Print JSON (stable; see the README)
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AuthInfoArgs {
    /// The saved token to show
    #[arg(add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub auth_id: String,

    /// Print JSON (stable; see the README)
    #[arg(long)]
    pub json: bool,
}
