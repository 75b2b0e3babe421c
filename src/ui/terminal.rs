//! The terminal: whether nstba may ask, a prompt that always gives the cursor back, Ctrl-C as
//! exit 130 on every platform, and bytes a Windows console can take (docs/design.md §5, §16).

use std::io::IsTerminal as _;

/// Whether nstba may ask questions: never with `--no-input`/`NSTBA_NO_INPUT`, never with `CI`
/// set, never when stdin is not a terminal (docs/design.md §5), and never in Git Bash's
/// mintty, whose pty is a pipe no console can read keys from (with a hint, once).
pub fn can_prompt(no_input: bool) -> bool {
    let ci = in_ci();
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !no_input && !ci && terminal && is_mintty() {
        super::info(
            "Git Bash's terminal (mintty) cannot answer nstba's questions, so none are asked: \
             run nstba through winpty (winpty nstba ...), or pass the values as flags or \
             variables",
        );
        return false;
    }
    !no_input && !ci && terminal
}

/// Why nstba may not ask here, for messages that need a question answered: the first of
/// `NSTBA_NO_INPUT`, `CI`, stdin not a terminal, else `--no-input`.
pub fn no_prompt_reason() -> &'static str {
    if std::env::var("NSTBA_NO_INPUT").is_ok_and(|v| !v.is_empty()) {
        "NSTBA_NO_INPUT is set"
    } else if in_ci() {
        "CI is set"
    } else if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        "this is not a terminal"
    } else {
        "--no-input was given"
    }
}

/// Whether `CI` is set (to anything but empty, `0` or `false`), as CI services set it.
pub fn in_ci() -> bool {
    std::env::var("CI")
        .map(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
        .unwrap_or(false)
}

/// Git Bash's mintty: Rust counts its pty pipes (`\\msys-…-pty0-from-master`) as a terminal,
/// but they are not a console, so no prompt can read keys from them.
fn is_mintty() -> bool {
    #[cfg(windows)]
    {
        use std::os::windows::io::AsRawHandle as _;
        let handle = std::io::stdin().as_raw_handle();
        let mut mode = 0;
        // SAFETY: GetConsoleMode only reads the handle's mode into `mode`.
        let console = unsafe {
            windows_sys::Win32::System::Console::GetConsoleMode(handle as _, &mut mode) != 0
        };
        !console
    }
    #[cfg(not(windows))]
    false
}

/// What goes to a Windows console: it takes only UTF-8, so other bytes (a binary answer
/// printed on the terminal) are shown as U+FFFD instead of failing the write (docs/design.md
/// §16). Elsewhere, and into files and pipes, the bytes go as they are.
pub fn for_console(bytes: &[u8], console: bool) -> std::borrow::Cow<'_, [u8]> {
    match std::str::from_utf8(bytes) {
        Err(_) if console => {
            std::borrow::Cow::Owned(String::from_utf8_lossy(bytes).into_owned().into_bytes())
        }
        _ => std::borrow::Cow::Borrowed(bytes),
    }
}

/// Windows: Ctrl-C (and Ctrl-Break) anywhere ends nstba with exit 130, as SIGINT does in a Unix
/// shell, with the cursor shown again (a prompt hides it), instead of 0xC000013A. Waits that
/// handle Ctrl-C themselves (the login's listener) register their own handler, which Windows
/// calls first.
pub fn install_ctrl_c_exit() {
    #[cfg(windows)]
    {
        unsafe extern "system" fn on_ctrl(kind: u32) -> windows_sys::core::BOOL {
            use windows_sys::Win32::System::Console::{CTRL_BREAK_EVENT, CTRL_C_EVENT};
            if kind == CTRL_C_EVENT || kind == CTRL_BREAK_EVENT {
                let _ = console::Term::stderr().show_cursor();
                eprintln!("\ncancelled (Ctrl-C)");
                std::process::exit(130);
            }
            0
        }
        // SAFETY: the handler is a plain function that lives as long as the process.
        unsafe {
            windows_sys::Win32::System::Console::SetConsoleCtrlHandler(Some(on_ctrl), 1);
        }
    }
}

/// Runs a prompt so that the cursor is shown again whatever happens: dialoguer hides it, and
/// a Ctrl-C (read as a key in raw mode, or as SIGINT between reads) or an Esc would leave it
/// hidden. Ctrl-C becomes exit 130.
pub fn prompt<T>(ask: impl FnOnce() -> dialoguer::Result<T>) -> anyhow::Result<T> {
    #[cfg(unix)]
    let previous = sigint::install();
    let result = ask();
    #[cfg(unix)]
    sigint::restore(previous);
    let _ = console::Term::stderr().show_cursor();
    match result {
        Ok(v) => Ok(v),
        Err(dialoguer::Error::IO(e)) if e.kind() == std::io::ErrorKind::Interrupted => {
            Err(crate::error::Failure::new(
                crate::error::ExitKind::Interrupted,
                "cancelled (Ctrl-C); nothing was changed",
            )
            .into())
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(unix)]
mod sigint {
    /// SIGINT while a prompt is up: show the cursor and leave with 130. Only
    /// async-signal-safe calls (write, _exit).
    extern "C" fn on_sigint(_: libc::c_int) {
        const SHOW: &[u8] = b"\x1b[?25h\n";
        // SAFETY: write and _exit are async-signal-safe; the buffer is static.
        unsafe {
            libc::write(2, SHOW.as_ptr().cast(), SHOW.len());
            libc::_exit(130);
        }
    }

    pub fn install() -> libc::sigaction {
        // SAFETY: a zeroed sigaction is valid; the handler only makes async-signal-safe calls.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
            let mut previous: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGINT, &action, &mut previous);
            previous
        }
    }

    pub fn restore(previous: libc::sigaction) {
        // SAFETY: puts back the action that `install` replaced.
        unsafe {
            libc::sigaction(libc::SIGINT, &previous, std::ptr::null_mut());
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn consoles_get_text_files_get_bytes() {
        let binary = b"ok \xff\xfe end";
        assert_eq!(&*super::for_console(binary, false), binary.as_slice());
        assert_eq!(
            &*super::for_console(binary, true),
            "ok \u{fffd}\u{fffd} end".as_bytes()
        );
        assert_eq!(&*super::for_console("ü".as_bytes(), true), "ü".as_bytes());
    }
}
