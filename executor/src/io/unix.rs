//! Unix-domain streams: `UnixListener` and `UnixStream` (asyncio's `start_unix_server` and
//! `open_unix_connection`). The same "try, else wait for readiness" as TCP (`tcp.rs`).

use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::os::unix::net::SocketAddr;
use std::path::Path;

use crate::io::reactor::Direction::{Read as R, Write as W};
use crate::io::registration::Registered;

/// A Unix-domain socket listening for connections, registered with the executor it was made on.
///
/// ```
/// use executor::net::{UnixListener, UnixStream};
/// use futures::io::{AsyncReadExt, AsyncWriteExt};
///
/// let path = std::env::temp_dir().join(format!("executor-doc-{}.sock", std::process::id()));
/// let _ = std::fs::remove_file(&path);
/// executor::run(async {
///     let listener = UnixListener::bind(&path).unwrap();
///     let mut client = UnixStream::connect(&path).await.unwrap();
///     let (mut server, _) = listener.accept().await.unwrap();
///     client.write_all(b"hi").await.unwrap();
///     let mut buf = [0; 2];
///     server.read_exact(&mut buf).await.unwrap();
///     assert_eq!(&buf, b"hi");
/// });
/// std::fs::remove_file(&path).unwrap();
/// ```
#[derive(Debug)]
pub struct UnixListener {
    io: Registered<mio::net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (which must not exist yet) and listens.
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        Ok(UnixListener {
            io: Registered::new(mio::net::UnixListener::bind(path)?)?,
        })
    }

    /// Waits for a connection. Cancellation-safe, as [`TcpListener::accept`](crate::net::TcpListener::accept).
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = poll_fn(|cx| self.io.poll_io(R, cx, |l| l.accept())).await?;
        Ok((UnixStream::register(stream)?, addr))
    }
}

/// A Unix-domain stream; `AsyncRead`/`AsyncWrite` as [`TcpStream`](crate::net::TcpStream), also on
/// `&UnixStream`.
#[derive(Debug)]
pub struct UnixStream {
    io: Registered<mio::net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path`.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let stream = Self::register(mio::net::UnixStream::connect(path)?)?;
        poll_fn(|cx| {
            stream.io.poll_io(W, cx, |s| match s.take_error()? {
                Some(e) => Err(e),
                None => Ok(()),
            })
        })
        .await?;
        Ok(stream)
    }

    /// A connected pair (asyncio's `socket.socketpair()` + `open_connection(sock=…)`).
    ///
    /// ```
    /// use futures::io::{AsyncReadExt, AsyncWriteExt};
    /// executor::run(async {
    ///     let (mut a, mut b) = executor::net::UnixStream::pair().unwrap();
    ///     a.write_all(b"x").await.unwrap();
    ///     let mut buf = [0; 1];
    ///     b.read_exact(&mut buf).await.unwrap();
    ///     assert_eq!(&buf, b"x");
    /// });
    /// ```
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = mio::net::UnixStream::pair()?;
        Ok((Self::register(a)?, Self::register(b)?))
    }

    /// Takes over a connected std stream (set non-blocking here).
    pub fn from_std(stream: std::os::unix::net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        Self::register(mio::net::UnixStream::from_std(stream))
    }

    fn register(stream: mio::net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: Registered::new(stream)?,
        })
    }

    /// Shuts the read half, the write half, or both down.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.source().shutdown(how)
    }
}

stream_io!(UnixStream);
