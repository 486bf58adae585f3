//! The echo server on tokio's current-thread runtime: `tokio::net`, `tokio::spawn` per
//! connection (the sockets are `Send`, so this is what a tokio user writes; no `LocalSet`).

use super::{announce, cpu_since, handler_started, handlers_started, MESSAGE};
use crate::measure::{rss_bytes, thread_cpu_time};
use std::io;
use std::net::SocketAddr;
use std::sync::mpsc::Sender;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::{Builder, Runtime};
use tokio::time::timeout;

fn runtime() -> Result<Runtime, String> {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))
}

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
    let rt = runtime()?;
    let cpu_start = thread_cpu_time();
    let served = rt.block_on(async {
        timeout(deadline, async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            announce(&addr_tx, listener.local_addr()?);
            let mut handlers = Vec::with_capacity(n);
            for _ in 0..n {
                let (conn, _) = listener.accept().await?;
                conn.set_nodelay(true)?;
                handlers.push(tokio::spawn(handler(conn)));
            }
            for h in handlers {
                h.await??;
            }
            Ok::<_, io::Error>(())
        })
        .await
    });
    served
        .map_err(|_| format!("the tokio echo server did not finish within {deadline:?}"))?
        .map_err(|e| format!("the tokio echo server: {e}"))?;
    cpu_since(cpu_start)
}

pub(super) fn idle_server(
    n: usize,
    deadline: Duration,
    bound: impl FnOnce(SocketAddr),
    mut accepted: impl FnMut(usize),
) -> Result<(u64, u64), String> {
    let rt = runtime()?;
    let measured = rt.block_on(async {
        timeout(deadline, async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let before = rss_bytes().unwrap_or(0);
            bound(listener.local_addr()?);
            for i in 0..n {
                let (conn, _) = listener.accept().await?;
                accepted(i + 1);
                conn.set_nodelay(true)?;
                // Dropping the handle detaches the task: it stays, waiting in `read`.
                drop(tokio::spawn(handler(conn)));
            }
            while handlers_started() < n {
                tokio::task::yield_now().await;
            }
            Ok::<_, io::Error>((before, rss_bytes().unwrap_or(0)))
        })
        .await
    });
    measured
        .map_err(|_| format!("the tokio idle server did not finish within {deadline:?}"))?
        .map_err(|e| format!("the tokio idle server: {e}"))
}
