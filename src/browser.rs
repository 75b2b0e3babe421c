//! Opening the consent page in a browser (docs/design.md §3): `NSTBA_BROWSER`, else `BROWSER`, else the
//! system opener. The URL is the last argument. The browser is started and never waited for,
//! so a browser that stays open cannot stall the login; its output is discarded so that it
//! cannot mix with nstba's data on stdout. Every child starts without the secret variables
//! ([`SECRET_VARS`]): a browser, its extensions and its crash reporter have no business with
//! them.

use std::process::{Command, Stdio};

use crate::ui;

/// Starts the browser on `url`. Failing to start one is only a warning: the URL was printed,
/// and it can also be opened by hand.
pub fn open(url: &str) {
    let configured = ["NSTBA_BROWSER", "BROWSER"]
        .into_iter()
        .find_map(crate::config::env_var);
    let started = match &configured {
        Some(command) => spawn_command(command, url),
        None => system_opener(url),
    };
    match started {
        Ok(()) => ui::verbose(format!(
            "opened the browser ({})",
            configured.as_deref().unwrap_or("the system opener")
        )),
        Err(e) => ui::warn(format!(
            "could not open a browser ({e}); open the address above by hand"
        )),
    }
}

/// The variables that hold secrets (docs/design.md §3): removed from every child's environment.
pub const SECRET_VARS: [&str; 5] = [
    "NSTBA_CONSUMER_SECRET",
    "NSTBA_TOKEN_SECRET",
    "NSTBA_TOKEN_ID",
    "NSTBA_CLIENT_SECRET",
    "NSTBA_PRIVATE_KEY",
];

/// Prepares a child: no secret in its environment, no stdin, output discarded.
pub fn scrub(cmd: &mut Command) -> &mut Command {
    for var in SECRET_VARS {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
}

/// The platform's opener (xdg-open, open, start), the first that starts.
fn system_opener(url: &str) -> std::io::Result<()> {
    let mut last = std::io::Error::other("no opener found for this platform");
    for mut cmd in open::commands(url) {
        match scrub(&mut cmd).spawn() {
            Ok(child) => {
                // Reap it in the background so that it leaves no zombie; never waited for here.
                std::thread::spawn(move || {
                    let mut child = child;
                    let _ = child.wait();
                });
                return Ok(());
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Runs a browser command line through the shell, as `$BROWSER` is meant to be used, with the
/// URL as the last argument (passed as `$1`, never spliced into the command text).
fn spawn_command(command: &str, url: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    let mut cmd = {
        let mut c = Command::new("/bin/sh");
        c.args(["-c", &format!("{command} \"$1\""), "nstba-browser", url]);
        c
    };
    #[cfg(not(unix))]
    let mut cmd = {
        let mut parts = command.split_whitespace();
        let mut c = Command::new(parts.next().unwrap_or(command));
        c.args(parts).arg(url);
        c
    };
    scrub(&mut cmd).spawn().map(drop)
}
