//! An optimization of a stream's read (TCP and Unix streams): every read asks the kernel for one
//! byte more than the caller's buffer holds, so that it knows whether it drained the socket.
//!
//! **What it changes.** A read that fills its buffer cannot tell whether more data waits in the
//! kernel, so without this the next read tries again — and on a request/response connection
//! that try is a `recv` answering `EAGAIN`: half of an echo server's reads. Here a read of `len`
//! bytes is one `readv` into the caller's buffer and one *probe* byte:
//! - fewer than `len + 1` bytes back: the receive queue was empty when the read returned.
//!   Sources are edge-triggered, so data arriving later brings a new event; the readable flag
//!   is cleared and the next read waits for that event without a system call. (tokio clears
//!   readiness the same way after a short read; without a probe it cannot after a full one.)
//! - `len + 1` bytes back: more data waits; the probe byte is kept here, and the next read
//!   starts its buffer with it (the stream's next byte), then fills the rest the same way in
//!   one try that does not wait — it has a byte to return already.
//!
//! **What it keeps.** End-of-file and errors are never waited for: once an event said the peer
//! closed its write half (or the socket failed), the source stays readable for good (the
//! reactor's `read_closed`), so a short read that took the last data before a FIN that came in
//! the same event does not wait for an event that will not come. A pending read has taken
//! nothing from the kernel, so dropping it loses nothing; a kept byte lives in the stream. What
//! a stream may hold back is one byte: reading its descriptor directly (behind the reactor's
//! back, as `AsFd`'s docs warn) would miss it.
//!
//! **What it assumes**, as tokio does when it clears readiness after a short read: a short read
//! means the receive queue was empty. The kernel also stops a read early at a TCP urgent mark
//! (`MSG_OOB` from the peer) and, on a Unix stream, at a message carrying file descriptors
//! (`SCM_RIGHTS`); there the next read waits for the peer's next data although bytes are
//! queued. Neither can be read through this API (no out-of-band read, no `recvmsg`): a peer
//! that sends them is speaking another protocol.

use std::cell::Cell;
use std::io::{self, IoSliceMut};
use std::task::{ready, Context, Poll};

use crate::io::reactor::Direction;
use crate::io::registration::Registered;

/// The byte a read took beyond its caller's buffer, kept for the next read (module docs).
#[derive(Default)]
pub(crate) struct ReadAhead {
    byte: Cell<Option<u8>>,
    /// An error the try after a kept byte met, for the next read (the byte came first).
    error: Cell<Option<io::Error>>,
}

impl std::fmt::Debug for ReadAhead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadAhead")
            .field("byte", &self.byte.get())
            .finish_non_exhaustive()
    }
}

impl ReadAhead {
    /// A stream's `poll_read` on `io`: the kept byte if there is one, else one `readv` of
    /// `buf.len()` bytes and the probe. An empty `buf` completes at once with `Ok(0)` (see
    /// `Registered::poll_stream_io`).
    pub(crate) fn poll_read<S>(
        &self,
        io: &Registered<S>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>
    where
        S: mio::event::Source,
        for<'a> &'a S: io::Read,
    {
        let len = buf.len();
        if len == 0 {
            return io.poll_stream_io(Direction::Read, cx, 0, |_| Ok(0));
        }
        if let Some(byte) = self.byte.get() {
            io.check_executor()?; // outside its executor, a read fails like any operation
            self.byte.set(None);
            buf[0] = byte;
            // The rest of the buffer too, if the socket has more: a read that returned the
            // kept byte alone would make every other read of a busy stream one byte long (and
            // a `copy` write one byte). One try, no wait: this read has its byte already.
            let rest = self.try_read(io, &mut buf[1..]);
            return Poll::Ready(Ok(1 + rest));
        }
        if let Some(error) = self.error.take() {
            return Poll::Ready(Err(error));
        }
        let mut probe = [0u8; 1];
        let n = ready!(io.poll_io(Direction::Read, cx, |mut s| {
            let mut bufs = [IoSliceMut::new(&mut *buf), IoSliceMut::new(&mut probe)];
            io::Read::read_vectored(&mut s, &mut bufs)
        }))?;
        if n > len {
            self.byte.set(Some(probe[0]));
            return Poll::Ready(Ok(len));
        }
        // 0 is end-of-file: that stays readable. Only where mio's poller is edge-triggered
        // (epoll, kqueue): elsewhere a later event is not promised, and a try is always safe.
        if n > 0 && cfg!(unix) {
            io.read_drained();
        }
        Poll::Ready(Ok(n))
    }

    /// One `readv` into `rest` and the probe, without waiting: how many bytes went into
    /// `rest`. Would block: 0, and the next read waits for an event. An error: 0, kept for the
    /// next read. End-of-file: 0, and the next read finds it again.
    fn try_read<S>(&self, io: &Registered<S>, rest: &mut [u8]) -> usize
    where
        S: mio::event::Source,
        for<'a> &'a S: io::Read,
    {
        if rest.is_empty() {
            return 0;
        }
        let mut probe = [0u8; 1];
        let mut bufs = [IoSliceMut::new(&mut *rest), IoSliceMut::new(&mut probe)];
        match io::Read::read_vectored(&mut io.source(), &mut bufs) {
            Ok(n) if n > rest.len() => {
                self.byte.set(Some(probe[0]));
                rest.len()
            }
            Ok(n) => {
                if n > 0 && cfg!(unix) {
                    io.read_drained();
                }
                n
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                io.clear_ready(Direction::Read);
                0
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => {
                self.error.set(Some(e));
                0
            }
        }
    }
}
