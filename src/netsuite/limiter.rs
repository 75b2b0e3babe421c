//! How many calls deploy and fetch keep in flight (SPEC 8 and 11). An account allows few
//! concurrent calls, shared with every other integration, and nstba cannot know how many are
//! left for it. So `--jobs auto` finds out as TCP does: it starts at 2, grows by one call per
//! success until the first refusal (`SSS_REQUEST_LIMIT_EXCEEDED` or 429), then by one call per
//! window of successes (additive increase), and halves on each refusal (multiplicative
//! decrease), never above `--max-jobs`. `--jobs N` fixes the window. Refusals are counted, so
//! a run can say how hard it pushed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Notify;

/// How many calls at once: found (`auto`), or fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jobs {
    Auto,
    Fixed(usize),
}

impl std::str::FromStr for Jobs {
    type Err = String;

    fn from_str(s: &str) -> Result<Jobs, String> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Jobs::Auto);
        }
        match s.parse::<usize>() {
            Ok(n) if (1..=64).contains(&n) => Ok(Jobs::Fixed(n)),
            _ => Err(format!(
                "'{s}' is not 'auto' or a number of calls from 1 to 64"
            )),
        }
    }
}

/// Where the adaptive window starts.
const START: f64 = 2.0;

#[derive(Debug)]
struct Window {
    limit: f64,
    /// Below this the window grows by one per success (slow start), above by one per window.
    threshold: f64,
    in_flight: usize,
    /// HTTP calls under way (a worker backing off holds its place but makes no call).
    calls: usize,
    peak: usize,
}

/// The window of calls in flight, shared by a run's workers.
#[derive(Debug)]
pub struct Limiter {
    window: Mutex<Window>,
    notify: Notify,
    adaptive: bool,
    ceiling: f64,
    refusals: AtomicU64,
}

/// One HTTP call under way, for the window's validation; ended when dropped.
pub struct Call<'a>(&'a Limiter);

impl Drop for Call<'_> {
    fn drop(&mut self) {
        if let Ok(mut w) = self.0.window.lock() {
            w.calls = w.calls.saturating_sub(1);
        }
    }
}

/// A place in the window, given back when dropped.
pub struct Permit<'a>(&'a Limiter);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if let Ok(mut w) = self.0.window.lock() {
            w.in_flight = w.in_flight.saturating_sub(1);
        }
        self.0.notify.notify_waiters();
    }
}

impl Limiter {
    /// A window for `jobs`, never above `ceiling` (`--max-jobs`) when found.
    pub fn new(jobs: Jobs, ceiling: usize) -> Limiter {
        let ceiling = ceiling.max(1) as f64;
        let (limit, adaptive) = match jobs {
            Jobs::Auto => (START.min(ceiling), true),
            Jobs::Fixed(n) => (n as f64, false),
        };
        Limiter {
            window: Mutex::new(Window {
                limit,
                threshold: ceiling,
                in_flight: 0,
                calls: 0,
                peak: limit as usize,
            }),
            notify: Notify::new(),
            adaptive,
            ceiling,
            refusals: AtomicU64::new(0),
        }
    }

    pub fn is_adaptive(&self) -> bool {
        self.adaptive
    }

