//! futures-io's `AsyncRead`/`AsyncWrite` for the stream types (TCP and Unix), written once.
//!
//! A stream type has an `io: Registered<S>` field whose `S` reads and writes by reference
//! (`&mio::net::TcpStream`, `&mio::net::UnixStream`) and a `shutdown(Shutdown)` method. The
//! traits are implemented for the type and for a shared reference to it, so one task can read
//! while another writes (`futures::io::split`, or two `&stream`s).

/// Implements the stream traits for `$t` and `&$t` (see the module docs).
macro_rules! stream_io {
    ($t:ident) => {
        impl $t {
            fn poll_read_ref(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let read = crate::io::reactor::Direction::Read;
                self.io.poll_stream_io(read, cx, buf.len(), |mut s| {
                    std::io::Read::read(&mut s, buf)
                })
            }

            fn poll_write_ref(
                &self,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                let write = crate::io::reactor::Direction::Write;
                self.io.poll_stream_io(write, cx, buf.len(), |mut s| {
                    std::io::Write::write(&mut s, buf)
                })
            }

            fn poll_close_ref(&self) -> std::task::Poll<std::io::Result<()>> {
                // Already shut down, or the peer is gone: closing is done either way.
                match self.shutdown(std::net::Shutdown::Write) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotConnected => {
                        std::task::Poll::Ready(Ok(()))
                    }
                    result => std::task::Poll::Ready(result),
                }
            }
        }

        stream_io!(@traits $t);
        stream_io!(@traits &$t);
    };
    (@traits $t:ty) => {
        impl futures_io::AsyncRead for $t {
            fn poll_read(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &mut [u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_read_ref(cx, buf)
            }
        }

        impl futures_io::AsyncWrite for $t {
            fn poll_write(
                self: std::pin::Pin<&mut Self>,
                cx: &mut std::task::Context<'_>,
                buf: &[u8],
            ) -> std::task::Poll<std::io::Result<usize>> {
                self.poll_write_ref(cx, buf)
            }

            /// Nothing to flush: writes go straight to the kernel.
            fn poll_flush(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                std::task::Poll::Ready(Ok(()))
            }

            fn poll_close(
                self: std::pin::Pin<&mut Self>,
                _: &mut std::task::Context<'_>,
            ) -> std::task::Poll<std::io::Result<()>> {
                self.poll_close_ref()
            }
        }
    };
}
