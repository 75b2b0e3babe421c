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
        .find_map(|var| crate::config::env_var(var).map(|cmd| (var, cmd)));
    let which = match &configured {
        Some((var, command)) => format!("the browser {var} names ({command})"),
        None => "the system's browser opener".to_string(),
    };
    let started = match &configured {
        Some((_, command)) => spawn_command(command, url, which.clone()),
        None => system_opener(url),
    };
    match started {
        Ok(()) => ui::verbose(format!("started {which}")),
        Err(e) => ui::warn(format!(
            "could not start {which}: {e}; open the address above by hand"
        )),
    }
}

/// Reaps a started browser in the background (no zombie, never waited for here). A command
/// that ends with a failure opened nothing: a warning names it (a shell that could not find or
/// run the command exits 127 or 126; `false` or xdg-open without a desktop exit non-zero), and
/// the address stays printed above (docs/design.md §3, §12).
fn reap(child: std::process::Child, which: String) {
    std::thread::spawn(move || {
        let mut child = child;
        let Ok(status) = child.wait() else {
            return;
        };
        // A browser that stays open is not waited for; one that ends at once with a failure
        // (`BROWSER=false`, xdg-open on a machine without a desktop) did not open anything.
        let why = match status.code() {
            Some(126 | 127) => "the shell could not find or run it".to_string(),
            Some(0) => return,
            Some(code) => format!("it ended with exit status {code}"),
            None => "it was stopped by a signal".to_string(),
        };
        ui::warn(format!(
            "could not open {which}: {why}; open the address above by hand"
        ));
    });
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
/// A command's program, for messages.
fn program(cmd: &Command) -> String {
    cmd.get_program().to_string_lossy().into_owned()
}

fn system_opener(url: &str) -> std::io::Result<()> {
    let mut last = std::io::Error::other("no opener found for this platform");
    for mut cmd in open::commands(url) {
        match scrub(&mut cmd).spawn() {
            Ok(child) => {
                reap(
                    child,
                    format!("the system's browser opener ({})", program(&cmd)),
                );
                return Ok(());
            }
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// Runs a browser command line with the URL as its last argument. On Unix through the shell,
/// as `$BROWSER` is meant to be used (the URL passed as `$1`, never spliced into the command
/// text); on Windows split as Windows splits a command line, so `"C:\\Program Files\\...\\x.exe"
/// --new-window` works.
fn spawn_command(command: &str, url: &str, which: String) -> std::io::Result<()> {
    #[cfg(unix)]
    let mut cmd = {
        let mut c = Command::new("/bin/sh");
        c.args(["-c", &format!("{command} \"$1\""), "nstba-browser", url]);
        c
    };
    #[cfg(windows)]
    let mut cmd = {
        let words = split_windows(command);
        let Some((program, args)) = words.split_first() else {
            return Err(std::io::Error::other("the command is empty"));
        };
        let mut c = Command::new(program);
        c.args(args).arg(url);
        c
    };
    #[cfg(not(any(unix, windows)))]
    let mut cmd = {
        let mut parts = command.split_whitespace();
        let mut c = Command::new(parts.next().unwrap_or(command));
        c.args(parts).arg(url);
        c
    };
    let child = scrub(&mut cmd).spawn()?;
    reap(child, which);
    Ok(())
}

/// A command line split into words by Windows' own rules (CommandLineToArgvW): quotes group,
/// backslashes are literal unless they precede a quote.
#[cfg(windows)]
fn split_windows(line: &str) -> Vec<String> {
    use windows_sys::Win32::Foundation::{HLOCAL, LocalFree};
    if line.trim().is_empty() {
        return Vec::new(); // CommandLineToArgvW would answer with nstba's own path
    }
    let wide: Vec<u16> = line.encode_utf16().chain(Some(0)).collect();
    let mut n = 0;
    // SAFETY: the string is NUL-terminated; the array the call returns holds n pointers to
    // NUL-terminated strings and is freed with LocalFree, as its documentation says.
    unsafe {
        let argv = windows_sys::Win32::UI::Shell::CommandLineToArgvW(wide.as_ptr(), &mut n);
        if argv.is_null() {
            return line.split_whitespace().map(str::to_string).collect();
        }
        let words = (0..n as usize)
            .map(|i| {
                let p = *argv.add(i);
                let mut len = 0;
                while *p.add(len) != 0 {
                    len += 1;
                }
                String::from_utf16_lossy(std::slice::from_raw_parts(p, len))
            })
            .collect();
        LocalFree(argv as HLOCAL);
        words
    }
}

#[cfg(all(test, windows))]
mod tests {
    #[test]
    fn windows_command_lines_keep_quoted_paths_whole() {
        assert_eq!(
            super::split_windows(r#""C:\Program Files\My Browser\browser.exe" --new-window"#),
            [r"C:\Program Files\My Browser\browser.exe", "--new-window"]
        );
        assert_eq!(super::split_windows(r"C:\tools\b.exe"), [r"C:\tools\b.exe"]);
        assert!(super::split_windows("  ").is_empty());
    }
}
