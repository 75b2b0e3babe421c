//! The even scheduler of deploy and fetch (docs/design.md §11). Real time is on the server: each call
//! pays a fixed overhead, each file costs server time and governance, and the account allows
//! few calls at once. So the fastest run keeps as many calls in flight as the window allows,
//! gives each as many files as governance and the 10 MB limit allow, and spreads the files so
//! that the calls of a round finish together.
//!
//! Files wait in one queue, largest first. A worker with a place in the window takes its share
//! of what is left: the work divided among the calls still needed (by governance, by bytes) and
//! rounded up to whole rounds of the window, taking large and small files in turn so that each
//! share holds about the average of both. What a call leaves (`remaining`, or a body that would
//! not fit) goes back to the front of the queue at once, for the next free place. While
//! `--jobs auto` is still finding the limit, calls are short, so that the window learns in
//! fractions of a second rather than in rounds of full calls.
//!
//! Memory stays bounded whatever the window: the raw bytes of files out in calls are at most a
//! budget, and a share is at most its part of it.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::netsuite::limiter::Limiter;

/// Calls in a row that move nothing of a file before it is given up.
pub const MAX_STALLS: u32 = 5;
/// Files a call carries while the window is still growing: a call of a few files ends soon,
/// and each ending grows the window.
pub const PROBE_FILES: usize = 2;

/// How a call went, for the scheduler.
pub struct Done<T> {
    /// What the call did not move: sent again by a later call.
    pub left: Vec<T>,
    /// Files it moved (written, confirmed, or refused one by one by the RESTlet).
    pub moved: usize,
    /// The RESTlet stopped on its governance (`remaining`): `moved` is what a call can carry.
    pub governed: bool,
    /// The run must stop: nothing more is sent.
    pub stop: bool,
}

/// Why a file was given up without being moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// [`MAX_STALLS`] calls in a row moved nothing of it.
    Stalled,
    /// The run stopped on an error before it was sent.
    Stopped,
}

/// What deploy and fetch tell the scheduler.
pub trait Calls: Send + Sync + 'static {
    type Item: Send + 'static;
    /// Bytes the item puts in a call, about (its size).
    fn size(&self, item: &Self::Item) -> u64;
    /// Makes one call for `chunk`.
    fn call(&self, chunk: Vec<Self::Item>) -> impl Future<Output = Done<Self::Item>> + Send;
    /// Reports an item that will not be moved.
    fn give_up(&self, item: Self::Item, why: GiveUp);
}

/// The limits of one run's calls.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Files a call is first thought to carry (governance); learned from `remaining`.
    pub per_call: usize,
    /// Raw bytes a call carries at most.
    pub call_bytes: u64,
    /// Raw bytes out in calls at once, whatever the window.
    pub budget: u64,
}

/// What the next call carries: `files` files of about `bytes` bytes in all, and beyond its
/// first file never more than `cap` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub files: usize,
    pub bytes: u64,
    pub cap: u64,
}

/// A call's share of work of `files` files of `bytes` bytes, with `window` calls at once.
/// Pure, for unit tests. The scheduler plans once and keeps the plan while the window and
/// what a call can carry stay the same: shares recomputed as work leaves would shrink within
/// a round, and the calls of a round would no longer finish together.
pub fn share(files: usize, bytes: u64, window: usize, limits: &Limits, probing: bool) -> Share {
    let window = window.max(1);
    let per_call = limits.per_call.max(1);
    let call_bytes = limits.call_bytes.min(limits.budget / window as u64).max(1);
    if probing {
        return Share {
            files: PROBE_FILES.min(per_call),
            bytes: call_bytes,
            cap: call_bytes,
        };
    }
    let calls = files
        .div_ceil(per_call)
        .max(bytes.div_ceil(call_bytes) as usize)
        .max(1);
    // Whole rounds of the window, so that no round ends with a few calls and idle places.
    let slots = calls.div_ceil(window) * window;
    // Even by count (server time is mostly per file) and by bytes (the average is a pace
    // that large files are taken at, small ones filling in between).
    Share {
        files: files.div_ceil(slots).clamp(1, per_call),
        bytes: bytes.div_ceil(slots as u64).clamp(1, call_bytes),
        cap: call_bytes,
    }
}

/// A share that would leave behind less than half a share takes that sliver too (within what
/// a call can carry): a call of its own for it would make a round of one call at the end.
pub fn with_sliver(share: Share, waiting: usize, per_call: usize) -> Share {
    let rest = waiting.saturating_sub(share.files);
    if rest > 0 && rest <= share.files / 2 {
        Share {
            files: waiting.min(per_call.max(share.files)),
            ..share
        }
    } else {
        share
    }
}

struct Job<T> {
    item: T,
    size: u64,
    stalls: u32,
}

