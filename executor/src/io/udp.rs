//! UDP: `UdpSocket` (asyncio's `create_datagram_endpoint`, or `loop.sock_sendto`/`sock_recvfrom`).

use std::future::poll_fn;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use crate::io::reactor::Direction::{Read as R, Write as W};
use crate::io::registration::Registered;

/// A UDP socket, registered with the executor it was made on.
///
/// A datagram is sent or received whole in the poll that returns it: dropping a pending
/// `recv_from` loses no datagram. Used outside its executor, every call fails with an
/// `io::Error`. Dropping it deregisters and closes the socket.
///
/// ```
/// use executor::net::UdpSocket;
/// executor::run(async {
///     let a = UdpSocket::bind("127.0.0.1:0").unwrap();
///     let b = UdpSocket::bind("127.0.0.1:0").unwrap();
///     let sent = a.send_to(b"ping", b.local_addr().unwrap()).await.unwrap();
///     assert_eq!(sent, 4);
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr().unwrap()));
/// });
/// ```
#[derive(Debug)]
pub struct UdpSocket {
    io: Registered<mio::net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to the first address `addr` resolves to that works (resolution blocks).
    pub fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let mut last = None;
        for addr in addr.to_socket_addrs()? {
            match mio::net::UdpSocket::bind(addr) {
                Ok(socket) => return Self::register(socket),
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

    /// Takes over a bound std socket (set non-blocking here).
    pub fn from_std(socket: std::net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Self::register(mio::net::UdpSocket::from_std(socket))
    }

    fn register(socket: mio::net::UdpSocket) -> io::Result<UdpSocket> {
        Ok(UdpSocket {
            io: Registered::new(socket)?,
        })
    }

    /// The address this socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.source().local_addr()
    }

    /// Sends one datagram to `target`; returns the number of bytes sent.
    pub async fn send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        poll_fn(|cx| self.io.poll_io(W, cx, |s| s.send_to(buf, target))).await
    }

    /// Receives one datagram; returns its length (the rest is cut if `buf` is too short) and
    /// its sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        poll_fn(|cx| self.io.poll_io(R, cx, |s| s.recv_from(buf))).await
    }
}
