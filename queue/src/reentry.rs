//! Catching a storage hook (a user's `Ord`) that calls back into its own queue.
//!
//! `Ord` must run under the storage lock, and a `cmp` that then calls, say, `q.len()` would
//! wait for a lock its own thread holds: a silent deadlock. So while a hook that runs user code
//! is being called ([`Order::CALLS_USER_CODE`](crate::Order::CALLS_USER_CODE)), the thread
//! records which queue it is inside, and a lock of that queue that is *contended* looks at the
//! record and panics with an explanation instead of waiting.
//!
//! The fast path pays nothing for this: the record is read only after `try_lock` failed, a
//! lock that would have waited anyway; it is written only around hooks that run user code
//! (`Fifo` and `Lifo` skip it at compile time). It is a stack, so a `cmp` of one queue that
//! uses a second queue, whose `cmp` calls back into the first, is caught too.
//!
//! loom builds leave it out: it checks nothing about the locking protocol, and `try_lock`
//! would only add interleavings to explore.

#[cfg(not(loom))]
mod imp {
    use std::cell::RefCell;
    use std::sync::{PoisonError, TryLockError};

    use crate::sync::{Mutex, MutexGuard};

    thread_local! {
        /// The queues (their addresses) whose hooks this thread is inside, innermost last.
        static INSIDE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    }

    /// Marks this thread as running a hook of queue `id` until dropped (also when unwinding).
    pub(crate) struct HookScope(());

    impl HookScope {
        pub(crate) fn enter(id: usize) -> HookScope {
            INSIDE.with(|inside| inside.borrow_mut().push(id));
            HookScope(())
        }
    }

    impl Drop for HookScope {
        fn drop(&mut self) {
            INSIDE.with(|inside| inside.borrow_mut().pop());
        }
    }

    /// Locks `mutex`, one of queue `id`'s locks, recovering from poisoning; first panics
    /// when the lock is taken and this thread is inside one of that queue's hooks. Called
    /// only for orders that run user code.
    pub(crate) fn lock<X>(mutex: &Mutex<X>, id: usize) -> MutexGuard<'_, X> {
        match mutex.try_lock() {
            Ok(guard) => return guard,
            Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                if INSIDE.with(|inside| inside.borrow().contains(&id)) {
                    panic!(
                        "a queue's Ord (or another storage hook) called back into its own \
                         queue: the queue holds its lock while it compares items, so that \
                         call would deadlock. Compare only data the items own; do not use \
                         the queue from Ord"
                    );
                }
            }
        }
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(loom)]
mod imp {
    use std::sync::PoisonError;

    use crate::sync::{Mutex, MutexGuard};

    pub(crate) struct HookScope(());

    impl HookScope {
        pub(crate) fn enter(_id: usize) -> HookScope {
            HookScope(())
        }
    }

    pub(crate) fn lock<X>(mutex: &Mutex<X>, _id: usize) -> MutexGuard<'_, X> {
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(crate) use imp::{lock, HookScope};
