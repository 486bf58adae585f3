//! `echo`: an echo server and a load generator over loopback — asyncio's `start_server` /
//! `open_connection` on our executor, beside the two thread-based ways to serve sockets.
//!
//! ```text
//! cargo run --release -p demos --bin echo                                  # executor, 100 × 100
//! cargo run --release -p demos --bin echo -- --server threads --connections 1000 --rounds 10
//! cargo run --release -p demos --bin echo -- --server pool --idle          # refused: see below
//! ```
//!
//! The server runs in this process; the load generator is a child process (this binary with
//! `--load ADDR`), so the server's sockets and the clients' sockets are counted in two
//! processes. Three servers, each serving exactly `--connections` connections, then returning:
//!
//! | server     | Python                                       | one connection is …            |
//! |------------|----------------------------------------------|--------------------------------|
//! | `executor` | `asyncio.start_server`                       | a task (a boxed future)        |
//! | `threads`  | `socketserver.ThreadingTCPServer`            | an OS thread                   |
//! | `pool`     | a `WorkerPool` of 8 threads fed by the accept loop | a job, one worker for its whole life |
//!
//! Two loads: **busy** (each connection does `--rounds` round trips of 64 bytes back to back,
//! then closes) and **idle** (`--idle`: each connection does one round trip, then waits until
//! every connection is open, then one more). A pool serves only as many connections at once as
//! it has threads, so under the idle load it would wait forever for connections that wait for
//! each other: that combination is refused with an error instead of hanging.
//!
//! Every loop is bounded: a server serves a known count of connections, a connection's read
//! gives up after `IDLE_LIMIT`, and the load generator runs under a deadline.
#![forbid(unsafe_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;

use executor::net;
use futures::io::{AsyncReadExt, AsyncWriteExt};
use queue::WorkerPool;

/// Bytes per message, each way.
pub const MESSAGE: usize = 64;
/// Threads in the pool server.
pub const POOL_THREADS: usize = 8;
/// How long a connection may stay silent before its server gives up on it: a vanished client
/// costs this, never a hang.
const IDLE_LIMIT: Duration = Duration::from_secs(30);

/// How the server gives each connection its own line of work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Server {
    /// One task per connection on our one-threaded executor.
    Executor,
    /// One OS thread per connection.
    Threads,
    /// `POOL_THREADS` threads; each serves one connection at a time, start to end.
    Pool,
}

impl Server {
    /// Every server, in table order.
    pub const ALL: [Server; 3] = [Server::Executor, Server::Threads, Server::Pool];

    /// Its name on the command line and in the tables.
    pub fn name(self) -> &'static str {
        match self {
            Server::Executor => "executor",
            Server::Threads => "threads",
            Server::Pool => "pool",
        }
    }

    /// The server called `name`, if any.
    pub fn parse(name: &str) -> Option<Server> {
        Server::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What the load generator does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    /// Connections, all open at once under the idle load.
    pub connections: usize,
    /// Round trips per connection (busy); the idle load always does two.
    pub rounds: usize,
    /// Whether connections are mostly idle: one trip, held open until all are open, one trip.
    pub idle: bool,
}

impl Load {
    /// The load's name in the tables: `busy` or `idle`.
    pub fn name(&self) -> &'static str {
        if self.idle {
            "idle"
        } else {
            "busy"
        }
    }

    /// Why `server` cannot serve this load, if it cannot.
    pub fn refused_by(&self, server: Server) -> Option<String> {
        (server == Server::Pool && self.idle && self.connections > POOL_THREADS).then(|| {
            format!(
                "not run: {POOL_THREADS} threads hold {POOL_THREADS} connections open; the other {} would wait forever",
                self.connections - POOL_THREADS
            )
        })
    }

    /// The arguments that describe it: `<busy|idle> <connections> <rounds>`.
    pub fn args(&self) -> [String; 3] {
        [
            self.name().into(),
            self.connections.to_string(),
            self.rounds.to_string(),
        ]
    }

    /// The load described by `args()`.
    pub fn parse(args: &[String]) -> Option<Load> {
        let [mode, connections, rounds] = args else {
            return None;
        };
        Some(Load {
            idle: match mode.as_str() {
                "idle" => true,
                "busy" => false,
                _ => return None,
            },
            connections: connections.parse().ok().filter(|&n| n > 0)?,
            rounds: rounds.parse().ok().filter(|&r| r > 0)?,
        })
    }
}

