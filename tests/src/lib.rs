//! Cross-crate tests of the workspace: the files in `tests/tests/` exercise `queue` and
//! `executor` together (a `WorkerPool` awaited from the executor) and under stress.
//!
//! This library itself holds one thing: the repository's README, compiled and run as doctests,
//! so the examples a newcomer copies from it stay true.
#![forbid(unsafe_code)]

/// The README's Rust examples (`cargo test -p tests --doc` runs them).
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
