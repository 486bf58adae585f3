//! The echo server as a thread per connection: blocking std sockets, no runtime. Its CPU time
//! is the acceptor's plus every handler thread's own (each reads its thread's total at its end).

use super::{announce, cpu_since, handler_started, handlers_started, MESSAGE};
use crate::measure::{rss_bytes, thread_cpu_time};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Echoes until the peer closes; returns this thread's CPU time (it started with the
/// connection, so its total is the connection's cost).
fn handler(mut conn: TcpStream) -> io::Result<Duration> {
    handler_started();
    let mut buf = [0u8; MESSAGE];
    loop {
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(thread_cpu_time().unwrap_or_default());
        }
        conn.write_all(&buf[..n])?;
    }
}

/// Accepts one connection before `deadline`. std's `accept` cannot be interrupted, so the
/// listener is non-blocking and a `WouldBlock` waits a little: a client that never comes ends
/// the run with an error instead of leaving a thread blocked forever. Only the untimed connect
/// phase pays for the wait.
fn accept_by(listener: &TcpListener, deadline: Instant) -> io::Result<TcpStream> {
    loop {
        match listener.accept() {
            Ok((conn, _)) => {
                conn.set_nonblocking(false)?;
                conn.set_nodelay(true)?;
                // Reads time out at the run's deadline: a silent client cannot hang a handler.
                let left = deadline.saturating_duration_since(Instant::now());
                conn.set_read_timeout(Some(left.max(Duration::from_millis(1))))?;
                return Ok(conn);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "no client came"));
                }
                thread::sleep(Duration::from_micros(100));
            }
            Err(e) => return Err(e),
        }
    }
}

fn bind() -> io::Result<TcpListener> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// `Instant::now() + timeout`, or about a year for a timeout too large to add.
fn deadline_in(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600))
}

pub(super) fn echo_server(
    n: usize,
    timeout: Duration,
    addr_tx: std::sync::mpsc::Sender<SocketAddr>,
) -> Result<Duration, String> {
    let fail = |e: io::Error| format!("the thread-per-connection echo server: {e}");
    let deadline = deadline_in(timeout);
    let cpu_start = thread_cpu_time();
    let listener = bind().map_err(fail)?;
    announce(&addr_tx, listener.local_addr().map_err(fail)?);
    let mut handlers = Vec::with_capacity(n);
    for _ in 0..n {
        let conn = accept_by(&listener, deadline).map_err(fail)?;
        let spawned = thread::Builder::new().spawn(move || handler(conn));
        handlers.push(spawned.map_err(fail)?);
    }
    let mut cpu = cpu_since(cpu_start)?;
    for h in handlers {
        let handled = h
            .join()
            .map_err(|_| "a handler thread panicked".to_string())?;
        cpu += handled.map_err(fail)?;
    }
    Ok(cpu)
}

pub(super) fn idle_server(
    n: usize,
    timeout: Duration,
    bound: impl FnOnce(SocketAddr),
    mut accepted: impl FnMut(usize),
) -> Result<(u64, u64), String> {
    let fail = |e: io::Error| format!("the thread-per-connection idle server: {e}");
    let deadline = deadline_in(timeout);
    let listener = bind().map_err(fail)?;
    let before = rss_bytes().unwrap_or(0);
    bound(listener.local_addr().map_err(fail)?);
    for i in 0..n {
        let conn = accept_by(&listener, deadline).map_err(fail)?;
        accepted(i + 1);
        // Detached: the thread stays, blocked in `read`, until the process exits.
        thread::Builder::new()
            .spawn(move || handler(conn))
            .map_err(fail)?;
    }
    while handlers_started() < n {
        if Instant::now() >= deadline {
            return Err("the idle handler threads did not all start".into());
        }
        thread::yield_now();
    }
    Ok((before, rss_bytes().unwrap_or(0)))
}
