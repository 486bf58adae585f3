//! Memory per idle connection, measured in a fresh process per contender (as
//! `exec::memory` does for pending tasks: a process that ran other workloads reuses freed heap).
//!
//! The bench binary re-executes itself with [`CHILD_FLAG`]: the child binds an echo server,
//! prints `addr=<address>`, reads its resident set, accepts `n` connections (saying
//! `accepted=<k>` every [`CHUNK`], see there), waits until every
//! handler waits in its first `read`, and prints `bytes_per_connection=<value>` before exiting.
//! The parent holds the `n` client ends (blocking std sockets, never written to), so each
//! process needs only `n` descriptors: both ends of 10 000 connections in one process would hit
//! the open-file limit of 20 000. A bench binary opts in by calling [`child_main`] first thing.

use super::{ours, threads_srv, tokio_srv, EchoContender, RUN_DEADLINE};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The argument that turns a bench binary into an idle-connections child:
/// `<exe> --echo-idle-child <contender name> <n>`.
pub const CHILD_FLAG: &str = "--echo-idle-child";

/// The parent connects this many clients, then waits for the child to say it accepted them
/// (`accepted=<k>`). Unpaced, a parent that connects faster than a starved child accepts
/// (load averages of 5–8 on 2 cores) overflows the accept queue: the kernel drops the SYN and
/// the client retries a second later. Smaller than every listener's backlog (std's is 128).
const CHUNK: usize = 100;

/// If this process was started as an idle-connections child, runs it, prints its lines and
/// returns `true` (the caller should then exit); otherwise returns `false` and does nothing.
pub fn child_main() -> bool {
    let args: Vec<String> = std::env::args().collect();
    let Some(pos) = args.iter().position(|a| a == CHILD_FLAG) else {
        return false;
    };
    let contender = args.get(pos + 1).and_then(|s| EchoContender::from_name(s));
    let n = args.get(pos + 2).and_then(|n| n.parse::<usize>().ok());
    let (Some(contender), Some(n)) = (contender, n) else {
        eprintln!("usage: {CHILD_FLAG} <contender> <n>");
        std::process::exit(2);
    };
    let bound = |addr: SocketAddr| {
        println!("addr={addr}");
        let _ = std::io::stdout().flush();
    };
    let accepted = |k: usize| {
        if k % CHUNK == 0 {
            println!("accepted={k}");
            let _ = std::io::stdout().flush();
        }
    };
    let measured = match contender {
        EchoContender::Ours => ours::idle_server(n, RUN_DEADLINE, bound, accepted),
        EchoContender::Tokio => tokio_srv::idle_server(n, RUN_DEADLINE, bound, accepted),
        EchoContender::Threads => threads_srv::idle_server(n, RUN_DEADLINE, bound, accepted),
    };
    match measured {
        Ok((before, after)) => {
            let per = after.saturating_sub(before) as f64 / n.max(1) as f64;
            println!("bytes_per_connection={per}");
            let _ = std::io::stdout().flush();
            // Exits at once: the idle handler threads of `Threads` must not be waited for.
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// Resident memory the server grows by per idle connection (bytes), for `contender` with `n`
/// connections, measured in a fresh child process of the current executable (which must call
/// [`child_main`] at start).
pub fn bytes_per_idle_connection(contender: EchoContender, n: usize) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let mut child = Command::new(exe)
        .args([CHILD_FLAG, contender.name(), &n.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawning the idle child: {e}"))?;
    let result = talk_to(&mut child, n);
    // A child that is still running (an error on our side) is ended; one that exited is reaped.
    let _ = child.kill();
    let _ = child.wait();
    result.map_err(|e| format!("idle child for {}: {e}", contender.name()))
}

fn talk_to(child: &mut Child, n: usize) -> Result<f64, String> {
    let stdout = child.stdout.take().ok_or("no stdout")?;
    // Lines arrive on a channel so that every wait for the child has a deadline.
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |prefix: &str| -> Result<String, String> {
        let line = lines
            .recv_timeout(RUN_DEADLINE)
            .map_err(|e| format!("waiting for `{prefix}`: {e}"))?;
        line.strip_prefix(prefix)
            .map(str::to_string)
            .ok_or_else(|| format!("expected `{prefix}…`, got `{line}`"))
    };
    let addr: SocketAddr = next("addr=")?
        .parse()
        .map_err(|e| format!("address: {e}"))?;
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .map_err(|e| format!("connection {i}: {e}"))?;
        clients.push(stream);
        if (i + 1) % CHUNK == 0 {
            let accepted = next("accepted=")?;
            if accepted != (i + 1).to_string() {
                return Err(format!("expected accepted={}, got {accepted}", i + 1));
            }
        }
    }
    let value = next("bytes_per_connection=")?;
    // The client ends close after the child exited: the server side takes the TIME_WAIT.
    drop(clients);
    value.trim().parse().map_err(|e| format!("value: {e}"))
}
