//! nstba: NetSuite token-based authentication from the command line.
//!
//! The library holds everything the `nstba` binary does, so that integration tests, benches
//! and fuzz targets can reach the pure parts (signer, account forms, store parsing).

pub mod account;
pub mod auth;
pub mod browser;
pub mod cli;
pub mod commands;
pub mod config;
pub mod credentials;
pub mod error;
pub mod filecabinet;
pub mod netsuite;
pub mod project;
pub mod secret;
pub mod store;
pub mod ui;