    /// Waits for a place in the window.
    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            // Registered before the check, so a release in between is not missed.
            let released = self.notify.notified();
            if let Ok(mut w) = self.window.lock()
                && (w.in_flight as f64) < w.limit.floor().max(1.0)
            {
                w.in_flight += 1;
                return Permit(self);
            }
            released.await;
        }
    }

    /// An HTTP call starts (the client holds this while it is under way).
    pub fn call(&self) -> Call<'_> {
        if let Ok(mut w) = self.window.lock() {
            w.calls += 1;
        }
        Call(self)
    }

    /// A call went through: the window grows (when found).
    pub fn succeeded(&self) {
        if !self.adaptive {
            return;
        }
        if let Ok(mut w) = self.window.lock() {
            // Only a window in full use may grow (TCP's window validation): successes of a
            // half-used window say nothing about the account's limit. Calls count, not places:
            // a worker backing off after a refusal holds a place but loads nothing.
            if (w.calls as f64) + 1.0 < w.limit.floor() {
                return;
            }
            let step = if w.limit < w.threshold {
                1.0
            } else {
                1.0 / w.limit
            };
            w.limit = (w.limit + step).min(self.ceiling);
            w.peak = w.peak.max(w.limit.floor() as usize);
        }
        self.notify.notify_waiters();
    }

    /// The account refused a call over its limit: the window halves (when found).
    pub fn refused(&self) {
        self.refusals.fetch_add(1, Ordering::Relaxed);
        if !self.adaptive {
            return;
        }
        if let Ok(mut w) = self.window.lock() {
            w.limit = (w.limit / 2.0).max(1.0);
            w.threshold = w.limit;
        }
    }

    /// Refusals seen so far.
    pub fn refusals(&self) -> u64 {
        self.refusals.load(Ordering::Relaxed)
    }

    /// The widest the window was: the most calls allowed at once.
    pub fn peak(&self) -> usize {
        self.window.lock().map(|w| w.peak).unwrap_or(0)
    }

    /// The window now.
    pub fn limit(&self) -> usize {
        self.window.lock().map(|w| w.limit as usize).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills the window, as a busy run does (successes are reported while a call holds its
    /// place).
    fn full(l: &Limiter) {
        if let Ok(mut w) = l.window.lock() {
            w.in_flight = w.limit.floor() as usize;
            w.calls = w.in_flight;
        }
    }

    #[test]
    fn a_half_used_window_does_not_grow() {
        let l = Limiter::new(Jobs::Auto, 16);
        l.succeeded();
        l.succeeded();
        assert_eq!(l.limit(), 2);
    }

    #[test]
    fn grows_fast_then_slowly_and_halves_on_refusal() {
        let l = Limiter::new(Jobs::Auto, 16);

        assert_eq!(l.limit(), 2);
        let ok = |l: &Limiter| {
            full(l);
            l.succeeded();
        };
        for _ in 0..6 {
            ok(&l);
        }
        assert_eq!(
            l.limit(),
            8,
            "one more per success before the first refusal"
        );
        l.refused();
        assert_eq!(l.limit(), 4);
        for _ in 0..4 {
            ok(&l);
        }
        assert_eq!(
            l.limit(),
            4,
            "after a refusal, one more per window of successes"
        );
        ok(&l);
        assert_eq!(l.limit(), 5);
        for _ in 0..200 {
            ok(&l);
        }
        assert_eq!(l.limit(), 16, "never above the ceiling");
        for _ in 0..10 {
            l.refused();
        }
        assert_eq!(l.limit(), 1, "never below one");
        assert_eq!(l.refusals(), 11);
    }

    #[test]
    fn a_fixed_window_does_not_move() {
        let l = Limiter::new(Jobs::Fixed(5), 16);
        l.refused();
        l.succeeded();
        assert_eq!((l.limit(), l.refusals()), (5, 1));
        assert_eq!("auto".parse::<Jobs>(), Ok(Jobs::Auto));
        assert_eq!("7".parse::<Jobs>(), Ok(Jobs::Fixed(7)));
        assert!("0".parse::<Jobs>().is_err() && "x".parse::<Jobs>().is_err());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn permits_hold_the_window() {
        let l = std::sync::Arc::new(Limiter::new(Jobs::Fixed(2), 16));
        let a = l.acquire().await;
        let _b = l.acquire().await;
        let waiter = {
            let l = l.clone();
            tokio::spawn(async move {
                let _c = l.acquire().await;
            })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "a third waits");
        drop(a);
        waiter.await.unwrap();
        assert_eq!(l.peak(), 2);
        let grown = Limiter::new(Jobs::Auto, 16);
        full(&grown);
        grown.succeeded();
        grown.refused();
        assert_eq!(
            (grown.limit(), grown.peak()),
            (1, 3),
            "the peak is the widest window"
        );
    }
}
