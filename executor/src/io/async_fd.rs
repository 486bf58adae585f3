//! `AsyncFd`: any file descriptor on the reactor (tokio's `AsyncFd`, asyncio's
//! `loop.add_reader`/`add_writer`). The caller does the non-blocking I/O itself; we only say
//! when to try, and the caller says when it would block (`clear_ready`).

use std::future::poll_fn;
use std::io;
use std::os::unix::io::{AsRawFd, RawFd};

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};

use crate::io::reactor::Direction;
use crate::io::registration::Registered;

/// A file descriptor owner `T` (set non-blocking by its owner) registered with the executor
/// it was made on. Dropping it deregisters the descriptor, then drops `T`.
///
/// ```
/// use std::io::{Read, Write};
/// use std::os::unix::net::UnixStream;
/// use executor::AsyncFd;
///
/// executor::run(async {
///     let (a, mut b) = UnixStream::pair().unwrap();
///     a.set_nonblocking(true).unwrap();
///     let a = AsyncFd::new(a).unwrap();
///     b.write_all(b"ready").unwrap();
///     let mut buf = [0; 8];
///     let n = loop {
///         let guard = a.readable().await.unwrap();
///         match guard.get_ref().read(&mut buf) {
///             Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => guard.clear_ready(),
///             result => break result.unwrap(),
///         }
///     };
///     assert_eq!(&buf[..n], b"ready");
/// });
/// ```
#[derive(Debug)]
pub struct AsyncFd<T: AsRawFd> {
    io: Registered<Fd<T>>,
}

/// `T` as a mio source: mio's `SourceFd`, made afresh from the raw fd for each call.
#[derive(Debug)]
struct Fd<T>(T);

impl<T: AsRawFd> mio::event::Source for Fd<T> {
    fn register(
        &mut self,
        registry: &Registry,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).register(registry, token, interest)
    }

    fn reregister(
        &mut self,
        registry: &Registry,
        token: Token,
        interest: Interest,
    ) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).reregister(registry, token, interest)
    }

    fn deregister(&mut self, registry: &Registry) -> io::Result<()> {
        SourceFd(&self.0.as_raw_fd()).deregister(registry)
    }
}

/// Proof that the descriptor may be ready in one direction: try the operation, and call
/// [`clear_ready`](ReadyGuard::clear_ready) if it would block.
#[derive(Debug)]
pub struct ReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    direction: Direction,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s descriptor (readable and writable, edge-triggered) with the
    /// executor running on this thread. `inner` must be non-blocking, or an operation the
    /// guard permits may block the whole executor.
    ///
    /// Errors: the registration's (e.g. the descriptor is already registered), or "no
    /// executor is running on this thread".
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        Ok(AsyncFd {
            io: Registered::new(Fd(inner))?,
        })
    }

    /// The wrapped owner.
    pub fn get_ref(&self) -> &T {
        &self.io.source().0
    }

    /// The raw descriptor.
    pub fn as_raw(&self) -> RawFd {
        self.get_ref().as_raw_fd()
    }

    /// Waits until the descriptor may be readable.
    pub async fn readable(&self) -> io::Result<ReadyGuard<'_, T>> {
        self.ready(Direction::Read).await
    }

    /// Waits until the descriptor may be writable.
    pub async fn writable(&self) -> io::Result<ReadyGuard<'_, T>> {
        self.ready(Direction::Write).await
    }

    async fn ready(&self, direction: Direction) -> io::Result<ReadyGuard<'_, T>> {
        poll_fn(|cx| self.io.poll_ready(direction, cx)).await?;
        Ok(ReadyGuard {
            fd: self,
            direction,
        })
    }
}

impl<T: AsRawFd> ReadyGuard<'_, T> {
    /// The operation would block: the next `readable`/`writable` waits for a new event.
    pub fn clear_ready(self) {
        self.fd.io.clear_ready(self.direction);
    }

    /// The wrapped owner, to do the I/O with.
    pub fn get_ref(&self) -> &T {
        self.fd.get_ref()
    }
}
