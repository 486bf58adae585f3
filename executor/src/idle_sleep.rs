//! `IdleSleep`: how the idle executor sleeps — the one seam between the core and the I/O layer.
//!
//! Both sleepers have `new`, `park(timeout)`, `unpark`, `busy_tick` and `poll_io_now`, with the same protocol:
//! - without the `io` feature (and under loom, which models it): the condvar [`Parker`];
//! - with `io`: the reactor (`io/reactor.rs`), which sleeps in the readiness poll and wakes the
//!   tasks whose sockets became ready.
//!
//! The seam lives here, not in `parker.rs`, because it exists only for the I/O layer: a reader
//! of the core can take `IdleSleep` to mean "the parker".

use crate::parker::Parker;

/// The condvar parker (no `io`, or under loom).
#[cfg(not(all(feature = "io", not(loom))))]
pub(crate) type IdleSleep = Parker;
/// See the other `IdleSleep` (this is the `io` one).
#[cfg(all(feature = "io", not(loom)))]
pub(crate) type IdleSleep = crate::io::Reactor;

impl Parker {
    /// A tick ended with tasks still ready, so no park: nothing to do for the condvar parker
    /// (the reactor's `busy_tick` polls for readiness now and then).
    #[cfg_attr(all(feature = "io", not(loom)), allow(dead_code))] // the reactor's is used then
    pub fn busy_tick(&self) {}

    /// The virtual clock is about to jump, or a long tick looks for I/O (`mid_tick_io.rs`):
    /// nothing to look at here, so false (the reactor collects I/O that is ready already).
    #[cfg_attr(all(feature = "io", not(loom)), allow(dead_code))] // the reactor's is used then
    pub fn poll_io_now(&self) -> bool {
        false
    }
}
