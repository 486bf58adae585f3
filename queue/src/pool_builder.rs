//! `WorkerPoolBuilder`: a [`WorkerPool`]'s settings, each checked where it is given.

use std::num::NonZeroUsize;

use crate::pool::WorkerPool;

/// Configures a [`WorkerPool`]: thread count, queue capacity, thread names.
///
/// ```
/// let pool = queue::WorkerPool::builder().threads(3).capacity(8).name_prefix("crunch").build();
/// assert_eq!(pool.threads(), 3);
/// let name = pool.submit(|| std::thread::current().name().map(String::from)).wait().unwrap();
/// assert!(name.unwrap().starts_with("crunch-"));
/// ```
#[derive(Debug, Clone)]
pub struct WorkerPoolBuilder {
    threads: Option<usize>,
    capacity: Option<usize>,
    name_prefix: String,
}

impl WorkerPoolBuilder {
    /// The defaults: see [`WorkerPool::builder`].
    pub(crate) fn new() -> WorkerPoolBuilder {
        WorkerPoolBuilder {
            threads: None,
            capacity: None,
            name_prefix: String::from("pool-worker"),
        }
    }

    /// The number of worker threads (default: one per core, from
    /// [`std::thread::available_parallelism`]).
    ///
    /// # Panics
    ///
    /// If `threads` is 0: a pool that can never run a job would make every `wait` hang.
    ///
    /// ```
    /// assert_eq!(queue::WorkerPool::builder().threads(2).build().threads(), 2);
    /// ```
    pub fn threads(mut self, threads: usize) -> WorkerPoolBuilder {
        assert!(
            threads > 0,
            "threads(0): a WorkerPool needs at least one thread, or no job would ever run; \
             ask for threads >= 1 (or leave it out: one per core)"
        );
        self.threads = Some(threads);
        self
    }

    /// How many jobs may wait in the queue before `submit` blocks (default: `64 × threads`).
    ///
    /// # Panics
    ///
    /// If `capacity` is 0, as [`Queue::bounded`](crate::BlockingQueue::bounded) does: a queue
    /// with no room would make every `submit` block forever.
    ///
    /// ```
    /// let pool = queue::WorkerPool::builder().threads(1).capacity(1).build();
    /// assert_eq!(pool.submit(|| 5).wait().unwrap(), 5);
    /// ```
    pub fn capacity(mut self, capacity: usize) -> WorkerPoolBuilder {
        assert!(
            capacity > 0,
            "capacity(0): a WorkerPool's queue capacity must be at least 1, or no submit could \
             ever succeed; ask for capacity >= 1 (or leave it out: 64 per thread)"
        );
        self.capacity = Some(capacity);
        self
    }

    /// The worker threads are named `{prefix}-0`, `{prefix}-1`, … (default `pool-worker`), as
    /// seen in panic messages, debuggers and `top -H`.
    ///
    /// # Panics
    ///
    /// If `prefix` contains a NUL byte (`'\0'`), which an OS thread name cannot hold. Checked
    /// here, where the name is given, rather than when `build` starts the threads.
    ///
    /// ```
    /// let pool = queue::WorkerPool::builder().threads(1).name_prefix("hash").build();
    /// let name = pool.submit(|| std::thread::current().name().map(String::from));
    /// assert_eq!(name.wait().unwrap().as_deref(), Some("hash-0"));
    /// ```
    ///
    /// ```should_panic
    /// let _ = queue::WorkerPool::builder().name_prefix("bad\0name"); // panics: a NUL byte
    /// ```
    pub fn name_prefix(mut self, prefix: impl Into<String>) -> WorkerPoolBuilder {
        let prefix = prefix.into();
        assert!(
            !prefix.contains('\0'),
            "name_prefix({prefix:?}): a thread name cannot contain a NUL byte ('\\0'); \
             remove it from the prefix"
        );
        self.name_prefix = prefix;
        self
    }

    /// Starts the threads.
    ///
    /// # Panics
    ///
    /// If the OS refuses to start a thread (the threads already started are joined first).
    /// Bad settings panic earlier, in [`threads`](Self::threads),
    /// [`capacity`](Self::capacity) and [`name_prefix`](Self::name_prefix).
    ///
    /// ```
    /// let pool = queue::WorkerPool::builder().threads(2).capacity(4).build();
    /// assert_eq!(pool.submit(|| 1 + 1).wait().unwrap(), 2);
    /// ```
    pub fn build(self) -> WorkerPool {
        // One thread per core by default; 1 when the OS cannot say.
        let cores = || std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        // Both at least 1: the setters check what is given, and the defaults are.
        let threads = self.threads.unwrap_or_else(cores);
        let capacity = self.capacity.unwrap_or(threads.saturating_mul(64));
        WorkerPool::start(threads, capacity, &self.name_prefix)
    }
}
