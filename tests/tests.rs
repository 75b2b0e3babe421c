//! Integration tests: the real `nstba` binary against servers on 127.0.0.1:0, each test in its
//! own temporary folder and store.

mod chromium;
mod common;

mod completion;
mod concurrency;
mod crash;
mod credentials;
mod emulator;
mod examples;
mod fetch;
mod filecabinet;
mod help_examples;
mod lasting;
mod layers;
mod listener;
mod login;
mod m2m;
mod mcp;
mod newcomer;
mod oauth2;
// The picker is driven on a pseudo-terminal (rexpect, Unix only).
#[cfg(unix)]
mod picker;
mod release;
mod request;
mod secrets;
mod sign;
mod soak;
mod status;
mod store;
mod suiteql;
mod trust;
// What Windows showed, run under Wine (scripts/test-windows.sh).
#[cfg(windows)]
mod windows;
