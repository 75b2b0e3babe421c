//! nstba: NetSuite token-based authentication, OAuth 2.0 and the File Cabinet, from the command
//! line and from Rust.
//!
//! The `nstba` binary is the product; this library is its engine, and [`NetSuite`] is the part
//! made for other Rust programs: one account reached with one credential of any kind (a TBA
//! token, an OAuth 2.0 token refreshed as needed, client credentials), found as the command
//! finds it ([`NetSuite::saved`] from `~/.nstba`, [`NetSuite::from_env`] in CI). Requests are
//! signed, sent to the right NetSuite domain, retried when NetSuite asks, and their answers
//! capped in size.
//!
//! ```
//! # let emu = nstba_emulator::spawn(nstba_emulator::Config {
//! #     account: "1234567".into(), consumer_key: "ck".into(), consumer_secret: "cs".into(),
//! #     tokens: vec![("tid".into(), "ts".into())], ..Default::default()
//! # }).unwrap();
//! # let url = emu.url();
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use nstba::NetSuite;
//!
//! // A TBA token given in full (NetSuite::saved("my-sandbox") reads one from ~/.nstba);
//! // `via` sends it to the local emulator instead of NetSuite.
//! let ns = NetSuite::tba("1234567", "ck", "cs", "tid", "ts")?.via(&url)?;
//! let employee = ns.request("GET", "/services/rest/record/v1/employee/3", None).await?;
//! assert_eq!(employee.status, 200);
//!
//! let mut names = Vec::new();
//! let rows = ns
//!     .suiteql("SELECT id, entityid FROM employee WHERE id <= 3", |row| {
//!         names.push(row["entityid"].to_string())
//!     })
//!     .await?;
//! assert_eq!(rows, 3);
//! # anyhow::Ok(())
//! # }).unwrap();
//! ```
//!
//! The other modules are public for nstba's own tests, benchmarks and fuzz targets, and hidden
//! from these docs: they may change in any release.

#![warn(missing_docs)]

mod api;
pub use api::{NetSuite, Response};

#[doc(hidden)]
pub mod account;
#[doc(hidden)]
pub mod auth;
#[doc(hidden)]
pub mod browser;
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod commands;
#[doc(hidden)]
pub mod config;
#[doc(hidden)]
pub mod credentials;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod filecabinet;
#[doc(hidden)]
pub mod fsio;
#[doc(hidden)]
pub mod http;
#[doc(hidden)]
pub mod netsuite;
#[doc(hidden)]
pub mod project;
#[doc(hidden)]
pub mod secret;
#[doc(hidden)]
pub mod store;
#[doc(hidden)]
pub mod ui;
