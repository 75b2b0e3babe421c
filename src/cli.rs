//! Every command, flag, environment variable and help text, with clap derive. Parsing only:
//! the commands build their configuration from these after parsing.

// These doc comments are the help text people read in a terminal (`[default: ...]`,
// `[restlet]`), not rustdoc links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Where completion finds the saved auth IDs: set by the commands layer
/// (`commands::complete::install`) before the shell is answered, so that parsing never reads
/// the store itself.
pub static SAVED_AUTH_IDS: std::sync::OnceLock<fn() -> Vec<clap_complete::CompletionCandidate>> =
    std::sync::OnceLock::new();

/// The saved auth IDs, for shell completion (`--to <TAB>`), as the installed source gives them.
fn saved_auth_ids() -> Vec<clap_complete::CompletionCandidate> {
    SAVED_AUTH_IDS
        .get()
        .map(|source| source())
        .unwrap_or_default()
}

/// NetSuite from the command line: get, keep and use TBA and OAuth 2.0 credentials, deploy and
/// fetch File Cabinet folders, and call REST, RESTlets and SuiteQL.
#[derive(Debug, Parser)]
#[command(
    name = "nstba",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("NSTBA_GIT_COMMIT"), ")"),
    propagate_version = true,
    max_term_width = 100
)]
#[command(
    after_help = "Exit codes: 0 success, 1 error, 2 usage, 3 credentials rejected or \
authorization denied, 4 some files failed, 5 network failure or timeout, 130 interrupted."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// The token store [default: ~/.nstba]
    #[arg(long, global = true, env = "NSTBA_STORE", value_name = "PATH")]
    pub store: Option<PathBuf>,

    /// Send every request to this base URL instead of NetSuite's domains (the emulator, a proxy)
    #[arg(long, global = true, env = "NSTBA_NETSUITE_URL", value_name = "URL")]
    pub netsuite_url: Option<String>,

    /// Never prompt; fail with what to pass instead (also when CI is set or stdin is no terminal)
    #[arg(long, global = true, env = "NSTBA_NO_INPUT",
          value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false,
          num_args = 0, default_missing_value = "true")]
    pub no_input: bool,

    /// Show each request's method, URL, status and time on stderr (never a secret)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print only data and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// How a signing command picks its token (see `nstba help auth` and the README).
#[derive(Debug, Args, Clone, Default)]
pub struct CredentialArgs {
    /// Use this saved token; a name not saved yet runs the login flow; no value opens a picker
    #[arg(long, value_name = "AUTH_ID", num_args = 0..=1, conflicts_with = "auth_id", add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub to: Option<Option<String>>,

    /// Use this saved token
    #[arg(long, value_name = "AUTH_ID", add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub auth_id: Option<String>,

    /// Consumer key of the integration record; given here it replaces the saved one
    /// (NSTBA_CONSUMER_KEY only fills tokens saved without one)
    #[arg(long, value_name = "KEY")]
    pub consumer_key: Option<String>,

    /// Read the consumer secret from the first line of stdin; it replaces the saved one (a
    /// rotated secret)
    #[arg(long)]
    pub consumer_secret_stdin: bool,

