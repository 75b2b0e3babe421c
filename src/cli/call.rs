//! The calls: `sign`, `request`, `suiteql`.

// Help text for a terminal, not rustdoc (as in cli/mod.rs).
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::Args;

use super::CredentialArgs;

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

#[derive(Debug, Args)]
pub struct McpArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,
}
