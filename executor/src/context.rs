//! The thread-local "current executor": what the free functions (`spawn`, `sleep`, `now`) and
//! the same-thread wake path use to find the executor running on this thread.
//!
//! It is set by `block_on` (and while an executor drops its tasks), and restored by a guard on
//! exit — also when a panic unwinds through `block_on`.
//!
//! *Current* and *running* differ: an executor dropping its tasks is current (a dropping
//! future may still `spawn`, read `now` or drop a `Sleep`) but not running — it polls nothing
//! and never will again. So a `Drop` may run another executor then (`run`, `block_on`); only
//! a `block_on` while one is running is refused: the outer one could not run again until the
//! inner one returned.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use crate::run_loop::Core;
use crate::slab::TaskId;
use crate::sync::thread_local;
use crate::waker::CrossThread;

// `const` initialisation lets std skip the lazy-init check on every access (this is on the wake
// path); loom's macro does not accept it (in edition 2021 `$init:expr` rejects `const { }`).
#[cfg(not(loom))]
thread_local! {
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}
#[cfg(loom)]
thread_local! {
    static CURRENT: RefCell<Option<Rc<Core>>> = RefCell::new(None);
    static RUNNING: Cell<bool> = Cell::new(false);
}

/// Marks this thread as running an executor until dropped (see the module docs).
pub(crate) struct RunningGuard(());

/// Marks this thread as running an executor; `None` if one already runs here.
pub(crate) fn start_running() -> Option<RunningGuard> {
    // During thread-local destruction there is no flag: treat it as "not running".
    let was_running = RUNNING
        .try_with(|running| running.replace(true))
        .unwrap_or(false);
    (!was_running).then_some(RunningGuard(()))
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        let _ = RUNNING.try_with(|running| running.set(false));
    }
}

/// Restores the previous current executor when dropped.
pub(crate) struct EnterGuard {
    previous: Option<Rc<Core>>,
}

/// Makes `core` the current executor until the guard drops.
pub(crate) fn enter(core: Rc<Core>) -> EnterGuard {
    // `try_with`: during thread-local destruction (an executor dropped by a TLS destructor) there
    // is no context to set; the guard then restores nothing.
    let previous = CURRENT
        .try_with(|current| current.replace(Some(core)))
        .ok()
        .flatten();
    EnterGuard { previous }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `replace` ends its borrow before returning: the old `Rc<Core>` is dropped after, so
        // whatever its drop does (it may be the last reference) cannot meet a borrowed cell.
        let ours = CURRENT.try_with(|current| current.replace(previous));
        drop(ours);
    }
}

/// The executor running on this thread, if any.
pub(crate) fn current() -> Option<Rc<Core>> {
    CURRENT
        .try_with(|current| current.try_borrow().ok().and_then(|c| c.clone()))
        .ok()
        .flatten()
}

/// The executor running on this thread. Otherwise panics with "`done` outside an executor",
/// and what to do instead: `remedy` it inside `run`, `block_on`, or a task.
#[track_caller]
pub(crate) fn expect_current(done: &str, remedy: &str) -> Rc<Core> {
    match current() {
        Some(core) => core,
        None => panic!(
            "{done} outside an executor; {remedy} it inside `executor::run`, \
             `Executor::block_on` or a task they run instead"
        ),
    }
}

/// Is the executor owning `cross_thread` the one running on this thread?
pub(crate) fn is_current(cross_thread: &Arc<CrossThread>) -> bool {
    CURRENT
        .try_with(|current| match current.try_borrow() {
            Ok(current) => current
                .as_ref()
                .is_some_and(|core| Arc::ptr_eq(&core.cross_thread, cross_thread)),
            Err(_) => false,
        })
        .unwrap_or(false)
}

/// The lock-free wake path: if the executor owning `cross_thread` runs on this thread, puts `id` on
/// its run queue and returns true. Pointer equality is a sound identity test here: both `Arc`s
/// are alive (the caller holds one, the current `Core` the other), so equal addresses mean the
/// same `CrossThread`.
pub(crate) fn push_local(cross_thread: &Arc<CrossThread>, id: TaskId) -> bool {
    CURRENT
        .try_with(|current| {
            let Ok(current) = current.try_borrow() else {
                return false;
            };
            match current.as_ref() {
                Some(core) if Arc::ptr_eq(&core.cross_thread, cross_thread) => {
                    core.run_queue.borrow_mut().push_back(id);
                    true
                }
                _ => false,
            }
        })
        .unwrap_or(false)
}
