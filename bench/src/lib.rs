//! Shared workload code for the benchmarks in `benches/`: our `queue` and `executor` against
//! the peers a user would otherwise pick, on the same workloads.
//!
//! - [`bridge`]: threads and tasks on one channel, ours and the peers with both faces.
//! - [`queues`] and [`exec`]: one function per (contender, workload), so the criterion benches
//!   (`benches/queue.rs`, `benches/executor.rs`) and the target check (`benches/targets.rs`)
//!   run exactly the same code.
//! - [`threads`]: the producer/consumer driver; [`measure`]: CPU time and RSS from `/proc`;
//!   [`stats`]: medians and percentiles; [`rounds`]: interleaved rounds and per-round ratios;
//!   [`python`]: the asyncio / `queue.Queue` scripts in `bench/python/`; [`report`]: the
//!   target table; [`timer_rounds`]: timer runs of every contender and their statistics;
//!   [`machine`]: the date, commit, toolchain and CPU printed with results.
//!
//! The peers are dependencies of this crate only; the project's own crates never see them.
#![forbid(unsafe_code)]

pub mod bridge;
pub mod echo;
pub mod exec;
pub mod machine;
pub mod measure;
pub mod python;
pub mod queues;
pub mod report;
pub mod rounds;
pub mod stats;
pub mod threads;
pub mod timer_rounds;
