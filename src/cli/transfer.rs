//! `deploy` and `fetch`: the File Cabinet transfers.

// Help text for a terminal, not rustdoc (as in cli/mod.rs).
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

use std::path::PathBuf;

use clap::Args;

use super::CredentialArgs;

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
    #[arg(long, default_value = "auto", value_name = "N|auto", add = clap_complete::ArgValueCandidates::new(super::jobs))]
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

    /// Replace local files that differ from the File Cabinet even when nstba did not write
    /// them there (their local changes are lost)
    #[arg(long)]
    pub overwrite: bool,

    #[command(flatten)]
    pub transfer: TransferArgs,
}
