//! How many calls deploy and fetch keep in flight (docs/design.md §8 and §11). An account
//! allows few concurrent calls, shared with every other integration, and nstba cannot know how
//! many are left for it. So `--jobs auto` finds out as TCP does: it starts at 4 (below the 5
//! of the smallest account) and grows by one call per success until the first refusal (`SSS_REQUEST_LIMIT_EXCEEDED` or 429: slow start,
//! which doubles the window each round of calls), then by one call per [`PROBE_EVERY`]
//! successes (additive increase), never above `--max-jobs`. On a refusal the window shrinks
//! (multiplicative decrease) to what the account has just shown it accepts: the calls nstba had
//! in flight when it refused, less the refused one. Unlike a lost TCP packet, a refusal says
//! exactly that the account's limit was reached, so halving blindly would leave slots idle for
//! the rest of the run. `--jobs N` fixes the window. Refusals are counted, so a run can say how
//! hard it pushed.

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
const START: usize = 4;
/// Above a limit the account has shown, the window tries one more call after this many
/// successes (or one window of them, if larger): a refusal each time it tries costs about one
/// call in this many (5%).
pub const PROBE_EVERY: usize = 20;

#[derive(Debug)]
struct Window {
    limit: usize,
    /// Below this the window grows by one per success (slow start), above by one per
    /// [`PROBE_EVERY`] successes.
    threshold: usize,
    /// Successes since the window last grew, above the threshold.
    credit: usize,
    in_flight: usize,
    /// HTTP calls under way (a worker backing off holds its place but makes no call).
    calls: usize,
    /// Workers waiting for a place: work the window holds back.
    waiting: usize,
    peak: usize,
}

/// The window of calls in flight, shared by a run's workers.
#[derive(Debug)]
pub struct Limiter {
    window: Mutex<Window>,
    notify: Notify,
    call_ended: Notify,
    adaptive: bool,
    ceiling: usize,
    refusals: AtomicU64,
    /// The account (realm) whose limit this window finds, for what the run learned.
    account: Option<String>,
    /// Started at a limit a recent run found exactly (at a refusal): the window does not try
    /// above it, so a run that remembers is refused no more (NetSuite logs every refusal
    /// for the account's administrators).
    hold: std::sync::atomic::AtomicBool,
}

/// One HTTP call under way, for the window's validation; ended when dropped.
pub struct Call<'a>(&'a Limiter);

