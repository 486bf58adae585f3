//! The I/O layer (feature `io`, on by default): a reactor in the idle step, and sockets.
//!
//! The core knows nothing of it but one seam: how the idle executor sleeps (`IdleSleep`,
//! `idle_sleep.rs`). Without `io` it is the condvar parker; with `io` it is the [`Reactor`]
//! (`reactor.rs`), which sleeps in one `epoll_wait` for readiness, the next deadline and
//! cross-thread wakes (a timerfd, `deadline_timer.rs`, ends a timed park to the nanosecond), and
//! wakes the tasks whose sockets became ready. Sockets (`tcp.rs`, `udp.rs`, `unix.rs`,
//! `async_fd.rs`; the stream traits once, in `stream.rs`) register with the executor they are
//! made on (`registration.rs`) and wait by "try; if it would block, wait for readiness".
//!
//! Readiness is collected when the executor idles — when no task is ready — and, so that a
//! task that never lets the run queue empty (a `yield_now` loop) cannot starve I/O, by a
//! zero-timeout poll every `BUSY_TICKS_PER_POLL`-th tick that ends with tasks still ready
//! (`Reactor::busy_tick`; the core's second, smaller contact with this layer), and within a
//! long tick every few dozen task polls (`Reactor::poll_io_now`, called by the run loop's
//! `mid_tick_io.rs` layer), so a server busy with many connections sees the requests that came
//! in meanwhile before its run queue runs dry. asyncio's `_run_once` selects every iteration;
//! tokio polls every `event_interval` polled tasks, whose default we took for both.

#[cfg(unix)]
mod async_fd;
#[cfg(target_os = "linux")]
mod deadline_timer;
mod reactor;
mod registration;
#[macro_use]
mod stream;
mod tcp;
mod udp;
#[cfg(unix)]
mod unix;

pub(crate) use reactor::Reactor;

#[cfg(unix)]
pub use async_fd::{AsyncFd, ReadyGuard};

/// Sockets on the executor's reactor: asyncio's streams and `loop.sock_*`.
pub mod net {
    pub use super::tcp::{TcpListener, TcpStream};
    pub use super::udp::UdpSocket;
    #[cfg(unix)]
    pub use super::unix::{UnixListener, UnixStream};
}
