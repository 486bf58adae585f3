//! The echo workload: an echo server on loopback, 1 000 client connections each doing 100
//! round trips of [`MESSAGE`] bytes, and the memory an idle connection costs the server.
//!
//! **What runs where.** The server runs on a thread of its own (one contender per file:
//! `ours.rs`, `tokio_srv.rs`, `threads_srv.rs`); the clients run on the calling thread, on
//! one tokio current-thread runtime (`client.rs`), the same code for every contender. What is
//! measured is the server: its CPU time is read on the server's own thread(s)
//! (`/proc/thread-self/schedstat` at the start and end of each), so the clients' CPU is never
//! counted. Throughput is the whole loop (clients included) over wall time — the same clients
//! for every server, so the difference between two rows is the servers'. The rows leave both
//! threads where the kernel puts them; [`Placement::TwoCores`] pins them to a core each, the
//! same for every contender (an experiment's switch: `docs/decisions.md`, "echo13b").
//!
//! **Memory per idle connection** (`idle.rs`): a fresh child process per contender holds `n`
//! connections open and idle — each one a server handler waiting in `read`, exactly the echo
//! handler — while the parent holds the client ends, so that neither process needs more than
//! `n` descriptors.
//!
//! Every wait is bounded: a run that does not finish within its deadline ends with an `Err`,
//! never a hang.

mod client;
pub mod idle;
mod ours;
pub mod rows;
mod threads_srv;
mod tokio_srv;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// Bytes per message, each way.
pub const MESSAGE: usize = 64;

/// An echo server that the echo benchmarks compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EchoContender {
    /// Our executor's `net::TcpListener` / `TcpStream`, one task per connection.
    Ours,
    /// tokio's current-thread runtime (`tokio::net`, `tokio::spawn`), one task per connection.
    Tokio,
    /// Blocking std sockets, one thread per connection (the issue's third contender).
    Threads,
}

impl EchoContender {
    /// Every contender, ours first.
    pub const ALL: [EchoContender; 3] = [
        EchoContender::Ours,
        EchoContender::Tokio,
        EchoContender::Threads,
    ];

    /// The contender's name in tables and child-process arguments.
    ///
    /// ```
    /// use bench::echo::EchoContender;
    /// for c in EchoContender::ALL {
    ///     assert_eq!(EchoContender::from_name(c.name()), Some(c));
    /// }
    /// assert_eq!(EchoContender::from_name("nope"), None);
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            EchoContender::Ours => "ours",
            EchoContender::Tokio => "tokio current_thread",
            EchoContender::Threads => "thread per connection",
        }
    }

    /// The contender called `name` (see [`EchoContender::name`]), if any.
    pub fn from_name(name: &str) -> Option<EchoContender> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Runs `plan` against this contender's server and reports the wall time of the round trips
    /// and the server's CPU time. `Err` says what failed (a socket error, a deadline passed).
    ///
    /// ```
    /// use bench::echo::{EchoContender, EchoPlan};
    /// let plan = EchoPlan { connections: 20, round_trips: 5 };
    /// for c in EchoContender::ALL {
    ///     let run = c.echo(plan).unwrap();
    ///     assert!(run.wall.as_nanos() > 0 && run.round_trips_per_sec(plan) > 0.0);
    /// }
    /// ```
    pub fn echo(self, plan: EchoPlan) -> Result<EchoRun, String> {
        self.echo_placed(plan, Placement::Unpinned)
    }

    /// [`EchoContender::echo`] with the server's and the clients' threads placed as
    /// `placement` says.
    ///
    /// ```
    /// use bench::echo::{EchoContender, EchoPlan, Placement};
    /// let plan = EchoPlan { connections: 20, round_trips: 5 };
    /// let run = EchoContender::Ours.echo_placed(plan, Placement::TwoCores).unwrap();
    /// assert!(run.round_trips_per_sec(plan) > 0.0);
    /// ```
    pub fn echo_placed(self, plan: EchoPlan, placement: Placement) -> Result<EchoRun, String> {
        let (addr_tx, addr_rx) = mpsc::channel();
        let n = plan.connections;
        let server = std::thread::Builder::new()
            .name(format!("echo server ({})", self.name()))
            .spawn(move || {
                placement.pin_current(Placement::SERVER_CORE)?;
                match self {
                    EchoContender::Ours => ours::echo_server(n, RUN_DEADLINE, addr_tx),
                    EchoContender::Tokio => tokio_srv::echo_server(n, RUN_DEADLINE, addr_tx),
                    EchoContender::Threads => threads_srv::echo_server(n, RUN_DEADLINE, addr_tx),
                }
            })
            .map_err(|e| format!("spawning the server thread: {e}"))?;
        // A server that fails before binding drops the sender: `recv` then fails at once.
        let clients = move || match addr_rx.recv_timeout(RUN_DEADLINE) {
            Ok(addr) => {
                placement.pin_current(Placement::CLIENT_CORE)?;
                client::round_trips(addr, plan, RUN_DEADLINE)
            }
            Err(e) => Err(format!("the server did not bind: {e}")),
        };
        let client = match placement {
            // The calling thread, left as it was.
            Placement::Unpinned => clients(),
            // A thread of their own, so that the caller's thread stays unpinned.
            Placement::TwoCores => std::thread::scope(|s| {
                s.spawn(clients)
                    .join()
                    .unwrap_or_else(|_| Err("the client thread panicked".to_string()))
            }),
        };
        // The server ends on its own: when every client has closed, or at its deadline.
        let server_cpu = server
            .join()
            .map_err(|_| "the server thread panicked".to_string())?;
        let (wall, client_cpu) = client?;
        Ok(EchoRun {
            wall,
            server_cpu: server_cpu?,
            client_cpu,
        })
    }
}

