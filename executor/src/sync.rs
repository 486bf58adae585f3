//! The crate's one switch between `std` and loom (`RUSTFLAGS="--cfg loom"`).
//!
//! Everything that two threads touch — the parker, the cross-thread wake queue, the per-task
//! `scheduled` flag, the block_on future's `woken` flag — is written against these names, so the
//! loom models in `tests/loom_executor.rs` check the code that really runs.
//!
//! Two things deliberately stay `std` even under loom:
//! - `std::sync::Arc`: `std::task::Waker::from` only accepts a std `Arc<impl Wake>`, and the
//!   reference count is not part of any protocol we need to model.
//! - `Instant`/the clock: loom has no time. The clock lives outside the modelled code: the parker
//!   takes an already computed timeout, and loom's `wait_timeout` simply never times out.
//!
//! The thread-local "current executor" and the thread's id (`SpawnHandle::wait` refuses the
//! executor's own thread) go through the shim too: loom runs its threads on one OS thread, so
//! std's thread-local and thread id would be shared by all of them, and "is this the
//! executor's own thread?" would lie.

/// The lent wakers' reference-count check (`lent_waker.rs`).
#[cfg(all(loom, not(executor_owned_waker)))]
pub(crate) use loom::sync::atomic::fence;
#[cfg(all(not(loom), not(executor_owned_waker)))]
pub(crate) use std::sync::atomic::fence;

#[cfg(loom)]
pub(crate) use loom::{
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    sync::{Condvar, Mutex, MutexGuard},
    thread::{current as current_thread, ThreadId},
    thread_local,
};

#[cfg(not(loom))]
pub(crate) use std::{
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    sync::{Condvar, Mutex, MutexGuard},
    thread::{current as current_thread, ThreadId},
    thread_local,
};

/// The reactor's park state (`io/reactor.rs`). The I/O layer is compiled out under loom, which
/// models the condvar parker instead, so this one is always std's.
#[cfg(all(feature = "io", not(loom)))]
pub(crate) use std::sync::atomic::AtomicU32;

/// Locks `mutex`, recovering from poisoning.
///
/// Every critical section in this crate only pushes to a `Vec`, drains it, or flips a `bool`;
/// none of them calls user code, so a panic cannot leave the protected data half-updated and the
/// invariants hold even if some thread once panicked while holding the lock.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
