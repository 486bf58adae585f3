//! TCP: `TcpListener` (asyncio's `start_server`) and `TcpStream` (`open_connection`), on mio's
//! non-blocking sockets registered with the executor's reactor.
//!
//! Every operation is "try, and if it would block, wait for the next readiness event": a
//! pending `read` or `accept` has taken nothing from the kernel yet, so dropping it (a
//! `timeout`, an aborted task) loses no data and no connection.

use std::future::poll_fn;
use std::io;
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
#[cfg(unix)]
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};

use crate::io::reactor::Direction::{Read as R, Write as W};
use crate::io::registration::Registered;

/// A TCP socket listening for connections, registered with the executor it was made on.
///
/// Made inside an executor (a task or `block_on`); used outside it, every call fails with an
/// `io::Error`. Dropping it deregisters and closes the socket.
///
/// ```
/// use executor::net::{TcpListener, TcpStream};
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// executor::run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = executor::spawn(async move {
///         let (mut conn, _peer) = listener.accept().await.unwrap();
///         let mut buf = [0; 5];
///         conn.read_exact(&mut buf).await.unwrap();
///         conn.write_all(&buf).await.unwrap(); // echo
///     });
///     let mut client = TcpStream::connect(addr).await.unwrap();
///     client.write_all(b"hello").await.unwrap();
///     let mut back = [0; 5];
///     client.read_exact(&mut back).await.unwrap();
///     assert_eq!(&back, b"hello");
///     server.await.unwrap();
/// });
/// ```
#[derive(Debug)]
pub struct TcpListener {
    io: Registered<mio::net::TcpListener>,
}

impl TcpListener {
    /// Binds to the first address `addr` resolves to that works, and listens (with mio's
    /// backlog; for another, bind a `std::net::TcpListener` yourself and use `from_std`).
    ///
    /// Name resolution, if `addr` needs it, blocks the thread (std's `ToSocketAddrs`).
    /// Errors: the bind's, or "no executor is running on this thread".
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match mio::net::TcpListener::bind(addr) {
                Ok(listener) => return Self::register(listener),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolved to nothing",
            )
        }))
    }

    /// Takes over a listening std socket (set non-blocking here).
    ///
    /// ```
    /// executor::run(async {
    ///     let std = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = std.local_addr().unwrap();
    ///     let listener = executor::net::TcpListener::from_std(std).unwrap();
    ///     assert_eq!(listener.local_addr().unwrap(), addr);
    /// });
    /// ```
    pub fn from_std(listener: std::net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        Self::register(mio::net::TcpListener::from_std(listener))
    }

    fn register(listener: mio::net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: Registered::new(listener)?,
        })
    }

    /// The address this listener is bound to (the port the OS chose for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().local_addr()
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// Cancellation-safe: a connection is taken from the backlog only in the poll that
    /// returns it.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = poll_fn(|cx| self.io.poll_io(R, cx, |l| l.accept())).await?;
        Ok((TcpStream::register(stream)?, addr))
    }
}

/// A TCP connection, registered with the executor it was made on.
///
/// Implements `futures-io`'s `AsyncRead` and `AsyncWrite`, also on `&TcpStream` (one task may
/// read while another writes), so `futures::io`'s helpers work: `read_exact`, `write_all`,
/// `copy`, `BufReader`, `lines`, `split`. `poll_close` shuts the write half down. One task
/// waits per direction: a second reader on the same stream takes the first one's place. A
/// read or write of an empty buffer completes at once with `Ok(0)`, data or not.
/// Used outside its executor, every call fails with an `io::Error`. Dropping it deregisters
/// and closes the socket.
#[derive(Debug)]
pub struct TcpStream {
    io: Registered<mio::net::TcpStream>,
}

impl TcpStream {
    /// Connects to the first address `addr` resolves to that accepts.
    ///
    /// Name resolution, if `addr` needs it, blocks the thread (std's `ToSocketAddrs`).
    ///
    /// ```
    /// executor::run(async {
    ///     let listener = executor::net::TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let addr = listener.local_addr().unwrap();
    ///     let client = executor::net::TcpStream::connect(addr).await.unwrap();
    ///     let (server_side, peer) = listener.accept().await.unwrap();
    ///     assert_eq!(peer, client.local_addr().unwrap());
    ///     assert_eq!(server_side.peer_addr().unwrap(), client.local_addr().unwrap());
    ///     assert_eq!(client.peer_addr().unwrap(), addr);
    /// });
    /// ```
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match Self::connect_one(addr).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "the address resolved to nothing",
            )
        }))
    }

    async fn connect_one(addr: SocketAddr) -> io::Result<TcpStream> {
        let stream = Self::register(mio::net::TcpStream::connect(addr)?)?;
        // A non-blocking connect completes when the socket turns writable: then either an
        // error is pending, or the socket has a peer (mio's documented procedure).
        poll_fn(|cx| {
            stream.io.poll_io(W, cx, |s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
        })
        .await?;
        Ok(stream)
    }

    /// Takes over a connected std socket (set non-blocking here).
    pub fn from_std(stream: std::net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        Self::register(mio::net::TcpStream::from_std(stream))
    }

    fn register(stream: mio::net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: Registered::new(stream)?,
        })
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().local_addr()
    }

    /// The other end's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().peer_addr()
    }

    /// Turns Nagle's algorithm off (`true`): small writes leave at once.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.source().set_nodelay(nodelay)
    }

    /// Shuts the read half, the write half, or both down (the peer reads end-of-file after a
    /// write shutdown).
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.source().shutdown(how)
    }
}

stream_io!(TcpStream);

/// The descriptor, for socket options this type does not wrap (do not read or write through it
/// behind the reactor's back: the readiness flags would not know).
#[cfg(unix)]
impl AsFd for TcpStream {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.source().as_fd()
    }
}

/// See `AsFd`.
#[cfg(unix)]
impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> RawFd {
        self.io.source().as_raw_fd()
    }
}

/// See `AsFd` for [`TcpStream`].
#[cfg(unix)]
impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.source().as_fd()
    }
}
