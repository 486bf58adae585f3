//! A memory layer: how a task's id and flags are packed small.
//!
//! - **The flags live in the slot, in bytes it pads anyway**: a slot is four words whatever
//!   holds them (`task.rs`'s size test). The textbook task cell would hold them next to the
//!   future; here the slot holds the task by value (one allocation per task), so while the
//!   task is out for a poll its flags stay behind in `Stage::Polling` — the accessors below
//!   read them from either stage.
//! - **The id fits one word**, so a waker can keep it in an atomic (`waker.rs`) — which the
//!   lent waker needs, to re-address a spare waker to the next task (`lent_waker.rs`).

use crate::slab::{Stage, TaskId};

/// A task's few flags, in the bytes its slot would pad anyway.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Flags {
    /// A `JoinHandle` of the task is alive: its outcome goes to the join table
    /// (`join_table.rs`); otherwise it is dropped.
    pub(crate) joined: bool,
    pub(crate) abort_requested: bool,
    /// The task is queued (or running) and holds no waker: a wake through the slab must not
    /// queue it again (`lent_waker.rs`; unused when the task owns its waker).
    pub(crate) scheduled: bool,
}

impl Stage {
    /// The task's flags, whether it is in its slot or out for a poll.
    pub(crate) fn flags(&self) -> Flags {
        match self {
            Stage::Idle(task) => task.flags,
            Stage::Polling(flags) => *flags,
        }
    }

    /// The task's flags, to change, whether it is in its slot or out for a poll.
    pub(crate) fn flags_mut(&mut self) -> &mut Flags {
        match self {
            Stage::Idle(task) => &mut task.flags,
            Stage::Polling(flags) => flags,
        }
    }
}

impl TaskId {
    /// The id as one word, for a waker's atomic (`waker.rs`).
    pub(crate) fn to_bits(self) -> u64 {
        (u64::from(self.generation) << 32) | u64::from(self.index)
    }

    /// The id back from [`to_bits`](Self::to_bits).
    pub(crate) fn from_bits(bits: u64) -> TaskId {
        TaskId {
            index: bits as u32,
            generation: (bits >> 32) as u32,
        }
    }
}