struct Queue<T> {
    /// Largest first.
    jobs: VecDeque<Job<T>>,
    bytes: u64,
    /// Calls under way, and the files and bytes they carry.
    out: usize,
    out_files: usize,
    out_bytes: u64,
    /// The share planned, and the window, files per call and probing it was planned for.
    plan: Option<(usize, usize, bool, Share)>,
    per_call: usize,
    stopped: bool,
}

impl<T> Queue<T> {
    /// Whether a call could take something now: the smallest file fits in the budget's room.
    fn ready(&self, budget: u64) -> bool {
        self.jobs
            .back()
            .is_some_and(|j| self.out == 0 || self.out_bytes + j.size <= budget)
    }

    /// Takes the next call's share, or nothing if the budget is spent: the largest file
    /// waiting whenever the share's bytes so far stay within its pace (its average per file),
    /// else the smallest.
    fn take(&mut self, share: Share, budget: u64) -> Vec<Job<T>> {
        let room = budget.saturating_sub(self.out_bytes);
        let cap = share.cap.min(room);
        let files = share.files.max(1) as u128;
        let (mut chunk, mut bytes) = (Vec::new(), 0u64);
        while chunk.len() < share.files {
            let (Some(large), Some(small)) = (self.jobs.front(), self.jobs.back()) else {
                break;
            };
            let pace = (share.bytes as u128 * (chunk.len() as u128 + 1)).div_ceil(files);
            let fits = |size: u64| {
                bytes + size <= cap || (chunk.is_empty() && (size <= room || self.out == 0))
            };
            let job = if (bytes + large.size) as u128 <= pace && fits(large.size) {
                self.jobs.pop_front()
            } else if fits(small.size) {
                self.jobs.pop_back()
            } else if chunk.is_empty() && fits(large.size) {
                self.jobs.pop_front()
            } else {
                None
            };
            let Some(job) = job else { break };
            bytes += job.size;
            chunk.push(job);
        }
        self.bytes -= bytes;
        if !chunk.is_empty() {
            self.out += 1;
            self.out_files += chunk.len();
            self.out_bytes += bytes;
        }
        chunk
    }
}

struct Shared<C: Calls> {
    calls: C,
    queue: Mutex<Queue<C::Item>>,
    changed: Notify,
    limiter: Arc<Limiter>,
    limits: Limits,
}

/// Moves `items` with `calls`, as many calls at a time as the limiter's window allows, and
/// returns when every item is moved or given up.
pub async fn run<C: Calls>(calls: C, items: Vec<C::Item>, limiter: Arc<Limiter>, limits: Limits) {
    let mut jobs: Vec<Job<C::Item>> = items
        .into_iter()
        .map(|item| Job {
            size: calls.size(&item),
            item,
            stalls: 0,
        })
        .collect();
    jobs.sort_by_key(|j| std::cmp::Reverse(j.size));
    let bytes = jobs.iter().map(|j| j.size).sum();
    let workers = limiter.ceiling().min(jobs.len()).max(1);
    let shared = Arc::new(Shared {
        calls,
        queue: Mutex::new(Queue {
            jobs: jobs.into(),
            bytes,
            out: 0,
            out_files: 0,
            out_bytes: 0,
            plan: None,
            per_call: limits.per_call.max(1),
            stopped: false,
        }),
        changed: Notify::new(),
        limiter,
        limits,
    });
    let tasks: Vec<_> = (0..workers)
        .map(|_| tokio::spawn(worker(shared.clone())))
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    // What a stop left behind is reported, not lost.
    let left: Vec<_> = match shared.queue.lock() {
        Ok(mut q) => q.jobs.drain(..).collect(),
        Err(_) => Vec::new(),
    };
    for job in left {
        shared.calls.give_up(job.item, GiveUp::Stopped);
    }
}

