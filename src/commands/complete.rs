//! Shell completion (docs/design.md §6): the registration `nstba completions SHELL` prints, and
//! the saved auth IDs offered after `--to` and for every AUTH_ID argument. Completion never
//! prints an error: an unreadable store offers nothing.

use anyhow::Result;
use clap::CommandFactory as _;
use clap_complete::CompletionCandidate;

use crate::cli::Cli;
use crate::store::{Store, StorePath, validate_auth_id};

/// Makes the saved auth IDs the candidates of the parser's AUTH_ID arguments.
pub fn install() {
    let _ = crate::cli::SAVED_AUTH_IDS.set(saved_auth_ids);
}

/// The saved auth IDs, with kind and account as help, from the store every command would use
/// (`--store` on the line being completed, else `NSTBA_STORE`, else `~/.nstba`). The shell
/// puts a candidate on the command line as it is, so only valid auth IDs are offered (a key
/// such as `x;touch ~/PWNED;` would run), and the help, which comes from the store too, is
/// escaped.
fn saved_auth_ids(kind: Option<crate::store::Kind>) -> Vec<CompletionCandidate> {
    let words: Vec<String> = std::env::args().skip_while(|a| a != "--").skip(1).collect();
    let explicit = store_flag(&words).or_else(|| crate::config::env_var("NSTBA_STORE"));
    let Ok(path) = StorePath::resolve(explicit.as_deref().map(std::path::Path::new)) else {
        return Vec::new();
    };
    let Ok(store) = Store::load(&path) else {
        return Vec::new();
    };
    store
        .entries()
        .into_iter()
        .filter(|(id, _)| validate_auth_id(id).is_ok())
        .filter(|(_, entry)| kind.is_none_or(|k| entry.as_ref().is_ok_and(|e| e.kind() == k)))
        .map(|(id, entry)| {
            let help = entry
                .map(|e| format!("{} {}", e.kind(), e.account()))
                .unwrap_or_else(|_| "unreadable entry".into());
            CompletionCandidate::new(id).help(Some(crate::ui::escape(&help).into()))
        })
        .collect()
}

/// The value of `--store` among the words of the command line being completed.
fn store_flag(words: &[String]) -> Option<String> {
    let mut found = None;
    for (i, word) in words.iter().enumerate() {
        if word == "--" {
            break;
        }
        if let Some(value) = word.strip_prefix("--store=") {
            found = Some(value.to_string());
        } else if word == "--store" {
            found = words.get(i + 1).cloned();
        }
    }
    found.filter(|v| !v.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_flag_of_the_line_being_completed() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            store_flag(&words(&["nstba", "--store", "/a", "auth", "info", ""])).as_deref(),
            Some("/a")
        );
        assert_eq!(
            store_flag(&words(&["nstba", "auth", "info", "--store=/b", "x"])).as_deref(),
            Some("/b")
        );
        assert_eq!(store_flag(&words(&["nstba", "auth", "info", ""])), None);
    }
}
