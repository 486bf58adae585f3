//! The tour of the project (work in progress).
#![forbid(unsafe_code)]

fn main() {}
