//! How the executor drops user values on a task's behalf: never unwinding, never recursing
//! once per task.
//!
//! The executor drops a task's future when the task finishes, is aborted or is torn down, and
//! an output nobody read when the task ends detached or its `JoinHandle` is dropped unread
//! (`join_table.rs`). Those drops are user code, and they have two hazards:
//!
//! - **They may panic.** A task's destructor must not take down the run loop any more than its
//!   `poll` may, so every such drop is caught ([`drop_quietly`]). The panic's payload is a user
//!   value too, and its own `Drop` may panic; that second panic is caught as well, and its
//!   payload is leaked (`mem::forget`) rather than dropped: dropping it could panic again, and
//!   again, for ever.
//! - **They may reach the next task.** A dropped future may abort a task it guards (dropping
//!   *that* future), spawn a task during teardown (cancelled at once, so dropped at once), or
//!   hold the `JoinHandle` of a finished task whose output holds the next handle... Done
//!   directly, each link is a few stack frames deeper: a chain of a few thousand tasks
//!   overflows a 2 MiB thread stack and aborts the process.
//!
//! The second is solved with a trampoline: [`drop_deferred`] drops its value at once only if no
//! deferred drop is in progress on this thread; otherwise it pushes the value onto a queue and
//! returns. The outermost call drains the queue in a loop before it returns, so a chain of any
//! length is dropped at a constant stack depth. The cost on the common path — nothing else
//! being dropped — is a thread-local flag set and cleared around the drop.
//!
//! Why a thread-local queue and not one in the executor's core: a finished chain can be
//! dropped with no executor around (a `JoinHandle` outlives its executor, or is dropped outside
//! `block_on`), and a task has no pointer to its executor — adding one would cost every
//! pending task a word (`task.rs`). Everything
//! the executor drops is single-threaded (not `Send`), so the queue of this thread is always
//! the right one.
//!
//! Order: a deferred value is dropped after the drop that deferred it has returned, so "the
//! future is dropped, then the awaiter is woken" holds only for the outermost drop; an awaiter
//! runs later anyway (a wake only queues it). `block_on` and teardown start a fresh queue for
//! their own duration ([`Scope`]), so what an executor run — or torn down — from inside a
//! `Drop` drops is dropped before that run (or teardown) returns, not by the outer drop after
//! it, when that executor is no longer current.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::sync::thread_local;

/// A value waiting to be dropped; only its `Drop` matters.
trait Deferred {}
impl<T> Deferred for T {}

/// Whether a drop is in progress on this thread, and whether it has values waiting. Kept apart
/// from the values' `Vec`: a thread-local with no destructor is never torn down, so reading it
/// — for every finished task — cannot fail and needs no fallback; only the rare nested drop
/// touches the `Vec`.
struct State {
    /// True while an outermost [`drop_deferred`] runs on this thread.
    active: Cell<bool>,
    /// True while `VALUES` is not empty.
    queued: Cell<bool>,
}

// `const` initialisation, as in `context.rs` (loom's macro does not accept it).
#[cfg(not(loom))]
thread_local! {
    static STATE: State = const { State { active: Cell::new(false), queued: Cell::new(false) } };
    static VALUES: RefCell<Vec<Box<dyn Deferred>>> = const { RefCell::new(Vec::new()) };
}
#[cfg(loom)]
thread_local! {
    static STATE: State = State { active: Cell::new(false), queued: Cell::new(false) };
    static VALUES: RefCell<Vec<Box<dyn Deferred>>> = RefCell::new(Vec::new());
}

/// Drops `value` — now, or after the deferred drop already in progress on this thread — and
/// swallows any panic from its `Drop`. Never recurses into itself: see the module docs.
#[inline]
pub(crate) fn drop_deferred<T: 'static>(value: T) {
    // `STATE` has no destructor, so `with` cannot fail, even while the thread exits.
    if STATE.with(|state| state.active.replace(true)) {
        defer(Box::new(value));
        return;
    }
    drop_quietly(value);
    if STATE.with(|state| state.queued.get()) {
        drain();
    }
    STATE.with(|state| state.active.set(false));
}

