//! Shared helpers for the benchmarks in `benches/`.
#![forbid(unsafe_code)]