/// Where an echo run's two threads run: the same for every contender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Placement {
    /// Wherever the kernel's scheduler puts them.
    #[default]
    Unpinned,
    /// The clients' thread pinned to the first core, the server's to the second
    /// (`sched_setaffinity`, through `core_affinity`); threads of the server's own (a thread
    /// per connection) inherit its core.
    TwoCores,
}

impl Placement {
    const CLIENT_CORE: usize = 0;
    const SERVER_CORE: usize = 1;

    /// Pins the calling thread to core `core` (modulo the cores there are) if this placement
    /// pins; `Err` if the system refused.
    fn pin_current(self, core: usize) -> Result<(), String> {
        if self == Placement::Unpinned {
            return Ok(());
        }
        let ids = core_affinity::get_core_ids().ok_or("cannot list the cores")?;
        let id = ids[core % ids.len()];
        if core_affinity::set_for_current(id) {
            Ok(())
        } else {
            Err(format!("cannot pin a thread to core {}", id.id))
        }
    }
}

/// The shape of one echo run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EchoPlan {
    /// Client connections, all open at once.
    pub connections: usize,
    /// Round trips of [`MESSAGE`] bytes per connection, one at a time.
    pub round_trips: usize,
}

impl EchoPlan {
    /// Round trips in the whole run.
    pub fn total(&self) -> usize {
        self.connections * self.round_trips
    }
}

/// What one echo run measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EchoRun {
    /// Wall time from the first round trip to the last (every connection already open).
    pub wall: Duration,
    /// CPU time of the server's thread(s), accepts included.
    pub server_cpu: Duration,
    /// CPU time of the clients' thread over `wall`: close to `wall` means the clients, not the
    /// server, limited the throughput.
    pub client_cpu: Duration,
}

impl EchoRun {
    /// Round trips per second of wall time.
    ///
    /// ```
    /// use bench::echo::{EchoPlan, EchoRun};
    /// use std::time::Duration;
    /// let zero = Duration::ZERO;
    /// let run = EchoRun { wall: Duration::from_millis(500), server_cpu: zero, client_cpu: zero };
    /// let plan = EchoPlan { connections: 10, round_trips: 10 };
    /// assert_eq!(run.round_trips_per_sec(plan), 200.0);
    /// ```
    pub fn round_trips_per_sec(&self, plan: EchoPlan) -> f64 {
        plan.total() as f64 / self.wall.as_secs_f64()
    }
}

/// How long one run (or one idle-memory child) may take before it ends with an error.
const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// How many server handlers have started (and so are waiting in their first `read`): the idle
/// workload measures once all of them have. A process-wide counter, not a per-connection `Rc`,
/// keeps the handlers minimal; the idle workload runs in a process of its own.
static HANDLERS_STARTED: AtomicUsize = AtomicUsize::new(0);

fn handler_started() {
    HANDLERS_STARTED.fetch_add(1, Ordering::Relaxed);
}

fn handlers_started() -> usize {
    HANDLERS_STARTED.load(Ordering::Relaxed)
}

/// The end of a server's CPU measurement: `end - start` of two thread CPU readings.
fn cpu_since(start: Option<Duration>) -> Result<Duration, String> {
    crate::measure::thread_cpu_time()
        .zip(start)
        .map(|(end, start)| end.saturating_sub(start))
        .ok_or_else(|| "no /proc/thread-self/schedstat: cannot measure CPU time".to_string())
}

/// Sends the bound address to the clients; they may be gone (a failed run), which is fine.
fn announce(addr_tx: &mpsc::Sender<SocketAddr>, addr: SocketAddr) {
    let _ = addr_tx.send(addr);
}
