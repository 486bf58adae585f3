//! A layer: where a task keeps its stage. The default is a `Cell`, moved out and back; the
//! textbook `RefCell` is one switch away (`RUSTFLAGS="--cfg executor_refcell_stage"`, see
//! `scripts/ablation-executor`), with the same three operations, so `task.rs` reads the same
//! either way.
//!
//! What the `Cell` buys is the `RefCell`'s borrow counter: one word in every task, and a task
//! for a small future sits just under a malloc chunk boundary, so that word costs a whole
//! 16-byte step (the README's ablation measures it, per pending and per sleeping task). It
//! costs nothing in safety here: `task.rs` never holds a reference into its stage across user
//! code — it moves the stage out (leaving `Polling` or `Consumed` behind), which is also how a
//! task reaching its own handle during its poll is recognised.

/// The default: a plain `Cell` (`replace`, `set`, `get_mut` are `Cell`'s own).
#[cfg(not(executor_refcell_stage))]
pub(crate) type StageCell<T> = std::cell::Cell<T>;

/// The textbook variant: a `RefCell`, used through the same three operations.
#[cfg(executor_refcell_stage)]
pub(crate) struct StageCell<T>(std::cell::RefCell<T>);

#[cfg(executor_refcell_stage)]
impl<T> StageCell<T> {
    pub(crate) fn new(value: T) -> Self {
        StageCell(std::cell::RefCell::new(value))
    }

    pub(crate) fn replace(&self, value: T) -> T {
        self.0.replace(value)
    }

    pub(crate) fn set(&self, value: T) {
        // The old value (a placeholder stage: no user code in its drop) drops after the borrow.
        drop(self.0.replace(value));
    }

    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }
}
