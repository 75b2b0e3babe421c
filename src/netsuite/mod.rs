//! Talking to NetSuite: signed HTTP calls and the decoding of NetSuite's error bodies.

pub mod client;
pub mod errors;

/// A small runtime for commands that make a few requests. Commands that do not touch the
/// network never build one, so they start fast.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
