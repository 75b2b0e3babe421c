//! Shell completion (docs/design.md §6): the registration `nstba completions SHELL` prints, and
//! the saved auth IDs offered after `--to` and for every AUTH_ID argument. Completion never
//! prints an error: an unreadable store offers nothing.

use anyhow::Result;
use clap::CommandFactory as _;
use clap_complete::CompletionCandidate;

use crate::cli::Cli;
use crate::store::{Store, StorePath};

/// Makes the saved auth IDs the candidates of the parser's AUTH_ID arguments.
pub fn install() {
    let _ = crate::cli::SAVED_AUTH_IDS.set(saved_auth_ids);
}

/// The saved auth IDs, with kind and account as help: read from `NSTBA_STORE` or `~/.nstba`.
fn saved_auth_ids() -> Vec<CompletionCandidate> {
    let Ok(path) = StorePath::resolve(None) else {
        return Vec::new();
    };
    let Ok(store) = Store::load(&path) else {
        return Vec::new();
    };
    store
        .entries()
        .into_iter()
        .map(|(id, entry)| {
            let help = entry
                .map(|e| format!("{} {}", e.kind(), e.account()))
                .unwrap_or_else(|_| "unreadable entry".into());
            CompletionCandidate::new(id).help(Some(help.into()))
        })
        .collect()
}

/// The registration of dynamic completion for `shell`: the shell asks nstba itself for
/// candidates (`COMPLETE=SHELL nstba -- WORDS`), so saved auth IDs complete after --to.
pub fn registration(shell: clap_complete::Shell) -> Result<Vec<u8>> {
    use clap_complete::env::EnvCompleter as _;
    let mut out = Vec::new();
    let (var, name) = ("COMPLETE", "nstba");
    match shell {
        clap_complete::Shell::Bash => {
            clap_complete::env::Bash.write_registration(var, name, name, name, &mut out)
        }
        clap_complete::Shell::Zsh => {
            clap_complete::env::Zsh.write_registration(var, name, name, name, &mut out)
        }
        clap_complete::Shell::Fish => {
            clap_complete::env::Fish.write_registration(var, name, name, name, &mut out)
        }
        clap_complete::Shell::Elvish => {
            clap_complete::env::Elvish.write_registration(var, name, name, name, &mut out)
        }
        clap_complete::Shell::PowerShell => {
            clap_complete::env::Powershell.write_registration(var, name, name, name, &mut out)
        }
        _ => {
            clap_complete::generate(shell, &mut Cli::command(), name, &mut out);
            Ok(())
        }
    }?;
    Ok(out)
}
