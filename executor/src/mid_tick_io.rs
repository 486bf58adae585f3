//! A layer: during a long tick, the executor looks for I/O every [`POLLS_BETWEEN_LOOKS`] task
//! polls, so readiness that arrived meanwhile wakes its tasks before the run queue runs dry.
//!
//! The textbook tick (`run_loop.rs`) collects I/O only when it idles (the run queue empty) and,
//! so that a yield loop cannot starve I/O, after every so many *busy ticks* (`busy_tick`). A
//! tick that polls hundreds of tasks — a server answering many connections at once — then sees
//! nothing of the requests that came in while it ran, however long it ran: it finishes, finds
//! the queue empty, and goes to the readiness poll, where it may sleep and be woken again. With
//! this layer the tick also looks for I/O without waiting (a zero-timeout poll, the reactor's
//! `poll_io_now`) after every [`POLLS_BETWEEN_LOOKS`]-th poll; the tasks that wakes go to the
//! back of the run queue, as any wake does, and run in the next tick — the tick's own length and
//! order do not change. This is tokio's `event_interval`: it counts polled tasks, not ticks.
//!
//! Without the `io` feature (and under loom) the look is the condvar parker's `poll_io_now`, an
//! empty function: the layer compiles away. `--cfg executor_io_at_tick_end` switches it off
//! (the ablation, see `scripts/ablation-executor`).

use crate::run_loop::Core;

/// How many task polls a tick runs between two looks for I/O: tokio's `event_interval`. A
/// look costs a system call (when any source is registered), about as much as a few short
/// polls, so one per this many is small beside the polls; readiness waits this many polls at
/// most.
const POLLS_BETWEEN_LOOKS: usize = 61;

impl Core {
    /// Called after the tick's poll number `polled` (from 0): every [`POLLS_BETWEEN_LOOKS`]-th
    /// one, collect ready I/O now (its tasks run in the next tick).
    pub(crate) fn look_for_io_mid_tick(&self, polled: usize) {
        if polled % POLLS_BETWEEN_LOOKS == POLLS_BETWEEN_LOOKS - 1 && !cfg!(executor_io_at_tick_end)
        {
            // Whether that woke anyone does not matter here: the tick goes on either way.
            let _woke = self.cross_thread.parker.poll_io_now();
        }
    }
}
