//! The errors of the queue's operations, shaped after crossbeam-channel's `err.rs`.
//!
//! Two rules from there: a failed put always hands the item back (so nothing is lost and the
//! caller decides), and `Debug` never requires `T: Debug` (so `unwrap()` works on any queue).

use std::error::Error;
use std::fmt;

/// Why a put did not happen. Every variant carries the item back to the caller.
///
/// ```
/// use queue::{PutError, Queue};
///
/// let q = Queue::bounded(1);
/// q.put("a").unwrap();
/// let err = q.try_put("b").unwrap_err();
/// assert_eq!(err, PutError::Full("b"));
/// assert_eq!(err.to_string(), "queue is full");
/// assert_eq!(err.into_inner(), "b");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue was full (`try_put`).
    Full(T),
    /// The queue stayed full until the timeout passed (`put_timeout`).
    Timeout(T),
    /// The queue has been shut down; no put succeeds after that, full or not.
    ShutDown(T),
}

impl<T> PutError<T> {
    /// Gives back the item that was not put.
    ///
    /// ```
    /// use queue::PutError;
    /// assert_eq!(PutError::ShutDown(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(item) | PutError::Timeout(item) | PutError::ShutDown(item) => item,
        }
    }

    /// True for [`PutError::ShutDown`]: the failure is permanent, retrying cannot help.
    ///
    /// ```
    /// use queue::PutError;
    /// assert!(PutError::ShutDown(()).is_shutdown());
    /// assert!(!PutError::Full(()).is_shutdown());
    /// ```
    pub fn is_shutdown(&self) -> bool {
        matches!(self, PutError::ShutDown(_))
    }
}

// By hand, not derived: a derive would demand `T: Debug`, and the item is not what a reader of
// the error needs (crossbeam prints `Full(..)` the same way).
impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("Full(..)"),
            PutError::Timeout(_) => f.write_str("Timeout(..)"),
            PutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PutError::Full(_) => "queue is full",
            PutError::Timeout(_) => "timed out waiting for room in the queue",
            PutError::ShutDown(_) => "queue is shut down",
        })
    }
}

impl<T> Error for PutError<T> {}

/// Why a get returned no item.
///
/// ```
/// use queue::{GetError, Queue};
///
/// let q: Queue<u8> = Queue::unbounded();
/// assert_eq!(q.try_get(), Err(GetError::Empty));
/// q.shutdown();
/// assert_eq!(q.try_get(), Err(GetError::ShutDown));
/// assert_eq!(GetError::ShutDown.to_string(), "queue is shut down and empty");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GetError {
    /// The queue was empty (`try_get`).
    Empty,
    /// The queue stayed empty until the timeout passed (`get_timeout`).
    Timeout,
    /// The queue is shut down and everything in it has been taken.
    ShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GetError::Empty => "queue is empty",
            GetError::Timeout => "timed out waiting for an item",
            GetError::ShutDown => "queue is shut down and empty",
        })
    }
}

impl Error for GetError {}

/// `task_done` was called more times than items were put (CPython raises `ValueError`).
/// The count of unfinished tasks is left unchanged.
///
/// ```
/// use queue::{Queue, TaskDoneError};
///
/// let q: Queue<u8> = Queue::unbounded();
/// assert_eq!(q.task_done(), Err(TaskDoneError));
/// assert_eq!(TaskDoneError.to_string(), "task_done called more times than items were put");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done called more times than items were put")
    }
}

impl Error for TaskDoneError {}
