//! Threads and tasks on one channel: `items` integers from a producer to a consumer, each side
//! a thread (the blocking calls) or a task (the awaitable ones), for our `Queue` and the peers
//! that offer both faces on one channel. Every task runs on **our** executor
//! (`executor::Executor`, the real clock), so what differs between contenders is the channel.
//!
//! One module per contender (`ours.rs`, `flume_ch.rs`, `async_ch.rs`, `tokio_mpsc.rs`), each a
//! [`Bridge`] implementation: four calls, written the way that channel's users write them. The
//! paths are driven once, here, for all of them.

mod async_ch;
mod flume_ch;
mod ours;
mod tokio_mpsc;

use std::time::{Duration, Instant};

use executor::{spawn, Executor};

/// Which side is a thread and which a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BridgePath {
    /// Both sides threads, blocking calls: the reference every other path is judged against.
    ThreadToThread,
    /// A producer thread (`put`), a consumer task (`get_async`).
    ThreadToTask,
    /// A producer task on its own thread's executor (`put_async`), a consumer thread (`get`).
    TaskToThread,
    /// Both tasks on one executor (one thread): the producer spawned, the consumer `block_on`.
    TaskToTask,
}

impl BridgePath {
    /// Every path, the reference first.
    pub const ALL: [BridgePath; 4] = [
        BridgePath::ThreadToThread,
        BridgePath::ThreadToTask,
        BridgePath::TaskToThread,
        BridgePath::TaskToTask,
    ];

    /// The path's name in tables.
    ///
    /// ```
    /// assert_eq!(bench::bridge::BridgePath::ThreadToTask.name(), "thread -> task");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            BridgePath::ThreadToThread => "thread -> thread",
            BridgePath::ThreadToTask => "thread -> task",
            BridgePath::TaskToThread => "task -> thread",
            BridgePath::TaskToTask => "task -> task",
        }
    }
}

/// A channel with a blocking and an awaitable face.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BridgeContender {
    /// Our `queue::Queue`: `put`/`get`, `put_async`/`get_async`.
    Ours,
    /// `flume::bounded`: `send`/`recv`, `send_async`/`recv_async`.
    Flume,
    /// `async_channel::bounded`: `send_blocking`/`recv_blocking`, `send`/`recv` awaited.
    AsyncChannel,
    /// `tokio::sync::mpsc::channel`: `blocking_send`/`blocking_recv`, `send`/`recv` awaited.
    TokioMpsc,
}

impl BridgeContender {
    /// Every peer, for picking the best one per path.
    pub const PEERS: [BridgeContender; 3] = [
        BridgeContender::Flume,
        BridgeContender::AsyncChannel,
        BridgeContender::TokioMpsc,
    ];

    /// The contender's name in tables.
    ///
    /// ```
    /// assert_eq!(bench::bridge::BridgeContender::TokioMpsc.name(), "tokio mpsc");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            BridgeContender::Ours => "ours",
            BridgeContender::Flume => "flume",
            BridgeContender::AsyncChannel => "async-channel",
            BridgeContender::TokioMpsc => "tokio mpsc",
        }
    }

    /// Moves `items` integers through a fresh channel of `capacity` along `path`; returns the
    /// time from the first put to the last get (threads spawned and executors built included).
    ///
    /// # Panics
    ///
    /// If an item is lost or duplicated (the consumer checks the sum), or `capacity` is 0.
    ///
    /// ```
    /// use bench::bridge::{BridgeContender, BridgePath};
    /// for c in [BridgeContender::Ours].into_iter().chain(BridgeContender::PEERS) {
    ///     for path in BridgePath::ALL {
    ///         assert!(c.transfer(path, 1, 1_000).as_nanos() > 0);
    ///     }
    /// }
    /// ```
    pub fn transfer(self, path: BridgePath, capacity: usize, items: u64) -> Duration {
        match self {
            BridgeContender::Ours => drive::<ours::Ours>(path, capacity, items),
            BridgeContender::Flume => drive::<flume_ch::Flume>(path, capacity, items),
            BridgeContender::AsyncChannel => drive::<async_ch::AsyncChannel>(path, capacity, items),
            BridgeContender::TokioMpsc => drive::<tokio_mpsc::TokioMpsc>(path, capacity, items),
        }
    }
}

/// One contender's four calls. Crate-private: `async fn` in a trait is fine where no one
/// outside needs to name its futures' `Send`-ness.
trait Bridge: 'static {
    type Tx: Send + 'static;
    type Rx: Send + 'static;
    fn bounded(capacity: usize) -> (Self::Tx, Self::Rx);
    fn put(tx: &Self::Tx, item: u64);
    async fn put_async(tx: &Self::Tx, item: u64);
    fn get(rx: &mut Self::Rx) -> u64;
    async fn get_async(rx: &mut Self::Rx) -> u64;
}

fn drive<B: Bridge>(path: BridgePath, capacity: usize, items: u64) -> Duration {
    let (tx, mut rx) = B::bounded(capacity);
    let start = Instant::now();
    let sum: u64 = match path {
        BridgePath::ThreadToThread => {
            let producer = std::thread::spawn(move || (0..items).for_each(|i| B::put(&tx, i)));
            let sum = (0..items).map(|_| B::get(&mut rx)).sum();
            producer.join().expect("producer thread");
            sum
        }
        BridgePath::ThreadToTask => {
            let producer = std::thread::spawn(move || (0..items).for_each(|i| B::put(&tx, i)));
            let sum = Executor::new().block_on(consume_async::<B>(&mut rx, items));
            producer.join().expect("producer thread");
            sum
        }
        BridgePath::TaskToThread => {
            let producer = std::thread::spawn(move || {
                Executor::new().block_on(async move { produce_async::<B>(tx, items).await })
            });
            let sum = (0..items).map(|_| B::get(&mut rx)).sum();
            producer.join().expect("producer thread");
            sum
        }
        BridgePath::TaskToTask => Executor::new().block_on(async move {
            let producer = spawn(produce_async::<B>(tx, items));
            let sum = consume_async::<B>(&mut rx, items).await;
            producer.await.expect("producer task");
            sum
        }),
    };
    let elapsed = start.elapsed();
    assert_eq!(
        sum,
        items * items.saturating_sub(1) / 2,
        "an item lost or doubled"
    );
    elapsed
}

async fn produce_async<B: Bridge>(tx: B::Tx, items: u64) {
    for i in 0..items {
        B::put_async(&tx, i).await;
    }
}

async fn consume_async<B: Bridge>(rx: &mut B::Rx, items: u64) -> u64 {
    let mut sum = 0;
    for _ in 0..items {
        sum += B::get_async(rx).await;
    }
    sum
}
