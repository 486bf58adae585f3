//! `run_until_stalled` and `run_until_done`: `block_on` with a main future that watches the
//! executor instead of waiting for a result (futures' `LocalPool::run_until_stalled` and
//! `LocalPool::run`).
//!
//! A layer on the run loop, which is unchanged: main wakes *itself* on every poll, so it queues
//! at the back of the run queue, behind every task ready now, and is polled again at the end
//! of each tick. So the executor never idles on its own while one of these runs, and main looks
//! at the executor each time everything ready before it has run.
//!
//! **Stalled** means nothing can run *now*: no task in the run queue, no wake from another
//! thread waiting to be drained (a hand-over from a `Spawner` is one), and no timer due — a timer
//! due later is not ready, on the virtual clock too (main keeps itself ready, so virtual time
//! does not move). I/O readiness the reactor has not polled for yet is not seen either.
//!
//! **Done** means no task is left (the `Spawner`'s receiving task does not count: it never
//! ends) and nothing is ready. Until then, each time the executor is stalled main takes the idle
//! step itself — `Core::idle`: the virtual clock jumps (unless `off_thread` holds it), the real
//! one parks until the next deadline or a wake — then wakes itself to look again. So a task
//! waiting on another thread is waited for; a task nothing will ever wake is waited for forever.
//! Why not detect that: "nobody can wake it" is not decidable from here — a waker clone may sit
//! in another thread, a channel, a socket's registration, or in another stuck task (a cycle) —
//! so any check would either miss cases or refuse programs that work. asyncio's `run_forever`
//! and futures' `LocalPool::run` wait forever too; the watchdog belongs to the caller
//! (`timeout` on a task, or a thread that times the run).

use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use crate::run_loop::Core;
use crate::slab::TaskId;

impl Core {
    /// Nothing can run now (module docs). Reads the clock only when a timer is pending.
    fn is_stalled(&self) -> bool {
        // `MAIN` entries are main's own self-wakes, not work.
        self.run_queue.borrow().iter().all(|&id| id == TaskId::MAIN)
            && !self.cross_thread.has_remote_wakes()
            && !self
                .timers
                .borrow()
                .next_deadline()
                .is_some_and(|deadline| deadline <= self.clock.now())
    }

    /// Runs until stalled. The caller checked that no executor runs on this thread.
    pub(crate) fn run_until_stalled(self: &Rc<Self>) {
        self.block_on(poll_fn(|cx| {
            if self.is_stalled() {
                return Poll::Ready(());
            }
            cx.waker().wake_by_ref(); // poll me again after what is ready now
            Poll::Pending
        }));
    }

    /// Runs until no task but `internal` ones is left and nothing is ready. The caller checked
    /// that no executor runs on this thread.
    pub(crate) fn run_until_done(self: &Rc<Self>, internal: usize) {
        self.block_on(poll_fn(|cx| {
            if self.is_stalled() {
                if self.tasks.borrow().len() <= internal {
                    return Poll::Ready(());
                }
                // Stalled with tasks left: what `block_on` would do with nothing ready.
                self.idle();
            }
            cx.waker().wake_by_ref();
            Poll::Pending
        }));
    }
}
