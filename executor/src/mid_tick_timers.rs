//! A layer: on the real clock, timers that come due *during* a long tick fire then, and the
//! tasks they wake run next, ahead of the rest of that tick.
//!
//! The textbook tick (`run_loop.rs`) fires due timers once, at its start, then polls every task
//! that was ready. When a tick is long — the first polls of tens of thousands of tasks just
//! spawned, each registering its `sleep` — a timer registered early in the tick comes due while
//! the tick is still running, and it waited for the tick's end: the tick's length became every
//! such timer's lateness. With this layer the tick looks at the clock every
//! [`POLLS_BETWEEN_LOOKS`] polls, fires what is due, and moves the woken ids to the front of the
//! run queue, to be polled within this tick (earliest deadline first: a timer-woken task is
//! late already; the others were merely ready). A task woken by a timer still runs once per
//! wake — its `scheduled` flag dedups as ever — and tasks woken any other way keep their order.
//! A tick moves at most as many tasks ahead as it started with ([`Tick`]), so it always ends.
//!
//! The virtual clock does not move during a tick, so nothing comes due there and this layer
//! does nothing: the virtual clock's order is exactly asyncio's. `--cfg
//! executor_timers_at_tick_start` switches the layer off (the ablation, see
//! `scripts/ablation-executor`).

use crate::run_loop::Core;
use crate::slab::TaskId;

/// How many task polls the tick runs between two looks at the clock: a clock read costs about
/// as much as a short poll, so one per this many polls is noise; the lateness it adds is this
/// many polls at most.
const POLLS_BETWEEN_LOOKS: usize = 64;

/// What is left of one tick: the tasks it still polls, and how many more it may move ahead.
pub(crate) struct Tick {
    left: usize,
    /// Starts at the number of tasks ready at the tick's start: a tick polls at most twice as
    /// many. Timers that keep coming due (tasks sleeping a microsecond in a loop) would
    /// otherwise keep one tick running forever, starving what is queued behind it and what a
    /// tick does at its start (other threads' wakes, I/O).
    may_move_ahead: usize,
}

impl Tick {
    /// A tick that polls the `ready` tasks in the run queue now.
    pub(crate) fn new(ready: usize) -> Self {
        Tick {
            left: ready,
            may_move_ahead: ready,
        }
    }
}

impl Core {
    /// The tick's next task (`polled`: the polls so far); `None` ends the tick. Inlined into
    /// the tick, the rare firing kept out of line (`docs/decisions.md`, block execr2).
    #[inline(always)]
    pub(crate) fn next_in_tick(&self, polled: usize, tick: &mut Tick) -> Option<TaskId> {
        let look = polled % POLLS_BETWEEN_LOOKS == POLLS_BETWEEN_LOOKS - 1;
        if look
            && tick.may_move_ahead > 0
            && !cfg!(executor_timers_at_tick_start)
            && !self.clock.is_virtual()
        {
            let moved = self.fire_due_timers_ahead();
            tick.left += moved;
            tick.may_move_ahead = tick.may_move_ahead.saturating_sub(moved);
        }
        tick.left = tick.left.checked_sub(1)?;
        self.run_queue.borrow_mut().pop_front()
    }

    /// Fires the due timers and moves whatever they queued to the front of the run queue;
    /// returns how many ids that was.
    #[inline(never)]
    fn fire_due_timers_ahead(&self) -> usize {
        let before = self.run_queue.borrow().len();
        self.fire_due_timers();
        let mut run_queue = self.run_queue.borrow_mut();
        // Wakes only push at the back, so the new ids are the last ones.
        let added = run_queue.len().saturating_sub(before);
        run_queue.rotate_right(added);
        added
    }
}