impl Call<'_> {
    /// Ends a call that the account refused: it counts no more, and wakes no refused call
    /// waiting for room (its own end would otherwise wake itself).
    pub fn end_quietly(self) {
        if let Ok(mut w) = self.0.window.lock() {
            w.calls = w.calls.saturating_sub(1);
        }
        std::mem::forget(self);
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        if let Ok(mut w) = self.0.window.lock() {
            w.calls = w.calls.saturating_sub(1);
        }
        // One call's end makes room for one refused call: waking every one would send them
        // all into the same place, and all but one would be refused again.
        self.0.call_ended.notify_one();
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
        let ceiling = ceiling.max(1);
        let (limit, adaptive) = match jobs {
            Jobs::Auto => (START.min(ceiling), true),
            Jobs::Fixed(n) => (n, false),
        };
        Limiter {
            window: Mutex::new(Window {
                limit,
                threshold: ceiling,
                credit: 0,
                in_flight: 0,
                calls: 0,
                waiting: 0,
                peak: limit,
            }),
            notify: Notify::new(),
            call_ended: Notify::new(),
            adaptive,
            ceiling,
            refusals: AtomicU64::new(0),
            account: None,
            hold: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The window of calls to the account with `realm`.
    pub fn for_account(mut self, realm: String) -> Limiter {
        self.account = Some(realm);
        self
    }

    /// The account (realm) the window is for.
    pub fn account(&self) -> Option<&str> {
        self.account.as_deref()
    }

    pub fn is_adaptive(&self) -> bool {
        self.adaptive
    }

    /// Starts a found window where an earlier run left off: at the limit it learned. A limit
    /// found exactly (`exact`: at a refusal, recently) is held: the window does not try above
    /// it, and still shrinks on a refusal. A lower bound (a run that met no refusal) is where
    /// the window starts probing, one call more per [`PROBE_EVERY`] successes. A fixed window
    /// ignores it (docs/design.md §11).
    pub fn starting_at(self, learned: Option<(usize, bool)>) -> Limiter {
        if let (true, Some((n, exact))) = (self.adaptive, learned)
            && let Ok(mut w) = self.window.lock()
        {
            w.limit = n.clamp(1, self.ceiling);
            w.threshold = w.limit;
            w.peak = w.limit;
            self.hold.store(exact, Ordering::Relaxed);
        }
        self
    }

    /// What this run learned of the account's limit, and whether exactly: the level it
    /// accepted after a refusal (exact), the held level of a run that started from an exact
    /// one and met none (still exact), or the widest window it filled once above where slow
    /// start begins (a lower bound). `None` for a fixed window or a run that learned nothing.
    pub fn learned(&self) -> Option<(usize, bool)> {
        if !self.adaptive {
            return None;
        }
        let w = self.window.lock().ok()?;
        if self.refusals() > 0 {
            return Some((w.threshold.min(w.limit).max(1), true));
        }
        if self.hold.load(Ordering::Relaxed) {
            return Some((w.limit, true));
        }
        (w.peak > START).then_some((w.peak, false))
    }

    /// Waits for a place in the window.
    pub async fn acquire(&self) -> Permit<'_> {
        // Counted as waiting until it has a place, even if the wait is given up.
        struct Waiting<'a>(&'a Limiter, bool);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                if self.1
                    && let Ok(mut w) = self.0.window.lock()
                {
                    w.waiting -= 1;
                }
            }
        }
        let mut waiting = Waiting(self, false);
        loop {
            // Registered before the check, so a release in between is not missed.
            let released = self.notify.notified();
            if let Ok(mut w) = self.window.lock() {
                if w.in_flight < w.limit.max(1) {
                    w.in_flight += 1;
                    if waiting.1 {
                        w.waiting -= 1;
                        waiting.1 = false;
                    }
                    return Permit(self);
                }
                if !waiting.1 {
                    w.waiting += 1;
                    waiting.1 = true;
                }
            }
            released.await;
        }
    }

    /// Whether the window is trying a size the account has not shown it accepts: growing
    /// before the first refusal, or one call above the level it accepted since. Calls made now
    /// should be short, so that the window learns fast and a refusal delays little work.
    pub fn probing(&self) -> bool {
        // Slow start is the window before any refusal that has not started from a remembered
        // level (whose threshold is below the ceiling).
        self.adaptive
            && self.window.lock().is_ok_and(|w| {
                (self.refusals() == 0 && w.threshold >= self.ceiling && w.limit < self.ceiling)
                    || w.limit > w.threshold
            })
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
            // Only a window that holds work back may grow (TCP's window validation): the
            // successes of a window with room to spare say nothing about the account's limit.
            // A window above the level the account last accepted is confirmed once it is
            // full and a call of it goes through.
            if w.limit > w.threshold && w.calls >= w.limit {
                w.threshold = w.limit;
            }
            if w.calls + w.waiting < w.limit || w.limit >= self.ceiling {
                return;
            }
            if self.hold.load(Ordering::Relaxed) && w.limit >= w.threshold {
                return;
            }
            if w.limit >= w.threshold {
                w.credit += 1;
                if w.credit < PROBE_EVERY.max(w.limit) {
                    return;
                }
            }
            w.credit = 0;
            w.limit += 1;
            w.peak = w.peak.max(w.limit);
        }
        self.notify.notify_waiters();
    }

    /// The account refused a call over its limit (called while that call still counts as
    /// under way): the window shrinks to the calls the account accepted beside it (when
    /// found). Several refusals of one burst each take the window down to their own evidence.
    pub fn refused(&self) {
        self.refusals.fetch_add(1, Ordering::Relaxed);
        if !self.adaptive {
            return;
        }
        if let Ok(mut w) = self.window.lock() {
            let accepted = w.calls.saturating_sub(1).max(1);
            w.limit = w.limit.min(accepted);
            w.threshold = w.limit;
            w.credit = 0;
        }
    }

    /// After a refusal over the account's limit, waits until one of this run's other calls
    /// ends: the place the refused call holds is then free in the account, so
    /// it goes again at once instead of after a blind backoff (which would be refused again
    /// while every other place is busy, and leave its place idle when it is not). With no
    /// other call of its own under way, the account is full of other clients' calls, and the
    /// whole backoff is waited.
    pub async fn wait_for_room(&self, longest: std::time::Duration) {
        let ended = self.call_ended.notified();
        let others = self.window.lock().map(|w| w.calls).unwrap_or(0);
        if others == 0 {
            tokio::time::sleep(longest).await;
            return;
        }
        // Not before: the account is full of this run's own calls, and a retry before one
        // ends would only be refused again (at most a minute, in case one never ends).
        tokio::select! {
            _ = ended => {}
            _ = tokio::time::sleep(longest.max(std::time::Duration::from_secs(60))) => {}
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

    /// The most calls this window may ever allow: the ceiling when found, else the fixed
    /// number.
    pub fn ceiling(&self) -> usize {
        if self.adaptive {
            self.ceiling
        } else {
            self.limit()
        }
    }

    /// The window now.
    pub fn limit(&self) -> usize {
        self.window.lock().map(|w| w.limit).unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills the window, as a busy run does (successes are reported while a call holds its
    /// place).
    fn full(l: &Limiter) {
        if let Ok(mut w) = l.window.lock() {
            w.in_flight = w.limit;
            w.calls = w.in_flight;
        }
    }

    #[test]
    fn a_remembered_exact_limit_is_held_and_a_lower_bound_probed() {
        let held = Limiter::new(Jobs::Auto, 16).starting_at(Some((5, true)));
        let probed = Limiter::new(Jobs::Auto, 16).starting_at(Some((5, false)));
        for l in [&held, &probed] {
            assert_eq!(l.limit(), 5);
            assert!(!l.probing(), "a remembered start is not slow start");
            for _ in 0..PROBE_EVERY * 3 {
                full(l);
                l.succeeded();
            }
        }
        assert_eq!(held.limit(), 5, "not tried above");
        assert_eq!(held.learned(), Some((5, true)));
        assert!(probed.limit() > 5, "tried above a lower bound");
        assert_eq!(
            Limiter::new(Jobs::Fixed(3), 16)
                .starting_at(Some((9, true)))
                .limit(),
            3
        );
    }

    #[test]
    fn a_half_used_window_does_not_grow() {
        let l = Limiter::new(Jobs::Auto, 16);
        l.succeeded();
        l.succeeded();
        assert_eq!(l.limit(), 4);
    }

    /// Sets the calls under way.
    fn calls(l: &Limiter, n: usize) {
        if let Ok(mut w) = l.window.lock() {
            w.calls = n;
        }
    }

    #[test]
    fn grows_fast_then_slowly_and_shrinks_to_what_the_account_accepted() {
        let l = Limiter::new(Jobs::Auto, 16);

        assert_eq!(l.limit(), 4);
        assert!(l.probing());
        let ok = |l: &Limiter| {
            full(l);
            l.succeeded();
        };
        for _ in 0..4 {
            ok(&l);
        }
        assert_eq!(
            l.limit(),
            8,
            "one more per success before the first refusal"
        );
        full(&l);
        l.refused();
        assert_eq!(l.limit(), 7, "8 calls were one too many");
        assert!(!l.probing(), "the limit is known");
        calls(&l, 3);
        l.refused();
        assert_eq!(l.limit(), 2, "another client took the rest");
        calls(&l, 6);
        l.refused();
        assert_eq!(l.limit(), 2, "a refusal never widens the window");
        for _ in 0..19 {
            ok(&l);
        }
        assert_eq!(
            l.limit(),
            2,
            "above a known limit, one more per 20 successes"
        );
        ok(&l);
        assert_eq!(l.limit(), 3);
        assert!(l.probing(), "3 calls are not known to go");
        ok(&l);
        assert!(!l.probing(), "3 full calls went");
        for _ in 0..400 {
            ok(&l);
        }
        assert_eq!(l.limit(), 16, "never above the ceiling");
        for _ in 0..10 {
            calls(&l, 1);
            l.refused();
        }
        assert_eq!(l.limit(), 1, "never below one");
        assert_eq!(l.refusals(), 13);
    }

    /// Takes the whole starting window.
    async fn futures_places(l: &Limiter) -> Vec<Permit<'_>> {
        let mut places = Vec::new();
        for _ in 0..START {
            places.push(l.acquire().await);
        }
        places
    }

    #[tokio::test(flavor = "current_thread")]
    async fn work_held_back_lets_the_window_grow() {
        let l = std::sync::Arc::new(Limiter::new(Jobs::Auto, 16));
        let _places: Vec<_> = futures_places(&l).await;
        // Calls end at once, with workers waiting for places: each success counts.
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let l = l.clone();
                tokio::spawn(async move {
                    let _c = l.acquire().await;
                    std::future::pending::<()>().await;
                })
            })
            .collect();
        tokio::task::yield_now().await;
        // A success is reported while its call still counts.
        calls(&l, 4);
        l.succeeded();
        tokio::task::yield_now().await;
        calls(&l, 3);
        l.succeeded();
        assert_eq!(l.limit(), 6, "each success of slow start counts");
        for w in waiters {
            w.abort();
            let _ = w.await;
        }
        assert_eq!(l.window.lock().unwrap().waiting, 0);
        calls(&l, 1);
        l.succeeded();
        assert_eq!(l.limit(), 6, "nothing held back: no growth");
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
            (3, 5),
            "the peak is the widest window"
        );
    }
}
