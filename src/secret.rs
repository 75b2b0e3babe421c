//! The redacting secret type: consumer secrets and token secrets live in `Secret`, whose
//! `Debug` prints `(redacted)` and which has no `Display`, so a secret cannot reach output,
//! logs or panics by accident (docs/design.md §4, "Secrets never appear in output").

use serde::{Deserialize, Serialize};

/// A secret string. Read it only with [`Secret::expose`], at the place it is used.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret's value. Call sites are the signer and the store writer only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(redacted)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "(redacted)");
        assert_eq!(format!("{:?}", Some(&s)), "Some((redacted))");
        assert_eq!(s.expose(), "hunter2");
    }
}
