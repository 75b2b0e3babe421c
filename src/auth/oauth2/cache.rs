//! The one cache of an access token (docs/design.md §10), for a saved OAuth 2.0 login and for
//! client credentials alike: the token held while it has more than [`MARGIN`] left, one
//! renewal at a time (callers wait for it and share its token), and a forced renewal after
//! NetSuite refused the token.

use std::future::Future;
use std::time::{Duration, SystemTime};

use anyhow::Result;

use crate::secret::Secret;

/// An access token is renewed this long before NetSuite would refuse it.
pub const MARGIN: Duration = Duration::from_secs(60);

/// An access token and when it ends.
#[derive(Clone, Debug)]
pub struct AccessToken {
    pub token: Secret,
    pub expires_at: SystemTime,
}

impl AccessToken {
    /// A token that lives `expires_in` seconds from `now`.
    pub fn lasting(token: Secret, now: SystemTime, expires_in: u64) -> AccessToken {
        AccessToken {
            token,
            // Checked: a lifetime nobody clamped cannot overflow the clock.
            expires_at: now
                .checked_add(Duration::from_secs(expires_in))
                .unwrap_or(now),
        }
    }

    /// Whether it still has more than the margin left.
    pub fn fresh(&self) -> bool {
        self.expires_at > SystemTime::now() + MARGIN
    }
}

/// The access token of one credential.
#[derive(Debug, Default)]
pub struct Cache(tokio::sync::Mutex<Option<AccessToken>>);

impl Cache {
    pub fn new(held: Option<AccessToken>) -> Cache {
        Cache(tokio::sync::Mutex::new(held))
    }

    /// The token held while it is fresh (and `force` is false); else the one `renew` makes
    /// from the one held (which NetSuite may just have refused), kept for the next caller.
    pub async fn get<F, Fut>(&self, force: bool, renew: F) -> Result<Secret>
    where
        F: FnOnce(Option<AccessToken>) -> Fut,
        Fut: Future<Output = Result<AccessToken>>,
    {
        let mut held = self.0.lock().await;
        if !force && let Some(current) = held.as_ref().filter(|t| t.fresh()) {
            return Ok(current.token.clone());
        }
        let renewed = renew(held.clone()).await?;
        let token = renewed.token.clone();
        *held = Some(renewed);
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_fresh_token_is_kept_and_a_stale_one_renewed() {
        let now = SystemTime::now();
        let cache = Cache::new(Some(AccessToken::lasting(Secret::new("a"), now, 3600)));
        let renew = |_| async { Ok(AccessToken::lasting(Secret::new("b"), now, 3600)) };
        assert_eq!(cache.get(false, renew).await.unwrap().expose(), "a");
        assert_eq!(cache.get(true, renew).await.unwrap().expose(), "b");
        // Within the margin of its end, a token is renewed.
        let stale = Cache::new(Some(AccessToken::lasting(Secret::new("c"), now, 59)));
        assert_eq!(stale.get(false, renew).await.unwrap().expose(), "b");
        let empty = Cache::default();
        assert_eq!(empty.get(false, renew).await.unwrap().expose(), "b");
    }
}
