//! The File Cabinet side of `deploy` and `fetch`: remote path checks, the source walk and
//! hashes, the deploy state file, and packing files into RESTlet-sized batches.

pub mod paths;
pub mod state;
pub mod walk;

/// Raw bytes per batch: with base64 and JSON a RESTlet request stays far under its 10 MB
/// limit, and `--jobs` batches in memory stay small.
pub const BATCH_BYTES: u64 = 2 * 1024 * 1024;
pub const BATCH_FILES: usize = 100;
/// Calls in a row in which the RESTlet moves nothing of a batch before the batch is given up.
pub const MAX_STALLS: u32 = 5;

/// Runs `work` on each batch, as many at a time as the limiter's window allows, on the current
/// tokio runtime. Each job reports through the sender it is given; the receiver hands the
/// reports to the caller as they come, and ends when every job has finished.
pub fn in_parallel<B, E, F, Fut>(
    batches: Vec<B>,
    limiter: std::sync::Arc<crate::netsuite::limiter::Limiter>,
    work: F,
) -> tokio::sync::mpsc::UnboundedReceiver<E>
where
    B: Send + 'static,
    E: Send + 'static,
    F: Fn(B, tokio::sync::mpsc::UnboundedSender<E>) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    for batch in batches {
        let (work, tx, limiter) = (work.clone(), tx.clone(), limiter.clone());
        tokio::spawn(async move {
            // A job holds its place until its batch is done; the channel closes after the last.
            let _place = limiter.acquire().await;
            work(batch, tx).await;
        });
    }
    rx
}

/// Packs items into batches of [`BATCH_BYTES`] and [`BATCH_FILES`] at most.
pub fn batches<T>(items: Vec<T>, size: impl Fn(&T) -> u64) -> Vec<Vec<T>> {
    pack(items, size, BATCH_BYTES, BATCH_FILES)
}

/// Packs items into batches of at most `max_bytes` (an item larger than that goes alone) and
/// at most `max_items`, keeping their order.
fn pack<T>(
    items: Vec<T>,
    size: impl Fn(&T) -> u64,
    max_bytes: u64,
    max_items: usize,
) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current: Vec<T> = Vec::new();
    let mut bytes = 0u64;
    for item in items {
        let s = size(&item);
        if !current.is_empty() && (bytes + s > max_bytes || current.len() >= max_items) {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += s;
        current.push(item);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_by_bytes_and_count() {
        let b = pack(vec![5u64, 5, 5, 20, 1, 1, 1], |s| *s, 10, 2);
        assert_eq!(b, vec![vec![5, 5], vec![5], vec![20], vec![1, 1], vec![1]]);
        assert!(pack(Vec::<u64>::new(), |s| *s, 10, 2).is_empty());
    }
}
