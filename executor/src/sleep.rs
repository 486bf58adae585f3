//! Time: `sleep`, `sleep_until`, `now` — asyncio's `sleep`, `loop.time` (`timeout`, asyncio's
//! `wait_for`, is built on them in `timeout.rs`).
//!
//! A `Sleep` registers a timer (deadline + whom to wake: the polling task's id when it is polled
//! with its task's own waker, a clone of the waker otherwise) in the executor it is polled on, and removes it when dropped, so cancelled sleeps never build up. It holds only a
//! `Weak` reference to that executor: a `Sleep` outliving its executor is fine, and a task
//! holding a `Sleep` does not keep its executor alive in a cycle.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::context;
use crate::run_loop::Core;
use crate::timer_queue::{Target, TimerKey};

/// The executor's current time: the real monotonic clock, or the virtual clock of an executor
/// made with [`Executor::with_virtual_clock`](crate::Executor::with_virtual_clock) (asyncio's
/// `loop.time()`).
///
/// # Panics
/// When called outside an executor.
///
/// ```
/// use std::time::Duration;
/// executor::Executor::with_virtual_clock().block_on(async {
///     let t0 = executor::now();
///     executor::sleep(Duration::from_millis(250)).await;
///     assert_eq!(executor::now() - t0, Duration::from_millis(250)); // exact
/// });
/// ```
pub fn now() -> Instant {
    context::expect_current("`executor::now` was called", "call")
        .clock
        .now()
}

/// Waits until `duration` has passed (asyncio's `sleep`).
///
/// The deadline is computed when the `Sleep` is **first polled**, not when it is created — as an
/// asyncio coroutine starts when awaited, not when called. `Duration::MAX` (or any duration that
/// overflows the clock) means "never"; one longer than 2⁶³ nanoseconds (292 years) is rounded
/// up to whole seconds. A zero duration completes without yielding; use
/// [`yield_now`](crate::yield_now) to let other tasks run.
///
/// ```
/// use std::time::{Duration, Instant};
/// let start = Instant::now();
/// executor::run(executor::sleep(Duration::from_millis(20)));
/// assert!(start.elapsed() >= Duration::from_millis(20)); // never early
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    // `FIXED` with no deadline: "never" (the addition to any `Instant` would overflow).
    let after = match u64::try_from(duration.as_nanos()) {
        Ok(nanos) if nanos < FAR => nanos,
        _ => {
            let secs = duration
                .as_secs()
                .saturating_add(u64::from(duration.subsec_nanos() > 0));
            FAR.checked_add(secs)
                .filter(|&after| after != FIXED)
                .unwrap_or(FIXED)
        }
    };
    Sleep {
        deadline: None,
        state: State::Unregistered { after },
    }
}

/// Waits until the executor's clock reaches `deadline`.
///
/// Exact to the nanosecond for any deadline within 2⁶³ ns (292 years) of the executor's start.
/// Beyond that, deadlines are kept to the whole second, rounded up (a timer entry is four
/// words): such a timer never fires early, but timers within one such second fire in the
/// order they were set, and the virtual clock jumps to the whole second.
///
/// ```
/// use std::time::Duration;
/// executor::Executor::with_virtual_clock().block_on(async {
///     let deadline = executor::now() + Duration::from_secs(5);
///     executor::sleep_until(deadline).await;
///     assert_eq!(executor::now(), deadline);
/// });
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline: Some(deadline),
        state: State::Unregistered { after: FIXED },
    }
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// # Panics
/// When polled outside an executor (it needs the executor's clock and timers).
///
/// A `Sleep` is a value: it can be stored, raced, or dropped — dropping it removes its timer.
///
/// ```
/// use std::time::Duration;
/// let ex = executor::Executor::with_virtual_clock();
/// let elapsed = ex.block_on(async {
///     let t0 = executor::now();
///     let long: executor::Sleep = executor::sleep(Duration::from_secs(60));
///     let long = executor::spawn(long); // its timer is set when the task first polls it
///     executor::sleep(Duration::from_secs(1)).await;
///     long.abort(); // drops the Sleep, and with it the 60 s timer
///     assert!(long.await.unwrap_err().is_cancelled());
///     executor::now() - t0
/// });
/// assert_eq!(elapsed, Duration::from_secs(1));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// The deadline once fixed; `None` is "never" (or, while `state` says so, not polled yet).
    deadline: Option<Instant>,
    state: State,
}

/// Four words for a `Sleep`, not five: "not polled yet, for this long" shares the word of the
/// registration's `seq` (the `Weak`'s null niche tells the two apart), so a task awaiting one
/// `sleep` fits a 48-byte malloc chunk.
enum State {
    Registered(Registration),
    /// No timer entry. `after`: not polled yet, the deadline is "first poll + `after`"
    /// (nanoseconds below `FAR`, `FAR + seconds` above); `FIXED`: the deadline is
    /// `Sleep::deadline`.
    Unregistered {
        after: u64,
    },
}

/// `State::Unregistered`'s "the deadline is fixed".
const FIXED: u64 = u64::MAX;
/// 2⁶³: `after` at or above it counts whole seconds.
const FAR: u64 = 1 << 63;

/// A timer entry in one executor's timer queue. Its key is (the `Sleep`'s deadline, `seq`):
/// the deadline is not stored twice, which keeps a `Sleep` — in every sleeping task's future —
/// a word smaller.
struct Registration {
    core: Weak<Core>,
    seq: u64,
}

