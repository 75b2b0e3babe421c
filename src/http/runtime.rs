//! The process's one async runtime, and the work on it that must not be abandoned
//! (docs/design.md §10, "Refreshing safely"): once a refresh token has been sent, the server
//! may have rotated it, so the rest of that refresh (reading the answer, saving it under the
//! store's lock) runs as its own task, whatever becomes of the future that asked for it
//! (`auth status` drops what did not answer by its deadline), and [`settle`] waits for it.

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context as _, Result};
use tokio::sync::Notify;

use crate::error::Failure;

/// Runs a future to its end on the process's one runtime (two workers, so encoding a batch
/// does not hold up the network), made on first use.
pub fn block_on<F: std::future::Future>(future: F) -> Result<F::Output> {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = match RUNTIME.get() {
        Some(rt) => rt,
        None => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            RUNTIME.get_or_init(|| rt)
        }
    };
    Ok(runtime.block_on(future))
}

/// How many [`finish_started`] tasks are still running.
static STARTED: AtomicUsize = AtomicUsize::new(0);
/// Woken when the last of them ends.
static ENDED: Notify = Notify::const_new();

/// Counts one started task until it is dropped (ended, or panicked).
struct Started;

impl Started {
    fn new() -> Started {
        STARTED.fetch_add(1, Ordering::SeqCst);
        Started
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if STARTED.fetch_sub(1, Ordering::SeqCst) == 1 {
            ENDED.notify_waiters();
        }
    }
}

/// Runs `work` to its end as a task of its own: dropping the returned future (a deadline, an
/// aborted task) no longer stops it. Call it on [`block_on`]'s runtime, and [`settle`] before
/// the process may end with such work under way.
pub async fn finish_started<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let started = Started::new();
    let task = tokio::spawn(async move {
        let _started = started;
        work.await
    });
    task.await
        .map_err(|e| Failure::error(format!("a task nstba started did not finish: {e}")))?
}

/// How many [`finish_started`] tasks are under way.
pub fn unfinished() -> usize {
    STARTED.load(Ordering::SeqCst)
}

/// Waits until every [`finish_started`] task has ended.
pub async fn settle() {
    loop {
        let ended = ENDED.notified();
        tokio::pin!(ended);
        ended.as_mut().enable();
        if unfinished() == 0 {
            return;
        }
        ended.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A started task survives the drop of the future that awaited it, and `settle` waits
    /// for it.
    #[test]
    fn started_work_outlives_its_caller() {
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        block_on(async move {
            let work = finish_started(async move {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                flag.store(true, Ordering::SeqCst);
                Ok(())
            });
            let _ = tokio::time::timeout(std::time::Duration::from_millis(10), work).await;
            settle().await;
        })
        .unwrap();
        assert!(done.load(Ordering::SeqCst));
        assert_eq!(unfinished(), 0);
    }
}
