//! Messages for people, on stderr (data goes to stdout, never here). `-q` silences
//! information; warnings and errors always show. `-v` adds request lines.

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1);

/// 0 quiet, 1 normal, 2 and more verbose.
pub fn set_level(quiet: bool, verbose: u8) {
    let level = if quiet { 0 } else { 1 + verbose };
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn is_quiet() -> bool {
    LEVEL.load(Ordering::Relaxed) == 0
}

pub fn is_verbose() -> bool {
    LEVEL.load(Ordering::Relaxed) >= 2
}

/// Progress and results for people.
pub fn info(msg: impl AsRef<str>) {
    if !is_quiet() {
        eprintln!("{}", msg.as_ref());
    }
}

pub fn warn(msg: impl AsRef<str>) {
    eprintln!("warning: {}", msg.as_ref());
}

/// Request traces for `-v`.
pub fn verbose(msg: impl AsRef<str>) {
    if is_verbose() {
        eprintln!("{}", msg.as_ref());
    }
}

/// Whether nstba may ask questions: never with `--no-input`/`NSTBA_NO_INPUT`, never with `CI`
/// set, never when stdin is not a terminal (SPEC 5).
pub fn can_prompt(no_input: bool) -> bool {
    let ci = std::env::var("CI")
        .map(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
        .unwrap_or(false);
    !no_input && !ci && std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

/// A progress bar over `total_bytes` on stderr, only on a terminal and never with `-q`;
/// otherwise a hidden one that costs nothing.
pub fn progress(total_bytes: u64, files: usize) -> indicatif::ProgressBar {
    if is_quiet() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total_bytes);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30.cyan/blue} {bytes}/{total_bytes} {msg} ({elapsed})",
    ) {
        bar.set_style(style);
    }
    bar.set_message(format!("0/{files} files"));
    bar
}