/// Queues a value for the drop in progress.
#[cold]
fn defer(value: Box<dyn Deferred>) {
    let mut value = Some(value);
    let _ = VALUES.try_with(|values| {
        values.borrow_mut().extend(value.take());
        STATE.with(|state| state.queued.set(true));
    });
    // No `Vec`: the thread's locals are being torn down. Drop now (the one case that recurses).
    drop_quietly(value);
}

/// Drops the queued values, and what their drops queue, until none is left.
#[cold]
fn drain() {
    loop {
        // One at a time, the borrow released before the drop: it may defer more.
        let next = VALUES
            .try_with(|values| {
                let mut values = values.borrow_mut();
                let next = values.pop();
                STATE.with(|state| state.queued.set(!values.is_empty()));
                next
            })
            .ok()
            .flatten();
        match next {
            Some(value) => drop_quietly(value),
            None => break,
        }
    }
    STATE.with(|state| state.queued.set(false));
}

/// Wakes `waker`, swallowing a panic from its `wake` (or its `Drop`), payload and all, as
/// [`drop_quietly`] does. For the one foreign waker the executor calls on a task's behalf
/// from anywhere — the awaiter's, when the task ends: that may be in the run loop, in `abort`
/// or in teardown, none of which may unwind (from a `Drop`, a second panic aborts).
pub(crate) fn wake_quietly(waker: std::task::Waker) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || waker.wake())) {
        drop_payload(payload);
    }
}

/// Drops `value`, swallowing a panic from its `Drop` — and one from its panic payload's.
pub(crate) fn drop_quietly<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        drop_payload(payload);
    }
}

fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        // The payload's own `Drop` panicked. Dropping *this* payload could panic once more, and
        // so on without end: leak it. (A leak of one box per such double fault.)
        std::mem::forget(again);
    }
}

/// A fresh, empty queue for as long as it lives (`block_on`, teardown): the drops an executor
/// does while it runs or tears down finish before it returns, even inside another drop.
pub(crate) struct Scope {
    saved: Option<(bool, Vec<Box<dyn Deferred>>)>,
}

impl Scope {
    pub(crate) fn enter() -> Scope {
        let saved = STATE
            .try_with(|state| {
                let values = VALUES.try_with(|values| values.take()).unwrap_or_default();
                state.queued.set(false);
                (state.active.replace(false), values)
            })
            .ok();
        Scope { saved }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        if let Some((active, values)) = self.saved.take() {
            // Every drop started inside the scope has drained the queue by now (a drain never
            // unwinds), so nothing of ours is lost by putting the outer state back.
            let _ = STATE.try_with(|state| {
                state.active.set(active);
                state.queued.set(!values.is_empty());
                let ours = VALUES.try_with(|slot| slot.replace(values));
                debug_assert!(ours.map_or(true, |ours| ours.is_empty()));
            });
        }
    }
}

#[cfg(test)]
#[cfg(not(loom))]
mod tests {
    use super::*;
    use std::rc::Rc;

    /// A linked list whose every node is dropped through `drop_deferred`.
    struct Node(Option<Box<Node>>, Rc<Cell<usize>>);
    impl Drop for Node {
        fn drop(&mut self) {
            self.1.set(self.1.get() + 1);
            if let Some(next) = self.0.take() {
                drop_deferred(next);
            }
        }
    }

    #[test]
    fn a_long_chain_is_dropped_in_a_loop_and_panics_stay_inside() {
        let count = Rc::new(Cell::new(0));
        let mut list = None;
        for _ in 0..200_000 {
            list = Some(Box::new(Node(list, count.clone())));
        }
        drop_deferred(list);
        assert_eq!(count.get(), 200_000);
        drop_deferred(Boom);
        assert!(!STATE.with(|state| state.active.get()), "the drop ended");
    }

    struct Boom;
    impl Drop for Boom {
        fn drop(&mut self) {
            std::panic::panic_any(Boom);
        }
    }
}
