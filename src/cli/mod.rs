//! Every command, flag, environment variable and help text, with clap derive. Parsing only:
//! the commands build their configuration from these after parsing.

// These doc comments are the help text people read in a terminal (`[default: ...]`,
// `[restlet]`), not rustdoc links or HTML.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

mod auth;
mod call;
mod lasting;
#[cfg(test)]
mod tests;
mod transfer;

pub use auth::*;
pub use call::*;
pub use lasting::*;
pub use transfer::*;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Where completion finds the saved auth IDs: set by the commands layer
/// (`commands::complete::install`) before the shell is answered, so that parsing never reads
/// the store itself.
/// The source takes the kind of entry wanted (`None`: every kind).
pub static SAVED_AUTH_IDS: std::sync::OnceLock<
    fn(Option<crate::store::Kind>) -> Vec<clap_complete::CompletionCandidate>,
> = std::sync::OnceLock::new();

/// The saved auth IDs, for shell completion (`--to <TAB>`), as the installed source gives them.
pub(crate) fn saved_auth_ids() -> Vec<clap_complete::CompletionCandidate> {
    SAVED_AUTH_IDS
        .get()
        .map(|source| source(None))
        .unwrap_or_default()
}

/// The saved TBA tokens only (`auth migrate`, which moves a TBA token).
pub(crate) fn saved_tba_ids() -> Vec<clap_complete::CompletionCandidate> {
    SAVED_AUTH_IDS
        .get()
        .map(|source| source(Some(crate::store::Kind::Tba)))
        .unwrap_or_default()
}

/// The parser with each command's usage fixed to what it requires (issue 19): clap's error
/// usage lists the arguments a command line used, values from the environment and a misspelt
/// flag's suggestion too (`Usage: nstba sign --netsuite-url <URL> <METHOD> <URL>` with
/// NSTBA_NETSUITE_URL set), which reads as if they were required.
pub fn command() -> clap::Command {
    fn fix(cmd: &mut clap::Command) {
        let usage = cmd.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ").to_string();
        for sub in cmd.get_subcommands_mut() {
            fix(sub);
        }
        *cmd = std::mem::take(cmd).override_usage(usage);
    }
    let mut cmd = <Cli as clap::CommandFactory>::command();
    cmd.build();
    fix(&mut cmd);
    cmd
}

/// Parses the command line with [`command`]'s usage lines (exits on a usage error, as clap
/// does).
pub fn parse() -> Cli {
    let matches = command().get_matches();
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// Fixed candidates for a flag's value.
pub(crate) fn candidates(values: &[&str]) -> Vec<clap_complete::CompletionCandidate> {
    values
        .iter()
        .map(|v| clap_complete::CompletionCandidate::new(*v))
        .collect()
}

pub(crate) fn algorithms() -> Vec<clap_complete::CompletionCandidate> {
    candidates(&["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"])
}

pub(crate) fn scopes() -> Vec<clap_complete::CompletionCandidate> {
    candidates(&["restlets", "rest_webservices", "suite_analytics"])
}

pub(crate) fn jobs() -> Vec<clap_complete::CompletionCandidate> {
    candidates(&["auto", "1", "2", "4", "8", "16"])
}

/// NetSuite from the command line: get, keep and use TBA and OAuth 2.0 credentials, deploy and
/// fetch File Cabinet folders, and call REST, RESTlets and SuiteQL.
#[derive(Debug, Parser)]
#[command(
    name = "nstba",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("NSTBA_GIT_COMMIT"), ")"),
    propagate_version = true,
    max_term_width = 200
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
    #[arg(
        long,
        global = true,
        env = "NSTBA_STORE",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub store: Option<PathBuf>,

    /// Send every request to this base URL instead of NetSuite's domains (the emulator, a proxy)
    #[arg(
        long,
        global = true,
        env = "NSTBA_NETSUITE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub netsuite_url: Option<String>,

    /// Never prompt; fail with what to pass instead (also when CI is set or stdin is no terminal)
    #[arg(long, global = true, env = "NSTBA_NO_INPUT", hide_env_values = true,
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

    /// Do not ask before the login that a --to name not saved yet starts
    #[arg(long)]
    pub yes: bool,
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
    /// Serve NetSuite's MCP server (the AI Connector Service) to an AI agent over stdio, with
    /// a saved OAuth 2.0 login for the mcp scope, refreshed as needed
    #[command(
        after_help = "Examples:\n  nstba mcp --to ai   # in the agent's MCP configuration: command nstba, args [\"mcp\", \"--to\", \"ai\"]\n  nstba auth login ai --oauth2 --client-id \"$CLIENT_ID\" --scope mcp   # the login it needs"
    )]
    Mcp(McpArgs),
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