    /// The account meant: a token for another account is refused, and it overrides account
    /// in nstba.toml (the account guard)
    #[arg(long, value_name = "ACCOUNT")]
    pub account: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Get, save, list, inspect, verify, rename, remove and revoke tokens
    #[command(subcommand)]
    #[command(
        after_help = "Examples:\n  nstba auth login sandbox --account 1234567_SB1\n  nstba auth list\n  nstba auth verify sandbox\n  nstba auth logout sandbox"
    )]
    Auth(AuthCommand),
    /// Print the Authorization header value for a request (for curl, Postman, other tools)
    #[command(
        after_help = "Examples:\n  nstba sign GET \"https://1234567.restlets.api.netsuite.com/app/site/hosting/restlet.nl?script=1&deploy=1\" --to prod\n  curl -H \"Authorization: $(nstba sign GET \"$URL\")\" \"$URL\"\n  nstba sign POST \"$URL\" --explain"
    )]
    Sign(SignArgs),
    /// Send a signed request to NetSuite and print the response body
    #[command(
        after_help = "Examples:\n  nstba request GET /services/rest/record/v1/customer/42 --to sandbox\n  nstba request POST /services/rest/record/v1/customer -d '{\"companyName\":\"Acme\"}'\n  nstba request GET \"/app/site/hosting/restlet.nl?script=12&deploy=1\" -i"
    )]
    Request(RequestArgs),
    /// Run a SuiteQL query and stream every row (all pages)
    #[command(
        after_help = "Examples:\n  nstba suiteql 'SELECT id, companyname FROM customer' --to sandbox\n  nstba suiteql 'SELECT id, tranid FROM transaction' --format csv > transactions.csv\n  nstba suiteql 'SELECT COUNT(*) AS n FROM employee' --format json"
    )]
    Suiteql(SuiteqlArgs),
    /// Upload a local folder to the File Cabinet through the companion RESTlet
    #[command(
        after_help = "Examples:\n  nstba deploy dist --target SuiteScripts/my-app --to sandbox\n  nstba deploy --dry-run\n  nstba deploy dist --target SuiteScripts/my-app --json --jobs 5"
    )]
    Deploy(DeployArgs),
    /// Download a File Cabinet folder through the companion RESTlet
    #[command(
        after_help = "Examples:\n  nstba fetch SuiteScripts/my-app --out backup --to prod\n  nstba fetch SuiteScripts/my-app --dry-run\n  nstba fetch --json"
    )]
    Fetch(FetchArgs),
    /// Print shell completions
    #[command(
        after_help = "Examples:\n  nstba completions bash > ~/.local/share/bash-completion/completions/nstba\n  nstba completions zsh > \"${fpath[1]}/_nstba\"\n  nstba completions fish > ~/.config/fish/completions/nstba.fish"
    )]
    Completions {
        /// bash, zsh, fish, elvish or powershell
        shell: clap_complete::Shell,
    },
}

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
        after_help = "Examples:\n  nstba auth keygen --out keys\n  nstba auth keygen --out keys --algorithm ES256 --days 365 --name \"CI deploys\""
    )]
    Keygen(AuthKeygenArgs),
    /// Replace a TBA token with an OAuth 2.0 one under the same name (scripts keep working)
    #[command(
        after_help = "Examples:\n  nstba auth migrate sandbox --client-id \"$CLIENT_ID\"\n  nstba auth migrate sandbox --client-id \"$CLIENT_ID\" --keep"
    )]
    Migrate(AuthMigrateArgs),
}

#[derive(Debug, Args)]
pub struct AuthMigrateArgs {
    /// The saved TBA token to replace
    #[arg(value_name = "TBA_AUTH_ID", add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub auth_id: String,

    /// Keep the TBA token, saved as TBA_AUTH_ID-tba (and active in NetSuite); without it, it is
    /// revoked in NetSuite and removed
    #[arg(long)]
    pub keep: bool,

    #[command(flatten)]
    pub oauth2: OAuth2Args,

    #[command(flatten)]
    pub browser: BrowserArgs,
}

/// How a login's browser part runs (`auth login` and `auth migrate`).
#[derive(Debug, Args, Clone)]
pub struct BrowserArgs {
    /// Where NetSuite sends the browser back: the integration record's callback URL (TBA) or
    /// redirect URI (OAuth 2.0). Port 0 picks a free port (for TBA records whose callback is
    /// http://localhost:*)
    #[arg(long, env = "NSTBA_CALLBACK_URL", value_name = "URL",
          default_value = crate::auth::callback::DEFAULT_CALLBACK)]
    pub callback_url: String,

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
    /// The OAuth 2.0 integration record's client ID
    #[arg(long, env = "NSTBA_CLIENT_ID", value_name = "ID")]
    pub client_id: Option<String>,

    /// A public client: no client secret (its refresh tokens work once)
    #[arg(long)]
    pub public: bool,

    /// OAuth 2.0 scopes: restlets, rest_webservices, suite_analytics (repeatable, or
    /// space-separated) [default: restlets rest_webservices]
    #[arg(long, value_name = "SCOPE")]
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
    /// The saved token to log out of
    #[arg(add = clap_complete::ArgValueCandidates::new(saved_auth_ids))]
    pub auth_id: String,

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
    #[arg(long, env = "NSTBA_ACCOUNT")]
    pub account: String,

    /// The integration record's client ID
    #[arg(long, env = "NSTBA_CLIENT_ID", value_name = "ID")]
    pub client_id: String,

    /// The certificate ID NetSuite gave when the certificate was uploaded (it may start with
    /// '-': write --certificate-id=-abc)
    #[arg(
        long,
        env = "NSTBA_CERTIFICATE_ID",
        value_name = "KID",
        allow_hyphen_values = true
    )]
    pub certificate_id: String,

    /// The private key file (PEM, PKCS#8), as `nstba auth keygen` writes it
    #[arg(long, value_name = "PATH")]
    pub private_key: std::path::PathBuf,

    /// PS256, PS384, PS512, ES256, ES384 or ES512 [default: from the key: PS256 for RSA, the
    /// ES algorithm of an EC key's curve]
    #[arg(long, value_name = "ALG")]
    pub algorithm: Option<String>,

    /// Scopes: restlets, rest_webservices, suite_analytics [default: restlets
    /// rest_webservices]
    #[arg(long, value_name = "SCOPE")]
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
    #[arg(long, default_value = "PS256", value_name = "ALG")]
    pub algorithm: String,

    /// Days the certificate is valid (NetSuite accepts at most two years)
    #[arg(long, default_value_t = 730, value_parser = clap::value_parser!(u32).range(1..=730))]
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
    #[arg(long, env = "NSTBA_ACCOUNT")]
    pub account: Option<String>,

    /// Role ID to ask for (the user can still change it on the consent page)
    #[arg(long, value_name = "ID")]
    pub role: Option<String>,

    #[command(flatten)]
    pub browser: BrowserArgs,

    /// Consumer key of the integration record
    #[arg(long, env = "NSTBA_CONSUMER_KEY", value_name = "KEY")]
    pub consumer_key: Option<String>,

    /// Read the consumer secret from the first line of stdin (else NSTBA_CONSUMER_SECRET)
    #[arg(long)]
    pub consumer_secret_stdin: bool,

    /// Replace a token already saved under this name
    #[arg(long)]
    pub force: bool,

    /// Log in with OAuth 2.0 (authorization code with PKCE) instead of TBA
    #[arg(long, requires = "client_id")]
    pub oauth2: bool,

    #[command(flatten)]
    pub oauth2_client: OAuth2Args,

    /// With --force: keep the replaced token active in NetSuite (by default it is revoked once
    /// the new one is saved)
    #[arg(long, requires = "force")]
    pub keep_old: bool,
}

