//! Puts the executor's thread to sleep until another thread (or a timeout) wakes it.
//!
//! The classic three-state protocol (std's generic parker, `pollster`): a wake that arrives
//! *before* the executor parks is remembered as `NOTIFIED` and makes the next `park` return at
//! once, so "check for work, then park" can never lose a wake that lands between the check and
//! the park. The clock stays outside: `park` takes a ready-made timeout (loom has no time).

// With `io` the reactor sleeps instead (see `IdleSleep` below); this parker is then its
// fallback, and the one loom models.
use std::time::Duration;

use crate::sync::{lock, AtomicUsize, Condvar, Mutex, Ordering::SeqCst};

/// Nobody is parked and no wake is pending.
const EMPTY: usize = 0;
/// The owner thread is (about to be) waiting on the condvar.
const PARKED: usize = 1;
/// A wake arrived that no `park` has consumed yet.
const NOTIFIED: usize = 2;

/// A one-thread parking spot: one thread parks, any thread unparks.
///
/// SeqCst everywhere: these operations run once per idle period, never on the hot path, and the
/// strongest ordering keeps the argument simple — every state change is one total order.
#[derive(Debug)]
pub struct Parker {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
}

impl Parker {
    /// A parker with no pending wake.
    pub fn new() -> Self {
        Parker {
            state: AtomicUsize::new(EMPTY),
            lock: Mutex::new(()),
            cvar: Condvar::new(),
        }
    }

    /// Blocks until `unpark` is called (or was called since the last `park`), or until `timeout`
    /// has passed. May also return early (a spurious condvar wakeup with a timeout): callers
    /// re-check their work and their deadline, so an early return only costs one loop.
    pub fn park(&self, timeout: Option<Duration>) {
        // Fast path: a wake is already pending; consume it without touching the lock.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
            .is_ok()
        {
            return;
        }
        let mut guard = lock(&self.lock);
        match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            // We announced that we sleep; an `unpark` from now on sees PARKED and must take the
            // lock to notify, which it cannot do before we are inside `wait` (we hold the lock).
            Ok(_) => {}
            // An `unpark` slipped in between the fast path and the lock: consume it, do not wait.
            // A `swap`, not a `store`, although we know the value is NOTIFIED: another `unpark`
            // may have come since the CAS read it, and only a read-modify-write synchronizes
            // with that one, making what its thread wrote before unparking visible to us. (loom
            // finds the lost wake a plain store allows, with two unparking threads.)
            Err(NOTIFIED) => {
                self.state.swap(EMPTY, SeqCst);
                return;
            }
            // Only the owner thread parks, and it leaves PARKED before returning.
            Err(state) => unreachable!("parker in state {state} at the start of park"),
        }
        match timeout {
            None => loop {
                guard = self
                    .cvar
                    .wait(guard)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                // Only a real `unpark` ends an untimed park; a spurious wakeup waits again.
                if self
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, SeqCst, SeqCst)
                    .is_ok()
                {
                    return;
                }
            },
            Some(timeout) => {
                let (_guard, _timed_out) = self
                    .cvar
                    .wait_timeout(guard, timeout)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                // Timed out, notified or spurious: in every case we are awake now and leave the
                // spot EMPTY. A NOTIFIED is consumed here because the caller re-checks all work
                // right after returning; a PARKED means no wake came (or it comes later and will
                // find EMPTY, leaving NOTIFIED for the next park — never lost).
                match self.state.swap(EMPTY, SeqCst) {
                    NOTIFIED | PARKED => {}
                    state => unreachable!("parker in state {state} after a timed wait"),
                }
            }
        }
    }

    /// A tick ended with tasks still ready, so no park: nothing to do here (the reactor uses
    /// it to poll for readiness now and then, see `IdleSleep`).
    #[cfg_attr(all(feature = "io", not(loom)), allow(dead_code))] // the reactor's is used then
    pub fn busy_tick(&self) {}

    /// The virtual clock is about to jump: nothing to look at here, so false (the reactor
    /// first collects I/O that is ready already, see `IdleSleep`).
    #[cfg_attr(all(feature = "io", not(loom)), allow(dead_code))] // the reactor's is used then
    pub fn poll_io_now(&self) -> bool {
        false
    }

    /// Wakes the parked thread, or makes its next `park` return immediately.
    pub fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            // Nobody waits: the NOTIFIED we left behind is what the next park consumes.
            EMPTY => return,
            // A wake is already pending; one is enough.
            NOTIFIED => return,
            // Somebody waits (or is between announcing PARKED and calling `wait`).
            PARKED => {}
            state => unreachable!("parker in state {state} in unpark"),
        }
        // Taking the lock (even empty-handed) orders our notify after the parker's `wait`: the
        // parker holds the lock from setting PARKED until `wait` releases it, so a notify sent
        // without this could fire before anyone waits and be lost.
        drop(lock(&self.lock));
        self.cvar.notify_one();
    }
}

/// How the idle executor sleeps — the one seam between the core and the I/O layer. Both have
/// `new`, `park(timeout)` and `unpark`, with the same protocol:
/// - without the `io` feature (and under loom, which models it): this condvar parker;
/// - with `io`: the reactor (`io/reactor.rs`), which sleeps in the readiness poll and wakes the
///   tasks whose sockets became ready.
#[cfg(not(all(feature = "io", not(loom))))]
pub(crate) type IdleSleep = Parker;
/// See the other `IdleSleep` (this is the `io` one).
#[cfg(all(feature = "io", not(loom)))]
pub(crate) type IdleSleep = crate::io::Reactor;

#[cfg(test)]
#[cfg(not(loom))]
mod tests {
    use super::*;
    use std::sync::{mpsc, Arc};
    use std::time::Instant;

    #[test]
    fn unpark_before_park_is_remembered() {
        let p = Parker::new();
        p.unpark();
        p.unpark(); // a second wake is absorbed: still one pending wake
        p.park(None); // returns at once
        assert_eq!(p.state.load(SeqCst), EMPTY);
    }

    #[test]
    fn timed_park_returns_after_the_timeout() {
        let p = Parker::new();
        let start = Instant::now();
        p.park(Some(Duration::from_millis(5)));
        // A spurious wakeup may end it early; it never leaves the parker PARKED.
        assert_eq!(p.state.load(SeqCst), EMPTY);
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn unpark_from_another_thread_wakes_an_untimed_park() {
        let p = Arc::new(Parker::new());
        let (tx, rx) = mpsc::channel();
        let p2 = p.clone();
        let t = std::thread::spawn(move || {
            rx.recv().unwrap();
            p2.unpark();
        });
        tx.send(()).unwrap();
        p.park(None); // would hang forever if the wake were lost
        t.join().unwrap();
        assert_eq!(p.state.load(SeqCst), EMPTY);
    }
}
