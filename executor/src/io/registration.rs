//! A source's registration with the executor it was created on: how a socket waits.
//!
//! A socket remembers its executor by a `Weak` reference, so that using it after that executor
//! is gone, or from inside another one, is an `io::Error` — not a panic, not a task that no
//! reactor will ever wake. Dropping the registration deregisters the source.

use std::io;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use mio::Token;

use crate::context;
use crate::io::reactor::{Direction, IoState, Poller};
use crate::run_loop::Core;

/// A registered source's token and readiness, and the executor it belongs to.
#[derive(Debug)]
pub(crate) struct Registration {
    core: Weak<Core>,
    poller: Arc<Poller>,
    token: Token,
    state: Arc<IoState>,
}

fn no_executor() -> io::Error {
    io::Error::other("no executor is running on this thread: sockets are made inside one")
}

impl Registration {
    /// Registers `source` with the executor running on this thread.
    pub(crate) fn new(source: &mut impl mio::event::Source) -> io::Result<Self> {
        let core = context::current().ok_or_else(no_executor)?;
        let poller = core.cross_thread.parker.poller()?.clone();
        let (token, state) = poller.register(source)?;
        Ok(Registration {
            core: Rc::downgrade(&core),
            poller,
            token,
            state,
        })
    }

    /// Ok if this source may be used here: its executor is alive and is the current one.
    pub(crate) fn check_executor(&self) -> io::Result<()> {
        match context::current() {
            Some(core) if std::ptr::eq(Rc::as_ptr(&core), self.core.as_ptr()) => Ok(()),
            _ if self.core.strong_count() == 0 => Err(io::Error::other(
                "the executor this socket was registered with is gone",
            )),
            _ => Err(io::Error::other(
                "socket used outside the executor it was registered with",
            )),
        }
    }

    /// Ready when `direction` may be ready (the caller then tries the operation).
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        self.check_executor()?;
        if self.state.poll_ready(direction, cx.waker()) {
            Poll::Ready(Ok(()))
        } else {
            Poll::Pending
        }
    }

    /// The operation in `direction` would block: the next `poll_ready` waits for an event.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.state.clear_ready(direction);
    }

    /// Tries `op` while `direction` may be ready; `Pending` once it would block. Either the
    /// operation happened or nothing did: dropping the future between polls loses nothing.
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            ready!(self.poll_ready(direction, cx))?;
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(direction),
                result => return Poll::Ready(result),
            }
        }
    }
}

/// A mio source and its registration; dropping it deregisters the source, then closes it.
#[derive(Debug)]
pub(crate) struct Registered<S: mio::event::Source> {
    source: S,
    registration: Registration,
}

impl<S: mio::event::Source> Registered<S> {
    /// Registers `source` with the executor running on this thread.
    pub(crate) fn new(mut source: S) -> io::Result<Self> {
        let registration = Registration::new(&mut source)?;
        Ok(Registered {
            source,
            registration,
        })
    }

    /// The source itself (for the non-blocking operations `poll_io` retries).
    pub(crate) fn source(&self) -> &S {
        &self.source
    }

    /// See [`Registration::poll_io`].
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let mut op = op;
        self.registration
            .poll_io(direction, cx, || op(&self.source))
    }

    /// [`poll_io`](Self::poll_io) for a stream's read or write of `len` bytes. An empty one
    /// completes at once with `Ok(0)` (std's `Read`/`Write` contract: 0 for an empty buffer):
    /// the kernel answers `WouldBlock` to an empty read until data arrives, so "try, then wait
    /// for readiness" would wait for data the read will not take — for ever, if none comes.
    /// Outside its executor it fails like any other operation.
    pub(crate) fn poll_stream_io(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        len: usize,
        op: impl FnMut(&S) -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        if len == 0 {
            return Poll::Ready(self.registration.check_executor().map(|()| 0));
        }
        self.poll_io(direction, cx, op)
    }

    /// See [`Registration::poll_ready`].
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        self.registration.poll_ready(direction, cx)
    }

    /// See [`Registration::clear_ready`].
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.registration.clear_ready(direction);
    }
}

impl<S: mio::event::Source> Drop for Registered<S> {
    fn drop(&mut self) {
        let r = &self.registration;
        r.poller.deregister(&mut self.source, r.token);
    }
}
