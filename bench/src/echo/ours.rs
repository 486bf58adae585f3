//! The echo server on our executor: `executor::net`, one task per connection.

use super::{announce, cpu_since, handler_started, handlers_started, MESSAGE};
use crate::measure::{rss_bytes, thread_cpu_time};
use executor::net::{TcpListener, TcpStream};
use executor::{spawn, timeout, yield_now, Executor};
use futures::io::{AsyncReadExt, AsyncWriteExt};
use std::io;
use std::net::SocketAddr;
use std::sync::mpsc::Sender;
use std::time::Duration;

/// Echoes until the peer closes.
async fn handler(mut conn: TcpStream) -> io::Result<()> {
    handler_started();
    let mut buf = [0u8; MESSAGE];
    loop {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        conn.write_all(&buf[..n]).await?;
    }
}

pub(super) fn echo_server(
    n: usize,
    deadline: Duration,
    addr_tx: Sender<SocketAddr>,
) -> Result<Duration, String> {
    let ex = Executor::new();
    let cpu_start = thread_cpu_time();
    let served = ex.block_on(timeout(deadline, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        announce(&addr_tx, listener.local_addr()?);
        let mut handlers = Vec::with_capacity(n);
        for _ in 0..n {
            let (conn, _) = listener.accept().await?;
            conn.set_nodelay(true)?;
            handlers.push(spawn(handler(conn)));
        }
        for h in handlers {
            h.await
                .map_err(|e| io::Error::other(format!("a handler task failed: {e}")))??;
        }
        Ok::<_, io::Error>(())
    }));
    served
        .map_err(|_| format!("our echo server did not finish within {deadline:?}"))?
        .map_err(|e| format!("our echo server: {e}"))?;
    cpu_since(cpu_start)
}

pub(super) fn idle_server(
    n: usize,
    deadline: Duration,
    bound: impl FnOnce(SocketAddr),
    mut accepted: impl FnMut(usize),
) -> Result<(u64, u64), String> {
    let ex = Executor::new();
    let measured = ex.block_on(timeout(deadline, async {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let before = rss_bytes().unwrap_or(0);
        bound(listener.local_addr()?);
        for i in 0..n {
            let (conn, _) = listener.accept().await?;
            accepted(i + 1);
            conn.set_nodelay(true)?;
            // Dropping the handle detaches the task: it stays, waiting in `read`.
            drop(spawn(handler(conn)));
        }
        while handlers_started() < n {
            yield_now().await;
        }
        Ok::<_, io::Error>((before, rss_bytes().unwrap_or(0)))
    }));
    measured
        .map_err(|_| format!("our idle server did not finish within {deadline:?}"))?
        .map_err(|e| format!("our idle server: {e}"))
}
