//! The reactor: how the idle executor sleeps when the `io` feature is on — in one
//! `epoll_wait` (mio's `Poll`) for I/O readiness, the next timer deadline and cross-thread wakes.
//!
//! It keeps the condvar parker's interface (`new`, `park(timeout)`, `unpark`) and its protocol:
//! one atomic with three states, so a wake that races the executor going to sleep is never lost.
//! Only the sleeping differs: `park` sleeps in `Poll::poll`, and `unpark` of a parked executor
//! writes to mio's `Waker` (an eventfd registered in the same poll). A wake that lands after the
//! poll returned leaves the eventfd readable: the next poll returns at once — one spare loop,
//! never a lost wake. (Under `cfg(loom)` this file is compiled out: loom models the condvar
//! parker, whose protocol this one copies; epoll cannot be modelled.)
//!
//! **Timed parks.** mio rounds a poll timeout *up* to whole milliseconds, which would make every
//! timer up to a millisecond late. On Linux a timed park arms a `timerfd` registered in the same
//! poll to the exact remaining time (`deadline_timer.rs`; re-armed only when the wake moved) and
//! polls without a timeout. Elsewhere, or if the timerfd cannot be made, a park is cut *down* to
//! whole milliseconds, and a park shorter than one is a zero-timeout poll: the run loop comes
//! back and spins (each spin a non-blocking poll, so readiness is still seen) until the deadline
//! — as precise, at the price of CPU spent spinning for the last (< 1 ms) stretch before each
//! deadline.
//!
//! **Readiness.** Sources are registered edge-triggered. Each has two flags, readable and
//! writable, that start *set* ("maybe ready": the caller tries the operation) and are cleared
//! only by the caller, after the operation said `WouldBlock`; an event sets them again and
//! wakes the task waiting on that direction. (A read that filled its buffer cannot tell whether
//! it drained the socket, so a reader's next read tries again and may meet `WouldBlock`:
//! tokio's and asyncio's way too. Asking for one byte more to know, and keeping it, bought
//! nothing measurable and was removed: `docs/decisions.md`, "the read-ahead removed".) Events
//! are only delivered in `park`, on the executor's thread, never while a task runs — so
//! between a `WouldBlock` and the waker being stored no event can slip by: it waits in the
//! kernel until the next park.
//!
//! If the poller cannot be created (out of file descriptors), the executor still works: it
//! sleeps on the condvar parker, and registering a socket fails with the poller's error.

use std::io;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use mio::{Events, Interest, Poll, Registry, Token};

use crate::drop_queue;
#[cfg(target_os = "linux")]
use crate::io::deadline_timer::DeadlineTimer;
use crate::parker::Parker;
use crate::sync::{lock, AtomicU32, AtomicUsize, Mutex, Ordering::Relaxed, Ordering::SeqCst};

/// Nobody is parked and no wake is pending.
const EMPTY: usize = 0;
/// The owner thread is (about to be) in `Poll::poll`.
const PARKED: usize = 1;
/// A wake arrived that no `park` has consumed yet.
const NOTIFIED: usize = 2;

/// The token of the cross-thread `mio::Waker`; sources get the others (their slot index).
const NOTIFY: Token = Token(usize::MAX);
/// The token of the deadline timer (Linux).
#[cfg(target_os = "linux")]
const DEADLINE: Token = Token(usize::MAX - 1);

/// How many busy ticks (ticks that end with tasks still ready) pass between two zero-timeout
/// polls: tokio's `event_interval`. Often enough that a task that keeps yielding cannot starve
/// I/O, rarely enough that a yield-heavy program pays about nothing for the syscall.
const BUSY_TICKS_PER_POLL: u32 = 61;

/// How many events one poll takes at most; more stay in the kernel for the next poll.
const EVENTS_PER_POLL: usize = 1024;

/// The idle step's sleep with I/O: see the module docs.
#[derive(Debug)]
pub(crate) struct Reactor {
    /// `None` if the poller could not be created; then the condvar parker does all the work.
    poller: Result<Arc<Poller>, io::ErrorKind>,
    /// The fallback when there is no poller.
    condvar: Parker,
}

/// The poller proper, shared with every registered source (which deregisters through it).
#[derive(Debug)]
pub(crate) struct Poller {
    state: AtomicUsize,
    /// Busy ticks since the last poll (`Reactor::busy_tick`).
    busy_ticks: AtomicU32,
    /// Only the executor's thread polls; the lock is never contended, it makes `park(&self)` safe.
    poll: Mutex<Poll>,
    events: Mutex<Events>,
    registry: Registry,
    notify: mio::Waker,
    /// Ends a timed park to the nanosecond (`deadline_timer.rs`); `None`: whole milliseconds.
    #[cfg(target_os = "linux")]
    deadline: Option<DeadlineTimer>,
    /// Token → its source's readiness. Token = index; freed slots are reused.
    sources: Mutex<Sources>,
}

#[derive(Debug, Default)]
struct Sources {
    slots: Vec<Option<Arc<IoState>>>,
    free: Vec<usize>,
}

