//! The queue contenders: each moves `items` integers through a bounded channel of a given
//! [`Shape`] and reports the time it took.

mod ours;
mod peers;

use crate::threads::Shape;
use std::time::Duration;

/// A bounded queue or channel that the queue benchmarks compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueContender {
    /// Our `queue::Queue` with one `put` and one `get` per item.
    Ours,
    /// Our `queue::Queue` with consumers draining by `get_batch` (up to the capacity at a time).
    OursBatch,
    /// `std::sync::mpsc::sync_channel`; with several consumers they share the receiver behind a
    /// `Mutex` (std has no stable multi-consumer channel), which is what a std user would write.
    Std,
    /// `crossbeam_channel::bounded`.
    Crossbeam,
    /// `flume::bounded`.
    Flume,
}

impl QueueContender {
    /// Every peer, for picking the best one in a run.
    pub const PEERS: [QueueContender; 3] = [
        QueueContender::Std,
        QueueContender::Crossbeam,
        QueueContender::Flume,
    ];

    /// The contender's name in tables and criterion reports.
    ///
    /// ```
    /// assert_eq!(bench::queues::QueueContender::OursBatch.name(), "ours get_batch");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            QueueContender::Ours => "ours",
            QueueContender::OursBatch => "ours get_batch",
            QueueContender::Std => "std sync_channel",
            QueueContender::Crossbeam => "crossbeam-channel",
            QueueContender::Flume => "flume",
        }
    }

    /// Moves `items` values through this contender in the given `shape` and returns the time
    /// the transfer took (see [`crate::threads::run_transfer`]).
    ///
    /// ```
    /// use bench::queues::QueueContender;
    /// use bench::threads::Shape;
    /// for c in QueueContender::PEERS {
    ///     assert!(c.transfer(Shape::MPMC_4X4_64, 1_000).as_nanos() > 0);
    /// }
    /// ```
    pub fn transfer(self, shape: Shape, items: u64) -> Duration {
        match self {
            QueueContender::Ours => ours::transfer(shape, items),
            QueueContender::OursBatch => ours::transfer_batch(shape, items),
            QueueContender::Std => peers::std_transfer(shape, items),
            QueueContender::Crossbeam => peers::crossbeam_transfer(shape, items),
            QueueContender::Flume => peers::flume_transfer(shape, items),
        }
    }
}
