//! The `nstba` binary: parse, run, print the error, exit with its code. Nothing else.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = nstba::cli::Cli::parse();
    match nstba::commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", nstba::ui::for_terminal(&format!("{err:#}")));
            ExitCode::from(nstba::error::exit_code(&err))
        }
    }
}
