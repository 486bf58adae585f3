//! A single-threaded, waker-based executor (work in progress).
#![forbid(unsafe_code)]