async fn worker<C: Calls>(shared: Arc<Shared<C>>) {
    loop {
        // Wait for work that the budget lets out, or for the end.
        loop {
            let changed = shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let Ok(q) = shared.queue.lock() else { return };
                if q.stopped || (q.jobs.is_empty() && q.out == 0) {
                    return;
                }
                if q.ready(shared.limits.budget) {
                    break;
                }
            }
            changed.await;
        }
        let place = shared.limiter.acquire().await;
        let (chunk, bytes) = {
            let Ok(mut q) = shared.queue.lock() else {
                return;
            };
            if q.stopped {
                return;
            }
            let key = (shared.limiter.limit(), q.per_call, shared.limiter.probing());
            let share = match q.plan {
                Some((w, p, probing, share)) if (w, p, probing) == key => share,
                _ => {
                    // Planned over all the work not yet done, what is out included.
                    let limits = Limits {
                        per_call: q.per_call,
                        ..shared.limits
                    };
                    let share = share(
                        q.jobs.len() + q.out_files,
                        q.bytes + q.out_bytes,
                        key.0,
                        &limits,
                        key.2,
                    );
                    q.plan = Some((key.0, key.1, key.2, share));
                    share
                }
            };
            let share = with_sliver(share, q.jobs.len(), q.per_call);
            let chunk = q.take(share, shared.limits.budget);
            let bytes: u64 = chunk.iter().map(|j| j.size).sum();
            (chunk, bytes)
        };
        if chunk.is_empty() {
            drop(place);
            continue;
        }
        let stalls = chunk.iter().map(|j| j.stalls).max().unwrap_or(0);
        let sent = chunk.len();
        let done = shared
            .calls
            .call(chunk.into_iter().map(|j| j.item).collect())
            .await;
        let stalls = if done.moved == 0 { stalls + 1 } else { 0 };
        let mut given_up = Vec::new();
        if let Ok(mut q) = shared.queue.lock() {
            q.out -= 1;
            q.out_files -= sent;
            q.out_bytes -= bytes;
            if done.governed && done.moved > 0 && done.moved < sent {
                q.per_call = done.moved;
            }
            q.stopped |= done.stop;
            for item in done.left.into_iter().rev() {
                if stalls >= MAX_STALLS {
                    given_up.push(item);
                    continue;
                }
                let size = shared.calls.size(&item);
                q.bytes += size;
                q.jobs.push_front(Job { item, size, stalls });
            }
        }
        // Back in the queue before the place is free, so the next free place takes it.
        drop(place);
        shared.changed.notify_waiters();
        for item in given_up {
            shared.calls.give_up(item, GiveUp::Stalled);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        per_call: 160,
        call_bytes: 6 << 20,
        budget: 32 << 20,
    };

    #[test]
    fn shares_fill_whole_rounds() {
        // 2,000 files of 40 MB on 5 places: 14 calls by bytes, so 3 rounds of 5 calls.
        let s = share(2000, 40 << 20, 5, &LIMITS, false);
        assert_eq!(s.files, 134);
        assert_eq!((s.bytes, s.cap), ((40u64 << 20).div_ceil(15), 6 << 20));
        // Governance decides when files are many and small.
        let s = share(2000, 1 << 20, 5, &LIMITS, false);
        assert_eq!(s.files, 134, "13 calls by governance, 3 rounds");
        // A few files: one each.
        assert_eq!(share(3, 300, 5, &LIMITS, false).files, 1);
        // The budget shares memory among the places.
        let s = share(2000, 40 << 20, 16, &LIMITS, false);
        assert_eq!(s.cap, 2 << 20, "16 places share 32 MB");
        assert_eq!(s.files, 63, "20 calls by bytes: two rounds of 16");
        assert!(share(10, 10, 16, &LIMITS, false).bytes >= 1);
        // The end of the work is not left to a call of its own.
        let s = sh(64, 1, 1);
        assert_eq!(with_sliver(s, 82, 160).files, 82);
        assert_eq!(
            with_sliver(s, 97, 160).files,
            64,
            "more than half a share is a share"
        );
        assert_eq!(
            with_sliver(s, 90, 70).files,
            70,
            "never more than a call carries"
        );
        assert_eq!(with_sliver(s, 30, 160).files, 64);
        // While the window grows, calls are short.
        assert_eq!(share(2000, 40 << 20, 2, &LIMITS, true).files, PROBE_FILES);
    }

    fn queue(sizes: &[u64]) -> Queue<u64> {
        let mut jobs: Vec<_> = sizes
            .iter()
            .map(|&s| Job {
                item: s,
                size: s,
                stalls: 0,
            })
            .collect();
        jobs.sort_by_key(|j| std::cmp::Reverse(j.size));
        Queue {
            bytes: sizes.iter().sum(),
            jobs: jobs.into(),
            out: 0,
            out_files: 0,
            out_bytes: 0,
            plan: None,
            per_call: 100,
            stopped: false,
        }
    }

    fn items(c: &[Job<u64>]) -> Vec<u64> {
        c.iter().map(|j| j.item).collect()
    }

    fn sh(files: usize, bytes: u64, cap: u64) -> Share {
        Share { files, bytes, cap }
    }

    #[test]
    fn takes_large_files_at_the_pace_of_the_average() {
        let mut q = queue(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        // 4 files of about 22 bytes: the 10 waits until the share is on pace for it.
        let c = q.take(sh(4, 22, 100), 100);
        assert_eq!(items(&c), vec![1, 10, 2, 9]);
        // The cap: the large ones no longer fit, small ones fill the share.
        let c = q.take(sh(4, 30, 12), 100);
        assert_eq!(items(&c), vec![8, 3]);
        assert_eq!((q.out, q.out_bytes, q.bytes), (2, 33, 22));
        // A cap smaller than any file still takes one, if the budget has room.
        assert_eq!(items(&q.take(sh(4, 1, 1), 100)), vec![4]);
        // The budget is spent: nothing, unless nothing is out.
        assert!(!q.ready(37));
        assert!(q.take(sh(4, 50, 50), 37).is_empty());
        assert!(q.ready(42));
        let mut q = queue(&[500]);
        assert_eq!(items(&q.take(sh(4, 10, 10), 100)), vec![500]);
    }
}
