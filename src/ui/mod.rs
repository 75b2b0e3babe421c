//! Messages for people, on stderr (data goes to stdout, never here). `-q` silences
//! information; warnings and errors always show. `-v` adds request lines.

use std::io::IsTerminal as _;

mod terminal;
use std::sync::atomic::{AtomicU8, Ordering};
pub use terminal::{can_prompt, for_console, in_ci, install_ctrl_c_exit, no_prompt_reason, prompt};

static LEVEL: AtomicU8 = AtomicU8::new(1);

/// 0 quiet, 1 normal, 2 and more verbose. Also turns colour off (prompts, progress bars)
/// when `NO_COLOR` is set to anything (no-color.org).
pub fn set_level(quiet: bool, verbose: u8) {
    let level = if quiet { 0 } else { 1 + verbose };
    LEVEL.store(level, Ordering::Relaxed);
    if no_color() {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
}

/// Whether `NO_COLOR` asks for no colour.
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub fn is_quiet() -> bool {
    LEVEL.load(Ordering::Relaxed) == 0
}

pub fn is_verbose() -> bool {
    LEVEL.load(Ordering::Relaxed) >= 2
}

/// Text that came from a server (a file name, an error code or message), made safe to print:
/// every control character is escaped (`\u{1b}`), line breaks included, so a hostile server
/// cannot move the cursor, retitle the terminal, or fake a line of its own (docs/design.md §8).
pub fn escape(s: &str) -> String {
    escape_except(s, &[])
}

/// What goes to the terminal: control characters escaped except line breaks and tabs, which
/// nstba's own messages use. The last line of defence; server text is escaped with
/// [`escape`] where it is read.
pub fn for_terminal(s: &str) -> String {
    escape_except(s, &['\n', '\t'])
}

fn escape_except(s: &str, keep: &[char]) -> String {
    if !s.chars().any(|c| c.is_control() && !keep.contains(&c)) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && !keep.contains(&c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Progress and results for people.
pub fn info(msg: impl AsRef<str>) {
    if !is_quiet() {
        eprintln!("{}", for_terminal(msg.as_ref()));
    }
}

pub fn warn(msg: impl AsRef<str>) {
    eprintln!("warning: {}", for_terminal(msg.as_ref()));
}

/// A warning about a file every step of a command reads again (the store's permissions):
/// said once per run, however many readers meet it.
pub fn warn_once(msg: impl AsRef<str>) {
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let msg = msg.as_ref();
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.iter().any(|m| m == msg) {
        said.push(msg.to_string());
        drop(said);
        warn(msg);
    }
}

/// Request traces for `-v`.
pub fn verbose(msg: impl AsRef<str>) {
    if is_verbose() {
        eprintln!("{}", for_terminal(msg.as_ref()));
    }
}

/// A table for people: a header line, then one line per row, each column as wide as its
/// widest cell, two spaces apart, no trailing blanks. Cells are printed as given: escape text
/// that came from a server or the store first.
pub fn table<const N: usize>(headers: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = headers.map(|h| h.chars().count());
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push = |cells: &mut dyn Iterator<Item = &str>| {
        let line: Vec<String> = cells.zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    };
    push(&mut headers.iter().copied());
    for row in rows {
        push(&mut row.iter().map(String::as_str));
    }
    out
}

/// Bytes for people: `512 B`, `3.4 KB`, `98.0 MB`.
pub fn human_bytes(n: u64) -> String {
    match n {
        0..1024 => format!("{n} B"),
        1024..1_048_576 => format!("{:.1} KB", n as f64 / 1024.0),
        _ => format!("{:.1} MB", n as f64 / 1_048_576.0),
    }
}

/// A progress bar over `total_bytes` on stderr, only on a terminal and never with `-q`;
/// otherwise a hidden one that costs nothing.
pub fn progress(total_bytes: u64, files: usize) -> indicatif::ProgressBar {
    if is_quiet() || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total_bytes);
    // Files, bytes, rate and time left, in the summary's units (human_bytes), within 80
    // columns; without colour under NO_COLOR.
    let template = if no_color() {
        "{bar:20} {msg}, {done}/{all} at {rate}, {eta} left"
    } else {
        "{bar:20.cyan/blue} {msg}, {done}/{all} at {rate}, {eta} left"
    };
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        let style = style
            .with_key(
                "done",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&human_bytes(s.pos()));
                },
            )
            .with_key(
                "all",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&human_bytes(s.len().unwrap_or(0)));
                },
            )
            .with_key(
                "rate",
                |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}/s", human_bytes(s.per_sec() as u64));
                },
            );
        bar.set_style(style);
    }
    bar.set_message(progress_files(0, files));
    bar
}

/// The files part of a progress bar: `120/2000 files`.
pub fn progress_files(done: usize, files: usize) -> String {
    format!("{done}/{files} files")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_control_characters() {
        let hostile = "ok\x1b[2J\x1b]0;pwned\x07\rall good\nline";
        assert_eq!(
            super::escape(hostile),
            "ok\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\rall good\\nline"
        );
        assert_eq!(
            super::for_terminal(hostile),
            "ok\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\rall good\nline"
        );
        assert_eq!(super::escape("plain ü"), "plain ü");
    }
}
