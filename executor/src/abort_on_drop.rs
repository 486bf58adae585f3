//! `AbortOnDrop`: a `JoinHandle` that cancels its task when dropped — what makes
//! `timeout(d, handle.abort_on_drop())` asyncio's `wait_for(task, d)`.
//!
//! A plain `JoinHandle` *detaches* its task when dropped (asyncio's tasks, tokio's handles): so
//! `timeout(d, handle)` that runs out drops the handle and the task runs on. asyncio's
//! `wait_for` cancels the task it waited for; this wrapper (tokio-util's `AbortOnDropHandle`)
//! gives the handle that meaning. A future passed to `timeout` directly needs none of this: it
//! is dropped — cancelled — when time runs out.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::join_handle::{JoinError, JoinHandle};

/// A [`JoinHandle`] that aborts its task when dropped; made by [`JoinHandle::abort_on_drop`].
///
/// Awaiting it yields what the handle would: `Ok(output)`, or a [`JoinError`]. Dropping it
/// before the task finished cancels the task (its future is dropped at once); after, it only
/// drops the result.
///
/// ```
/// use std::time::Duration;
/// use executor::{sleep, spawn, timeout, Elapsed, Executor};
///
/// let ex = Executor::with_virtual_clock();
/// let slow = ex.spawn(sleep(Duration::from_secs(60)));
/// let watch = slow.abort_on_drop();
/// // asyncio's `wait_for(task, 1)`: on time-out the task is cancelled, not left running.
/// let out = ex.block_on(timeout(Duration::from_secs(1), watch));
/// assert_eq!(out.unwrap_err(), Elapsed);
/// ```
#[must_use = "dropping it aborts the task at once"]
pub struct AbortOnDrop<T> {
    /// `None` only after `detach` took it out.
    handle: Option<JoinHandle<T>>,
}

impl<T> AbortOnDrop<T> {
    pub(crate) fn new(handle: JoinHandle<T>) -> Self {
        AbortOnDrop {
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &JoinHandle<T> {
        self.handle
            .as_ref()
            .unwrap_or_else(|| unreachable!("only `detach` takes the handle, consuming self"))
    }

    /// Cancels the task now ([`JoinHandle::abort`]).
    pub fn abort(&self) {
        self.handle().abort();
    }

    /// True once the task has finished ([`JoinHandle::is_finished`]).
    pub fn is_finished(&self) -> bool {
        self.handle().is_finished()
    }

    /// The plain handle back: dropping *it* detaches the task again.
    ///
    /// ```
    /// let out = executor::run(async {
    ///     let guarded = executor::spawn(async { 5 }).abort_on_drop();
    ///     let handle: executor::JoinHandle<i32> = guarded.detach(); // no abort here
    ///     handle.await
    /// });
    /// assert_eq!(out.unwrap(), 5);
    /// ```
    pub fn detach(mut self) -> JoinHandle<T> {
        self.handle
            .take()
            .unwrap_or_else(|| unreachable!("only `detach` takes the handle, consuming self"))
    }
}

impl<T: 'static> Future for AbortOnDrop<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self
            .handle
            .as_mut()
            .unwrap_or_else(|| unreachable!("only `detach` takes the handle, consuming self"));
        Pin::new(handle).poll(cx)
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.abort(); // a no-op if the task already finished
        }
    }
}

impl<T> fmt::Debug for AbortOnDrop<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortOnDrop")
            .field(
                "finished",
                &self.handle.as_ref().map(JoinHandle::is_finished),
            )
            .finish()
    }
}
