//! `JobError`: why a [`WorkerPool`](crate::WorkerPool) job produced no value.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::sync::PoisonError;

/// Why a job produced no value: it panicked, or it was dropped without running.
///
/// Like tokio's `JoinError`, [`into_panic`](Self::into_panic) gives back the panic payload so
/// the caller can re-raise it with [`std::panic::resume_unwind`].
///
/// ```
/// let pool = queue::WorkerPool::new(1);
/// let err = pool.submit(|| -> u8 { panic!("bad input") }).wait().unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.to_string(), "job panicked: bad input");
/// let payload = err.into_panic();
/// assert_eq!(payload.downcast_ref::<&str>(), Some(&"bad input"));
/// ```
pub struct JobError(Repr);

enum Repr {
    /// The payload sits in a `std::sync::Mutex` only to make `JobError: Sync` without unsafe
    /// (`Box<dyn Any + Send>` is not `Sync`, and `Mutex<T: Send>` is): so `?` can turn it into
    /// a `Box<dyn Error + Send + Sync>`. The mutex is never contended — only `&self` methods
    /// that read the message lock it.
    Panicked(std::sync::Mutex<Box<dyn Any + Send + 'static>>),
    /// The job was dropped unrun: the pool was shut down with `shutdown_now`.
    Cancelled,
}

impl JobError {
    pub(crate) fn panicked(payload: Box<dyn Any + Send + 'static>) -> Self {
        JobError(Repr::Panicked(std::sync::Mutex::new(payload)))
    }

    pub(crate) fn cancelled() -> Self {
        JobError(Repr::Cancelled)
    }

    /// True when the job panicked.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// assert!(pool.submit(|| panic!("oops")).wait().unwrap_err().is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.0, Repr::Panicked(_))
    }

    /// True when the job never ran: the pool was shut down with
    /// [`shutdown_now`](crate::WorkerPool::shutdown_now) while it was still queued.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// let (started, has_started) = std::sync::mpsc::channel();
    /// let (release, held) = std::sync::mpsc::channel::<()>();
    /// let running = pool.submit(move || {
    ///     started.send(()).unwrap();
    ///     held.recv().unwrap(); // occupies the only worker until released
    /// });
    /// let queued = pool.submit(|| 1);
    /// has_started.recv().unwrap();
    /// // Cancelling `queued` is what lets `running` finish, so `queued` cannot have run.
    /// let watcher = std::thread::spawn(move || {
    ///     let result = queued.wait();
    ///     release.send(()).unwrap();
    ///     result
    /// });
    /// assert_eq!(pool.shutdown_now(), 1);
    /// assert!(watcher.join().unwrap().unwrap_err().is_cancelled());
    /// assert!(running.wait().is_ok()); // a job already running is never cancelled
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.0, Repr::Cancelled)
    }

    /// The panic payload of a job that panicked, to inspect it or re-raise it with
    /// [`std::panic::resume_unwind`].
    ///
    /// # Panics
    ///
    /// If the job did not panic ([`is_panic`](Self::is_panic) is false), like tokio's
    /// `JoinError::into_panic`.
    ///
    /// ```
    /// let pool = queue::WorkerPool::new(1);
    /// let err = pool.submit(|| std::panic::panic_any(7_u32)).wait().unwrap_err();
    /// assert_eq!(*err.into_panic().downcast::<u32>().unwrap(), 7);
    /// ```
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        match self.0 {
            Repr::Panicked(payload) => payload.into_inner().unwrap_or_else(PoisonError::into_inner),
            Repr::Cancelled => panic!(
                "JobError::into_panic on a job that was cancelled, not one that panicked; \
                 check is_panic() first"
            ),
        }
    }
}

/// The message of a panic payload, when it is one (`panic!` with a literal or with format
/// arguments gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Panicked(payload) => {
                let payload = payload.lock().unwrap_or_else(PoisonError::into_inner);
                match panic_message(&**payload) {
                    Some(msg) => write!(f, "job panicked: {msg}"),
                    None => f.write_str("job panicked"),
                }
            }
            Repr::Cancelled => f.write_str("job was cancelled before it ran"),
        }
    }
}

impl fmt::Debug for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The payload is `dyn Any`, not `Debug`; print its message when it has one.
        match &self.0 {
            Repr::Panicked(_) => write!(f, "JobError::Panicked({:?})", self.to_string()),
            Repr::Cancelled => f.write_str("JobError::Cancelled"),
        }
    }
}

impl Error for JobError {}