/// The two directions a task can wait for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// One source's readiness flags and the tasks waiting on them.
#[derive(Debug)]
pub(crate) struct IoState {
    inner: Mutex<Readiness>,
}

#[derive(Debug)]
struct Readiness {
    readable: bool,
    writable: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

impl Reactor {
    pub(crate) fn new() -> Self {
        Reactor {
            poller: Poller::new().map(Arc::new).map_err(|e| e.kind()),
            condvar: Parker::new(),
        }
    }

    /// The poller, for registering a source; its creation error if there is none.
    pub(crate) fn poller(&self) -> io::Result<&Arc<Poller>> {
        self.poller.as_ref().map_err(|&kind| {
            io::Error::new(
                kind,
                "the executor has no I/O poller (it could not be created)",
            )
        })
    }

    /// Sleeps until `unpark`, I/O readiness, or `timeout` (cut to whole milliseconds) — or
    /// returns early, like the condvar parker: the caller re-checks its work and deadline.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        match &self.poller {
            Ok(poller) => poller.park(timeout),
            Err(_) => self.condvar.park(timeout),
        }
    }

    /// A tick ended with tasks still ready: every `BUSY_TICKS_PER_POLL`-th time, collect
    /// readiness without sleeping (asyncio's `_run_once` selects with a zero timeout then).
    pub(crate) fn busy_tick(&self) {
        if let Ok(poller) = &self.poller {
            // Only the executor's thread ticks: Relaxed, the counter orders nothing.
            let ticks = poller.busy_ticks.fetch_add(1, Relaxed) + 1;
            if ticks >= BUSY_TICKS_PER_POLL {
                poller.busy_ticks.store(0, Relaxed);
                wake_all(poller.poll_and_collect(Some(Duration::ZERO)));
            }
        }
    }

    /// Collects readiness without sleeping. Called when the virtual clock is about to jump, so
    /// that I/O ready already (data waiting in the kernel) is seen before time passes, as
    /// tokio's paused clock does — true if that woke anyone: the run loop then runs them
    /// instead of jumping; and every few dozen polls of a long tick (`mid_tick_io.rs`). With no
    /// source registered there is nothing to look for (no syscall).
    pub(crate) fn poll_io_now(&self) -> bool {
        let Ok(poller) = &self.poller else {
            return false;
        };
        if !poller.has_sources() {
            return false;
        }
        let woken = poller.poll_and_collect(Some(Duration::ZERO));
        let any = !woken.is_empty();
        wake_all(woken);
        any
    }

    /// Wakes the parked executor, or makes its next `park` return at once.
    pub(crate) fn unpark(&self) {
        match &self.poller {
            Ok(poller) => poller.unpark(),
            Err(_) => self.condvar.unpark(),
        }
    }
}

impl Poller {
    fn new() -> io::Result<Self> {
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let notify = mio::Waker::new(poll.registry(), NOTIFY)?;
        #[cfg(target_os = "linux")]
        let deadline = DeadlineTimer::new(poll.registry(), DEADLINE).ok();
        Ok(Poller {
            state: AtomicUsize::new(EMPTY),
            busy_ticks: AtomicU32::new(0),
            poll: Mutex::new(poll),
            events: Mutex::new(Events::with_capacity(EVENTS_PER_POLL)),
            registry,
            notify,
            #[cfg(target_os = "linux")]
            deadline,
            sources: Mutex::new(Sources::default()),
        })
    }

    fn park(&self, timeout: Option<Duration>) {
        // The same protocol as `Parker::park` (see parker.rs for the argument), with the poll
        // in place of the condvar wait: a pending wake is consumed without sleeping.
        let sleep = match self.state.compare_exchange(EMPTY, PARKED, SeqCst, SeqCst) {
            Ok(_) => self.poll_timeout(timeout),
            Err(NOTIFIED) => Some(Duration::ZERO), // still collect what is ready, without waiting
            Err(state) => unreachable!("reactor in state {state} at the start of park"),
        };
        let woken = self.poll_and_collect(sleep);
        // Awake: leave the spot EMPTY. A wake arriving from now on finds EMPTY and leaves
        // NOTIFIED for the next park (a swap, not a store: see parker.rs).
        match self.state.swap(EMPTY, SeqCst) {
            NOTIFIED | PARKED => {}
            state => unreachable!("reactor in state {state} after a poll"),
        }
        // Outside every lock: a waker's `wake` (or drop) may run anything.
        wake_all(woken);
    }

    /// The poll's timeout for a park of `timeout`: with the deadline timer armed to it, none
    /// (the timer ends the poll); otherwise `timeout` cut to whole milliseconds.
    fn poll_timeout(&self, timeout: Option<Duration>) -> Option<Duration> {
        let timeout = timeout?;
        #[cfg(target_os = "linux")]
        if let Some(timer) = &self.deadline {
            if !timeout.is_zero() && timer.arm(timeout).is_ok() {
                return None;
            }
        }
        Some(whole_millis(timeout))
    }

