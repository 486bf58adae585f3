//! The clients, the same for every server: one tokio current-thread runtime on the calling
//! thread opens every connection first, then runs them all at once, each doing its round trips
//! one after the other (write [`MESSAGE`] bytes, read them back, check them).

use super::{EchoPlan, MESSAGE};
use crate::measure::thread_cpu_time;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens `plan.connections` connections to `addr`, then times all their round trips. Returns
/// that wall time and the clients' CPU time over it, or an error (a socket's, a wrong echo, or
/// `deadline` passed).
pub(super) fn round_trips(
    addr: SocketAddr,
    plan: EchoPlan,
    deadline: Duration,
) -> Result<(Duration, Duration), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("client runtime: {e}"))?;
    let run = async move {
        // Connecting first, one at a time, keeps the accept phase out of the timed part and
        // never queues more than one connection in the server's backlog.
        let mut streams = Vec::with_capacity(plan.connections);
        for _ in 0..plan.connections {
            let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            streams.push(stream);
        }
        let (start, cpu_start) = (Instant::now(), thread_cpu_time());
        let tasks: Vec<_> = streams
            .into_iter()
            .enumerate()
            .map(|(i, stream)| tokio::spawn(one_connection(stream, i, plan.round_trips)))
            .collect();
        for task in tasks {
            task.await.map_err(|e| e.to_string())??;
        }
        let wall = start.elapsed();
        Ok::<_, String>((wall, super::cpu_since(cpu_start)?))
    };
    // The timer must be made inside the runtime.
    rt.block_on(async move { tokio::time::timeout(deadline, run).await })
        .map_err(|_| format!("the echo clients did not finish within {deadline:?}"))?
        .map_err(|e| format!("echo client: {e}"))
}

/// One connection's round trips; the stream closes when it returns, which ends the server's
/// handler.
async fn one_connection(mut stream: TcpStream, i: usize, trips: usize) -> Result<(), String> {
    let mut out = [0u8; MESSAGE];
    let mut back = [0u8; MESSAGE];
    for trip in 0..trips {
        // Different bytes per connection and trip: a server that mixed up streams is caught.
        out.fill((i + trip) as u8);
        stream.write_all(&out).await.map_err(|e| e.to_string())?;
        stream
            .read_exact(&mut back)
            .await
            .map_err(|e| e.to_string())?;
        if back != out {
            return Err(format!("connection {i}, trip {trip}: wrong echo"));
        }
    }
    Ok(())
}