impl Sleep {
    /// Moves the deadline to `deadline` (tokio's `Sleep::reset`), whether the sleep was never
    /// polled, is waiting, or has completed (then it waits again). A registered timer moves at
    /// once, keeping its waker, so the task is woken at the new deadline even if it does not
    /// poll the sleep again first; a past deadline fires at the next tick.
    ///
    /// ```
    /// use std::time::Duration;
    /// executor::Executor::with_virtual_clock().block_on(async {
    ///     let t0 = executor::now();
    ///     let mut nap = executor::sleep(Duration::from_secs(60));
    ///     nap.reset(t0 + Duration::from_secs(5)); // before its first poll
    ///     (&mut nap).await;
    ///     assert_eq!(executor::now() - t0, Duration::from_secs(5));
    ///     nap.reset(t0 + Duration::from_secs(7)); // a finished sleep waits again
    ///     nap.await;
    ///     assert_eq!(executor::now() - t0, Duration::from_secs(7));
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        let old_key = self.key(); // before the deadline changes: the entry is filed under it
        self.deadline = Some(deadline);
        let (Some(registration), Some(key)) = (self.take_registration(), old_key) else {
            return; // the next poll registers
        };
        let Some(core) = registration.core.upgrade() else {
            return;
        };
        let target = core.timers.borrow_mut().remove(key);
        // Fired already (`None`): the task is woken, and its poll registers the new deadline.
        if let Some(target) = target {
            let (_, seq) = core.timers.borrow_mut().insert(deadline, target);
            self.state = State::Registered(Registration {
                core: registration.core,
                seq,
            });
        }
    }

    /// Takes the registration out, if any; the deadline is fixed from here on either way.
    fn take_registration(&mut self) -> Option<Registration> {
        match std::mem::replace(&mut self.state, State::Unregistered { after: FIXED }) {
            State::Registered(registration) => Some(registration),
            State::Unregistered { .. } => None,
        }
    }

    /// Our timer entry's key, if we are registered (then the deadline is fixed and finite).
    fn key(&self) -> Option<TimerKey> {
        match (&self.state, self.deadline) {
            (State::Registered(registration), Some(deadline)) => Some((deadline, registration.seq)),
            _ => None,
        }
    }

    /// Removes our timer entry, if any, from the executor that holds it.
    pub(crate) fn deregister(&mut self) {
        let key = self.key();
        if let (State::Registered(_), Some(key)) = (&self.state, key) {
            let Some(registration) = self.take_registration() else {
                unreachable!("matched `Registered` just above");
            };
            if let Some(core) = registration.core.upgrade() {
                let removed = core.timers.borrow_mut().remove(key);
                drop(removed); // the waker, dropped outside the borrow
            }
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let core = context::expect_current("a `Sleep` was polled", "await");
        let now = core.clock.now();
        let deadline = match this.state {
            State::Unregistered { after } if after != FIXED => {
                this.state = State::Unregistered { after: FIXED };
                now.checked_add(match after.checked_sub(FAR) {
                    None => Duration::from_nanos(after),
                    Some(secs) => Duration::from_secs(secs),
                })
            }
            _ => this.deadline,
        };
        this.deadline = deadline;
        let Some(deadline) = deadline else {
            return Poll::Pending; // "never": no timer, nothing will wake us for it
        };
        if now >= deadline {
            this.deregister();
            return Poll::Ready(());
        }
        match &this.state {
            // Same executor: point the existing entry at the current waker.
            State::Registered(registration) if ptr_eq(&registration.core, &core) => {
                let key = (deadline, registration.seq);
                let own = core.own_task(cx.waker());
                let replaced = core.timers.borrow_mut().update(key, own, cx.waker());
                drop(replaced);
            }
            // First poll, or moved to another executor.
            _ => {
                this.deregister();
                // Its task's own waker: file the task, not a clone (`task_timers.rs`).
                let target = match core.own_task(cx.waker()) {
                    Some(id) => Target::Task(id),
                    None => Target::Waker(cx.waker().clone()),
                };
                let (_, seq) = core.timers.borrow_mut().insert(deadline, target);
                this.state = State::Registered(Registration {
                    core: Rc::downgrade(&core),
                    seq,
                });
            }
        }
        Poll::Pending
    }
}

/// Is the registration's executor `core`? Comparing addresses is sound even if that executor
/// is gone: our `Weak` keeps its allocation alive, so no new executor can reuse the address.
fn ptr_eq(weak: &Weak<Core>, core: &Rc<Core>) -> bool {
    std::ptr::eq(weak.as_ptr(), Rc::as_ptr(core))
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.deregister();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let deadline = match self.state {
            State::Unregistered { after } if after != FIXED => None, // not polled yet
            _ => self.deadline,
        };
        f.debug_struct("Sleep")
            .field("deadline", &deadline)
            .field("registered", &matches!(self.state, State::Registered(_)))
            .finish()
    }
}

#[cfg(test)]
#[cfg(not(loom))]
mod tests {
    /// The layout a sleeping task's memory relies on: a `Sleep` is four words (the deadline,
    /// the executor's `Weak` and the entry's sequence number — or, not polled yet, the
    /// duration), so `async { sleep(d).await }` is five and its box a 48-byte malloc chunk.
    /// The key's deadline is not kept twice.
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_sleep_is_four_words() {
        assert_eq!(std::mem::size_of::<super::Sleep>(), 32);
        let sleeper = async { super::sleep(std::time::Duration::from_secs(1)).await };
        assert_eq!(std::mem::size_of_val(&sleeper), 40);
    }
}
