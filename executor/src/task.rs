//! The task slab: where spawned tasks live, addressed by generation-checked ids.
//!
//! Wakers carry a [`TaskId`], not a pointer to the task: a waker may outlive its task (it can be
//! stored anywhere, on any thread), and the task itself is not `Send`. When a task finishes its
//! slot is reused and the slot's generation is bumped, so an old id — from a stale waker or a
//! stale run-queue entry — no longer matches and is ignored.
//!
//! Memory per task is the point of the layout (issue #6: a pending task should cost at most
//! 128 bytes). A slot is only the task's `Rc` (16 bytes: a `dyn` pointer); the generations sit
//! in a parallel `Vec<u32>`. Keeping the generation in the slot would round it up to 24 bytes
//! (alignment), and in the task cell it would push the cell past a 64-byte malloc chunk
//! (see `cell.rs`). The price is a second bounds-checked lookup per poll: noise next to a poll.

use std::rc::Rc;

use crate::waker_pool::WakerPool;

/// Identifies a task: its slot and the slot's generation when the task was spawned.
/// (Generations wrap after 2³² reuses of one slot; an id that old cannot still be queued.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TaskId {
    index: u32,
    generation: u32,
}

impl TaskId {
    /// For a waker, which stores the two halves in atomics of its own.
    pub(crate) fn into_parts(self) -> (u32, u32) {
        (self.index, self.generation)
    }

    pub(crate) fn from_parts(index: u32, generation: u32) -> Self {
        TaskId { index, generation }
    }

    /// Stands for the `block_on` future in the run queue (see `executor.rs`). Never a slab
    /// index: `insert` stops below `u32::MAX`.
    pub(crate) const MAIN: TaskId = TaskId {
        index: u32::MAX,
        generation: 0,
    };
}

/// What the run loop needs from a task, whatever its future's type.
pub(crate) trait RawTask {
    /// Polls the task's future once, with a waker for `id` taken from `wakers` (or the one the
    /// future kept from its previous poll); true when the task is finished and its slot can be
    /// freed.
    fn poll(&self, id: TaskId, wakers: &WakerPool) -> bool;
    /// Drops the future now (executor shutdown); the join handle will yield "cancelled".
    fn shutdown(&self);
}

#[derive(Default)]
pub(crate) struct TaskSlab {
    /// `None`: a free slot. Its index is in `free`.
    slots: Vec<Option<Rc<dyn RawTask>>>,
    /// `generations[i]` is the generation of `slots[i]` (same length, always).
    generations: Vec<u32>,
    /// Indices of empty slots, reused last-in first-out (the most recently freed slot is the
    /// most likely to be in cache).
    free: Vec<u32>,
    live: usize,
}

impl TaskSlab {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Stores `task`; returns its id. The task counts as scheduled: the caller puts the id on
    /// the run queue.
    pub(crate) fn insert(&mut self, task: Rc<dyn RawTask>) -> TaskId {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&index| index < TaskId::MAIN.index)
                    .expect("more than 2^32 - 1 live tasks");
                self.slots.push(None);
                self.generations.push(0);
                index
            }
        };
        self.slots[index as usize] = Some(task);
        self.live += 1;
        TaskId {
            index,
            generation: self.generations[index as usize],
        }
    }

    /// The task `id`, if it is still in the slab: a clone of its `Rc`, so the poll runs without
    /// a borrow of the slab (the task may spawn). `None` for a stale id.
    pub(crate) fn get(&self, id: TaskId) -> Option<Rc<dyn RawTask>> {
        if self.generations.get(id.index as usize) != Some(&id.generation) {
            return None;
        }
        self.slots[id.index as usize].clone()
    }

    /// Frees the slot of a finished task; returns the task to be dropped outside the borrow.
    pub(crate) fn remove(&mut self, id: TaskId) -> Option<Rc<dyn RawTask>> {
        if self.generations.get(id.index as usize) != Some(&id.generation) {
            return None;
        }
        let task = self.slots[id.index as usize].take()?;
        self.retire(id.index);
        self.live -= 1;
        Some(task)
    }

    /// Empties the slab (executor shutdown); the tasks are dropped by the caller, outside the
    /// borrow, because their futures' `Drop` may spawn, wake or abort.
    pub(crate) fn take_all(&mut self) -> Vec<Rc<dyn RawTask>> {
        let mut tasks = Vec::with_capacity(self.live);
        for index in 0..self.slots.len() {
            if let Some(task) = self.slots[index].take() {
                self.retire(index as u32);
                tasks.push(task);
            }
        }
        self.live = 0;
        tasks
    }

    /// Makes every id of the slot's last task stale, and the slot free.
    fn retire(&mut self, index: u32) {
        let generation = &mut self.generations[index as usize];
        *generation = generation.wrapping_add(1);
        self.free.push(index);
    }

    /// Number of tasks spawned and not yet finished.
    pub(crate) fn len(&self) -> usize {
        self.live
    }
}

// Its only user, `waker.rs`'s unit tests, does not exist under loom.
#[cfg(all(test, not(loom)))]
pub(crate) mod tests_support {
    /// A task id for unit tests of other modules.
    pub(crate) fn id(index: u32) -> super::TaskId {
        super::TaskId {
            index,
            generation: 0,
        }
    }
}
