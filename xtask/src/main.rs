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
    std::fs::write(dir.join(format!("{name}.1")), page)?;
    *written += 1;
    for sub in cmd.get_subcommands() {
        write_page(sub, &name, dir, written)?;
    }
    Ok(())
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
    }
}
