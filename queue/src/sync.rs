//! The one place this crate names its synchronization primitives.
//!
//! Everything that locks, waits or touches an atomic shared between threads goes through these
//! names, so that building with `RUSTFLAGS="--cfg loom"` swaps in loom's instrumented types and
//! the loom models check the very code that runs in production, not a copy of it.

#[cfg(not(loom))]
pub(crate) use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Condvar, Mutex, MutexGuard,
};

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicUsize, Ordering},
    Condvar, Mutex, MutexGuard,
};
