//! Project chores: `cargo run -p xtask -- man [DIR]` writes a man page per nstba command
//! (`nstba.1`, `nstba-auth.1`, `nstba-auth-login.1`, ...) into DIR (default `target/man`).

use std::path::{Path, PathBuf};

use clap::CommandFactory as _;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("man") => {
            let dir = args
                .get(1)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("target/man"));
            match man_pages(&dir) {
                Ok(n) => {
                    eprintln!("{n} man pages in {}", dir.display());
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!(
                        "error: cannot write the man pages in {}: {e}",
                        dir.display()
                    );
                    std::process::ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- man [DIR]");
            std::process::ExitCode::from(2)
        }
    }
}

/// Writes one page per command and subcommand; returns how many.
fn man_pages(dir: &Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut cmd = nstba::cli::Cli::command();
    cmd.build();
    let mut written = 0;
    write_page(&cmd, "", dir, &mut written)?;
    Ok(written)
}

fn write_page(
    cmd: &clap::Command,
    parent: &str,
    dir: &Path,
    written: &mut usize,
) -> std::io::Result<()> {
    if cmd.get_name() == "help" {
        return Ok(());
    }
    let name = if parent.is_empty() {
        cmd.get_name().to_string()
    } else {
        format!("{parent}-{}", cmd.get_name())
    };
    let mut page = Vec::new();
    // A one-shot tool: the few names live until it exits.
    let title: &'static str = Box::leak(name.clone().into_boxed_str());
    clap_mangen::Man::new(cmd.clone().name(title)).render(&mut page)?;
    let page = with_value_names(cmd, &String::from_utf8_lossy(&page));
    std::fs::write(dir.join(format!("{name}.1")), page)?;
    *written += 1;
    for sub in cmd.get_subcommands() {
        write_page(sub, &name, dir, written)?;
    }
    Ok(())
}

/// The synopsis with each option's value name (`[--nonce N]`, not `[--nonce]`), as the help's
/// usage and the OPTIONS section show them (issue 19); clap_mangen writes the names alone.
fn with_value_names(cmd: &clap::Command, page: &str) -> String {
    let roff = |s: &str| s.replace('-', "\\-");
    let Some((head, rest)) = page.split_once(".SH SYNOPSIS\n") else {
        return page.to_string();
    };
    let (synopsis, tail) = rest.split_once(".SH").unwrap_or((rest, ""));
    let mut synopsis = synopsis.to_string();
    for arg in cmd.get_arguments() {
        let (Some(long), true) = (arg.get_long(), arg.get_action().takes_values()) else {
            continue;
        };
        let value = arg
            .get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.to_string())
            .unwrap_or_else(|| arg.get_id().as_str().to_ascii_uppercase());
        let with_short = arg
            .get_short()
            .map(|c| format!("[\\fB\\-{c}\\fR|\\fB\\-\\-{}\\fR]", roff(long)));
        let alone = format!("[\\fB\\-\\-{}\\fR]", roff(long));
        for plain in with_short.into_iter().chain([alone]) {
            let named = format!("{} \\fI{}\\fR]", &plain[..plain.len() - 1], roff(&value));
            synopsis = synopsis.replace(&plain, &named);
        }
    }
    if tail.is_empty() {
        return format!("{head}.SH SYNOPSIS\n{synopsis}");
    }
    format!("{head}.SH SYNOPSIS\n{synopsis}.SH{tail}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_page_per_command_with_its_examples() {
        let dir = tempfile::tempdir().unwrap();
        let n = super::man_pages(dir.path()).unwrap();
        assert!(n > 20, "{n} pages");
        let login = std::fs::read_to_string(dir.path().join("nstba-auth-login.1")).unwrap();
        assert!(login.starts_with(".ie") || login.contains(".TH"), "{login}");
        assert!(
            login.contains("Examples"),
            "the help's examples are in the page"
        );
        assert!(dir.path().join("nstba-deploy.1").exists());
        // The synopsis names each option's value.
        let sign = std::fs::read_to_string(dir.path().join("nstba-sign.1")).unwrap();
        let synopsis = sign
            .split(".SH SYNOPSIS")
            .nth(1)
            .unwrap()
            .split(".SH")
            .next()
            .unwrap();
        assert!(
            synopsis.contains(r"[\fB\-\-nonce\fR \fINONCE\fR]"),
            "{synopsis}"
        );
        assert!(synopsis.contains(r"[\fB\-\-explain\fR]"), "{synopsis}");
    }
}
