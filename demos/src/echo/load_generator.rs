//! The `echo` demo's load generator: N clients as tasks on our executor (the cheapest way to
//! hold thousands of sockets), every echo checked, run in a child process with a deadline.

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use executor::net;
use futures::io::{AsyncReadExt, AsyncWriteExt};

use super::{child, Load, MESSAGE};

/// Connections the load generator has opening at once (connected, first echo not back yet).
/// A connect completes in the kernel before the server accepts it; thousands at once would
/// overflow the listen backlog (std's is 128), and a dropped SYN is retried only after a
/// second: the wall time would measure the kernel's retry timer, not the server.
const OPENING: usize = 64;

/// The load generator: `load` against `addr`, its clients as tasks on our executor (the
/// cheapest way to hold thousands of sockets). Returns the wall time from the first connect to
/// the last close; checks every echo.
pub fn generate(addr: SocketAddr, load: Load) -> Result<Duration, String> {
    let start = Instant::now();
    executor::run(clients(addr, load))?;
    Ok(start.elapsed())
}

async fn clients(addr: SocketAddr, load: Load) -> Result<(), String> {
    async fn round_trip(conn: &mut net::TcpStream, i: usize) -> std::io::Result<()> {
        let out = [(i % 251) as u8; MESSAGE];
        let mut back = [0u8; MESSAGE];
        conn.write_all(&out).await?;
        conn.read_exact(&mut back).await?;
        if back == out {
            Ok(())
        } else {
            Err(std::io::Error::other("the echo differs from what was sent"))
        }
    }
    // A connection is "opening" from its connect until its first echo: only then is it surely
    // accepted. At most `OPENING` at once, so the server's accept queue cannot overflow.
    let mut opening = std::collections::VecDeque::with_capacity(OPENING);
    let mut open = Vec::with_capacity(load.connections);
    let mut busy = Vec::with_capacity(load.connections);
    for i in 0..load.connections + OPENING {
        if opening.len() == OPENING || (i >= load.connections && !opening.is_empty()) {
            let (j, first): (usize, executor::JoinHandle<std::io::Result<net::TcpStream>>) =
                opening.pop_front().expect("not empty");
            let mut conn = first
                .await
                .map_err(|e| format!("client {j}: {e}"))?
                .map_err(|e| format!("client {j}: {e}"))?;
            if load.idle {
                open.push(conn);
            } else {
                busy.push(executor::spawn(async move {
                    for trip in 1..load.rounds {
                        round_trip(&mut conn, j + trip).await?;
                    }
                    Ok::<_, std::io::Error>(())
                }));
            }
        }
        if i < load.connections {
            opening.push_back((
                i,
                executor::spawn(async move {
                    let mut conn = net::TcpStream::connect(addr).await?;
                    conn.set_nodelay(true)?;
                    round_trip(&mut conn, i).await?;
                    Ok(conn)
                }),
            ));
        }
    }
    for (i, task) in busy.into_iter().enumerate() {
        let done = task.await.map_err(|e| format!("client {i}: {e}"))?;
        done.map_err(|e| format!("client {i}: {e}"))?;
    }
    if load.idle {
        // Every connection is open now, each idle since its first trip: the last trip of each.
        let last = open
            .into_iter()
            .enumerate()
            .map(|(i, mut conn)| async move { round_trip(&mut conn, i + 1).await.map(drop) });
        for (i, trip) in executor::gather(last).await.into_iter().enumerate() {
            trip.map_err(|e| format!("client {i}, last trip: {e}"))?;
        }
    }
    Ok(())
}

/// Starts the load generator — `program` with `args` then `<addr> <load…>` — in a child
/// process with a time limit, on a thread of its own; the handle gives its wall time.
pub fn spawn_load(
    mut program: Command,
    addr: SocketAddr,
    load: Load,
    limit: Duration,
) -> std::thread::JoinHandle<Result<Duration, String>> {
    program.arg(addr.to_string()).args(load.args());
    std::thread::spawn(move || {
        let done = child::run_with_limit(&mut program, limit)
            .map_err(|why| format!("load generator: {why}"))?;
        let line = done.stdout.lines().last().unwrap_or("");
        match (line.strip_prefix("ok "), line.strip_prefix("error ")) {
            (Some(ns), _) => ns
                .parse()
                .map(Duration::from_nanos)
                .map_err(|_| format!("load generator printed {line:?}")),
            (None, Some(why)) => Err(format!("load generator: {why}")),
            _ => Err(format!("load generator failed ({})", done.status)),
        }
    })
}

/// The load generator's side of `spawn_load`: `args` are `<addr> <load…>`. Prints
/// `ok <wall ns>` or `error <why>`.
pub fn load_main(args: &[String]) {
    let parsed = args
        .split_first()
        .and_then(|(addr, rest)| Some((addr.parse::<SocketAddr>().ok()?, Load::parse(rest)?)));
    let Some((addr, load)) = parsed else {
        println!("error bad load arguments {args:?}");
        return;
    };
    match generate(addr, load) {
        Ok(wall) => println!("ok {}", wall.as_nanos()),
        Err(why) => println!("error {why}"),
    }
}
