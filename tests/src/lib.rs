//! Cross-crate integration, stress and seed-parity tests live in `tests/tests/`.
#![forbid(unsafe_code)]
