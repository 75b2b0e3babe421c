//! Talking to NetSuite: signed HTTP calls and the decoding of NetSuite's error bodies.

pub mod client;
pub mod errors;
pub mod limiter;
pub mod restlet;

/// A small runtime for commands that make a few requests. Commands that do not touch the
/// network never build one, so they start fast.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A runtime for commands that send many requests at once (deploy, fetch): two workers, so
/// encoding a batch does not hold up the network.
pub fn parallel_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}
