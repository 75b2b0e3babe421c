//! Exit codes (docs/design.md §6) and the error type that carries one.
//!
//! Everything returns `anyhow::Result`; an error whose chain holds a [`Failure`] exits with
//! that failure's code, a network error from reqwest exits 5, anything else exits 1.

use std::fmt;

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// 1: an error.
    Error = 1,
    /// 2: the command line (or an argument's value) is wrong.
    Usage = 2,
    /// 3: NetSuite rejected the credentials, or the user denied the authorization.
    Rejected = 3,
    /// 4: some files of a fetch or deploy failed.
    Partial = 4,
    /// 5: the network failed or timed out (the login's wait for the callback too).
    Network = 5,
    /// 130: interrupted with Ctrl-C (the shell's convention for SIGINT).
    Interrupted = 130,
}

/// Why something failed, where code decides on it (never on the message's text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// An OAuth 2.0 login whose refresh token NetSuite no longer takes: log in again.
    RefreshTokenExpired,
}

/// An error with a message for people and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub kind: ExitKind,
    pub message: String,
    pub reason: Option<Reason>,
}

impl Failure {
    pub fn new(kind: ExitKind, message: impl Into<String>) -> Self {
        Failure {
            kind,
            message: message.into(),
            reason: None,
        }
    }

    /// The same failure, with the reason code decides on.
    pub fn because(mut self, reason: Reason) -> Self {
        self.reason = Some(reason);
        self
    }
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(ExitKind::Error, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ExitKind::Usage, message)
    }
    pub fn rejected(message: impl Into<String>) -> Self {
        Self::new(ExitKind::Rejected, message)
    }
    pub fn network(message: impl Into<String>) -> Self {
        Self::new(ExitKind::Network, message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// The reason a failure in the chain gives, if any.
pub fn reason(err: &anyhow::Error) -> Option<Reason> {
    err.chain()
        .find_map(|c| c.downcast_ref::<Failure>().and_then(|f| f.reason))
}

/// The exit code for an error chain.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.kind as u8;
        }
        if let Some(e) = cause.downcast_ref::<reqwest::Error>()
            && (e.is_connect() || e.is_timeout() || e.is_request() || e.is_body())
        {
            return ExitKind::Network as u8;
        }
        if cause.downcast_ref::<std::io::Error>().is_some_and(|e| {
            matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut
                    | std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
            )
        }) {
            return ExitKind::Network as u8;
        }
    }
    ExitKind::Error as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn codes_follow_the_chain() {
        let e: anyhow::Error = Failure::rejected("no").into();
        assert_eq!(exit_code(&e), 3);
        let wrapped = Err::<(), _>(Failure::usage("bad")).context("while parsing");
        assert_eq!(exit_code(&wrapped.unwrap_err()), 2);
        assert_eq!(exit_code(&anyhow::anyhow!("plain")), 1);
    }
}