/// Serves exactly `connections` connections from `listener` with `server`, echoing each until
/// its client closes. `Err` says what failed (a thread that could not start, a socket error).
pub fn serve(server: Server, listener: TcpListener, connections: usize) -> Result<(), String> {
    match server {
        Server::Executor => executor::run(serve_on_executor(listener, connections)),
        Server::Threads => serve_with_threads(&listener, connections),
        Server::Pool => serve_with_pool(&listener, connections),
    }
}

async fn serve_on_executor(listener: TcpListener, connections: usize) -> Result<(), String> {
    let listener = net::TcpListener::from_std(listener).map_err(|e| format!("listener: {e}"))?;
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (mut conn, _) = listener
            .accept()
            .await
            .map_err(|e| format!("accept: {e}"))?;
        conn.set_nodelay(true).map_err(|e| e.to_string())?;
        tasks.push(executor::spawn(async move {
            let mut buf = [0u8; MESSAGE];
            loop {
                match executor::timeout(IDLE_LIMIT, conn.read(&mut buf)).await {
                    Ok(Ok(0)) => return Ok(()),
                    Ok(Ok(n)) => conn.write_all(&buf[..n]).await?,
                    Ok(Err(e)) => return Err(e),
                    Err(_) => return Err(std::io::ErrorKind::TimedOut.into()),
                }
            }
        }));
    }
    let mut failed = None;
    for task in tasks {
        if let Ok(Err(e)) | Err(e) = task.await.map_err(|e| std::io::Error::other(e.to_string())) {
            failed.get_or_insert(format!("connection: {e}"));
        }
    }
    failed.map_or(Ok(()), Err)
}

/// One connection, served on the calling thread until the client closes.
fn echo_blocking(mut conn: TcpStream) -> std::io::Result<()> {
    conn.set_nodelay(true)?;
    conn.set_read_timeout(Some(IDLE_LIMIT))?;
    let mut buf = [0u8; MESSAGE];
    loop {
        match conn.read(&mut buf)? {
            0 => return Ok(()),
            n => conn.write_all(&buf[..n])?,
        }
    }
}

fn serve_with_threads(listener: &TcpListener, connections: usize) -> Result<(), String> {
    let mut threads = Vec::with_capacity(connections);
    let mut failed = None;
    for i in 0..connections {
        let conn = match listener.accept() {
            Ok((conn, _)) => conn,
            Err(e) => {
                failed = Some(format!("accept: {e}"));
                break;
            }
        };
        match std::thread::Builder::new().spawn(move || echo_blocking(conn)) {
            Ok(thread) => threads.push(thread),
            Err(e) => {
                // The connection was moved into the closure and is closed with it: its client
                // sees a reset, not a hang.
                failed = Some(format!("spawn failed at thread {i}: {e}"));
                break;
            }
        }
    }
    for thread in threads {
        match thread.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => drop(failed.get_or_insert(format!("connection: {e}"))),
            Err(_) => drop(failed.get_or_insert("a connection's thread panicked".into())),
        }
    }
    failed.map_or(Ok(()), Err)
}