#[derive(Debug, Args)]
pub struct AuthVerifyArgs {
    /// The saved token to check [default: the one signing commands would use]
    #[arg(value_name = "AUTH_ID")]
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
    #[arg(long, env = "NSTBA_ACCOUNT")]
    pub account: Option<String>,

    /// Token ID, from Setup > Users/Roles > Access Tokens (needed for a new token; without it,
    /// an existing entry only gets its consumer key and secret set)
    #[arg(long, env = "NSTBA_TOKEN_ID", value_name = "ID")]
    pub token_id: Option<String>,

    /// Consumer key of the integration record
    #[arg(long, env = "NSTBA_CONSUMER_KEY", value_name = "KEY")]
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

#[derive(Debug, Args)]
pub struct SignArgs {
    /// HTTP method
    pub method: String,

    /// A full URL, or a path (/services/rest/..., /app/site/hosting/restlet.nl?...) on the
    /// token's account
    pub url: String,

    /// Use this nonce instead of a random one
    #[arg(long)]
    pub nonce: Option<String>,

    /// Use this Unix timestamp instead of now
    #[arg(long)]
    pub timestamp: Option<u64>,

    /// An application/x-www-form-urlencoded body whose parameters are signed
    #[arg(long, value_name = "BODY")]
    pub form: Option<String>,

    /// Also print the base string and the sorted parameters on stderr (never the key)
    #[arg(long)]
    pub explain: bool,

    /// Sign with the consumer secret alone, as flow step 1 (requesttoken) does
    #[arg(long, conflicts_with_all = ["to", "auth_id"])]
    pub no_token: bool,

    /// Leave out the realm (optional in the flow's own requests)
    #[arg(long)]
    pub no_realm: bool,

    /// Add oauth_callback (flow step 1)
    #[arg(long, value_name = "URL")]
    pub callback: Option<String>,

    /// Add oauth_verifier (flow step 3)
    #[arg(long, value_name = "VERIFIER")]
    pub verifier: Option<String>,

    #[command(flatten)]
    pub credentials: CredentialArgs,
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    /// HTTP method
    pub method: String,

    /// A full URL, or a path on the token's account (the domain follows the path)
    pub url: String,

    /// Request body: text, @FILE, or @- for stdin (sent as JSON unless -H says otherwise)
    #[arg(short = 'd', long = "data", value_name = "DATA|@FILE")]
    pub data: Option<String>,

    /// Extra header, 'Name: value' (repeatable)
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// Write the response body to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print the status line and headers before the body
    #[arg(short = 'i', long = "include")]
    pub include: bool,

    #[command(flatten)]
    pub credentials: CredentialArgs,
}

/// Which companion RESTlet to call (else nstba.toml's [restlet], else the defaults).
#[derive(Debug, Args, Clone, Default)]
pub struct RestletArgs {
    /// The RESTlet's script ID [default: [restlet] script, or customscript_nstba_filecabinet]
    #[arg(long, value_name = "ID")]
    pub script: Option<String>,

    /// The RESTlet's deployment ID [default: [restlet] deploy, or customdeploy_nstba_filecabinet]
    #[arg(long, value_name = "ID")]
    pub deployment: Option<String>,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// The local folder to upload [default: [deploy] source in nstba.toml]
    pub source: Option<PathBuf>,

