//! Python's `queue.Queue` in Rust (work in progress).
#![forbid(unsafe_code)]