    /// Polls once and returns the wakers of the tasks whose source became ready.
    fn poll_and_collect(&self, timeout: Option<Duration>) -> Vec<Waker> {
        let mut poll = lock(&self.poll);
        let mut events = lock(&self.events);
        // An error here is EINTR (a signal) in practice: an early return, which the caller
        // tolerates. Anything else would repeat on the next park and spin, never hang.
        let _ = poll.poll(&mut events, timeout);
        let mut woken = Vec::new();
        let sources = lock(&self.sources);
        for event in events.iter() {
            let Some(Some(state)) = sources.slots.get(event.token().0) else {
                continue; // the notify token, or a source deregistered since
            };
            // A closed half or an error is "ready" too: the operation then returns it.
            let readable = event.is_readable() || event.is_read_closed() || event.is_error();
            let writable = event.is_writable() || event.is_write_closed() || event.is_error();
            state.set_ready(readable, writable, &mut woken);
        }
        woken
    }

    fn unpark(&self) {
        match self.state.swap(NOTIFIED, SeqCst) {
            EMPTY | NOTIFIED => {}
            // In the poll, or about to enter it: the eventfd stays readable until the poll
            // reads it, so either way the poll returns.
            PARKED => {
                // Fails only if the eventfd is gone or full, i.e. already readable: awake.
                let _ = self.notify.wake();
            }
            state => unreachable!("reactor in state {state} in unpark"),
        }
    }

    /// True while any source is registered.
    fn has_sources(&self) -> bool {
        let sources = lock(&self.sources);
        sources.slots.len() > sources.free.len()
    }

    /// Registers `source` edge-triggered for both directions; both flags start set.
    pub(crate) fn register(
        &self,
        source: &mut impl mio::event::Source,
    ) -> io::Result<(Token, Arc<IoState>)> {
        let state = Arc::new(IoState {
            inner: Mutex::new(Readiness {
                readable: true,
                writable: true,
                reader: None,
                writer: None,
            }),
        });
        let token = {
            let mut sources = lock(&self.sources);
            let index = match sources.free.pop() {
                Some(index) => index,
                None => {
                    sources.slots.push(None);
                    sources.slots.len() - 1
                }
            };
            sources.slots[index] = Some(state.clone());
            Token(index)
        };
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self.registry.register(source, token, interest) {
            self.release(token);
            return Err(e);
        }
        Ok((token, state))
    }

    /// Deregisters `source` and frees its token. The wakers it held are dropped here, after
    /// the locks: they may be the last reference to a task's waker.
    pub(crate) fn deregister(&self, source: &mut impl mio::event::Source, token: Token) {
        // Fails only if the fd was not registered; it is about to close anyway.
        let _ = self.registry.deregister(source);
        self.release(token);
    }

    fn release(&self, token: Token) {
        let state = {
            let mut sources = lock(&self.sources);
            sources.free.push(token.0);
            sources.slots[token.0].take()
        };
        if let Some(state) = state {
            let wakers = state.take_wakers();
            drop(wakers);
        }
    }
}

/// Wakes every waker in `woken`, even if one panics: a foreign waker (a future polled a socket
/// by hand with its own) must not take the other tasks' wakes down with it — edge-triggered,
/// their readiness would not come again. The first panic then propagates, as a panicking
/// timer's waker does (`Executor::block_on`'s `# Panics`); any later one is dropped.
fn wake_all(woken: Vec<Waker>) {
    let mut first_panic = None;
    for waker in woken {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(move || waker.wake())) {
            match first_panic {
                None => first_panic = Some(payload),
                Some(_) => drop_queue::drop_quietly(payload),
            }
        }
    }
    if let Some(payload) = first_panic {
        resume_unwind(payload);
    }
}

/// `timeout` cut down to whole milliseconds (mio would round it up and oversleep).
fn whole_millis(timeout: Duration) -> Duration {
    Duration::from_millis(timeout.as_millis().try_into().unwrap_or(u64::MAX))
}

impl IoState {
    fn set_ready(&self, readable: bool, writable: bool, woken: &mut Vec<Waker>) {
        let mut r = lock(&self.inner);
        if readable {
            r.readable = true;
            woken.extend(r.reader.take());
        }
        if writable {
            r.writable = true;
            woken.extend(r.writer.take());
        }
    }

    /// True if `direction` may be ready; otherwise stores the task's waker for it.
    pub(crate) fn poll_ready(&self, direction: Direction, waker: &Waker) -> bool {
        let replaced = {
            let mut r = lock(&self.inner);
            let (ready, slot) = match direction {
                Direction::Read => (r.readable, &mut r.reader),
                Direction::Write => (r.writable, &mut r.writer),
            };
            if ready {
                return true;
            }
            match slot {
                Some(old) if old.will_wake(waker) => None,
                _ => slot.replace(waker.clone()),
            }
        };
        drop(replaced); // outside the lock
        false
    }

    /// The operation in `direction` said `WouldBlock`: wait for the next event.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        let mut r = lock(&self.inner);
        match direction {
            Direction::Read => r.readable = false,
            Direction::Write => r.writable = false,
        }
    }

    fn take_wakers(&self) -> [Option<Waker>; 2] {
        let mut r = lock(&self.inner);
        [r.reader.take(), r.writer.take()]
    }
}