    /// The File Cabinet folder to upload into, such as SuiteScripts/my-app
    /// [default: [deploy] target in nstba.toml]
    #[arg(long, value_name = "FOLDER")]
    pub target: Option<String>,

    /// Upload every file, changed or not
    #[arg(long)]
    pub force: bool,

    /// Hash every file to find what changed, even those whose size and modification time are
    /// as the last deploy recorded them
    #[arg(long)]
    pub checksum: bool,

    /// Also send hidden files and folders (names starting with '.', such as .env); without it
    /// only those that a '!' rule in .nstbaignore names go
    #[arg(long)]
    pub hidden: bool,

    #[command(flatten)]
    pub transfer: TransferArgs,
}

/// What deploy and fetch share: parallelism, a dry run, JSON, the RESTlet, the token.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// Calls in flight at once: auto finds the account's concurrency limit (shared with every
    /// other integration): it starts at 4, doubles each round while calls go through, and on a
    /// refusal shrinks to the calls the account accepted; a number fixes it
    #[arg(long, default_value = "auto", value_name = "N|auto")]
    pub jobs: crate::netsuite::limiter::Jobs,

    /// The most calls in flight that auto may reach
    #[arg(long, default_value_t = 16, value_name = "N",
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub max_jobs: u16,

    /// Say what would be sent or written, and do nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print a summary object on stdout (see the README)
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub restlet: RestletArgs,

    #[command(flatten)]
    pub credentials: CredentialArgs,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The File Cabinet folder to download [default: [deploy] target in nstba.toml]
    pub remote_folder: Option<String>,

    /// The local folder to write into [default: [fetch] out in nstba.toml, else the current
    /// folder]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub transfer: TransferArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RowFormat {
    /// One JSON object per line
    Ndjson,
    /// One JSON array
    Json,
    /// A header line, then one line per row
    Csv,
}

#[derive(Debug, Args)]
pub struct SuiteqlArgs {
    /// The query, such as "SELECT id, email FROM employee"; - reads it from stdin
    pub query: String,

    /// How rows are printed
    #[arg(long, value_enum, default_value_t = RowFormat::Ndjson)]
    pub format: RowFormat,

    /// Rows per page (NetSuite's limit parameter, 1 to 1000)
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub limit: u16,

    #[command(flatten)]
    pub credentials: CredentialArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    /// Splits a shell line into words (quotes, no expansion); stops at a comment.
    fn words(line: &str) -> Vec<String> {
        let (mut out, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
        for c in line.chars() {
            match (quote, c) {
                (None, '#') if !any => break,
                (None, '\'' | '"') => {
                    quote = Some(c);
                    any = true;
                }
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_whitespace() => {
                    if any {
                        out.push(std::mem::take(&mut word));
                        any = false;
                    }
                }
                (_, c) => {
                    word.push(c);
                    any = true;
                }
            }
        }
        if any {
            out.push(word);
        }
        out
    }

    /// Every command's help has an Examples section, every argument a description, and every
    /// example is an invocation this nstba accepts.
    #[test]
    fn every_command_has_examples_that_parse() {
        fn visit(cmd: &clap::Command, path: &str, seen: &mut usize) {
            let path = format!("{path} {}", cmd.get_name()).trim().to_string();
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" {
                    assert!(
                        arg.get_help().is_some(),
                        "{path}: argument {id} has no help"
                    );
                }
            }
            if path != "nstba" && cmd.get_subcommands().next().is_none() {
                let help = cmd
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                let examples: Vec<&str> = help
                    .split_once("Examples:\n")
                    .unwrap_or_else(|| panic!("{path}: no Examples section"))
                    .1
                    .lines()
                    .collect();
                assert!((2..=4).contains(&examples.len()), "{path}: {examples:?}");
                for example in examples {
                    // The nstba part of a pipeline or a substitution.
                    let part = example.rsplit('|').next().unwrap_or(example);
                    let part = part.split(['>', '<']).next().unwrap_or(part);
                    let Some(at) = part.find("nstba ") else {
                        continue;
                    };
                    let args = words(part[at..].trim_end_matches(')'));
                    if let Err(e) = Cli::try_parse_from(&args) {
                        panic!("{path}: example '{example}' does not parse: {e}");
                    }
                    *seen += 1;
                }
            }
            for sub in cmd.get_subcommands() {
                visit(sub, &path, seen);
            }
        }
        let mut seen = 0;
        visit(&Cli::command(), "", &mut seen);
        assert!(
            seen > 30 && seen < 1000,
            "{seen} examples; arguments without help above"
        );
    }
}