fn serve_with_pool(listener: &TcpListener, connections: usize) -> Result<(), String> {
    let pool = WorkerPool::new(POOL_THREADS);
    let mut served = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (conn, _) = listener.accept().map_err(|e| format!("accept: {e}"))?;
        // Accepted at once, queued for a worker: the listen backlog never fills.
        served.push(pool.submit(move || echo_blocking(conn)));
    }
    let mut failed = None;
    for pending in served {
        match pending.wait() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => drop(failed.get_or_insert(format!("connection: {e}"))),
            Err(e) => drop(failed.get_or_insert(format!("a connection's job failed: {e}"))),
        }
    }
    pool.shutdown();
    failed.map_or(Ok(()), Err)
}

// The load generator, a file of its own (shared by path like `child.rs`).
#[path = "../echo/load_generator.rs"]
pub mod load_generator;
pub use load_generator::{load_main, spawn_load};

// The child-process runner with its deadline. The tour uses it from here (`use echo::child`):
// one source for both binaries, loaded once in each.
#[allow(dead_code)]
#[path = "../child.rs"]
pub mod child;

#[allow(dead_code)] // The tour (`src/main.rs`) includes this file as a module and uses the rest.
fn main() -> std::process::ExitCode {
    cli::main()
}

mod cli {
    use super::*;
    use clap::Parser;

    /// An echo server on loopback and a load generator in a child process.
    #[derive(Debug, Parser)]
    #[command(name = "echo")]
    struct Flags {
        /// Who serves: executor, threads or pool
        #[arg(long, default_value = "executor", value_parser = ["executor", "threads", "pool"])]
        server: String,
        /// Connections, all made at once
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=15_000))]
        connections: u64,
        /// Round trips of 64 bytes per connection (the busy load)
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        rounds: u64,
        /// Mostly idle connections: one round trip, all held open, one more
        #[arg(long)]
        idle: bool,
        /// Give up after this many seconds
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
        /// Internal: be the load generator against ADDR (then `<busy|idle> <connections> <rounds>`)
        #[arg(long, value_name = "ADDR", hide = true, num_args = 4)]
        load: Option<Vec<String>>,
    }

    pub fn main() -> std::process::ExitCode {
        let flags = Flags::parse();
        if let Some(args) = &flags.load {
            load_main(args);
            return std::process::ExitCode::SUCCESS;
        }
        match run(&flags) {
            Ok(line) => {
                println!("{line}");
                std::process::ExitCode::SUCCESS
            }
            Err(why) => {
                eprintln!("echo: {why}");
                std::process::ExitCode::FAILURE
            }
        }
    }

    fn run(flags: &Flags) -> Result<String, String> {
        let server = Server::parse(&flags.server).ok_or("unknown server")?;
        let load = Load {
            connections: usize::try_from(flags.connections).map_err(|e| e.to_string())?,
            rounds: usize::try_from(flags.rounds).map_err(|e| e.to_string())?,
            idle: flags.idle,
        };
        if let Some(why) = load.refused_by(server) {
            return Err(format!("{} server, idle load: {why}", server.name()));
        }
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let exe = std::env::current_exe().map_err(|e| format!("cannot find own binary: {e}"))?;
        let mut me = Command::new(exe);
        me.arg("--load");
        let clients = spawn_load(me, addr, load, Duration::from_secs(flags.limit));
        // If the load generator fails, the server would wait for connections that never come:
        // its thread ends the process instead.
        let watcher = std::thread::spawn(move || {
            let outcome = clients.join().unwrap_or_else(|_| Err("panicked".into()));
            if let Err(why) = &outcome {
                eprintln!("echo: {why}");
                std::process::exit(1);
            }
            outcome
        });
        serve(server, listener, load.connections)?;
        let wall = watcher.join().map_err(|_| "the watcher panicked")??;
        let trips = load.connections * if load.idle { 2 } else { load.rounds };
        Ok(format!(
            "{} server, {} load: {} connections, {trips} round trips of {MESSAGE} B in {:.1} ms ({:.0} round trips/s), every echo checked",
            server.name(),
            load.name(),
            load.connections,
            wall.as_secs_f64() * 1e3,
            trips as f64 / wall.as_secs_f64().max(1e-9)
        ))
    }
}
